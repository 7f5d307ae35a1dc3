package ast

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Fprint writes an indented dump of the tree rooted at node: one node per
// line, its kind followed by its names, values and operators, children
// indented by two spaces, optional parts labelled ("predicate:",
// "value:", ...). Positions and comments are left out, and so are
// spellings that do not change meaning (provider aliases, `->` versus
// `.`, integer bases and suffixes, parentheses around a for header), so
// that two parses of equivalent scripts dump equal.
func Fprint(w io.Writer, node Node) error {
	return fprint(w, node, false)
}

// Dump returns Fprint's output as a string.
func Dump(node Node) string {
	var b strings.Builder
	_ = fprint(&b, node, false)
	return b.String()
}

// DumpNoParens is Dump with every ParenExpr replaced by its operand:
// grouping is already in the tree's shape, so this compares the meaning
// of two scripts that differ only in redundant parentheses.
func DumpNoParens(node Node) string {
	var b strings.Builder
	_ = fprint(&b, node, true)
	return b.String()
}

func fprint(w io.Writer, node Node, noParens bool) error {
	bw := bufio.NewWriter(w)
	d := &dumper{w: bw, noParens: noParens}
	d.node("", node, 0)
	return bw.Flush()
}

type dumper struct {
	w        *bufio.Writer
	noParens bool
}

func (d *dumper) line(depth int, label, text string) {
	for i := 0; i < depth; i++ {
		d.w.WriteString("  ")
	}
	if label != "" {
		d.w.WriteString(label)
		d.w.WriteString(": ")
	}
	d.w.WriteString(text)
	d.w.WriteByte('\n')
}

