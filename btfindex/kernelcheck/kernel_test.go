package kernelcheck

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/btftypes"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/btfindex"
)

// Kernel adapter tests on the running kernel: they skip without its BTF.
// Each runs against the live kernel (kallsyms, tracefs when readable) and
// against a copy of its BTF as a --btf file with a fresh cache, where
// tracepoints come from BTF alone.

const sysBTF = "/sys/kernel/btf/vmlinux"

func needHostBTF(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(sysBTF); err != nil {
		t.Skip("no kernel BTF:", err)
	}
}

var (
	hostKernelOnce sync.Once
	hostKernel     *kernelView
	hostKernelErr  error
)

// liveKernel is the running kernel, shared by the tests (as the language
// server shares one).
func liveKernel(t testing.TB) *kernelView {
	t.Helper()
	needHostBTF(t)
	hostKernelOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bt-kernel-test-")
		if err != nil {
			hostKernelErr = err
			return
		}
		hostKernel, hostKernelErr = openKernel(btfindex.Options{CacheDir: dir})
	})
	if hostKernelErr != nil {
		t.Fatal(hostKernelErr)
	}
	return hostKernel
}

// fileKernel is the running kernel's BTF read as a --btf file: no
// kallsyms, no tracefs, an empty cache.
func fileKernel(t testing.TB) *kernelView {
	t.Helper()
	needHostBTF(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "vmlinux.btf")
	copyFile(t, sysBTF, path)
	k, err := openKernel(btfindex.Options{BTFFile: path, CacheDir: filepath.Join(dir, "cache")})
	if err != nil {
		t.Fatal(err)
	}
	if src, _ := k.idx.TracepointSource(); src != btfindex.SourceBTF {
		t.Fatalf("tracepoints of a BTF file come from %v, want btf", src)
	}
	if k.idx.AttachInfoKnown() {
		t.Fatal("a BTF file has kallsyms")
	}
	return k
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// kernels runs f on the live kernel and on the BTF file.
func kernels(t *testing.T, f func(t *testing.T, k *kernelView)) {
	t.Run("live", func(t *testing.T) { f(t, liveKernel(t)) })
	t.Run("btf-file", func(t *testing.T) { f(t, fileKernel(t)) })
}

// checkWith checks src against k and returns the program.
func checkWith(t testing.TB, k check.Kernel, src string) *check.Program {
	t.Helper()
	sf := source.NewFile("test.bt", []byte(src))
	f, pd := parser.ParseFile(sf)
	for _, d := range pd {
		if d.Severity == diag.Error {
			t.Fatalf("parse: %s", d.Error())
		}
	}
	return check.Check([]*ast.File{f}, check.Config{Kernel: k})
}

// resolveOne resolves the single attach point of src's first probe.
func resolveOne(t testing.TB, k check.Kernel, src string) (*check.AttachInfo, diag.List) {
	t.Helper()
	sf := source.NewFile("test.bt", []byte(src))
	f, _ := parser.ParseFile(sf)
	for _, d := range f.Decls {
		if p, ok := d.(*ast.Probe); ok {
			return check.KernelForScript(k, 0, f).Resolve(p.AttachPoints[0], sf)
		}
	}
	t.Fatalf("no probe in %q", src)
	return nil, nil
}

func codes(l diag.List) []string {
	var out []string
	for _, d := range l {
		out = append(out, fmt.Sprintf("%s[%s]", d.Severity, d.Code))
	}
	return out
}

func wantNoDiags(t testing.TB, l diag.List) {
	t.Helper()
	for _, d := range l {
		t.Errorf("unexpected: %s (hint %q)", d.Error(), d.Hint)
	}
}

func wantOne(t testing.TB, l diag.List, sev diag.Severity, code diag.Code, msgPart string) diag.Diagnostic {
	t.Helper()
	if len(l) != 1 || l[0].Severity != sev || l[0].Code != code || !strings.Contains(l[0].Message, msgPart) {
		t.Fatalf("want one %s[%s] containing %q, got %v: %v", sev, code, msgPart, codes(l), l)
	}
	return l[0]
}

func argType(t testing.TB, ai *check.AttachInfo, name string) types.Type {
	t.Helper()
	if ai.ArgsType == nil {
		t.Fatalf("%s: no args type", ai.Node.Raw)
	}
	f, ok := ai.ArgsType.Field(name)
	if !ok {
		t.Fatalf("%s: no arg %s in %v", ai.Node.Raw, name, fieldNames(ai.ArgsType))
	}
	return f.Type
}

func TestKernelSchedSwitch(t *testing.T) {
	kernels(t, func(t *testing.T, k *kernelView) {
		ai, ds := resolveOne(t, k, "tracepoint:sched:sched_switch { }")
		wantNoDiags(t, ds)
		if len(ai.Targets) != 1 || ai.Targets[0] != "tracepoint:sched:sched_switch" {
			t.Errorf("targets %v", ai.Targets)
		}
		var names []string
		for _, a := range ai.Args {
			names = append(names, a.Name)
		}
		if got := strings.Join(names, ","); got != "prev_comm,prev_pid,prev_prio,prev_state,next_comm,next_pid,next_prio" {
			t.Errorf("args %s", got)
		}
		if ty := argType(t, ai, "prev_comm"); !types.Identical(ty, &types.String{Len: 16}) {
			t.Errorf("prev_comm: %v", ty)
		}
		pid := argType(t, ai, "next_pid")
		if td, ok := pid.(*types.Typedef); !ok || td.Name != "pid_t" || !types.Identical(types.Underlying(pid), types.Int32) {
			t.Errorf("next_pid: %v", pid)
		}
		if ty := argType(t, ai, "prev_state"); !types.Identical(types.Underlying(ty), types.Int64) {
			t.Errorf("prev_state: %v", ty)
		}
		if f, _ := ai.ArgsType.Field("next_pid"); f.BitOffset != 56*8 {
			t.Errorf("next_pid offset %d", f.BitOffset/8)
		}
		if _, ok := ai.ArgsType.Field("common_pid"); ok {
			t.Error("common_pid is readable")
		}
		want := map[bool]string{true: "btf", false: "tracefs"}[!k.idx.AttachInfoKnown()]
		if src, _ := k.idx.TracepointSource(); src == btfindex.SourceCache {
			want = "cache"
		}
		if ai.Source != want {
			t.Errorf("source %q, want %q", ai.Source, want)
		}
		// A __data_loc char[] field is a string.
		ai, ds = resolveOne(t, k, "tracepoint:sched:sched_process_exec { }")
		wantNoDiags(t, ds)
		if ty := argType(t, ai, "filename"); !types.Identical(ty, &types.String{Len: 1024}) {
			t.Errorf("sched_process_exec filename: %v", ty)
		}
	})
}

func TestKernelSyscallUserPointer(t *testing.T) {
	k := liveKernel(t)
	if src, _ := k.idx.TracepointSource(); src == btfindex.SourceBTF {
		t.Skip("tracefs is not readable and no catalogue is cached")
	}
	ai, ds := resolveOne(t, k, "tracepoint:syscalls:sys_enter_openat { }")
	wantNoDiags(t, ds)
	fn := argType(t, ai, "filename")
	p, ok := fn.(*types.Pointer)
	if !ok || p.Space != types.AddrUser || !types.IsInteger(p.Elem) || p.Elem.Size() != 1 {
		t.Errorf("filename: %#v", fn)
	}
	// The record stores every argument in 8 bytes, unsigned.
	if ty := argType(t, ai, "dfd"); !types.Identical(ty, types.Uint64) {
		t.Errorf("dfd: %v", ty)
	}
	// A pointer to pointers: both levels are user memory.
	ai, ds = resolveOne(t, k, "tracepoint:syscalls:sys_enter_execve { }")
	wantNoDiags(t, ds)
	argv, _ := argType(t, ai, "argv").(*types.Pointer)
	if argv == nil || argv.Space != types.AddrUser {
		t.Fatalf("argv: %v", argType(t, ai, "argv"))
	}
	if inner, ok := argv.Elem.(*types.Pointer); !ok || inner.Space != types.AddrUser {
		t.Errorf("argv elem: %#v", argv.Elem)
	}
	// Through the checker: a kernel tracepoint's pointers stay kernel.
	ai, _ = resolveOne(t, k, "tracepoint:sched:sched_switch { }")
	if ai.ArgsType == nil {
		t.Fatal("no sched_switch args")
	}
}

func TestKernelSyscallsFromBTF(t *testing.T) {
	k := fileKernel(t)
	// Without tracefs the syscalls category is made from the syscall
	// entry points; exits always have ret.
	ai, ds := resolveOne(t, k, "tracepoint:syscalls:sys_exit_openat { }")
	wantNoDiags(t, ds)
	if ty := argType(t, ai, "ret"); !types.Identical(ty, types.Int64) {
		t.Errorf("ret: %v", ty)
	}
	_, ds = resolveOne(t, k, "tracepoint:syscalls:sys_enter_openat { }")
	wantNoDiags(t, ds)
	_, ds = resolveOne(t, k, "tracepoint:syscalls:sys_enter_opnat { }")
	d := wantOne(t, ds, diag.Error, check.CodeProbeNotFound, "syscalls:sys_enter_opnat")
	if !strings.Contains(d.Hint, "sys_enter_openat") {
		t.Errorf("hint %q", d.Hint)
	}
	if len(d.Notes) == 0 || !strings.Contains(d.Notes[0].Message, "BTF only") {
		t.Errorf("notes %v", d.Notes)
	}
}

func TestKernelFentry(t *testing.T) {
	kernels(t, func(t *testing.T, k *kernelView) {
		ai, ds := resolveOne(t, k, "fentry:vfs_read { }")
		wantNoDiags(t, ds)
		if len(ai.Targets) != 1 || ai.Targets[0] != "fentry:vmlinux:vfs_read" || ai.Source != "btf" {
			t.Errorf("targets %v source %q", ai.Targets, ai.Source)
		}
		var names []string
		for _, f := range ai.ArgsType.Fields() {
			names = append(names, f.Name)
		}
		if got := strings.Join(names, ","); got != "file,buf,count,pos" {
			t.Fatalf("args %s", got)
		}
		file, _ := argType(t, ai, "file").(*types.Pointer)
		if file == nil || file.Space != types.AddrKernel {
			t.Fatalf("file: %v", argType(t, ai, "file"))
		}
		if s, ok := file.Elem.(*types.Struct); !ok || s.Name != "file" {
			t.Errorf("file elem: %v", file.Elem)
		}
		// char __user *buf: a user pointer when BTF carries type tags.
		wantSpace := types.AddrKernel
		if f, err := k.idx.Func("", "vfs_read"); err == nil {
			if sig, err := k.idx.Signature(f); err == nil {
				if p, ok := sig.Params[1].Type.(*btf.Pointer); ok && btftypes.UserTagged(p.Target) {
					wantSpace = types.AddrUser
				}
			}
		}
		if buf, _ := argType(t, ai, "buf").(*types.Pointer); buf == nil || buf.Space != wantSpace {
			t.Errorf("buf (char __user *): %#v, want space %v", argType(t, ai, "buf"), wantSpace)
		}
		count := argType(t, ai, "count")
		if td, ok := count.(*types.Typedef); !ok || td.Name != "size_t" || !types.Identical(types.Underlying(count), types.Uint64) {
			t.Errorf("count: %v", count)
		}
		if f, _ := ai.ArgsType.Field("pos"); f.BitOffset != 3*64 {
			t.Errorf("pos at bit %d", f.BitOffset)
		}
		if ai.Retval != nil {
			t.Errorf("fentry has retval %v", ai.Retval)
		}

		ai, ds = resolveOne(t, k, "fexit:vfs_read { }")
		wantNoDiags(t, ds)
		if td, ok := ai.Retval.(*types.Typedef); !ok || td.Name != "ssize_t" || !types.Identical(types.Underlying(td), types.Int64) {
			t.Errorf("fexit retval %v", ai.Retval)
		}
		if _, ok := ai.ArgsType.Field("count"); !ok {
			t.Error("fexit lost its args")
		}
		// Through the checker: args.count and retval are typed.
		prog := checkWith(t, k, "fexit:vfs_read { $c = args.count; $r = retval; }")
		for _, d := range prog.Diags {
			if d.Severity == diag.Error {
				t.Errorf("check: %s", d.Error())
			}
		}
		prog = checkWith(t, k, "fentry:vfs_read { $c = args.cnt; }")
		if !hasCode(prog.Diags, check.CodeNoSuchField) {
			t.Errorf("args.cnt: %v", codes(prog.Diags))
		}
	})
}

func hasCode(l diag.List, c diag.Code) bool {
	for _, d := range l {
		if d.Code == c {
			return true
		}
	}
	return false
}

func TestKernelKprobe(t *testing.T) {
	kernels(t, func(t *testing.T, k *kernelView) {
		ai, ds := resolveOne(t, k, "kprobe:vfs_read { }")
		wantNoDiags(t, ds)
		if len(ai.Targets) != 1 || ai.Targets[0] != "kprobe:vfs_read" || ai.ArgsType != nil {
			t.Errorf("targets %v args type %v", ai.Targets, ai.ArgsType)
		}
		if len(ai.Args) != 4 || ai.Args[0].Name != "file" {
			t.Errorf("documented args %v", ai.Args)
		}
		ai, ds = resolveOne(t, k, "kretprobe:vfs_read { }")
		wantNoDiags(t, ds)
		if !types.Identical(ai.Retval, types.Uint64) {
			t.Errorf("kretprobe retval %v (bpftrace reads uint64)", ai.Retval)
		}
		_, ds = resolveOne(t, k, "kprobe:vfs_raed { }")
		d := wantOne(t, ds, diag.Error, check.CodeProbeNotFound, "vfs_raed")
		if !strings.Contains(d.Hint, "kprobe:vfs_read") || len(d.Fixes) == 0 || d.Fixes[0].Edits[0].NewText != "vfs_read" {
			t.Errorf("did you mean: %q %v", d.Hint, d.Fixes)
		}
		if got := d.Location.Start().Column; got != 8 {
			t.Errorf("reported at column %d, want the function's 8", got)
		}
		ai, ds = resolveOne(t, k, "kprobe:vfs_read+8 { }")
		wantNoDiags(t, ds)
		ai, ds = resolveOne(t, k, "kprobe:vfs_*read* { }")
		wantNoDiags(t, ds)
		if len(ai.Targets) < 3 || !slices.Contains(ai.Targets, "kprobe:vfs_read") || slices.Contains(ai.Targets, "kprobe:vfs_write") {
			t.Errorf("vfs_*read*: %v", ai.Targets)
		}
	})
}

// TestKernelNotAttachable finds a function the kernel's BTF has but
// kallsyms does not (inlined everywhere), and attaches to it.
func TestKernelNotAttachable(t *testing.T) {
	k := liveKernel(t)
	if !k.idx.AttachInfoKnown() {
		t.Skip("kallsyms not read")
	}
	var fn string
	for _, f := range k.idx.Funcs("") {
		if !f.Attachable && f.Module == "vmlinux" && !strings.HasPrefix(f.Name, "__") && f.NumParams <= btfindex.MaxTraceArgs {
			fn = f.Name
			break
		}
	}
	if fn == "" {
		t.Skip("every BTF function is in kallsyms")
	}
	for _, prov := range []string{"kprobe", "fentry"} {
		_, ds := resolveOne(t, k, prov+":"+fn+" { }")
		d := wantOne(t, ds, diag.Error, check.CodeProbeNotAttachable, "cannot attach "+prov+" to "+fn+": the function is in BTF but not among the kernel's traceable functions (inlined, or marked notrace)")
		if d.Hint == "" {
			t.Error("no hint")
		}
		// missing_probes = warn makes it a warning, ignore silences it.
		_, ds = resolveOne(t, k, `config = { missing_probes = "warn" } `+prov+":"+fn+" { }")
		wantOne(t, ds, diag.Warning, check.CodeProbeNotAttachable, fn)
		_, ds = resolveOne(t, k, `config = { missing_probes = ignore } `+prov+":"+fn+" { }")
		wantNoDiags(t, ds)
	}
}

func TestKernelWildcard(t *testing.T) {
	kernels(t, func(t *testing.T, k *kernelView) {
		// The expected count, from the catalogue's own list.
		want := 0
		for _, tp := range k.idx.Tracepoints() {
			if tp.Category == "sched" && strings.HasPrefix(tp.Event, "sched_") || tp.CategoryGuessed && strings.HasPrefix(tp.Event, "sched_") {
				want++
			}
		}
		if k.idx.AttachInfoKnown() {
			if dir, _ := k.idx.TracefsDir(); dir != "" {
				ents, err := os.ReadDir(filepath.Join(dir, "events", "sched"))
				if err == nil {
					want = 0
					for _, e := range ents {
						if e.IsDir() && strings.HasPrefix(e.Name(), "sched_") {
							want++
						}
					}
				}
			}
		}
		ai, ds := resolveOne(t, k, "tracepoint:sched:sched_* { }")
		wantNoDiags(t, ds)
		if want < 10 || len(ai.Targets) != want {
			t.Errorf("sched:sched_* expands to %d, want %d", len(ai.Targets), want)
		}
		for _, tg := range ai.Targets {
			if !strings.HasPrefix(tg, "tracepoint:sched:sched_") {
				t.Errorf("target %s", tg)
			}
		}
		// Fields the matched tracepoints do not all have are not args.
		if ai.ArgsType != nil {
			if _, ok := ai.ArgsType.Field("prev_comm"); ok {
				t.Error("prev_comm offered for every sched_* tracepoint")
			}
		}
		// Nothing matches: an error, a warning or nothing per missing_probes.
		_, ds = resolveOne(t, k, "tracepoint:sched:nothing_here_* { }")
		wantOne(t, ds, diag.Error, check.CodeNoProbeMatch, "tracepoint:sched:nothing_here_* matches no tracepoint")
		_, ds = resolveOne(t, k, `config = { missing_probes = "warn" } tracepoint:sched:nothing_here_* { }`)
		wantOne(t, ds, diag.Warning, check.CodeNoProbeMatch, "nothing_here_*")
		_, ds = resolveOne(t, k, `config = { BPFTRACE_MISSING_PROBES = "ignore" } tracepoint:sched:nothing_here_* { }`)
		wantNoDiags(t, ds)
		// A wildcard that matches nothing is dropped when another attach
		// point of its probe matches (scripts written for several kernels).
		prog := checkWith(t, k, "kprobe:vfs_read, kprobe:vfs_read.isra.nothing* { }")
		if hasCode(prog.Diags, check.CodeNoProbeMatch) {
			t.Errorf("sibling rule: %v", codes(prog.Diags))
		}
		prog = checkWith(t, k, "kprobe:vfs_read.isra.nothing* { }")
		if !hasCode(prog.Diags, check.CodeNoProbeMatch) {
			t.Errorf("lone empty wildcard: %v", codes(prog.Diags))
		}
		// Too many programs.
		_, ds = resolveOne(t, k, "fentry:* { }")
		wantOne(t, ds, diag.Error, check.CodeTooManyProbes, "more than max_bpf_progs (1024)")
		ai, ds = resolveOne(t, k, "config = { max_bpf_progs = 100000 } fentry:vfs_* { }")
		wantNoDiags(t, ds)
		if len(ai.Targets) < 10 {
			t.Errorf("fentry:vfs_* %d targets", len(ai.Targets))
		}
		// The args every syscall's entry shares: no filename.
		prog = checkWith(t, k, "tracepoint:syscalls:sys_enter_* { $f = args.filename; }")
		if src, _ := k.idx.TracepointSource(); src != btfindex.SourceBTF && !hasCode(prog.Diags, check.CodeNoSuchField) {
			t.Errorf("args.filename on sys_enter_*: %v", codes(prog.Diags))
		}
	})
}

func TestKernelDidYouMean(t *testing.T) {
	kernels(t, func(t *testing.T, k *kernelView) {
		src := "tracepoint:sched:sched_swich { }"
		_, ds := resolveOne(t, k, src)
		d := wantOne(t, ds, diag.Error, check.CodeProbeNotFound, "tracepoint sched:sched_swich does not exist on "+k.desc)
		if !strings.Contains(d.Hint, "did you mean tracepoint:sched:sched_switch?") {
			t.Errorf("hint %q", d.Hint)
		}
		if len(d.Fixes) == 0 {
			t.Fatal("no fix")
		}
		e := d.Fixes[0].Edits[0]
		fixed := src[:e.Span.Start] + e.NewText + src[e.Span.End:]
		if fixed != "tracepoint:sched:sched_switch { }" {
			t.Errorf("fix gives %q", fixed)
		}
		if p := d.Location.Start(); p.Column != 18 {
			t.Errorf("column %d", p.Column)
		}
		_, ds = resolveOne(t, k, "fentry:vfs_wirte { }")
		d = wantOne(t, ds, diag.Error, check.CodeProbeNotFound, "vfs_wirte")
		if !strings.Contains(d.Hint, "fentry:vfs_write") {
			t.Errorf("hint %q", d.Hint)
		}
	})
}

func TestKernelRawTracepoint(t *testing.T) {
	kernels(t, func(t *testing.T, k *kernelView) {
		ai, ds := resolveOne(t, k, "rawtracepoint:sched_switch { }")
		wantNoDiags(t, ds)
		if len(ai.Targets) != 1 || ai.Targets[0] != "rawtracepoint:vmlinux:sched_switch" {
			t.Errorf("targets %v", ai.Targets)
		}
		for _, n := range []string{"prev", "next"} {
			p, _ := argType(t, ai, n).(*types.Pointer)
			if p == nil {
				t.Fatalf("%s: %v", n, argType(t, ai, n))
			}
			if s, ok := p.Elem.(*types.Struct); !ok || s.Name != "task_struct" {
				t.Errorf("%s: %v", n, p)
			}
		}
		if f, _ := ai.ArgsType.Field("next"); f.BitOffset != 2*64 {
			t.Errorf("next at bit %d", f.BitOffset)
		}
		_, ds = resolveOne(t, k, "rawtracepoint:vmlinux:sched_swich { }")
		d := wantOne(t, ds, diag.Error, check.CodeProbeNotFound, "raw tracepoint sched_swich")
		if !strings.Contains(d.Hint, "sched_switch") {
			t.Errorf("hint %q", d.Hint)
		}
	})
}

func TestKernelTypes(t *testing.T) {
	kernels(t, func(t *testing.T, k *kernelView) {
		tt, ok := k.Type("struct task_struct")
		if !ok {
			t.Fatal("no task_struct")
		}
		task := tt.(*types.Struct)
		if again, _ := k.Type("struct  task_struct"); again != tt {
			t.Error("task_struct converted twice")
		}
		pid, ok := task.Field("pid")
		if !ok || !types.Identical(types.Underlying(pid.Type), types.Int32) {
			t.Errorf("pid %+v", pid)
		}
		if comm, _ := task.Field("comm"); !types.Identical(comm.Type, &types.String{Len: 16}) {
			t.Errorf("comm %v", comm.Type)
		}
		if rp, _ := task.Field("real_parent"); rp.Type == nil || rp.Type.(*types.Pointer).Elem != tt {
			t.Errorf("real_parent %v", rp.Type)
		}
		// Members of anonymous unions and structs, with their offsets.
		sk, ok := k.Type("struct sk_buff")
		if !ok {
			t.Fatal("no sk_buff")
		}
		skb := sk.(*types.Struct)
		anon := 0
		for _, f := range skb.Fields() {
			if f.Name == "" {
				anon++
			}
		}
		if anon == 0 {
			t.Error("sk_buff has no anonymous members")
		}
		bt, err := k.idx.Type("struct sk_buff")
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"next", "tstamp", "len", "sk"} {
			want, ok := btfindex.Field(bt, name)
			got, ok2 := skb.Field(name)
			if !ok || !ok2 || got.BitOffset != int(want.Offset) {
				t.Errorf("sk_buff.%s at bit %d, BTF says %d (%v %v)", name, got.BitOffset, want.Offset, ok, ok2)
			}
		}
		if u, ok := k.Type("u32"); !ok || !types.Identical(types.Underlying(u), types.Uint32) {
			t.Errorf("u32 %v", u)
		}
		if e, ok := k.Type("enum pid_type"); !ok || len(e.(*types.Enum).Values) == 0 {
			t.Errorf("enum pid_type %v", e)
		}
		if u, ok := k.Type("union bpf_attr"); !ok || !u.(*types.Struct).Union {
			t.Errorf("union bpf_attr %v", u)
		}
		if _, ok := k.Type("struct no_such_struct_xyz"); ok {
			t.Error("found no_such_struct_xyz")
		}
		if _, ok := k.Type("struct u32"); ok {
			t.Error("struct u32 is a typedef, not a struct")
		}
		names := k.TypeNames("struct task_", 50)
		if !slices.Contains(names, "struct task_struct") {
			t.Errorf("TypeNames: %v", names)
		}
		if v, ty, ok := k.EnumValue("PIDTYPE_TGID"); !ok || v != 1 || ty == nil {
			t.Errorf("PIDTYPE_TGID = %d %v %v", v, ty, ok)
		}
		// An enumerator of an anonymous enum (include/net/tcp_states.h).
		if v, ty, ok := k.EnumValue("TCP_FIN_WAIT1"); !ok || v != 4 || ty == nil {
			t.Errorf("TCP_FIN_WAIT1 = %d %v %v", v, ty, ok)
		}
		if _, _, ok := k.EnumValue("NO_SUCH_ENUMERATOR_XYZ"); ok {
			t.Error("NO_SUCH_ENUMERATOR_XYZ found")
		}
	})
}

