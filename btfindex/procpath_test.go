package btfindex

import (
	"os/exec"
	"slices"
	"testing"
	"time"
)

func TestProcessesRunning(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep")
	}
	cmd := exec.Command(sleep, "30")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	// The child runs sleep once its exec is done: /proc/PID/exe is the
	// test binary until then.
	var pids []int
	for range 200 {
		if pids = ProcessesRunning(sleep); slices.Contains(pids, cmd.Process.Pid) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !slices.Contains(pids, cmd.Process.Pid) {
		t.Errorf("ProcessesRunning(%s) = %v, lacks %d", sleep, pids, cmd.Process.Pid)
	}
	if pids := ProcessesRunning("/etc/passwd"); len(pids) != 0 {
		t.Errorf("processes running /etc/passwd: %v", pids)
	}
	if pids := ProcessesRunning("/nonexistent/binary"); pids != nil {
		t.Errorf("processes running a missing file: %v", pids)
	}
}
