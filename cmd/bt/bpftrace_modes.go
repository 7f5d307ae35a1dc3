package main

// The drop-in's --mode compiler-bench: bpftrace times each pass of its
// compiler; bt times the stages of its own (check: parsing, imports and
// type checking; codegen: BPF instructions), in the same table.

import (
	"fmt"
	"io"
	"math"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bt-tools/bt/tracer/output"
)

// Each stage runs at least compilerBenchMinRuns+1 times and until its
// runs took compilerBenchGoal of processor time, at most
// compilerBenchMaxRuns times.
const (
	compilerBenchMinRuns = 3
	compilerBenchGoal    = 100 * time.Millisecond
	compilerBenchMaxRuns = 10000
)

// compilerBench collects the processor time of each run of each stage.
type compilerBench struct {
	stages []stageTimes
}

type stageTimes struct {
	name    string
	samples []time.Duration
}

// stage runs one stage of compiling repeatedly, timing each run by the
// process's processor time, as bpftrace does (not wall time: waiting is
// not the compiler's). A first run, which fills the caches every later
// compile finds filled (the kernel's types, imports), is not counted.
func (b *compilerBench) stage(name string, run func()) {
	run()
	st := stageTimes{name: name}
	var total time.Duration
	for len(st.samples) < compilerBenchMaxRuns && (len(st.samples) <= compilerBenchMinRuns || total < compilerBenchGoal) {
		start := processorTime()
		run()
		d := processorTime() - start
		st.samples = append(st.samples, d)
		total += d
	}
	b.stages = append(b.stages, st)
}

// processorTime is the processor time the process has used.
func processorTime() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// write prints a line per stage — its name, runs, total and mean
// nanoseconds, and the mean ± 1.96 standard deviations in the mean's
// unit — then the line of the whole compile (the stages as its runs:
// the sum of their means, their variances added as those of
// independent stages) and PASS, the layout bpftrace prints (its PASS
// line lets go-benchmark tools read it).
func (b *compilerBench) write(w io.Writer) error {
	var sumMean, sumVariance float64
	for _, st := range b.stages {
		var total time.Duration
		for _, s := range st.samples {
			total += s
		}
		mean := float64(total) / float64(len(st.samples))
		var variance float64
		for _, s := range st.samples {
			variance += (float64(s) - mean) * (float64(s) - mean)
		}
		variance /= float64(len(st.samples))
		if err := writeStageLine(w, st.name, int64(total), len(st.samples), math.Sqrt(variance)); err != nil {
			return err
		}
		sumMean += mean
		sumVariance += variance
	}
	n := len(b.stages)
	if n == 0 {
		return nil
	}
	if err := writeStageLine(w, "total", int64(sumMean)*int64(n), n, math.Sqrt(sumVariance)); err != nil {
		return err
	}
	_, err := io.WriteString(w, "PASS\n")
	return err
}

// writeStageLine prints one line of the table for count runs that took
// total nanoseconds, with a standard deviation of stddev.
func writeStageLine(w io.Writer, name string, total int64, count int, stddev float64) error {
	mean := total / int64(count)
	spread := int64(1.96 * stddev)
	unit, size := output.DurationUnit(time.Duration(mean))
	_, err := fmt.Fprintf(w, "%-30s%-8d%-14d%d ± %d %s\n", name, count, total, mean/int64(size), spread/int64(size), unit)
	return err
}
