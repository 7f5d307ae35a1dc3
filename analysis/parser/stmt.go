package parser

import (
	"fmt"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/scanner"
	"github.com/bt-tools/bt/analysis/source"
)

// parseBody parses a required block; when the '{' is missing it reports
// that and returns an empty block so that the tree stays complete.
func (p *parser) parseBody(value bool, context string) *ast.BlockExpr {
	if p.is(scanner.LBRACE) {
		return p.parseBlock(value)
	}
	p.errorf(p.tok.Span(), CodeExpectedToken, "expected '{' %s, found %s", context, p.tok.Describe())
	return &ast.BlockExpr{Range: ast.Range{Lo: p.prevEnd, Hi: p.prevEnd}}
}

// parseBlock parses `{ stmts [value] }` at the current '{'. With value,
// a final expression without ';' is the block's value (if, macro and
// block expressions); otherwise it becomes an expression statement
// (probe, fn and loop bodies).
func (p *parser) parseBlock(value bool) *ast.BlockExpr {
	b := &ast.BlockExpr{Range: ast.Range{Lo: p.tok.Pos}}
	if !p.enter() {
		b.Hi = max(p.prevEnd, b.Lo)
		return b
	}
	defer p.leave()
	open := p.tok
	p.next() // {
	for !p.is(scanner.RBRACE) && !p.is(scanner.EOF) {
		if p.atLineStart(p.tok.Pos) && p.looksLikeTopLevel() {
			break // missing '}': reported below
		}
		n := p.ntok
		s, val := p.parseStmt()
		if p.bailed {
			break
		}
		if val != nil {
			if value {
				b.Value = val
			} else {
				p.discardValues(val)
				b.Stmts = append(b.Stmts, p.exprStms.make(ast.ExprStmt{Range: ast.Range{Lo: val.Pos(), Hi: val.End()}, X: val}))
			}
			continue
		}
		if p.ntok == n {
			// No progress: skip to the end of the statement.
			lo := p.tok.Pos
			p.errorf(p.tok.Span(), CodeSyntax, "unexpected %s at the start of a statement", p.tok.Describe())
			p.skipStmt()
			b.Stmts = append(b.Stmts, &ast.BadStmt{Range: ast.Range{Lo: lo, Hi: max(lo, p.prevEnd)}})
			continue
		}
		if s != nil {
			b.Stmts = append(b.Stmts, s)
		}
	}
	if p.is(scanner.RBRACE) {
		p.next()
	} else {
		line := p.file.Position(open.Pos).Line
		e := p.errorf(p.tok.Span(), CodeExpectedToken, "expected '}' to close the block opened on line %d, found %s", line, p.tok.Describe())
		hint(e, fmt.Sprintf("add the missing '}' (the '{' is at line %d)", line))
	}
	b.Hi = p.prevEnd
	return b
}

// skipStmt skips the current token and then the rest of the statement:
// up to and including the next ';', up to a '}' that closes the
// enclosing block, just past a '}' closing a group the statement opened,
// or up to a token that starts a new line (statements usually do), all
// at the nesting depth where it started.
func (p *parser) skipStmt() {
	depth := 0
	if !p.is(scanner.RBRACE) {
		switch p.tok.Kind {
		case scanner.LBRACE, scanner.LPAREN, scanner.LBRACK:
			depth++
		case scanner.SEMI:
			p.next()
			return
		}
		p.next()
	}
	for !p.is(scanner.EOF) {
		if depth == 0 && p.onNewLine() {
			return
		}
		switch p.tok.Kind {
		case scanner.LBRACE, scanner.LPAREN, scanner.LBRACK:
			depth++
		case scanner.RBRACE:
			if depth == 0 {
				return
			}
			depth--
			if depth == 0 {
				p.next()
				p.got(scanner.SEMI)
				return
			}
		case scanner.RPAREN, scanner.RBRACK:
			if depth > 0 {
				depth--
			}
		case scanner.SEMI:
			if depth == 0 {
				p.next()
				return
			}
		}
		p.next()
	}
}

