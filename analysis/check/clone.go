package check

import "github.com/bt-tools/bt/analysis/ast"

// Clone returns a deep copy of the subtree rooted at n. Copies keep the
// original positions, so a macro body instantiated at a call site still
// points into the macro's text; since the checker keys its results by
// node pointer, each instantiation gets its own types.
func Clone[N ast.Node](n N) N {
	var zero N
	c := cloneNode(n)
	if c == nil {
		return zero
	}
	return c.(N)
}

func cloneExpr(x ast.Expr) ast.Expr {
	if x == nil {
		return nil
	}
	c := cloneNode(x)
	if c == nil {
		return nil
	}
	return c.(ast.Expr)
}

func cloneExprs(xs []ast.Expr) []ast.Expr {
	if xs == nil {
		return nil
	}
	out := make([]ast.Expr, len(xs))
	for i, x := range xs {
		out[i] = cloneExpr(x)
	}
	return out
}

func cloneBlock(b *ast.BlockExpr) *ast.BlockExpr {
	if b == nil {
		return nil
	}
	return cloneNode(b).(*ast.BlockExpr)
}

func cloneIdent(id *ast.Ident) *ast.Ident {
	if id == nil {
		return nil
	}
	c := *id
	return &c
}

func cloneVar(v *ast.Variable) *ast.Variable {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

func cloneType(t *ast.TypeExpr) *ast.TypeExpr {
	if t == nil {
		return nil
	}
	c := *t
	c.Name = cloneIdent(t.Name)
	if t.Typeof != nil {
		c.Typeof = cloneNode(t.Typeof).(*ast.TypeofExpr)
	}
	if t.Suffixes != nil {
		c.Suffixes = make([]ast.TypeSuffix, len(t.Suffixes))
		for i, s := range t.Suffixes {
			c.Suffixes[i] = s
			c.Suffixes[i].Len = cloneExpr(s.Len)
		}
	}
	return &c
}

func cloneStmt(s ast.Stmt) ast.Stmt {
	if s == nil {
		return nil
	}
	c := cloneNode(s)
	if c == nil {
		return nil
	}
	return c.(ast.Stmt)
}

// cloneNode copies one node and its children. Nil pointers stay nil.
func cloneNode(n ast.Node) ast.Node {
	switch x := n.(type) {
	case nil:
		return nil
	// statements
	case *ast.ExprStmt:
		if x == nil {
			return nil
		}
		c := *x
		c.X = cloneExpr(x.X)
		return &c
	case *ast.AssignStmt:
		if x == nil {
			return nil
		}
		c := *x
		c.Lhs, c.Rhs = cloneExpr(x.Lhs), cloneExpr(x.Rhs)
		return &c
	case *ast.LetStmt:
		if x == nil {
			return nil
		}
		c := *x
		c.Var, c.Type, c.Value = cloneVar(x.Var), cloneType(x.Type), cloneExpr(x.Value)
		return &c
	case *ast.WhileStmt:
		if x == nil {
			return nil
		}
		c := *x
		c.Cond, c.Body = cloneExpr(x.Cond), cloneBlock(x.Body)
		return &c
	case *ast.UnrollStmt:
		if x == nil {
			return nil
		}
		c := *x
		c.Count, c.Body = cloneExpr(x.Count), cloneBlock(x.Body)
		return &c
	case *ast.ForStmt:
		if x == nil {
			return nil
		}
		c := *x
		c.Var, c.Iter, c.Body = cloneVar(x.Var), cloneExpr(x.Iter), cloneBlock(x.Body)
		return &c
	case *ast.JumpStmt:
		if x == nil {
			return nil
		}
		c := *x
		c.Value = cloneExpr(x.Value)
		return &c
	case *ast.ImportStmt:
		if x == nil {
			return nil
		}
		c := *x
		if x.Path != nil {
			p := *x.Path
			c.Path = &p
		}
		return &c
	case *ast.BadStmt:
		if x == nil {
			return nil
		}
		c := *x
		return &c
	// expressions
	case *ast.Ident:
		if x == nil {
			return nil
		}
		return cloneIdent(x)
	case *ast.IntLit:
		if x == nil {
			return nil
		}
		c := *x
		return &c
	case *ast.StringLit:
		if x == nil {
			return nil
		}
		c := *x
		return &c
	case *ast.BoolLit:
		if x == nil {
			return nil
		}
		c := *x
		return &c
	case *ast.PositionalParam:
		if x == nil {
			return nil
		}
		c := *x
		return &c
	case *ast.Variable:
		if x == nil {
			return nil
		}
		return cloneVar(x)
	case *ast.MapExpr:
		if x == nil {
			return nil
		}
		c := *x
		return &c
	case *ast.MapAccess:
		if x == nil {
			return nil
		}
		c := *x
		if x.Map != nil {
			m := *x.Map
			c.Map = &m
		}
		c.Keys = cloneExprs(x.Keys)
		return &c
	case *ast.BinaryExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.X, c.Y = cloneExpr(x.X), cloneExpr(x.Y)
		return &c
	case *ast.UnaryExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.X = cloneExpr(x.X)
		return &c
	case *ast.CondExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.Cond, c.Then, c.Else = cloneExpr(x.Cond), cloneExpr(x.Then), cloneExpr(x.Else)
		return &c
	case *ast.IfExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.Cond, c.Then, c.Else = cloneExpr(x.Cond), cloneBlock(x.Then), cloneExpr(x.Else)
		return &c
	case *ast.BlockExpr:
		if x == nil {
			return nil
		}
		c := *x
		if x.Stmts != nil {
			c.Stmts = make([]ast.Stmt, len(x.Stmts))
			for i, s := range x.Stmts {
				c.Stmts[i] = cloneStmt(s)
			}
		}
		c.Value = cloneExpr(x.Value)
		return &c
	case *ast.ParenExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.X = cloneExpr(x.X)
		return &c
	case *ast.TupleExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.Elems = cloneExprs(x.Elems)
		return &c
	case *ast.RecordExpr:
		if x == nil {
			return nil
		}
		c := *x
		if x.Fields != nil {
			c.Fields = make([]*ast.NamedExpr, len(x.Fields))
			for i, f := range x.Fields {
				if f != nil {
					c.Fields[i] = cloneNode(f).(*ast.NamedExpr)
				}
			}
		}
		return &c
	case *ast.NamedExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.Name, c.Value = cloneIdent(x.Name), cloneExpr(x.Value)
		return &c
	case *ast.FieldExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.X, c.Field = cloneExpr(x.X), cloneIdent(x.Field)
		return &c
	case *ast.TupleIndexExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.X = cloneExpr(x.X)
		return &c
	case *ast.IndexExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.X, c.Index = cloneExpr(x.X), cloneExpr(x.Index)
		return &c
	case *ast.CallExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.Fun, c.Args = cloneIdent(x.Fun), cloneExprs(x.Args)
		return &c
	case *ast.CastExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.Type, c.X = cloneType(x.Type), cloneExpr(x.X)
		return &c
	case *ast.SizeofExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.Type, c.X = cloneType(x.Type), cloneExpr(x.X)
		return &c
	case *ast.OffsetofExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.Type, c.X = cloneType(x.Type), cloneExpr(x.X)
		if x.Fields != nil {
			c.Fields = make([]*ast.Ident, len(x.Fields))
			for i, f := range x.Fields {
				c.Fields[i] = cloneIdent(f)
			}
		}
		return &c
	case *ast.TypeofExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.Type, c.X = cloneType(x.Type), cloneExpr(x.X)
		return &c
	case *ast.TypeinfoExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.Type, c.X = cloneType(x.Type), cloneExpr(x.X)
		return &c
	case *ast.ComptimeExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.X = cloneExpr(x.X)
		return &c
	case *ast.RangeExpr:
		if x == nil {
			return nil
		}
		c := *x
		c.From, c.To = cloneExpr(x.From), cloneExpr(x.To)
		return &c
	case *ast.BadExpr:
		if x == nil {
			return nil
		}
		c := *x
		return &c
	case *ast.TypeExpr:
		if x == nil {
			return nil
		}
		return cloneType(x)
	}
	return n
}
