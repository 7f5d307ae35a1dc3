package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// suiteResult matches the engine's result lines: "[  FAILED  ] suite.name
// (12 ms)", "[  TIMEOUT ] suite.name", "[       OK ] ...".
var suiteResult = regexp.MustCompile(`^\[ +(OK|FAILED|TIMEOUT) +\] (.+?)(?: \(\d+ ms\))?$`)

// TestBpftraceRuntimeSuite runs bpftrace's own runtime test suite from
// the checkout at $BT_BPFTRACE_SRC through a `bpftrace` link to bt, with
// scripts/bpftrace-runtime-suite.sh (the suite unchanged, its programs
// built outside the tree). $BT_SUITE_FILTER selects tests as the engine's
// TEST_FILTER does (default: every test; the whole suite takes most of an
// hour, so give go test a -timeout to match). A test fails the run when
// it fails through bt and is not in testdata/bpftrace-suite-known-failures.txt
// (each listed with its cause); listed tests that now pass are reported.
func TestBpftraceRuntimeSuite(t *testing.T) {
	src := os.Getenv("BT_BPFTRACE_SRC")
	if src == "" {
		t.Skip("set BT_BPFTRACE_SRC to a bpftrace checkout to run its runtime suite through bt")
	}
	needRootRun(t)
	for _, tool := range []string{"cmake", "python3", "gcc", "g++"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the runtime suite needs %s to build its programs", tool)
		}
	}
	known := readKnownSuiteFailures(t)
	link := filepath.Join(t.TempDir(), "bpftrace")
	if err := os.Symlink(btBinary(t), link); err != nil {
		t.Fatal(err)
	}
	work := os.Getenv("BT_SUITE_DIR")
	if work == "" {
		work = filepath.Join(os.TempDir(), "bt-runtime-suite")
	}
	cmd := exec.Command("../../scripts/bpftrace-runtime-suite.sh")
	cmd.Env = append(os.Environ(), "BT_SUITE_BIN="+link, "BT_SUITE_DIR="+work, "TEST_FILTER="+os.Getenv("BT_SUITE_FILTER"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	logPath := filepath.Join(work, "bt-suite.log")
	os.WriteFile(logPath, out.Bytes(), 0o644)
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 2 {
		t.Fatalf("the suite could not be built or started: %s", tail(out.String(), 2000))
	}

	passed, failed := 0, 0
	var unexpected []string
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		m := suiteResult.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		name := m[2]
		if m[1] == "OK" {
			passed++
			if _, ok := known[name]; ok {
				t.Logf("now passes (remove it from the known failures): %s", name)
			}
			continue
		}
		failed++
		if _, ok := known[name]; !ok {
			unexpected = append(unexpected, name)
		}
	}
	t.Logf("runtime suite through bt: %d passed, %d failed (%d known); log in %s", passed, failed, failed-len(unexpected), logPath)
	if passed+failed == 0 {
		t.Fatalf("the engine ran no test: %s", tail(out.String(), 2000))
	}
	for _, name := range unexpected {
		t.Errorf("fails through bt and is not a known failure: %s", name)
	}
}

// readKnownSuiteFailures reads "suite.name<TAB>cause" lines ('#' starts a
// comment line).
func readKnownSuiteFailures(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("testdata/bpftrace-suite-known-failures.txt")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, cause, _ := strings.Cut(line, "\t")
		known[name] = cause
	}
	return known
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
