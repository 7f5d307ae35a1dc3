package source

import "testing"

func TestPositionAndEditorPos(t *testing.T) {
	f := NewFile("a.bt", []byte("ab\n\tcé𝄞x\r\nlast"))
	cases := []struct {
		off        Pos
		line, col  int
		eline, u16 int
		u8, u32    int
	}{
		{0, 1, 1, 0, 0, 0, 0},
		{2, 1, 3, 0, 2, 2, 2},
		{3, 2, 1, 1, 0, 0, 0},
		{5, 2, 3, 1, 2, 2, 2},  // after "\tc"
		{7, 2, 5, 1, 3, 4, 3},  // after "\tcé"
		{11, 2, 9, 1, 5, 8, 4}, // after the 4-byte rune: 2 UTF-16 units
		{14, 3, 1, 2, 0, 0, 0},
	}
	for _, c := range cases {
		p := f.Position(c.off)
		if p.Line != c.line || p.Column != c.col {
			t.Errorf("Position(%d) = %d:%d, want %d:%d", c.off, p.Line, p.Column, c.line, c.col)
		}
		for _, e := range []struct {
			enc  Encoding
			want int
		}{{UTF16, c.u16}, {UTF8, c.u8}, {UTF32, c.u32}} {
			ep := f.EditorPos(c.off, e.enc)
			if ep.Line != c.eline || ep.Character != e.want {
				t.Errorf("EditorPos(%d, %d) = %+v, want %d:%d", c.off, e.enc, ep, c.eline, e.want)
			}
			if back := f.PosOf(ep, e.enc); back != c.off {
				t.Errorf("PosOf(%+v, %d) = %d, want %d", ep, e.enc, back, c.off)
			}
		}
	}
	if got := f.LineText(2); got != "\tcé𝄞x" {
		t.Errorf("LineText(2) = %q", got)
	}
	// Out-of-range editor positions clamp instead of failing.
	if got := f.PosOf(EditorPosition{Line: 0, Character: 99}, UTF16); got != 2 {
		t.Errorf("clamp to line end: got %d", got)
	}
	if got := f.PosOf(EditorPosition{Line: 99}, UTF16); got != Pos(len(f.Text)) {
		t.Errorf("clamp to file end: got %d", got)
	}
	if got := f.Position(-5); got.Line != 1 || got.Column != 1 {
		t.Errorf("negative pos: %+v", got)
	}
}
