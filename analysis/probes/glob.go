package probes

import "strings"

// Glob is a compiled pattern with '*' wildcards (bt's {a,b} alternatives already expanded).
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

// FirstPiece returns the first literal piece of the pattern and whether
// a '*' comes before it ("" when the pattern is only stars).
func (g Glob) FirstPiece() (piece string, afterStar bool) {
	if len(g.pieces) == 0 {
		return "", g.star0
	}
	return g.pieces[0], g.star0
}
