package parser

import (
	"strconv"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/scanner"
	"github.com/bt-tools/bt/analysis/source"
)

// bad returns a zero-width BadExpr just after the last consumed token.
func (p *parser) bad() *ast.BadExpr {
	return &ast.BadExpr{Range: ast.Range{Lo: p.prevEnd, Hi: p.prevEnd}}
}

// parseExpr parses a full expression: a ternary (the lowest precedence).
func (p *parser) parseExpr() ast.Expr {
	cond := p.parseBinary(1)
	if !p.is(scanner.QUESTION) {
		return cond
	}
	p.next()
	c := &ast.CondExpr{Cond: cond}
	if p.got(scanner.COLON) {
		c.Else = p.parseExpr() // cond ?: else
	} else {
		c.Then = p.parseExpr()
		p.expect(scanner.COLON, "in the conditional expression")
		c.Else = p.parseExpr()
	}
	c.Range = ast.Range{Lo: cond.Pos(), Hi: max(p.prevEnd, c.Else.End())}
	return c
}

// binaryPrec returns the precedence of the current token as a binary
// operator, 0 if it is none. A '/' followed by '{' ends a predicate and
// is not a division.
func (p *parser) binaryPrec() int {
	switch p.tok.Kind {
	case scanner.LOR:
		return 1
	case scanner.LAND:
		return 2
	case scanner.OR:
		return 3
	case scanner.XOR:
		return 4
	case scanner.AND:
		return 5
	case scanner.EQL, scanner.NEQ:
		return 6
	case scanner.LSS, scanner.LEQ, scanner.GTR, scanner.GEQ:
		return 7
	case scanner.SHL, scanner.SHR:
		return 8
	case scanner.ADD, scanner.SUB:
		return 9
	case scanner.MUL, scanner.REM:
		return 10
	case scanner.QUO:
		// A '/' before '{' (or the end of the text) ends a predicate.
		if k := p.peek().Kind; k == scanner.LBRACE || k == scanner.EOF {
			return 0
		}
		return 10
	}
	return 0
}

// parseBinary parses operators of precedence >= minPrec, left to right.
func (p *parser) parseBinary(minPrec int) ast.Expr {
	x := p.parseUnary()
	for {
		prec := p.binaryPrec()
		if prec == 0 || prec < minPrec {
			return x
		}
		op := p.tok
		p.next()
		y := p.parseBinary(prec + 1)
		x = p.binaries.make(ast.BinaryExpr{Range: ast.Range{Lo: x.Pos(), Hi: max(p.prevEnd, y.End())}, X: x, Op: op.Kind.String(), OpPos: op.Pos, Y: y})
	}
}

func isLvalue(x ast.Expr) bool {
	switch x.(type) {
	case *ast.Variable, *ast.MapExpr, *ast.MapAccess, *ast.BadExpr:
		return true
	}
	return false
}

// parseUnary parses prefix operators, then a postfix expression.
func (p *parser) parseUnary() ast.Expr {
	if !p.enter() {
		return p.bad()
	}
	defer p.leave()
	op := p.tok
	switch op.Kind {
	case scanner.INC, scanner.DEC:
		p.next()
		x := p.parseUnary()
		if !isLvalue(x) {
			p.errorf(x.Span(), CodeBadIncrement, "'%s' needs a variable or map, not this expression", op.Kind)
		}
		return &ast.UnaryExpr{Range: ast.Range{Lo: op.Pos, Hi: max(p.prevEnd, x.End())}, Op: op.Kind.String(), OpPos: op.Pos, X: x}
	case scanner.AND:
		p.next()
		var x ast.Expr
		switch p.tok.Kind {
		case scanner.VARIABLE:
			x = p.variable()
		case scanner.MAP:
			x = p.mapExpr()
		default:
			e := p.errorf(p.tok.Span(), CodeBadAddressOf, "'&' takes the address of a variable or map only")
			hint(e, "write &$var, &@map or &@map[key]")
			x = p.parseUnary()
		}
		return &ast.UnaryExpr{Range: ast.Range{Lo: op.Pos, Hi: max(p.prevEnd, x.End())}, Op: "&", OpPos: op.Pos, X: x}
	case scanner.MUL, scanner.NOT, scanner.TILD, scanner.SUB:
		p.next()
		x := p.parseUnary()
		return &ast.UnaryExpr{Range: ast.Range{Lo: op.Pos, Hi: max(p.prevEnd, x.End())}, Op: op.Kind.String(), OpPos: op.Pos, X: x}
	}
	return p.parsePostfix(p.parsePrimary())
}