// node dumps n at depth with an optional label.
func (d *dumper) node(label string, n Node, depth int) {
	if isNil(n) {
		return
	}
	if p, ok := n.(*ParenExpr); ok && d.noParens {
		d.node(label, p.X, depth)
		return
	}
	kid := func(l string, c Node) { d.node(l, c, depth+1) }
	switch x := n.(type) {
	case *File:
		d.line(depth, label, "File")
		kid("", x.Shebang)
		for _, dc := range x.Decls {
			kid("", dc)
		}
	case *Shebang:
		d.line(depth, label, "Shebang "+strconv.Quote(x.Text))
	case *CDecl:
		kind := "preprocessor"
		if x.Kind == CDefinition {
			kind = "definition"
		}
		d.line(depth, label, "CDecl "+kind+" "+strconv.Quote(x.Text))
	case *ConfigBlock:
		d.line(depth, label, "ConfigBlock")
		for _, e := range x.Entries {
			kid("", e)
		}
	case *ConfigEntry:
		d.line(depth, label, "ConfigEntry "+identName(x.Key))
		kid("", x.Value)
	case *ImportDecl:
		d.line(depth, label, "ImportDecl "+stringValue(x.Path))
	case *ImportStmt:
		d.line(depth, label, "ImportStmt "+stringValue(x.Path))
	case *MapDecl:
		m := "@?"
		if x.Map != nil {
			m = "@" + x.Map.Name
		}
		d.line(depth, label, "MapDecl "+m+" "+identName(x.Kind))
		for _, a := range x.Args {
			kid("", a)
		}
	case *MacroDecl:
		d.line(depth, label, "MacroDecl "+identName(x.Name))
		for _, p := range x.Params {
			kid("param", p)
		}
		kid("", x.Body)
	case *FnDecl:
		d.line(depth, label, "FnDecl "+identName(x.Name))
		for _, p := range x.Params {
			kid("", p)
		}
		kid("result", x.Result)
		kid("", x.Body)
	case *Param:
		v := "$?"
		if x.Var != nil {
			v = "$" + x.Var.Name
		}
		d.line(depth, label, "Param "+v)
		kid("", x.Type)
	case *Probe:
		d.line(depth, label, "Probe")
		for _, ap := range x.AttachPoints {
			kid("", ap)
		}
		kid("predicate", x.Predicate)
		kid("", x.Body)
	case *AttachPoint:
		s := "AttachPoint"
		if x.Provider != "" {
			s += " " + x.Provider
		} else if len(x.Fields) > 0 {
			s += " " + strconv.Quote(x.Fields[0].Text)
		}
		if x.Name != "" {
			s += " name=" + strconv.Quote(x.Name)
		}
		d.line(depth, label, s)
		for i := range x.Fields {
			if i == 0 && x.Fields[i].Role == "provider" {
				continue
			}
			kid("", &x.Fields[i])
		}
	case *AttachField:
		s := x.Role + " " + strconv.Quote(x.Text)
		if x.Quoted {
			s += " quoted"
		}
		d.line(depth, label, s)
	case *BadDecl:
		d.line(depth, label, "BadDecl")
	case *ExprStmt:
		d.line(depth, label, "ExprStmt")
		kid("", x.X)
	case *AssignStmt:
		d.line(depth, label, "AssignStmt "+x.Op)
		kid("", x.Lhs)
		kid("", x.Rhs)
	case *LetStmt:
		v := "$?"
		if x.Var != nil {
			v = "$" + x.Var.Name
		}
		d.line(depth, label, "LetStmt "+v)
		kid("type", x.Type)
		kid("value", x.Value)
	case *WhileStmt:
		d.line(depth, label, "WhileStmt")
		kid("", x.Cond)
		kid("", x.Body)
	case *UnrollStmt:
		d.line(depth, label, "UnrollStmt")
		kid("", x.Count)
		kid("", x.Body)
	case *ForStmt:
		v := "$?"
		if x.Var != nil {
			v = "$" + x.Var.Name
		}
		d.line(depth, label, "ForStmt "+v)
		kid("", x.Iter)
		kid("", x.Body)
	case *JumpStmt:
		d.line(depth, label, "JumpStmt "+x.Keyword)
		kid("", x.Value)
	case *BadStmt:
		d.line(depth, label, "BadStmt")
	case *Ident:
		d.line(depth, label, "Ident "+x.Name)
	case *IntLit:
		s := "IntLit " + strconv.FormatUint(x.Value, 10)
		if x.Overflow {
			s += " overflow"
		}
		d.line(depth, label, s)
	case *StringLit:
		d.line(depth, label, "StringLit "+strconv.Quote(x.Value))
	case *BoolLit:
		d.line(depth, label, "BoolLit "+strconv.FormatBool(x.Value))
	case *PositionalParam:
		if x.Count {
			d.line(depth, label, "PositionalParam $#")
		} else {
			d.line(depth, label, "PositionalParam $"+strconv.Itoa(x.N))
		}
	case *Variable:
		d.line(depth, label, "Variable $"+x.Name)
	case *MapExpr:
		d.line(depth, label, "MapExpr @"+x.Name)
	case *MapAccess:
		m := "@?"
		if x.Map != nil {
			m = "@" + x.Map.Name
		}
		d.line(depth, label, "MapAccess "+m)
		for _, k := range x.Keys {
			kid("", k)
		}
	case *BinaryExpr:
		d.line(depth, label, "BinaryExpr "+x.Op)
		kid("", x.X)
		kid("", x.Y)
	case *UnaryExpr:
		s := "UnaryExpr " + x.Op
		if x.Postfix {
			s += " postfix"
		}
		d.line(depth, label, s)
		kid("", x.X)
	case *CondExpr:
		d.line(depth, label, "CondExpr")
		kid("cond", x.Cond)
		kid("then", x.Then)
		kid("else", x.Else)
	case *IfExpr:
		d.line(depth, label, "IfExpr")
		kid("cond", x.Cond)
		kid("then", x.Then)
		kid("else", x.Else)
	case *BlockExpr:
		d.line(depth, label, "BlockExpr")
		for _, s := range x.Stmts {
			kid("", s)
		}
		kid("value", x.Value)
	case *ParenExpr:
		d.line(depth, label, "ParenExpr")
		kid("", x.X)
	case *TupleExpr:
		d.line(depth, label, fmt.Sprintf("TupleExpr (%d)", len(x.Elems)))
		for _, e := range x.Elems {
			kid("", e)
		}
	case *RecordExpr:
		d.line(depth, label, "RecordExpr")
		for _, e := range x.Fields {
			kid("", e)
		}
	case *NamedExpr:
		d.line(depth, label, "NamedExpr "+identName(x.Name))
		kid("", x.Value)
	case *FieldExpr:
		d.line(depth, label, "FieldExpr ."+identName(x.Field))
		kid("", x.X)
	case *TupleIndexExpr:
		d.line(depth, label, "TupleIndexExpr ."+strconv.Itoa(x.Index))
		kid("", x.X)
	case *IndexExpr:
		d.line(depth, label, "IndexExpr")
		kid("", x.X)
		kid("", x.Index)
	case *CallExpr:
		s := "CallExpr " + identName(x.Fun)
		if x.Bang {
			s += "!"
		}
		d.line(depth, label, s)
		for _, a := range x.Args {
			kid("", a)
		}
	case *CastExpr:
		d.line(depth, label, "CastExpr")
		kid("", x.Type)
		kid("", x.X)
	case *SizeofExpr:
		d.line(depth, label, "SizeofExpr")
		kid("", x.Type)
		kid("", x.X)
	case *OffsetofExpr:
		names := make([]string, len(x.Fields))
		for i, f := range x.Fields {
			names[i] = identName(f)
		}
		d.line(depth, label, "OffsetofExpr "+strings.Join(names, "."))
		kid("", x.Type)
		kid("", x.X)
	case *TypeofExpr:
		d.line(depth, label, "TypeofExpr")
		kid("", x.Type)
		kid("", x.X)
	case *TypeinfoExpr:
		d.line(depth, label, "TypeinfoExpr")
		kid("", x.Type)
		kid("", x.X)
	case *ComptimeExpr:
		d.line(depth, label, "ComptimeExpr")
		kid("", x.X)
	case *RangeExpr:
		d.line(depth, label, "RangeExpr")
		kid("", x.From)
		kid("", x.To)
	case *BadExpr:
		d.line(depth, label, "BadExpr")
	case *TypeExpr:
		d.typeExpr(label, x, depth)
	case *TypeSuffix:
		if x.Pointer {
			d.line(depth, label, "TypeSuffix *")
		} else {
			d.line(depth, label, "TypeSuffix []")
			kid("", x.Len)
		}
	case *Comment:
		d.line(depth, label, "Comment "+strconv.Quote(x.Text))
	case *CommentGroup:
		d.line(depth, label, "CommentGroup")
		for _, c := range x.List {
			kid("", c)
		}
	default:
		d.line(depth, label, fmt.Sprintf("%T", n))
	}
}

