package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/btfindex/kernelcheck"
	"github.com/bt-tools/bt/codegen/clink"
	"github.com/bt-tools/bt/stdlib"
)

// Scripts that import BPF C, run end to end: clang (or the cache),
// linking, loading and the output. They need root and clang.

// cFiles writes files into a fresh directory only the owner can write
// (imports from world-writable directories are refused) and returns
// the directory.
func cFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	needRootRun(t)
	if _, err := clink.FindClang(""); err != nil {
		t.Skipf("needs clang to compile the imported C: %v", err)
	}
	// A cache of its own: other test packages running at the same time
	// write the shared cache's kernel headers and objects too.
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRunCAddOne(t *testing.T) {
	dir := cFiles(t, map[string]string{
		"my_c_lib.bpf.c": "int __add_one(int val) { return 1 + val; }\n",
		"add.bt":         "import \"my_c_lib.bpf.c\";\nbegin { print(__add_one(1)); exit(); }\n",
	})
	for i := 0; i < 2; i++ { // the second run finds the object in the cache
		code, out, errOut := run(t, "", "run", filepath.Join(dir, "add.bt"))
		if code != 0 || !strings.HasPrefix(out, "2\n") {
			t.Fatalf("run %d: exit %d, stdout %q, stderr %q; want 2", i, code, out, errOut)
		}
	}
}

const cKinds = `struct point { int x; int y; };

long sx8(signed char v) { return v; }
unsigned long zx8(unsigned char v) { return v; }
long sx16(short v) { return v; }
unsigned long zx16(unsigned short v) { return v; }
long sx32(int v) { return v; }
unsigned long zx32(unsigned int v) { return v; }
long id64(long v) { return v; }
int is_true(_Bool b) { return b ? 7 : 3; }
_Bool positive(int v) { return v > 0; }
unsigned char low_byte(int v) { return v; }
signed char low_sbyte(int v) { return v; }
int neg(void) { return -95; }
int first_chars(const char *s) { return s[0] + s[1]; }
void set_int(int *p, int v) { *p = v; }
void add_ten(long *p) { *p += 10; }
void make_point(struct point *p, int x, int y) { p->x = x; p->y = y; }
int sum_point(struct point *p) { return p->x + p->y; }
`

// Every argument kind, return types, & on variables and map values, and
// a struct defined in C filled by C and read by the script.
func TestRunCValues(t *testing.T) {
	dir := cFiles(t, map[string]string{
		"kinds.bpf.c": cKinds,
		"kinds.bt": `import "kinds.bpf.c";
begin {
  print((sx8(-1), zx8(255), sx16(-300), zx16(65535), sx32(-5), zx32(4000000000), id64(-9000000000)));
  print((is_true(true), is_true(false), positive(3), positive(-3), low_byte(257), low_sbyte(255)));
  print(first_chars("hello"));
  let $x: int32 = 5; set_int(&$x, -7); print($x);
  @m[1] = (int64)5; add_ten(&@m[1]); add_ten(&@m[2]); print((@m[1], @m[2]));
  let $p: struct point;
  make_point(&$p, 3, 4); print(($p.x, $p.y, sum_point(&$p)));
  print($p);
  $u = (uint64)1; $u = sx32(41); print($u);
  print(neg());
  exit();
}
`,
	})
	want := `(-1, 255, -300, 65535, -5, 4000000000, -9000000000)
(7, 3, true, false, 1, -1)
205
-7
(15, 10)
(3, 4, 7)
{ .x = 3, .y = 4 }
41
-95
`
	// The second run is warm: checked against the cached object's BTF.
	for i := 0; i < 2; i++ {
		code, out, errOut := run(t, "", "run", "-q", filepath.Join(dir, "kinds.bt"))
		if code != 0 || !strings.HasPrefix(out, want) {
			t.Fatalf("run %d: exit %d, stderr %q\nstdout:\n%s\nwant:\n%s", i, code, errOut, out, want)
		}
	}
}

const cTaskComm = `#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

extern struct task_struct *bpf_task_from_pid(s32 pid) __weak __ksym;
extern void bpf_task_release(struct task_struct *p) __weak __ksym;

int task_comm(int pid, char (*out)[16])
{
	if (!bpf_task_from_pid || !bpf_task_release)
		return -95;
	struct task_struct *task = bpf_task_from_pid(pid);
	if (!task)
		return -3;
	__builtin_memcpy(out, &task->comm, sizeof(*out));
	bpf_task_release(task);
	return 0;
}
`

