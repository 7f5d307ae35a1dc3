package ast

import "github.com/bt-tools/bt/analysis/source"

// Visitor's Visit is called for each node Walk meets. If it returns a
// non-nil w, Walk visits the node's children with w and then calls
// w.Visit(nil).
type Visitor interface {
	Visit(node Node) (w Visitor)
}

// Walk traverses the tree rooted at node depth-first, children in source
// order. Comments are not visited (they live in File.Comments). Attach
// point fields and type suffixes are visited as nodes (*AttachField,
// *TypeSuffix pointing into their slices).
func Walk(v Visitor, node Node) {
	if isNil(node) {
		return
	}
	if v = v.Visit(node); v == nil {
		return
	}
	children(node, func(c Node) { Walk(v, c) })
	v.Visit(nil)
}

type inspector func(Node) bool

func (f inspector) Visit(node Node) Visitor {
	if f(node) {
		return f
	}
	return nil
}

// Inspect traverses the tree like Walk, calling f(node) before the
// children and f(nil) after them; it skips the children when f returns
// false.
func Inspect(node Node, f func(Node) bool) {
	Walk(inspector(f), node)
}

// isNil reports whether n is nil or a typed nil pointer.
func isNil(n Node) bool {
	if n == nil {
		return true
	}
	switch x := n.(type) {
	case *File:
		return x == nil
	case *Shebang:
		return x == nil
	case *CDecl:
		return x == nil
	case *ConfigBlock:
		return x == nil
	case *ConfigEntry:
		return x == nil
	case *ImportDecl:
		return x == nil
	case *MapDecl:
		return x == nil
	case *MacroDecl:
		return x == nil
	case *FnDecl:
		return x == nil
	case *Param:
		return x == nil
	case *Probe:
		return x == nil
	case *AttachPoint:
		return x == nil
	case *AttachField:
		return x == nil
	case *BadDecl:
		return x == nil
	case *ExprStmt:
		return x == nil
	case *AssignStmt:
		return x == nil
	case *LetStmt:
		return x == nil
	case *WhileStmt:
		return x == nil
	case *UnrollStmt:
		return x == nil
	case *ForStmt:
		return x == nil
	case *JumpStmt:
		return x == nil
	case *ImportStmt:
		return x == nil
	case *BadStmt:
		return x == nil
	case *Ident:
		return x == nil
	case *IntLit:
		return x == nil
	case *StringLit:
		return x == nil
	case *BoolLit:
		return x == nil
	case *PositionalParam:
		return x == nil
	case *Variable:
		return x == nil
	case *MapExpr:
		return x == nil
	case *MapAccess:
		return x == nil
	case *BinaryExpr:
		return x == nil
	case *UnaryExpr:
		return x == nil
	case *CondExpr:
		return x == nil
	case *IfExpr:
		return x == nil
	case *BlockExpr:
		return x == nil
	case *ParenExpr:
		return x == nil
	case *TupleExpr:
		return x == nil
	case *RecordExpr:
		return x == nil
	case *NamedExpr:
		return x == nil
	case *FieldExpr:
		return x == nil
	case *TupleIndexExpr:
		return x == nil
	case *IndexExpr:
		return x == nil
	case *CallExpr:
		return x == nil
	case *CastExpr:
		return x == nil
	case *SizeofExpr:
		return x == nil
	case *OffsetofExpr:
		return x == nil
	case *TypeofExpr:
		return x == nil
	case *TypeinfoExpr:
		return x == nil
	case *ComptimeExpr:
		return x == nil
	case *RangeExpr:
		return x == nil
	case *BadExpr:
		return x == nil
	case *TypeExpr:
		return x == nil
	case *TypeSuffix:
		return x == nil
	case *Comment:
		return x == nil
	case *CommentGroup:
		return x == nil
	}
	return false
}

