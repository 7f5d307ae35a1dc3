package check

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/cfront"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// cfrontModes runs f with clang (skipped when it is not installed; the
// built-in reader's fast path off) and with cfront's built-in fallback.
func cfrontModes(t *testing.T, f func(t *testing.T, clang string)) {
	t.Run("clang", func(t *testing.T) {
		c := cfront.FindClang()
		if c == "" {
			t.Skip("no clang")
		}
		cscopeAlwaysClang = true
		defer func() { cscopeAlwaysClang = false }()
		f(t, c)
	})
	t.Run("fallback", func(t *testing.T) { f(t, "none") })
}

func parseScript(t testing.TB, name, src string) *ast.File {
	t.Helper()
	f, pd := parser.ParseFile(source.NewFile(name, []byte(src)))
	for _, d := range pd {
		if d.Severity == diag.Error {
			t.Fatalf("parse: %s", d.Error())
		}
	}
	return f
}

func diagsWith(l diag.List, code diag.Code) diag.List {
	var out diag.List
	for _, d := range l {
		if d.Code == code {
			out = append(out, d)
		}
	}
	return out
}

func TestCScopeScriptC(t *testing.T) {
	cfrontModes(t, func(t *testing.T, clang string) {
		src := `#define FOO 3
#define NAME "bt"
enum color { RED = 1, GREEN };
struct point { int x; long y; char tag[8]; };
typedef unsigned int myu32;
begin { $p = (struct point *)0; @[FOO + GREEN] = count(); }
`
		f := parseScript(t, "c.bt", src)
		cs, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: clang, NoCache: true})
		for _, d := range ds {
			if d.Severity <= diag.Warning {
				t.Errorf("C: %s", d.Error())
			}
		}
		if cs == nil {
			t.Fatal("no scope")
		}
		pt, ok := cs.Type("struct point")
		if !ok {
			t.Fatalf("no struct point; names %v", cs.Names())
		}
		st := pt.(*types.Struct)
		if y, _ := st.Field("y"); y.BitOffset != 64 || st.Size() != 24 {
			t.Errorf("point layout: y at %d, size %d", y.BitOffset, st.Size())
		}
		if tag, _ := st.Field("tag"); !types.Identical(tag.Type, &types.String{Len: 8}) && !types.Identical(tag.Type, &types.Array{Elem: types.Int8, Len: 8}) {
			t.Errorf("tag %v", tag.Type)
		}
		if _, ok := cs.Type("myu32"); !ok {
			t.Error("no typedef myu32")
		}
		if d, ok := cs.Define("FOO"); !ok || d.Value != int64(3) || d.Loc.Line != 1 {
			t.Errorf("FOO %+v", d)
		}
		if d, ok := cs.Define("NAME"); !ok || d.Value != "bt" {
			t.Errorf("NAME %+v", d)
		}
		if d, ok := cs.Define("GREEN"); !ok || d.Value != int64(2) || d.Loc.Line != 3 {
			t.Errorf("GREEN %+v", d)
		}
		if !contains(cs.Names(), "struct point") || !contains(cs.Names(), "FOO") {
			t.Errorf("names %v", cs.Names())
		}
		// The checker sees it.
		prog := Check([]*ast.File{f}, Config{C: cs})
		for _, d := range prog.Diags {
			if d.Severity == diag.Error {
				t.Errorf("check: %s", d.Error())
			}
		}
	})
}

// countingRunner counts clang runs.
type countingRunner struct {
	mu sync.Mutex
	n  int
}

func (r *countingRunner) Run(ctx context.Context, dir string, argv []string, stdout io.Writer) ([]byte, int, error) {
	r.mu.Lock()
	r.n++
	r.mu.Unlock()
	return cfront.ExecRunner{}.Run(ctx, dir, argv, stdout)
}

// C that the built-in reader takes whole is not given to clang; C with
// an #include is.
func TestCScopeFastPath(t *testing.T) {
	c := cfront.FindClang()
	if c == "" {
		t.Skip("no clang")
	}
	for _, tc := range []struct {
		src   string
		clang bool
	}{
		{"#ifndef BPFTRACE_HAVE_BTF\n#include <linux/sched.h>\nstruct x { struct load_weight w; };\n#endif\nbegin { }\n", false},
		{"#define AF_INET 2\nstruct point { int x, y; };\nbegin { }\n", false},
		{"#include <linux/types.h>\nbegin { }\n", true},
	} {
		r := &countingRunner{}
		f := parseScript(t, "fast.bt", tc.src)
		_, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Kernel: liveKernel(t), Clang: c, NoCache: true, Runner: r})
		if ds.HasErrors() {
			t.Errorf("%q: %v", tc.src, ds)
		}
		if (r.n > 0) != tc.clang {
			t.Errorf("%q: clang ran %d times, want it to run: %v", tc.src, r.n, tc.clang)
		}
	}
}

