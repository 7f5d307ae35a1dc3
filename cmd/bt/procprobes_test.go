package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestUSDTByProcess: with -p, a usdt attach point without a file is one
// probe per matching USDT probe of the files the process maps (so
// "Attached N" counts them), each named through /proc/PID/root; one
// that matches nothing has no valid attach points.
func TestUSDTByProcess(t *testing.T) {
	needRootRun(t)
	bin := buildTracee(t)
	link := bpftraceLink(t)
	tracee := exec.Command(bin, "loop")
	if err := tracee.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { tracee.Process.Kill(); tracee.Wait() }()
	pid := strconv.Itoa(tracee.Process.Pid)
	out, errOut, code := runLinkBounded(t, link, "-p", pid, "-e", `usdt:::* { @[probe] = count(); } interval:ms:300 { exit(); }`)
	if code != 0 || !strings.Contains(errOut+out, "Attached 3 probes") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want Attached 3 probes (2 usdt, 1 interval)", code, out, errOut)
	}
	want := fmt.Sprintf("@[usdt:/proc/%s/root%s:btt:args]", pid, bin)
	if !strings.Contains(out, want) {
		t.Errorf("stdout %q lacks %q", out, want)
	}
	_, errOut, code = runLinkBounded(t, link, "-p", pid, "-e", `usdt:::nosuchprobe { exit(); }`)
	if code != 1 || !strings.Contains(errOut, "Probe has no valid attach points.") {
		t.Errorf("no match: exit %d, stderr %q", code, errOut)
	}
	// A file the process does not map (a copy of its program) has no
	// probe that could fire in it.
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "copy")
	if err := os.WriteFile(cp, b, 0o755); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = runLinkBounded(t, link, "-p", pid, "-e", "usdt:"+cp+":btt:args { exit(); }")
	if code != 1 || !strings.Contains(errOut, "No matches for usdt "+cp+":btt:args.") {
		t.Errorf("file not mapped: exit %d, stderr %q", code, errOut)
	}
	out, errOut, code = runLinkBounded(t, link, "-p", pid, "-e", "usdt:"+bin+`:btt:args { printf("here\n"); exit(); }`)
	if code != 0 || !strings.Contains(out, "here\n") {
		t.Errorf("file mapped: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