// parsePostfix parses .field, ->field, .N, [index], ++ and -- after x.
func (p *parser) parsePostfix(x ast.Expr) ast.Expr {
	for {
		switch p.tok.Kind {
		case scanner.DOT:
			p.next()
			switch p.tok.Kind {
			case scanner.INT:
				t := p.tok
				p.next()
				v, errs := scanner.ParseInt(t.Lit)
				p.intErrors(t, errs)
				idx := int(v)
				if v > 1<<31 {
					idx = -1
				}
				x = &ast.TupleIndexExpr{Range: ast.Range{Lo: x.Pos(), Hi: p.prevEnd}, X: x, Index: idx, IndexPos: t.Pos}
			case scanner.IDENT:
				f := p.ident()
				x = p.fields.make(ast.FieldExpr{Range: ast.Range{Lo: x.Pos(), Hi: p.prevEnd}, X: x, Field: f})
			default:
				p.errorf(p.tok.Span(), CodeSyntax, "expected a field name or tuple index after '.', found %s", p.tok.Describe())
				return x
			}
		case scanner.ARROW:
			p.next()
			if !p.is(scanner.IDENT) {
				p.errorf(p.tok.Span(), CodeSyntax, "expected a field name after '->', found %s", p.tok.Describe())
				return x
			}
			f := p.ident()
			x = p.fields.make(ast.FieldExpr{Range: ast.Range{Lo: x.Pos(), Hi: p.prevEnd}, X: x, Arrow: true, Field: f})
		case scanner.LBRACK:
			p.next()
			idx := p.parseExpr()
			p.expect(scanner.RBRACK, "after the index")
			x = &ast.IndexExpr{Range: ast.Range{Lo: x.Pos(), Hi: p.prevEnd}, X: x, Index: idx}
		case scanner.INC, scanner.DEC:
			op := p.tok
			if !isLvalue(x) {
				p.errorf(op.Span(), CodeBadIncrement, "'%s' needs a variable or map, not this expression", op.Kind)
				p.next()
				return x
			}
			p.next()
			x = &ast.UnaryExpr{Range: ast.Range{Lo: x.Pos(), Hi: p.prevEnd}, Op: op.Kind.String(), OpPos: op.Pos, X: x, Postfix: true}
		default:
			return x
		}
	}
}