// onNewLine reports whether the current token is the first on its line
// after the previous token.
func (p *parser) onNewLine() bool {
	for i := int(p.tok.Pos) - 1; i >= int(p.prevEnd) && i >= 0; i-- {
		if p.src[i] == '\n' {
			return true
		}
	}
	return false
}

// stmtEnd ends a statement: a ';' is consumed, a '}' is left for the
// block, anything else is an error.
func (p *parser) stmtEnd(what string) {
	if p.got(scanner.SEMI) || p.is(scanner.RBRACE) || p.missingBrace() {
		return
	}
	p.errorf(p.tok.Span(), CodeExpectedToken, "expected ';' after %s, found %s", what, p.tok.Describe())
}

// missingBrace reports whether the current token starts a top-level
// item at the start of a line, i.e. the enclosing block lacks its '}'.
func (p *parser) missingBrace() bool {
	return p.depth > 0 && p.atLineStart(p.tok.Pos) && p.looksLikeTopLevel()
}

// parseStmt parses one statement. When the statement is an expression
// followed directly by '}', it returns the expression as val instead (the
// block's trailing value).
func (p *parser) parseStmt() (s ast.Stmt, val ast.Expr) {
	if p.is(scanner.IDENT) {
		switch p.tok.Lit {
		case "import":
			is := &ast.ImportStmt{Range: ast.Range{Lo: p.tok.Pos}}
			is.Path = p.importTail()
			is.Hi = p.prevEnd
			return is, nil
		case "while", "unroll":
			return p.parseLoop(), nil
		case "for":
			return p.parseFor(), nil
		case "break", "continue":
			j := &ast.JumpStmt{Range: ast.Range{Lo: p.tok.Pos, Hi: p.tok.End}, Keyword: p.tok.Lit}
			p.next()
			p.stmtEnd("'" + j.Keyword + "'")
			return j, nil
		case "return":
			j := &ast.JumpStmt{Range: ast.Range{Lo: p.tok.Pos}, Keyword: "return"}
			p.next()
			if !p.is(scanner.SEMI) && !p.is(scanner.RBRACE) {
				j.Value = p.parseExpr()
			}
			j.Hi = p.prevEnd
			p.stmtEnd("'return'")
			return j, nil
		case "let":
			return p.parseLet(), nil
		}
	}
	if p.is(scanner.SEMI) {
		e := p.errorf(p.tok.Span(), CodeSyntax, "unexpected ';': empty statements are not allowed")
		hint(e, "remove it; loop bodies and blocks need no ';' after their '}'")
		lo := p.tok.Pos
		p.next()
		return &ast.BadStmt{Range: ast.Range{Lo: lo, Hi: p.prevEnd}}, nil
	}

	x := p.parseExpr()
	if p.tok.Kind.IsAssign() && !isBlockLike(x) {
		return p.parseAssign(x), nil
	}
	switch {
	case p.is(scanner.SEMI):
		p.next()
	case p.is(scanner.RBRACE):
		return nil, x
	case isBlockLike(x):
		// if and block statements need no ';'.
	case isCond(x):
		// Nor does a ternary used as a statement (bpftrace reads it as
		// an if, and its formatter writes none).
	case p.missingBrace():
		// The block lacks its '}': reported by parseBlock.
	default:
		if _, bad := x.(*ast.BadExpr); !bad {
			e := p.errorf(p.tok.Span(), CodeExpectedToken, "expected ';' after expression, found %s", p.tok.Describe())
			if _, ok := x.(*ast.Variable); ok && p.is(scanner.COLON) {
				hint(e, "a typed declaration needs let: let "+string(p.src[x.Pos():x.End()])+": type")
			}
		}
	}
	return p.exprStms.make(ast.ExprStmt{Range: ast.Range{Lo: x.Pos(), Hi: x.End()}, X: x}), nil
}

