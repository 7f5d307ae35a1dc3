package main

import (
	"regexp"
	"testing"
)

// The drop-in's bench mode end to end: compiled bench probes run as
// timed XDP test runs, their own output dropped, end's printed.
func TestBpftraceBenchMode(t *testing.T) {
	needRootRun(t)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // a regular expression for all of it
		stderr string
	}{
		{"text", []string{"--mode", "bench", "-e", `begin { printf("begin\n") } bench:a { @a = count(); printf("x\n") } bench:second { @b[1] = sum(2); print(@a) } end { printf("end\n"); clear(@a); clear(@b) }`},
			0, `^Benchmark {32}Time\(ns\) {7}Iterations\n-{66}\na {40}\d+ +\d+\nsecond {35}\d+ +\d+\nend\n\n\n$`, ""},
		{"json", []string{"-q", "-f", "json", "--bench", "-e", `bench:a { @a++ } bench:b { @b++ }`},
			0, `^\{"type": "benchmark_result", "data": \{"a": \{"average": \d+, "iters": \d+\}\}\}\n\{"type": "benchmark_result", "data": \{"b": \{"average": \d+, "iters": \d+\}\}\}\n$`, ""},
		{"failed and skipped", []string{"--mode", "bench", "-e", `bench:fails { errorf("no") } bench:skips { return 1 } bench:ok { @ = count(); clear(@) }`},
			1, `^ok {39}\d+ +\d+\n\n\n$`, "ERROR: Benchmark 'fails' failed.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runBpftrace(t, "", tc.args...)
			if code != tc.code || !regexp.MustCompile(tc.stdout).MatchString(out) || errOut != tc.stderr {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout matching %q, stderr %q", code, out, errOut, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}
