package output

import (
	"fmt"
	"strings"
	"time"
)

// Bench-mode table layout: the name column is at least benchNameWidth
// wide (wider for a longer name), the time column benchTimeWidth.
const (
	benchNameWidth = 40
	benchTimeWidth = 15
)

// BenchResult prints the result of benchmark names[i]: the average run
// time over iters runs. Text output is a table whose header comes with
// the first benchmark's row; JSON output is one "benchmark_result"
// record per benchmark.
func (w *Writer) BenchResult(names []string, i int, average time.Duration, iters uint64) error {
	if i < 0 || i >= len(names) {
		return fmt.Errorf("benchmark %d of %d", i, len(names))
	}
	if w.format == JSON {
		return w.jsonLine("benchmark_result", names[i], func(j *jsonOut) {
			j.raw(fmt.Sprintf(`{"average": %d, "iters": %d}`, average.Nanoseconds(), iters))
		})
	}
	width := benchNameWidth
	for _, n := range names {
		width = max(width, len(n))
	}
	var sb strings.Builder
	if i == 0 {
		fmt.Fprintf(&sb, "%-*s%-*s%s\n", width+1, "Benchmark", benchTimeWidth, "Time(ns)", "Iterations")
		sb.WriteString(strings.Repeat("-", width+1+benchTimeWidth+len("Iterations")) + "\n")
	}
	fmt.Fprintf(&sb, "%-*s%-*d%d\n", width+1, names[i], benchTimeWidth, average.Nanoseconds(), iters)
	_, err := fmt.Fprint(w.stdout, sb.String())
	return err
}
