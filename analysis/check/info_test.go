package check

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// checked is a parsed and checked script for Info queries.
type checked struct {
	t    *testing.T
	src  *source.File
	file *ast.File
	prog *Program
}

func checkText(t *testing.T, text string, cfg Config) *checked {
	t.Helper()
	src := source.NewFile("test.bt", []byte(text))
	f, pd := parser.ParseFile(src)
	if pd.HasErrors() {
		t.Fatalf("parse: %v", pd)
	}
	prog := Check([]*ast.File{f}, cfg)
	return &checked{t: t, src: src, file: f, prog: prog}
}

func (k *checked) noErrors() {
	k.t.Helper()
	for _, d := range k.prog.Diags {
		if d.Severity == diag.Error {
			k.t.Errorf("unexpected: %s", d.Error())
		}
	}
}

// posOf returns the offset of the n-th (0-based) occurrence of needle,
// plus delta.
func (k *checked) posOf(needle string, n, delta int) source.Pos {
	k.t.Helper()
	text := string(k.src.Text)
	off := -1
	for i := 0; i <= n; i++ {
		j := strings.Index(text[off+1:], needle)
		if j < 0 {
			k.t.Fatalf("%q occurrence %d not found", needle, n)
		}
		off += 1 + j
	}
	return source.Pos(off + delta)
}

// innermost returns the innermost node at pos that satisfies keep.
func (k *checked) innermost(pos source.Pos, keep func(ast.Node) bool) ast.Node {
	k.t.Helper()
	path := ast.NodeAt(k.file, pos)
	for i := len(path) - 1; i >= 0; i-- {
		if keep(path[i]) {
			return path[i]
		}
	}
	k.t.Fatalf("no matching node at %d", pos)
	return nil
}

func isExprNode(n ast.Node) bool { _, ok := n.(ast.Expr); return ok }

// typeAt is "the type at line L col C": the type of the innermost
// expression there.
func (k *checked) typeAt(line, col int) types.Type {
	k.t.Helper()
	pos := k.src.LineStart(line) + source.Pos(col-1)
	n := k.innermost(pos, isExprNode)
	return k.prog.Info.TypeOf(n)
}

func TestTypeAtPosition(t *testing.T) {
	k := checkText(t, `begin {
  $a = 1;
  $a = (uint32)2;
  $s = "a";
  $s = "abcdef";
  $t = ($a, $s);
  $c = $a + 1;
  $b = $a == 2;
  @m[comm] = count();
  $p = &$a;
}
`, Config{Kernel: newFakeKernel()})
	k.noErrors()
	cases := []struct {
		line, col int
		want      string
	}{
		{2, 3, "uint32"},    // $a widened by the later assignment
		{3, 3, "uint32"},    // $a
		{3, 16, "int8"},     // the literal 2
		{4, 3, "string[7]"}, // $s widened to the longest value
		{6, 3, "(uint32, string[7])"},
		{7, 8, "uint32"}, // $a in $a + 1
		{7, 13, "int8"},  // 1
		{7, 3, "uint64"}, // $c: unsigned arithmetic is 64-bit
		{8, 3, "bool"},
		{9, 6, "string[16]"},              // comm
		{9, 3, "map[string[16]] count_t"}, // @m
		{10, 3, "uint32*"},
	}
	for _, c := range cases {
		got := k.typeAt(c.line, c.col)
		if got == nil || got.String() != c.want {
			t.Errorf("%d:%d: got %v, want %s", c.line, c.col, got, c.want)
		}
	}
}

