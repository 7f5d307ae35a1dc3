package server

import (
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/source"
)

// Renderings of the script's own declarations (macros, fns) shared by
// completion, hover and signature help.

// nodeText returns the source text of n in f.
func nodeText(f *ast.File, n ast.Node) string {
	if f == nil || f.Source == nil || n == nil {
		return ""
	}
	lo, hi := int(n.Pos()), int(n.End())
	if lo < 0 || hi > len(f.Source.Text) || lo > hi {
		return ""
	}
	return string(f.Source.Text[lo:hi])
}

// macroParams returns the written parameters of a macro.
func macroParams(d *ast.MacroDecl, f *ast.File) []string {
	out := make([]string, len(d.Params))
	for i, p := range d.Params {
		out[i] = nodeText(f, p)
	}
	return out
}

// macroSignature is "macro name(a, $b, @c)".
func macroSignature(d *ast.MacroDecl, f *ast.File) string {
	s := "macro " + d.Name.Name
	if d.HasParens {
		s += "(" + strings.Join(macroParams(d, f), ", ") + ")"
	}
	return s
}

// fnParams returns the written parameters of a fn ("$a: int64").
func fnParams(d *ast.FnDecl, f *ast.File) []string {
	out := make([]string, len(d.Params))
	for i, p := range d.Params {
		out[i] = strings.Join(strings.Fields(nodeText(f, p)), " ")
	}
	return out
}

// fnSignature is "fn name($a: int64): string".
func fnSignature(d *ast.FnDecl, f *ast.File) string {
	s := "fn " + d.Name.Name + "(" + strings.Join(fnParams(d, f), ", ") + ")"
	if d.Result != nil {
		s += ": " + strings.Join(strings.Fields(nodeText(f, d.Result)), " ")
	}
	return s
}

// docComment returns the text of the comments directly above n (no
// blank line between), without comment markers.
func docComment(f *ast.File, n ast.Node) string {
	if f == nil || f.Source == nil {
		return ""
	}
	var group *ast.CommentGroup
	for _, g := range f.Comments {
		if g.End() > n.Pos() {
			break
		}
		group = g
	}
	if group == nil {
		return ""
	}
	between := f.Source.Text[group.End():n.Pos()]
	if strings.TrimSpace(string(between)) != "" || strings.Count(string(between), "\n") > 1 {
		return ""
	}
	var lines []string
	for _, c := range group.List {
		t := c.Text
		switch {
		case strings.HasPrefix(t, "//"):
			lines = append(lines, strings.TrimSpace(strings.TrimPrefix(t, "//")))
		case strings.HasPrefix(t, "/*"):
			t = strings.TrimSuffix(strings.TrimPrefix(t, "/*"), "*/")
			for _, l := range strings.Split(t, "\n") {
				l = strings.TrimSpace(l)
				l = strings.TrimSpace(strings.TrimPrefix(l, "*"))
				lines = append(lines, l)
			}
		}
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// macroDocComment is the doc comment of macro m, or of another form of
// it in the same file (overloads are documented once, above the first).
func macroDocComment(f *ast.File, m *ast.MacroDecl) string {
	if doc := docComment(f, m); doc != "" || f == nil || m.Name == nil {
		return doc
	}
	for _, d := range f.Decls {
		if o, ok := d.(*ast.MacroDecl); ok && o != m && o.Name != nil && o.Name.Name == m.Name.Name {
			if doc := docComment(f, o); doc != "" {
				return doc
			}
		}
	}
	return ""
}

// declFile returns the file among files that declares the top-level
// item d, nil when none does.
func declFile(files []*ast.File, d ast.Node) *ast.File {
	for _, f := range files {
		for _, x := range f.Decls {
			if x == d {
				return f
			}
		}
	}
	return nil
}

// fileOf returns the file among files whose source is src.
func fileOf(files []*ast.File, src *source.File) *ast.File {
	for _, f := range files {
		if f.Source == src {
			return f
		}
	}
	return nil
}
