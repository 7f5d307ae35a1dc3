package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func needRootRun(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to load BPF programs")
	}
}

var (
	btBinOnce sync.Once
	btBinPath string
	btBinErr  error
)

// btBinary builds bt once per test binary, for tests that run it as a
// process (signals, privileges).
func btBinary(t *testing.T) string {
	t.Helper()
	btBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bt-run-test")
		if err != nil {
			btBinErr = err
			return
		}
		// Readable by all: one test runs it as an unprivileged user.
		os.Chmod(dir, 0o755)
		btBinPath = filepath.Join(dir, "bt")
		out, err := exec.Command("go", "build", "-o", btBinPath, ".").CombinedOutput()
		if err != nil {
			btBinErr = err
			t.Logf("%s", out)
		}
	})
	if btBinErr != nil {
		t.Fatalf("building bt: %v", btBinErr)
	}
	return btBinPath
}

func TestRunRejectsBadScriptBeforeTheKernel(t *testing.T) {
	code, out, errOut := run(t, "", "run", "-e", `begin { @x = 1 - "s"; }`)
	if code != exitFindings {
		t.Errorf("exit %d, want %d", code, exitFindings)
	}
	if out != "" || !strings.Contains(errOut, "stdin:1:") || !strings.Contains(errOut, "error[") {
		t.Errorf("stdout %q, stderr %q: want a diagnostic only", out, errOut)
	}
	if strings.Contains(errOut, "Attached") {
		t.Errorf("a rejected script was attached: %q", errOut)
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"run"},
		{"run", "-f", "yaml", "-e", "begin { exit(); }"},
		{"run", "-c", "true", "-p", "1", "-e", "begin { exit(); }"},
		{"run", "/no/such/script.bt"},
	} {
		code, _, errOut := run(t, "", args...)
		if code != exitUsage || !strings.HasPrefix(errOut, "bt run: ") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want one line and exit %d", args, code, errOut, exitUsage)
		}
	}
}

func TestRunWithoutPrivileges(t *testing.T) {
	needRootRun(t)
	bin := btBinary(t)
	cmd := exec.Command(bin, "run", "-e", "begin { exit(); }")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errorsAs(err, &ee) || ee.ExitCode() != exitUsage {
		t.Fatalf("err %v, stderr %q: want exit %d", err, stderr.String(), exitUsage)
	}
	if lines := strings.Count(stderr.String(), "\n"); lines != 1 || !strings.Contains(stderr.String(), "root") {
		t.Errorf("stderr %q: want one line saying root is needed", stderr.String())
	}
}

func errorsAs(err error, target **exec.ExitError) bool {
	ee, ok := err.(*exec.ExitError)
	if ok {
		*target = ee
	}
	return ok
}

func TestRunBeginExitCode(t *testing.T) {
	needRootRun(t)
	code, out, errOut := run(t, "", "run", "-e", `begin { printf("hi %d\n", $1); exit(4); }`, "7")
	if code != 4 {
		t.Errorf("exit %d, want 4 (stderr %q)", code, errOut)
	}
	if out != "hi 7\n\n\n" {
		t.Errorf("stdout %q", out)
	}
	if errOut != "Attached 1 probe\n" {
		t.Errorf("stderr %q", errOut)
	}
}

// bpftrace runs end probes after exit(), and prints what they print.
func TestRunEndAfterExit(t *testing.T) {
	needRootRun(t)
	code, out, errOut := run(t, "", "run", "-e", `begin { exit(); } end { printf("end\n"); }`)
	if code != 0 || out != "end\n\n\n" || errOut != "Attached 2 probes\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want end's output", code, out, errOut)
	}
}

func TestRunQuietJSONAndOutputFile(t *testing.T) {
	needRootRun(t)
	file := filepath.Join(t.TempDir(), "out.json")
	code, out, errOut := run(t, "", "run", "-q", "-f", "json", "-o", file, "-e", `begin { @a[1] = count(); printf("x\n"); exit(); }`)
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\"type\": \"printf\", \"data\": \"x\\n\"}\n{\"type\": \"map\", \"data\": {\"@a\": {\"1\": 1}}}\n"
	if string(b) != want {
		t.Errorf("output file:\n%s\nwant:\n%s", b, want)
	}
}

func TestRunDryRun(t *testing.T) {
	needRootRun(t)
	code, out, errOut := run(t, "", "run", "--dry-run", "-e", `begin { printf("x\n"); } tracepoint:sched:sched_switch { @ = count(); }`)
	if code != 0 || out != "" || errOut != "" {
		t.Errorf("exit %d, stdout %q, stderr %q: a dry run prints nothing", code, out, errOut)
	}
}

