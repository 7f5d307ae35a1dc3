package scanner

import (
	"fmt"
	"unicode/utf8"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
)

// Scanner reads tokens from a text. Its zero value is not usable; call
// Init. Copying a Scanner by value gives an independent cursor over the
// same text, which the parser uses for lookahead (set Quiet on the copy so
// it records no comments).
type Scanner struct {
	src []byte
	off int

	// Comments collects every // and /* */ comment met while skipping
	// layout, in source order, each once even if the text is rescanned.
	Comments []*ast.Comment
	// commentHW is the end of the last recorded comment: comments that
	// start before it have been recorded already.
	commentHW int
	// names interns identifier, variable and map names: scripts repeat
	// a few names many times.
	names map[string]string
	// Quiet stops the scanner from recording comments and layout errors
	// (lookahead copies).
	Quiet bool
	// LayoutErrs collects errors found while skipping layout (an
	// unterminated /* comment); the parser drains it.
	LayoutErrs []diag.Diagnostic
}

// Init prepares s to scan src from the beginning.
func (s *Scanner) Init(src []byte) {
	*s = Scanner{src: src, names: map[string]string{}}
}

// name returns src[start:end] as an interned string.
func (s *Scanner) name(start, end int) string {
	b := s.src[start:end]
	if n, ok := s.names[string(b)]; ok {
		return n
	}
	n := string(b)
	if s.names != nil && len(s.names) < 1<<16 {
		s.names[n] = n
	}
	return n
}

// Offset returns the byte offset of the next character to read.
func (s *Scanner) Offset() int { return s.off }

// SetOffset moves the cursor; the parser uses it after reading raw text.
func (s *Scanner) SetOffset(off int) {
	if off < 0 {
		off = 0
	}
	if off > len(s.src) {
		off = len(s.src)
	}
	s.off = off
}

// Src returns the text being scanned.
func (s *Scanner) Src() []byte { return s.src }

func (s *Scanner) at(i int) byte {
	if i >= 0 && i < len(s.src) {
		return s.src[i]
	}
	return 0
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// IsIdentStart reports whether c can start an identifier.
func IsIdentStart(c byte) bool { return isLetter(c) }

// IsIdentChar reports whether c can continue an identifier.
func IsIdentChar(c byte) bool { return isLetter(c) || isDigit(c) }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// SkipLayout skips white space and comments. Comments are recorded unless
// Quiet; an unterminated /* comment is reported in LayoutErrs.
func (s *Scanner) SkipLayout() {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case isSpace(c):
			s.off++
		case c == '/' && s.at(s.off+1) == '/':
			start := s.off
			for s.off < len(s.src) && s.src[s.off] != '\n' {
				s.off++
			}
			end := s.off
			if end > start && s.src[end-1] == '\r' {
				end--
			}
			s.record(start, end)
		case c == '/' && s.at(s.off+1) == '*':
			start := s.off
			s.off += 2
			closed := false
			for s.off < len(s.src) {
				if s.src[s.off] == '*' && s.at(s.off+1) == '/' {
					s.off += 2
					closed = true
					break
				}
				s.off++
			}
			if !closed && !s.Quiet && start >= s.commentHW {
				s.LayoutErrs = append(s.LayoutErrs, problem(start, start+2, CodeUnterminatedComment, "comment is not terminated: missing '*/'"))
			}
			s.record(start, s.off)
		default:
			return
		}
	}
}

func (s *Scanner) record(start, end int) {
	if s.Quiet || start < s.commentHW {
		return
	}
	s.commentHW = end
	s.Comments = append(s.Comments, &ast.Comment{
		Range: ast.Range{Lo: source.Pos(start), Hi: source.Pos(end)},
		Text:  string(s.src[start:end]),
	})
}

func problem(start, end int, code diag.Code, format string, args ...any) diag.Diagnostic {
	return diag.Diagnostic{
		Severity: diag.Error,
		Code:     code,
		Location: diag.Location{Span: source.Span{Start: source.Pos(start), End: source.Pos(end)}},
		Message:  fmt.Sprintf(format, args...),
	}
}

