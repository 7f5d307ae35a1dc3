package cfront

import (
	"strings"

	"github.com/bt-tools/bt/analysis/types"
)

// macro is one #define.
type macro struct {
	name     string
	fn       bool
	params   []string
	variadic bool
	body     []token
	text     string // replacement text, whitespace collapsed
	off      int    // offset of the name in its buffer
	builtin  bool   // predefined, not from the C being read
}

// expander expands macros in token lists.
type expander struct {
	macros map[string]*macro
}

// expand returns toks with macros replaced, C-style: arguments are
// expanded before substitution (unless used with # or ##), the result is
// rescanned with the macro disabled. Tokens produced by an expansion
// carry the offset of the macro's name at the use.
func (x *expander) expand(toks []token) []token {
	return x.expandDisabled(toks, nil, 0)
}

func (x *expander) expandDisabled(toks []token, disabled map[string]bool, depth int) []token {
	if depth > 64 {
		return toks
	}
	var out []token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind != tIdent || disabled[t.text] {
			out = append(out, t)
			continue
		}
		m := x.macros[t.text]
		if m == nil {
			out = append(out, t)
			continue
		}
		dis := map[string]bool{m.name: true}
		for k := range disabled {
			dis[k] = true
		}
		if !m.fn {
			body := relocate(m.body, t.off)
			out = append(out, x.expandDisabled(body, dis, depth+1)...)
			continue
		}
		if i+1 >= len(toks) || !toks[i+1].is("(") {
			out = append(out, t)
			continue
		}
		args, end, ok := splitArgs(toks, i+1)
		if !ok {
			out = append(out, t)
			continue
		}
		body := x.substitute(m, args, t.off, disabled, depth)
		out = append(out, x.expandDisabled(body, dis, depth+1)...)
		i = end
	}
	return out
}

// relocate copies toks giving them all offset off.
func relocate(toks []token, off int) []token {
	out := make([]token, len(toks))
	for i, t := range toks {
		t.off = off
		out[i] = t
	}
	return out
}

// splitArgs reads a parenthesized macro argument list starting at
// toks[open] == "(", returning the arguments and the index of ")".
func splitArgs(toks []token, open int) (args [][]token, end int, ok bool) {
	depth := 0
	var cur []token
	for i := open; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.is("(") || t.is("[") || t.is("{"):
			depth++
			if depth == 1 {
				continue
			}
		case t.is(")") || t.is("]") || t.is("}"):
			depth--
			if depth == 0 {
				args = append(args, cur)
				if len(args) == 1 && len(args[0]) == 0 {
					args = nil
				}
				return args, i, true
			}
		case t.is(",") && depth == 1:
			args = append(args, cur)
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
	return nil, 0, false
}

func (x *expander) substitute(m *macro, args [][]token, off int, disabled map[string]bool, depth int) []token {
	argOf := func(name string) ([]token, bool) {
		for i, p := range m.params {
			if p == name || (p == "..." && name == "__VA_ARGS__") {
				if p == "..." {
					// Everything from here on, commas included.
					var all []token
					for j := i; j < len(args); j++ {
						if j > i {
							all = append(all, token{tPunct, ",", off})
						}
						all = append(all, args[j]...)
					}
					return all, true
				}
				if i < len(args) {
					return args[i], true
				}
				return nil, true
			}
		}
		return nil, false
	}
	var out []token
	body := m.body
	for i := 0; i < len(body); i++ {
		t := body[i]
		if t.is("#") && i+1 < len(body) {
			if a, ok := argOf(body[i+1].text); ok && body[i+1].kind == tIdent {
				parts := make([]string, len(a))
				for j, at := range a {
					parts[j] = at.text
				}
				s := strings.Join(parts, " ")
				s = strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`)
				out = append(out, token{tString, `"` + s + `"`, off})
				i++
				continue
			}
		}
		if t.is("##") && len(out) > 0 && i+1 < len(body) {
			next := []token{body[i+1]}
			if a, ok := argOf(body[i+1].text); ok && body[i+1].kind == tIdent {
				next = a
			}
			i++
			if len(next) == 0 {
				continue
			}
			last := out[len(out)-1]
			pasted := lex(last.text+next[0].text, 0, len(last.text)+len(next[0].text))
			out = out[:len(out)-1]
			for _, p := range pasted {
				p.off = off
				out = append(out, p)
			}
			out = append(out, relocate(next[1:], off)...)
			continue
		}
		if t.kind == tIdent {
			if a, ok := argOf(t.text); ok {
				pasteNext := i+1 < len(body) && body[i+1].is("##")
				if pasteNext {
					out = append(out, relocate(a, off)...)
				} else {
					out = append(out, x.expandDisabled(relocate(a, off), disabled, depth+1)...)
				}
				continue
			}
		}
		t.off = off
		out = append(out, t)
	}
	return out
}

// defineFromDirective parses the text after "#define" in src[start:end]
// into a macro. nameOK is false when no name follows.
func parseDefine(src string, start, end int) (m *macro, ok bool) {
	toks := lex(src, start, end)
	if len(toks) == 0 || toks[0].kind != tIdent {
		return nil, false
	}
	name := toks[0]
	m = &macro{name: name.text, off: name.off}
	rest := toks[1:]
	nameEnd := name.off + len(name.text)
	if nameEnd < end && src[nameEnd] == '(' {
		m.fn = true
		i := 1 // rest[0] is "("
		for ; i < len(rest); i++ {
			t := rest[i]
			if t.is(")") {
				i++
				break
			}
			if t.is(",") {
				continue
			}
			if t.is("...") {
				m.variadic = true
				m.params = append(m.params, "...")
				continue
			}
			if t.kind == tIdent {
				m.params = append(m.params, t.text)
			}
		}
		if i > len(rest) {
			i = len(rest)
		}
		rest = rest[i:]
	}
	m.body = rest
	if len(rest) > 0 {
		m.text = collapse(src[rest[0].off:end])
		m.text = stripComments(m.text)
	}
	return m, true
}

// stripComments removes comments from a one-line replacement text.
func stripComments(s string) string {
	if !strings.Contains(s, "/*") && !strings.Contains(s, "//") {
		return s
	}
	toks := lex(s, 0, len(s))
	if len(toks) == 0 {
		return ""
	}
	// Keep the text between the first and last token, minus comments,
	// by re-joining tokens with the spacing they had.
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			prevEnd := toks[i-1].off + len(toks[i-1].text)
			if gap := s[prevEnd:t.off]; strings.TrimSpace(gap) != "" || len(gap) > 0 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// evalDefine fills d's value from macro m, expanding other macros.
// typeName supports casts and sizeof; it may be nil.
func evalDefine(d *Define, m *macro, x *expander, ident func(string) (cval, bool), typeName func(*evaluator) (types.Type, bool)) {
	d.Text = m.text
	if m.fn {
		d.Kind = DefineFunction
		d.Params = m.params
		return
	}
	if len(m.body) == 0 {
		d.Kind = DefineEmpty
		return
	}
	toks := x.expand(m.body)
	if s, ok := stringValue(toks); ok {
		d.Kind, d.Str = DefineString, s
		return
	}
	ev := &evaluator{toks: toks, ident: ident, typeName: typeName}
	v, err := ev.eval()
	if err != nil {
		d.Kind = DefineOther
		return
	}
	d.Kind, d.Int, d.Unsigned = DefineInt, int64(v.v), v.unsigned
}