// discardValues turns the trailing values of the blocks of an if or
// block into expression statements, recursively. bpftrace does this to
// the final expression of a block that cannot have a value (probe, fn
// and loop bodies): `begin { if (c) { 1 } else { 2 } }` reads as if the
// 1 and 2 were followed by ';'. Elsewhere the tree keeps values as
// written.
func (p *parser) discardValues(x ast.Expr) {
	switch x := x.(type) {
	case *ast.BlockExpr:
		if x.Value != nil {
			v := x.Value
			x.Value = nil
			p.discardValues(v)
			x.Stmts = append(x.Stmts, p.exprStms.make(ast.ExprStmt{Range: ast.Range{Lo: v.Pos(), Hi: v.End()}, X: v}))
		}
	case *ast.IfExpr:
		p.discardValues(x.Then)
		p.discardValues(x.Else)
	}
}

func isBlockLike(x ast.Expr) bool {
	switch x.(type) {
	case *ast.IfExpr, *ast.BlockExpr:
		return true
	}
	return false
}

// parseAssign parses `lhs op rhs` with the operator as the current token.
func (p *parser) parseAssign(lhs ast.Expr) ast.Stmt {
	op := p.tok
	p.checkAssignTarget(lhs, op.Kind)
	p.next()
	rhs := p.parseExpr()
	a := p.assigns.make(ast.AssignStmt{Range: ast.Range{Lo: lhs.Pos(), Hi: p.prevEnd}, Lhs: lhs, Op: op.Kind.String(), OpPos: op.Pos, Rhs: rhs})
	p.stmtEnd("assignment")
	return a
}

func (p *parser) checkAssignTarget(lhs ast.Expr, op scanner.Kind) {
	span := lhs.Span()
	switch x := lhs.(type) {
	case *ast.Variable, *ast.MapExpr, *ast.MapAccess, *ast.BadExpr:
		return
	case *ast.Ident:
		if x.Name == "_" {
			if op != scanner.ASSIGN {
				p.errorf(span, CodeBadAssignment, "'_' only discards a value with '=', not '%s'", op)
			}
			return
		}
		e := p.errorf(span, CodeBadAssignment, "cannot assign to '%s'", x.Name)
		hint(e, "scratch variables start with '$' and maps with '@'")
	case *ast.FieldExpr, *ast.TupleIndexExpr:
		e := p.errorf(span, CodeBadAssignment, "cannot assign to a field: tuples and records are immutable")
		hint(e, "build a new tuple or record and assign it as a whole")
	case *ast.IndexExpr:
		p.errorf(span, CodeBadAssignment, "cannot assign to an array element")
	case *ast.PositionalParam:
		p.errorf(span, CodeBadAssignment, "cannot assign to a positional parameter")
	default:
		p.errorf(span, CodeBadAssignment, "cannot assign to this expression; only variables, maps and map elements can be assigned")
	}
}

// parseLet parses `let $x [: type] [= value];`.
func (p *parser) parseLet() ast.Stmt {
	lo := p.tok.Pos
	p.next() // let
	if !p.is(scanner.VARIABLE) {
		e := p.errorf(p.tok.Span(), CodeSyntax, "expected a variable after 'let', found %s", p.tok.Describe())
		if p.is(scanner.MAP) {
			hint(e, "maps are declared at the top level: let @m = hash(1024);")
		}
		p.skipStmt()
		return &ast.BadStmt{Range: ast.Range{Lo: lo, Hi: p.prevEnd}}
	}
	l := &ast.LetStmt{Range: ast.Range{Lo: lo}}
	l.Var = p.variable()
	if p.got(scanner.COLON) {
		l.Type = p.parseTypeAnnotation()
	}
	if p.got(scanner.ASSIGN) {
		l.Value = p.parseExpr()
	}
	l.Hi = p.prevEnd
	p.stmtEnd("the declaration")
	return l
}

// parseLoop parses `while cond { }` and `unroll(n) { }`. A parenthesized
// condition is parsed as a plain expression (never a tuple, record or
// cast) and kept as a ParenExpr; without parentheses only a unary
// expression is allowed, as in bpftrace.
func (p *parser) parseLoop() ast.Stmt {
	kw := p.tok
	p.next()
	cond := p.parseCondition()
	body := p.parseBody(false, "for the loop body")
	if kw.Lit == "while" {
		return &ast.WhileStmt{Range: ast.Range{Lo: kw.Pos, Hi: p.prevEnd}, Cond: cond, Body: body}
	}
	return &ast.UnrollStmt{Range: ast.Range{Lo: kw.Pos, Hi: p.prevEnd}, Count: cond, Body: body}
}

