package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runBpftrace(t, "", tc.args...)
			if code != tc.code || !regexp.MustCompile(tc.stdout).MatchString(out) || errOut != tc.stderr {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout matching %q, stderr %q", code, out, errOut, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}

// selfTestsFailing are bpftrace v0.26's self tests (tests/self, run with
// --test by its self-tests.sh; v0.26 passes them all here) that bt does
// not pass yet, and why.
var selfTestsFailing = map[string]string{
	"find.bt":   "comparing tuples whose strings differ in size is not compiled yet",
	"record.bt": "return with a value inside a for loop is not compiled yet",
	"tuple.bt":  "comparing tuples whose strings differ in size; return inside a for loop",
}

// TestBpftraceSelfTests runs bpftrace's self tests through the drop-in's
// test mode, as its self-tests.sh does, when BT_BPFTRACE_SRC names
// bpftrace's source tree.
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
			passed := code == 0 && strings.Contains(out, "[  PASSED  ]") && !strings.Contains(out, "[  FAILED  ]")
			why, known := selfTestsFailing[name]
			switch {
			case !passed && !known:
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			case passed && known:
				t.Logf("passes now: remove it from selfTestsFailing (%s)", why)
			case known:
				t.Skipf("known to fail: %s", why)
			}
		})
	}
}
