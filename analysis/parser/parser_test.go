package parser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
)

// parse parses src and fails the test on any diagnostic.
func parseOK(t *testing.T, src string) *ast.File {
	t.Helper()
	f, diags := ParseFile(source.NewFile("test.bt", []byte(src)))
	if len(diags) > 0 {
		var b strings.Builder
		diag.RenderAll(&b, diags, diag.TextOptions{})
		t.Fatalf("unexpected diagnostics for %q:\n%s", src, b.String())
	}
	checkTree(t, f, len(src))
	return f
}

// checkTree verifies the structural invariants every parse must keep:
// every node's range lies within the text and within its parent's range,
// children come in source order, and nothing is a nil node.
func checkTree(t testing.TB, f *ast.File, n int) {
	t.Helper()
	if f == nil {
		t.Fatal("nil file")
	}
	var stack []ast.Node
	var fail string
	ast.Inspect(f, func(node ast.Node) bool {
		if fail != "" {
			return false
		}
		if node == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		lo, hi := node.Pos(), node.End()
		switch {
		case lo < 0 || hi > source.Pos(n) || lo > hi:
			fail = fmt.Sprintf("%T has range [%d,%d) outside text of %d bytes", node, lo, hi, n)
		case len(stack) > 0:
			parent := stack[len(stack)-1]
			if lo < parent.Pos() || hi > parent.End() {
				fail = fmt.Sprintf("%T [%d,%d) is not inside its parent %T [%d,%d)", node, lo, hi, parent, parent.Pos(), parent.End())
			}
		}
		stack = append(stack, node)
		return true
	})
	if fail == "" {
		fail = checkOrder(f)
	}
	if fail != "" {
		t.Fatal(fail)
	}
}

// checkOrder verifies that siblings do not overlap and come in order.
func checkOrder(root ast.Node) string {
	msg := ""
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil || msg != "" {
			return msg == ""
		}
		var prev ast.Node
		first := true
		ast.Inspect(n, func(c ast.Node) bool {
			if first {
				first = false
				return true
			}
			if c == nil {
				return false
			}
			if prev != nil && c.Pos() < prev.End() {
				msg = fmt.Sprintf("%T [%d,%d) overlaps or precedes its sibling %T [%d,%d)", c, c.Pos(), c.End(), prev, prev.Pos(), prev.End())
			}
			prev = c
			return false
		})
		return true
	})
	return msg
}

func TestBasicScripts(t *testing.T) {
	for _, src := range []string{
		"",
		"begin { printf(\"hello\\n\"); }",
		"BEGIN { @x = 1; } END { clear(@x) }",
		"kprobe:vfs_read /pid == 1/ { @[comm] = count(); }",
		"tracepoint:syscalls:sys_enter_openat { printf(\"%s\\n\", str(args->filename)); }",
		"#include <linux/sched.h>\nk:f { $t = (struct task_struct *)curtask; }",
		"config = { max_map_keys = 1; stack_mode = perf }\nbegin { }",
		"i:s:1 { exit() }",
	} {
		parseOK(t, src)
	}
}

func TestParseExpr(t *testing.T) {
	for src, want := range map[string]string{
		"1 + 2 * 3":         "BinaryExpr +\n  IntLit 1\n  BinaryExpr *\n    IntLit 2\n    IntLit 3\n",
		"a ? b : c":         "CondExpr\n  cond: Ident a\n  then: Ident b\n  else: Ident c\n",
		"$x ?: 5":           "CondExpr\n  cond: Variable $x\n  else: IntLit 5\n",
		"(pid)*tid":         "BinaryExpr *\n  ParenExpr\n    Ident pid\n  Ident tid\n",
		"(myident)*$a":      "CastExpr\n  TypeExpr myident\n  UnaryExpr *\n    Variable $a\n",
		"-1":                "UnaryExpr -\n  IntLit 1\n",
		"@m[1, \"a\"]":      "MapAccess @m\n  IntLit 1\n  StringLit \"a\"\n",
		"f!(1)":             "CallExpr f!\n  IntLit 1\n",
		"10ms":              "IntLit 10000000\n",
		"0x10 | 0777":       "BinaryExpr |\n  IntLit 16\n  IntLit 511\n",
		"1 << 2 < 8":        "BinaryExpr <\n  BinaryExpr <<\n    IntLit 1\n    IntLit 2\n  IntLit 8\n",
		"0 && 1 || 2":       "BinaryExpr ||\n  BinaryExpr &&\n    IntLit 0\n    IntLit 1\n  IntLit 2\n",
		"1 ? 2 ? 3 : 4 : 5": "CondExpr\n  cond: IntLit 1\n  then: CondExpr\n    cond: IntLit 2\n    then: IntLit 3\n    else: IntLit 4\n  else: IntLit 5\n",
	} {
		x, diags := ParseExpr(src)
		if len(diags) > 0 {
			t.Errorf("%q: %v", src, diags)
			continue
		}
		if got := ast.Dump(x); got != want {
			t.Errorf("%q:\ngot:\n%s\nwant:\n%s", src, got, want)
		}
	}
	if _, diags := ParseExpr("1 +"); len(diags) == 0 {
		t.Error("ParseExpr(\"1 +\") reported nothing")
	}
	if x, diags := ParseExpr("1 2"); len(diags) != 1 || x == nil {
		t.Errorf("ParseExpr(\"1 2\") = %v, %v; want one error", x, diags)
	}
}