// Without clang included headers are not read: the scope says it is
// partial, so that callers check without it.
func TestCScopeComplete(t *testing.T) {
	src := "#include <linux/types.h>\n#define MINE 1\nbegin { }\n"
	cfrontModes(t, func(t *testing.T, clang string) {
		cs, _ := NewCScope([]*ast.File{parseScript(t, "p.bt", src)}, nil, CScopeConfig{Clang: clang, NoCache: true})
		if got, want := CScopeComplete(cs), clang != "none"; got != want {
			t.Errorf("complete %v, want %v", got, want)
		}
		if _, ok := cs.Define("MINE"); !ok {
			t.Error("no MINE")
		}
	})
	cs, _ := NewCScope([]*ast.File{parseScript(t, "q.bt", "#define ONLY 1\nbegin { }\n")}, nil, CScopeConfig{Clang: "none"})
	if !CScopeComplete(cs) {
		t.Error("C without includes is partial")
	}
}

func TestCScopeNone(t *testing.T) {
	f := parseScript(t, "n.bt", "begin { }")
	if cs, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: "none"}); cs != nil || len(ds) != 0 {
		t.Errorf("a script without C has a C scope: %v %v", cs, ds)
	}
}

// A C error in the script is positioned in the script.
func TestCScopePositions(t *testing.T) {
	cfrontModes(t, func(t *testing.T, clang string) {
		src := "#define A 1\n\nstruct bad {\n  int x;\n  struct nosuch_type_xyz y;\n};\nbegin { }\n"
		f := parseScript(t, "pos.bt", src)
		_, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: clang, NoCache: true})
		var errs diag.List
		for _, d := range ds {
			if d.Severity == diag.Error {
				errs = append(errs, d)
			}
		}
		if len(errs) == 0 {
			t.Fatalf("no error; %v", ds)
		}
		p := errs[0].Start()
		if errs[0].File.Name != "pos.bt" || p.Line != 5 || !strings.Contains(errs[0].Message, "nosuch_type_xyz") {
			t.Errorf("error at %s:%d:%d: %s", p.Filename, p.Line, p.Column, errs[0].Message)
		}
	})
}

func TestCScopeMissingInclude(t *testing.T) {
	src := "#include <linux/nosuch_header_xyz.h>\n#include \"nosuch_local_xyz.h\"\nbegin { }\n"
	t.Run("no-btf", func(t *testing.T) {
		c := cfront.FindClang()
		if c == "" {
			t.Skip("no clang")
		}
		f := parseScript(t, "inc.bt", src)
		_, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: c, NoCache: true})
		mi := diagsWith(ds, CodeMissingInclude)
		if len(mi) != 1 || mi[0].Severity != diag.Error || !strings.Contains(mi[0].Message, "<linux/nosuch_header_xyz.h>") {
			t.Fatalf("missing-include: %v", ds)
		}
		if p := mi[0].Start(); p.Line != 1 || p.Column != 10 {
			t.Errorf("at %d:%d", p.Line, p.Column)
		}
		// A header of the script's own stays an include error.
		if nf := diagsWith(ds, cfront.CodeIncludeNotFound); len(nf) != 1 || nf[0].Start().Line != 2 {
			t.Errorf("local include: %v", ds)
		}
	})
	t.Run("btf", func(t *testing.T) {
		c := cfront.FindClang()
		if c == "" {
			t.Skip("no clang")
		}
		k := liveKernel(t)
		f := parseScript(t, "inc.bt", src)
		_, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Kernel: k, Clang: c, NoCache: true})
		mi := diagsWith(ds, CodeMissingInclude)
		if len(mi) != 1 || mi[0].Severity != diag.Warning || !strings.Contains(mi[0].Message, "come from the kernel's BTF") {
			t.Fatalf("missing-include: %v", ds)
		}
	})
}