// parsePrimary parses an operand.
func (p *parser) parsePrimary() ast.Expr {
	t := p.tok
	switch t.Kind {
	case scanner.LPAREN:
		return p.parseParen()
	case scanner.LBRACE:
		return p.parseBlock(true)
	case scanner.MAP:
		return p.mapExpr()
	case scanner.VARIABLE:
		return p.variable()
	case scanner.POSITIONAL:
		p.next()
		n, err := strconv.ParseInt(t.Lit, 10, 64)
		switch {
		case err != nil:
			p.errorf(t.Span(), CodeBadPositional, "positional parameter $%s is out of range", t.Lit)
			n = 0
		case n == 0:
			p.errorf(t.Span(), CodeBadPositional, "there is no positional parameter $0: they are numbered from $1")
		}
		return &ast.PositionalParam{Range: ast.Range{Lo: t.Pos, Hi: t.End}, N: int(n)}
	case scanner.PARAMCOUNT:
		p.next()
		return &ast.PositionalParam{Range: ast.Range{Lo: t.Pos, Hi: t.End}, Count: true}
	case scanner.INT:
		return p.intLit()
	case scanner.STRING:
		return p.stringLit()
	case scanner.IDENT:
		switch t.Lit {
		case "if":
			return p.parseIf()
		case "sizeof", "typeinfo", "offsetof":
			return p.parseTypeFunc()
		case "typeof":
			if p.peek().Kind == scanner.LPAREN {
				return p.parseTypeFunc()
			}
		case "comptime":
			p.next()
			x := p.parseUnary()
			return &ast.ComptimeExpr{Range: ast.Range{Lo: t.Pos, Hi: max(p.prevEnd, x.End())}, X: x}
		case "true", "false":
			p.next()
			return &ast.BoolLit{Range: ast.Range{Lo: t.Pos, Hi: t.End}, Value: t.Lit == "true"}
		}
		id := p.ident()
		switch {
		case p.is(scanner.LPAREN):
			return p.parseCall(id, false)
		case p.is(scanner.NOT) && p.peek().Kind == scanner.LPAREN:
			p.next() // !
			return p.parseCall(id, true)
		}
		return id
	}
	e := p.errorf(t.Span(), CodeSyntax, "expected an expression, found %s", t.Describe())
	switch t.Kind {
	case scanner.ADD:
		hint(e, "there is no unary '+'")
	case scanner.HASH:
		hint(e, "comments start with //; '#' lines are C preprocessor directives and belong at the top of the script")
	}
	return p.bad()
}

func (p *parser) ident() *ast.Ident {
	id := p.idents.make(ast.Ident{Range: ast.Range{Lo: p.tok.Pos, Hi: p.tok.End}, Name: p.tok.Lit})
	p.next()
	return id
}

func (p *parser) variable() *ast.Variable {
	v := p.vars.make(ast.Variable{Range: ast.Range{Lo: p.tok.Pos, Hi: p.tok.End}, Name: p.tok.Lit})
	p.next()
	return v
}

// mapExpr parses @name with optional [keys].
func (p *parser) mapExpr() ast.Expr {
	m := p.maps.make(ast.MapExpr{Range: ast.Range{Lo: p.tok.Pos, Hi: p.tok.End}, Name: p.tok.Lit})
	p.next()
	if !p.is(scanner.LBRACK) {
		return m
	}
	p.next()
	a := p.accesses.make(ast.MapAccess{Map: m})
	for {
		a.Keys = append(a.Keys, p.parseExpr())
		if !p.got(scanner.COMMA) {
			break
		}
	}
	p.expect(scanner.RBRACK, "after the map keys")
	a.Range = ast.Range{Lo: m.Lo, Hi: p.prevEnd}
	return a
}

func (p *parser) intLit() *ast.IntLit {
	t := p.tok
	p.next()
	v, errs := scanner.ParseInt(t.Lit)
	lit := p.ints.make(ast.IntLit{Range: ast.Range{Lo: t.Pos, Hi: t.End}, Raw: t.Lit, Value: v})
	for _, e := range errs {
		if e.Code == scanner.CodeIntegerOverflow {
			lit.Overflow = true
		}
	}
	p.intErrors(t, errs)
	return lit
}

func (p *parser) intErrors(t scanner.Token, errs []scanner.IntError) {
	for _, e := range errs {
		p.add(diag.Diagnostic{Severity: diag.Error, Code: e.Code, Message: e.Message,
			Location: diag.Location{Span: source.Span{Start: t.Pos + source.Pos(e.Start), End: t.Pos + source.Pos(e.End)}}})
	}
}

func (p *parser) stringLit() *ast.StringLit {
	s := p.strs.make(ast.StringLit{Range: ast.Range{Lo: p.tok.Pos, Hi: p.tok.End}, Raw: p.tok.Lit, Value: p.tok.Val})
	p.next()
	return s
}

