package tracer

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/codegen"
)

// runAsync starts Run in a goroutine and returns a channel with its result.
type runResult struct {
	res Result
	err error
}

func runAsync(obj *codegen.Object, opts Options) chan runResult {
	ch := make(chan runResult, 1)
	go func() {
		res, err := Run(obj, opts)
		ch <- runResult{res, err}
	}()
	return ch
}

func waitRun(t *testing.T, ch chan runResult) runResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
		return runResult{}
	}
}

// waitAttached waits for the Attached report, failing when Run ends first.
func waitAttached(t *testing.T, out *fakeOutput, ch chan runResult) int {
	t.Helper()
	select {
	case n := <-out.attached:
		return n
	case r := <-ch:
		t.Fatalf("Run ended before attaching: %v", r.err)
	case <-time.After(10 * time.Second):
		t.Fatal("probes not attached after 10s")
	}
	return 0
}

func TestBeginEndOrderAndMapsAtExit(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	before := objectCounts(t, prefix)
	obj := newObject(t, prefix, 1<<16,
		beginDef(),
		tracepointDef(fireBody, "tracepoint:syscalls:sys_enter_getppid", "tracepoint:syscalls:sys_enter_getpgid"),
		endDef(),
	)
	out := newFakeOutput()
	sigs := make(chan os.Signal, 1)
	ch := runAsync(obj, Options{Output: out, Signals: sigs})
	if n := waitAttached(t, out, ch); n != 4 {
		t.Errorf("attached %d probes, want 4 (begin, two tracepoints, end)", n)
	}
	waitFor(t, "both tracepoints to fire", func() {
		syscall.Getppid()
		syscall.Getpgid(0)
	}, func() bool {
		return out.fired(obj.Progs[1].Targets[0].Cookie) > 0 && out.fired(obj.Progs[1].Targets[1].Cookie) > 0
	})
	sigs <- syscall.SIGINT
	r := waitRun(t, ch)
	if r.err != nil {
		t.Fatal(r.err)
	}
	log := out.log()
	want := []string{"attached 4", "begin 0"}
	if !slices.Equal(log[:2], want) {
		t.Errorf("log starts %q, want %q", log[:2], want)
	}
	if n := len(log); n < 3 || log[n-3] != "end 0" || log[n-2] != "end of run" || log[n-1] != "map @c 2" {
		t.Errorf("log ends %q, want the end probe's output, the end, then @c with 2 keys", log[max(0, n-3):])
	}
	// The map at exit holds every fire of each cookie, summed over CPUs.
	for _, e := range out.maps["@c"] {
		var sum uint64
		for _, v := range e.Values {
			sum += le.Uint64(v)
		}
		cookie := le.Uint64(e.Key)
		if got := out.fired(cookie); uint64(got) > sum {
			t.Errorf("@c[%d] = %d, but %d records were read", cookie, sum, got)
		}
	}
	checkNoLeak(t, prefix, before)
}

