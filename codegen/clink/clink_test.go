package clink

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/bt-tools/bt/analysis/cfront"
)

// needClang skips a test when no clang is installed.
func needClang(t testing.TB) {
	t.Helper()
	if _, err := FindClang(""); err != nil {
		t.Skipf("needs clang: %v", err)
	}
}

// needRoot skips a test that loads BPF when not root.
func needRoot(t testing.TB) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("loading BPF programs needs root")
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		t.Skipf("cannot raise the memlock limit: %v", err)
	}
}

// writeC writes a C file in a fresh directory (not world-writable).
func writeC(t testing.TB, name, text string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// callProg is a raw tracepoint program that calls fn with r1 = arg and
// returns its result.
func callProg(name, fn string, arg int32) asm.Instructions {
	return asm.Instructions{
		asm.Mov.Imm32(asm.R1, arg).WithSymbol(name),
		asm.Call.Label(fn),
		asm.Return(),
	}
}

// run loads a raw tracepoint program and runs it once with
// BPF_PROG_TEST_RUN, returning r0.
func run(t *testing.T, spec *ebpf.ProgramSpec, maps map[string]*ebpf.MapSpec) (uint32, *ebpf.Collection) {
	t.Helper()
	cs := &ebpf.CollectionSpec{Programs: map[string]*ebpf.ProgramSpec{spec.Name: spec}, Maps: maps}
	coll, err := ebpf.NewCollection(cs)
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			t.Fatalf("load: %+v", ve)
		}
		t.Fatalf("load: %v", err)
	}
	t.Cleanup(coll.Close)
	ret, err := coll.Programs[spec.Name].Run(&ebpf.RunOptions{Context: make([]byte, 8)})
	if err != nil {
		t.Fatalf("test run: %v", err)
	}
	return ret, coll
}

const addOne = "int __add_one(int val) { return 1 + val; }\n"

