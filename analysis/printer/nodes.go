package printer

import "github.com/bt-tools/bt/analysis/ast"

// isPrimitive reports whether e prints without parentheses wherever it
// stands: literals, names, calls, and field, index and map accesses.
func isPrimitive(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.IntLit, *ast.StringLit, *ast.BoolLit, *ast.PositionalParam, *ast.Ident,
		*ast.SizeofExpr, *ast.OffsetofExpr, *ast.TypeinfoExpr, *ast.TypeofExpr,
		*ast.Variable, *ast.IndexExpr, *ast.TupleIndexExpr, *ast.MapAccess,
		*ast.CallExpr, *ast.MapExpr, *ast.FieldExpr, *ast.BadExpr:
		return true
	case *ast.ComptimeExpr:
		return isPrimitive(e.X)
	}
	return false
}

func isTuple(e ast.Expr) bool {
	_, ok := ast.Unparen(e).(*ast.TupleExpr)
	return ok
}

func isBlock(e ast.Expr) bool {
	_, ok := ast.Unparen(e).(*ast.BlockExpr)
	return ok
}

func isComptime(e ast.Expr) bool {
	_, ok := ast.Unparen(e).(*ast.ComptimeExpr)
	return ok
}

// isIfForm reports whether a conditional expression prints as an if. In
// bpftrace `c ? {a} : {b}` and `if c {a} else {b}` are the same node and
// print as the latter; that changes the tree ours reads back, so outside
// compatibility mode a conditional always prints as one.
func (p *printer) isIfForm(c *ast.CondExpr) bool {
	if !p.compat {
		return false
	}
	then := c.Then
	if then == nil {
		then = c.Cond
	}
	return isBlock(then) || isBlock(c.Else)
}

// isIfLike reports whether e prints as an if statement.
func (p *printer) isIfLike(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.IfExpr:
		return true
	case *ast.CondExpr:
		return p.isIfForm(e)
	}
	return false
}

// isConsumer reports whether formatting e prints every comment in its
// range (blocks and ifs do; other expressions print none themselves).
func (p *printer) isConsumer(e ast.Expr) bool {
	return isBlock(e) || p.isIfLike(e)
}

// isLiteral reports whether e is a literal, or a tuple or record of
// literals.
func isLiteral(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.IntLit, *ast.StringLit, *ast.BoolLit:
		return true
	case *ast.TupleExpr:
		for _, x := range e.Elems {
			if !isLiteral(x) {
				return false
			}
		}
		return true
	case *ast.RecordExpr:
		for _, f := range e.Fields {
			if !isLiteral(f.Value) {
				return false
			}
		}
		return true
	}
	return false
}

// children lists the sub-expressions that expr formats through p.expr, in
// the order it formats them.
func children(e ast.Expr) []ast.Expr {
	switch e := ast.Unparen(e).(type) {
	case *ast.BinaryExpr:
		var out []ast.Expr
		logical := e.Op == "&&" || e.Op == "||"
		var expand func(x ast.Expr)
		expand = func(x ast.Expr) {
			x = ast.Unparen(x)
			if b, ok := x.(*ast.BinaryExpr); ok && logical && b.Op == e.Op {
				expand(b.X)
				expand(b.Y)
				return
			}
			out = append(out, x)
		}
		expand(e.X)
		expand(e.Y)
		return out
	case *ast.UnaryExpr:
		if e.Op == "&" {
			switch ast.Unparen(e.X).(type) {
			case *ast.Variable, *ast.MapExpr:
				return nil
			}
		}
		return []ast.Expr{e.X}
	case *ast.CondExpr:
		then := e.Then
		if then == nil {
			then = e.Cond
		}
		return []ast.Expr{e.Cond, then, e.Else}
	case *ast.FieldExpr:
		return []ast.Expr{e.X}
	case *ast.TupleIndexExpr:
		return []ast.Expr{e.X}
	case *ast.IndexExpr:
		return []ast.Expr{e.X, e.Index}
	case *ast.MapAccess:
		if len(e.Keys) == 1 {
			if t, ok := ast.Unparen(e.Keys[0]).(*ast.TupleExpr); ok && len(t.Elems) >= 2 {
				return t.Elems
			}
		}
		return e.Keys
	case *ast.CallExpr:
		return e.Args
	case *ast.CastExpr:
		var out []ast.Expr
		if tx := e.Type.Typeof; tx != nil && tx.X != nil {
			out = append(out, tx.X)
		}
		return append(out, e.X)
	case *ast.TupleExpr:
		return e.Elems
	case *ast.RecordExpr:
		var out []ast.Expr
		for _, f := range e.Fields {
			out = append(out, f.Value)
		}
		return out
	case *ast.NamedExpr:
		return []ast.Expr{e.Value}
	case *ast.SizeofExpr:
		return typeArgChildren(e.Type, e.X)
	case *ast.OffsetofExpr:
		return typeArgChildren(e.Type, e.X)
	case *ast.TypeinfoExpr:
		return typeArgChildren(e.Type, e.X)
	case *ast.TypeofExpr:
		return typeArgChildren(e.Type, e.X)
	case *ast.ComptimeExpr:
		return []ast.Expr{e.X}
	case *ast.RangeExpr:
		return []ast.Expr{e.From, e.To}
	}
	return nil
}

