package check_test

// The C scope with the kernel's BTF (KernelC): kernel headers that
// are not installed, kernel types a script's C uses, vmlinux.h. External
// tests, because the Kernel over btfindex (btfindex/kernelcheck)
// imports the checker.

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
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/btfindex"
	"github.com/bt-tools/bt/btfindex/kernelcheck"
)

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
		f := check.ParseScript(t, "fast.bt", tc.src)
		_, ds := check.NewCScope([]*ast.File{f}, nil, check.CScopeConfig{Kernel: liveKernel(t), Clang: c, NoCache: true, Runner: r})
		if ds.HasErrors() {
			t.Errorf("%q: %v", tc.src, ds)
		}
		if (r.n > 0) != tc.clang {
			t.Errorf("%q: clang ran %d times, want it to run: %v", tc.src, r.n, tc.clang)
		}
	}
}

func TestCScopeMissingInclude(t *testing.T) {
	src := "#include <linux/nosuch_header_xyz.h>\n#include \"nosuch_local_xyz.h\"\nbegin { }\n"
	t.Run("no-btf", func(t *testing.T) {
		c := cfront.FindClang()
		if c == "" {
			t.Skip("no clang")
		}
		f := check.ParseScript(t, "inc.bt", src)
		_, ds := check.NewCScope([]*ast.File{f}, nil, check.CScopeConfig{Clang: c, NoCache: true})
		mi := check.DiagsWith(ds, check.CodeMissingInclude)
		if len(mi) != 1 || mi[0].Severity != diag.Error || !strings.Contains(mi[0].Message, "<linux/nosuch_header_xyz.h>") {
			t.Fatalf("missing-include: %v", ds)
		}
		if p := mi[0].Start(); p.Line != 1 || p.Column != 10 {
			t.Errorf("at %d:%d", p.Line, p.Column)
		}
		// A header of the script's own stays an include error.
		if nf := check.DiagsWith(ds, cfront.CodeIncludeNotFound); len(nf) != 1 || nf[0].Start().Line != 2 {
			t.Errorf("local include: %v", ds)
		}
	})
	t.Run("btf", func(t *testing.T) {
		c := cfront.FindClang()
		if c == "" {
			t.Skip("no clang")
		}
		k := liveKernel(t)
		f := check.ParseScript(t, "inc.bt", src)
		_, ds := check.NewCScope([]*ast.File{f}, nil, check.CScopeConfig{Kernel: k, Clang: c, NoCache: true})
		mi := check.DiagsWith(ds, check.CodeMissingInclude)
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
	f := check.ParseScript(t, "btf.bt", src)
	cs, ds := check.NewCScope([]*ast.File{f}, nil, check.CScopeConfig{Kernel: k, Clang: c, NoCache: true})
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
	_, ds = check.NewCScope([]*ast.File{f}, nil, check.CScopeConfig{Clang: c, NoCache: true})
	if !diag.List(ds).HasErrors() {
		t.Error("no error without BTF")
	}
	// A script that defines a kernel type itself is read as written.
	f = check.ParseScript(t, "own.bt", "struct path { int mine; };\nstruct holder { struct path p; };\nbegin { }\n")
	cs, ds = check.NewCScope([]*ast.File{f}, nil, check.CScopeConfig{Kernel: k, Clang: c, NoCache: true})
	if ds.HasErrors() {
		t.Errorf("own definitions: %v", ds)
	}
	if pt, ok := cs.Type("struct path"); !ok || pt.Size() != 4 {
		t.Errorf("own struct path: %v", pt)
	}
	// Without clang the fallback says what clang would do.
	_, ds = check.NewCScope([]*ast.File{check.ParseScript(t, "fb.bt", src)}, nil, check.CScopeConfig{Kernel: k, Clang: "none", NoCache: true})
	if errs := check.DiagsWith(ds, cfront.CodeCError); len(errs) == 0 || !strings.Contains(errs[0].Hint, "clang") {
		t.Errorf("fallback: %v", ds)
	}
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
	f := check.ParseScript(t, filepath.Join(dir, "main.bt"), "import \"task.bpf.c\";\nbegin { }\n")
	_, cimps := check.Gather(check.NewFileImporter(), f)
	cfg := check.CScopeConfig{Kernel: k, Clang: c, CacheDir: vmlinuxCacheDir}
	cs, ds := check.NewCScope([]*ast.File{f}, cimps, cfg)
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
	cached := filepath.Join(vmlinuxCacheDir, "vmlinux-"+kernelcheck.Index(k).Identity()+".h")
	if st, err := os.Stat(cached); err != nil || st.Size() < 1<<20 {
		t.Errorf("vmlinux.h not cached at %s: %v", cached, err)
	}
	// Without a kernel vmlinux.h is missing: an error.
	_, ds = check.NewCScope([]*ast.File{f}, cimps, check.CScopeConfig{Clang: c, NoCache: true})
	if mi := check.DiagsWith(ds, check.CodeMissingInclude); len(mi) != 1 || mi[0].Severity != diag.Error || mi[0].File.Name != lib {
		t.Errorf("no kernel: %v", ds)
	}
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
	check.CfrontModes(t, func(t *testing.T, clang string) {
		src := `#include <linux/ip.h>
#include <linux/ipv6.h>
kprobe:f {
	$ip = (struct iphdr *)arg0;
	$ip6 = (struct ipv6hdr *)arg1;
	@[$ip->saddr, $ip->daddr, $ip->addrs.saddr] = count();
	@six[$ip6->saddr.in6_u.u6_addr32[0], $ip6->addrs.daddr.in6_u.u6_addr8[1]] = count();
}
`
		f := check.ParseScript(t, "group.bt", src)
		// As bt check does: with the kernel's BTF beside the headers and
		// a cache; the second run reads the headers precompiled.
		cache := t.TempDir()
		for run := 1; run <= 2; run++ {
			cfront.ResetCache()
			cs, ds := check.NewCScope([]*ast.File{f}, nil, check.CScopeConfig{Clang: clang, CacheDir: cache, Kernel: liveKernel(t)})
			all := append(diag.List{}, ds...)
			if cs == nil || !check.CScopeComplete(cs) {
				t.Skipf("no complete C scope in this mode: %v", ds)
			}
			all = append(all, check.Check([]*ast.File{f}, check.Config{C: cs}).Diags...)
			if all.HasErrors() {
				t.Errorf("run %d: errors: %v", run, all)
			}
		}
	})
}

var (
	hostKernelOnce sync.Once
	hostKernel     check.Kernel
	hostKernelErr  error
)

// liveKernel is the running kernel through btfindex/kernelcheck, with a
// fresh index cache, shared by the tests.
func liveKernel(t testing.TB) check.Kernel {
	t.Helper()
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("no kernel BTF:", err)
	}
	hostKernelOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bt-kernel-test-")
		if err != nil {
			hostKernelErr = err
			return
		}
		idx, err := btfindex.Open(btfindex.Options{CacheDir: dir})
		if err != nil {
			hostKernelErr = err
			return
		}
		hostKernel = kernelcheck.New(idx)
	})
	if hostKernelErr != nil {
		t.Fatal(hostKernelErr)
	}
	return hostKernel
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
