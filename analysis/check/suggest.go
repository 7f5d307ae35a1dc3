package check

import (
	"sort"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
)

// levenshtein is the edit distance between a and b: insertions,
// deletions, substitutions and transpositions of adjacent bytes (the
// optimal string alignment variant, so "pdi" is one edit from "pid").
func levenshtein(a, b string) int {
	if a == b {
		return 0
	}
	pp := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], pp[j-2]+1)
			}
		}
		pp, prev, cur = prev, cur, pp
	}
	return prev[len(b)]
}

// closest returns the candidates nearest to name: within a distance
// that grows with the name's length, best first, at most three.
func closest(name string, candidates []string) []string {
	limit := 1
	switch n := len(name); {
	case n >= 9:
		limit = 3
	case n >= 4:
		limit = 2
	}
	type cand struct {
		s string
		d int
	}
	var found []cand
	seen := map[string]bool{}
	lower := strings.ToLower(name)
	for _, c := range candidates {
		if c == name || c == "" || seen[c] {
			continue
		}
		seen[c] = true
		d := levenshtein(name, c)
		if dl := levenshtein(lower, strings.ToLower(c)); dl < d {
			d = dl
		}
		if d <= limit && d < len(c) {
			found = append(found, cand{c, d})
		}
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].d != found[j].d {
			return found[i].d < found[j].d
		}
		return found[i].s < found[j].s
	})
	var out []string
	for i, f := range found {
		if i == 3 {
			break
		}
		out = append(out, f.s)
	}
	return out
}

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
	unambiguous := len(best) == 1 || levenshtein(name, best[0]) < levenshtein(name, best[1])
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