// Scan skips layout and returns the next token with the lexical errors
// found in it.
func (s *Scanner) Scan() (tok Token, errs []diag.Diagnostic) {
	s.SkipLayout()
	start := s.off
	tok.Pos = source.Pos(start)
	if s.off >= len(s.src) {
		tok.Kind = EOF
		tok.End = tok.Pos
		return tok, errs
	}
	c := s.src[s.off]
	s.off++
	switch {
	case isLetter(c):
		for s.off < len(s.src) && IsIdentChar(s.src[s.off]) {
			s.off++
		}
		tok.Kind = IDENT
		tok.Lit = s.name(start, s.off)
	case isDigit(c):
		for s.off < len(s.src) && IsIdentChar(s.src[s.off]) {
			s.off++
		}
		tok.Kind = INT
		tok.Lit = string(s.src[start:s.off])
	case c == '"':
		tok.Kind = STRING
		var val []byte
		val, errs = s.scanString(start, errs)
		tok.Lit = string(s.src[start:s.off])
		tok.Val = string(val)
	case c == '$':
		n := s.at(s.off)
		switch {
		case isDigit(n):
			for s.off < len(s.src) && isDigit(s.src[s.off]) {
				s.off++
			}
			tok.Kind = POSITIONAL
			tok.Lit = string(s.src[start+1 : s.off])
		case n == '#':
			s.off++
			tok.Kind = PARAMCOUNT
		case isLetter(n):
			for s.off < len(s.src) && IsIdentChar(s.src[s.off]) {
				s.off++
			}
			tok.Kind = VARIABLE
			tok.Lit = s.name(start+1, s.off)
		default:
			tok.Kind = VARIABLE
			// "$ name": report the space but keep the name, which is
			// what was meant.
			j := s.off
			for j < len(s.src) && (s.src[j] == ' ' || s.src[j] == '\t') {
				j++
			}
			if j > s.off && j < len(s.src) && isLetter(s.src[j]) {
				e := j
				for e < len(s.src) && IsIdentChar(s.src[e]) {
					e++
				}
				d := problem(start, e, CodeBadVariable, "unexpected space between '$' and '%s'", s.src[j:e])
				d.Hint = "write $" + string(s.src[j:e])
				errs = append(errs, d)
				tok.Lit = string(s.src[j:e])
				s.off = e
				break
			}
			errs = append(errs, problem(start, s.off, CodeBadVariable, "expected a variable name, a parameter number or '#' after '$'"))
		}
	case c == '@':
		if isLetter(s.at(s.off)) {
			for s.off < len(s.src) && IsIdentChar(s.src[s.off]) {
				s.off++
			}
		}
		tok.Kind = MAP
		tok.Lit = s.name(start+1, s.off)
	case c == '#':
		tok.Kind = HASH
	default:
		tok.Kind = s.operator(c)
		if tok.Kind == ILLEGAL {
			s.off = start
			r, size := utf8.DecodeRune(s.src[s.off:])
			s.off += size
			tok.Lit = string(s.src[start:s.off])
			if r == utf8.RuneError && size <= 1 {
				errs = append(errs, problem(start, s.off, CodeBadCharacter, "unexpected byte 0x%02x", s.src[start]))
			} else if r < 0x20 || r == 0x7f {
				errs = append(errs, problem(start, s.off, CodeBadCharacter, "unexpected control character U+%04X", r))
			} else if r < 0x80 {
				errs = append(errs, problem(start, s.off, CodeBadCharacter, "unexpected character '%c'", r))
			} else {
				errs = append(errs, problem(start, s.off, CodeBadCharacter, "unexpected character %q (U+%04X) outside a string or comment", r, r))
			}
		}
	}
	tok.End = source.Pos(s.off)
	return tok, errs
}

