package server

import (
	"strings"
	"testing"
)

func TestInlayHints(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(testCaps, nil)
	src := "begin {\n  $s = comm;\n  let $n: int64 = 1;\n  @c[pid] = count();\n  $s = \"x\";\n}\n"
	c.open(uri1, src, 1)
	var hints []inlayHint
	c.mustCall("textDocument/inlayHint", map[string]any{"textDocument": map[string]any{"uri": uri1},
		"range": map[string]any{"start": map[string]any{"line": 0, "character": 0}, "end": map[string]any{"line": 9, "character": 0}}}, &hints)
	var got []string
	for _, h := range hints {
		got = append(got, itoa(h.Position.Line)+":"+itoa(h.Position.Character)+h.Label)
	}
	want := "1:4: string[16] 3:9: count_t"
	if strings.Join(got, " ") != want {
		t.Errorf("hints %q, want %q", strings.Join(got, " "), want)
	}
	// Only the requested range.
	c.mustCall("textDocument/inlayHint", map[string]any{"textDocument": map[string]any{"uri": uri1},
		"range": map[string]any{"start": map[string]any{"line": 3, "character": 0}, "end": map[string]any{"line": 4, "character": 0}}}, &hints)
	if len(hints) != 1 || hints[0].Label != ": count_t" {
		t.Errorf("range hints: %+v", hints)
	}
}