func TestDefinitions(t *testing.T) {
	k := checkText(t, `let @decl = hash(10);
macro twice(x) { x + x }
begin {
  $v = 1;
  if ($v) { $v = 2; }
  @m[1] = $v;
  @decl[2] = 3;
  print(twice($v));
  print(@m[1] + @decl[2]);
}
`, Config{Kernel: newFakeKernel()})
	k.noErrors()
	info := k.prog.Info
	// The variable: defined at its first assignment, used after.
	varDef := k.innermost(k.posOf("$v", 0, 1), func(n ast.Node) bool { _, ok := n.(*ast.Variable); return ok })
	sym := info.Defs[varDef]
	if sym == nil || sym.Kind != SymVar || sym.Name != "$v" {
		t.Fatalf("def of $v: %+v", sym)
	}
	for i := 1; i <= 4; i++ {
		use := k.innermost(k.posOf("$v", i, 1), func(n ast.Node) bool { _, ok := n.(*ast.Variable); return ok })
		if got := info.SymbolOf(use); got != sym {
			t.Errorf("use %d of $v resolves to %+v", i, got)
		}
	}
	if sym.Decl != varDef {
		t.Errorf("$v declared at %v", sym.Decl)
	}
	// The map: defined at its first assignment.
	mdef := k.innermost(k.posOf("@m", 0, 1), func(n ast.Node) bool { _, ok := n.(*ast.MapExpr); return ok })
	msym := info.Defs[mdef]
	if msym == nil || msym.Kind != SymMap {
		t.Fatalf("def of @m: %+v", msym)
	}
	muse := k.innermost(k.posOf("@m", 1, 1), func(n ast.Node) bool { _, ok := n.(*ast.MapExpr); return ok })
	if info.Uses[muse] != msym {
		t.Errorf("use of @m: %+v", info.Uses[muse])
	}
	// A declared map: defined at its declaration.
	duse := k.innermost(k.posOf("@decl", 1, 1), func(n ast.Node) bool { _, ok := n.(*ast.MapExpr); return ok })
	dsym := info.Uses[duse]
	if dsym == nil {
		t.Fatal("no symbol for @decl")
	}
	if md, ok := dsym.Decl.(*ast.MapExpr); !ok || md.Pos() != k.posOf("@decl", 0, 0) {
		t.Errorf("@decl declared at %v", dsym.Decl)
	}
	// The macro: defined at its name.
	call := k.innermost(k.posOf("twice(", 1, 1), func(n ast.Node) bool { _, ok := n.(*ast.CallExpr); return ok }).(*ast.CallExpr)
	msym2 := info.Uses[call.Fun]
	if msym2 == nil || msym2.Kind != SymMacro {
		t.Fatalf("macro use: %+v", msym2)
	}
	if d, ok := msym2.Decl.(*ast.MacroDecl); !ok || d.Name.Name != "twice" {
		t.Errorf("macro decl: %v", msym2.Decl)
	}
	ci := info.Calls[call]
	if ci == nil || ci.Kind != SymMacro || ci.Expansion == nil {
		t.Fatalf("call info: %+v", ci)
	}
}

func TestMacroExpansionPerCallSite(t *testing.T) {
	k := checkText(t, `macro id(x) { x }
begin {
  $a = id(1);
  $b = id("str");
  $c = id((uint64)5);
  print(($a, $b, $c));
}
`, Config{Kernel: newFakeKernel()})
	k.noErrors()
	want := []string{"int8", "string[4]", "uint64"}
	for i, w := range want {
		call := k.innermost(k.posOf("id(", i+1, 0), func(n ast.Node) bool { _, ok := n.(*ast.CallExpr); return ok }).(*ast.CallExpr)
		ci := k.prog.Info.Calls[call]
		if ci == nil || ci.Expansion == nil {
			t.Fatalf("call %d: no expansion", i)
		}
		if got := k.prog.Info.TypeOf(call); got == nil || got.String() != w {
			t.Errorf("call %d: type %v, want %s", i, got, w)
		}
		// The expansion's value node is typed per call site, and keeps
		// the macro's position.
		val := ci.Expansion.Value
		if val == nil {
			t.Fatalf("call %d: expansion has no value", i)
		}
		if val.Pos() != k.posOf("x }", 0, 0) {
			t.Errorf("call %d: expansion node at %d, want the macro body", i, val.Pos())
		}
		if got := k.prog.Info.TypeOf(val); got == nil || got.String() != w {
			t.Errorf("call %d: expansion value type %v, want %s", i, got, w)
		}
	}
	// The three expansions are distinct copies.
	var bodies []*ast.BlockExpr
	for _, ci := range k.prog.Info.Calls {
		if ci.Kind == SymMacro {
			bodies = append(bodies, ci.Expansion)
		}
	}
	if len(bodies) != 3 || bodies[0] == bodies[1] || bodies[1] == bodies[2] || bodies[0] == bodies[2] {
		t.Errorf("expansions are not distinct: %v", bodies)
	}
}