func TestKernelModuleType(t *testing.T) {
	k := liveKernel(t)
	mods := k.idx.Modules()
	if len(mods) < 2 {
		t.Skip("no module BTF")
	}
	// A struct only a module defines.
	for _, tn := range k.idx.TypeNames("", btfindex.StructKind) {
		if tn.Module == "vmlinux" {
			continue
		}
		if _, err := k.idx.Type("struct " + tn.Name); err != nil {
			continue
		}
		if _, ok := k.Type("struct " + tn.Name); !ok {
			t.Errorf("module %s's struct %s not found", tn.Module, tn.Name)
		}
		return
	}
	t.Skip("no module-only struct")
}

func TestKernelUprobe(t *testing.T) {
	k := liveKernel(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	syms, err := btfindex.ELFFunctions(bash)
	if err != nil || !slices.Contains(syms, "readline") {
		t.Skip("bash has no readline symbol")
	}
	ai, ds := resolveOne(t, k, "uprobe:"+bash+":readline { }")
	wantNoDiags(t, ds)
	if len(ai.Targets) != 1 || ai.Targets[0] != "uprobe:"+bash+":readline" {
		t.Errorf("targets %v", ai.Targets)
	}
	_, ds = resolveOne(t, k, "uprobe:"+bash+":readlin { }")
	d := wantOne(t, ds, diag.Error, check.CodeProbeNotFound, "function readlin is not a symbol of "+bash)
	if !strings.Contains(d.Hint, "readline") {
		t.Errorf("hint %q", d.Hint)
	}
	_, ds = resolveOne(t, k, "uprobe:/no/such/binary:f { }")
	wantOne(t, ds, diag.Error, check.CodeProbeTarget, "/no/such/binary")
	ai, ds = resolveOne(t, k, "uretprobe:"+bash+":readline { }")
	wantNoDiags(t, ds)
	if !types.Identical(ai.Retval, types.Uint64) {
		t.Errorf("uretprobe retval %v", ai.Retval)
	}
	// Without DWARF a uprobe has no args.
	if ai, _ = resolveOne(t, k, "uprobe:"+bash+":readline { }"); ai.ArgsType == nil || len(ai.ArgsType.Fields()) != 0 {
		t.Errorf("args without DWARF: %v", ai.ArgsType)
	}
	// "libc" is the library, not the libc.so linker script.
	ai, ds = resolveOne(t, k, "uprobe:libc:malloc { }")
	wantNoDiags(t, ds)
	if len(ai.Targets) != 1 || !strings.Contains(ai.Targets[0], "libc.so.") {
		t.Errorf("libc:malloc targets %v", ai.Targets)
	}
}

// TestKernelUprobeDWARF builds a small program with debug information
// and reads its function's parameters.
func TestKernelUprobeDWARF(t *testing.T) {
	k := liveKernel(t)
	cc := ""
	for _, c := range []string{"clang", "clang-19", "cc", "gcc"} {
		if p, err := exec.LookPath(c); err == nil {
			cc = p
			break
		}
	}
	if cc == "" {
		t.Skip("no C compiler")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "prog.c")
	bin := filepath.Join(dir, "prog")
	os.WriteFile(src, []byte(`
struct point { int x; long y; char name[8]; };
__attribute__((noinline)) int handle(struct point *p, unsigned long n, const char *msg) { return p->x + (int)n + msg[0]; }
int main(void) { struct point p = {1, 2, "a"}; return handle(&p, 3, "m"); }
`), 0o644)
	if out, err := exec.Command(cc, "-g", "-O0", "-o", bin, src).CombinedOutput(); err != nil {
		t.Skipf("cannot compile: %v %s", err, out)
	}
	ai, ds := resolveOne(t, k, "uprobe:"+bin+":handle { }")
	wantNoDiags(t, ds)
	if ai.Source != "dwarf" {
		t.Errorf("source %q", ai.Source)
	}
	p, _ := argType(t, ai, "p").(*types.Pointer)
	if p == nil || p.Space != types.AddrUser {
		t.Fatalf("p: %v", argType(t, ai, "p"))
	}
	st, _ := p.Elem.(*types.Struct)
	if st == nil || st.Name != "point" {
		t.Fatalf("p elem %v", p.Elem)
	}
	if y, ok := st.Field("y"); !ok || y.BitOffset != 64 || !types.Identical(y.Type, types.Int64) {
		t.Errorf("y %+v", y)
	}
	if nm, _ := st.Field("name"); !types.Identical(nm.Type, &types.String{Len: 8}) || !nm.Type.(*types.String).CharArray {
		t.Errorf("name %#v", nm.Type)
	}
	if n := argType(t, ai, "n"); !types.Identical(n, types.Uint64) {
		t.Errorf("n %v", n)
	}
	for _, src := range []string{
		"uprobe:" + bin + ":handle { $x = args.p->x; $m = args.msg; }",
		// DWARF's types in casts and declarations, the same type as args'.
		"uprobe:" + bin + ":handle { $q = (struct point *)arg0; $y = $q->y; let $a: struct point *[2]; $v = $a[1]->y; }",
	} {
		prog := checkWith(t, k, src)
		for _, d := range prog.Diags {
			if d.Severity == diag.Error {
				t.Errorf("%s: %s", src, d.Error())
			}
		}
	}
	// The script's own definition wins over DWARF's.
	override := "struct point { int z; } uprobe:" + bin + ":handle { $z = ((struct point *)arg0)->z; }"
	f := parseScript(t, "o.bt", override)
	cs, _ := check.NewCScope([]*ast.File{f}, nil, check.CScopeConfig{Clang: "none", NoCache: true})
	for _, d := range check.Check([]*ast.File{f}, check.Config{Kernel: k, C: cs}).Diags {
		if d.Severity == diag.Error {
			t.Errorf("%s: %s", override, d.Error())
		}
	}
	// DWARF names types only for its binary's probes.
	for _, src := range []string{
		"uprobe:" + bin + ":handle { $q = (struct nosuch *)arg0; }",
		"begin { $q = (struct point *)0; }",
	} {
		if !hasError(checkWith(t, k, src), check.CodeUnknownType) {
			t.Errorf("%s: no unknown-type error", src)
		}
	}
}

func hasError(p *check.Program, code diag.Code) bool {
	for _, d := range p.Diags {
		if d.Severity == diag.Error && d.Code == code {
			return true
		}
	}
	return false
}

// TestKernelUprobeSourceLine attaches by FILE:LINE: the line of a
// function's opening brace is the function's entry address.
func TestKernelUprobeSourceLine(t *testing.T) {
	k := liveKernel(t)
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "lines.c")
	bin := filepath.Join(dir, "lines")
	os.WriteFile(src, []byte("int work(int n)\n{\n  return n * 2;\n}\n\nint main(void)\n{\n  return work(3);\n}\n"), 0o644)
	if out, err := exec.Command("gcc", "-g", "-O0", "-o", bin, src).CombinedOutput(); err != nil {
		t.Skipf("cannot compile: %v %s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	syms, _ := f.Symbols()
	f.Close()
	var work uint64
	for _, s := range syms {
		if s.Name == "work" {
			work = s.Value
		}
	}
	ai, ds := resolveOne(t, k, "uprobe:"+bin+"@lines.c:2 { }")
	wantNoDiags(t, ds)
	if want := fmt.Sprintf("uprobe:%s:%d", bin, work); len(ai.Targets) != 1 || ai.Targets[0] != want {
		t.Errorf("targets %v, want %s", ai.Targets, want)
	}
	_, ds = resolveOne(t, k, "uprobe:"+bin+"@lines.c:5 { }")
	wantOne(t, ds, diag.Error, check.CodeProbeNotFound, "DWARF error: Unable to map 'lines.c:5' to address")
	_, ds = resolveOne(t, k, "uprobe:"+bin+"@other.c:2 { }")
	wantOne(t, ds, diag.Error, check.CodeProbeNotFound, "DWARF error: No compilation unit matches other.c")
}

func TestKernelUSDT(t *testing.T) {
	k := liveKernel(t)
	libc, err := btfindex.ResolveBinary("libc")
	if err != nil {
		t.Skip(err)
	}
	ps, err := btfindex.USDTProbes(libc)
	if err != nil || len(ps) == 0 {
		t.Skip("libc has no USDT probes")
	}
	u := ps[0]
	ai, ds := resolveOne(t, k, "usdt:"+libc+":"+u.Provider+":"+u.Name+" { }")
	wantNoDiags(t, ds)
	if len(ai.Targets) != 1 || ai.Targets[0] != "usdt:"+libc+":"+u.Provider+":"+u.Name {
		t.Errorf("targets %v", ai.Targets)
	}
	_, ds = resolveOne(t, k, "usdt:"+libc+":"+u.Provider+":no_such_probe_xyz { }")
	wantOne(t, ds, diag.Error, check.CodeProbeNotFound, "USDT probe "+u.Provider+":no_such_probe_xyz does not exist in "+libc)
}

func TestKernelIterAndFixed(t *testing.T) {
	kernels(t, func(t *testing.T, k *kernelView) {
		ai, ds := resolveOne(t, k, "iter:task { }")
		wantNoDiags(t, ds)
		if len(ai.Targets) != 1 || ai.Targets[0] != "iter:task" {
			t.Errorf("targets %v", ai.Targets)
		}
		_, ds = resolveOne(t, k, "iter:tsk { }")
		wantOne(t, ds, diag.Error, check.CodeProbeNotFound, "BPF iterator tsk")
		for src, target := range map[string]string{
			"begin { }":              "begin",
			"BEGIN { }":              "begin",
			"profile:hz:99 { }":      "profile:hz:99",
			"software:cpu:100 { }":   "software:cpu-clock:100",
			"i:s:1 { }":              "interval:s:1",
			"self:signal:SIGUSR1 {}": "self:signal:SIGUSR1",
		} {
			ai, ds := resolveOne(t, k, src)
			wantNoDiags(t, ds)
			if len(ai.Targets) != 1 || ai.Targets[0] != target {
				t.Errorf("%s: targets %v, want %s", src, ai.Targets, target)
			}
		}
		// A positional parameter is only known when the script runs.
		ai, ds = resolveOne(t, k, "kprobe:$1 { }")
		wantNoDiags(t, ds)
		if len(ai.Targets) != 0 {
			t.Errorf("kprobe:$1 targets %v", ai.Targets)
		}
	})
}

func TestKernelNoBTF(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "missing.btf"), false)
	if err == nil || !strings.Contains(err.Error(), "cannot read BTF from") {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.btf")
	os.WriteFile(bad, []byte("this is not BTF"), 0o644)
	if _, err := Open(bad, false); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad file: %v", err)
	}
	if k, err := Open("", true); k != nil || err != nil {
		t.Errorf("--no-kernel: %v %v", k, err)
	}
	// An index without BTF (what NewKernel may be handed): BTF-only
	// providers say so, others still work.
	idx, err := btfindex.Open(btfindex.Options{SysBTFDir: t.TempDir(), Kallsyms: "-", TracefsDirs: []string{}, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	k := New(idx)
	for _, src := range []string{"fentry:vfs_read { }", "rawtracepoint:sched_switch { }", "iter:task { }"} {
		_, ds := resolveOne(t, k, src)
		wantOne(t, ds, diag.Error, check.CodeBTFRequired, "need kernel BTF")
	}
	_, ds := resolveOne(t, k, "begin { }")
	wantNoDiags(t, ds)
	if _, ok := k.Type("struct task_struct"); ok {
		t.Error("a type without BTF")
	}
}

// TestKernelConcurrent resolves and converts from many goroutines, as
// the language server does (run with -race).
func TestKernelConcurrent(t *testing.T) {
	k := liveKernel(t)
	srcs := []string{
		"tracepoint:sched:sched_switch { }", "fentry:vfs_write { }", "kprobe:do_nanosleep { }",
		"rawtracepoint:sched_wakeup { }", "tracepoint:sched:sched_wak* { }", "fexit:vfs_open { }",
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				src := srcs[(i+j)%len(srcs)]
				ai, ds := resolveOne(t, k, src)
				if len(ds) > 0 || len(ai.Targets) == 0 {
					t.Errorf("%s: %v %v", src, ai.Targets, codes(ds))
				}
				if ai.ArgsType != nil {
					for _, f := range ai.ArgsType.Fields() {
						if p, ok := types.Underlying(f.Type).(*types.Pointer); ok {
							if s, ok := p.Elem.(*types.Struct); ok {
								s.Fields()
							}
						}
					}
				}
				if _, ok := k.Type("struct mm_struct"); !ok {
					t.Error("no mm_struct")
				}
			}
		}(i)
	}
	wg.Wait()
}