// parseCall parses the argument list after a function or macro name.
func (p *parser) parseCall(fun *ast.Ident, bang bool) *ast.CallExpr {
	c := p.calls.make(ast.CallExpr{Fun: fun, Bang: bang, Lparen: p.tok.Pos})
	p.next() // (
	if !p.is(scanner.RPAREN) {
		for {
			c.Args = append(c.Args, p.parseExpr())
			if !p.got(scanner.COMMA) {
				break
			}
		}
	}
	c.Rparen, _ = p.expect(scanner.RPAREN, "after the arguments of "+fun.Name)
	c.Range = ast.Range{Lo: fun.Pos(), Hi: p.prevEnd}
	return c
}

// parseIf parses `if cond { } [else if ... | else { }]`.
func (p *parser) parseIf() ast.Expr {
	lo := p.tok.Pos
	if !p.enter() {
		return p.bad()
	}
	defer p.leave()
	p.next() // if
	x := &ast.IfExpr{}
	x.Cond = p.parseCondition()
	x.Then = p.parseBody(true, "after the if condition")
	if p.isIdent("else") {
		p.next()
		switch {
		case p.is(scanner.LBRACE):
			x.Else = p.parseBlock(true)
		case p.isIdent("if"):
			x.Else = p.parseIf()
		default:
			p.errorf(p.tok.Span(), CodeExpectedToken, "expected '{' or 'if' after 'else', found %s", p.tok.Describe())
		}
	}
	x.Range = ast.Range{Lo: lo, Hi: p.prevEnd}
	return x
}

// parseParen parses what starts with '(': the empty tuple, a record, a
// cast, a tuple or a parenthesized expression, decided the way bpftrace
// does (see docs "Cast Parsing"): `(name = ...` is a record unless name
// is a builtin; `(type)` followed by something that can start an
// expression is a cast.
func (p *parser) parseParen() ast.Expr {
	lo := p.tok.Pos
	p.next() // (
	if p.is(scanner.RPAREN) {
		p.next()
		return &ast.TupleExpr{Range: ast.Range{Lo: lo, Hi: p.prevEnd}, Elems: []ast.Expr{}}
	}
	if p.is(scanner.IDENT) && !isBuiltin(p.tok.Lit) && p.peek().Kind == scanner.ASSIGN {
		return p.parseRecord(lo)
	}
	if p.isCastAhead() {
		typ := p.parseTypeAnnotation()
		p.expect(scanner.RPAREN, "after the cast type")
		x := p.parseUnary()
		return &ast.CastExpr{Range: ast.Range{Lo: lo, Hi: max(p.prevEnd, x.End())}, Type: typ, X: x}
	}
	first := p.parseExpr()
	if !p.is(scanner.COMMA) {
		p.expect(scanner.RPAREN, "to close the parenthesis")
		return &ast.ParenExpr{Range: ast.Range{Lo: lo, Hi: p.prevEnd}, X: first}
	}
	t := &ast.TupleExpr{Elems: []ast.Expr{first}}
	for p.got(scanner.COMMA) {
		if p.is(scanner.RPAREN) {
			break // trailing comma: (a,) or (a, b,)
		}
		t.Elems = append(t.Elems, p.parseExpr())
	}
	p.expect(scanner.RPAREN, "to close the tuple")
	t.Range = ast.Range{Lo: lo, Hi: p.prevEnd}
	return t
}

func (p *parser) parseRecord(lo source.Pos) ast.Expr {
	r := &ast.RecordExpr{}
	seen := map[string]bool{}
	for {
		if !p.is(scanner.IDENT) {
			p.errorf(p.tok.Span(), CodeSyntax, "expected a field name in the record, found %s", p.tok.Describe())
			p.skipParen()
			break
		}
		n := &ast.NamedExpr{Range: ast.Range{Lo: p.tok.Pos}}
		n.Name = p.ident()
		p.expect(scanner.ASSIGN, "after the record field name")
		n.Value = p.parseExpr()
		n.Hi = max(p.prevEnd, n.Value.End())
		if seen[n.Name.Name] {
			p.errorf(n.Span(), CodeDuplicateField, "field %s appears twice in the record", n.Name.Name)
		}
		seen[n.Name.Name] = true
		r.Fields = append(r.Fields, n)
		if !p.got(scanner.COMMA) {
			break
		}
	}
	p.expect(scanner.RPAREN, "to close the record")
	r.Range = ast.Range{Lo: lo, Hi: p.prevEnd}
	return r
}