func TestProgramMapsAfterWidening(t *testing.T) {
	k := checkText(t, `let @lru = lruhash(100);
begin { $v = @late[1]; print($v); @s = "a"; @n[1, "x"] = 1; }
kprobe:vfs_read { @late[2] = "str"; @s = "abcdef"; @n[2, "yy"] = (uint64)5; @c[tid] = count(); @lru[pid] = 1; }
end { @h = hist(5); @sum = sum((int32)-1); }
`, Config{Kernel: newFakeKernel()})
	k.noErrors()
	cases := map[string]struct{ key, value, kind string }{
		"@late": {"int8", "string[4]", "hash"},
		"@s":    {"", "string[7]", "hash"},
		"@n":    {"(int8, string[3])", "uint64", "hash"},
		"@c":    {"uint32", "count_t", "percpuhash"},
		"@lru":  {"uint32", "int8", "lruhash"},
		"@h":    {"", "hist_t", "percpuhash"},
		"@sum":  {"", "sum_t", "percpuhash"},
	}
	for name, want := range cases {
		m := k.prog.Map(name)
		if m == nil {
			t.Errorf("%s missing", name)
			continue
		}
		key := ""
		if m.Key != nil {
			key = m.Key.String()
		}
		if key != want.key || m.Value == nil || m.Value.String() != want.value || m.Kind != want.kind {
			t.Errorf("%s: key %q value %v kind %s, want %+v", name, key, m.Value, m.Kind, want)
		}
		if m.Typed == nil {
			t.Errorf("%s: no Typed node", name)
		}
	}
	if m := k.prog.Map("@lru"); m.MaxEntries != 100 || m.Decl == nil {
		t.Errorf("@lru: %+v", m)
	}
	if got := len(k.prog.Maps); got != len(cases) {
		t.Errorf("%d maps, want %d", got, len(cases))
	}
	// A map read before its assignment (in another probe) is defined at
	// the assignment.
	if late := k.prog.Map("@late"); late.Symbol.Decl == nil || k.src.Position(late.Symbol.Decl.Pos()).Line != 3 {
		t.Errorf("@late defined at %v", late.Symbol.Decl)
	}
	// The map read before the assignment in another probe takes its type.
	if tv := k.typeAt(2, 11); tv == nil || tv.String() != "string[4]" {
		t.Errorf("$v: %v", tv)
	}
}

func TestProbeInfo(t *testing.T) {
	k := checkText(t, `tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_open { print(args.flags); }
kretprobe:vfs_read { print(retval); }
begin { }
`, Config{Kernel: newFakeKernel()})
	k.noErrors()
	if len(k.prog.Probes) != 3 {
		t.Fatalf("%d probes", len(k.prog.Probes))
	}
	p := k.prog.Probes[0]
	if len(p.Attach) != 2 || p.Attach[0].Provider != "tracepoint" || len(p.Attach[0].Targets) != 1 || p.Attach[0].ArgsType == nil {
		t.Errorf("tracepoint attach: %+v", p.Attach[0])
	}
	if r := k.prog.Probes[1].Attach[0].Retval; r == nil || r.String() != "uint64" {
		t.Errorf("kretprobe retval: %v", r)
	}
	if k.prog.Probes[2].Attach[0].Provider != "begin" {
		t.Errorf("begin: %+v", k.prog.Probes[2].Attach[0])
	}
	// Kernel-independent: providers known, targets and args unknown.
	k2 := checkText(t, `tracepoint:syscalls:sys_enter_openat { print(args.flags + 1); print(arg0); }
`, Config{})
	for _, d := range k2.prog.Diags {
		if d.Code != CodeNotInProbe && d.Severity == diag.Error {
			t.Errorf("unexpected: %s", d.Error())
		}
	}
	a := k2.prog.Probes[0].Attach[0]
	if a.Provider != "tracepoint" || a.Targets != nil || a.ArgsType != nil {
		t.Errorf("no-kernel attach: %+v", a)
	}
	if tv := k2.typeAt(1, 48); !IsUnknown(tv) {
		t.Errorf("args.flags without a kernel: %v", tv)
	}
}