// The second example: a tracepoint probe passes &$buf to C that
// copies a task's comm through weak kfuncs.
func TestRunCTaskCommFromTracepoint(t *testing.T) {
	dir := cFiles(t, map[string]string{
		"task.bpf.c": cTaskComm,
		"comm.bt": `import "task.bpf.c";
tracepoint:syscalls:sys_enter_getppid /pid == $1/ {
  let $buf: string[16];
  $r = task_comm(pid, &$buf);
  print(($r, $buf));
  exit();
}
`,
	})
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errOut := run(t, "", "run", "-q", filepath.Join(dir, "comm.bt"), strconv.Itoa(os.Getpid()))
		done <- result{code, out, errOut}
	}()
	deadline := time.After(60 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r := <-done:
			want := "(0, " + strings.TrimSpace(string(comm)) + ")\n"
			if r.code != 0 || !strings.HasPrefix(r.out, want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %q", r.code, r.out, r.err, want)
			}
			return
		case <-tick.C:
			syscall.Getppid() // the event, until the script exits
		case <-deadline:
			t.Fatal("the script did not see getppid within 60s")
		}
	}
}

// bpf_task_from_pid is refused in raw tracepoint and uprobe programs:
// the diagnostic names the kfunc and the probe type at the C line.
func TestRunCKfuncNotAllowed(t *testing.T) {
	for _, probe := range []string{"rawtracepoint:sys_enter", "uprobe:/bin/bash:readline"} {
		dir := cFiles(t, map[string]string{
			"task.bpf.c": cTaskComm,
			"comm.bt": `import "task.bpf.c";
` + probe + ` {
  let $buf: string[16];
  print(task_comm(pid, &$buf));
  exit();
}
`,
		})
		code, _, errOut := run(t, "", "run", filepath.Join(dir, "comm.bt"))
		if code != exitFindings || !strings.Contains(errOut, "task.bpf.c:11:29: error[kfunc-not-allowed]: kfunc bpf_task_from_pid") ||
			!strings.Contains(errOut, "not allowed") {
			t.Errorf("%s: exit %d, stderr %q; want kfunc-not-allowed at task.bpf.c:11:29", probe, code, errOut)
		}
		kind := map[bool]string{true: "raw tracepoint", false: "uprobe"}[strings.HasPrefix(probe, "raw")]
		if !strings.Contains(errOut, "from a "+kind+" probe") {
			t.Errorf("%s: the diagnostic does not name the probe type %q: %q", probe, kind, errOut)
		}
	}
}

// A weak kfunc the kernel lacks reads as null: the guard takes over.
func TestRunCMissingWeakKfunc(t *testing.T) {
	dir := cFiles(t, map[string]string{
		"weak.bpf.c": `#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
extern int bpf_bt_no_such_kfunc(int v) __weak __ksym;
int try_it(int v) { if (!bpf_bt_no_such_kfunc) return -95; return bpf_bt_no_such_kfunc(v); }
`,
		"weak.bt": "import \"weak.bpf.c\";\nbegin { print(try_it(1)); exit(); }\n",
	})
	code, out, errOut := run(t, "", "run", "-q", filepath.Join(dir, "weak.bt"))
	if code != 0 || !strings.HasPrefix(out, "-95\n") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want -95", code, out, errOut)
	}
}

// clang's error is a diagnostic at its line and column in the C file.
func TestRunCCompileError(t *testing.T) {
	dir := cFiles(t, map[string]string{
		"bad.bpf.c": "int ok(int v) { return v; }\nint bad(int v) { return v + undeclared_thing; }\n",
		"bad.bt":    "import \"bad.bpf.c\";\nbegin { print(bad(1)); exit(); }\n",
	})
	code, out, errOut := run(t, "", "run", filepath.Join(dir, "bad.bt"))
	if code != exitFindings || out != "" || !strings.Contains(errOut, "bad.bpf.c:2:29: error") || !strings.Contains(errOut, "undeclared_thing") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want an error at bad.bpf.c:2:29", code, out, errOut)
	}
}

// The verifier refuses C that reads past a string the script passes:
// the error is at the C line.
func TestRunCVerifierError(t *testing.T) {
	dir := cFiles(t, map[string]string{
		"len.bpf.c": "int ok(void) { return 0; }\n\nint str_len(const char *s)\n{\n\tint n = 0;\n\tfor (int i = 0; i < 64 && s[i]; i++)\n\t\tn++;\n\treturn n;\n}\n",
		"len.bt":    "import \"len.bpf.c\";\nbegin { print(str_len(\"hello\")); exit(); }\n",
	})
	code, _, errOut := run(t, "", "run", filepath.Join(dir, "len.bt"))
	if code != exitFindings || !strings.Contains(errOut, "len.bpf.c:6:") || !strings.Contains(errOut, "error[c-verifier-error]") {
		t.Fatalf("exit %d, stderr %q; want c-verifier-error at len.bpf.c:6", code, errOut)
	}
}

