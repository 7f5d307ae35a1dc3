package scanner

import (
	"github.com/bt-tools/bt/analysis/diag"
)

// This file holds the raw-text readers the parser uses at the top level,
// where bpftrace does not tokenize: preprocessor lines, C definitions and
// attach points. Each reads from the current offset and leaves the cursor
// just after what it read.

// RawLine reads a preprocessor directive starting at the current offset
// (on its '#') up to the end of its logical line: a backslash before the
// newline continues the line, and a /* comment that spans lines is part
// of it. It returns the end offset, excluding trailing white space and
// the newline.
func (s *Scanner) RawLine() int {
	end := s.off
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == '\n':
			return s.finishLine(end)
		case c == '\\' && s.at(s.off+1) == '\n':
			s.off += 2
			continue
		case c == '\\' && s.at(s.off+1) == '\r' && s.at(s.off+2) == '\n':
			s.off += 3
			continue
		case c == '/' && s.at(s.off+1) == '*':
			s.off += 2
			for s.off < len(s.src) && !(s.src[s.off] == '*' && s.at(s.off+1) == '/') {
				s.off++
			}
			s.off = min(s.off+2, len(s.src))
			end = s.off
			continue
		case c == '/' && s.at(s.off+1) == '/':
			for s.off < len(s.src) && s.src[s.off] != '\n' {
				s.off++
			}
			end = s.off
			continue
		case c == '"' || c == '\'':
			s.skipCQuoted(c, true)
			end = s.off
			continue
		}
		s.off++
		if !isSpace(c) {
			end = s.off
		}
	}
	return s.finishLine(end)
}

func (s *Scanner) finishLine(end int) int {
	for end > 0 && end <= len(s.src) && (s.src[end-1] == ' ' || s.src[end-1] == '\t' || s.src[end-1] == '\r') {
		end--
	}
	s.off = end
	return end
}

// skipCQuoted skips a C string or character literal whose opening quote
// q is at the cursor. In a single-line context an unescaped newline ends
// it.
func (s *Scanner) skipCQuoted(q byte, line bool) {
	s.off++
	for s.off < len(s.src) {
		c := s.src[s.off]
		if c == '\\' {
			s.off += 2
			continue
		}
		if c == q {
			s.off++
			return
		}
		if c == '\n' && line {
			return
		}
		s.off++
	}
	s.off = len(s.src)
}

// skipCLayout skips white space and C comments without recording them
// (they belong to the C text).
func (s *Scanner) skipCLayout() {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case isSpace(c):
			s.off++
		case c == '/' && s.at(s.off+1) == '/':
			for s.off < len(s.src) && s.src[s.off] != '\n' {
				s.off++
			}
		case c == '/' && s.at(s.off+1) == '*':
			s.off += 2
			for s.off < len(s.src) && !(s.src[s.off] == '*' && s.at(s.off+1) == '/') {
				s.off++
			}
			s.off = min(s.off+2, len(s.src))
		default:
			return
		}
	}
}

// LooksLikeCDefinition reports whether the text at the cursor, which
// starts with struct, union or enum, is a C type definition rather than
// an attach point: after the keyword come only identifiers and balanced
// (...) or [...] groups (e.g. __attribute__((packed))) before a '{'.
// Anything else, notably ':' ',' '/' or ';', makes it not a definition.
func (s *Scanner) LooksLikeCDefinition() bool {
	t := *s
	t.Quiet = true
	for t.off < len(t.src) && IsIdentChar(t.src[t.off]) {
		t.off++
	}
	// A real definition has a name and maybe a few attributes before its
	// '{'; bounding the look keeps the parser linear on odd input.
	for items := 0; items < 32; items++ {
		t.skipCLayout()
		if t.off >= len(t.src) {
			return false
		}
		c := t.src[t.off]
		switch {
		case c == '{':
			return true
		case isLetter(c):
			for t.off < len(t.src) && IsIdentChar(t.src[t.off]) {
				t.off++
			}
		case c == '(' || c == '[':
			if !t.skipBalanced(c) {
				return false
			}
		default:
			return false
		}
	}
	return false
}

// skipBalanced skips a group opened by the bracket at the cursor; it
// reports false when the group is not closed.
func (s *Scanner) skipBalanced(open byte) bool {
	close := byte(')')
	if open == '[' {
		close = ']'
	}
	depth := 0
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch c {
		case open:
			depth++
		case close:
			depth--
			if depth == 0 {
				s.off++
				return true
			}
		}
		s.off++
	}
	return false
}

