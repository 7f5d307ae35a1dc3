package tracer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/bt-tools/bt/codegen"
)

// runUntilFired runs obj, triggers events until every target of every
// program has fired (prog is the one a failure names), then ends the run
// with SIGINT and checks that nothing is left behind.
func runUntilFired(t *testing.T, prefix string, obj *codegen.Object, prog int, trigger func()) *fakeOutput {
	t.Helper()
	before := objectCounts(t, prefix)
	out := newFakeOutput()
	sigs := make(chan os.Signal, 1)
	ch := runAsync(obj, Options{Output: out, Signals: sigs})
	if n, want := waitAttached(t, out, ch), len(obj.ProbeNames); n != want {
		t.Errorf("attached %d probes, want %d", n, want)
	}
	waitFor(t, fmt.Sprintf("every target of %s to fire", obj.Progs[prog].Provider), trigger, func() bool {
		for _, p := range obj.Progs {
			for _, tg := range p.Targets {
				if out.fired(tg.Cookie) == 0 {
					return false
				}
			}
		}
		return true
	})
	sigs <- syscall.SIGINT
	if r := waitRun(t, ch); r.err != nil {
		t.Fatal(r.err)
	}
	checkNoLeak(t, prefix, before)
	return out
}

func TestRawTracepoint(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	obj := newObject(t, prefix, 1<<16, progDef{provider: "rawtracepoint", typ: ebpf.RawTracepoint, body: fireBody,
		targets: []string{"rawtracepoint:sys_enter", "rawtracepoint:sys_exit"}})
	runUntilFired(t, prefix, obj, 0, func() { syscall.Getppid() })
}

func TestBTFTracepoint(t *testing.T) {
	needRoot(t)
	if _, err := btf.LoadKernelSpec(); err != nil {
		t.Skip("no kernel BTF:", err)
	}
	prefix := uniquePrefix(t)
	// A Tracing program serving two targets is loaded once per target.
	obj := newObject(t, prefix, 1<<16, progDef{provider: "rawtracepoint", typ: ebpf.Tracing, body: fireBody,
		targets: []string{"rawtracepoint:sys_enter", "rawtracepoint:sys_exit"}})
	runUntilFired(t, prefix, obj, 0, func() { syscall.Getppid() })
}

func TestProfileAndInterval(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	obj := newObject(t, prefix, 1<<16,
		progDef{provider: "profile", typ: ebpf.PerfEvent, body: fireAnyBody, targets: []string{"profile:hz:997"}},
		progDef{provider: "interval", typ: ebpf.PerfEvent, body: fireAnyBody, targets: []string{"interval:ms:10", "interval:5000000"}},
	)
	before := objectCounts(t, prefix)
	out := newFakeOutput()
	sigs := make(chan os.Signal, 1)
	ch := runAsync(obj, Options{Output: out, Signals: sigs})
	if n := waitAttached(t, out, ch); n != 3 {
		t.Errorf("attached %d, want 3", n)
	}
	spin := func() {
		for i := 0; i < 1e6; i++ {
			_ = i * i
		}
	}
	waitFor(t, "timers to fire", spin, func() bool { return out.fired(0) > 0 && out.fired(1) > 0 && out.fired(2) > 0 })
	sigs <- syscall.SIGINT
	if r := waitRun(t, ch); r.err != nil {
		t.Fatal(r.err)
	}
	checkNoLeak(t, prefix, before)
}

