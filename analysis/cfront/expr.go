package cfront

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bt-tools/bt/analysis/types"
)

// cval is a C integer constant: 64 bits and a signedness, evaluated the
// way #if does (intmax_t/uintmax_t arithmetic).
type cval struct {
	v        uint64
	unsigned bool
}

func (c cval) int64() int64 { return int64(c.v) }

// evaluator evaluates a C constant expression over tokens.
type evaluator struct {
	toks []token
	pos  int
	// ident gives an identifier's value (enum constants); nil, or a
	// false answer, makes it an error unless ppMode.
	ident func(name string) (cval, bool)
	// ppMode is #if evaluation: `defined X` works and unknown
	// identifiers are 0.
	ppMode  bool
	defined func(name string) bool
	// typeName parses a type name at the evaluator's position for casts
	// and sizeof; nil disables them (after trying the built-in names).
	typeName func(e *evaluator) (types.Type, bool)
	err      error
}

var errNotConst = errors.New("not a constant expression")

func (e *evaluator) peek() token {
	if e.pos < len(e.toks) {
		return e.toks[e.pos]
	}
	return token{kind: tEOF}
}

func (e *evaluator) next() token {
	t := e.peek()
	if e.pos < len(e.toks) {
		e.pos++
	}
	return t
}

func (e *evaluator) fail(format string, args ...any) cval {
	if e.err == nil {
		e.err = fmt.Errorf(format, args...)
	}
	return cval{}
}

func (e *evaluator) expect(p string) {
	if t := e.next(); !t.is(p) {
		e.fail("expected %q, found %q", p, t.text)
	}
}

// eval evaluates the whole token list.
func (e *evaluator) eval() (cval, error) {
	v := e.cond()
	if e.err == nil && e.pos < len(e.toks) {
		e.fail("unexpected %q", e.peek().text)
	}
	return v, e.err
}

func (e *evaluator) cond() cval {
	c := e.binary(0)
	if e.peek().is("?") {
		e.next()
		a := e.cond()
		e.expect(":")
		b := e.cond()
		if c.v != 0 {
			return promote2(a, b, a)
		}
		return promote2(a, b, b)
	}
	return c
}

// promote2 returns r with the signedness of the usual conversions of a
// and b.
func promote2(a, b, r cval) cval {
	r.unsigned = a.unsigned || b.unsigned
	return r
}

