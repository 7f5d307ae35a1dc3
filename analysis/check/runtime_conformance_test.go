package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/diag"
)

// runtimeCase is one test of bpftrace's runtime test suite whose
// program is given inline (PROG) and is expected to run.
type runtimeCase struct {
	file, name, prog string
	willFail         bool
	unsafe           bool
	env              string
}

// runtimeCases reads bpftrace's tests/runtime files.
func runtimeCases(t testing.TB) []runtimeCase {
	files, _ := filepath.Glob(filepath.Join(refRoot, "tests", "runtime", "*"))
	var out []runtimeCase
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var cur *runtimeCase
		flush := func() {
			if cur != nil && cur.prog != "" {
				out = append(out, *cur)
			}
			cur = nil
		}
		for _, line := range strings.Split(string(data), "\n") {
			key, rest, _ := strings.Cut(line, " ")
			switch key {
			case "NAME":
				flush()
				cur = &runtimeCase{file: filepath.Base(f), name: rest}
			case "PROG":
				if cur != nil {
					cur.prog = rest
				}
			case "WILL_FAIL":
				if cur != nil {
					cur.willFail = true
				}
			case "ARGS", "RUN":
				if cur != nil && strings.Contains(rest, "--unsafe") {
					cur.unsafe = true
				}
			case "ENV":
				if cur != nil {
					cur.env = rest
				}
			}
		}
		flush()
	}
	return out
}

// TestConformanceRuntime checks the programs of bpftrace's runtime tests
// that are expected to run: they must check without errors against the
// permissive kernel.
func TestConformanceRuntime(t *testing.T) {
	cases := runtimeCases(t)
	if len(cases) == 0 {
		t.Skip("bpftrace runtime tests not available")
	}
	n := 0
	for _, c := range cases {
		if c.willFail {
			continue
		}
		n++
		diags := checkRuntimeCase(t, c)
		for _, d := range diags {
			if d.Severity == diag.Error {
				if why, ok := runtimeExpectedFailures[c.file+"/"+c.name]; ok {
					_ = why
					continue
				}
				t.Errorf("%s/%s: %s\n  %s", c.file, c.name, d.Error(), c.prog)
			}
		}
	}
	t.Logf("%d runtime programs checked", n)
}

func checkRuntimeCase(t testing.TB, c runtimeCase) diag.List {
	_, pd, diags := checkPermissiveOpts(t, c.file, []byte(c.prog), c.unsafe)
	return append(pd, diags...)
}

// runtimeExpectedFailures are runtime programs the checker rejects on
// purpose, with the reason.
var runtimeExpectedFailures = map[string]string{
	"interop/interop return types":   "imports bpftrace's internal stdlib/test C helpers, which are not part of bt's standard library",
	"macro/builtin wrapper usermode": "__builtin_ names are internal",
}