func TestSoftwareEvent(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	obj := newObject(t, prefix, 1<<16, progDef{provider: "software", typ: ebpf.PerfEvent, body: fireAnyBody,
		targets: []string{"software:page-faults:1", "software:cs:1"}})
	runUntilFired(t, prefix, obj, 0, func() {
		// Touch fresh memory and sleep briefly: page faults and context switches.
		b := make([]byte, 1<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		exec.Command("/bin/true").Run()
	})
}

func TestHardwareEvent(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	obj := newObject(t, prefix, 1<<16, progDef{provider: "hardware", typ: ebpf.PerfEvent, body: fireAnyBody,
		targets: []string{"hardware:cycles:100000"}})
	_, err := Run(obj, Options{Output: newFakeOutput(), DryRun: true})
	if err != nil && (errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENODEV)) {
		t.Skip("no hardware performance counters here:", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	runUntilFired(t, prefix, obj, 0, func() {})
}

func TestUprobe(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	// go test strips its binary's symbol table: probe libc's getppid,
	// which dash calls when it starts.
	const libc = "/lib/x86_64-linux-gnu/libc.so.6"
	if _, err := os.Stat(libc); err != nil {
		t.Skip("no libc at", libc)
	}
	if _, err := exec.LookPath("dash"); err != nil {
		t.Skip("no dash to call getppid")
	}
	obj := newObject(t, prefix, 1<<16,
		progDef{provider: "uprobe", typ: ebpf.Kprobe, body: fireAnyBody, targets: []string{"uprobe:" + libc + ":getppid"}},
		progDef{provider: "uretprobe", typ: ebpf.Kprobe, body: fireAnyBody, targets: []string{"uretprobe:" + libc + ":getppid"}},
	)
	runUntilFired(t, prefix, obj, 0, func() { exec.Command("dash", "-c", "true").Run() })
}

func TestIterator(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	// An iter:task program that writes "x" per task with bpf_seq_write.
	body := func(b *objBuilder) asm.Instructions {
		return asm.Instructions{
			asm.LoadMem(asm.R2, asm.R1, 8, asm.DWord), // ctx->task
			asm.JEq.Imm(asm.R2, 0, "out"),
			asm.LoadMem(asm.R1, asm.R1, 0, asm.DWord), // ctx->meta
			asm.LoadMem(asm.R1, asm.R1, 0, asm.DWord), // meta->seq
			asm.Mov.Imm(asm.R3, 'x'),
			asm.StoreMem(asm.RFP, -8, asm.R3, asm.DWord),
			asm.Mov.Reg(asm.R2, asm.RFP),
			asm.Add.Imm(asm.R2, -8),
			asm.Mov.Imm(asm.R3, 1),
			asm.FnSeqWrite.Call(),
			asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
			asm.Return(),
		}
	}
	obj := newObject(t, prefix, 1<<16, progDef{provider: "iter", typ: ebpf.Tracing, body: body, targets: []string{"iter:task"}})
	before := objectCounts(t, prefix)
	var stdout strings.Builder
	out := newFakeOutput()
	r := waitRun(t, runAsync(obj, Options{Output: out, Stdout: &stdout}))
	if r.err != nil {
		t.Fatal(r.err)
	}
	if n := strings.Count(stdout.String(), "x"); n < 10 {
		t.Errorf("iterator wrote %d tasks, want one per task (at least 10)", n)
	}
	checkNoLeak(t, prefix, before)
}

func TestSelfSignal(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	obj := newObject(t, prefix, 1<<16,
		progDef{provider: "self", typ: ebpf.RawTracepoint, body: emitConst(evFire, 7), targets: []string{"self:signal:SIGUSR1"}},
		tracepointDef(fireBody, "tracepoint:syscalls:sys_enter_getppid"))
	before := objectCounts(t, prefix)
	out := newFakeOutput()
	sigs := make(chan os.Signal, 1)
	ch := runAsync(obj, Options{Output: out, Signals: sigs})
	waitAttached(t, out, ch)
	waitFor(t, "the signal probe", func() {
		select {
		case sigs <- syscall.SIGUSR1:
		default:
		}
	}, func() bool { return out.fired(7) > 0 })
	sigs <- syscall.SIGTERM
	if r := waitRun(t, ch); r.err != nil {
		t.Fatal(r.err)
	}
	checkNoLeak(t, prefix, before)
}

func TestMapActions(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	// getppid counts; getpgid prints @c, zeroes it and prints it again;
	// getsid clears it and prints it.
	emitAll := func(ids ...int64) func(b *objBuilder) asm.Instructions {
		return func(b *objBuilder) asm.Instructions {
			ins := b.onlyMe()
			for i, id := range ids {
				ins = append(ins, asm.Mov.Imm(asm.R6, 0))
				ins = append(ins, b.emit(fmt.Sprint("e", i), id, asm.R6)...)
			}
			return append(ins, asm.Mov.Imm(asm.R0, 0), asm.Return())
		}
	}
	obj := newObject(t, prefix, 1<<16,
		tracepointDef(fireBody, "tracepoint:syscalls:sys_enter_getppid"),
		tracepointDef(emitAll(evPrintMap, evZero, evPrintMap), "tracepoint:syscalls:sys_enter_getpgid"),
		tracepointDef(emitAll(evClear, evPrintMap, evExit), "tracepoint:syscalls:sys_enter_getsid"),
	)
	before := objectCounts(t, prefix)
	out := newFakeOutput()
	ch := runAsync(obj, Options{Output: out})
	waitAttached(t, out, ch)
	waitFor(t, "a count", func() { syscall.Getppid() }, func() bool { return out.fired(0) > 0 })
	var printed []MapEntry
	waitFor(t, "print(@c)", func() { syscall.Getpgid(0) }, func() bool {
		out.mu.Lock()
		defer out.mu.Unlock()
		printed = out.maps["@c"]
		return printed != nil
	})
	var r runResult
	waitFor(t, "exit", func() { unix.Getsid(0) }, func() bool {
		select {
		case r = <-ch:
			return true
		default:
			return false
		}
	})
	if r.err != nil {
		t.Fatal(r.err)
	}
	out.mu.Lock()
	prints := out.prints
	out.mu.Unlock()
	// getpgid's print then print after zero (possibly several times),
	// then getsid's print after clear and the dump at exit.
	if len(prints) < 4 || len(prints)%2 != 0 {
		t.Fatalf("%d map prints, want pairs from getpgid then two", len(prints))
	}
	for i := 0; i+2 < len(prints); i += 2 {
		if len(prints[i]) != 1 || sumValues(prints[i][0]) == 0 && i == 0 {
			t.Errorf("print %d: %d entries, want @c with its count", i, len(prints[i]))
		}
		if len(prints[i+1]) != 1 || sumValues(prints[i+1][0]) != 0 {
			t.Errorf("print %d after zero(): want one key with value 0, got %v", i+1, prints[i+1])
		}
	}
	if n := len(prints); len(prints[n-2]) != 0 || len(prints[n-1]) != 0 {
		t.Errorf("after clear(): prints %v, want empty maps", prints[n-2:])
	}
	checkNoLeak(t, prefix, before)
}

func TestKprobe(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	obj := newObject(t, prefix, 1<<16, progDef{provider: "kprobe", typ: ebpf.Kprobe, body: fireAnyBody,
		targets: []string{"kprobe:vfs_read", "kprobe:vfs_write"}})
	_, err := Run(obj, Options{Output: newFakeOutput(), DryRun: true})
	if err != nil {
		t.Skipf("kprobes cannot attach on this machine: %v", err)
	}
	runUntilFired(t, prefix, obj, 0, func() { os.ReadFile("/proc/self/stat"); os.Stdout.Write(nil) })
}

func TestFentry(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	obj := newObject(t, prefix, 1<<16, progDef{provider: "fentry", typ: ebpf.Tracing, body: fireAnyBody,
		targets: []string{"fentry:vfs_read"}})
	_, err := Run(obj, Options{Output: newFakeOutput(), DryRun: true})
	if err != nil {
		t.Skipf("fentry programs cannot load on this machine: %v", err)
	}
	runUntilFired(t, prefix, obj, 0, func() { os.ReadFile("/proc/self/stat") })
}

// BenchmarkAttachTracepoints measures attaching one program to every
// syscalls:sys_enter_* tracepoint (361 on the reference machine) and to
// the first 10 and 100 of them, detaching included.
func BenchmarkAttachTracepoints(b *testing.B) {
	needRoot(b)
	s := &session{}
	events, err := s.tracefsEvents()
	if err != nil {
		b.Skip(err)
	}
	dirs, err := os.ReadDir(events + "/syscalls")
	if err != nil {
		b.Skip("no syscall tracepoints:", err)
	}
	var all []string
	for _, d := range dirs {
		if strings.HasPrefix(d.Name(), "sys_enter_") {
			all = append(all, "tracepoint:syscalls:"+d.Name())
		}
	}
	for _, n := range []int{10, 100, len(all)} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			prefix := uniquePrefix(b)
			obj := newObject(b, prefix, 1<<16, tracepointDef(fireBody, all[:n]...))
			before := objectCounts(b, prefix)
			var attach, detach time.Duration
			for b.Loop() {
				res, err := Run(obj, Options{Output: newFakeOutput(), DryRun: true})
				attach += res.AttachTime
				detach += res.DetachTime
				if err != nil {
					b.Fatal(err)
				}
				if res.Attached != n {
					b.Fatalf("attached %d, want %d", res.Attached, n)
				}
			}
			b.ReportMetric(float64(attach.Microseconds())/1e3/float64(b.N), "attach-ms/op")
			b.ReportMetric(float64(detach.Microseconds())/1e3/float64(b.N), "detach-ms/op")
			checkNoLeak(b, prefix, before)
		})
	}
}

// One uprobe program on two functions of one binary: a uprobe_multi
// link where the kernel has it, the attach cookie telling them apart.
func TestUprobeMulti(t *testing.T) {
	needRoot(t)
	const libc = "/lib/x86_64-linux-gnu/libc.so.6"
	if _, err := os.Stat(libc); err != nil {
		t.Skip("no libc at", libc)
	}
	if _, err := exec.LookPath("dash"); err != nil {
		t.Skip("no dash")
	}
	prefix := uniquePrefix(t)
	obj := newObject(t, prefix, 1<<16, progDef{provider: "uprobe", typ: ebpf.Kprobe, body: fireAnyBody,
		targets: []string{"uprobe:" + libc + ":getppid", "uprobe:" + libc + ":getpid"}})
	// dash calls getppid when it starts and getpid for $$.
	runUntilFired(t, prefix, obj, 0, func() { exec.Command("dash", "-c", "echo $$ >/dev/null").Run() })
}
