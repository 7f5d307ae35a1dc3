package kernelcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// firstTarget runs FirstTargetArgs on the single attach point of src's
// first probe.
func firstTarget(t testing.TB, k check.Kernel, src string) (TargetArgs, bool) {
	t.Helper()
	sf := source.NewFile("test.bt", []byte(src))
	f, _ := parser.ParseFile(sf)
	for _, d := range f.Decls {
		if p, ok := d.(*ast.Probe); ok {
			return FirstTargetArgs(k, p.AttachPoints[0], sf)
		}
	}
	t.Fatalf("no probe in %q", src)
	return TargetArgs{}, false
}

// sameArgs fails unless FirstTargetArgs gave what Resolve gives for
// its target alone.
func sameArgs(t testing.TB, k check.Kernel, ta TargetArgs) {
	t.Helper()
	ai, ds := resolveOne(t, k, ta.Target+" { }")
	wantNoDiags(t, ds)
	if ai.ArgsType == nil || !types.Identical(ai.ArgsType, ta.Type) {
		t.Errorf("%s: type %v, Resolve's %v", ta.Target, ta.Type, ai.ArgsType)
	}
	if len(ai.Args) != len(ta.Args) {
		t.Fatalf("%s: %d args, Resolve's %d", ta.Target, len(ta.Args), len(ai.Args))
	}
	for i, a := range ai.Args {
		b := ta.Args[i]
		if a.Name != b.Name || a.Decl != b.Decl || a.Offset != b.Offset || !types.Identical(a.Type, b.Type) {
			t.Errorf("%s: arg %d is %+v, Resolve's %+v", ta.Target, i, b, a)
		}
	}
}

// FirstTargetArgs types the first target of an attach point as Resolve
// types that target, wildcard or not, with each argument's C
// declaration.
func TestFirstTargetArgs(t *testing.T) {
	kernels(t, func(t *testing.T, k *kernelView) {
		ta, ok := firstTarget(t, k, "tracepoint:sched:sched_switch { }")
		if !ok || ta.Target != "tracepoint:sched:sched_switch" {
			t.Fatalf("sched_switch: %+v %v", ta, ok)
		}
		sameArgs(t, k, ta)
		for _, a := range ta.Args {
			if !strings.HasSuffix(a.Decl, a.Name) && !strings.Contains(a.Decl, a.Name+"[") {
				t.Errorf("%s: decl %q", a.Name, a.Decl)
			}
		}
		if ta.Args[0].Name != "prev_comm" || ta.Args[0].Decl != "char prev_comm[16]" {
			t.Errorf("prev_comm: %+v", ta.Args[0])
		}

		// A wildcard: its first match with typed arguments (a BTF
		// catalogue has bare tracepoints, without a record, first), typed
		// alone.
		ta, ok = firstTarget(t, k, "tracepoint:sched:sched_* { }")
		ai, _ := resolveOne(t, k, "tracepoint:sched:sched_* { }")
		at := slices.Index(ai.Targets, ta.Target)
		if !ok || len(ai.Targets) < 2 || at < 0 {
			t.Fatalf("sched_*: %+v %v, Resolve's targets %v", ta, ok, ai.Targets)
		}
		for _, before := range ai.Targets[:at] {
			if b, _ := resolveOne(t, k, before+" { }"); b.ArgsType != nil && len(b.ArgsType.Fields()) > 0 {
				t.Errorf("sched_*: %s has args and comes before %s", before, ta.Target)
			}
		}
		sameArgs(t, k, ta)

		fa, ok := firstTarget(t, k, "fentry:vfs_read { }")
		if !ok || fa.Source != "btf" {
			t.Fatalf("fentry: %+v %v", fa, ok)
		}
		sameArgs(t, k, fa)
		if fa.Args[0].Decl != "struct file *file" {
			t.Errorf("vfs_read's file: %+v", fa.Args[0])
		}

		// Past max_bpf_progs (the checker types none) and past functions
		// without parameters.
		if wa, ok := firstTarget(t, k, "fentry:* { }"); !ok || len(wa.Args) == 0 {
			t.Errorf("fentry:*: %+v %v", wa, ok)
		}

		ra, ok := firstTarget(t, k, "rawtracepoint:sched_switch { }")
		if !ok {
			t.Fatal("no raw tracepoint args")
		}
		sameArgs(t, k, ra)
		if _, found := ra.Type.Field("next"); !found {
			t.Errorf("raw sched_switch: %v", fieldNames(ra.Type))
		}

		// No typed args, or nothing matched: no answer, and no panic.
		for _, src := range []string{"kprobe:vfs_read { }", "tracepoint:sched:no_such_event { }", "tracepoint:no_such_*:x* { }",
			"fentry:no_such_function_x { }", "iter:task { }", "begin { }", "profile:hz:99 { }", "tracepoint:sched:$1 { }"} {
			if ta, ok := firstTarget(t, k, src); ok {
				t.Errorf("%s: %+v", src, ta)
			}
		}
	})
	if _, ok := FirstTargetArgs(nil, nil, nil); ok {
		t.Error("nil kernel")
	}
}

