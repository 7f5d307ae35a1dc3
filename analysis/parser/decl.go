package parser

import (
	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/scanner"
	"github.com/bt-tools/bt/analysis/source"
)

// parseConfig parses `config = { key = value; ... }`. Entries are
// separated by ';', a trailing ';' is optional.
func (p *parser) parseConfig() *ast.ConfigBlock {
	p.enterTokens()
	cb := &ast.ConfigBlock{Range: ast.Range{Lo: p.tok.Pos}}
	p.next() // config
	defer p.leaveTokens()
	if _, ok := p.expect(scanner.ASSIGN, "after 'config'"); !ok {
		if !p.is(scanner.LBRACE) {
			p.syncTop(false)
			cb.Hi = p.prevEnd
			return cb
		}
	}
	if _, ok := p.expect(scanner.LBRACE, "to start the config block"); !ok {
		p.syncTop(false)
		cb.Hi = p.prevEnd
		return cb
	}
	for !p.is(scanner.RBRACE) && !p.is(scanner.EOF) {
		if !p.is(scanner.IDENT) {
			p.errorf(p.tok.Span(), CodeSyntax, "expected a config variable name, found %s", p.tok.Describe())
			p.skipTo(scanner.RBRACE)
			break
		}
		e := &ast.ConfigEntry{Range: ast.Range{Lo: p.tok.Pos}}
		e.Key = p.ident()
		p.expect(scanner.ASSIGN, "after the config variable name")
		switch p.tok.Kind {
		case scanner.STRING:
			e.Value = p.stringLit()
		case scanner.INT:
			e.Value = p.intLit()
		case scanner.IDENT:
			if p.tok.Lit == "true" || p.tok.Lit == "false" {
				e.Value = &ast.BoolLit{Range: ast.Range{Lo: p.tok.Pos, Hi: p.tok.End}, Value: p.tok.Lit == "true"}
				p.next()
			} else {
				e.Value = p.ident()
			}
		default:
			p.errorf(p.tok.Span(), CodeSyntax, "expected a string, integer, boolean or name as the value of %s, found %s", e.Key.Name, p.tok.Describe())
			e.Value = p.bad()
		}
		e.Hi = p.prevEnd
		cb.Entries = append(cb.Entries, e)
		if p.got(scanner.SEMI) {
			continue
		}
		if !p.is(scanner.RBRACE) {
			p.errorf(p.tok.Span(), CodeExpectedToken, "expected ';' between config entries, found %s", p.tok.Describe())
			p.skipTo(scanner.RBRACE)
			break
		}
	}
	p.expect(scanner.RBRACE, "to end the config block")
	cb.Hi = p.prevEnd
	return cb
}

// skipTo skips tokens up to (not including) one of kind k at the current
// brace depth, or EOF.
func (p *parser) skipTo(k scanner.Kind) {
	depth := 0
	for !p.is(scanner.EOF) {
		if depth == 0 && p.is(k) {
			return
		}
		switch p.tok.Kind {
		case scanner.LBRACE:
			depth++
		case scanner.RBRACE:
			if depth == 0 {
				return
			}
			depth--
		}
		p.next()
	}
}

// parseImportDecl parses a top-level `import "path";`.
func (p *parser) parseImportDecl() *ast.ImportDecl {
	p.enterTokens()
	defer p.leaveTokens()
	d := &ast.ImportDecl{Range: ast.Range{Lo: p.tok.Pos}}
	d.Path = p.importTail()
	d.Hi = p.prevEnd
	return d
}

