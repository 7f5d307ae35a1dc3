package cfront

import (
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/types"
)

// scope holds the names a C parser resolves: typedef names, struct/union/
// enum tags ("struct foo"), and enum constants. Misses may be answered by
// the optional hooks (the clang reader resolves names lazily).
type scope struct {
	typedefs map[string]types.Type
	tags     map[string]types.Type
	consts   map[string]cval
	complete map[*types.Struct]bool

	missTypedef func(name string) (types.Type, bool)
	missTag     func(key string) (types.Type, bool)
}

func newScope() *scope {
	return &scope{
		typedefs: map[string]types.Type{},
		tags:     map[string]types.Type{},
		consts:   map[string]cval{},
		complete: map[*types.Struct]bool{},
	}
}

func (s *scope) typedef(name string) (types.Type, bool) {
	if t, ok := s.typedefs[name]; ok {
		return t, true
	}
	if s.missTypedef != nil {
		if t, ok := s.missTypedef(name); ok {
			s.typedefs[name] = t
			return t, true
		}
	}
	return nil, false
}

func (s *scope) tag(key string) (types.Type, bool) {
	if t, ok := s.tags[key]; ok {
		return t, true
	}
	if s.missTag != nil {
		if t, ok := s.missTag(key); ok {
			s.tags[key] = t
			return t, true
		}
	}
	return nil, false
}

// declSink receives what the parser finds. Offsets are token offsets.
type declSink interface {
	tagDefined(key string, t types.Type, off int)
	typedefDefined(name string, t *types.Typedef, off int)
	enumConst(name string, v int64, e *types.Enum, off int)
	funcDeclared(f *Func, nameOff, declStart, declEnd int)
	globalDeclared(g *Global, nameOff, declStart, declEnd int)
}

// parser reads C declarations from tokens.
type parser struct {
	src  string // the text token offsets point into, for Decl texts
	toks []token
	pos  int
	sc   *scope
	sink declSink // nil when only parsing type names
	errf func(off int, code diag.Code, format string, args ...any)
	// bail stops parsing after the first error (type-string mode).
	failed bool
}

type bailout struct{}

func (p *parser) peek() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	off := len(p.src)
	if len(p.toks) > 0 {
		last := p.toks[len(p.toks)-1]
		off = last.off + len(last.text)
	}
	return token{kind: tEOF, off: off}
}

func (p *parser) peekAt(n int) token {
	if p.pos+n < len(p.toks) {
		return p.toks[p.pos+n]
	}
	return token{kind: tEOF}
}

func (p *parser) next() token {
	t := p.peek()
	if p.pos < len(p.toks) {
		p.pos++
	}
	return t
}

func (p *parser) accept(s string) bool {
	if p.peek().is(s) {
		p.pos++
		return true
	}
	return false
}

// fail reports an error and unwinds to the declaration being parsed.
func (p *parser) fail(off int, code diag.Code, format string, args ...any) {
	p.failed = true
	if p.errf != nil {
		p.errf(off, code, format, args...)
	}
	panic(bailout{})
}

func (p *parser) expect(s string) token {
	t := p.peek()
	if !t.is(s) {
		what := t.text
		if t.kind == tEOF {
			what = "end of input"
		}
		p.fail(t.off, CodeCError, "expected '%s', found '%s'", s, what)
	}
	return p.next()
}

// translationUnit parses external declarations until the end, recovering
// after errors at the next ';' or closing brace at the top level.
func (p *parser) translationUnit() {
	for p.peek().kind != tEOF {
		start := p.pos
		func() {
			defer func() {
				if r := recover(); r != nil {
					if _, ok := r.(bailout); !ok {
						panic(r)
					}
					p.recover(start)
				}
			}()
			p.externalDecl()
		}()
	}
}