// The script's C may use kernel types it does not define: with clang and
// BTF they come from BTF, as in bpftrace.
func TestCScopeTypesFromBTF(t *testing.T) {
	c := cfront.FindClang()
	if c == "" {
		t.Skip("no clang")
	}
	k := liveKernel(t)
	src := "struct holder { struct path p; u32 n; };\nbegin { }\n"
	f := parseScript(t, "btf.bt", src)
	cs, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Kernel: k, Clang: c, NoCache: true})
	for _, d := range ds {
		if d.Severity == diag.Error {
			t.Errorf("C: %s", d.Error())
		}
	}
	ht, ok := cs.Type("struct holder")
	if !ok {
		t.Fatalf("no struct holder: %v", cs.Names())
	}
	kpath, _ := k.Type("struct path")
	p, _ := ht.(*types.Struct).Field("p")
	n, _ := ht.(*types.Struct).Field("n")
	if p.Type.Size() != kpath.Size() || n.BitOffset != kpath.Size()*8 {
		t.Errorf("holder: p %v (%d bytes), n at bit %d; kernel path is %d bytes", p.Type, p.Type.Size(), n.BitOffset, kpath.Size())
	}
	// The BTF types themselves are the kernel's, not the C scope's.
	if _, ok := cs.Type("struct path"); ok {
		t.Error("struct path is in the C scope")
	}
	// Without BTF the same C is an error.
	_, ds = NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: c, NoCache: true})
	if !diag.List(ds).HasErrors() {
		t.Error("no error without BTF")
	}
	// A script that defines a kernel type itself is read as written.
	f = parseScript(t, "own.bt", "struct path { int mine; };\nstruct holder { struct path p; };\nbegin { }\n")
	cs, ds = NewCScope([]*ast.File{f}, nil, CScopeConfig{Kernel: k, Clang: c, NoCache: true})
	if ds.HasErrors() {
		t.Errorf("own definitions: %v", ds)
	}
	if pt, ok := cs.Type("struct path"); !ok || pt.Size() != 4 {
		t.Errorf("own struct path: %v", pt)
	}
	// Without clang the fallback says what clang would do.
	_, ds = NewCScope([]*ast.File{parseScript(t, "fb.bt", src)}, nil, CScopeConfig{Kernel: k, Clang: "none", NoCache: true})
	if errs := diagsWith(ds, cfront.CodeCError); len(errs) == 0 || !strings.Contains(errs[0].Hint, "clang") {
		t.Errorf("fallback: %v", ds)
	}
}

func TestCScopeImportedHeader(t *testing.T) {
	cfrontModes(t, func(t *testing.T, clang string) {
		dir := t.TempDir()
		h := filepath.Join(dir, "lib.h")
		os.WriteFile(h, []byte("#define LIMIT 64\nstruct rec { unsigned long long ts; int pid; };\nint lib_helper(struct rec *r, int flags);\n"), 0o644)
		script := filepath.Join(dir, "main.bt")
		src := "import \"lib.h\";\nbegin { @[LIMIT] = count(); }\n"
		os.WriteFile(script, []byte(src), 0o644)
		f := parseScript(t, script, src)
		imp := NewFileImporter()
		scripts, cimps := Gather(imp, f)
		if len(scripts) != 0 || len(cimps) != 1 || cimps[0].Path != h {
			t.Fatalf("gather: %v %v", scripts, cimps)
		}
		if cimps[0].At.File != f.Source || cimps[0].At.Start().Line != 1 {
			t.Errorf("import at %v", cimps[0].At.Start())
		}
		cs, ds := NewCScope([]*ast.File{f}, cimps, CScopeConfig{Clang: clang, NoCache: true})
		if ds.HasErrors() {
			t.Fatalf("C: %v", ds)
		}
		if d, ok := cs.Define("LIMIT"); !ok || d.Value != int64(64) || d.Loc.Path != h {
			t.Errorf("LIMIT %+v", d)
		}
		fn, ok := cs.Func("lib_helper")
		if !ok || len(fn.Params) != 2 || fn.Params[0].Name != "r" || !types.Identical(types.Underlying(fn.Result), types.Int32) {
			t.Fatalf("lib_helper %+v", fn)
		}
		if fn.Loc.Path != h || fn.Loc.Line != 3 {
			t.Errorf("lib_helper at %+v", fn.Loc)
		}
		if rt, ok := cs.Type("struct rec"); !ok || rt.Size() != 16 {
			t.Errorf("struct rec %v", rt)
		}
		// An error in the header is positioned in the header.
		os.WriteFile(h, []byte("struct broken {\n  int a;\n  undefined_type_xyz b;\n};\n"), 0o644)
		_, ds = NewCScope([]*ast.File{f}, cimps, CScopeConfig{Clang: clang, NoCache: true})
		var errs diag.List
		for _, d := range ds {
			if d.Severity == diag.Error {
				errs = append(errs, d)
			}
		}
		if len(errs) == 0 || errs[0].File == nil || errs[0].File.Name != h || errs[0].Start().Line != 3 {
			t.Errorf("header error: %v", ds)
		}
		// A missing import is an error at the import.
		_, ds = NewCScope([]*ast.File{f}, []CImport{{Path: filepath.Join(dir, "gone.h"), At: cimps[0].At}}, CScopeConfig{Clang: clang, NoCache: true})
		if len(ds) != 1 || ds[0].Code != CodeImport || ds[0].File != f.Source {
			t.Errorf("missing file: %v", ds)
		}
	})
}

