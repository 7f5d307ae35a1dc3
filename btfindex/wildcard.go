package btfindex

import (
	"strings"
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

// Glob is a compiled pattern with '*' wildcards (braces already expanded).
type Glob struct {
	pieces []string // literal pieces between '*'
	star0  bool     // starts with '*'
	starN  bool     // ends with '*'
	exact  bool     // no '*': pieces[0] must equal the string
}

// CompileGlob compiles a pattern without braces.
func CompileGlob(p string) Glob {
	if !strings.Contains(p, "*") {
		return Glob{pieces: []string{p}, exact: true}
	}
	g := Glob{star0: strings.HasPrefix(p, "*"), starN: strings.HasSuffix(p, "*")}
	for piece := range strings.SplitSeq(p, "*") {
		if piece != "" {
			g.pieces = append(g.pieces, piece)
		}
	}
	return g
}

// Prefix is the literal text every match starts with.
func (g Glob) Prefix() string {
	if g.exact {
		return g.pieces[0]
	}
	if g.star0 || len(g.pieces) == 0 {
		return ""
	}
	return g.pieces[0]
}

// Match reports whether s matches the whole pattern.
func (g Glob) Match(s string) bool {
	if g.exact {
		return s == g.pieces[0]
	}
	ps := g.pieces
	if len(ps) == 0 {
		return true // only stars
	}
	if !g.star0 {
		if !strings.HasPrefix(s, ps[0]) {
			return false
		}
		s = s[len(ps[0]):]
		ps = ps[1:]
	}
	if !g.starN && len(ps) > 0 {
		last := ps[len(ps)-1]
		if !strings.HasSuffix(s, last) {
			return false
		}
		s = s[:len(s)-len(last)]
		ps = ps[:len(ps)-1]
	}
	// Middle pieces: leftmost placement is optimal for '*'-only globs.
	for _, p := range ps {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

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