// After one run, the C is checked and linked from the cache: no clang.
func TestRunCWarmStartRunsNoClang(t *testing.T) {
	dir := cFiles(t, map[string]string{
		"lib.bpf.c": "struct pair { int a; long b; };\nint __add_one(int val) { return 1 + val; }\nlong pair_sum(struct pair *p) { return p->a + p->b; }\n",
		"add.bt":    "import \"lib.bpf.c\";\nbegin { print(__add_one(1)); exit(); }\n",
	})
	script := filepath.Join(dir, "add.bt")
	if code, _, errOut := run(t, "", "run", "-q", script); code != 0 {
		t.Fatalf("cold run: exit %d, stderr %q", code, errOut)
	}
	kernel, err := kernelcheck.Open("", false)
	if err != nil {
		t.Skipf("no kernel: %v", err)
	}
	comp := clink.NewCompiler(clink.Options{Kernel: kernelcheck.Index(kernel)})
	c := &checker{kernel: kernel, importer: check.NewFileImporter(), warmC: comp}
	src, _ := os.ReadFile(script)
	prog, diags := c.checkProgram(checkInput{name: script, src: src})
	if prog == nil || diags.HasErrors() {
		t.Fatalf("check: %v", diags)
	}
	_, cimports := check.Gather(c.importer, prog.Files[0])
	if len(cimports) != 1 {
		t.Fatalf("check: %v (imports %v)", diags, cimports)
	}
	cs := warmCScope(prog.Files, cimports, comp)
	if cs == nil {
		t.Fatal("the compiled object was not found in the cache")
	}
	f, ok := cs.Func("__add_one")
	if !ok || len(f.Params) != 1 || f.Params[0].Type.String() != "int32" || f.Result.String() != "int32" {
		t.Errorf("__add_one from BTF: %+v", f)
	}
	if pt, ok := cs.Type("struct  pair"); !ok || pt.Size() != 16 {
		t.Errorf("struct pair from BTF: %v %v", pt, ok)
	}
	if _, diags, err := comp.Load([]string{cimports[0].Path}); err != nil || diags.HasErrors() {
		t.Fatalf("load: %v %v", err, diags)
	}
	if n := comp.ClangRuns(); n != 0 {
		t.Errorf("a warm start ran clang %d times", n)
	}
}

// C called from bpf_loop callbacks (while, for) and from an fn
// subprogram, and a C global variable shared by the begin and end
// programs (the object's .bss created once).
func TestRunCCallsFromLoopsFnsAndGlobals(t *testing.T) {
	dir := cFiles(t, map[string]string{
		"lib.bpf.c": "static int counter;\nint bump(void) { return ++counter; }\nlong sx32(int v) { return v; }\nlong id64(long v) { return v; }\n",
		"loop.bt": `import "lib.bpf.c";
fn twice($v: int32): int64 { return sx32($v) * 2; }
begin {
  $i = 0; $s = (int64)0;
  while ($i < 3) { $s = $s + sx32($i); $i++; }
  for $k : 0..3 { $s = $s + id64($k); }
  print(($s, twice(21)));
  bump(); bump();
  exit();
}
end { print(bump()); }
`,
	})
	code, out, errOut := run(t, "", "run", "-q", filepath.Join(dir, "loop.bt"))
	if want := "(6, 42)\n3\n"; code != 0 || !strings.HasPrefix(out, want) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, out, errOut, want)
	}
}

// An imported .bpf.o is checked against its BTF and linked as it is: the
// script runs with no clang anywhere (the standard library's object).
func TestRunCObjectWithoutClang(t *testing.T) {
	needRootRun(t)
	obj, err := stdlib.Object("bpf/strings.bpf.c")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "strings.bpf.o"), obj, 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "se.bt")
	src := "import \"strings.bpf.o\";\nbegin { let $t: string[64] = \"\"; $r = __bt_strerror(2, (int8 *)&$t); print(($r, $t)); exit(); }\n"
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir) // no clang here
	t.Setenv("BT_CLANG", "")
	code, out, errOut := run(t, "", "run", "-q", script)
	if want := "(0, No such file or directory)\n"; code != 0 || !strings.HasPrefix(out, want) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, out, errOut, want)
	}
}