func TestExitCodeDropsLaterRecords(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	before := objectCounts(t, prefix)
	obj := newObject(t, prefix, 1<<16,
		tracepointDef(exitBody(3), "tracepoint:syscalls:sys_enter_getppid"),
		tracepointDef(fireBody, "tracepoint:syscalls:sys_enter_getpgid"),
		endDef(),
	)
	out := newFakeOutput()
	ch := runAsync(obj, Options{Output: out})
	waitAttached(t, out, ch)
	// One getppid (exit) then getpgid records, which exit() drops.
	var r runResult
	done := false
	for i := 0; i < 200 && !done; i++ {
		syscall.Getppid()
		syscall.Getpgid(0)
		select {
		case r = <-ch:
			done = true
		case <-time.After(10 * time.Millisecond):
		}
	}
	if !done {
		r = waitRun(t, ch)
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.res.ExitCode != 3 {
		t.Errorf("exit code %d, want 3", r.res.ExitCode)
	}
	log := out.log()
	if n := len(log); log[n-3] != "end 0" || log[n-1] != "map @c 1" {
		t.Errorf("log %q: want the end probe's record and @c last", log)
	}
	checkNoLeak(t, prefix, before)
}

func TestOnlyBeginEndsByItself(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	before := objectCounts(t, prefix)
	obj := newObject(t, prefix, 1<<16, beginDef(), endDef())
	out := newFakeOutput()
	r := waitRun(t, runAsync(obj, Options{Output: out}))
	if r.err != nil {
		t.Fatal(r.err)
	}
	want := []string{"attached 2", "begin 0", "end 0", "end of run", "map @c 0"}
	if got := out.log(); !slices.Equal(got, want) {
		t.Errorf("log %q, want %q", got, want)
	}
	checkNoLeak(t, prefix, before)
}

func TestDryRunPrintsNothing(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	before := objectCounts(t, prefix)
	obj := newObject(t, prefix, 1<<16, beginDef(), tracepointDef(fireBody, "tracepoint:syscalls:sys_enter_getppid"), endDef())
	out := newFakeOutput()
	r := waitRun(t, runAsync(obj, Options{Output: out, DryRun: true}))
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.res.Attached != 3 {
		t.Errorf("attached %d, want 3", r.res.Attached)
	}
	if got := out.log(); len(got) != 0 {
		t.Errorf("dry run printed %q", got)
	}
	checkNoLeak(t, prefix, before)
}

func TestLostEventsAreCounted(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	before := objectCounts(t, prefix)
	// A one-page ring holds 4096/24 records; one getppid writes 4096.
	obj := newObject(t, prefix, uint32(os.Getpagesize()),
		tracepointDef(floodBody, "tracepoint:syscalls:sys_enter_getppid"))
	out := newFakeOutput()
	sigs := make(chan os.Signal, 1)
	ch := runAsync(obj, Options{Output: out, Signals: sigs})
	waitAttached(t, out, ch)
	syscall.Getppid()
	sigs <- syscall.SIGTERM
	r := waitRun(t, ch)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.res.Lost == 0 {
		t.Fatal("no lost events counted")
	}
	var reported uint64
	var total string
	for _, l := range out.log() {
		var n uint64
		if _, err := fmt.Sscanf(l, "lost %d", &n); err == nil {
			reported += n
		}
		if strings.HasPrefix(l, "total lost ") {
			total = l
		}
	}
	if reported != r.res.Lost {
		t.Errorf("lost events reported %d, counted %d: %q", reported, r.res.Lost, out.log())
	}
	if want := fmt.Sprintf("total lost %d", r.res.Lost); total != want {
		t.Errorf("total %q, want %q", total, want)
	}
	checkNoLeak(t, prefix, before)
}

func TestErrorPathsLeaveNothing(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	before := objectCounts(t, prefix)
	// The second tracepoint does not exist: the first is attached, then
	// everything is closed.
	obj := newObject(t, prefix, 1<<16, beginDef(),
		tracepointDef(fireBody, "tracepoint:syscalls:sys_enter_getppid", "tracepoint:syscalls:sys_enter_no_such_call"))
	_, err := Run(obj, Options{Output: newFakeOutput()})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("err = %v, want a missing tracepoint", err)
	}
	checkNoLeak(t, prefix, before)

	// A program the verifier rejects (reads an uninitialised register).
	obj = newObject(t, prefix, 1<<16, progDef{provider: "tracepoint", targets: []string{"tracepoint:syscalls:sys_enter_getppid"},
		typ: ebpf.TracePoint, body: func(*objBuilder) asm.Instructions {
			return asm.Instructions{asm.Mov.Reg(asm.R0, asm.R5), asm.Return()}
		}})
	_, err = Run(obj, Options{Output: newFakeOutput()})
	var ve *ebpf.VerifierError
	if !errors.As(err, &ve) {
		t.Errorf("err = %v, want a verifier error", err)
	}
	checkNoLeak(t, prefix, before)
}

