package output

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestBenchResultText(t *testing.T) {
	var out bytes.Buffer
	w := New(&out, &out, Text, nil, nil)
	names := []string{"a", "bb"}
	if err := w.BenchResult(names, 0, 54*time.Nanosecond, 20000); err != nil {
		t.Fatal(err)
	}
	if err := w.BenchResult(names, 1, 1234*time.Nanosecond, 800); err != nil {
		t.Fatal(err)
	}
	want := "Benchmark" + strings.Repeat(" ", 32) + "Time(ns)       Iterations\n" +
		strings.Repeat("-", 66) + "\n" +
		"a" + strings.Repeat(" ", 40) + "54             20000\n" +
		"bb" + strings.Repeat(" ", 39) + "1234           800\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestBenchResultLongName(t *testing.T) {
	var out bytes.Buffer
	w := New(&out, &out, Text, nil, nil)
	long := strings.Repeat("x", 50)
	if err := w.BenchResult([]string{long}, 0, 7, 1); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if len(lines[1]) != 51+15+len("Iterations") {
		t.Errorf("rule of %d dashes for a 50-character name", len(lines[1]))
	}
	if lines[2] != long+" 7              1" {
		t.Errorf("row %q", lines[2])
	}
}

func TestBenchResultJSON(t *testing.T) {
	var out bytes.Buffer
	w := New(&out, &out, JSON, nil, nil)
	if err := w.BenchResult([]string{"a", "b\"q"}, 1, 84*time.Nanosecond, 20000); err != nil {
		t.Fatal(err)
	}
	want := `{"type": "benchmark_result", "data": {"b\"q": {"average": 84, "iters": 20000}}}` + "\n"
	if got := out.String(); got != want {
		t.Errorf("got %q want %q", got, want)
	}
	if err := w.BenchResult([]string{"a"}, 3, 0, 0); err == nil {
		t.Error("no error for an index out of range")
	}
}