// recover skips to just after the next top-level ';' or the '}' closing
// a brace opened since start.
func (p *parser) recover(start int) {
	if p.pos <= start {
		p.pos = start + 1
	}
	depth := 0
	for i := start; i < p.pos && i < len(p.toks); i++ {
		if p.toks[i].is("{") {
			depth++
		} else if p.toks[i].is("}") {
			depth--
		}
	}
	for p.pos < len(p.toks) {
		t := p.next()
		switch {
		case t.is("{"):
			depth++
		case t.is("}"):
			depth--
			if depth <= 0 {
				p.accept(";")
				return
			}
		case t.is(";") && depth <= 0:
			return
		}
	}
}

// specs is the result of declaration specifiers.
type specs struct {
	base                    types.Type
	typedef, extern, static bool
	inline, isConst         bool
	attrs                   recordAttrs
	// anonRecord is set when base is a struct/union defined without a
	// tag here (a candidate anonymous member).
	anonRecord bool
	start      int
}

func isStorageOrQual(s string) bool {
	switch s {
	case "typedef", "extern", "static", "auto", "register", "inline", "__inline", "__inline__",
		"_Thread_local", "__thread", "_Noreturn", "__extension__", "const", "__const", "__const__",
		"volatile", "__volatile", "__volatile__", "restrict", "__restrict", "__restrict__", "_Atomic":
		return true
	}
	return false
}

// startsType reports whether t can begin declaration specifiers.
func (p *parser) startsType(t token) bool {
	if t.kind != tIdent {
		return false
	}
	switch t.text {
	case "struct", "union", "enum", "typeof", "__typeof__", "__typeof", "__attribute__", "__attribute":
		return true
	}
	if isBasicTypeWord(t.text) || isStorageOrQual(t.text) {
		return true
	}
	_, ok := p.sc.typedef(t.text)
	return ok
}

func (p *parser) declSpecs() specs {
	sp := specs{start: p.peek().off}
	var words []string
	wordsOff := -1
	for {
		t := p.peek()
		if t.kind != tIdent {
			break
		}
		switch t.text {
		case "typedef":
			sp.typedef = true
		case "extern":
			sp.extern = true
		case "static":
			sp.static = true
		case "inline", "__inline", "__inline__":
			sp.inline = true
		case "const", "__const", "__const__":
			sp.isConst = true
		case "auto", "register", "_Thread_local", "__thread", "_Noreturn", "__extension__",
			"volatile", "__volatile", "__volatile__", "restrict", "__restrict", "__restrict__":
		case "_Atomic":
			if p.peekAt(1).is("(") {
				p.fail(t.off, CodeCUnsupported, "_Atomic(type) is not supported without clang")
			}
		case "__attribute__", "__attribute":
			p.attributes(&sp.attrs)
			continue
		case "struct", "union":
			if sp.base != nil || words != nil {
				p.fail(t.off, CodeCError, "two types in one declaration")
			}
			sp.base, sp.anonRecord = p.recordSpec()
			continue
		case "enum":
			if sp.base != nil || words != nil {
				p.fail(t.off, CodeCError, "two types in one declaration")
			}
			sp.base = p.enumSpec()
			continue
		case "typeof", "__typeof__", "__typeof":
			p.next()
			p.expect("(")
			if !p.startsType(p.peek()) {
				p.fail(t.off, CodeCUnsupported, "typeof of an expression is not supported without clang")
			}
			sp.base = p.typeName()
			p.expect(")")
			continue
		default:
			if isBasicTypeWord(t.text) {
				if sp.base != nil {
					p.fail(t.off, CodeCError, "two types in one declaration")
				}
				if wordsOff < 0 {
					wordsOff = t.off
				}
				words = append(words, t.text)
				break
			}
			if sp.base == nil && words == nil {
				if td, ok := p.sc.typedef(t.text); ok {
					sp.base = td
					break
				}
				// `foo_t x;` with foo_t unknown.
				if n := p.peekAt(1); n.kind == tIdent || n.is("*") {
					p.fail(t.off, CodeCError, "unknown type name '%s'", t.text)
				}
			}
			goto done
		}
		p.next()
	}
done:
	if words != nil {
		ty, ok := basicType(words)
		if !ok {
			p.fail(wordsOff, CodeCError, "invalid type '%s'", joinWords(words))
		}
		sp.base = ty
	}
	return sp
}