func TestConstsAndConversions(t *testing.T) {
	k := checkText(t, `begin {
  $a = 1 + 2 * 3;
  $b = (uint64)7;
  $b = $a;
  $c = sizeof(uint32);
  print(($a, $b, $c));
}
`, Config{Kernel: newFakeKernel()})
	k.noErrors()
	bin := k.innermost(k.posOf("1 + 2", 0, 2), func(n ast.Node) bool { _, ok := n.(*ast.BinaryExpr); return ok }).(*ast.BinaryExpr)
	if v, ok := k.prog.Info.Consts[bin]; !ok || v != 7 {
		t.Errorf("1 + 2 * 3 folded to %d, %v", v, ok)
	}
	sz := k.innermost(k.posOf("sizeof", 0, 1), func(n ast.Node) bool { _, ok := n.(*ast.SizeofExpr); return ok }).(*ast.SizeofExpr)
	if v := k.prog.Info.Consts[sz]; v != 4 {
		t.Errorf("sizeof(uint32) = %d", v)
	}
	// $b = $a converts int8 to uint64.
	rhs := k.innermost(k.posOf("= $a", 0, 3), func(n ast.Node) bool { _, ok := n.(*ast.Variable); return ok }).(*ast.Variable)
	if conv := k.prog.Info.Conversions[rhs]; conv == nil || conv.String() != "uint64" {
		t.Errorf("conversion of $a: %v", conv)
	}
}

func TestNeverPanics(t *testing.T) {
	inputs := []string{
		"", "begin", "begin {", "begin { $ }", "begin { @[", "macro m(", "fn f(",
		"begin { (", "begin { print(1 + ) }", "config = { x = }", "let @x = ;",
		"begin { for ($i : ) {} }", "begin { $a = (struct", "begin { m!( }",
		"macro a() { b() } macro b() { a() } begin { a(); }",
		"begin { @x = @x + 1; @y[@y[1]] = 1; }",
		"begin { $x = $x; }", "begin { let $x: typeof($x) = 1; }",
		"kprobe:f { $t = (struct task_struct *)0; $t->a->b->c = 1; }",
		"begin { print(((((((((((1)))))))))))); }",
	}
	for _, in := range inputs {
		src := source.NewFile("x.bt", []byte(in))
		f, _ := parser.ParseFile(src)
		for _, cfg := range []Config{{}, {Kernel: newFakeKernel(), C: newFakeC()}, {Kernel: permissiveKernel{}}} {
			prog := Check([]*ast.File{f}, cfg)
			for _, d := range prog.Diags {
				if d.Code == CodeInternal {
					t.Errorf("%q: %s\n%s", in, d.Message, d.Hint)
				}
			}
		}
	}
}

func TestParamsRecorded(t *testing.T) {
	k := checkText(t, `begin {
  $a = getopt("count", 5, "how many");
  $b = getopt("verbose");
  $c = getopt("name", "x");
  $d = getopt("neg", -3);
  printf("%d %d %d %s %d\n", $a, $3, $#, $c, $d);
  print($b);
  $arr = (int8[])$a;
  print($arr);
}
`, Config{Kernel: newFakeKernel()})
	k.noErrors()
	p := k.prog
	if p.Positional != 3 || !p.UsesParamCount {
		t.Errorf("positional: %d, $#: %v", p.Positional, p.UsesParamCount)
	}
	want := []struct {
		name, typ string
		def       any
	}{{"count", "uint64", int64(5)}, {"verbose", "bool", false}, {"name", "string[1024]", "x"}, {"neg", "int64", int64(-3)}}
	if len(p.NamedParams) != len(want) {
		t.Fatalf("named params: %+v", p.NamedParams)
	}
	for i, w := range want {
		np := p.NamedParams[i]
		if np.Name != w.name || np.Type.String() != w.typ || np.Default != w.def {
			t.Errorf("param %d: %s %v %v, want %+v", i, np.Name, np.Type, np.Default, w)
		}
	}
	if p.NamedParams[0].Doc != "how many" {
		t.Errorf("doc: %q", p.NamedParams[0].Doc)
	}
	// The value read.
	if tv := k.typeAt(2, 3); tv == nil || tv.String() != "uint64" {
		t.Errorf("$a: %v", tv)
	}
	// (int8[]) takes its length from the operand.
	if tv := k.typeAt(8, 3); tv == nil || tv.String() != "int8[8]" {
		t.Errorf("$arr: %v", tv)
	}
}

