package check

import (
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/fuzzy"
)

// closest returns the candidates nearest to name, best first, at most
// three.
func closest(name string, candidates []string) []string { return fuzzy.Closest(name, candidates) }

// suggest adds a did-you-mean hint to d.
func (c *checker) suggest(d *diag.Diagnostic, n ast.Node, name string, candidates []string) []string {
	if d == nil {
		return nil
	}
	best := closest(name, candidates)
	if len(best) > 0 {
		d.Hint = "did you mean " + joinOr(best) + "?"
	}
	return best
}

// suggestFix is suggest plus a fix replacing n's text when there is one
// unambiguous (strictly closest) candidate.
func (c *checker) suggestFix(d *diag.Diagnostic, n ast.Node, name string, candidates []string) {
	c.suggestFixPrefixed(d, n, "", name, candidates)
}

// suggestFixPrefixed is suggestFix for names written with a sigil ($x):
// candidates and name are without it, the replacement gets it back.
func (c *checker) suggestFixPrefixed(d *diag.Diagnostic, n ast.Node, sigil, name string, candidates []string) {
	if d == nil {
		return
	}
	best := closest(name, candidates)
	if len(best) == 0 {
		return
	}
	shown := make([]string, len(best))
	for i, b := range best {
		shown[i] = sigil + b
	}
	d.Hint = "did you mean " + joinOr(shown) + "?"
	if n == nil {
		return
	}
	unambiguous := len(best) == 1 || fuzzy.Distance(name, best[0]) < fuzzy.Distance(name, best[1])
	if unambiguous {
		fixReplace(d, c.file, n.Span(), "replace with "+shown[0], shown[0])
	}
}

// joinOr renders a list as "a", "a or b", "a, b or c".
func joinOr(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