// TestKernelEnumValue: a named kernel enum's constants have the enum's
// type, the same as the type named "enum x"; unknown names are not found.
func TestKernelEnumValue(t *testing.T) {
	kernels(t, func(t *testing.T, k *kernelView) {
		v, typ, ok := k.EnumValue("TASK_COMM_LEN")
		if !ok || v != 16 {
			t.Fatalf("TASK_COMM_LEN = %d, %v", v, ok)
		}
		if _, _, ok := k.EnumValue("NO_SUCH_ENUMERATOR"); ok {
			t.Error("NO_SUCH_ENUMERATOR found")
		}
		v, typ, ok = k.EnumValue("PIDTYPE_TGID")
		named, found := k.Type("enum pid_type")
		if !ok || !found || v != 1 || !types.Identical(typ, named) {
			t.Errorf("PIDTYPE_TGID = %d %v (%v); enum pid_type %v (%v)", v, typ, ok, named, found)
		}
	})
}

// builtKernel is a kernel made from types with cilium's btf.Builder, as a
// --btf file (no kallsyms, no tracefs).
func builtKernel(t *testing.T, ts ...btf.Type) *kernelView {
	t.Helper()
	b, err := btf.NewBuilder(ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "k.btf")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	k, err := openKernel(btfindex.Options{BTFFile: path, CacheDir: filepath.Join(dir, "cache")})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// A wildcard's targets must agree on the type of each args field the
// probe reads; fields not all of them have are not offered.
func TestKernelWildcardArgsMismatch(t *testing.T) {
	intT := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	longT := &btf.Int{Name: "long", Size: 8, Encoding: btf.Signed}
	fn := func(name string, params ...btf.FuncParam) *btf.Func {
		return &btf.Func{Name: name, Linkage: btf.GlobalFunc, Type: &btf.FuncProto{Return: intT, Params: params}}
	}
	k := builtKernel(t,
		fn("foo_a", btf.FuncParam{Name: "x", Type: intT}, btf.FuncParam{Name: "same", Type: longT}),
		fn("foo_b", btf.FuncParam{Name: "x", Type: longT}, btf.FuncParam{Name: "same", Type: longT}, btf.FuncParam{Name: "extra", Type: intT}),
		fn("foo_both", btf.FuncParam{Name: "only", Type: intT}, btf.FuncParam{Name: "same", Type: longT}, btf.FuncParam{Name: "x", Type: intT}))

	prog := checkWith(t, k, "fentry:foo_* { }")
	if len(prog.Diags) != 0 {
		t.Errorf("no args read: %v", prog.Diags)
	}
	prog = checkWith(t, k, "fentry:foo_* { $v = args.x; }")
	var mm diag.List
	for _, d := range prog.Diags {
		if d.Code == check.CodeArgsMismatch {
			mm = append(mm, d)
		}
	}
	if len(mm) != 1 || !strings.Contains(mm[0].Message, "args.x has type int32 in fentry:vmlinux:foo_a but int64 in fentry:vmlinux:foo_b") {
		t.Errorf("mismatch: %v", prog.Diags)
	}
	prog = checkWith(t, k, "fentry:foo_* { $v = args.same; }")
	for _, d := range prog.Diags {
		if d.Severity == diag.Error {
			t.Errorf("args.same: %s", d.Error())
		}
	}
	// extra is foo_b's alone: not an argument of the wildcard.
	prog = checkWith(t, k, "fentry:foo_* { $v = args.extra; }")
	if !hasCode(prog.Diags, check.CodeNoSuchField) {
		t.Errorf("args.extra: %v", codes(prog.Diags))
	}
	ai, _ := resolveOne(t, k, "fentry:foo_* { }")
	if len(ai.Targets) != 3 {
		t.Errorf("targets %v", ai.Targets)
	}
	if f, ok := ai.ArgsType.Field("same"); !ok || !types.Identical(f.Type, types.Int64) {
		t.Errorf("same: %+v %v", f, ok)
	}
	if f, ok := ai.ArgsType.Field("x"); !ok || !check.IsUnknown(f.Type) {
		t.Errorf("x: %+v %v", f, ok)
	}
}

// Without tracefs or a cache, a syscall tracepoint whose prototype BTF
// lacks has unknown arguments: args.field is not an error, but a note
// says it is not checked; where BTF has the prototype, fields are checked.
func TestSyscallArgsWithoutTracefs(t *testing.T) {
	k := fileKernel(t)
	var unknownEv, knownEv string
	for _, tp := range k.kernel.syntheticSyscalls() {
		if !strings.HasPrefix(tp.Event, "sys_enter_") {
			continue
		}
		if len(k.kernel.idx.Funcs("__do_sys_"+strings.TrimPrefix(tp.Event, "sys_enter_"))) > 0 {
			if knownEv == "" {
				knownEv = tp.Event
			}
		} else if unknownEv == "" {
			unknownEv = tp.Event
		}
	}
	if unknownEv == "" || knownEv == "" {
		t.Skipf("this kernel's BTF has no syscall of each kind (unknown %q, known %q)", unknownEv, knownEv)
	}
	prog := checkWith(t, k, "tracepoint:syscalls:"+unknownEv+" { print(args.no_such_field); }")
	if prog.Diags.HasErrors() || !hasCode(prog.Diags, check.CodeArgsUnknown) {
		t.Errorf("%s: want only an args-unknown note, got %v", unknownEv, prog.Diags)
	}
	prog = checkWith(t, k, "tracepoint:syscalls:"+knownEv+" { print(args.no_such_field); }")
	if !hasCode(prog.Diags, check.CodeNoSuchField) || hasCode(prog.Diags, check.CodeArgsUnknown) {
		t.Errorf("%s: want no-such-field, got %v", knownEv, prog.Diags)
	}
}

// TestKernelUprobeArgsRefused: args in a uprobe needs DWARF and the
// arguments in the integer registers bt reads, as bpftrace says; argN and
// the readable leading parameters stay usable.
func TestKernelUprobeArgsRefused(t *testing.T) {
	k := liveKernel(t)
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "r.c")
	os.WriteFile(src, []byte(`__attribute__((noinline)) int seven(int a, int b, int c, int d, int e, int f, int g) { return a+b+c+d+e+f+g; }
__attribute__((noinline)) double mixed(int n, double x, int m) { return x * n + m; }
int main(void) { return seven(1,2,3,4,5,6,7) + (int)mixed(2, 1.5, 1); }
`), 0o644)
	withDWARF, without := filepath.Join(dir, "r"), filepath.Join(dir, "r-nodebug")
	for bin, flags := range map[string][]string{withDWARF: {"-g"}, without: nil} {
		args := append(append([]string{"-O0"}, flags...), "-o", bin, src)
		if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, out)
		}
	}
	for src, want := range map[string]string{
		"uprobe:" + withDWARF + ":seven { print(args.a); }":    "stack-passed arguments",
		"uprobe:" + without + ":seven { print(args); }":        "no debuginfo found for " + without,
		"uprobe:" + withDWARF + ":mixed { print(args.m); }":    "m is not there",
		"uprobe:" + withDWARF + ":mixed { print(args); }":      "x is not there",
		"uprobe:" + withDWARF + ":mixed { print(args.n); }":    "",
		"uprobe:" + withDWARF + ":seven { print(arg5); }":      "",
		"uprobe:" + without + ":seven { print(arg0); }":        "",
		"uretprobe:" + withDWARF + ":mixed { print(retval); }": "",
	} {
		prog := checkWith(t, k, src)
		var errs []string
		for _, d := range prog.Diags {
			if d.Severity == diag.Error {
				errs = append(errs, d.Message)
			}
		}
		switch {
		case want == "" && len(errs) > 0:
			t.Errorf("%s: %v", src, errs)
		case want != "" && (len(errs) != 1 || !strings.Contains(errs[0], want) || !strings.HasPrefix(errs[0], "Could not parse arguments of ")):
			t.Errorf("%s: errors %q, want one with %q", src, errs, want)
		}
	}
}

// fieldNames lists a struct's field names, for messages.
func fieldNames(s *types.Struct) []string {
	var out []string
	for _, f := range s.Fields() {
		out = append(out, f.Name)
	}
	return out
}

// parseScript parses src, failing the test on a syntax error.
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