// children calls f for each direct child of n, in source order; nil
// children are skipped.
func children(n Node, f func(Node)) {
	each := func(c Node) {
		if !isNil(c) {
			f(c)
		}
	}
	switch x := n.(type) {
	case *File:
		each(x.Shebang)
		for _, d := range x.Decls {
			each(d)
		}
	case *ConfigBlock:
		for _, e := range x.Entries {
			each(e)
		}
	case *ConfigEntry:
		each(x.Key)
		each(x.Value)
	case *ImportDecl:
		each(x.Path)
	case *MapDecl:
		each(x.Map)
		each(x.Kind)
		for _, a := range x.Args {
			each(a)
		}
	case *MacroDecl:
		each(x.Name)
		for _, p := range x.Params {
			each(p)
		}
		each(x.Body)
	case *FnDecl:
		each(x.Name)
		for _, p := range x.Params {
			each(p)
		}
		each(x.Result)
		each(x.Body)
	case *Param:
		each(x.Var)
		each(x.Type)
	case *Probe:
		for _, ap := range x.AttachPoints {
			each(ap)
		}
		each(x.Predicate)
		each(x.Body)
	case *AttachPoint:
		for i := range x.Fields {
			each(&x.Fields[i])
		}
	case *ExprStmt:
		each(x.X)
	case *AssignStmt:
		each(x.Lhs)
		each(x.Rhs)
	case *LetStmt:
		each(x.Var)
		each(x.Type)
		each(x.Value)
	case *WhileStmt:
		each(x.Cond)
		each(x.Body)
	case *UnrollStmt:
		each(x.Count)
		each(x.Body)
	case *ForStmt:
		each(x.Var)
		each(x.Iter)
		each(x.Body)
	case *JumpStmt:
		each(x.Value)
	case *ImportStmt:
		each(x.Path)
	case *MapAccess:
		each(x.Map)
		for _, k := range x.Keys {
			each(k)
		}
	case *BinaryExpr:
		each(x.X)
		each(x.Y)
	case *UnaryExpr:
		each(x.X)
	case *CondExpr:
		each(x.Cond)
		each(x.Then)
		each(x.Else)
	case *IfExpr:
		each(x.Cond)
		each(x.Then)
		each(x.Else)
	case *BlockExpr:
		for _, s := range x.Stmts {
			each(s)
		}
		each(x.Value)
	case *ParenExpr:
		each(x.X)
	case *TupleExpr:
		for _, e := range x.Elems {
			each(e)
		}
	case *RecordExpr:
		for _, e := range x.Fields {
			each(e)
		}
	case *NamedExpr:
		each(x.Name)
		each(x.Value)
	case *FieldExpr:
		each(x.X)
		each(x.Field)
	case *TupleIndexExpr:
		each(x.X)
	case *IndexExpr:
		each(x.X)
		each(x.Index)
	case *CallExpr:
		each(x.Fun)
		for _, a := range x.Args {
			each(a)
		}
	case *CastExpr:
		each(x.Type)
		each(x.X)
	case *SizeofExpr:
		each(x.Type)
		each(x.X)
	case *OffsetofExpr:
		each(x.Type)
		each(x.X)
		for _, fld := range x.Fields {
			each(fld)
		}
	case *TypeofExpr:
		each(x.Type)
		each(x.X)
	case *TypeinfoExpr:
		each(x.Type)
		each(x.X)
	case *ComptimeExpr:
		each(x.X)
	case *RangeExpr:
		each(x.From)
		each(x.To)
	case *TypeExpr:
		each(x.Name)
		each(x.Typeof)
		for i := range x.Suffixes {
			each(&x.Suffixes[i])
		}
	case *TypeSuffix:
		each(x.Len)
	case *CommentGroup:
		for _, c := range x.List {
			each(c)
		}
	}
}

// NodeAt returns the path from file down to the innermost node whose
// range contains pos: path[0] is file, the last element the innermost
// node. A position just after a node (at its end) counts as inside it
// when no node starts there, so that a cursor right after an identifier
// finds the identifier. It returns nil when pos is outside the file.
func NodeAt(file *File, pos source.Pos) []Node {
	if file == nil || pos < file.Pos() || pos > file.End() {
		return nil
	}
	path := []Node{file}
	var cur Node = file
	for {
		var strict, touching Node
		children(cur, func(c Node) {
			if strict != nil {
				return
			}
			if c.Pos() <= pos && pos < c.End() {
				strict = c
			} else if touching == nil && c.End() == pos && c.Pos() <= pos {
				touching = c
			}
		})
		next := strict
		if next == nil {
			next = touching
		}
		if next == nil {
			return path
		}
		path = append(path, next)
		cur = next
	}
}
