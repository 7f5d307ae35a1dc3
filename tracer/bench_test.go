package tracer

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
)

func benchDef(name string, body func(*objBuilder) asm.Instructions) progDef {
	return progDef{provider: "bench", targets: []string{"bench:" + name}, typ: ebpf.XDP, body: body}
}

// returnOne is a benchmark that skips itself.
func returnOne(*objBuilder) asm.Instructions {
	return asm.Instructions{asm.Mov.Imm(asm.R0, 1), asm.Return()}
}

func TestBenchMode(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	before := objectCounts(t, prefix)
	// A one-page ring buffer: the benchmark's records overflow it.
	obj := newObject(t, prefix, 4096,
		beginDef(),
		benchDef("emits", emitConst(evFire, 7)),
		benchDef("skipped", returnOne),
		benchDef("fails", emitConst(evExit, 3)),
		benchDef("other", emitConst(evFire, 8)),
		endDef(),
	)
	out := newFakeOutput()
	var stderr bytes.Buffer
	r := waitRun(t, runAsync(obj, Options{Output: out, Stderr: &stderr, Bench: true}))
	if r.err != nil {
		t.Fatal(r.err)
	}
	log := out.log()
	var benches []string
	for _, l := range log {
		if strings.HasPrefix(l, "bench ") {
			f := strings.Fields(l)
			benches = append(benches, f[1])
			if f[2] == "0" {
				t.Errorf("%q: no iterations", l)
			}
		}
		if strings.HasPrefix(l, "fire") || strings.HasPrefix(l, "begin") || strings.HasPrefix(l, "attached") ||
			strings.HasPrefix(l, "lost") || strings.HasPrefix(l, "map") {
			t.Errorf("bench mode printed %q", l)
		}
	}
	if want := []string{"emits", "other"}; !slices.Equal(benches, want) {
		t.Errorf("benchmarks reported %q, want %q (the one returning 1 skipped, the failed one left out)", benches, want)
	}
	if n := len(log); n < 2 || log[n-2] != "end 0" || log[n-1] != "end of run" {
		t.Errorf("log %q: want the end probe's record last", log)
	}
	if got, want := stderr.String(), "ERROR: Benchmark 'fails' failed.\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	if r.res.ExitCode != 1 {
		t.Errorf("exit code %d after a failed benchmark, want 1", r.res.ExitCode)
	}
	if r.res.Lost != 0 {
		t.Errorf("%d records lost reported: the benchmarks' losses are not the run's", r.res.Lost)
	}
	checkNoLeak(t, prefix, before)
}

func TestBenchmarkRepeatGrowth(t *testing.T) {
	for _, tc := range []struct {
		per   time.Duration
		iters []int
	}{
		// 50ns a run: 1 (50ns) -> 1000 (50us) -> 10000 (500us) -> 20000 (1ms).
		{50, []int{1, 1000, 10000, 20000}},
		// 2ms a run: one run is enough.
		{2 * time.Millisecond, []int{1}},
		// 3us: 1 (3us) -> 100 (300us) -> 200 (600us) -> 400 (1.2ms).
		{3 * time.Microsecond, []int{1, 100, 200, 400}},
	} {
		var calls []int
		ret, avg, iters, err := benchmark(func(n int) (uint32, time.Duration, error) {
			calls = append(calls, n)
			return 0, tc.per, nil
		})
		if err != nil || ret != 0 || avg != tc.per || iters != tc.iters[len(tc.iters)-1] {
			t.Errorf("%v a run: ret %d avg %v iters %d err %v", tc.per, ret, avg, iters, err)
		}
		if !slices.Equal(calls, tc.iters) {
			t.Errorf("%v a run: repeat counts %v, want %v", tc.per, calls, tc.iters)
		}
	}
	calls := 0
	ret, _, _, _ := benchmark(func(n int) (uint32, time.Duration, error) {
		calls++
		return 1, 10, nil
	})
	if ret != 1 || calls != 1 {
		t.Errorf("a benchmark returning 1: ret %d after %d runs, want 1 after 1", ret, calls)
	}
}

func TestBenchProbesOutsideBenchMode(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	before := objectCounts(t, prefix)
	obj := newObject(t, prefix, 4096, benchDef("a", emitConst(evFire, 7)))
	r := waitRun(t, runAsync(obj, Options{Output: newFakeOutput()}))
	if r.err == nil || !strings.Contains(r.err.Error(), "use --bench to run benchmark probes") {
		t.Errorf("error %v, want the hint to use --bench", r.err)
	}
	checkNoLeak(t, prefix, before)
}
