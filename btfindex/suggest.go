package btfindex

import "github.com/bt-tools/bt/analysis/fuzzy"

// maxSuggestions is how many "did you mean" candidates are returned.
const maxSuggestions = 3

// suggestIn finds names in a sorted table close to name. Candidates are
// the names sharing name's first byte (a prefix bucket found by binary
// search), so a typo in the first character is not corrected; in
// exchange the search stays well under a millisecond on 56k functions.
func (ix *Index) suggestIn(t *nameTable, name string) []string {
	if name == "" {
		return nil
	}
	s := fuzzy.NewRanker(name)
	lo, hi := t.prefixRange(name[:1])
	for i := lo; i < hi; i++ {
		s.Add(t.names[i])
	}
	return s.Best(maxSuggestions)
}

// Suggest returns close matches for an unknown name among candidates.
func Suggest(name string, candidates []string) []string {
	s := fuzzy.NewRanker(name)
	for _, c := range candidates {
		s.Add(c)
	}
	return s.Best(maxSuggestions)
}
