package main

import (
	"strings"
	"testing"
)

// import "stdlib/NAME" is the module NAME of bt's standard library (its
// .bt and its C's object, written to the cache): it runs with no clang.
func TestRunStdlibModuleImport(t *testing.T) {
	needRootRun(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("PATH", t.TempDir()) // no clang here
	t.Setenv("BT_CLANG", "")
	code, out, errOut := run(t, "", "run", "-q", "-e", `import "stdlib/test"; import "stdlib/task"; begin { print((__always_true(), ppid() > 0)); exit(); }`)
	if want := "(1, true)\n"; code != 0 || !strings.HasPrefix(out, want) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, out, errOut, want)
	}
}

func TestCheckStdlibUnknownModule(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	code, _, errOut := run(t, "import \"stdlib/nosuch\";\nbegin { exit(); }\n", "check", "--no-kernel", "-")
	if want := `1:8: error[import-failed]: cannot import "stdlib/nosuch": bt's standard library has no module nosuch (it has base, strings,`; code != exitFindings || !strings.Contains(errOut, want) {
		t.Fatalf("exit %d, stderr %q; want %q", code, errOut, want)
	}
}
