// Package fuzzy finds the names closest to a misspelt one, for every
// "did you mean" in the project: builtins, maps, fields, providers,
// tracepoints and kernel functions. One metric and one ranking, so a
// suggestion reads the same whether the parser, the checker or the
// kernel index makes it.
package fuzzy

import (
	"slices"
	"strings"
)

// Distance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of adjacent
// bytes ("pdi" is one edit from "pid").
func Distance(a, b string) int { return Within(a, b, len(a)+len(b)) }

// Within is Distance when it is at most max, and max+1 as soon as the
// distance is certain to exceed max (cheap rejection over large tables).
func Within(a, b string, max int) int {
	if a == b {
		return 0
	}
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	var buf [3 * 48]int
	n := len(b) + 1
	rows := buf[:0]
	if 3*n > len(buf) {
		rows = make([]int, 0, 3*n)
	}
	rows = rows[:3*n]
	pp, prev, cur := rows[:n], rows[n:2*n], rows[2*n:]
	for j := range prev {
		prev[j] = j
	}
	prevMin := 0
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, pp[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		// A transposition reaches back two rows, so both must exceed max.
		if rowMin > max && prevMin > max {
			return max + 1
		}
		prevMin = rowMin
		pp, prev, cur = prev, cur, pp
	}
	return min(prev[len(b)], max+1)
}

// Limit is the largest distance a suggestion for name may have: short
// names allow one edit, longer ones two, names of nine bytes or more
// three.
func Limit(name string) int {
	switch n := len(name); {
	case n >= 9:
		return 3
	case n >= 4:
		return 2
	}
	return 1
}

// Ranker collects the candidates closest to a name.
type Ranker struct {
	name, lower string
	max         int
	found       []match
}

type match struct {
	s string
	d int
}

// NewRanker ranks candidates for name within Limit(name).
func NewRanker(name string) *Ranker {
	return &Ranker{name: name, lower: strings.ToLower(name), max: Limit(name)}
}

// Add considers one candidate. Case differences count as no edit when
// they make a candidate closer; a candidate no longer than the distance
// (everything is one edit from "x") is never suggested.
func (r *Ranker) Add(c string) {
	if c == r.name || c == "" {
		return
	}
	d := Within(r.name, c, r.max)
	if d > 0 {
		if dl := Within(r.lower, strings.ToLower(c), r.max); dl < d {
			d = dl
		}
	}
	if d > r.max || d >= len(c) {
		return
	}
	for _, f := range r.found {
		if f.s == c {
			return
		}
	}
	r.found = append(r.found, match{c, d})
}

// Best returns at most n candidates, closest first, ties alphabetical.
func (r *Ranker) Best(n int) []string {
	slices.SortFunc(r.found, func(a, b match) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.s, b.s)
	})
	var out []string
	for _, f := range r.found {
		if len(out) == n {
			break
		}
		out = append(out, f.s)
	}
	return out
}

// Closest returns the (at most three) candidates nearest to name.
func Closest(name string, candidates []string) []string {
	r := NewRanker(name)
	for _, c := range candidates {
		r.Add(c)
	}
	return r.Best(3)
}