// skipParen skips to the ')' closing the current parenthesis (not
// consumed).
func (p *parser) skipParen() {
	depth := 0
	for !p.is(scanner.EOF) && !p.is(scanner.SEMI) && !p.is(scanner.RBRACE) {
		switch p.tok.Kind {
		case scanner.LPAREN:
			depth++
		case scanner.RPAREN:
			if depth == 0 {
				return
			}
			depth--
		}
		p.next()
	}
}

// builtinTypes are the type names bpftrace knows without BTF.
var builtinTypes = map[string]bool{
	"bool": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint8": true, "uint16": true, "uint32": true, "uint64": true, "void": true,
	"min_t": true, "max_t": true, "sum_t": true, "count_t": true, "avg_t": true, "stats_t": true,
	"umin_t": true, "umax_t": true, "usum_t": true, "uavg_t": true, "ustats_t": true,
	"timestamp": true, "macaddr_t": true, "cgroup_path_t": true,
	"string": true, "buffer": true, "inet": true, "username_t": true,
}

// isBuiltin reports whether name is one of the identifiers bpftrace
// treats as builtin values when deciding between casts, records and
// expressions.
func isBuiltin(name string) bool {
	switch name {
	case "args", "ctx", "kstack", "nsecs", "pid", "tid", "ustack",
		"__builtin_comm", "__builtin_cpid", "__builtin_cpu", "__builtin_dw_ustack",
		"__builtin_elapsed", "__builtin_func", "__builtin_ncpus", "__builtin_probe",
		"__builtin_retval", "__builtin_usermode":
		return true
	}
	return numbered(name, "arg") || numbered(name, "sarg")
}

func numbered(name, prefix string) bool {
	if len(name) <= len(prefix) || name[:len(prefix)] != prefix {
		return false
	}
	for i := len(prefix); i < len(name); i++ {
		if name[i] < '0' || name[i] > '9' {
			return false
		}
	}
	return true
}

// scanType moves a lookahead scanner over a type: `typeof(...)`, or an
// identifier (not a builtin) with an optional struct/union/enum keyword,
// followed by '*' and '[...]' suffixes. It returns the token after the
// type and whether the base is a known type (keyword or builtin type
// name) and whether a suffix was seen. ok is false when the text is not
// shaped like a type. With strictArrays, an array suffix must be '[]' or
// '[INT]' (as in casts); otherwise any bracketed text counts.
func scanType(s *scanner.Scanner, first scanner.Token, strictArrays bool) (after scanner.Token, known, suffix, ok bool) {
	// A type is short; looking further than this keeps the parser linear
	// on odd input (the text is then simply not taken for a type).
	budget := 256
	scan := func() scanner.Token {
		budget--
		if budget < 0 {
			return scanner.Token{Kind: scanner.EOF}
		}
		t, _ := s.Scan()
		return t
	}
	t := first
	if t.Kind != scanner.IDENT || isBuiltin(t.Lit) {
		return t, false, false, false
	}
	if t.Lit == "typeof" {
		t = scan()
		if t.Kind != scanner.LPAREN {
			return t, false, false, false
		}
		depth := 1
		for depth > 0 {
			t = scan()
			switch t.Kind {
			case scanner.LPAREN:
				depth++
			case scanner.RPAREN:
				depth--
			case scanner.EOF:
				return t, false, false, false
			}
		}
		known = true
	} else if t.Lit == "struct" || t.Lit == "union" || t.Lit == "enum" {
		t = scan()
		if t.Kind != scanner.IDENT {
			return t, false, false, false
		}
		known = true
	} else {
		known = builtinTypes[t.Lit]
	}
	t = scan()
	for {
		switch t.Kind {
		case scanner.MUL:
			suffix = true
			t = scan()
			continue
		case scanner.LBRACK:
			suffix = true
			t = scan()
			if strictArrays {
				if t.Kind == scanner.INT {
					t = scan()
				}
				if t.Kind != scanner.RBRACK {
					return t, known, suffix, false
				}
				t = scan()
				continue
			}
			depth := 1
			for depth > 0 {
				switch t.Kind {
				case scanner.LBRACK:
					depth++
				case scanner.RBRACK:
					depth--
				case scanner.EOF:
					return t, known, suffix, false
				}
				t = scan()
			}
			continue
		}
		return t, known, suffix, true
	}
}

