package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckVerify submits scripts to the kernel's verifier: a good one
// passes silently, fentry programs are named once as not loadable here
// when the kernel refuses them, and --insn-counts prints one line per
// program.
func TestCheckVerify(t *testing.T) {
	needKernelBTF(t)
	if os.Geteuid() != 0 {
		code, _, stderr := run(t, "", "check", "--verify", "-")
		if code != exitUsage || !strings.Contains(stderr, "needs root") {
			t.Fatalf("without root: exit %d, %q; want exit 2 and one line saying root is needed", code, stderr)
		}
		return
	}
	dir := writeScripts(t, map[string]string{
		"good.bt": "begin { @x = 1 + 2; printf(\"%d\\n\", @x); }\ntracepoint:syscalls:sys_enter_getppid { @[comm] = count(); }\n",
	})
	code, stdout, stderr := run(t, "", "check", "--verify", "--insn-counts", filepath.Join(dir, "good.bt"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 instruction count lines, got %q", stdout)
	}
	for _, l := range lines {
		if f := strings.Split(l, "\t"); len(f) != 5 || f[3] == "0" || f[4] == "-" {
			t.Errorf("count line %q: want file, program, target, compiled and xlated counts", l)
		}
	}
}

// TestCheckVerifyExcludesNoKernel: --verify is about the running kernel.
func TestCheckVerifyExcludesNoKernel(t *testing.T) {
	code, _, stderr := run(t, "begin {}", "check", "--verify", "--no-kernel", "-")
	if code != exitUsage || !strings.Contains(stderr, "--verify") {
		t.Fatalf("exit %d, %q", code, stderr)
	}
}