// importTail parses what follows `import` (the current token): a string
// and a ';'. The path is never nil.
func (p *parser) importTail() *ast.StringLit {
	p.next() // import
	var path *ast.StringLit
	if p.is(scanner.STRING) {
		path = p.stringLit()
	} else {
		e := p.errorf(p.tok.Span(), CodeSyntax, "expected a quoted path after 'import', found %s", p.tok.Describe())
		hint(e, `write e.g. import "helpers.bt";`)
		path = p.strs.make(ast.StringLit{Range: ast.Range{Lo: p.prevEnd, Hi: p.prevEnd}})
		if !p.is(scanner.SEMI) && !p.is(scanner.RBRACE) && !p.is(scanner.EOF) && !p.atLineStart(p.tok.Pos) {
			p.next()
		}
	}
	if !p.got(scanner.SEMI) {
		p.errorf(p.tok.Span(), CodeExpectedToken, "expected ';' after import, found %s", p.tok.Describe())
	}
	return path
}

// parseMacro parses `macro name(params) { body }` or `macro name { }`.
func (p *parser) parseMacro() ast.Decl {
	p.enterTokens()
	defer p.leaveTokens()
	m := &ast.MacroDecl{Range: ast.Range{Lo: p.tok.Pos}}
	p.next() // macro
	if !p.is(scanner.IDENT) {
		p.errorf(p.tok.Span(), CodeSyntax, "expected a macro name after 'macro', found %s", p.tok.Describe())
		m.Name = p.idents.make(ast.Ident{Range: ast.Range{Lo: p.prevEnd, Hi: p.prevEnd}})
	} else {
		m.Name = p.ident()
	}
	if p.is(scanner.LPAREN) {
		m.HasParens = true
		m.Params = []ast.Expr{}
		p.next()
		if !p.is(scanner.RPAREN) {
			for {
				m.Params = append(m.Params, p.macroParam())
				if !p.got(scanner.COMMA) {
					break
				}
			}
		}
		p.expect(scanner.RPAREN, "after the macro parameters")
	}
	m.Body = p.parseBody(true, "for the macro body")
	if m.Body.Lo == m.Body.Hi {
		p.syncTop(false)
	}
	m.Hi = p.prevEnd
	return m
}

func (p *parser) macroParam() ast.Expr {
	switch p.tok.Kind {
	case scanner.VARIABLE:
		return p.variable()
	case scanner.MAP:
		m := p.maps.make(ast.MapExpr{Range: ast.Range{Lo: p.tok.Pos, Hi: p.tok.End}, Name: p.tok.Lit})
		p.next()
		return m
	case scanner.IDENT:
		if isBuiltin(p.tok.Lit) {
			p.errorf(p.tok.Span(), CodeBadMacroParam, "'%s' is a builtin and cannot name a macro parameter", p.tok.Lit)
		}
		return p.ident()
	}
	p.errorf(p.tok.Span(), CodeBadMacroParam, "expected a macro parameter ($var, @map or a name), found %s", p.tok.Describe())
	x := p.bad()
	if !p.is(scanner.RPAREN) && !p.is(scanner.COMMA) && !p.is(scanner.LBRACE) && !p.is(scanner.EOF) {
		p.next()
		x.Hi = p.prevEnd
	}
	return x
}

// parseFn parses `fn name($a: type, ...): type { body }`.
func (p *parser) parseFn() ast.Decl {
	p.enterTokens()
	defer p.leaveTokens()
	fn := &ast.FnDecl{Range: ast.Range{Lo: p.tok.Pos}}
	p.next() // fn
	if !p.is(scanner.IDENT) {
		p.errorf(p.tok.Span(), CodeSyntax, "expected a function name after 'fn', found %s", p.tok.Describe())
		fn.Name = p.idents.make(ast.Ident{Range: ast.Range{Lo: p.prevEnd, Hi: p.prevEnd}})
	} else {
		fn.Name = p.ident()
	}
	if _, ok := p.expect(scanner.LPAREN, "after the function name"); ok {
		for !p.is(scanner.RPAREN) && !p.is(scanner.EOF) {
			if !p.is(scanner.VARIABLE) {
				p.errorf(p.tok.Span(), CodeSyntax, "expected a parameter like '$name: type', found %s", p.tok.Describe())
				p.skipTo(scanner.RPAREN)
				break
			}
			prm := &ast.Param{Range: ast.Range{Lo: p.tok.Pos}}
			prm.Var = p.variable()
			p.expect(scanner.COLON, "and a type after the parameter name")
			prm.Type = p.parseTypeAnnotation()
			prm.Hi = p.prevEnd
			fn.Params = append(fn.Params, prm)
			if !p.got(scanner.COMMA) {
				break
			}
		}
		p.expect(scanner.RPAREN, "after the function parameters")
	}
	if _, ok := p.expect(scanner.COLON, "and a result type after the parameters"); ok || p.is(scanner.IDENT) {
		fn.Result = p.parseTypeAnnotation()
	}
	fn.Body = p.parseBody(false, "for the function body")
	if fn.Body.Lo == fn.Body.Hi {
		p.syncTop(false)
	}
	fn.Hi = p.prevEnd
	return fn
}

