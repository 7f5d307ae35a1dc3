package tracer

import (
	"errors"
	"fmt"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/codegen"
)

// benchInput is the packet a bench program runs on: bench programs are
// XDP programs (the type whose test runs repeat and time themselves), and
// the kernel wants at least an Ethernet header of input.
var benchInput = make([]byte, 14)

// benchTarget is the total run time a benchmark's repeat count grows to;
// benchGrowth the factor it grows by while the total is under a bound,
// larger the further the total is from benchTarget.
const benchTarget = time.Millisecond

var benchGrowth = []struct {
	under  time.Duration
	factor int
}{
	{time.Microsecond, 1000},
	{10 * time.Microsecond, 100},
	{100 * time.Microsecond, 10},
	{benchTarget, 2},
}

// runBenchmarks times each bench probe in script order with the kernel's
// test runs, repeating it more times until one batch takes benchTarget,
// and reports the average of that batch. A probe whose program returns
// non-zero is skipped; one that fails (errorf(), a runtime error,
// exit() with a non-zero code) is reported as failed, without a result,
// and makes the run's exit code 1. What the programs (and begin) print
// is dropped, as in bpftrace's bench mode, and so are the records lost
// meanwhile.
func (s *session) runBenchmarks() error {
	var progs []*codegen.Prog
	var names []string
	for _, p := range s.obj.Progs {
		if p.Provider != "bench" || len(p.Targets) == 0 {
			continue
		}
		f, err := fields(p.Targets[0].Name)
		if err != nil {
			return err
		}
		progs = append(progs, p)
		names = append(names, f[probes.RoleName])
	}
	// begin's records are dropped too: bpftrace reads none before the
	// first benchmark's.
	if _, err := s.benchRecords(); err != nil {
		return err
	}
	failed := false
	for i, p := range progs {
		for _, prog := range s.progs[p] {
			ok := true
			ret, avg, iters, err := benchmark(func(n int) (uint32, time.Duration, error) {
				ret, avg, err := prog.Benchmark(benchInput, n, nil)
				if err != nil {
					return ret, avg, err
				}
				good, err := s.benchRecords()
				if !good {
					ok, ret = false, 1 // stop growing: the result is not used
				}
				return ret, avg, err
			})
			if err != nil {
				return fmt.Errorf("running benchmark %s: %w", names[i], err)
			}
			if !ok {
				failed = true
				if _, err := fmt.Fprintf(s.opts.Stderr, "ERROR: Benchmark '%s' failed.\n", names[i]); err != nil {
					return err
				}
				continue
			}
			if ret != 0 {
				continue
			}
			if err := s.opts.Output.BenchResult(names, i, avg, uint64(iters)); err != nil {
				return err
			}
		}
	}
	if failed {
		s.exitCode = 1
	}
	return s.skipLost()
}

// benchRecords reads what the ring buffer holds and drops it (clear()
// and zero() too, as in bpftrace); ok is false when a record says the
// program failed. It also clears what exit() set, so that the next
// batch runs in full.
func (s *session) benchRecords() (ok bool, err error) {
	if err := s.reader.Flush(); err != nil {
		return false, err
	}
	ok = true
	for {
		rec, err := s.reader.Read()
		if errors.Is(err, ringbuf.ErrFlushed) {
			break
		}
		if err != nil {
			return false, err
		}
		if len(rec.RawSample) < 8 {
			continue
		}
		id := le.Uint64(rec.RawSample)
		if id >= uint64(len(s.events)) || s.events[id] == nil {
			continue
		}
		ev, payload := s.events[id], rec.RawSample[8:]
		switch ev.Kind {
		case codegen.EvErrorf, codegen.EvRuntimeError:
			ok = false
		case codegen.EvExit:
			if code, err := intArg(ev, payload, 0, 0); err != nil || code != 0 {
				ok = false
			}
		}
	}
	s.exiting = false
	return ok, s.setState(stateExitFlag, 0)
}

// benchmark calls run with a growing repeat count until a batch takes
// benchTarget in all, or the program returns non-zero; it returns the last
// batch's return value, average and repeat count.
func benchmark(run func(repeat int) (uint32, time.Duration, error)) (ret uint32, avg time.Duration, iters int, err error) {
	iters = 1
	for {
		ret, avg, err = run(iters)
		if err != nil || ret != 0 {
			return ret, avg, iters, err
		}
		total := avg * time.Duration(iters)
		grown := false
		for _, g := range benchGrowth {
			if total < g.under {
				iters *= g.factor
				grown = true
				break
			}
		}
		if !grown {
			return ret, avg, iters, nil
		}
	}
}

// skipLost zeroes the lost-record counter: records the benchmarks lost
// are not the run's.
func (s *session) skipLost() error {
	if s.lost == nil {
		return nil
	}
	var perCPU []uint64
	if err := s.lost.Lookup(uint32(0), &perCPU); err != nil {
		return fmt.Errorf("reading the lost event counter: %w", err)
	}
	clear(perCPU)
	if err := s.lost.Update(uint32(0), perCPU, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("resetting the lost event counter: %w", err)
	}
	s.lostSeen = 0
	return nil
}