var vmlinuxCacheOnce sync.Once
var vmlinuxCacheDir string

// TestCScopeVmlinux imports BPF C that includes vmlinux.h: the header is
// written from the kernel's BTF and cached per BTF identity.
func TestCScopeVmlinux(t *testing.T) {
	if testing.Short() {
		t.Skip("precompiles vmlinux.h")
	}
	c := cfront.FindClang()
	if c == "" {
		t.Skip("no clang")
	}
	k := liveKernel(t)
	vmlinuxCacheOnce.Do(func() { vmlinuxCacheDir, _ = os.MkdirTemp("", "bt-vmlinux-test-") })
	dir := t.TempDir()
	lib := filepath.Join(dir, "task.bpf.c")
	os.WriteFile(lib, []byte(`#include "vmlinux.h"
#define MY_COMM_LEN 16
struct seen { pid_t pid; char comm[MY_COMM_LEN]; enum pid_type kind; };
static int task_pid_of(struct task_struct *t) { return t->pid; }
`), 0o644)
	f := parseScript(t, filepath.Join(dir, "main.bt"), "import \"task.bpf.c\";\nbegin { }\n")
	_, cimps := Gather(NewFileImporter(), f)
	cfg := CScopeConfig{Kernel: k, Clang: c, CacheDir: vmlinuxCacheDir}
	cs, ds := NewCScope([]*ast.File{f}, cimps, cfg)
	if ds.HasErrors() {
		t.Fatalf("C: %v", ds)
	}
	st, ok := cs.Type("struct seen")
	if !ok {
		t.Fatalf("no struct seen: %v", cs.Names())
	}
	if kind, _ := st.(*types.Struct).Field("kind"); kind.BitOffset != 20*8 {
		t.Errorf("seen.kind at %d", kind.BitOffset/8)
	}
	fn, ok := cs.Func("task_pid_of")
	if !ok || len(fn.Params) != 1 {
		t.Fatalf("task_pid_of %+v", fn)
	}
	if p, ok := fn.Params[0].Type.(*types.Pointer); !ok || p.Elem.(*types.Struct).Name != "task_struct" {
		t.Errorf("param %v", fn.Params[0].Type)
	}
	// vmlinux.h's own types are the kernel's.
	if _, ok := cs.Type("struct task_struct"); ok {
		t.Error("task_struct is in the C scope")
	}
	cached := filepath.Join(vmlinuxCacheDir, "vmlinux-"+k.idx.Identity()+".h")
	if st, err := os.Stat(cached); err != nil || st.Size() < 1<<20 {
		t.Errorf("vmlinux.h not cached at %s: %v", cached, err)
	}
	// Without a kernel vmlinux.h is missing: an error.
	_, ds = NewCScope([]*ast.File{f}, cimps, CScopeConfig{Clang: c, NoCache: true})
	if mi := diagsWith(ds, CodeMissingInclude); len(mi) != 1 || mi[0].Severity != diag.Error || mi[0].File.Name != lib {
		t.Errorf("no kernel: %v", ds)
	}
}