func TestCompileCachesObjects(t *testing.T) {
	needClang(t)
	path := writeC(t, "my_c_lib.bpf.c", "#include \"helper.h\"\n"+addOne)
	hdr := filepath.Join(filepath.Dir(path), "helper.h")
	if err := os.WriteFile(hdr, []byte("#define ONE 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	c := NewCompiler(Options{CacheDir: cache})
	obj, diags, err := c.Compile(path)
	if err != nil || diags.HasErrors() {
		t.Fatalf("compile: %v %v", err, diags)
	}
	if obj.Cached || c.ClangRuns() != 1 {
		t.Fatalf("first compile: cached=%v runs=%d", obj.Cached, c.ClangRuns())
	}
	// A second compiler (a second start of bt) runs no clang.
	c2 := NewCompiler(Options{CacheDir: cache})
	obj2, _, err := c2.Compile(path)
	if err != nil || !obj2.Cached || obj2.File != obj.File || c2.ClangRuns() != 0 {
		t.Fatalf("second compile: %+v err=%v runs=%d", obj2, err, c2.ClangRuns())
	}
	// Changing an included file changes the key.
	if err := os.WriteFile(hdr, []byte("#define ONE 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	obj3, _, err := c2.Compile(path)
	if err != nil || obj3.Cached || obj3.File == obj.File || c2.ClangRuns() != 1 {
		t.Fatalf("after a header change: %+v err=%v runs=%d", obj3, err, c2.ClangRuns())
	}
	// So do the flags.
	c3 := NewCompiler(Options{CacheDir: cache, IncludeDirs: []string{t.TempDir()}})
	if obj4, _, err := c3.Compile(path); err != nil || obj4.Cached {
		t.Fatalf("other flags: %+v err=%v", obj4, err)
	}
	// And the source.
	if err := os.WriteFile(path, []byte(addOne+"int two(void) { return 2; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if obj5, _, err := c2.Compile(path); err != nil || obj5.Cached {
		t.Fatalf("after a source change: %+v err=%v", obj5, err)
	}
}

func TestCompileErrorsAreDiagnostics(t *testing.T) {
	needClang(t)
	path := writeC(t, "bad.bpf.c", "int f(int x)\n{\n  return x + undefined_thing;\n}\n")
	c := NewCompiler(Options{CacheDir: t.TempDir()})
	obj, diags, err := c.Compile(path)
	if err != nil || obj != nil {
		t.Fatalf("obj=%v err=%v", obj, err)
	}
	if len(diags) == 0 {
		t.Fatal("no diagnostics")
	}
	d := diags[0]
	p := d.Start()
	if d.Code != cfront.CodeCError || p.Filename != path || p.Line != 3 || p.Column != 14 ||
		!strings.Contains(d.Message, "undefined_thing") {
		t.Errorf("diagnostic %s:%d:%d %s %q", p.Filename, p.Line, p.Column, d.Code, d.Message)
	}
	if got := string(d.File.Text[d.Span.Start:d.Span.End]); got != "undefined_thing" {
		t.Errorf("span covers %q", got)
	}
}

func TestFindClang(t *testing.T) {
	t.Setenv(ClangEnv, "")
	t.Setenv("PATH", t.TempDir())
	_, err := FindClang("")
	if !errors.Is(err, ErrNoClang) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "apt-get install clang") {
		t.Errorf("no clang: %v", err)
	}
	if _, err := FindClang("/nonexistent/clang"); !errors.Is(err, ErrNoClang) || !strings.Contains(err.Error(), "--clang") {
		t.Errorf("bad --clang: %v", err)
	}
	t.Setenv(ClangEnv, "/nonexistent/clang-99")
	if _, err := FindClang(""); !errors.Is(err, ErrNoClang) || !strings.Contains(err.Error(), "$BT_CLANG") {
		t.Errorf("bad $BT_CLANG: %v", err)
	}
}

func compileLib(t *testing.T, c *Compiler, name, text, tag string) *Library {
	t.Helper()
	path := writeC(t, name, text)
	obj, diags, err := c.Compile(path)
	if err != nil || diags.HasErrors() {
		t.Fatalf("compile %s: %v %v", name, err, diags)
	}
	lib, err := OpenLibrary(obj.File, path, tag)
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// The first example: a raw tracepoint program calls
// __add_one(41) and gets 42.
func TestLinkAddOne(t *testing.T) {
	needClang(t)
	c := NewCompiler(Options{CacheDir: t.TempDir()})
	lib := compileLib(t, c, "my_c_lib.bpf.c", addOne, "l0")
	f := lib.Funcs["__add_one"]
	if f == nil || !f.Global || f.BTF == nil || f.Symbol != "__add_one" {
		t.Fatalf("__add_one: %+v", f)
	}
	if proto, ok := f.BTF.Type.(*btf.FuncProto); !ok || len(proto.Params) != 1 || proto.Params[0].Name != "val" {
		t.Errorf("BTF of __add_one: %v", f.BTF.Type)
	}
	linked, err := Link(callProg("btclink_add", "__add_one", 41), lib)
	if err != nil {
		t.Fatal(err)
	}
	if len(linked.Funcs) != 1 || btf.FuncMetadata(&linked.Insns[0]) == nil || linked.Insns[0].Source() == nil {
		t.Fatalf("linked: %v", linked.Insns)
	}
	needRoot(t)
	spec := &ebpf.ProgramSpec{Name: "btclink_add", Type: ebpf.RawTracepoint, License: "GPL", Instructions: linked.Insns}
	if ret, _ := run(t, spec, linked.Maps); ret != 42 {
		t.Errorf("__add_one(41) = %d", ret)
	}
}

const withState = `
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} btclink_totals SEC(".maps");

__u64 calls;           // .bss
int base = 100;        // .data

static __attribute__((noinline)) int twice(int v) { return v * 2; }

int scaled(int v)
{
	__u32 zero = 0;
	__u64 *t = bpf_map_lookup_elem(&btclink_totals, &zero);
	calls++;
	if (t)
		*t += v;
	return base + twice(v);
}

int also_twice(int v) { return twice(v) + 1; }
`

// Functions with a static callee, globals and a BTF map, linked into
// two programs: each callee appended once per program, the maps shared.
func TestLinkStateAndStaticCallee(t *testing.T) {
	needClang(t)
	c := NewCompiler(Options{CacheDir: t.TempDir()})
	lib := compileLib(t, c, "state.bpf.c", withState, "l1")
	tw := lib.Funcs["twice"]
	if tw == nil || tw.Global || tw.Symbol != "twice.l1" {
		t.Fatalf("static twice: %+v", tw)
	}
	sc := lib.Funcs["scaled"]
	if sc == nil || strings.Join(sc.Calls, ",") != "twice.l1" || strings.Join(sc.MapRefs, ",") != "btclink_totals,l1.bss,l1.data" {
		t.Fatalf("scaled: calls %v maps %v", sc.Calls, sc.MapRefs)
	}
	// One program calling both: twice is appended once.
	prog := asm.Instructions{
		asm.Mov.Imm32(asm.R1, 5).WithSymbol("btclink_state"),
		asm.Call.Label("scaled"),
		asm.Mov.Reg(asm.R6, asm.R0),
		asm.Mov.Imm32(asm.R1, 1),
		asm.Call.Label("also_twice"),
		asm.Add.Reg(asm.R0, asm.R6),
		asm.Return(),
	}
	linked, err := Link(prog, lib)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range linked.Funcs {
		names = append(names, f.Symbol)
	}
	if strings.Join(names, ",") != "scaled,also_twice,twice.l1" {
		t.Errorf("appended %v", names)
	}
	needRoot(t)
	spec := &ebpf.ProgramSpec{Name: "btclink_state", Type: ebpf.RawTracepoint, License: "GPL", Instructions: linked.Insns}
	ret, coll := run(t, spec, linked.Maps)
	if ret != 100+10+3 {
		t.Errorf("scaled(5)+also_twice(1) = %d, want 113", ret)
	}
	var calls uint64
	if err := coll.Maps["l1.bss"].Lookup(uint32(0), &calls); err != nil || calls != 1 {
		t.Errorf(".bss calls = %d (%v)", calls, err)
	}
	var total uint64
	if err := coll.Maps["btclink_totals"].Lookup(uint32(0), &total); err != nil || total != 5 {
		t.Errorf("btclink_totals[0] = %d (%v)", total, err)
	}
}

func TestLinkErrors(t *testing.T) {
	needClang(t)
	c := NewCompiler(Options{CacheDir: t.TempDir()})
	a := compileLib(t, c, "a.bpf.c", addOne, "la")
	b := compileLib(t, c, "b.bpf.c", addOne, "lb")
	if _, err := Link(callProg("p", "__add_one", 1), a, b); err == nil || !strings.Contains(err.Error(), "defined in both") {
		t.Errorf("duplicate function: %v", err)
	}
	if _, err := Link(callProg("p", "nope", 1), a); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown function: %v", err)
	}
	if _, err := OpenLibrary(filepath.Join(c.cacheDir, "x.o"), "x.bpf.c", "bad-tag"); err == nil || !strings.Contains(err.Error(), "tag") {
		t.Errorf("a tag with '-': %v", err)
	}
	if _, err := Link(callProg("__add_one", "__add_one", 1), a); err == nil || !strings.Contains(err.Error(), "also a function") {
		t.Errorf("program symbol named like a C function: %v", err)
	}
}

// An extern __kconfig variable: cilium fills it at load.
func TestLinkKconfigExtern(t *testing.T) {
	needClang(t)
	c := NewCompiler(Options{CacheDir: t.TempDir()})
	lib := compileLib(t, c, "kc.bpf.c", `#include <linux/types.h>
#include <bpf/bpf_helpers.h>
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
unsigned int kernel_version(void) { return LINUX_KERNEL_VERSION; }
`, "lk")
	linked, err := Link(callProg("btclink_kver", "kernel_version", 0), lib)
	if err != nil {
		t.Fatal(err)
	}
	needRoot(t)
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	var major, minor, patch uint32
	fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d.%d", &major, &minor, &patch)
	want := major<<16 | minor<<8 | min(patch, 255)
	spec := &ebpf.ProgramSpec{Name: "btclink_kver", Type: ebpf.RawTracepoint, License: "GPL", Instructions: linked.Insns}
	if ret, _ := run(t, spec, linked.Maps); ret != want {
		t.Errorf("LINUX_KERNEL_VERSION = %#x, want %#x", ret, want)
	}
}

func TestPruneCache(t *testing.T) {
	dir := t.TempDir()
	base := time.Now().Add(-time.Hour)
	for i := range cacheKeep + 10 {
		for _, ext := range []string{".o", ".deps"} {
			p := filepath.Join(dir, fmt.Sprintf("%03d%s", i, ext))
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			mt := base.Add(time.Duration(i) * time.Second)
			if err := os.Chtimes(p, mt, mt); err != nil {
				t.Fatal(err)
			}
		}
	}
	pruneCache(dir)
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2*cacheKeep {
		t.Fatalf("%d files left, want %d", len(ents), 2*cacheKeep)
	}
	if _, err := os.Stat(filepath.Join(dir, "009.o")); err == nil {
		t.Error("an old object survived")
	}
	if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("%03d.o", cacheKeep+9))); err != nil {
		t.Error("the newest object was removed")
	}
}

func TestLoad(t *testing.T) {
	needClang(t)
	a := writeC(t, "a.bpf.c", addOne)
	bad := writeC(t, "bad.bpf.c", "int f(void) { return nope; }\n")
	hdr := writeC(t, "defs.h", "int g(int);\n")
	c := NewCompiler(Options{CacheDir: t.TempDir()})
	libs, diags, err := c.Load([]string{hdr, a, bad})
	if err != nil {
		t.Fatal(err)
	}
	if len(libs) != 1 || libs[0].Source != a || libs[0].Funcs["__add_one"] == nil {
		t.Errorf("libraries %+v", libs)
	}
	if len(diags) != 1 || diags[0].Start().Filename != bad {
		t.Errorf("diagnostics %v", diags)
	}
	// A precompiled object is read as it is.
	obj, _, err := c.Compile(a)
	if err != nil {
		t.Fatal(err)
	}
	o := filepath.Join(t.TempDir(), "lib.bpf.o")
	data, _ := os.ReadFile(obj.File)
	if err := os.WriteFile(o, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if libs, _, err := c.Load([]string{o}); err != nil || len(libs) != 1 || libs[0].Funcs["__add_one"] == nil {
		t.Errorf("object: %v %v", libs, err)
	}
}

// The remembered PATH search gives what a search gives, and notices a
// clang added to a PATH directory.
func TestFindClangCached(t *testing.T) {
	bin := t.TempDir()
	other := t.TempDir()
	t.Setenv(ClangEnv, "")
	t.Setenv("PATH", bin+string(filepath.ListSeparator)+other)
	cache := t.TempDir()
	if _, err := findClangCached("", cache); !errors.Is(err, ErrNoClang) {
		t.Fatalf("empty PATH: %v", err)
	}
	fake := func(dir, name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	want := fake(other, "clang-17")
	if got, err := findClangCached("", cache); err != nil || got != want {
		t.Fatalf("got %q %v, want %q", got, err, want)
	}
	if got, _ := findClangCached("", cache); got != want {
		t.Fatalf("remembered %q, want %q", got, want)
	}
	// A directory's mtime has a coarse clock on some file systems: make
	// the change visible.
	past := time.Now().Add(-time.Minute)
	os.Chtimes(bin, past, past)
	if _, err := findClangCached("", cache); err != nil {
		t.Fatal(err)
	}
	want = fake(bin, "clang")
	if got, _ := findClangCached("", cache); got != want {
		t.Errorf("after adding %s: got %q", want, got)
	}
}
