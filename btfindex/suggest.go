package btfindex

import (
	"slices"
	"strings"
)

// maxSuggestions is how many "did you mean" candidates are returned.
const maxSuggestions = 3

// suggestDistance is the largest edit distance a suggestion may have.
func suggestDistance(name string) int {
	switch n := len(name); {
	case n <= 3:
		return 1
	case n <= 8:
		return 2
	}
	return 3
}

type suggestion struct {
	name string
	dist int
}

// suggester collects the closest candidates to a name.
type suggester struct {
	name string
	max  int
	best []suggestion
}

func newSuggester(name string) *suggester {
	return &suggester{name: name, max: suggestDistance(name)}
}

func (s *suggester) add(cand string) {
	if cand == s.name {
		return
	}
	if d := len(cand) - len(s.name); d > s.max || -d > s.max {
		return
	}
	d := editDistance(s.name, cand, s.max)
	if d > s.max {
		return
	}
	for _, b := range s.best {
		if b.name == cand {
			return
		}
	}
	s.best = append(s.best, suggestion{cand, d})
}

func (s *suggester) result() []string {
	slices.SortFunc(s.best, func(a, b suggestion) int {
		if a.dist != b.dist {
			return a.dist - b.dist
		}
		return strings.Compare(a.name, b.name)
	})
	var out []string
	for _, b := range s.best {
		if len(out) == maxSuggestions {
			break
		}
		out = append(out, b.name)
	}
	return out
}

// suggestIn finds names in a sorted table close to name. Candidates are
// the names sharing name's first byte (a prefix bucket found by binary
// search), so a typo in the first character is not corrected; in
// exchange the search stays well under a millisecond on 56k functions.
func (ix *Index) suggestIn(t *nameTable, name string) []string {
	if name == "" {
		return nil
	}
	s := newSuggester(name)
	lo, hi := t.prefixRange(name[:1])
	for i := lo; i < hi; i++ {
		s.add(t.names[i])
	}
	return s.result()
}

// Suggest returns close matches for an unknown name among candidates.
func Suggest(name string, candidates []string) []string {
	s := newSuggester(name)
	for _, c := range candidates {
		s.add(c)
	}
	return s.result()
}

// editDistance is the Levenshtein distance between a and b, or any value
// above max once it is certain to exceed max.
func editDistance(a, b string, max int) int {
	if len(a) > len(b) {
		a, b = b, a
	}
	var buf [64]int
	prev := buf[:0]
	if len(a)+1 > len(buf) {
		prev = make([]int, 0, len(a)+1)
	}
	for i := 0; i <= len(a); i++ {
		prev = append(prev, i)
	}
	for j := 1; j <= len(b); j++ {
		diag := prev[0]
		prev[0] = j
		rowMin := prev[0]
		for i := 1; i <= len(a); i++ {
			cur := prev[i]
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[i]+1, prev[i-1]+1, diag+cost)
			diag = cur
			prev[i] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
	}
	return prev[len(a)]
}