// startBt runs bt as a process and returns once it reports its probes
// attached.
func startBt(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(btBinary(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	attached := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if !sent && strings.HasPrefix(sc.Text(), "Attached ") {
				attached <- true
				sent = true
			}
		}
		if !sent {
			attached <- false
		}
	}()
	select {
	case ok := <-attached:
		if !ok {
			cmd.Wait()
			t.Fatalf("bt ended before attaching: %s", stderr.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("bt did not attach in 20s")
	}
	return cmd, &stdout, &stderr
}

func TestRunSignalsEndTheRun(t *testing.T) {
	needRootRun(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		cmd, stdout, stderr := startBt(t, "run", "-e",
			`tracepoint:syscalls:sys_enter_getppid { @calls = count(); } end { printf("end\n"); }`)
		// Fire the probe, then stop bt.
		for i := 0; i < 10; i++ {
			syscall.Getppid()
		}
		cmd.Process.Signal(sig)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%v: %v (stderr %q)", sig, err, stderr.String())
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%v: bt did not exit", sig)
		}
		out := stdout.String()
		if !strings.HasPrefix(out, "end\n\n\n@calls: ") {
			t.Errorf("%v: stdout %q, want end's output then the map", sig, out)
		}
	}
}

func TestRunCommandEndsTheRun(t *testing.T) {
	needRootRun(t)
	code, out, errOut := run(t, "", "run", "-c", "/bin/sleep 0.1", "-e",
		`tracepoint:sched:sched_process_exit { @[comm] = count(); }`)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "@[sleep]: ") {
		t.Errorf("stdout %q lacks the command's exit", out)
	}
}

func TestRunPidEndsWhenTheProcessExits(t *testing.T) {
	needRootRun(t)
	child := exec.Command("/bin/sleep", "0.5")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	go child.Wait()
	start := time.Now()
	code, _, errOut := run(t, "", "run", "-p", strconv.Itoa(child.Process.Pid), "-e", `interval:ms:100 { @ticks = count(); }`)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("bt ran %v after the traced process ended", d)
	}
}

// bpfDescriptors counts this process's BPF and perf event descriptors.
func bpfDescriptors(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err != nil {
			continue
		}
		for _, kind := range []string{"bpf-prog", "bpf-map", "bpf_link", "bpf-link", "perf_event", "bpf-ringbuf"} {
			if strings.Contains(target, kind) {
				n++
			}
		}
	}
	return n
}

// Every path of bt run closes what it opened: a normal run, a dry run,
// a failed attach (kprobes cannot attach on some machines; elsewhere the
// run succeeds, which is checked the same way; --unsafe attaches even
// when the traceable function list is unreadable) and a run ended by
// exit().
func TestRunLeavesNoDescriptors(t *testing.T) {
	needRootRun(t)
	for _, args := range [][]string{
		{"run", "-e", `tracepoint:syscalls:sys_enter_getppid { @n = count(); } begin { exit(); }`},
		{"run", "--dry-run", "-e", `tracepoint:sched:sched_switch { @ = count(); }`},
		{"run", "--unsafe", "-e", `begin { printf("x\n"); } kprobe:vfs_read { @r = count(); } interval:ms:50 { exit(); }`},
		{"run", "-e", `interval:ms:10 { @i = count(); if (@i > 2) { exit(5); } } end { print(@i); }`},
	} {
		before := bpfDescriptors(t)
		code, _, errOut := run(t, "", args...)
		if code != 0 && code != 5 && !strings.Contains(errOut, "ERROR:") && !strings.Contains(errOut, "error[") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
		if after := bpfDescriptors(t); after != before {
			t.Errorf("%q: %d BPF or perf descriptors left open (stderr %q)", args, after-before, errOut)
		}
	}
}

// A failed assert ends the run with status 1 and bpftrace's message,
// which is at the errorf in the library's assert macro, expanded from the
// script's call; end probes still run.
func TestRunAssertEndsTheRun(t *testing.T) {
	needRootRun(t)
	code, out, errOut := run(t, "", "run", "-e", `begin { assert(1 == 2, "boom"); printf("after\n"); } end { printf("end\n"); }`)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if out != "end\n\n\n" || !strings.Contains(errOut, "stdlib/base.bt:6:5-37: ERROR: assert failed: boom\nstdin:1:9-31: ERROR: expanded from") {
		t.Errorf("stdout %q, stderr %q: want the message and end's output only", out, errOut)
	}
}

func TestSplitRunArgs(t *testing.T) {
	params, named, err := splitRunArgs([]string{"x.bt", "a", "b", "--name=v", "--flag", "c"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(params, ",") != "x.bt,a,b,c" || named["name"] != "v" || named["flag"] != "" || len(named) != 2 {
		t.Errorf("params %q, named %v", params, named)
	}
	if p, n, _ := splitRunArgs([]string{"x.bt", "1"}, -1); len(p) != 2 || n != nil {
		t.Errorf("without --: %q %v", p, n)
	}
	if _, _, err := splitRunArgs([]string{"--=v"}, 0); err == nil {
		t.Error("a named parameter without a name was accepted")
	}
}

func TestConfigFromEnv(t *testing.T) {
	config, err := configFromEnv([]string{"BPFTRACE_MAX_STRLEN=200", "BPFTRACE_PRINT_MAPS_ON_EXIT=0", "BPFTRACE_STRLEN=64", "HOME=/root", "BPFTRACE_NOT_A_KEY=1"})
	if err != nil {
		t.Fatal(err)
	}
	// BPFTRACE_STRLEN is the old name of max_strlen: the environment's
	// order decides, as each variable is read in turn.
	if config["max_strlen"] != int64(64) || config["print_maps_on_exit"] != false || len(config) != 2 {
		t.Errorf("config %v", config)
	}
	if _, err := configFromEnv([]string{"BPFTRACE_MAX_STRLEN=lots"}); err == nil {
		t.Error("a bad number was accepted")
	}
}