func TestForLoopVariableTypes(t *testing.T) {
	k := checkText(t, `begin {
  @m[1] = "a";
  @k[1, "x"] = (uint64)2;
  for ($kv : @m) { print($kv); }
  for ($e : @k) { print($e); }
  for ($i : 0..(uint32)10) { print($i); }
}
`, Config{Kernel: newFakeKernel()})
	k.noErrors()
	for _, c := range []struct {
		line, col int
		want      string
	}{{4, 8, "(int8, string[2])"}, {5, 8, "((int8, string[2]), uint64)"}, {6, 8, "uint32"}} {
		if tv := k.typeAt(c.line, c.col); tv == nil || tv.String() != c.want {
			t.Errorf("%d:%d: %v, want %s", c.line, c.col, tv, c.want)
		}
	}
}

func TestClone(t *testing.T) {
	src := source.NewFile("c.bt", []byte(`begin { if ($a > 1) { @m[$a, "x"] = (1, (b = 2)); } else { $s = str(arg0); } for ($i : 0..3) { print($i); } }`))
	f, _ := parser.ParseFile(src)
	body := f.Decls[0].(*ast.Probe).Body
	cp := Clone(body)
	if ast.Dump(cp) != ast.Dump(body) {
		t.Fatalf("clone differs:\n%s\n%s", ast.Dump(cp), ast.Dump(body))
	}
	orig := map[ast.Node]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		if n != nil {
			orig[n] = true
		}
		return true
	})
	shared := 0
	ast.Inspect(cp, func(n ast.Node) bool {
		if n != nil && orig[n] {
			shared++
		}
		return true
	})
	if shared != 0 {
		t.Errorf("%d nodes shared between the clone and the original", shared)
	}
	if cp.Pos() != body.Pos() || cp.End() != body.End() {
		t.Errorf("clone positions %d-%d, want %d-%d", cp.Pos(), cp.End(), body.Pos(), body.End())
	}
}

func TestConfigRecorded(t *testing.T) {
	k := checkText(t, "config = { BPFTRACE_MAX_STRLEN = 32; stack_mode = perf }\nkprobe:vfs_read { $s = str(arg1); print($s); @[kstack] = count(); }\n", Config{Kernel: newFakeKernel()})
	k.noErrors()
	if v := k.prog.Config["max_strlen"]; v.Value != int64(32) {
		t.Errorf("max_strlen: %+v", v)
	}
	if v := k.prog.Config["stack_mode"]; v.Value != "perf" {
		t.Errorf("stack_mode: %+v", v)
	}
	if tv := k.typeAt(2, 19); tv == nil || tv.String() != "string[32]" {
		t.Errorf("str() with max_strlen 32: %v", tv)
	}
	if m := k.prog.Map("@"); m == nil || m.Key == nil || m.Key.String() != "kstack(perf, 127)" {
		t.Errorf("kstack key: %+v", m)
	}
}

func TestConcurrentChecks(t *testing.T) {
	src := source.NewFile("c.bt", []byte(`macro twice(x) { x + x }
kprobe:vfs_read { @c[comm] = count(); $v = twice(arg2); printf("%d %s\n", $v, str(arg1)); }
tracepoint:syscalls:sys_enter_openat { @f[tid] = args.filename; }
`))
	f, _ := parser.ParseFile(src)
	k := newFakeKernel()
	done := make(chan *Program)
	for i := 0; i < 8; i++ {
		go func() { done <- Check([]*ast.File{f}, Config{Kernel: k, C: newFakeC()}) }()
	}
	var first string
	for i := 0; i < 8; i++ {
		p := <-done
		got := ""
		for _, m := range p.Maps {
			got += m.Name + ":" + typeName(m.Key) + ":" + typeName(m.Value) + " "
		}
		got += fmt.Sprint(len(p.Diags))
		if i == 0 {
			first = got
		} else if got != first {
			t.Errorf("results differ: %q vs %q", got, first)
		}
	}
}

func TestProbeContext(t *testing.T) {
	k := checkText(t, "kprobe:vfs_read { }\nbegin { }\n", Config{Kernel: newFakeKernel()})
	if c := k.prog.Probes[0].Context; c == nil || c.String() != "struct pt_regs *" {
		t.Errorf("kprobe context: %v", c)
	}
	if c := k.prog.Probes[1].Context; c != nil {
		t.Errorf("begin context: %v", c)
	}
}