// parseMapDecl parses a top-level `let @name = kind(entries);`.
func (p *parser) parseMapDecl() ast.Decl {
	p.enterTokens()
	defer p.leaveTokens()
	lo := p.tok.Pos
	p.next() // let
	if !p.is(scanner.MAP) {
		e := p.errorf(p.tok.Span(), CodeBadMapDeclaration, "a top-level let must declare a map, found %s", p.tok.Describe())
		hint(e, "write e.g. let @counts = hash(1024); scratch variables ($x) are declared inside probes")
		p.skipTo(scanner.SEMI)
		p.got(scanner.SEMI)
		return &ast.BadDecl{Range: ast.Range{Lo: lo, Hi: p.prevEnd}}
	}
	d := &ast.MapDecl{Range: ast.Range{Lo: lo}}
	d.Map = p.maps.make(ast.MapExpr{Range: ast.Range{Lo: p.tok.Pos, Hi: p.tok.End}, Name: p.tok.Lit})
	p.next()
	p.expect(scanner.ASSIGN, "after the map name")
	if p.is(scanner.IDENT) {
		d.Kind = p.ident()
	} else {
		e := p.errorf(p.tok.Span(), CodeBadMapDeclaration, "expected a map kind such as hash or lruhash, found %s", p.tok.Describe())
		hint(e, "write e.g. let @counts = hash(1024);")
		d.Kind = p.idents.make(ast.Ident{Range: ast.Range{Lo: p.prevEnd, Hi: p.prevEnd}})
		p.skipDecl()
		d.Hi = p.prevEnd
		return d
	}
	lp, ok := p.expect(scanner.LPAREN, "after the map kind")
	if !ok {
		p.skipDecl()
		d.Hi = p.prevEnd
		return d
	}
	{
		for !p.is(scanner.RPAREN) && !p.is(scanner.EOF) {
			d.Args = append(d.Args, p.parseExpr())
			if !p.got(scanner.COMMA) {
				break
			}
		}
		_, closed := p.expect(scanner.RPAREN, "after the map size")
		if closed && (len(d.Args) != 1 || !isIntLit(d.Args[0])) {
			span := source.Span{Start: lp, End: p.prevEnd}
			if len(d.Args) > 0 {
				span = source.Span{Start: d.Args[0].Pos(), End: d.Args[len(d.Args)-1].End()}
			}
			e := p.errorf(span, CodeBadMapDeclaration, "a map declaration takes one integer literal: its maximum number of entries")
			hint(e, "write e.g. let @counts = hash(1024);")
		}
	}
	p.got(scanner.SEMI)
	d.Hi = p.prevEnd
	return d
}

// skipDecl skips the rest of a broken top-level declaration: through the
// next ';' or up to a token that starts a new line.
func (p *parser) skipDecl() {
	for !p.is(scanner.EOF) && !p.onNewLine() {
		if p.got(scanner.SEMI) {
			return
		}
		p.next()
	}
}

func isIntLit(x ast.Expr) bool {
	_, ok := x.(*ast.IntLit)
	return ok
}