func TestFileImporter(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "lib"), 0o755)
	os.WriteFile(filepath.Join(dir, "lib", "a.bt"), []byte("macro twice(x) { x * 2 }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "lib", "b.bt"), []byte("import \"../c.h\";\nmacro thrice(x) { x * 3 }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "lib", "notes.txt"), []byte("ignored in a directory"), 0o644)
	os.WriteFile(filepath.Join(dir, "c.h"), []byte("#define C_VALUE 7\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.bt"), []byte("begin { $x = }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "x.txt"), []byte(""), 0o644)
	main := filepath.Join(dir, "main.bt")
	src := "import \"lib\";\nbegin { @[twice(1) + thrice(2) + C_VALUE] = count(); }\n"
	f := parseScript(t, main, src)
	imp := NewFileImporter()
	scripts, cimps := Gather(imp, f)
	if len(scripts) != 2 || scripts[0].Source.Name != filepath.Join(dir, "lib", "a.bt") || scripts[1].Source.Name != filepath.Join(dir, "lib", "b.bt") {
		t.Fatalf("scripts %v", scripts)
	}
	if len(cimps) != 1 || cimps[0].Path != filepath.Join(dir, "c.h") || cimps[0].At.File != scripts[1].Source {
		t.Fatalf("C imports %v", cimps)
	}
	cs, ds := NewCScope(append([]*ast.File{f}, scripts...), cimps, CScopeConfig{Clang: "none"})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	prog := Check([]*ast.File{f}, Config{Importer: imp, C: cs})
	for _, d := range prog.Diags {
		if d.Severity == diag.Error {
			t.Errorf("check: %s", d.Error())
		}
	}
	if len(prog.Files) != 3 {
		t.Errorf("checked %d files", len(prog.Files))
	}
	// The same file parses once.
	again, _ := imp.Import(f.Source, "lib/a.bt")
	if again.Scripts[0] != scripts[0] {
		t.Error("a.bt parsed twice")
	}
	// Errors: unknown type, missing file; syntax errors of imports.
	if _, err := imp.Import(f.Source, "x.txt"); err == nil || !strings.Contains(err.Error(), "unknown import type") {
		t.Errorf("x.txt: %v", err)
	}
	if _, err := imp.Import(f.Source, "missing.bt"); err == nil {
		t.Error("missing.bt imported")
	}
	if _, err := imp.Import(f.Source, "bad.bt"); err != nil {
		t.Fatal(err)
	}
	if ds := imp.Diags(); !ds.HasErrors() || ds[0].File.Name != filepath.Join(dir, "bad.bt") {
		t.Errorf("syntax errors of imports: %v", ds)
	}
	// Absolute paths are used as they are.
	if res, err := imp.Import(source.NewFile("-", nil), filepath.Join(dir, "c.h")); err != nil || len(res.CFiles) != 1 {
		t.Errorf("absolute: %v %v", res, err)
	}
}

// A script's struct, union or enum definition needs no closing ';'
// (bpftrace adds it); a real C error in the definition is still one.
func TestCScopeDefinitionWithoutSemicolon(t *testing.T) {
	cfrontModes(t, func(t *testing.T, clang string) {
		for _, tc := range []struct {
			src    string
			errors bool
		}{
			{"struct A { int x; }\nenum E { E1 = 4, E2 } // trailing comment\nunion U { int a; long b; } /* c */\nkprobe:f { $p = (struct A *)arg0; @[$p->x, E2] = sizeof(union U); }\n", false},
			{"struct A { int x; };\nkprobe:f { $p = (struct A *)arg0; @ = $p->x; }\n", false},
			{"struct A { nosuchtype x; }\nkprobe:f { $p = (struct A *)arg0; @ = $p->x; }\n", true},
		} {
			f := parseScript(t, "semi.bt", tc.src)
			cs, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: clang, NoCache: true})
			all := append(diag.List{}, ds...)
			if cs != nil {
				all = append(all, Check([]*ast.File{f}, Config{C: cs}).Diags...)
			}
			if all.HasErrors() != tc.errors {
				t.Errorf("%q: errors %v, want %v: %v", tc.src, all.HasErrors(), tc.errors, all)
			}
		}
	})
}

// The UAPI <linux/ip.h> and <linux/ipv6.h> declare their address members
// through __struct_group (an anonymous union of an anonymous struct and
// a named one, all from one macro expansion): every member is reachable.
func TestCScopeStructGroupHeaders(t *testing.T) {
	for _, h := range []string{"/usr/include/linux/ip.h", "/usr/include/linux/ipv6.h"} {
		if _, err := os.Stat(h); err != nil {
			t.Skipf("%s is not installed (linux-libc-dev)", h)
		}
	}
	cfrontModes(t, func(t *testing.T, clang string) {
		src := `#include <linux/ip.h>
#include <linux/ipv6.h>
kprobe:f {
	$ip = (struct iphdr *)arg0;
	$ip6 = (struct ipv6hdr *)arg1;
	@[$ip->saddr, $ip->daddr, $ip->addrs.saddr] = count();
	@six[$ip6->saddr.in6_u.u6_addr32[0], $ip6->addrs.daddr.in6_u.u6_addr8[1]] = count();
}
`
		f := parseScript(t, "group.bt", src)
		// As bt check does: with the kernel's BTF beside the headers and
		// a cache; the second run reads the headers precompiled.
		cache := t.TempDir()
		for run := 1; run <= 2; run++ {
			cfront.ResetCache()
			cs, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: clang, CacheDir: cache, Kernel: liveKernel(t)})
			all := append(diag.List{}, ds...)
			if cs == nil || !CScopeComplete(cs) {
				t.Skipf("no complete C scope in this mode: %v", ds)
			}
			all = append(all, Check([]*ast.File{f}, Config{C: cs}).Diags...)
			if all.HasErrors() {
				t.Errorf("run %d: errors: %v", run, all)
			}
		}
	})
}