// isCastAhead reports whether the tokens from the current one form
// `type ')'` followed by something that can start an expression.
func (p *parser) isCastAhead() bool {
	if !p.is(scanner.IDENT) {
		return false
	}
	s := p.peekScanner()
	after, _, _, ok := scanType(&s, p.tok, true)
	if !ok || after.Kind != scanner.RPAREN {
		return false
	}
	next, _ := s.Scan()
	if next.Kind == scanner.EOF {
		return false
	}
	// bpftrace looks at the first character after ')'.
	c := p.src[next.Pos]
	switch {
	case c >= '0' && c <= '9', c == '$', c == '@', c == '"', c == '(', c == '-', c == '!', c == '~', c == '*', c == '&':
		return true
	}
	return scanner.IsIdentStart(c)
}

// parseTypeAnnotation parses a type where only a type can be: after ':'
// in let and fn, and in a cast.
func (p *parser) parseTypeAnnotation() *ast.TypeExpr {
	if p.isIdent("typeof") && p.peek().Kind == scanner.LPAREN {
		lo := p.tok.Pos
		tf := p.parseTypeFunc().(*ast.TypeofExpr)
		t := &ast.TypeExpr{Typeof: tf}
		p.typeSuffixes(t)
		t.Range = ast.Range{Lo: lo, Hi: p.prevEnd}
		return t
	}
	return p.parseType()
}

// parseType parses `[struct|union|enum] name` and its suffixes.
func (p *parser) parseType() *ast.TypeExpr {
	t := &ast.TypeExpr{Range: ast.Range{Lo: p.tok.Pos}}
	if !p.is(scanner.IDENT) {
		p.errorf(p.tok.Span(), CodeSyntax, "expected a type, found %s", p.tok.Describe())
		t.Lo = p.prevEnd
		t.Hi = p.prevEnd
		t.Name = p.idents.make(ast.Ident{Range: ast.Range{Lo: p.prevEnd, Hi: p.prevEnd}})
		return t
	}
	switch p.tok.Lit {
	case "struct", "union", "enum":
		t.Keyword = p.tok.Lit
		p.next()
		if !p.is(scanner.IDENT) {
			p.errorf(p.tok.Span(), CodeSyntax, "expected a name after '%s', found %s", t.Keyword, p.tok.Describe())
			t.Name = p.idents.make(ast.Ident{Range: ast.Range{Lo: p.prevEnd, Hi: p.prevEnd}})
			t.Hi = p.prevEnd
			return t
		}
	}
	t.Name = p.ident()
	p.typeSuffixes(t)
	t.Hi = p.prevEnd
	return t
}