func TestDuplicateProgramNamesAreRejected(t *testing.T) {
	prefix := uniquePrefix(t)
	obj := newObject(t, prefix, 1<<16, tracepointDef(fireBody, "tracepoint:syscalls:sys_enter_getppid"),
		tracepointDef(fireBody, "tracepoint:syscalls:sys_enter_getpgid"))
	obj.Progs[1].SpecName = obj.Progs[0].SpecName
	_, err := Run(obj, Options{Output: newFakeOutput()})
	if err == nil || !strings.Contains(err.Error(), "both named") {
		t.Errorf("err = %v, want two programs with one name rejected", err)
	}
}

// failingOutput fails to format begin's record.
type failingOutput struct{ *fakeOutput }

func (f failingOutput) Event(ev *codegen.Event, payload []byte) error {
	if ev.ID == evBegin {
		return errors.New("cannot format this")
	}
	return f.fakeOutput.Event(ev, payload)
}

func TestOutputErrorsAreReportedAndTheRunGoesOn(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	obj := newObject(t, prefix, 1<<16, beginDef(), endDef())
	out := failingOutput{newFakeOutput()}
	var stderr strings.Builder
	res, err := Run(obj, Options{Output: out, Stderr: &stderr})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("Run: %v, %+v", err, res)
	}
	if stderr.String() != "ERROR: cannot format this\n" {
		t.Errorf("stderr %q", stderr.String())
	}
	if log := out.log(); !slices.Contains(log, "end 0") {
		t.Errorf("log %q: the end probe's record is missing", log)
	}
}

func TestMissingProbesPolicy(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	for _, policy := range []string{"warn", "ignore"} {
		before := objectCounts(t, prefix)
		obj := newObject(t, prefix, 1<<16, beginDef(),
			tracepointDef(fireBody, "tracepoint:syscalls:sys_enter_getppid", "tracepoint:syscalls:sys_enter_no_such_call"))
		var stderr strings.Builder
		res, err := Run(obj, Options{Output: newFakeOutput(), Stderr: &stderr, DryRun: true,
			Config: map[string]any{"missing_probes": policy}})
		if err != nil {
			t.Fatalf("%s: %v", policy, err)
		}
		if res.Attached != 2 {
			t.Errorf("%s: attached %d, want 2 (begin and the tracepoint that exists)", policy, res.Attached)
		}
		warned := strings.Contains(stderr.String(), "WARNING: Unable to attach probe: tracepoint:syscalls:sys_enter_no_such_call. Skipping.")
		if warned != (policy == "warn") {
			t.Errorf("%s: stderr %q", policy, stderr.String())
		}
		checkNoLeak(t, prefix, before)
	}
	_, err := Run(newObject(t, prefix, 1<<16, tracepointDef(fireBody, "tracepoint:syscalls:sys_enter_no_such_call")),
		Options{Output: newFakeOutput(), Config: map[string]any{"missing_probes": "warn"}})
	if err == nil || !strings.Contains(err.Error(), "Attachment failed for all probes") {
		t.Errorf("nothing attached: err %v", err)
	}
	var ae *AttachError
	_, err = Run(newObject(t, prefix, 1<<16, tracepointDef(fireBody, "tracepoint:syscalls:sys_enter_no_such_call")),
		Options{Output: newFakeOutput()})
	if !errors.As(err, &ae) || ae.Probe != "tracepoint:syscalls:sys_enter_no_such_call" {
		t.Errorf("default policy: err %v, want an AttachError naming the probe", err)
	}
}

func TestChildStartsStoppedAndIsTerminated(t *testing.T) {
	needRoot(t)
	c, err := StartChild("/bin/sleep 30", nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Stopped after exec: its state is 't' (tracing stop) until resumed.
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.Pid()))
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(string(b)); len(f) < 3 || (f[2] != "t" && f[2] != "T") {
		t.Errorf("child state %q, want stopped", f[2])
	}
	if !strings.Contains(string(b), "(sleep)") {
		t.Errorf("child is not the command yet: %q", b)
	}
	c.Resume()
	start := time.Now()
	c.Terminate()
	select {
	case <-c.Done():
	default:
		t.Fatal("Terminate returned before the child ended")
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("SIGTERM took %v to end sleep", time.Since(start))
	}
	if _, err := StartChild("/no/such/command", nil, nil, nil); err == nil {
		t.Error("a missing command started")
	}
}