var binPrec = map[string]int{
	"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5,
	"==": 6, "!=": 6, "<": 7, ">": 7, "<=": 7, ">=": 7,
	"<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}

func (e *evaluator) binary(minPrec int) cval {
	l := e.unary()
	for e.err == nil {
		t := e.peek()
		if t.kind != tPunct {
			return l
		}
		p, ok := binPrec[t.text]
		if !ok || p <= minPrec {
			return l
		}
		e.next()
		r := e.binary(p)
		l = e.apply(t.text, l, r)
	}
	return l
}

func (e *evaluator) apply(op string, l, r cval) cval {
	u := l.unsigned || r.unsigned
	b2v := func(b bool) cval {
		if b {
			return cval{v: 1}
		}
		return cval{}
	}
	switch op {
	case "||":
		return b2v(l.v != 0 || r.v != 0)
	case "&&":
		return b2v(l.v != 0 && r.v != 0)
	case "|":
		return cval{l.v | r.v, u}
	case "^":
		return cval{l.v ^ r.v, u}
	case "&":
		return cval{l.v & r.v, u}
	case "==":
		return b2v(l.v == r.v)
	case "!=":
		return b2v(l.v != r.v)
	case "<", ">", "<=", ">=":
		var lt, eq bool
		if u {
			lt, eq = l.v < r.v, l.v == r.v
		} else {
			lt, eq = int64(l.v) < int64(r.v), l.v == r.v
		}
		switch op {
		case "<":
			return b2v(lt)
		case ">":
			return b2v(!lt && !eq)
		case "<=":
			return b2v(lt || eq)
		}
		return b2v(!lt)
	case "<<":
		if r.v >= 64 {
			return cval{0, l.unsigned}
		}
		return cval{l.v << r.v, l.unsigned}
	case ">>":
		if r.v >= 64 {
			if !l.unsigned && int64(l.v) < 0 {
				return cval{^uint64(0), false}
			}
			return cval{0, l.unsigned}
		}
		if l.unsigned {
			return cval{l.v >> r.v, true}
		}
		return cval{uint64(int64(l.v) >> r.v), false}
	case "+":
		return cval{l.v + r.v, u}
	case "-":
		return cval{l.v - r.v, u}
	case "*":
		return cval{l.v * r.v, u}
	case "/", "%":
		if r.v == 0 {
			return e.fail("division by zero")
		}
		if u {
			if op == "/" {
				return cval{l.v / r.v, true}
			}
			return cval{l.v % r.v, true}
		}
		a, b := int64(l.v), int64(r.v)
		if b == -1 { // avoid the MinInt64 / -1 trap
			if op == "/" {
				return cval{uint64(-a), false}
			}
			return cval{0, false}
		}
		if op == "/" {
			return cval{uint64(a / b), false}
		}
		return cval{uint64(a % b), false}
	}
	return e.fail("unknown operator %q", op)
}

func (e *evaluator) unary() cval {
	t := e.peek()
	if t.kind == tPunct {
		switch t.text {
		case "-":
			e.next()
			v := e.unary()
			return cval{-v.v, v.unsigned}
		case "+":
			e.next()
			return e.unary()
		case "~":
			e.next()
			v := e.unary()
			return cval{^v.v, v.unsigned}
		case "!":
			e.next()
			v := e.unary()
			if v.v == 0 {
				return cval{v: 1}
			}
			return cval{}
		case "(":
			// A cast, when a type name follows.
			save := e.pos
			e.next()
			if ty, ok := e.tryTypeName(); ok && e.peek().is(")") {
				e.next()
				v := e.unary()
				return castTo(ty, v)
			}
			e.pos = save
		}
	}
	if t.kind == tIdent && t.text == "sizeof" {
		e.next()
		if e.peek().is("(") {
			save := e.pos
			e.next()
			if ty, ok := e.tryTypeName(); ok && e.peek().is(")") {
				e.next()
				return cval{uint64(ty.Size()), true}
			}
			e.pos = save
		}
		return e.fail("sizeof of an expression is not supported")
	}
	return e.primary()
}

// tryTypeName parses a type name if one starts here.
func (e *evaluator) tryTypeName() (types.Type, bool) {
	save := e.pos
	if e.typeName != nil {
		if ty, ok := e.typeName(e); ok {
			return ty, true
		}
		e.pos = save
		return nil, false
	}
	// Without a parser, accept the builtin integer spellings.
	var words []string
	for e.peek().kind == tIdent && isBasicTypeWord(e.peek().text) {
		words = append(words, e.next().text)
	}
	for e.peek().is("*") {
		e.next()
		words = append(words, "*")
	}
	if len(words) > 0 {
		if words[len(words)-1] == "*" {
			return &types.Pointer{Elem: types.Void{}}, true
		}
		if ty, ok := basicType(words); ok {
			return ty, true
		}
	}
	if t := e.peek(); t.kind == tIdent {
		if ty, ok := builtinTypedefs[t.text]; ok {
			e.next()
			for e.peek().is("*") {
				e.next()
				ty = &types.Pointer{Elem: ty}
			}
			return ty, true
		}
	}
	e.pos = save
	return nil, false
}

// castTo converts v to ty's width and signedness.
func castTo(ty types.Type, v cval) cval {
	switch t := types.Underlying(ty).(type) {
	case *types.Int:
		if t.Bits >= 64 {
			return cval{v.v, !t.Signed}
		}
		mask := uint64(1)<<t.Bits - 1
		x := v.v & mask
		if t.Signed && x&(uint64(1)<<(t.Bits-1)) != 0 {
			x |= ^mask
		}
		// The value keeps the cast type's signedness; arithmetic on it
		// then follows 64-bit #if rules.
		return cval{x, !t.Signed}
	case types.Bool:
		if v.v != 0 {
			return cval{v: 1}
		}
		return cval{}
	case *types.Enum:
		return castTo(&types.Int{Bits: t.Bytes * 8, Signed: t.Signed}, v)
	case *types.Pointer:
		return cval{v.v, true}
	}
	return v
}

func (e *evaluator) primary() cval {
	t := e.next()
	switch t.kind {
	case tNumber:
		v, err := parseCInt(t.text)
		if err != nil {
			return e.fail("%v", err)
		}
		return v
	case tChar:
		r, err := parseCChar(t.text)
		if err != nil {
			return e.fail("%v", err)
		}
		return cval{v: uint64(r)}
	case tIdent:
		if e.ppMode && t.text == "defined" {
			paren := e.peek().is("(")
			if paren {
				e.next()
			}
			n := e.next()
			if n.kind != tIdent {
				return e.fail("expected a macro name after defined")
			}
			if paren {
				e.expect(")")
			}
			if e.defined != nil && e.defined(n.text) {
				return cval{v: 1}
			}
			return cval{}
		}
		if e.ident != nil {
			if v, ok := e.ident(t.text); ok {
				return v
			}
		}
		if e.ppMode {
			if t.text == "true" {
				return cval{v: 1}
			}
			// Function-like use of an unknown macro: `FOO(x)` is 0 too.
			if e.peek().is("(") {
				depth := 0
				for e.pos < len(e.toks) {
					x := e.next()
					if x.is("(") {
						depth++
					} else if x.is(")") {
						depth--
						if depth == 0 {
							break
						}
					}
				}
			}
			return cval{}
		}
		return e.fail("%q is not a constant", t.text)
	case tPunct:
		if t.text == "(" {
			v := e.cond()
			e.expect(")")
			return v
		}
	case tEOF:
		return e.fail("expression ends too early")
	}
	return e.fail("unexpected %q in constant expression", t.text)
}

// parseCInt parses a C integer literal with its suffixes. Its type
// follows C: a decimal literal is signed unless it needs 64 unsigned
// bits or has a u suffix; octal and hex literals that do not fit int64
// are unsigned.
func parseCInt(s string) (cval, error) {
	body := strings.ToLower(s)
	unsigned := false
	for len(body) > 0 {
		c := body[len(body)-1]
		if c == 'u' {
			unsigned = true
			body = body[:len(body)-1]
		} else if c == 'l' {
			body = body[:len(body)-1]
		} else {
			break
		}
	}
	body = strings.ReplaceAll(body, "'", "") // C23 digit separators
	base := 10
	digits := body
	switch {
	case strings.HasPrefix(body, "0x"):
		base, digits = 16, body[2:]
	case strings.HasPrefix(body, "0b"):
		base, digits = 2, body[2:]
	case len(body) > 1 && body[0] == '0':
		base, digits = 8, body[1:]
	}
	if strings.ContainsAny(digits, ".") || (base != 16 && strings.ContainsAny(digits, "ep")) {
		return cval{}, fmt.Errorf("floating-point literal %s is not an integer", s)
	}
	v, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		return cval{}, fmt.Errorf("bad integer literal %s", s)
	}
	if v > 1<<63-1 {
		unsigned = true
	}
	return cval{v, unsigned}, nil
}

