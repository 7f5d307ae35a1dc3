package main

import (
	"os/exec"
	"regexp"
	"testing"

	"golang.org/x/sys/unix"
)

// TestPIDNamespace: pid and tid are the IDs in the tracer's own PID
// namespace (1 for bt as the first process of a new one), pid(init) and
// tid(init) those of the initial namespace; begin runs on the main
// thread (tid = pid).
func TestPIDNamespace(t *testing.T) {
	needRootRun(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare (util-linux)")
	}
	link := bpftraceLink(t)
	script := `begin { printf("%d, %d, %d, %d, %d, %d\n", pid, pid(curr_ns), pid(init), tid, tid(curr_ns), tid(init)); exit() }`
	re := regexp.MustCompile(`(?m)^(\d+), (\d+), (\d+), (\d+), (\d+), (\d+)$`)
	out, errOut, code := runLinkBounded(t, "unshare", "--fork", "--pid", "--mount-proc", link, "-e", script)
	m := re.FindStringSubmatch(out)
	if code != 0 || m == nil || m[1] != "1" || m[2] != "1" || m[4] != "1" || m[5] != "1" || m[3] == "1" || m[3] != m[6] {
		t.Errorf("inside a PID namespace: exit %d, stdout %q, stderr %q; want 1, 1, N, 1, 1, N with N > 1", code, out, errOut)
	}
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/pid", &st); err != nil || st.Ino != 0xEFFFFFFC {
		return // the test itself runs in another namespace
	}
	out, errOut, code = runLinkBounded(t, link, "-e", script)
	m = re.FindStringSubmatch(out)
	if code != 0 || m == nil || m[1] == "1" || m[1] != m[2] || m[1] != m[3] || m[1] != m[4] || m[4] != m[6] {
		t.Errorf("in the initial namespace: exit %d, stdout %q, stderr %q; want all six equal", code, out, errOut)
	}
}
