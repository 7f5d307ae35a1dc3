package tracer

import (
	"errors"
	"fmt"
	"time"

	"github.com/cilium/ebpf"

	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/codegen"
)

// runInMode are the providers run only in a mode of their own (test,
// bench), never attached, with the hint given when a script has nothing
// else to run.
var runInMode = map[string]string{
	"test":  "No probes attached; use --test to run test probes.",
	"bench": "No probes attached; use --bench to run benchmark probes.",
}

// NothingAttachedError ends a run that has nothing to run: no probe
// attached and no begin or end probe. Reason is bpftrace's message.
type NothingAttachedError struct{ Reason string }

func (e *NothingAttachedError) Error() string { return e.Reason }

// runInput is the packet test and bench programs run on: they are XDP
// programs (the type whose test runs time themselves and repeat), and
// the kernel wants at least an Ethernet header of input.
var runInput = make([]byte, 14)

// modeProgs returns the programs of a provider run in its own mode
// (test, bench) in script order, and their probes' names.
func (s *session) modeProgs(provider string) (progs []*ebpf.Program, names []string, err error) {
	for _, p := range s.obj.Progs {
		if p.Provider != provider || len(p.Targets) == 0 {
			continue
		}
		f, err := fields(p.Targets[0].Name)
		if err != nil {
			return nil, nil, err
		}
		for _, prog := range s.progs[p] {
			progs = append(progs, prog)
			names = append(names, f[probes.RoleName])
		}
	}
	return progs, names, nil
}

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
// and makes the run's exit code 1. What the programs print is dropped,
// as in bpftrace's bench mode, and so is what begin printed (it is read
// with the first batch's records) and the records lost meanwhile.
func (s *session) runBenchmarks() error {
	progs, names, err := s.modeProgs("bench")
	if err != nil {
		return err
	}
	failed := false
	for i, prog := range progs {
		ok := true
		ret, avg, iters, err := benchmark(func(n int) (uint32, time.Duration, error) {
			ret, avg, err := prog.Benchmark(runInput, n, nil)
			if err != nil {
				return ret, avg, err
			}
			bad, err := s.takeRecords(nil)
			if bad {
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
	if failed {
		s.exitCode = 1
	}
	return s.skipLost()
}

// takeRecords takes what the ring buffer holds after a test run: it
// hands the records to out (out nil: drops them) up to an exit(), after
// which they are dropped as in a run, and reports whether one says the
// run failed: errorf(), a runtime error, exit() with a non-zero code.
// Then it clears what exit() set (its flag, the exit code), so that the
// next run starts afresh.
func (s *session) takeRecords(out Output) (failed bool, err error) {
	if out != nil {
		saved := s.opts.Output
		s.opts.Output = out
		defer func() { s.opts.Output = saved }()
	}
	exited := false
	var errs []error
	if err := s.readFlushed(func(rec []byte) {
		if exited {
			return
		}
		ev, payload, err := s.recordEvent(rec)
		if err != nil {
			return
		}
		switch ev.Kind {
		case codegen.EvErrorf, codegen.EvRuntimeError:
			failed = true
		case codegen.EvExit:
			exited = true
			if code, err := intArg(ev, payload, 0, 0); err != nil || code != 0 {
				failed = true
			}
		}
		if out != nil {
			errs = append(errs, s.dispatch(rec))
		}
	}); err != nil {
		return false, err
	}
	if out != nil {
		// Records lost meanwhile are reported with the run's output.
		errs = append(errs, s.pollLost())
	}
	s.exiting, s.exitCode = false, 0
	errs = append(errs, s.setState(stateExitFlag, 0))
	return failed, errors.Join(errs...)
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
	perCPU, err := s.lostPerCPU()
	if err != nil {
		return err
	}
	clear(perCPU)
	if err := s.lost.Update(uint32(0), perCPU, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("resetting the lost event counter: %w", err)
	}
	s.lostSeen = 0
	return nil
}