// A C char array compares with a string (== and != only), as bpftrace
// allows; other arrays do not.
func TestCharArrayComparesWithString(t *testing.T) {
	cfrontModes(t, func(t *testing.T, clang string) {
		for _, tc := range []struct {
			expr string
			ok   bool
		}{
			{`$s->name == "abc"`, true},
			{`"a much longer string" != $s->name`, true},
			{`$s->ids == "abc"`, false},
			{`$s->name < "abc"`, false},
		} {
			src := "struct Named { char name[4]; int ids[4]; };\nkprobe:f { $s = (struct Named *)arg0; if (" + tc.expr + ") { print(1); } }\n"
			f := parseScript(t, "chars.bt", src)
			cs, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: clang, NoCache: true})
			all := append(diag.List{}, ds...)
			all = append(all, Check([]*ast.File{f}, Config{C: cs}).Diags...)
			if all.HasErrors() == tc.ok {
				t.Errorf("%s: errors %v, want ok=%v", tc.expr, all, tc.ok)
			}
		}
	})
}

// A script enum's enumerators are values of the enum, 64 bits wide as
// in bpftrace (so they print as names); mixed with plain integers in a
// variable or map they become plain integers.
func TestScriptEnumValues(t *testing.T) {
	cfrontModes(t, func(t *testing.T, clang string) {
		src := `enum Foo { ONE = 1, TWO = 2 };
begin { @e = ONE; @t = (ONE, TWO); @k[TWO] = 1; @mixed = ONE; @mixed = 5; @s = sizeof(ONE); @c = (enum Foo)2; }
`
		f := parseScript(t, "e.bt", src)
		cs, _ := NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: clang, NoCache: true})
		prog := Check([]*ast.File{f}, Config{C: cs})
		for _, d := range prog.Diags {
			if d.Severity == diag.Error {
				t.Fatalf("check: %s", d.Error())
			}
		}
		for name, want := range map[string]string{"@e": "enum Foo", "@t": "(enum Foo, enum Foo)", "@mixed": "uint64", "@c": "enum Foo"} {
			m := prog.Map(name)
			if m == nil || m.Value == nil || m.Value.String() != want {
				t.Errorf("%s: %+v, want value %s", name, m, want)
			}
		}
		if m := prog.Map("@e"); m != nil && m.Value.Size() != 8 {
			t.Errorf("@e: %d bytes, want 8", m.Value.Size())
		}
		if m := prog.Map("@k"); m == nil || m.Key == nil || m.Key.String() != "enum Foo" {
			t.Errorf("@k key: %+v", m)
		}
		var size int64 = -1
		for x, v := range prog.Info.Consts {
			if _, ok := x.(*ast.SizeofExpr); ok {
				size = v
			}
		}
		if size != 8 {
			t.Errorf("sizeof(ONE) = %d, want 8", size)
		}
	})
}
