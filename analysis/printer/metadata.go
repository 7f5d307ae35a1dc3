package printer

import (
	"sort"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/source"
)

// metaEntry is one comment line or one recorded line break, in the form
// bpftrace's lexer keeps them for its formatter: a // comment is its text
// after the slashes and one optional space; a /* */ comment is one entry
// per line of its body, with the leading blanks and stars of each
// continuation line removed; and a line break outside tokens is a blank
// line ("vertical space") unless it directly follows a comment, `;`, `{`
// or `}`.
type metaEntry struct {
	pos    source.Pos // where the entry starts; entries are sorted by it
	vspace bool
	text   string
	compat bool // print exactly as bpftrace would (see sprint)
	id     int  // which comment line of the source: 1, 2, ...
}

// metaIndex is an ordered run of entries from which printing claims
// prefixes: before(p) removes and returns every entry starting at or
// before p. Each node claims what precedes it, so comments land next to
// the node that follows them.
type metaIndex struct {
	entries []metaEntry
}

func (m *metaIndex) before(p source.Pos) *metaIndex {
	k := 0
	for k < len(m.entries) && m.entries[k].pos <= p {
		k++
	}
	r := &metaIndex{entries: m.entries[:k:k]}
	m.entries = m.entries[k:]
	return r
}

// takeAfter removes and returns the comments that start after p (blank
// lines after p are dropped).
func (m *metaIndex) takeAfter(p source.Pos) []metaEntry {
	var out []metaEntry
	keep := m.entries[:0:0]
	for _, e := range m.entries {
		if e.pos > p {
			if !e.vspace {
				out = append(out, e)
			}
			continue
		}
		keep = append(keep, e)
	}
	m.entries = keep
	return out
}

// takeComments removes every entry and returns the comments.
func (m *metaIndex) takeComments() []metaEntry {
	var out []metaEntry
	for _, e := range m.entries {
		if !e.vspace {
			out = append(out, e)
		}
	}
	m.entries = nil
	return out
}

// commentsBefore removes and returns the comments starting at or before
// p, leaving the blank lines.
func (m *metaIndex) commentsBefore(p source.Pos) *metaIndex {
	r := &metaIndex{}
	keep := m.entries[:0:0]
	for _, e := range m.entries {
		if e.pos <= p && !e.vspace {
			r.entries = append(r.entries, e)
			continue
		}
		keep = append(keep, e)
	}
	m.entries = keep
	return r
}

// dropVspaceBefore removes the blank lines that start before p.
func (m *metaIndex) dropVspaceBefore(p source.Pos) {
	keep := m.entries[:0:0]
	for _, e := range m.entries {
		if !e.vspace || e.pos >= p {
			keep = append(keep, e)
		}
	}
	m.entries = keep
}

// withoutVspace returns m's comments only.
func (m *metaIndex) withoutVspace() *metaIndex {
	r := &metaIndex{}
	for _, e := range m.entries {
		if !e.vspace {
			r.entries = append(r.entries, e)
		}
	}
	return r
}

// prepend puts es in front of m, all at position p.
func (m *metaIndex) prepend(es []metaEntry, p source.Pos) {
	n := make([]metaEntry, 0, len(es)+len(m.entries))
	for _, e := range es {
		e.pos = p
		n = append(n, e)
	}
	m.entries = append(n, m.entries...)
}

// Byte classes used while collecting entries.
const (
	classCode byte = iota
	classComment
	classOpaque // text the lexer copies verbatim: shebang, C definitions
)

// collectMeta lists the comments and blank lines of f in source order,
// and returns the class of every byte of the source.
func collectMeta(f *ast.File) ([]metaEntry, []byte) {
	if f.Source == nil {
		return nil, nil
	}
	src := f.Source.Text
	n := len(src)
	class := make([]byte, n)
	mark := func(lo, hi source.Pos, c byte) {
		a, b := int(lo), int(hi)
		if a < 0 {
			a = 0
		}
		if b > n {
			b = n
		}
		for i := a; i < b; i++ {
			class[i] = c
		}
	}
	// Opaque text: the shebang line with its newline, C preprocessor lines
	// with their newline, C definitions.
	if f.Shebang != nil {
		hi := f.Shebang.Hi
		if int(hi) < n && src[hi] == '\n' {
			hi++
		}
		mark(f.Shebang.Lo, hi, classOpaque)
	}
	for _, d := range f.Decls {
		c, ok := d.(*ast.CDecl)
		if !ok {
			continue
		}
		hi := c.Hi
		if c.Kind == ast.CPreprocessor {
			for int(hi) < n && src[hi] != '\n' {
				hi++
			}
			if int(hi) < n {
				hi++
			}
		}
		mark(c.Lo, hi, classOpaque)
	}
	var out []metaEntry
	for _, g := range f.Comments {
		for _, c := range g.List {
			lo, hi := int(c.Lo), int(c.Hi)
			if lo < 0 || hi > n || lo >= hi || class[lo] == classOpaque {
				continue
			}
			mark(c.Lo, c.Hi, classComment)
			out = commentEntries(out, src, lo, hi)
		}
	}
	for i := 0; i < n; i++ {
		if src[i] != '\n' || class[i] != classCode {
			continue
		}
		q := i - 1
		for q >= 0 && (src[q] == ' ' || src[q] == '\t' || src[q] == '\r') {
			q--
		}
		if q >= 0 && (class[q] == classComment || src[q] == ';' || src[q] == '{' || src[q] == '}') {
			continue
		}
		out = append(out, metaEntry{pos: source.Pos(i), vspace: true})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].pos < out[j].pos })
	for i := range out {
		out[i].id = i + 1
	}
	return out, class
}

// withoutIDs returns es without the entries of drop (matched by id), in a
// new slice.
func withoutIDs(es, drop []metaEntry) []metaEntry {
	ids := make(map[int]bool, len(drop))
	for _, d := range drop {
		ids[d.id] = true
	}
	out := make([]metaEntry, 0, len(es))
	for _, e := range es {
		if !ids[e.id] {
			out = append(out, e)
		}
	}
	return out
}

// commentEntries appends the entries of the comment src[lo:hi].
func commentEntries(out []metaEntry, src []byte, lo, hi int) []metaEntry {
	add := func(a, b int) {
		out = append(out, metaEntry{pos: source.Pos(a), text: string(src[a:b])})
	}
	if hi-lo >= 2 && src[lo+1] == '/' {
		i := lo + 2
		if i < hi && src[i] == ' ' {
			i++
		}
		end := hi
		for end > i && src[end-1] == '\n' {
			end--
		}
		add(i, end)
		return out
	}
	closing := func(i int) bool { return i+1 < hi && src[i] == '*' && src[i+1] == '/' }
	i := lo + 2
	if i < hi && src[i] == ' ' {
		i++
	}
	for i < hi {
		start := i
		for i < hi && src[i] != '\n' && !closing(i) {
			i++
		}
		if i != start {
			add(start, i)
		}
		if closing(i) || i >= hi {
			break
		}
		i++ // the newline
		for i < hi && (src[i] == ' ' || src[i] == '\t' || src[i] == '\r') {
			i++
		}
		if closing(i) {
			continue
		}
		stripped := false
		// Leading stars are decoration; stop before the star of the
		// closing "*/" (the original would run past the comment's end).
		for i < hi && src[i] == '*' && !closing(i) {
			stripped = true
			i++
		}
		if stripped && i < hi && src[i] == ' ' {
			i++
		}
		if (i < hi && src[i] == '\n') || closing(i) {
			add(i, i)
		}
	}
	return out
}
