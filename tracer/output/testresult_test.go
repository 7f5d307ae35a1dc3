package output

import (
	"bytes"
	"testing"
	"time"
)

func TestTestResultText(t *testing.T) {
	var out bytes.Buffer
	w := New(&out, &out, Text, nil, nil)
	names := []string{"ok", "bad", "slow"}
	passed := []bool{true, false, true}
	durations := []time.Duration{900, 2500 * time.Microsecond, 3 * time.Second}
	outputs := []string{"hidden\n", "line 1\n\nline 2\n", ""}
	for i := range names {
		if err := w.TestResult(names, i, durations[i], passed[:i+1], outputs[i]); err != nil {
			t.Fatal(err)
		}
	}
	const g, r, z = "\033[32m", "\033[31m", "\033[0m"
	want := g + "[==========]" + z + " Running 3 tests.\n" +
		g + "[ RUN      ]" + z + " ok\n" +
		g + "[       OK ]" + z + " ok (900 ns)\n" +
		g + "[ RUN      ]" + z + " bad\n" +
		"line 1\nline 2\n" +
		r + "[  FAILED  ]" + z + " bad (2 ms)\n" +
		g + "[ RUN      ]" + z + " slow\n" +
		g + "[       OK ]" + z + " slow (3 s)\n" +
		g + "[==========]" + z + " 3 tests ran.\n" +
		g + "[  PASSED  ]" + z + " 2 tests.\n" +
		r + "[  FAILED  ]" + z + " 1 test, listed below:\n" +
		r + "[  FAILED  ]" + z + " bad\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestTestResultOneTest(t *testing.T) {
	var out bytes.Buffer
	w := New(&out, &out, Text, nil, nil)
	if err := w.TestResult([]string{"only"}, 0, 12*time.Microsecond, []bool{true}, ""); err != nil {
		t.Fatal(err)
	}
	const g, z = "\033[32m", "\033[0m"
	want := g + "[==========]" + z + " Running 1 tests.\n" +
		g + "[ RUN      ]" + z + " only\n" +
		g + "[       OK ]" + z + " only (12 μs)\n" +
		g + "[==========]" + z + " 1 test ran.\n" +
		g + "[  PASSED  ]" + z + " 1 test.\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestTestResultJSON(t *testing.T) {
	var out bytes.Buffer
	w := New(&out, &out, JSON, nil, nil)
	if err := w.TestResult([]string{"a", "b\"q"}, 1, 1234, []bool{true, false}, "x\n\"y\"\n"); err != nil {
		t.Fatal(err)
	}
	want := `{"type": "test_result", "data": {"b\"q": {"duration": 1234, "passed": false, "output": "x\n\"y\"\n"}}}` + "\n"
	if got := out.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := w.TestResult([]string{"a"}, 1, 0, []bool{true}, ""); err == nil {
		t.Error("no error for a test index out of range")
	}
}

func TestCaptureIsText(t *testing.T) {
	var out, captured bytes.Buffer
	w := New(&out, &out, JSON, nil, nil)
	c := w.Capture(&captured)
	if err := c.AttachedProbes(2); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 || captured.String() != "Attached 2 probes\n" {
		t.Errorf("capture wrote %q, the writer %q; want the text line in the capture only", captured.String(), out.String())
	}
}