// unwrapTypeof strips a typeof around the argument of sizeof, offsetof
// or typeinfo: `sizeof(typeof(x))` is `sizeof(x)` to bpftrace.
func unwrapTypeof(t *ast.TypeExpr, x ast.Expr) (*ast.TypeExpr, ast.Expr) {
	if tx, ok := ast.Unparen(x).(*ast.TypeofExpr); ok && x != nil {
		return tx.Type, tx.X
	}
	if t != nil && t.Typeof != nil && len(t.Suffixes) == 0 {
		return t.Typeof.Type, t.Typeof.X
	}
	return t, x
}

func typeArgChildren(t *ast.TypeExpr, x ast.Expr) []ast.Expr {
	t, x = unwrapTypeof(t, x)
	if x != nil {
		return []ast.Expr{x}
	}
	if t != nil && t.Typeof != nil && t.Typeof.X != nil {
		return []ast.Expr{t.Typeof.X}
	}
	return nil
}

// sameExpr reports whether a and b are the same expression in bpftrace's
// sense of node equality (values, names and structure; not spelling).
func sameExpr(a, b ast.Expr) bool {
	a, b = ast.Unparen(a), ast.Unparen(b)
	switch x := a.(type) {
	case *ast.Ident:
		y, ok := b.(*ast.Ident)
		return ok && x.Name == y.Name
	case *ast.IntLit:
		y, ok := b.(*ast.IntLit)
		return ok && x.Value == y.Value && x.Overflow == y.Overflow
	case *ast.StringLit:
		y, ok := b.(*ast.StringLit)
		return ok && x.Value == y.Value
	case *ast.BoolLit:
		y, ok := b.(*ast.BoolLit)
		return ok && x.Value == y.Value
	case *ast.PositionalParam:
		y, ok := b.(*ast.PositionalParam)
		return ok && x.N == y.N && x.Count == y.Count
	case *ast.Variable:
		y, ok := b.(*ast.Variable)
		return ok && x.Name == y.Name
	case *ast.MapExpr:
		y, ok := b.(*ast.MapExpr)
		return ok && x.Name == y.Name
	case *ast.MapAccess:
		y, ok := b.(*ast.MapAccess)
		if !ok || x.Map.Name != y.Map.Name {
			return false
		}
		return sameList(mapKeys(x), mapKeys(y))
	case *ast.BinaryExpr:
		y, ok := b.(*ast.BinaryExpr)
		return ok && x.Op == y.Op && sameExpr(x.X, y.X) && sameExpr(x.Y, y.Y)
	case *ast.UnaryExpr:
		y, ok := b.(*ast.UnaryExpr)
		return ok && x.Op == y.Op && x.Postfix == y.Postfix && sameExpr(x.X, y.X)
	case *ast.FieldExpr:
		y, ok := b.(*ast.FieldExpr)
		return ok && x.Field.Name == y.Field.Name && sameExpr(x.X, y.X)
	case *ast.TupleIndexExpr:
		y, ok := b.(*ast.TupleIndexExpr)
		return ok && x.Index == y.Index && sameExpr(x.X, y.X)
	case *ast.IndexExpr:
		y, ok := b.(*ast.IndexExpr)
		return ok && sameExpr(x.X, y.X) && sameExpr(x.Index, y.Index)
	case *ast.CallExpr:
		y, ok := b.(*ast.CallExpr)
		return ok && x.Fun.Name == y.Fun.Name && x.Bang == y.Bang && sameList(x.Args, y.Args)
	case *ast.TupleExpr:
		y, ok := b.(*ast.TupleExpr)
		return ok && sameList(x.Elems, y.Elems)
	}
	return false
}

// mapKeys is a map access's key as bpftrace stores it: several keys and a
// single tuple key are the same tuple.
func mapKeys(m *ast.MapAccess) []ast.Expr {
	if len(m.Keys) == 1 {
		if t, ok := ast.Unparen(m.Keys[0]).(*ast.TupleExpr); ok && len(t.Elems) >= 2 {
			return t.Elems
		}
	}
	return m.Keys
}

func sameList(a, b []ast.Expr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameExpr(a[i], b[i]) {
			return false
		}
	}
	return true
}