func joinWords(w []string) string {
	s := ""
	for i, x := range w {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s
}

// attributes parses __attribute__((...)) and records layout attributes.
func (p *parser) attributes(a *recordAttrs) {
	for p.peek().kind == tIdent && (p.peek().text == "__attribute__" || p.peek().text == "__attribute") {
		p.next()
		p.expect("(")
		p.expect("(")
		for !p.peek().is(")") {
			t := p.next()
			if t.kind == tEOF {
				p.fail(t.off, CodeCError, "unterminated __attribute__")
			}
			if t.is(",") {
				continue
			}
			name := t.text
			var args []token
			if p.peek().is("(") {
				start := p.pos
				p.skipBalanced("(", ")")
				args = p.toks[start+1 : p.pos-1]
			}
			switch name {
			case "packed", "__packed__":
				a.packed = true
			case "aligned", "__aligned__":
				n := 8 // the target's largest alignment
				if len(args) > 0 {
					n = int(p.constExpr(args, t.off))
				}
				if n > a.align {
					a.align = n
				}
			}
		}
		p.expect(")")
		p.expect(")")
	}
}

// skipBalanced skips from an open token to just past its closer.
func (p *parser) skipBalanced(open, close string) {
	start := p.peek()
	depth := 0
	for {
		t := p.next()
		switch {
		case t.kind == tEOF:
			p.fail(start.off, CodeCError, "'%s' is never closed", open)
		case t.is(open):
			depth++
		case t.is(close):
			depth--
			if depth == 0 {
				return
			}
		}
	}
}

// constExpr evaluates tokens as an integer constant expression.
func (p *parser) constExpr(toks []token, off int) int64 {
	ev := &evaluator{
		toks:  toks,
		ident: func(n string) (cval, bool) { v, ok := p.sc.consts[n]; return v, ok },
		typeName: func(e *evaluator) (types.Type, bool) {
			return p.typeNameIn(e)
		},
	}
	v, err := ev.eval()
	if err != nil {
		if len(toks) > 0 {
			off = toks[0].off
		}
		p.fail(off, CodeCError, "bad constant expression: %v", err)
	}
	return int64(v.v)
}

// typeNameIn parses a type name from an evaluator's tokens.
func (p *parser) typeNameIn(e *evaluator) (ty types.Type, ok bool) {
	sub := &parser{src: p.src, toks: e.toks, pos: e.pos, sc: p.sc}
	if !sub.startsType(sub.peek()) {
		return nil, false
	}
	defer func() {
		if r := recover(); r != nil {
			if _, isBail := r.(bailout); !isBail {
				panic(r)
			}
			ty, ok = nil, false
		}
	}()
	ty = sub.typeName()
	e.pos = sub.pos
	return ty, true
}

// typeName parses specifiers and an abstract declarator.
func (p *parser) typeName() types.Type {
	sp := p.declSpecs()
	if sp.base == nil {
		p.fail(p.peek().off, CodeCError, "expected a type")
	}
	d := p.declarator(true)
	if d.name != "" {
		p.fail(d.nameOff, CodeCError, "unexpected name '%s' in a type", d.name)
	}
	return d.apply(sp.base)
}

// recordSpec parses struct/union [name] [{ members }].
func (p *parser) recordSpec() (types.Type, bool) {
	kwTok := p.next()
	union := kwTok.text == "union"
	var attrs recordAttrs
	p.attributes(&attrs)
	name := ""
	nameOff := kwTok.off
	if t := p.peek(); t.kind == tIdent && t.text != "__attribute__" {
		name, nameOff = t.text, t.off
		p.next()
	}
	p.attributes(&attrs)
	if name == "" && !p.peek().is("{") {
		p.fail(p.peek().off, CodeCError, "expected a %s name or '{'", kwTok.text)
	}
	key := kwTok.text + " " + name
	var st *types.Struct
	if name != "" {
		if t, ok := p.sc.tag(key); ok {
			s, isStruct := t.(*types.Struct)
			if !isStruct {
				p.fail(nameOff, CodeCError, "'%s' was declared as a different kind of tag", name)
			}
			st = s
		} else {
			st = types.NewStruct(name, union, 0, nil)
			st.Origin = "c"
			p.sc.tags[key] = st
		}
		if st.Union != union {
			p.fail(nameOff, CodeCError, "use of '%s' with tag type that does not match previous declaration", name)
		}
	} else {
		st = types.NewStruct("", union, 0, nil)
		st.Origin = "c"
	}
	if !p.peek().is("{") {
		return st, false
	}
	if p.sc.complete[st] {
		p.fail(nameOff, CodeCError, "redefinition of '%s'", key)
	}
	p.next()
	var fs []fieldSpec
	for !p.peek().is("}") {
		if p.peek().kind == tEOF {
			p.fail(kwTok.off, CodeCError, "'{' of %s is never closed", key)
		}
		if p.accept(";") {
			continue
		}
		if t := p.peek(); t.kind == tIdent && (t.text == "_Static_assert" || t.text == "static_assert") {
			p.next()
			p.skipBalanced("(", ")")
			p.expect(";")
			continue
		}
		sp := p.declSpecs()
		if sp.base == nil {
			t := p.peek()
			p.fail(t.off, CodeCError, "expected a member type, found '%s'", t.text)
		}
		if p.peek().is(";") {
			// struct { ... }; inside a record: an anonymous member.
			if inner, ok := sp.base.(*types.Struct); ok && sp.anonRecord {
				fs = append(fs, fieldSpec{typ: inner, bitWidth: -1, off: sp.start})
			}
			p.next()
			continue
		}
		for {
			d := p.declarator(false)
			memberAttrs := d.attrs
			p.attributes(&memberAttrs)
			f := fieldSpec{name: d.name, typ: d.apply(sp.base), bitWidth: -1, off: d.nameOff, align: memberAttrs.align}
			if f.off < 0 {
				f.off = p.peek().off
			}
			if p.accept(":") {
				start := p.pos
				for !p.peek().is(",") && !p.peek().is(";") && p.peek().kind != tEOF && !p.peek().is("__attribute__") {
					p.next()
				}
				f.bitWidth = int(p.constExpr(p.toks[start:p.pos], f.off))
				if !types.IsInteger(f.typ) && !isBoolType(f.typ) {
					p.fail(f.off, CodeCError, "bit-field '%s' has non-integral type %s", f.name, f.typ)
				}
				if f.bitWidth < 0 || f.bitWidth > f.typ.Size()*8 {
					p.fail(f.off, CodeCError, "width of bit-field '%s' (%d bits) is invalid", f.name, f.bitWidth)
				}
				p.attributes(&memberAttrs)
				f.align = memberAttrs.align
			} else if f.name == "" {
				p.fail(f.off, CodeCError, "expected a member name")
			}
			p.checkComplete(f.typ, f.off, f.name)
			fs = append(fs, f)
			if !p.accept(",") {
				break
			}
		}
		p.expect(";")
	}
	p.next() // }
	p.attributes(&attrs)
	fields, size, align := layoutRecord(union, fs, attrs)
	st.SetFields(fields)
	st.Bytes = size
	st.AlignBytes = align
	p.sc.complete[st] = true
	if name != "" && p.sink != nil {
		p.sink.tagDefined(key, st, nameOff)
	}
	return st, name == ""
}

func isBoolType(t types.Type) bool {
	_, ok := types.Underlying(t).(types.Bool)
	return ok
}

// checkComplete rejects members of incomplete type (flexible arrays are
// fine).
func (p *parser) checkComplete(t types.Type, off int, name string) {
	switch u := types.Underlying(t).(type) {
	case types.Void:
		p.fail(off, CodeCError, "field '%s' has incomplete type 'void'", name)
	case *types.Struct:
		if !p.sc.complete[u] && u.Bytes == 0 && len(u.Fields()) == 0 {
			p.fail(off, CodeCError, "field '%s' has incomplete type '%s'", name, u)
		}
	case *types.Array:
		if u.Len > 0 {
			p.checkComplete(u.Elem, off, name)
		}
	case *FuncType:
		p.fail(off, CodeCError, "field '%s' declared as a function", name)
	}
}

// enumSpec parses enum [name] [: type] [{ enumerators }].
func (p *parser) enumSpec() types.Type {
	kwTok := p.next()
	var attrs recordAttrs
	p.attributes(&attrs)
	name := ""
	nameOff := kwTok.off
	if t := p.peek(); t.kind == tIdent {
		name, nameOff = t.text, t.off
		p.next()
	}
	p.attributes(&attrs)
	var fixed types.Type
	if p.peek().is(":") {
		p.next()
		fixed = p.typeName()
	}
	key := "enum " + name
	if !p.peek().is("{") {
		if name == "" {
			p.fail(p.peek().off, CodeCError, "expected an enum name or '{'")
		}
		if t, ok := p.sc.tag(key); ok {
			return t
		}
		// A forward reference: an int-sized enum until defined.
		e := &types.Enum{Name: name, Bytes: 4, Signed: true}
		p.sc.tags[key] = e
		return e
	}
	p.next()
	var vals []types.EnumValue
	type pending struct {
		name string
		off  int
	}
	var names []pending
	next := cval{}
	for !p.peek().is("}") {
		t := p.next()
		if t.kind != tIdent {
			p.fail(t.off, CodeCError, "expected an enumerator name, found '%s'", t.text)
		}
		p.attributes(&attrs)
		v := next
		if p.accept("=") {
			start := p.pos
			depth := 0
			for {
				x := p.peek()
				if x.kind == tEOF || (depth == 0 && (x.is(",") || x.is("}"))) {
					break
				}
				if x.is("(") {
					depth++
				} else if x.is(")") {
					depth--
				}
				p.next()
			}
			v = cval{v: uint64(p.constExpr(p.toks[start:p.pos], t.off))}
		}
		vals = append(vals, types.EnumValue{Name: t.text, Value: int64(v.v)})
		names = append(names, pending{t.text, t.off})
		p.sc.consts[t.text] = cval{v: v.v}
		next = cval{v: v.v + 1}
		if !p.accept(",") {
			break
		}
	}
	p.expect("}")
	p.attributes(&attrs)
	e := enumType(name, vals, attrs.packed)
	if fixed != nil {
		if it, ok := types.Underlying(fixed).(*types.Int); ok {
			e.Bytes, e.Signed = it.Bits/8, it.Signed
		}
	}
	if name != "" {
		if old, ok := p.sc.tags[key].(*types.Enum); ok && old.Values != nil {
			p.fail(nameOff, CodeCError, "redefinition of '%s'", key)
		} else if ok {
			*old = *e // complete the forward reference in place
			e = old
		}
		p.sc.tags[key] = e
		if p.sink != nil {
			p.sink.tagDefined(key, e, nameOff)
		}
	}
	if p.sink != nil {
		for _, n := range names {
			p.sink.enumConst(n.name, p.sc.consts[n.name].int64(), e, n.off)
		}
	}
	return e
}

// dop is one step of a declarator, applied from the base type outward.
type dop struct {
	kind   byte // '*', '[', '('
	n      int  // array length
	params []Param
	vararg bool
}

// dresult is a parsed declarator.
type dresult struct {
	name    string
	nameOff int
	ops     []dop
	attrs   recordAttrs // attributes written in the declarator
}

func (d dresult) apply(base types.Type) types.Type {
	t := base
	for _, op := range d.ops {
		switch op.kind {
		case '*':
			t = &types.Pointer{Elem: t}
		case '[':
			t = &types.Array{Elem: t, Len: op.n}
		case '(':
			t = &FuncType{Params: op.params, Result: t, Variadic: op.vararg}
		}
	}
	return t
}

// isFunc reports whether the declarator declares a function (its last,
// outermost step is a parameter list).
func (d dresult) isFunc() bool { return len(d.ops) > 0 && d.ops[len(d.ops)-1].kind == '(' }

func (p *parser) skipQuals(attrs *recordAttrs) {
	for {
		t := p.peek()
		if t.kind != tIdent {
			return
		}
		switch t.text {
		case "const", "__const", "__const__", "volatile", "__volatile", "__volatile__",
			"restrict", "__restrict", "__restrict__", "_Atomic", "_Nullable", "_Nonnull":
			p.next()
		case "__attribute__", "__attribute":
			p.attributes(attrs)
		default:
			return
		}
	}
}

// declarator parses a (possibly abstract) declarator.
func (p *parser) declarator(abstract bool) dresult {
	var d dresult
	d.nameOff = -1
	ptrs := 0
	p.skipQuals(&d.attrs)
	for p.accept("*") {
		ptrs++
		p.skipQuals(&d.attrs)
	}
	var inner []dop
	if p.peek().is("(") && p.nestedFollows() {
		p.next()
		in := p.declarator(abstract)
		p.expect(")")
		d.name, d.nameOff, inner = in.name, in.nameOff, in.ops
	} else if t := p.peek(); t.kind == tIdent && !(abstract && p.startsType(t)) {
		d.name, d.nameOff = t.text, t.off
		p.next()
	}
	var suffixes []dop
	for {
		p.skipQuals(&d.attrs)
		switch {
		case p.peek().is("["):
			open := p.next()
			start := p.pos
			depth := 0
			for {
				t := p.peek()
				if t.kind == tEOF {
					p.fail(open.off, CodeCError, "'[' is never closed")
				}
				if t.is("[") {
					depth++
				} else if t.is("]") {
					if depth == 0 {
						break
					}
					depth--
				}
				p.next()
			}
			exprToks := p.toks[start:p.pos]
			p.next()
			// `static`, qualifiers in parameter arrays: int a[static 4]
			for len(exprToks) > 0 && exprToks[0].kind == tIdent && (exprToks[0].text == "static" || isStorageOrQual(exprToks[0].text)) {
				exprToks = exprToks[1:]
			}
			n := 0
			if len(exprToks) > 0 {
				n = int(p.constExpr(exprToks, open.off))
				if n < 0 {
					p.fail(open.off, CodeCError, "array has negative size")
				}
			}
			suffixes = append(suffixes, dop{kind: '[', n: n})
		case p.peek().is("("):
			p.next()
			op := dop{kind: '('}
			op.params, op.vararg = p.paramList()
			suffixes = append(suffixes, op)
		default:
			goto out
		}
	}
out:
	for i := 0; i < ptrs; i++ {
		d.ops = append(d.ops, dop{kind: '*'})
	}
	for i := len(suffixes) - 1; i >= 0; i-- {
		d.ops = append(d.ops, suffixes[i])
	}
	d.ops = append(d.ops, inner...)
	return d
}

// nestedFollows decides, at '(', whether a parenthesized declarator
// follows (rather than a parameter list).
func (p *parser) nestedFollows() bool {
	n := p.peekAt(1)
	switch {
	case n.is("*") || n.is("(") || n.is("["):
		return true
	case n.kind == tIdent:
		if n.text == "__attribute__" || n.text == "__attribute" {
			return true
		}
		return !p.startsType(n)
	}
	return false
}

// paramList parses parameters after '(' through ')'.
func (p *parser) paramList() ([]Param, bool) {
	var params []Param
	if p.accept(")") {
		return nil, false
	}
	if t := p.peek(); t.kind == tIdent && t.text == "void" && p.peekAt(1).is(")") {
		p.next()
		p.next()
		return nil, false
	}
	vararg := false
	for {
		if p.accept("...") {
			vararg = true
			break
		}
		sp := p.declSpecs()
		if sp.base == nil {
			t := p.peek()
			if t.kind == tIdent {
				p.fail(t.off, CodeCError, "unknown type name '%s'", t.text)
			}
			p.fail(t.off, CodeCError, "expected a parameter type, found '%s'", t.text)
		}
		d := p.declarator(true)
		t := d.apply(sp.base)
		switch u := t.(type) {
		case *types.Array:
			t = &types.Pointer{Elem: u.Elem}
		case *FuncType:
			t = &types.Pointer{Elem: u}
		}
		params = append(params, Param{Name: d.name, Type: t})
		if !p.accept(",") {
			break
		}
	}
	p.expect(")")
	return params, vararg
}

// externalDecl parses one top-level declaration or function definition.
func (p *parser) externalDecl() {
	if p.accept(";") {
		return
	}
	first := p.peek()
	if first.kind == tIdent && (first.text == "_Static_assert" || first.text == "static_assert") {
		p.next()
		p.skipBalanced("(", ")")
		p.expect(";")
		return
	}
	sp := p.declSpecs()
	if sp.base == nil {
		if first.kind == tIdent && p.peekAt(1).is("(") {
			p.fail(first.off, CodeCUnsupported, "'%s(...)' at the top level is not a declaration the fallback understands (a macro from a header?)", first.text)
		}
		p.fail(first.off, CodeCError, "expected a declaration, found '%s'", first.text)
	}
	if p.accept(";") {
		return
	}
	for {
		d := p.declarator(false)
		var a recordAttrs
		p.attributes(&a)
		if d.name == "" {
			p.fail(p.peek().off, CodeCError, "expected a name in declaration")
		}
		t := d.apply(sp.base)
		switch {
		case sp.typedef:
			td := &types.Typedef{Name: d.name, Type: t}
			if old, ok := p.sc.typedefs[d.name]; ok {
				if _, builtin := builtinTypedefs[d.name]; !builtin && !types.Identical(types.Underlying(old), types.Underlying(t)) {
					p.fail(d.nameOff, CodeCError, "typedef redefinition with different types ('%s' vs '%s')", t, old)
				}
			}
			p.sc.typedefs[d.name] = td
			if p.sink != nil {
				p.sink.typedefDefined(d.name, td, d.nameOff)
			}
		case d.isFunc():
			fn := t.(*FuncType)
			f := &Func{Name: d.name, Params: fn.Params, Result: fn.Result, Variadic: fn.Variadic,
				Static: sp.static, Inline: sp.inline}
			if p.peek().is("{") {
				f.Defined = true
				end := p.peek().off
				p.skipBalanced("{", "}")
				if p.sink != nil {
					p.sink.funcDeclared(f, d.nameOff, sp.start, end)
				}
				return
			}
			if p.sink != nil {
				p.sink.funcDeclared(f, d.nameOff, sp.start, p.peek().off)
			}
		default:
			g := &Global{Name: d.name, Type: t, Extern: sp.extern, Static: sp.static, Const: sp.isConst}
			declEnd := p.peek().off
			if p.accept("=") {
				p.skipInitializer()
			}
			if p.sink != nil {
				p.sink.globalDeclared(g, d.nameOff, sp.start, declEnd)
			}
		}
		if !p.accept(",") {
			break
		}
	}
	p.expect(";")
}

// skipInitializer skips an initializer up to a top-level ',' or ';'.
func (p *parser) skipInitializer() {
	depth := 0
	for {
		t := p.peek()
		switch {
		case t.kind == tEOF:
			return
		case t.is("(") || t.is("{") || t.is("["):
			depth++
		case t.is(")") || t.is("}") || t.is("]"):
			depth--
		case depth == 0 && (t.is(",") || t.is(";")):
			return
		}
		p.next()
	}
}
