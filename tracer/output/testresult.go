package output

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// testMark is a test-mode text marker, colored as bpftrace colors it
// (always: the report is meant for a terminal or a CI log).
func testMark(color, label string) string { return color + "[" + label + "]" + colorReset + " " }

// TestResult reports test names[i]: whether it passed, how long its run
// took, and what it printed (shown only when it failed). Text output is
// the gtest-style report bpftrace prints — a header before the first
// test, a RUN line and an OK or FAILED line for each, and after the last
// a summary listing the failed tests; JSON output is one "test_result"
// record per test, with the output whether the test passed or not.
func (w *Writer) TestResult(names []string, i int, duration time.Duration, passed []bool, output string) error {
	if i < 0 || i >= len(names) || len(passed) <= i {
		return fmt.Errorf("test %d of %d (%d results)", i, len(names), len(passed))
	}
	if w.format == JSON {
		return w.jsonLine("test_result", names[i], func(j *jsonOut) {
			j.raw(`{"duration": ` + strconv.FormatInt(duration.Nanoseconds(), 10) + `, "passed": ` + strconv.FormatBool(passed[i]) + `, "output": `)
			j.str(output)
			j.raw("}")
		})
	}
	green := func(label string) string { return testMark(colorGreen, label) }
	red := func(label string) string { return testMark(colorRed, label) }
	var sb strings.Builder
	if i == 0 {
		// "tests" whatever the count, as bpftrace words it.
		fmt.Fprintf(&sb, "%sRunning %d tests.\n", green("=========="), len(names))
	}
	sb.WriteString(green(" RUN      ") + names[i] + "\n")
	if passed[i] {
		sb.WriteString(green("       OK ") + names[i])
	} else {
		for _, line := range strings.Split(output, "\n") {
			if line != "" {
				sb.WriteString(line + "\n")
			}
		}
		sb.WriteString(red("  FAILED  ") + names[i])
	}
	sb.WriteString(" (" + testDuration(duration) + ")\n")
	if i == len(names)-1 {
		failed := 0
		for _, p := range passed[:len(names)] {
			if !p {
				failed++
			}
		}
		fmt.Fprintf(&sb, "%s%d %s ran.\n", green("=========="), len(names), testNoun(len(names)))
		fmt.Fprintf(&sb, "%s%d %s.\n", green("  PASSED  "), len(names)-failed, testNoun(len(names)-failed))
		if failed > 0 {
			fmt.Fprintf(&sb, "%s%d %s, listed below:\n", red("  FAILED  "), failed, testNoun(failed))
			for j, name := range names {
				if !passed[j] {
					sb.WriteString(red("  FAILED  ") + name + "\n")
				}
			}
		}
	}
	_, err := io.WriteString(w.stdout, sb.String())
	return err
}

func testNoun(n int) string {
	if n == 1 {
		return "test"
	}
	return "tests"
}

// durationUnits are the units bpftrace gives run times in, largest
// first.
var durationUnits = []struct {
	name string
	size time.Duration
}{
	{"s", time.Second},
	{"ms", time.Millisecond},
	{"μs", time.Microsecond},
	{"ns", time.Nanosecond},
}

// DurationUnit is the unit bpftrace gives a run time of d in: the
// largest not above it (ns below a nanosecond), and its size.
func DurationUnit(d time.Duration) (name string, size time.Duration) {
	for _, u := range durationUnits {
		if d >= u.size {
			return u.name, u.size
		}
	}
	return "ns", time.Nanosecond
}

// testDuration words a test's run time in whole units of its
// DurationUnit. (bpftrace v0.26 prints the unit's size in nanoseconds
// there instead, "1000 μs" for any time from 1 to 999μs.)
func testDuration(d time.Duration) string {
	name, size := DurationUnit(d)
	return strconv.FormatInt(int64(d/size), 10) + " " + name
}

// Capture returns a Writer that formats as w does, as text, into out
// for both streams: what one test prints, which bpftrace collects as
// text whatever the run's output format and shows when the test fails.
func (w *Writer) Capture(out io.Writer) *Writer {
	c := *w
	c.stdout, c.stderr = out, out
	c.format = Text
	c.Color = false
	c.formats = map[int]*formatString{}
	c.dec = decoder{w: &c}
	return &c
}