// operator scans an operator whose first byte c has been consumed.
func (s *Scanner) operator(c byte) Kind {
	n := s.at(s.off)
	two := func(k Kind) Kind { s.off++; return k }
	switch c {
	case '(':
		return LPAREN
	case ')':
		return RPAREN
	case '[':
		return LBRACK
	case ']':
		return RBRACK
	case '{':
		return LBRACE
	case '}':
		return RBRACE
	case ',':
		return COMMA
	case ';':
		return SEMI
	case ':':
		return COLON
	case '?':
		return QUESTION
	case '~':
		return TILD
	case '.':
		if n == '.' {
			return two(DOTDOT)
		}
		return DOT
	case '+':
		switch n {
		case '+':
			return two(INC)
		case '=':
			return two(ADD_ASSIGN)
		}
		return ADD
	case '-':
		switch n {
		case '-':
			return two(DEC)
		case '=':
			return two(SUB_ASSIGN)
		case '>':
			return two(ARROW)
		}
		return SUB
	case '*':
		if n == '=' {
			return two(MUL_ASSIGN)
		}
		return MUL
	case '/':
		if n == '=' {
			return two(QUO_ASSIGN)
		}
		return QUO
	case '%':
		if n == '=' {
			return two(REM_ASSIGN)
		}
		return REM
	case '^':
		if n == '=' {
			return two(XOR_ASSIGN)
		}
		return XOR
	case '&':
		switch n {
		case '&':
			return two(LAND)
		case '=':
			return two(AND_ASSIGN)
		}
		return AND
	case '|':
		switch n {
		case '|':
			return two(LOR)
		case '=':
			return two(OR_ASSIGN)
		}
		return OR
	case '=':
		if n == '=' {
			return two(EQL)
		}
		return ASSIGN
	case '!':
		if n == '=' {
			return two(NEQ)
		}
		return NOT
	case '<':
		if n == '<' {
			if s.at(s.off+1) == '=' {
				s.off += 2
				return SHL_ASSIGN
			}
			return two(SHL)
		}
		if n == '=' {
			return two(LEQ)
		}
		return LSS
	case '>':
		if n == '>' {
			if s.at(s.off+1) == '=' {
				s.off += 2
				return SHR_ASSIGN
			}
			return two(SHR)
		}
		if n == '=' {
			return two(GEQ)
		}
		return GTR
	}
	return ILLEGAL
}

// scanString scans a string literal whose opening quote at start has been
// consumed, decoding escapes as bpftrace does: \n \t \r \" \\, \NNN
// (one to three octal digits, at most \377) and \xNN (one or two hex
// digits). A string ends at its closing quote; a newline or the end of
// the text before it is an error and ends the token there.
func (s *Scanner) scanString(start int, errs []diag.Diagnostic) ([]byte, []diag.Diagnostic) {
	var val []byte
	for {
		if s.off >= len(s.src) || s.src[s.off] == '\n' {
			end := s.off
			if end > start && s.src[end-1] == '\r' {
				end--
			}
			d := problem(start, end, CodeUnterminatedString, "string literal is not terminated: missing closing '\"'")
			errs = append(errs, d)
			return val, errs
		}
		c := s.src[s.off]
		switch c {
		case '"':
			s.off++
			return val, errs
		case '\\':
			escStart := s.off
			s.off++
			if s.off >= len(s.src) {
				continue // reported as unterminated
			}
			e := s.src[s.off]
			switch e {
			case 'n':
				val = append(val, '\n')
				s.off++
			case 't':
				val = append(val, '\t')
				s.off++
			case 'r':
				val = append(val, '\r')
				s.off++
			case '"':
				val = append(val, '"')
				s.off++
			case '\\':
				val = append(val, '\\')
				s.off++
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v := 0
				n := 0
				for n < 3 && s.off < len(s.src) && s.src[s.off] >= '0' && s.src[s.off] <= '7' {
					v = v*8 + int(s.src[s.off]-'0')
					s.off++
					n++
				}
				if v > 255 {
					errs = append(errs, problem(escStart, s.off, CodeBadEscape, "octal escape %s is out of range (at most \\377)", s.src[escStart:s.off]))
				}
				val = append(val, byte(v))
			case 'x', 'X':
				s.off++
				v := 0
				n := 0
				for n < 2 && s.off < len(s.src) && isHex(s.src[s.off]) {
					v = v*16 + hexVal(s.src[s.off])
					s.off++
					n++
				}
				if n == 0 {
					errs = append(errs, problem(escStart, s.off, CodeBadEscape, "hex escape \\%c needs one or two hex digits", e))
				} else {
					val = append(val, byte(v))
				}
			case '\n':
				errs = append(errs, problem(escStart, s.off, CodeBadEscape, "a backslash cannot continue a string on the next line"))
				s.off++
			default:
				r, size := utf8.DecodeRune(s.src[s.off:])
				s.off += size
				if r == utf8.RuneError && size <= 1 {
					errs = append(errs, problem(escStart, s.off, CodeBadEscape, "unknown escape sequence '\\' followed by byte 0x%02x", e))
				} else {
					d := problem(escStart, s.off, CodeBadEscape, "unknown escape sequence '\\%c'", r)
					d.Hint = `bpftrace accepts \n \t \r \" \\ \NNN (octal) and \xNN (hex); write \\ for a backslash`
					errs = append(errs, d)
				}
			}
		default:
			val = append(val, c)
			s.off++
		}
	}
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func hexVal(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}
