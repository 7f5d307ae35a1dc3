package ast_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
)

func parse(t *testing.T, src string) *ast.File {
	t.Helper()
	f, diags := parser.ParseFile(source.NewFile("t.bt", []byte(src)))
	if len(diags) > 0 {
		t.Fatalf("%v", diags)
	}
	return f
}

func TestInspectSourceOrder(t *testing.T) {
	src := `kprobe:f /arg0 > 1/ { @m[pid, comm] = (uint8)$x + 2; if ($a) { $b = 1 } }`
	f := parse(t, src)
	var last source.Pos = -1
	var kinds []string
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			return true
		}
		if n.Pos() < last {
			t.Errorf("%T at %d visited after a node at %d", n, n.Pos(), last)
		}
		last = n.Pos()
		kinds = append(kinds, strings.TrimPrefix(fmt.Sprintf("%T", n), "*ast."))
		return true
	})
	got := strings.Join(kinds, " ")
	want := "File Probe AttachPoint AttachField AttachField BinaryExpr Ident IntLit BlockExpr AssignStmt MapAccess MapExpr Ident Ident BinaryExpr CastExpr TypeExpr Ident Variable IntLit ExprStmt IfExpr ParenExpr Variable BlockExpr AssignStmt Variable IntLit"
	if got != want {
		t.Errorf("visit order:\n got %s\nwant %s", got, want)
	}
}

func TestInspectPrune(t *testing.T) {
	f := parse(t, `begin { print(1 + 2); }`)
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		if node != nil {
			n++
		}
		_, isCall := node.(*ast.CallExpr)
		return !isCall
	})
	// File, Probe, AttachPoint, its provider field, BlockExpr, ExprStmt,
	// CallExpr; the call's children are pruned.
	if n != 7 {
		t.Errorf("visited %d nodes, want 7", n)
	}
}

func TestNodeAt(t *testing.T) {
	src := "kprobe:vfs_read { @x[pid] = count(); }"
	f := parse(t, src)
	kinds := func(pos int) string {
		var s []string
		for _, n := range ast.NodeAt(f, source.Pos(pos)) {
			s = append(s, strings.TrimPrefix(fmt.Sprintf("%T", n), "*ast."))
		}
		return strings.Join(s, ">")
	}
	for pos, want := range map[int]string{
		strings.Index(src, "vfs_read") + 2: "File>Probe>AttachPoint>AttachField",
		strings.Index(src, "pid"):          "File>Probe>BlockExpr>AssignStmt>MapAccess>Ident",
		strings.Index(src, "pid") + 3:      "File>Probe>BlockExpr>AssignStmt>MapAccess>Ident", // just after the name
		strings.Index(src, "count") + 1:    "File>Probe>BlockExpr>AssignStmt>CallExpr>Ident",
		strings.Index(src, "@x"):           "File>Probe>BlockExpr>AssignStmt>MapAccess>MapExpr",
		len(src):                           "File>Probe>BlockExpr",
	} {
		if got := kinds(pos); got != want {
			t.Errorf("NodeAt(%d %q): %s, want %s", pos, src[min(pos, len(src)):], got, want)
		}
	}
	if ast.NodeAt(f, source.Pos(len(src)+5)) != nil {
		t.Error("position past the end found a node")
	}
}

func TestDump(t *testing.T) {
	f := parse(t, "k:f /pid/ { $x = (1 + 2) * 3; @m[1] = ((4)); }")
	want := `File
  Probe
    AttachPoint kprobe
      func "f"
    predicate: Ident pid
    BlockExpr
      AssignStmt =
        Variable $x
        BinaryExpr *
          ParenExpr
            BinaryExpr +
              IntLit 1
              IntLit 2
          IntLit 3
      AssignStmt =
        MapAccess @m
          IntLit 1
        ParenExpr
          ParenExpr
            IntLit 4
`
	if got := ast.Dump(f); got != want {
		t.Errorf("Dump:\n%s\nwant:\n%s", got, want)
	}
	noParens := ast.DumpNoParens(f)
	if strings.Contains(noParens, "ParenExpr") || !strings.Contains(noParens, "BinaryExpr *\n          BinaryExpr +") {
		t.Errorf("DumpNoParens:\n%s", noParens)
	}
	var b strings.Builder
	if err := ast.Fprint(&b, f); err != nil || b.String() != want {
		t.Errorf("Fprint differs from Dump (err %v)", err)
	}
}

// Dumps ignore positions, comments and spellings that do not change
// meaning, which is what a formatter's meaning-preservation test needs.
func TestDumpEquivalence(t *testing.T) {
	for _, pair := range [][2]string{
		{"BEGIN { $x = args->a; }", "begin {\n  // comment\n  $x = args.a;\n}"},
		{"k:f { @ = 0x10 + 1_000; }", "kprobe:f { @ = 16 + 1000; }"},
		{"i:s:1 { for ($k : @m) { } }", "interval:s:1 { for $k : @m { } }"},
		{"kfunc:f { }", "fentry:f { }"},
	} {
		a, b := parse(t, pair[0]), parse(t, pair[1])
		if ast.Dump(a) != ast.Dump(b) {
			t.Errorf("dumps differ:\n%s\n%s", ast.Dump(a), ast.Dump(b))
		}
	}
	a, b := parse(t, "k:f { $x = (1 + 2) * 3; }"), parse(t, "k:f { $x = (((1 + 2)) * (3)); }")
	if ast.Dump(a) == ast.Dump(b) || ast.DumpNoParens(a) != ast.DumpNoParens(b) {
		t.Error("parentheses: Dump should differ and DumpNoParens agree")
	}
	a, b = parse(t, "k:f { $x = 1 + 2 * 3; }"), parse(t, "k:f { $x = (1 + 2) * 3; }")
	if ast.DumpNoParens(a) == ast.DumpNoParens(b) {
		t.Error("DumpNoParens hides a change of grouping")
	}
}

func TestWalkNilSafe(t *testing.T) {
	// Partial trees from broken input must walk without panics.
	for _, src := range []string{"k:f { $x = ; }", "fn (", "macro", "k:f /", "let @a = ;", "begin { for ($i : ) }"} {
		f, _ := parser.ParseFile(source.NewFile("t.bt", []byte(src)))
		ast.Inspect(f, func(ast.Node) bool { return true })
		_ = ast.Dump(f)
		_ = ast.NodeAt(f, 2)
	}
	ast.Inspect(nil, func(ast.Node) bool { return true })
	var nilCall *ast.CallExpr
	ast.Inspect(nilCall, func(ast.Node) bool { t.Error("visited a typed nil"); return true })
}
