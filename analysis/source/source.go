// Package source holds a script's text and maps byte offsets to the
// positions people and protocols use: 1-based line and column for
// diagnostics, 0-based line and UTF-16 (or UTF-8/UTF-32) character for LSP.
//
// Every position in the analysis core is a Pos, a byte offset into one
// File; a Span is a half-open byte range. Converting to lines happens only
// at the edges (printing a diagnostic, answering an editor).
package source

import (
	"sort"
	"unicode/utf16"
	"unicode/utf8"
)

// Pos is a byte offset into a File's text. NoPos marks an unknown position.
type Pos int

// NoPos is the zero-knowledge position.
const NoPos Pos = -1

// IsValid reports whether p is a real position.
func (p Pos) IsValid() bool { return p >= 0 }

// Span is the half-open byte range [Start, End) of a File.
type Span struct {
	Start, End Pos
}

// Len returns the number of bytes the span covers.
func (s Span) Len() int { return int(s.End - s.Start) }

// Contains reports whether p lies in s; the end is included so that a
// cursor just after an identifier still counts as on it.
func (s Span) Contains(p Pos) bool { return p >= s.Start && p <= s.End }

// Union returns the smallest span covering both s and t.
func (s Span) Union(t Span) Span {
	if !s.Start.IsValid() {
		return t
	}
	if !t.Start.IsValid() {
		return s
	}
	u := s
	if t.Start < u.Start {
		u.Start = t.Start
	}
	if t.End > u.End {
		u.End = t.End
	}
	return u
}

// Position is a human position: 1-based line, 1-based byte column.
type Position struct {
	Filename string
	Offset   int
	Line     int
	Column   int
}

// File is one source text with its line table. It is immutable once made
// and safe for concurrent use.
type File struct {
	Name  string
	Text  []byte
	lines []int // byte offset of the start of each line
}

// NewFile records text under name and builds its line table.
func NewFile(name string, text []byte) *File {
	lines := make([]int, 1, len(text)/32+1)
	for i, b := range text {
		if b == '\n' {
			lines = append(lines, i+1)
		}
	}
	return &File{Name: name, Text: text, lines: lines}
}

// LineCount returns the number of lines (a trailing newline starts an
// empty last line).
func (f *File) LineCount() int { return len(f.lines) }

// clamp keeps p inside the text.
func (f *File) clamp(p Pos) int {
	switch {
	case p < 0:
		return 0
	case int(p) > len(f.Text):
		return len(f.Text)
	}
	return int(p)
}

// lineIndex returns the 0-based line containing offset off.
func (f *File) lineIndex(off int) int {
	return sort.Search(len(f.lines), func(i int) bool { return f.lines[i] > off }) - 1
}

// Position converts p to a 1-based line and byte column.
func (f *File) Position(p Pos) Position {
	off := f.clamp(p)
	i := f.lineIndex(off)
	return Position{Filename: f.Name, Offset: off, Line: i + 1, Column: off - f.lines[i] + 1}
}

// LineStart returns the offset where 1-based line starts, clamped to the
// file.
func (f *File) LineStart(line int) Pos {
	if line < 1 {
		return 0
	}
	if line > len(f.lines) {
		return Pos(len(f.Text))
	}
	return Pos(f.lines[line-1])
}

// LineText returns the text of 1-based line without its line terminator.
func (f *File) LineText(line int) string {
	if line < 1 || line > len(f.lines) {
		return ""
	}
	start := f.lines[line-1]
	end := len(f.Text)
	if line < len(f.lines) {
		end = f.lines[line] - 1
	}
	if end > start && f.Text[end-1] == '\r' {
		end--
	}
	return string(f.Text[start:end])
}

// Encoding is how an editor counts characters within a line.
type Encoding int

const (
	UTF16 Encoding = iota // LSP's default
	UTF8
	UTF32
)

// units returns how many code units r takes in enc.
func (enc Encoding) units(r rune, size int) int {
	switch enc {
	case UTF8:
		return size
	case UTF32:
		return 1
	}
	if r >= 0x10000 && r != utf8.RuneError {
		return 2
	}
	return 1
}

// EditorPosition is a 0-based line and character as LSP counts them.
type EditorPosition struct {
	Line, Character int
}

// EditorPos converts p to a 0-based line and a character count in enc.
func (f *File) EditorPos(p Pos, enc Encoding) EditorPosition {
	off := f.clamp(p)
	i := f.lineIndex(off)
	ch := 0
	for b := f.lines[i]; b < off; {
		r, size := utf8.DecodeRune(f.Text[b:])
		if b+size > off { // p points inside a rune: count the rune
			ch += enc.units(r, size)
			break
		}
		ch += enc.units(r, size)
		b += size
	}
	return EditorPosition{Line: i, Character: ch}
}

// PosOf converts an editor position back to a byte offset. Positions past
// the end of a line clamp to the line's end and lines past the end of the
// file clamp to the end of the text, as the LSP specification asks.
func (f *File) PosOf(ep EditorPosition, enc Encoding) Pos {
	if ep.Line < 0 {
		return 0
	}
	if ep.Line >= len(f.lines) {
		return Pos(len(f.Text))
	}
	b := f.lines[ep.Line]
	end := len(f.Text)
	if ep.Line+1 < len(f.lines) {
		end = f.lines[ep.Line+1] - 1 // stop before '\n'
	}
	for ch := 0; b < end && ch < ep.Character; {
		r, size := utf8.DecodeRune(f.Text[b:end])
		ch += enc.units(r, size)
		b += size
	}
	return Pos(b)
}

// UTF16Len returns the length of s in UTF-16 code units.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += len(utf16.Encode([]rune{r}))
	}
	return n
}
