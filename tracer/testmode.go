package tracer

import (
	"bytes"
	"fmt"
	"io"

	"github.com/bt-tools/bt/tracer/output"
)

// runTests runs each test probe once, in script order, with the kernel's
// test runs, as bpftrace's test mode does. A test passes when its program
// returns 0 and nothing it printed is an error: no errorf(), no runtime
// error, no exit() with a non-zero code. What it printed (and, for the
// first test, what begin printed: its records are read with the test's)
// is formatted as text by a capture Output and handed to TestResult,
// which shows it when the test failed. A failed test makes the run's
// exit code 1.
func (s *session) runTests() error {
	progs, names, err := s.modeProgs("test")
	if err != nil {
		return err
	}
	passed := make([]bool, 0, len(progs))
	for i, prog := range progs {
		ret, duration, err := prog.Benchmark(runInput, 1, nil)
		if err != nil {
			return fmt.Errorf("running test %s: %w", names[i], err)
		}
		var captured bytes.Buffer
		failed, err := s.takeRecords(s.testOutput(&captured))
		if err != nil {
			return err
		}
		passed = append(passed, ret == 0 && !failed)
		if err := s.opts.Output.TestResult(names, i, duration, passed, captured.String()); err != nil {
			return err
		}
	}
	for _, ok := range passed {
		if !ok {
			s.exitCode = 1
		}
	}
	return nil
}

// testOutput is the Output one test's records are formatted with.
func (s *session) testOutput(w io.Writer) Output {
	if s.opts.TestOutput != nil {
		return s.opts.TestOutput(w)
	}
	return output.New(w, w, output.Text, s.obj, s.resolver)
}