func (p *parser) typeSuffixes(t *ast.TypeExpr) {
	for {
		switch p.tok.Kind {
		case scanner.MUL:
			t.Suffixes = append(t.Suffixes, ast.TypeSuffix{Range: ast.Range{Lo: p.tok.Pos, Hi: p.tok.End}, Pointer: true})
			p.next()
		case scanner.LBRACK:
			s := ast.TypeSuffix{Range: ast.Range{Lo: p.tok.Pos}}
			p.next()
			switch {
			case p.is(scanner.INT):
				s.Len = p.intLit()
			case p.is(scanner.RBRACK):
			default:
				e := p.errorf(p.tok.Span(), CodeSyntax, "expected an integer array length or ']' in the type, found %s", p.tok.Describe())
				hint(e, "in a type context, name[...] is an array type; to index an expression write (name)[...]")
				for !p.is(scanner.RBRACK) && !p.is(scanner.RPAREN) && !p.is(scanner.SEMI) && !p.is(scanner.EOF) {
					p.next()
				}
			}
			p.expect(scanner.RBRACK, "after the array length")
			s.Hi = p.prevEnd
			t.Suffixes = append(t.Suffixes, s)
		default:
			return
		}
	}
}

// parseTypeFunc parses sizeof(...), offsetof(..., fields), typeof(...)
// and typeinfo(...), whose operand is a type or an expression.
func (p *parser) parseTypeFunc() ast.Expr {
	kw := p.tok
	p.next()
	lparen, ok := p.expect(scanner.LPAREN, "after "+kw.Lit)
	_ = lparen
	var typ *ast.TypeExpr
	var x ast.Expr
	if ok {
		ends := typeEndsExpr
		if kw.Lit == "typeof" {
			ends = typeEndsTypeof
		}
		typ, x = p.parseTypeOrExpr(ends)
	} else {
		x = p.bad()
	}
	var fields []*ast.Ident
	if kw.Lit == "offsetof" && ok {
		p.expect(scanner.COMMA, "between the type and the field in offsetof")
		for {
			if !p.is(scanner.IDENT) {
				p.errorf(p.tok.Span(), CodeSyntax, "expected a field name, found %s", p.tok.Describe())
				break
			}
			fields = append(fields, p.ident())
			if !p.got(scanner.DOT) {
				break
			}
		}
	}
	if ok {
		p.expect(scanner.RPAREN, "after the operand of "+kw.Lit)
	}
	r := ast.Range{Lo: kw.Pos, Hi: p.prevEnd}
	switch kw.Lit {
	case "sizeof":
		return &ast.SizeofExpr{Range: r, Type: typ, X: x}
	case "offsetof":
		return &ast.OffsetofExpr{Range: r, Type: typ, X: x, Fields: fields}
	case "typeinfo":
		return &ast.TypeinfoExpr{Range: r, Type: typ, X: x}
	}
	return &ast.TypeofExpr{Range: r, Type: typ, X: x}
}

// Tokens that end a type operand: bpftrace looks for one of ";,=){}"
// after a type in sizeof/offsetof/typeinfo, and for ")" in typeof.
var (
	typeEndsExpr = map[scanner.Kind]bool{scanner.SEMI: true, scanner.COMMA: true, scanner.ASSIGN: true,
		scanner.RPAREN: true, scanner.LBRACE: true, scanner.RBRACE: true}
	typeEndsTypeof = map[scanner.Kind]bool{scanner.RPAREN: true}
)

// parseTypeOrExpr parses the operand of a type function. It is a type if
// it is shaped like one and followed by an end token, and either names a
// known type (struct/union/enum X, a builtin type, typeof) or has '*' or
// '[...]' suffixes; a bare unknown identifier stays an *ast.Ident (the
// checker reads it as a macro parameter or a type name); anything else
// is an expression.
func (p *parser) parseTypeOrExpr(ends map[scanner.Kind]bool) (*ast.TypeExpr, ast.Expr) {
	if p.is(scanner.IDENT) && !(p.tok.Lit == "typeof" && p.peek().Kind != scanner.LPAREN) {
		s := p.peekScanner()
		after, known, suffix, ok := scanType(&s, p.tok, false)
		if ok && ends[after.Kind] {
			if known || suffix {
				return p.parseTypeAnnotation(), nil
			}
			return nil, p.ident()
		}
	}
	return nil, p.parseExpr()
}