func TestComments(t *testing.T) {
	src := `// header one
// header two

#include <x.h> // part of the C line
struct s { int a; /* inside C */ };
kprobe:a, /* between */ kprobe:b /* before pred */ /pid /* in pred */ > 0/ {
	$x = 1; // trailing
	/* block
	   comment */
}
// last`
	f := parseOK(t, src)
	var got []string
	for _, g := range f.Comments {
		var texts []string
		for _, c := range g.List {
			if src[c.Lo:c.Hi] != c.Text {
				t.Errorf("comment %q has range text %q", c.Text, src[c.Lo:c.Hi])
			}
			texts = append(texts, c.Text)
		}
		if g.Lo != g.List[0].Lo || g.Hi != g.List[len(g.List)-1].Hi {
			t.Errorf("group range [%d,%d) does not match its comments", g.Lo, g.Hi)
		}
		got = append(got, strings.Join(texts, "+"))
	}
	want := []string{
		"// header one+// header two",
		"/* between */", "/* before pred */", "/* in pred */",
		"// trailing+/* block\n\t   comment */",
		"// last",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("comment groups:\n got %q\nwant %q", got, want)
	}
}

func TestTooManyErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("begin {\n")
	for i := 0; i < 3*maxErrors; i++ {
		fmt.Fprintf(&b, "\t$x%d = ;\n", i)
	}
	b.WriteString("}\n")
	f, diags := ParseFile(source.NewFile("many.bt", []byte(b.String())))
	if f == nil || len(diags) != maxErrors+1 || diags[maxErrors].Code != CodeTooManyErrors {
		t.Fatalf("%d diagnostics, last %v", len(diags), diags[len(diags)-1])
	}
	checkTree(t, f, b.Len())
}

func TestParseFileEdgeCases(t *testing.T) {
	f, diags := ParseFile(nil)
	if f == nil || len(diags) != 0 {
		t.Fatalf("ParseFile(nil) = %v, %v", f, diags)
	}
	for _, src := range []string{"\x00", "\xff\xfe", "#!", "#!\n", "\n\n\n", "/", "$", "@", "\"", "'", "`"} {
		f, _ := ParseFile(source.NewFile("edge.bt", []byte(src)))
		checkTree(t, f, len(src))
	}
	x, diags := ParseExpr("")
	if x == nil || len(diags) == 0 {
		t.Errorf("ParseExpr(\"\") = %v, %v", x, diags)
	}
}

func TestPositions(t *testing.T) {
	src := "kprobe:f /arg0 > 1/ { @m[pid] += 2; }"
	f := parseOK(t, src)
	p := f.Decls[0].(*ast.Probe)
	text := func(n ast.Node) string { return src[n.Pos():n.End()] }
	if got := text(p.AttachPoints[0]); got != "kprobe:f" {
		t.Errorf("attach point %q", got)
	}
	if got := src[p.PredRange.Lo:p.PredRange.Hi]; got != "/arg0 > 1/" {
		t.Errorf("predicate range %q", got)
	}
	if got := text(p.Predicate); got != "arg0 > 1" {
		t.Errorf("predicate %q", got)
	}
	a := p.Body.Stmts[0].(*ast.AssignStmt)
	if text(a) != "@m[pid] += 2" || text(a.Lhs) != "@m[pid]" || src[a.OpPos:a.OpPos+2] != "+=" || text(p.Body) != "{ @m[pid] += 2; }" {
		t.Errorf("assignment %q lhs %q op at %d body %q", text(a), text(a.Lhs), a.OpPos, text(p.Body))
	}
	if text(p) != src {
		t.Errorf("probe %q", text(p))
	}
}

// TestPathologicalInputs parses large odd inputs that would expose
// quadratic behaviour in recovery or lookahead (a quadratic path takes
// tens of seconds at this size; linear ones take well under one).
func TestPathologicalInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	const n = 512 << 10
	rep := func(prefix, unit, suffix string) string {
		return prefix + strings.Repeat(unit, (n-len(prefix)-len(suffix))/len(unit)) + suffix
	}
	for name, text := range map[string]string{
		"struct words":       rep("", "struct ", ""),
		"struct lines":       rep("begin {\n", "struct a b c\n", "}"),
		"typeof casts":       rep("begin { ", "(typeof(", ""),
		"sizeof arrays":      rep("begin { ", "sizeof(x[", ""),
		"stray parens":       rep("", ") ", ""),
		"attach points":      rep("", "kprobe:f ", ""),
		"junk statements":    rep("begin {\n", "a b c d e f\n", "}"),
		"empty statements":   rep("begin {", ";", "}"),
		"open braces":        rep("", "{", ""),
		"close braces":       rep("begin {", "}", ""),
		"hashes":             rep("begin {", "#", "}"),
		"casts":              rep("begin { ", "(x)", "1; }"),
		"lets":               rep("", "let ", ""),
		"configs":            rep("", "config = { ", ""),
		"macros":             rep("", "macro m(", ""),
		"quotes":             rep("uprobe:", "\"a\"", ""),
		"commas":             rep("kprobe:a", ",", ""),
		"dollars":            rep("begin { ", "$ ", "}"),
		"unterminated calls": rep("begin { ", "f(", ""),
	} {
		start := time.Now()
		f, diags := ParseFile(source.NewFile(name, []byte(text)))
		if d := time.Since(start); d > 8*time.Second {
			t.Errorf("%s: %d bytes took %v", name, len(text), d)
		}
		checkTree(t, f, len(text))
		if len(diags) > maxErrors+1 {
			t.Errorf("%s: %d diagnostics", name, len(diags))
		}
	}
}
