package tracer

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/codegen"
)

func testDef(name string, body func(*objBuilder) asm.Instructions) progDef {
	return progDef{provider: "test", targets: []string{"test:" + name}, typ: ebpf.XDP, body: body}
}

// evErrorf is an errorf() event added to the hand-built objects.
const evErrorf = evZero + 1

// captureOutput writes each event as a line to w: what one test printed.
type captureOutput struct {
	*fakeOutput
	w io.Writer
}

func (c captureOutput) Event(ev *codegen.Event, payload []byte) error {
	_, err := fmt.Fprintf(c.w, "%s %d\n", ev.Format, le.Uint64(payload))
	return err
}

func TestTestMode(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	before := objectCounts(t, prefix)
	obj := newObject(t, prefix, 4096,
		beginDef(),
		testDef("passes", emitConst(evFire, 1)),
		testDef("returns1", returnOne),
		testDef("exits3", emitConst(evExit, 3)),
		testDef("exits0", emitConst(evExit, 0)),
		testDef("errorf", emitConst(evErrorf, 9)),
		testDef("after", emitConst(evFire, 2)),
		tracepointDef(fireBody, "tracepoint:syscalls:sys_enter_getpid"), // never attached
		endDef(),
	)
	obj.Events = append(obj.Events, &codegen.Event{ID: evErrorf, Kind: codegen.EvErrorf, Format: "bad", Args: u64Tuple})
	out := newFakeOutput()
	r := waitRun(t, runAsync(obj, Options{Output: out, Test: true,
		TestOutput: func(w io.Writer) Output { return captureOutput{newFakeOutput(), w} }}))
	if r.err != nil {
		t.Fatal(r.err)
	}
	want := []string{
		// begin's records are read with the first test's.
		`test passes true "begin 0\nfire 1\n"`,
		`test returns1 false ""`,
		`test exits3 false ""`,
		// exit() with 0 passes and ends neither the test run nor the
		// next test's output.
		`test exits0 true ""`,
		`test errorf false "bad 9\n"`,
		`test after true "fire 2\n"`,
		"end 0",
		"end of run", // and no map dump
	}
	if got := out.log(); !slices.Equal(got, want) {
		t.Errorf("log\n%q\nwant\n%q", got, want)
	}
	if r.res.ExitCode != 1 {
		t.Errorf("exit code %d after failed tests, want 1", r.res.ExitCode)
	}
	checkNoLeak(t, prefix, before)
}

func TestTestModeAllPass(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	before := objectCounts(t, prefix)
	obj := newObject(t, prefix, 4096, testDef("a", emitConst(evFire, 1)), testDef("b", emitConst(evExit, 0)))
	out := newFakeOutput()
	// Without a TestOutput the tests' output is formatted as text.
	r := waitRun(t, runAsync(obj, Options{Output: out, Test: true}))
	if r.err != nil {
		t.Fatal(r.err)
	}
	want := []string{`test a true "fire"`, `test b true ""`, "end of run"}
	if got := out.log(); !slices.Equal(got, want) {
		t.Errorf("log %q, want %q", got, want)
	}
	if r.res.ExitCode != 0 {
		t.Errorf("exit code %d with every test passed, want 0", r.res.ExitCode)
	}
	checkNoLeak(t, prefix, before)
}

func TestTestProbesOutsideTestMode(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	before := objectCounts(t, prefix)
	for _, mode := range []Options{{}, {Bench: true}} {
		obj := newObject(t, prefix, 4096, testDef("a", emitConst(evFire, 7)))
		mode.Output = newFakeOutput()
		r := waitRun(t, runAsync(obj, mode))
		var na *NothingAttachedError
		switch {
		case mode.Bench && r.err != nil:
			t.Errorf("bench mode: %v; want test probes ignored", r.err)
		case !mode.Bench && (!errors.As(r.err, &na) || na.Reason != "No probes attached; use --test to run test probes."):
			t.Errorf("error %v, want the hint to use --test", r.err)
		}
	}
	checkNoLeak(t, prefix, before)
}