// parseCChar returns the value of a character literal ('a', '\n', '\x41',
// '\101'); the value of a plain char literal is sign-extended as char is
// signed on BPF.
func parseCChar(s string) (int64, error) {
	i := strings.IndexByte(s, '\'')
	if i < 0 || len(s) < i+3 || s[len(s)-1] != '\'' {
		return 0, fmt.Errorf("bad character literal %s", s)
	}
	b, err := unescapeC(s[i+1 : len(s)-1])
	if err != nil || len(b) == 0 {
		return 0, fmt.Errorf("bad character literal %s", s)
	}
	if i == 0 { // plain char: signed
		return int64(int8(b[0])), nil
	}
	return int64(b[0]), nil
}

// unescapeC decodes C escape sequences.
func unescapeC(s string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, errors.New("trailing backslash")
		}
		switch c = s[i]; c {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'a':
			out = append(out, 7)
		case 'b':
			out = append(out, 8)
		case 'f':
			out = append(out, 12)
		case 'v':
			out = append(out, 11)
		case 'e':
			out = append(out, 27)
		case 'x':
			j := i + 1
			for j < len(s) && strings.IndexByte("0123456789abcdefABCDEF", s[j]) >= 0 {
				j++
			}
			if j == i+1 {
				return nil, errors.New("\\x with no digits")
			}
			v, _ := strconv.ParseUint(s[i+1:j], 16, 64)
			out = append(out, byte(v))
			i = j - 1
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(s[i:j], 8, 64)
			out = append(out, byte(v))
			i = j - 1
		default:
			out = append(out, c) // \\ \' \" \?
		}
	}
	return out, nil
}

// stringValue concatenates adjacent string literal tokens; ok is false
// when toks are not all string literals.
func stringValue(toks []token) (string, bool) {
	if len(toks) == 0 {
		return "", false
	}
	var b strings.Builder
	for _, t := range toks {
		if t.kind != tString {
			return "", false
		}
		q := strings.IndexByte(t.text, '"')
		if q < 0 || len(t.text) < q+2 {
			return "", false
		}
		dec, err := unescapeC(t.text[q+1 : len(t.text)-1])
		if err != nil {
			return "", false
		}
		b.Write(dec)
	}
	return b.String(), true
}