// typeExpr prints a type on one line, e.g. "TypeExpr struct foo*[4]",
// unless it holds a typeof or a non-literal array length.
func (d *dumper) typeExpr(label string, x *TypeExpr, depth int) {
	var b strings.Builder
	b.WriteString("TypeExpr ")
	if x.Keyword != "" {
		b.WriteString(x.Keyword + " ")
	}
	if x.Typeof != nil {
		b.WriteString("typeof")
	} else {
		b.WriteString(identName(x.Name))
	}
	inline := true
	for _, s := range x.Suffixes {
		switch {
		case s.Pointer:
			b.WriteString("*")
		case s.Len == nil:
			b.WriteString("[]")
		default:
			if lit, ok := s.Len.(*IntLit); ok {
				b.WriteString("[" + strconv.FormatUint(lit.Value, 10) + "]")
			} else {
				inline = false
				b.WriteString("[?]")
			}
		}
	}
	d.line(depth, label, b.String())
	d.node("", x.Typeof, depth+1)
	if !inline {
		for i := range x.Suffixes {
			d.node("", &x.Suffixes[i], depth+1)
		}
	}
}

func identName(id *Ident) string {
	if id == nil {
		return "?"
	}
	return id.Name
}

func stringValue(s *StringLit) string {
	if s == nil {
		return "?"
	}
	return strconv.Quote(s.Value)
}
