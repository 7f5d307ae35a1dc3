package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A shared library whose functions call back into the executable, and a
// PIE executable that calls it in a loop: a uprobe on the callback sees
// a stack through both files.
const (
	exitedLibSource = `
__attribute__((noinline)) int lib_inner(int (*cb)(int), int x) { int r = cb(x); __asm__ volatile("" ::: "memory"); return r + 1; }
__attribute__((noinline)) int lib_outer(int (*cb)(int), int x) { int r = lib_inner(cb, x); __asm__ volatile("" ::: "memory"); return r * 2; }
`
	exitedMainSource = `
#include <stdlib.h>
#include <unistd.h>
int lib_outer(int (*cb)(int), int x);
__attribute__((noinline)) int exe_leaf(int x) { __asm__ volatile("" ::: "memory"); return x + 3; }
__attribute__((noinline)) int exe_caller(int x) { int r = lib_outer(exe_leaf, x); __asm__ volatile("" ::: "memory"); return r; }
int main(int argc, char **argv) {
	int n = argc > 1 ? atoi(argv[1]) : 3, s = 0;
	char go;
	if (argc > 2 && read(0, &go, 1) != 1) /* "wait": until told to go */
		return 2;
	for (int i = 0; i < n; i++) s += exe_caller(i);
	return s == -1;
}
`
)

// buildExitedProgram builds the library and the PIE executable.
func buildExitedProgram(t *testing.T) string {
	t.Helper()
	lib := buildC(t, "libexited", exitedLibSource, "-O1", "-fno-omit-frame-pointer", "-shared", "-fPIC")
	dir := filepath.Dir(lib)
	// gcc -lexited wants lib*.so.
	so := filepath.Join(dir, "libexited.so")
	if err := os.Rename(lib, so); err != nil {
		t.Fatal(err)
	}
	return buildC(t, "exited", exitedMainSource, "-O1", "-fno-omit-frame-pointer", "-fPIE", "-pie",
		// buildC puts the source after the flags: the library must be
		// linked although it comes first.
		"-L"+dir, "-Wl,--no-as-needed", "-lexited", "-Wl,-rpath,"+dir)
}

// checkExitedStack checks that the map printed after the traced process
// exited names the frames of the executable and of the library.
func checkExitedStack(t *testing.T, out string) {
	t.Helper()
	for _, want := range []string{"exe_leaf+0\n", "lib_outer+", "exe_caller+", "main+", "@s[exe_leaf]: 3\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

const exitedScript = `uprobe:BIN:exe_leaf { @[ustack] = count(); @s[usym(reg("ip"))] = count(); }`

// The stacks of a -c command are printed after it has exited: its PIE
// executable and shared library still resolve.
func TestRunStackOfExitedCommand(t *testing.T) {
	needRootRun(t)
	bin := buildExitedProgram(t)
	out, errOut, code := runLinkBounded(t, btBinary(t), "run", "-c", bin, "-e", strings.ReplaceAll(exitedScript, "BIN", bin))
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	checkExitedStack(t, out)
}

// A process that starts after the probes are attached and exits before
// the run ends (SIGINT) resolves from the mappings recorded while it
// ran, with the default cache (PER_PID) and PER_PROGRAM alike; with NONE
// nothing is recorded and its addresses print as numbers.
func TestRunStackOfExitedProcess(t *testing.T) {
	needRootRun(t)
	bin := buildExitedProgram(t)
	for _, cache := range []string{"", "PER_PROGRAM", "NONE"} {
		t.Run("cache="+cache, func(t *testing.T) {
			env := append(os.Environ(), "BPFTRACE_CACHE_USER_SYMBOLS="+cache)
			if cache == "" {
				env = os.Environ()
			}
			stop := startBT(t, env, "run", "-e", strings.ReplaceAll(exitedScript, "BIN", bin))
			if o, err := exec.Command(bin).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", bin, err, o)
			}
			out := stop()
			if cache == "NONE" {
				if strings.Contains(out, "exe_leaf") || !strings.Contains(out, "@s[0x") {
					t.Errorf("NONE resolved the exited process's symbols:\n%s", out)
				}
				return
			}
			checkExitedStack(t, out)
		})
	}
}

// startBT starts bt with args and waits until it has attached; stop
// sends SIGINT and returns what bt printed.
func startBT(t *testing.T, env []string, args ...string) (stop func() string) {
	t.Helper()
	cmd := exec.Command(btBinary(t), args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	attached := make(chan bool, 1)
	var errOut strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		ok := false
		for sc.Scan() {
			errOut.WriteString(sc.Text() + "\n")
			if !ok && strings.HasPrefix(sc.Text(), "Attached ") {
				ok = true
				attached <- true
			}
		}
		if !ok {
			attached <- false
		}
	}()
	select {
	case ok := <-attached:
		if !ok {
			cmd.Wait()
			t.Fatalf("bt ended before attaching: %s", errOut.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("bt did not attach within a minute")
	}
	return func() string {
		cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(time.Minute):
			t.Fatal("bt did not end within a minute of SIGINT")
		}
		return out.String()
	}
}

// A process already running when the probes attach (so no mapping of it
// is seen being made) and exited before the run ends resolves with
// PER_PID, the default with ASLR: its mappings are read at attach, as
// bpftrace preloads the processes running a probed executable.
func TestRunStackOfProcessRunningAtAttach(t *testing.T) {
	needRootRun(t)
	bin := buildExitedProgram(t)
	proc := exec.Command(bin, "3", "wait")
	goPipe, err := proc.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	defer proc.Process.Kill()
	stop := startBT(t, append(os.Environ(), "BPFTRACE_CACHE_USER_SYMBOLS=PER_PID"),
		"run", "-e", strings.ReplaceAll(exitedScript, "BIN", bin))
	goPipe.Write([]byte("g"))
	goPipe.Close()
	if err := proc.Wait(); err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	checkExitedStack(t, stop())
}
