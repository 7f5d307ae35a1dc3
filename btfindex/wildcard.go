package btfindex

import (
	"strings"

	"github.com/bt-tools/bt/analysis/probes"
)

// Pattern matching follows bpftrace: '*' matches any run of characters
// (':' included) and is the only wildcard; in addition bt expands
// "{a,b}" alternatives (nested and several per pattern) before matching.
// Unlike bpftrace's matcher, which places each literal piece at its first
// occurrence and so misses "*_read" against "x_read_read", matching here
// is a full glob match.

// HasWildcard says whether s has a wildcard or an alternation.
func HasWildcard(s string) bool {
	return strings.ContainsAny(s, "*{")
}

// ExpandBraces expands "{a,b}" alternations: "vfs_{read,write}*" gives
// "vfs_read*" and "vfs_write*". Unbalanced braces are left as they are.
func ExpandBraces(s string) []string {
	open := strings.IndexByte(s, '{')
	if open < 0 {
		return []string{s}
	}
	depth, close := 0, -1
	var commas []int
	for i := open; i < len(s) && close < 0; i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				close = i
			}
		case ',':
			if depth == 1 {
				commas = append(commas, i)
			}
		}
	}
	if close < 0 {
		return []string{s}
	}
	head, tail := s[:open], s[close+1:]
	var alts []string
	start := open + 1
	for _, c := range append(commas, close) {
		alts = append(alts, s[start:c])
		start = c + 1
	}
	var out []string
	for _, a := range alts {
		for _, rest := range ExpandBraces(a + tail) {
			out = append(out, head+rest)
		}
	}
	return out
}

// Glob is a compiled '*' pattern; the one implementation of bpftrace's
// wildcard lives in package probes (its MatchWildcard uses it too).
type Glob = probes.Glob

// CompileGlob compiles a pattern without braces.
func CompileGlob(p string) Glob { return probes.CompileGlob(p) }

// Matcher matches any of the alternatives of a pattern with braces.
type Matcher []Glob

// CompileMatcher expands braces and compiles each alternative.
func CompileMatcher(p string) Matcher {
	alts := ExpandBraces(p)
	m := make(Matcher, len(alts))
	for i, a := range alts {
		m[i] = CompileGlob(a)
	}
	return m
}

// Match reports whether s matches one of the alternatives.
func (m Matcher) Match(s string) bool {
	for _, g := range m {
		if g.Match(s) {
			return true
		}
	}
	return false
}