// Where the checker types no args — a wildcard beyond max_bpf_progs —
// FirstTargetArgs still gives the first target's.
func TestFirstTargetArgsBeyondMaxProgs(t *testing.T) {
	k := liveKernel(t)
	src := "tracepoint:sched:sched_* { }"
	sf := source.NewFile("test.bt", []byte(src))
	f, _ := parser.ParseFile(sf)
	ap := f.Decls[0].(*ast.Probe).AttachPoints[0]
	view := k.ForScript(check.KernelScript{Config: check.KernelConfig{MaxBPFProgs: 1}})
	ai, ds := view.Resolve(ap, sf)
	if !hasCode(ds, check.CodeTooManyProbes) || ai.ArgsType != nil {
		t.Fatalf("Resolve: %v, args %v", codes(ds), ai.ArgsType)
	}
	ta, ok := FirstTargetArgs(view, ap, sf)
	if !ok || !strings.HasPrefix(ta.Target, "tracepoint:sched:sched_") || len(ta.Args) == 0 {
		t.Fatalf("FirstTargetArgs: %+v %v", ta, ok)
	}
}

// Declarations survive a wildcard's merge where the targets agree on the
// type; a field whose type differs has none.
func TestArgsDeclMerged(t *testing.T) {
	intT := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	longT := &btf.Int{Name: "long", Size: 8, Encoding: btf.Signed}
	fn := func(name string, params ...btf.FuncParam) *btf.Func {
		return &btf.Func{Name: name, Linkage: btf.GlobalFunc, Type: &btf.FuncProto{Return: intT, Params: params}}
	}
	k := builtKernel(t,
		fn("bar_a", btf.FuncParam{Name: "x", Type: intT}, btf.FuncParam{Name: "same", Type: longT}),
		fn("bar_b", btf.FuncParam{Name: "x", Type: longT}, btf.FuncParam{Name: "same", Type: longT}))
	ai, _ := resolveOne(t, k, "fentry:bar_* { }")
	decls := map[string]string{}
	for _, a := range ai.Args {
		decls[a.Name] = a.Decl
	}
	if decls["same"] != "long same" || decls["x"] != "" {
		t.Errorf("merged decls %q", decls)
	}
	ta, ok := firstTarget(t, k, "fentry:bar_* { }")
	if !ok || ta.Target != "fentry:vmlinux:bar_a" || len(ta.Args) != 2 || ta.Args[0].Decl != "int x" || !types.Identical(ta.Args[0].Type, types.Int32) {
		t.Errorf("first target: %+v %v", ta, ok)
	}
}

// A uprobe's first matching function, typed from DWARF.
func TestFirstTargetArgsUprobe(t *testing.T) {
	k := liveKernel(t)
	cc := ""
	for _, c := range []string{"cc", "gcc", "clang"} {
		if p, err := exec.LookPath(c); err == nil {
			cc = p
			break
		}
	}
	if cc == "" {
		t.Skip("no C compiler")
	}
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "prog.c"), filepath.Join(dir, "prog")
	if err := os.WriteFile(src, []byte(`
__attribute__((noinline)) int handle_one(unsigned long n, const char *msg) { return (int)n + msg[0]; }
__attribute__((noinline)) int handle_two(int k) { return k; }
int main(void) { return handle_one(3, "m") + handle_two(1); }
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cc, "-g", "-O0", "-o", bin, src).CombinedOutput(); err != nil {
		t.Skipf("cannot compile: %v %s", err, out)
	}
	ta, ok := firstTarget(t, k, "uprobe:"+bin+":handle_* { }")
	if !ok || !strings.HasPrefix(ta.Target, "uprobe:"+bin+":handle_") || ta.Source != "dwarf" {
		t.Fatalf("uprobe: %+v %v", ta, ok)
	}
	sameArgs(t, k, ta)
	for _, a := range ta.Args {
		if a.Decl == "" || !strings.HasSuffix(a.Decl, " "+a.Name) {
			t.Errorf("%s: decl %q", a.Name, a.Decl)
		}
	}
	var ds diag.List
	if _, ds = resolveOne(t, k, "uprobe:"+bin+":handle_one { }"); len(ds) != 0 {
		t.Errorf("%v", codes(ds))
	}
}
