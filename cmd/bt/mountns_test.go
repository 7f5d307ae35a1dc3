package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bt-tools/bt/btfindex"
)

// TestProcessInOtherMountNamespace: with -p, a path is the file the
// process sees, even when it exists only in the process's mount
// namespace (read through /proc/PID/root): uprobes and usdt attach to it
// and -l lists its probes.
func TestProcessInOtherMountNamespace(t *testing.T) {
	needRootRun(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare (util-linux)")
	}
	bin := buildTracee(t)
	link := bpftraceLink(t)
	// A directory that is empty here and holds the tracee in the new
	// namespace (a tmpfs mounted over it there only).
	dir := filepath.Join(t.TempDir(), "ns")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	inner := filepath.Join(dir, "tracee")
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c",
		fmt.Sprintf("mount -t tmpfs none %s && cp %s %s && exec %s loop", dir, bin, inner, inner))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	pid := cmd.Process.Pid
	// Wait (bounded) until the process runs the copy.
	for i := 0; ; i++ {
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && exe == inner {
			break
		}
		if i == 200 {
			t.Fatalf("process %d does not run %s", pid, inner)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(inner); err == nil {
		t.Fatalf("%s is visible outside the namespace", inner)
	}
	if got, want := btfindex.ProcessPath(pid, inner), fmt.Sprintf("/proc/%d/root%s", pid, inner); got != want {
		t.Errorf("ProcessPath = %q, want %q", got, want)
	}
	if got := btfindex.ProcessPath(pid, "/bin/sh"); got != "/bin/sh" {
		t.Errorf("ProcessPath of a file shared by both namespaces = %q", got)
	}
	p := strconv.Itoa(pid)
	for _, script := range []string{
		`uprobe:` + inner + `:bt_add { printf("here\n"); exit(); }`,
		`usdt:` + inner + `:btt:args { printf("here\n"); exit(); }`,
	} {
		out, errOut, code := runLinkBounded(t, link, "-p", p, "-e", script)
		if code != 0 || !strings.Contains(out, "here\n") || !strings.Contains(out+errOut, "Attached 1 probe") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", script, code, out, errOut)
		}
	}
	out, errOut, code := runLinkBounded(t, link, "-l", "-p", p)
	for _, want := range []string{inner + ":bt_add\n", inner + ":btt:args\n"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("-l -p: exit %d, stdout lacks %q; stderr %q", code, want, errOut)
		}
	}
}
