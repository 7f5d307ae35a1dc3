package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The drop-in's test mode end to end: compiled test probes run once
// each, a failed one's output shown between its RUN and FAILED lines,
// the summary, end's output, and exit 1 when a test failed.
func TestBpftraceTestMode(t *testing.T) {
	needRootRun(t)
	const g, r, z = `\x1b\[32m`, `\x1b\[31m`, `\x1b\[0m`
	run := func(name string) string { return g + `\[ RUN      \]` + z + " " + name + `\n` }
	ok := func(name string) string { return g + `\[       OK \]` + z + " " + name + ` \(\d+ (ns|μs|ms|s)\)\n` }
	failed := func(name string) string { return r + `\[  FAILED  \]` + z + " " + name + ` \(\d+ (ns|μs|ms|s)\)\n` }
	listed := func(name string) string { return r + `\[  FAILED  \]` + z + " " + name + `\n` }
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // a regular expression for all of it
		stderr string
	}{
		{"pass and fail", []string{"--test", "-e", `begin { printf("begin\n") } test:okay { printf("hidden\n"); @a = 1 } test:ret { printf("shown\n"); return 1 } test:exits { exit(2) } test:err { errorf("bad %d", 5) } test:last { $x = 1 } end { printf("end\n") }`},
			1, `^` + g + `\[==========\]` + z + ` Running 5 tests\.\n` +
				run("okay") + ok("okay") +
				run("ret") + `shown\n` + failed("ret") +
				run("exits") + failed("exits") +
				run("err") + `stdin:1:\d+-\d+: ERROR: bad 5\n` + failed("err") +
				run("last") + ok("last") +
				g + `\[==========\]` + z + ` 5 tests ran\.\n` +
				g + `\[  PASSED  \]` + z + ` 2 tests\.\n` +
				r + `\[  FAILED  \]` + z + ` 3 tests, listed below:\n` +
				listed("ret") + listed("exits") + listed("err") +
				`end\n\n\n$`, ""},
		{"all pass", []string{"--mode", "test", "-e", `test:a { if (1 + 1 != 2) { return 1 } } interval:s:10 { printf("never\n") }`},
			0, `^` + g + `\[==========\]` + z + ` Running 1 tests\.\n` + run("a") + ok("a") +
				g + `\[==========\]` + z + ` 1 test ran\.\n` + g + `\[  PASSED  \]` + z + ` 1 test\.\n\n\n$`, ""},
		{"json", []string{"-f", "json", "--test", "-e", `test:a { printf("x\n") } test:b { printf("y\n"); return 1 }`},
			1, `^\{"type": "test_result", "data": \{"a": \{"duration": \d+, "passed": true, "output": "x\\n"\}\}\}\n` +
				`\{"type": "test_result", "data": \{"b": \{"duration": \d+, "passed": false, "output": "y\\n"\}\}\}\n$`, ""},
		{"probe filter", []string{"--test", "--probe-filter", "^test:a$", "-e", `test:a { } test:ba { return 1 }`},
			0, `^` + g + `\[==========\]` + z + ` Running 1 tests\.\n` + run("a") + ok("a") + `(.|\n)*$`, ""},
		{"filtered out", []string{"--test", "--probe-filter", "zzz", "-e", `test:a { }`},
			1, `^No probes to attach\n$`, ""},
		{"no test mode", []string{"-e", `test:a { }`},
			255, `^$`, "ERROR: No probes attached; use --test to run test probes.\n"},
		{"duplicate name", []string{"--test", "-e", `test:a {} test:a { }`},
			1, `^$`, "stdin:1:11-17: ERROR: \"a\" was used as the name for more than one TEST probe\ntest:a {} test:a { }\n          ~~~~~~\n" +
				"stdin:1:1-7: ERROR: this is the other instance\ntest:a {} test:a { }\n~~~~~~\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runBpftrace(t, "", tc.args...)
			if code != tc.code || !regexp.MustCompile(tc.stdout).MatchString(out) || errOut != tc.stderr {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout matching %q, stderr %q", code, out, errOut, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}

// TestBpftraceSelfTests runs bpftrace's self tests (tests/self, which
// its self-tests.sh runs with --test; v0.26 passes them all here)
// through the drop-in's test mode, when BT_BPFTRACE_SRC names bpftrace's
// source tree.
func TestBpftraceSelfTests(t *testing.T) {
	needRootRun(t)
	src := os.Getenv("BT_BPFTRACE_SRC")
	if src == "" {
		t.Skip("BT_BPFTRACE_SRC (bpftrace's source tree, for tests/self) is not set")
	}
	files, err := filepath.Glob(filepath.Join(src, "tests", "self", "*.bt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no self tests in %s/tests/self (%v)", src, err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runBpftrace(t, "", "--test", f)
			if code != 0 || !strings.Contains(out, "[  PASSED  ]") || strings.Contains(out, "[  FAILED  ]") {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
		})
	}
}

// --mode codegen compiles without loading: a clean script exits 0
// printing nothing (with -d dis, its instructions), a wrong one 1.
func TestBpftraceCodegenMode(t *testing.T) {
	code, out, errOut := runBpftrace(t, "", "--mode", "codegen", "-e", `begin { printf("hi\n"); exit(); }`)
	if code != 0 || out != "" || errOut != "" {
		t.Errorf("clean script: exit %d, stdout %q, stderr %q; want 0 and nothing printed", code, out, errOut)
	}
	code, out, _ = runBpftrace(t, "", "--mode=codegen", "-d", "dis", "-e", `begin { exit(); }`)
	if code != 0 || !strings.Contains(out, "Program bt_begin_0 (begin)") {
		t.Errorf("-d dis: exit %d, stdout %q; want the begin program's instructions", code, out)
	}
	code, out, errOut = runBpftrace(t, "", "--mode", "codegen", "-e", `begin { @x = count(1); }`)
	if code != 1 || out != "" || !strings.Contains(errOut, "ERROR: count() takes no arguments") {
		t.Errorf("wrong script: exit %d, stdout %q, stderr %q; want 1 and the error", code, out, errOut)
	}
}

// --mode compiler-bench prints --info's text, a timing line per stage,
// the total and PASS.
func TestBpftraceCompilerBenchMode(t *testing.T) {
	needRootRun(t) // --info's probes of the kernel
	code, out, errOut := runBpftrace(t, "", "--mode", "compiler-bench", "-e", `begin { @x = count(); exit(); }`)
	stage := func(name string) string { return name + ` +\d+ +\d+ +\d+ ± \d+ (ns|μs|ms|s)\n` }
	re := regexp.MustCompile(`(?s)^System\n.*Probe types\n.*\n\n` + stage("check") + stage("codegen") + stage("total") + `PASS\n$`)
	if code != 0 || !re.MatchString(out) || errOut != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and stdout matching %q", code, out, errOut, re)
	}
	code, out, _ = runBpftrace(t, "", "--mode", "compiler-bench", "-e", `begin { @x = count(1); }`)
	if code != 1 || !strings.HasSuffix(out, "\nFAIL\n") {
		t.Errorf("wrong script: exit %d, stdout %q; want 1 and FAIL last", code, out)
	}
}

// The table's arithmetic: totals, means and spreads in the mean's unit;
// the total line sums the means and adds the stages' variances.
func TestCompilerBenchTable(t *testing.T) {
	b := &compilerBench{stages: []stageTimes{
		{"check", []time.Duration{1000, 3000}},                                   // mean 2us, sd 1us
		{"codegen", []time.Duration{4 * time.Millisecond, 4 * time.Millisecond}}, // sd 0
	}}
	var out bytes.Buffer
	if err := b.write(&out); err != nil {
		t.Fatal(err)
	}
	want := "check                         2       4000          2 ± 1 μs\n" +
		"codegen                       2       8000000       4 ± 0 ms\n" +
		"total                         2       8004000       4 ± 0 ms\n" +
		"PASS\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	runs := 0
	(&compilerBench{}).stage("x", func() { runs++ })
	if runs <= compilerBenchMinRuns {
		t.Errorf("a stage ran %d times, want more than %d", runs, compilerBenchMinRuns)
	}
}
