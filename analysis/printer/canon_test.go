package printer

import (
	"sort"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
)

// canonical rewrites f in place into the form the printer writes, for
// the spellings the printer deliberately changes without changing
// meaning; two scripts mean the same when their canonical trees dump
// equal (ast.DumpNoParens ignores parentheses, `->` versus `.`, integer
// spellings and provider aliases already). Each rewrite is one of
// bpftrace's own equivalences:
//
//   - `x = x op y` is `x op= y` (bpftrace's parser builds the latter as
//     the former, with the same target node);
//   - `c ?: e` is `c ? c : e` (same node twice in bpftrace);
//   - `a && (b && c)` is `(a && b) && c` (one chain when printed);
//   - `@m[(a, b)]` is `@m[a, b]`;
//   - a config value that is a string spelled as an identifier is that
//     identifier;
//   - `sizeof(typeof(x))` is `sizeof(x)`, `typeof(T)` as a type is T, and
//     `T[0]` is `T[]`;
//   - a C definition ends with exactly one `;`, and no line ends with
//     blanks (the shebang included);
//   - a probe, fn or loop body's trailing value is a statement, and so
//     are the values of the blocks and ifs nested in it.
func canonical(f *ast.File, src []byte) {
	p := &printer{file: f, src: src, normalized: map[*ast.BlockExpr]bool{}}
	_, p.class = collectMeta(f)
	bodies := map[*ast.BlockExpr]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Probe:
			bodies[n.Body] = true
		case *ast.FnDecl:
			bodies[n.Body] = true
		case *ast.WhileStmt:
			bodies[n.Body] = true
		case *ast.UnrollStmt:
			bodies[n.Body] = true
		case *ast.ForStmt:
			bodies[n.Body] = true
		case *ast.BlockExpr:
			if n.Value == nil && len(n.Stmts) > 0 && (bodies[n] || p.normalized[n]) {
				if es, ok := n.Stmts[len(n.Stmts)-1].(*ast.ExprStmt); ok && p.noSemicolonAfter(es.X, n) {
					p.normalize(es.X)
				}
			}
			if n.Value != nil && (bodies[n] || p.normalized[n]) {
				p.normalize(n.Value)
				n.Stmts = append(n.Stmts, &ast.ExprStmt{X: n.Value})
				n.Value = nil
			}
		case *ast.AssignStmt:
			if bin, ok := ast.Unparen(n.Rhs).(*ast.BinaryExpr); ok && n.Op == "=" && compoundOps[bin.Op] && sameExpr(n.Lhs, bin.X) {
				n.Op, n.Rhs = bin.Op+"=", bin.Y
			}
		case *ast.CondExpr:
			if n.Then == nil {
				n.Then = n.Cond
			}
		case *ast.BinaryExpr:
			if n.Op == "&&" || n.Op == "||" {
				var entries []ast.Expr
				var flatten func(x ast.Expr)
				flatten = func(x ast.Expr) {
					if b, ok := ast.Unparen(x).(*ast.BinaryExpr); ok && b.Op == n.Op {
						flatten(b.X)
						flatten(b.Y)
						return
					}
					entries = append(entries, x)
				}
				flatten(n)
				acc := entries[0]
				for _, e := range entries[1 : len(entries)-1] {
					acc = &ast.BinaryExpr{X: acc, Op: n.Op, Y: e}
				}
				n.X, n.Y = acc, entries[len(entries)-1]
			}
		case *ast.MapAccess:
			n.Keys = mapKeys(n)
		case *ast.ConfigEntry:
			if s, ok := ast.Unparen(n.Value).(*ast.StringLit); ok && isIdentifier(s.Value) {
				n.Value = &ast.Ident{Name: s.Value}
			}
		case *ast.SizeofExpr:
			n.Type, n.X = unwrapTypeof(n.Type, n.X)
		case *ast.TypeinfoExpr:
			n.Type, n.X = unwrapTypeof(n.Type, n.X)
		case *ast.OffsetofExpr:
			n.Type, n.X = unwrapTypeof(n.Type, n.X)
		case *ast.TypeExpr:
			for n.Typeof != nil && n.Typeof.Type != nil && n.Typeof.X == nil {
				inner := n.Typeof.Type
				n.Keyword, n.Name, n.Typeof = inner.Keyword, inner.Name, inner.Typeof
				n.Suffixes = append(append([]ast.TypeSuffix(nil), inner.Suffixes...), n.Suffixes...)
			}
		case *ast.TypeSuffix:
			if lit, ok := n.Len.(*ast.IntLit); ok && lit.Value == 0 && !lit.Overflow {
				n.Len = nil
			}
		case *ast.CDecl:
			n.Text = cText(n)
		case *ast.Shebang:
			n.Text = strings.TrimRight(n.Text, " \t\r")
		}
		return true
	})
}

// commentTexts lists the text of every comment line of f as bpftrace
// records them (without delimiters, one entry per line of a block
// comment, trailing blanks removed), sorted.
func commentTexts(f *ast.File) []string {
	entries, _ := collectMeta(f)
	var out []string
	for _, e := range entries {
		if !e.vspace {
			out = append(out, strings.TrimRight(e.text, " \t\r"))
		}
	}
	sort.Strings(out)
	return out
}