// RawCDefinition reads a struct, union or enum definition starting at the
// cursor: up to the '{', the balanced braces (comments and quoted text
// inside are skipped), any number of __attribute__((...)) and an optional
// ';'. It returns the end offset and any errors.
func (s *Scanner) RawCDefinition() (end int, errs []diag.Diagnostic) {
	start := s.off
	for s.off < len(s.src) && s.src[s.off] != '{' {
		s.off++
	}
	braceAt := s.off
	depth := 0
	closed := false
	for s.off < len(s.src) && !closed {
		c := s.src[s.off]
		switch {
		case c == '/' && (s.at(s.off+1) == '/' || s.at(s.off+1) == '*'):
			s.skipCLayout()
			continue
		case c == '"' || c == '\'':
			s.skipCQuoted(c, false)
			continue
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				closed = true
			}
		}
		s.off++
	}
	if !closed {
		errs = append(errs, problem(start, min(braceAt+1, len(s.src)), CodeUnterminatedC, "C definition is not closed: missing '}'"))
		return s.off, errs
	}
	end = s.off
	// __attribute__((...)) after the closing brace, possibly repeated.
	for {
		save := s.off
		s.skipCLayout()
		if !s.hasWord("__attribute__") {
			s.off = save
			break
		}
		attr := s.off
		s.off += len("__attribute__")
		s.skipCLayout()
		if s.at(s.off) != '(' || s.at(s.off+1) != '(' {
			errs = append(errs, problem(attr, attr+len("__attribute__"), CodeUnterminatedC, "expected '((' after __attribute__"))
			end = s.off
			break
		}
		if !s.skipBalanced('(') {
			errs = append(errs, problem(attr, attr+len("__attribute__"), CodeUnterminatedC, "__attribute__ has unbalanced parentheses"))
			end = s.off
			break
		}
		end = s.off
	}
	save := s.off
	s.skipCLayout()
	if s.at(s.off) == ';' {
		s.off++
		end = s.off
	} else {
		s.off = save
	}
	s.off = end
	return end, errs
}

// RawTypedef reads a typedef up to and including its terminating ';' at
// brace and parenthesis depth zero.
func (s *Scanner) RawTypedef() (end int, errs []diag.Diagnostic) {
	start := s.off
	depth := 0
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == '/' && (s.at(s.off+1) == '/' || s.at(s.off+1) == '*'):
			s.skipCLayout()
			continue
		case c == '"' || c == '\'':
			s.skipCQuoted(c, false)
			continue
		case c == '{' || c == '(' || c == '[':
			depth++
		case c == '}' || c == ')' || c == ']':
			depth--
		case c == ';' && depth <= 0:
			s.off++
			return s.off, nil
		}
		s.off++
	}
	errs = append(errs, problem(start, start+len("typedef"), CodeUnterminatedC, "typedef is not terminated: missing ';'"))
	return s.off, errs
}

func (s *Scanner) hasWord(w string) bool {
	if s.off+len(w) > len(s.src) || string(s.src[s.off:s.off+len(w)]) != w {
		return false
	}
	return !IsIdentChar(s.at(s.off + len(w)))
}

// RawAttachPoint reads one attach point as bpftrace delimits it: it ends
// at white space, '{' or ',' (outside double quotes), and at a '/' that
// does not start "//" or "/*" as long as no ':' has been seen (after a
// ':' a '/' belongs to a path). A "//" or "/*" glued to the attach point
// is read as part of it, as bpftrace does; the parser reports it. As an
// extension for better error messages it also ends at ';' and '}'.
// Quoted parts may contain anything, with backslash escapes; an
// unterminated quote runs to the end of the text. It returns the end
// offset.
func (s *Scanner) RawAttachPoint() int {
	colon := false
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case isSpace(c) || c == '{' || c == ',' || c == ';' || c == '}':
			return s.off
		case c == '/' && !colon && s.at(s.off+1) != '/' && s.at(s.off+1) != '*':
			return s.off
		case c == ':':
			colon = true
		case c == '"':
			s.off++
			for s.off < len(s.src) && s.src[s.off] != '"' {
				if s.src[s.off] == '\\' {
					s.off++
				}
				s.off++
			}
			if s.off > len(s.src) {
				s.off = len(s.src)
			}
		}
		if s.off < len(s.src) {
			s.off++
		}
	}
	return s.off
}

// RawToLineEnd reads to the end of the current line (the shebang).
func (s *Scanner) RawToLineEnd() int {
	for s.off < len(s.src) && s.src[s.off] != '\n' {
		s.off++
	}
	end := s.off
	if end > 0 && s.src[end-1] == '\r' {
		end--
	}
	return end
}

// IdentAt returns the identifier starting at the cursor, or "".
func (s *Scanner) IdentAt() string {
	if s.off >= len(s.src) || !isLetter(s.src[s.off]) {
		return ""
	}
	e := s.off
	for e < len(s.src) && IsIdentChar(s.src[e]) {
		e++
	}
	return string(s.src[s.off:e])
}

// PeekByte returns the byte i positions after the cursor, or 0.
func (s *Scanner) PeekByte(i int) byte { return s.at(s.off + i) }
