package codegen

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cilium/ebpf/link"

	"github.com/bt-tools/bt/analysis/types"
)

// waitRecords triggers events until pred accepts the records read so
// far, with a bounded number of tries.
func (h *harness) waitRecords(trigger func(), pred func([]record) bool) []record {
	h.t.Helper()
	var all []record
	for try := 0; try < 100; try++ {
		trigger()
		all = append(all, h.records()...)
		if pred(all) {
			return all
		}
	}
	h.t.Fatalf("expected records did not arrive (%d read)", len(all))
	return nil
}

func (h *harness) attachTarget(p *Prog, tg Target) {
	h.t.Helper()
	parts := strings.SplitN(tg.Name, ":", 3)
	l, err := link.Tracepoint(parts[1], parts[2], h.coll.Programs[p.SpecName], &link.TracepointOptions{Cookie: tg.Cookie})
	if err != nil {
		h.t.Fatalf("attach %s: %v", tg.Name, err)
	}
	h.t.Cleanup(func() { l.Close() })
}

func printfStrings(rs []record) []string {
	var out []string
	for _, r := range rs {
		if r.ev.Kind == EvPrintf && r.ev.Args != nil {
			out = append(out, cstr(r.payload[r.ev.Args.Offsets()[0]:]))
		}
	}
	return out
}

// TestTracepointUserString reads a user-space string argument.
func TestTracepointUserString(t *testing.T) {
	h := load(t, fmt.Sprintf(`tracepoint:syscalls:sys_enter_openat /pid == %d/ { printf("%%s\n", str(args.filename)); }`, os.Getpid()))
	h.attachTarget(h.obj.Progs[0], h.obj.Progs[0].Targets[0])
	path := filepath.Join(t.TempDir(), "bt-codegen-open-test")
	h.waitRecords(func() { os.Open(path) }, func(rs []record) bool {
		for _, s := range printfStrings(rs) {
			if s == path {
				return true
			}
		}
		return false
	})
}

// TestTracepointDataLoc reads a __data_loc string field.
func TestTracepointDataLoc(t *testing.T) {
	h := load(t, `tracepoint:sched:sched_process_exec { printf("%s\n", args.filename); }`)
	h.attachTarget(h.obj.Progs[0], h.obj.Progs[0].Targets[0])
	bin, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true binary")
	}
	h.waitRecords(func() { exec.Command(bin).Run() }, func(rs []record) bool {
		for _, s := range printfStrings(rs) {
			if s == bin {
				return true
			}
		}
		return false
	})
}

// TestWildcardCookie runs one program for several tracepoints and tells
// them apart with the attach cookie (the probe builtin).
func TestWildcardCookie(t *testing.T) {
	h := load(t, fmt.Sprintf(`tracepoint:syscalls:sys_enter_getp* /pid == %d/ { @[probe] = count(); }`, os.Getpid()))
	if len(h.obj.Progs) != 1 || len(h.obj.Progs[0].Targets) < 3 {
		t.Fatalf("want one program for every match, got %d programs", len(h.obj.Progs))
	}
	for _, tg := range h.obj.Progs[0].Targets {
		h.attachTarget(h.obj.Progs[0], tg)
	}
	ml := h.mapLayout("@")
	key := func(name string) []byte {
		k := make([]byte, ml.KeySize)
		copy(k, name)
		return k
	}
	for try := 0; ; try++ {
		syscall.Getppid()
		syscall.Getpgid(0)
		_, ok1 := h.lookupRaw("@", key("tracepoint:syscalls:sys_enter_getppid"))
		_, ok2 := h.lookupRaw("@", key("tracepoint:syscalls:sys_enter_getpgid"))
		if ok1 && ok2 {
			break
		}
		if try == 100 {
			t.Fatal("probe names not counted")
		}
	}
	if _, ok := h.lookupRaw("@", key("tracepoint:syscalls:sys_enter_getpriority")); ok {
		t.Error("getpriority counted without being called")
	}
}

// TestRawTracepointArgs reads raw tracepoint arguments.
func TestRawTracepointArgs(t *testing.T) {
	h := load(t, fmt.Sprintf(`rawtracepoint:sys_enter /pid == %d && arg1 == %d/ { @n = count(); }`, os.Getpid(), syscall.SYS_GETPPID))
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_enter", Program: h.coll.Programs[h.obj.Progs[0].SpecName]})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for try := 0; ; try++ {
		syscall.Getppid()
		if v, ok := h.lookupRaw("@n", nil); ok && leInt(v) > 0 {
			break
		}
		if try == 100 {
			t.Fatal("getppid not seen")
		}
	}
}

// TestKprobeLoads loads kprobe programs reading arguments, retval and
// kernel struct fields (they cannot be attached on this machine).
func TestKprobeLoads(t *testing.T) {
	load(t, `kprobe:vfs_read { @[comm, ((struct file *)arg0)->f_flags] = count(); @b = hist(arg2); @f[func] = count(); }
kretprobe:vfs_read { @r = stats((int64)retval); }
kprobe:do_nanosleep { @p[ppid, pcomm, curtask->pid] = count(); }`)
}

// TestJoinArgv reads a user-space argv array for join().
func TestJoinArgv(t *testing.T) {
	h := load(t, `tracepoint:syscalls:sys_enter_execve { join(args.argv, ","); }`)
	h.attachTarget(h.obj.Progs[0], h.obj.Progs[0].Targets[0])
	bin, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true binary")
	}
	h.waitRecords(func() { exec.Command(bin, "bt-join-a", "bt-join-b").Run() }, func(rs []record) bool {
		for _, r := range rs {
			if r.ev.Kind != EvJoin {
				continue
			}
			arr := r.ev.Args.Elems[0].(*types.Array)
			w := arr.Elem.Size()
			if cstr(r.payload[w:]) == "bt-join-a" && cstr(r.payload[2*w:]) == "bt-join-b" && cstr(r.payload[3*w:]) == "" {
				return true
			}
		}
		return false
	})
}
