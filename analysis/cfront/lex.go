package cfront

import (
	"strings"
)

// tokKind classifies a C token.
type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tNumber
	tChar
	tString
	tPunct
)

// token is one C token; off is its byte offset in the text it was lexed
// from (for the fallback, the assembled buffer; see segmap).
type token struct {
	kind tokKind
	text string
	off  int
}

func (t token) is(s string) bool { return t.kind == tPunct && t.text == s }

// puncts lists C punctuators longest first so the lexer can take the
// longest match.
var puncts = []string{
	"...", "<<=", ">>=",
	"->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
	"*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=", "##", "::",
	"[", "]", "(", ")", "{", "}", ".", "&", "*", "+", "-", "~", "!",
	"/", "%", "<", ">", "^", "|", "?", ":", ";", "=", ",", "#",
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

// lex splits src[start:end] into tokens, skipping whitespace, comments and
// backslash-newline continuations. Offsets are relative to src. Unknown
// bytes become one-byte punctuators so the parser can report them.
func lex(src string, start, end int) []token {
	var toks []token
	i := start
	for i < end {
		c := src[i]
		switch {
		case c == '\\' && i+1 < end && (src[i+1] == '\n' || src[i+1] == '\r'):
			i++
			if src[i] == '\r' && i+1 < end && src[i+1] == '\n' {
				i++
			}
			i++
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '/' && i+1 < end && src[i+1] == '/':
			for i < end && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < end && src[i+1] == '*':
			j := strings.Index(src[i+2:end], "*/")
			if j < 0 {
				i = end
			} else {
				i += j + 4
			}
		case isIdentStart(c):
			j := i + 1
			for j < end && isIdentChar(src[j]) {
				j++
			}
			// L"..", u8"..": prefixed literals are lexed as the literal.
			if j < end && (src[j] == '"' || src[j] == '\'') && isLiteralPrefix(src[i:j]) {
				k := scanQuoted(src, j, end)
				kind := tString
				if src[j] == '\'' {
					kind = tChar
				}
				toks = append(toks, token{kind, src[i:k], i})
				i = k
				continue
			}
			toks = append(toks, token{tIdent, src[i:j], i})
			i = j
		case c >= '0' && c <= '9' || (c == '.' && i+1 < end && src[i+1] >= '0' && src[i+1] <= '9'):
			j := i + 1
			for j < end {
				d := src[j]
				if isIdentChar(d) || d == '.' {
					j++
					continue
				}
				// exponent signs: 1e+5, 0x1p-3
				if (d == '+' || d == '-') && (src[j-1] == 'e' || src[j-1] == 'E' || src[j-1] == 'p' || src[j-1] == 'P') {
					j++
					continue
				}
				break
			}
			toks = append(toks, token{tNumber, src[i:j], i})
			i = j
		case c == '"' || c == '\'':
			k := scanQuoted(src, i, end)
			kind := tString
			if c == '\'' {
				kind = tChar
			}
			toks = append(toks, token{kind, src[i:k], i})
			i = k
		default:
			matched := false
			for _, p := range puncts {
				if strings.HasPrefix(src[i:end], p) {
					toks = append(toks, token{tPunct, p, i})
					i += len(p)
					matched = true
					break
				}
			}
			if !matched {
				toks = append(toks, token{tPunct, src[i : i+1], i})
				i++
			}
		}
	}
	return toks
}

func isLiteralPrefix(s string) bool {
	switch s {
	case "L", "u", "U", "u8":
		return true
	}
	return false
}

// scanQuoted returns the offset just past the literal starting at src[i]
// (a quote), stopping at the end of the line if it is unterminated.
func scanQuoted(src string, i, end int) int {
	q := src[i]
	j := i + 1
	for j < end {
		switch src[j] {
		case '\\':
			j += 2
			continue
		case q:
			return j + 1
		case '\n':
			return j
		}
		j++
	}
	return end
}