// parseCondition parses the condition of if/while/unroll.
func (p *parser) parseCondition() ast.Expr {
	if !p.is(scanner.LPAREN) {
		return p.parseUnary()
	}
	lo := p.tok.Pos
	p.next()
	x := p.parseExpr()
	if p.is(scanner.ASSIGN) {
		e := p.errorf(p.tok.Span(), CodeExpectedToken, "expected ')' after the condition, found '='")
		hint(e, "use '==' to compare")
	}
	p.expect(scanner.RPAREN, "after the condition")
	return &ast.ParenExpr{Range: ast.Range{Lo: lo, Hi: p.prevEnd}, X: x}
}

// parseFor parses `for ($x : @map) { }` and `for ($i : a..b) { }`, with or
// without the parentheses.
func (p *parser) parseFor() ast.Stmt {
	lo := p.tok.Pos
	p.next() // for
	f := &ast.ForStmt{Range: ast.Range{Lo: lo}}
	f.Parens = p.got(scanner.LPAREN)
	if !p.is(scanner.VARIABLE) {
		p.errorf(p.tok.Span(), CodeSyntax, "expected a variable after 'for', found %s", p.tok.Describe())
		return p.skipLoop(lo)
	}
	f.Var = p.variable()
	if _, ok := p.expect(scanner.COLON, "after the loop variable"); !ok {
		return p.skipLoop(lo)
	}
	first := p.parsePrimary()
	if p.binaryPrec() > 0 {
		e := p.errorf(p.tok.Span(), CodeSyntax, "a for loop range bound must be a single operand, found %s", p.tok.Describe())
		hint(e, "put the bound in parentheses, e.g. for ($i : (a + 1)..b)")
	}
	if p.got(scanner.DOTDOT) {
		to := p.parsePrimary()
		if p.binaryPrec() > 0 {
			e := p.errorf(p.tok.Span(), CodeSyntax, "a for loop range bound must be a single operand, found %s", p.tok.Describe())
			hint(e, "put the bound in parentheses, e.g. for ($i : a..(b + 1))")
		}
		f.Iter = &ast.RangeExpr{Range: ast.Range{Lo: first.Pos(), Hi: to.End()}, From: first, To: to}
	} else {
		f.Iter = first
		if _, ok := first.(*ast.MapExpr); !ok {
			if _, bad := first.(*ast.BadExpr); !bad {
				e := p.errorf(first.Span(), CodeSyntax, "a for loop iterates over a map (@m) or a range (a..b)")
				if _, ok := first.(*ast.MapAccess); ok {
					hint(e, "iterate over the whole map, without keys")
				}
			}
		}
	}
	if f.Parens {
		if _, ok := p.expect(scanner.RPAREN, "after the for loop header"); !ok && !p.is(scanner.LBRACE) {
			return p.skipLoop(lo)
		}
	}
	f.Body = p.parseBody(false, "for the loop body")
	f.Hi = p.prevEnd
	return f
}

// skipLoop recovers from a broken loop header: it skips to the body and
// over it, and returns a BadStmt for the whole loop.
func (p *parser) skipLoop(lo source.Pos) ast.Stmt {
	for !p.is(scanner.LBRACE) && !p.is(scanner.RBRACE) && !p.is(scanner.SEMI) && !p.is(scanner.EOF) {
		p.next()
	}
	if p.is(scanner.LBRACE) {
		p.parseBlock(false)
	}
	return &ast.BadStmt{Range: ast.Range{Lo: lo, Hi: max(lo, p.prevEnd)}}
}

// isCond reports whether x is a conditional expression a ? b : c.
func isCond(x ast.Expr) bool {
	_, ok := x.(*ast.CondExpr)
	return ok
}
