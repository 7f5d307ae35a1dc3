package printer

import (
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
)

// Trees built by hand have no source: they print without comments.

func id(n string) *ast.Ident             { return &ast.Ident{Name: n} }
func num(s string, v uint64) *ast.IntLit { return &ast.IntLit{Raw: s, Value: v} }
func bin(x ast.Expr, op string, y ast.Expr) *ast.BinaryExpr {
	return &ast.BinaryExpr{X: x, Op: op, Y: y}
}
func call(n string, args ...ast.Expr) *ast.CallExpr { return &ast.CallExpr{Fun: id(n), Args: args} }
func vr(n string) *ast.Variable                     { return &ast.Variable{Name: n} }
func str(s string) *ast.StringLit                   { return &ast.StringLit{Raw: `"` + s + `"`, Value: s} }

func TestHandBuiltProbe(t *testing.T) {
	f := &ast.File{Decls: []ast.Decl{
		&ast.Probe{
			AttachPoints: []*ast.AttachPoint{{Raw: "kprobe:vfs_read"}, {Raw: "kprobe:vfs_write"}},
			Predicate:    bin(id("pid"), "==", num("1", 1)),
			Body: &ast.BlockExpr{Stmts: []ast.Stmt{
				&ast.AssignStmt{Lhs: &ast.MapAccess{Map: &ast.MapExpr{Name: "x"}, Keys: []ast.Expr{id("comm")}}, Op: "=", Rhs: call("count")},
				&ast.AssignStmt{Lhs: vr("a"), Op: "=", Rhs: bin(num("1", 1), "+", bin(num("2", 2), "*", num("3", 3)))},
				&ast.AssignStmt{Lhs: vr("a"), Op: "=", Rhs: bin(vr("a"), "+", num("1", 1))},
				&ast.ExprStmt{X: &ast.IfExpr{Cond: bin(vr("a"), ">", num("0", 0)),
					Then: &ast.BlockExpr{Stmts: []ast.Stmt{&ast.ExprStmt{X: call("print", vr("a"), str("x\ty"))}}}}},
			}},
		},
		&ast.Probe{AttachPoints: []*ast.AttachPoint{{Raw: "END"}}, Body: &ast.BlockExpr{}},
	}}
	want := `kprobe:vfs_read,
kprobe:vfs_write
/pid == 1/
{
  @x[comm] = count();
  $a = 1 + (2 * 3);
  $a += 1;
  if ($a > 0) {
    print($a, "x\ty");
  }
}
END
{}
`
	if got := Sprint(f); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestChooseBreaksMatchesExhaustiveSearch(t *testing.T) {
	// The greedy search used for long lists must pick the mask the
	// exhaustive search picks whenever no element is empty.
	for seed := 1; seed < 3000; seed++ {
		n := seed%12 + 2
		ws := make([]width, n)
		x := seed
		for i := range ws {
			x = (x*1103515245 + 12345) & 0x7fffffff
			ws[i] = width(x%30 + 1)
		}
		limit := width(seed%60 + 10)
		got := greedyBreaks(ws, limit)
		want := chooseBreaks(ws, limit)
		if fmtBools(got) != fmtBools(want) {
			t.Fatalf("widths %v limit %d: greedy %v, exhaustive %v", ws, limit, got, want)
		}
	}
}

func fmtBools(b []bool) string {
	var sb strings.Builder
	for _, v := range b {
		if v {
			sb.WriteByte('1')
		} else {
			sb.WriteByte('0')
		}
	}
	return sb.String()
}
