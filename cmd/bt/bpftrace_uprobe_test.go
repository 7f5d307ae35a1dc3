package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bt-tools/bt/btfindex"
)

// traceeSource is the program the user-space tracing tests trace: two
// USDT probes with semaphores (arguments in memory, in registers, signed,
// unsigned and a string), and a function. With an argument it loops
// (for -p); without, it makes three rounds and exits (for -c).
const traceeSource = `#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <string.h>
#include <unistd.h>
__extension__ unsigned short btt_args_semaphore __attribute__((unused)) __attribute__((section(".probes")));
__extension__ unsigned short btt_withsem_semaphore __attribute__((unused)) __attribute__((section(".probes")));
__attribute__((noinline)) int bt_add(int a, int b) { return a + b; }
volatile int sink;
int main(int argc, char **argv) {
  volatile long big = -5000000000L;
  volatile int neg = -7;
  volatile unsigned char c = 200;
  char msg[16];
  strcpy(msg, "hello usdt");
  int n = argc > 1 ? 1000000 : 3;
  for (int i = 0; i < n; i++) {
    DTRACE_PROBE4(btt, args, neg, big, c, msg);
    if (btt_withsem_semaphore) DTRACE_PROBE1(btt, withsem, (int)btt_withsem_semaphore);
    sink += bt_add(i, 40);
    usleep(argc > 1 ? 20000 : 1000);
  }
  return 0;
}
`

// buildC compiles a C program with gcc into t's temporary directory,
// skipping without gcc or sys/sdt.h (systemtap-sdt-dev).
func buildC(t *testing.T, name, source string, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("needs gcc to build the traced program")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, name+".c")
	if err := os.WriteFile(src, []byte(source), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, name)
	args := append(append([]string{}, flags...), "-o", bin, src)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		if strings.Contains(string(out), "sys/sdt.h") {
			t.Skip("needs sys/sdt.h (Debian: systemtap-sdt-dev) to build the traced program")
		}
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return bin
}

// buildTracee compiles traceeSource.
func buildTracee(t *testing.T) string {
	return buildC(t, "tracee", traceeSource, "-O1")
}

// bpftraceLink makes a `bpftrace` link to a freshly built bt.
func bpftraceLink(t *testing.T) string {
	t.Helper()
	link := filepath.Join(t.TempDir(), "bpftrace")
	if err := os.Symlink(btBinary(t), link); err != nil {
		t.Fatal(err)
	}
	return link
}

// runLinkBounded runs the link and returns stdout, stderr and the exit
// status, killing it after a minute.
func runLinkBounded(t *testing.T, link string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(link, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%q did not end; stdout %q stderr %q", args, o.String(), e.String())
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

// TestBpftraceUserTracingChild: -c starts the program, usdt arguments
// are decoded from the notes' specs (memory operands relative to %rsp,
// registers, 4/8/1-byte, signed and unsigned), a semaphore is raised
// while attached, uprobe/uretprobe by symbol, symbol+offset and address
// (a virtual address, as nm prints it) fire, and
// the run ends when the program exits.
func TestBpftraceUserTracingChild(t *testing.T) {
	needRootRun(t)
	bin := buildTracee(t)
	link := bpftraceLink(t)
	addr := symbolValue(t, bin, "bt_add")
	// bt_add+OFF: its last instruction, the one-byte ret (an offset must
	// be an instruction inside the function).
	off := retOffset(t, bin, "bt_add")
	script := strings.NewReplacer("BIN", bin, "ADDR", fmt.Sprintf("%#x", addr), "OFF", strconv.FormatUint(off, 10)).Replace(`
usdt:BIN:btt:args { printf("args %d %ld %d %s\n", arg0, arg1, arg2, str(arg3)); }
usdt:BIN:btt:withsem { printf("sem %d\n", arg0); }
uprobe:BIN:bt_add { printf("add %d %d\n", arg0, arg1); }
uretprobe:BIN:bt_add { printf("ret %d\n", retval); }
uprobe:BIN:bt_add+OFF { @off = count(); }
uprobe:BIN:ADDR { @addr = count(); }`)
	out, errOut, code := runLinkBounded(t, link, "-c", bin, "-e", script)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "Attached 6 probes") {
		t.Errorf("stderr %q lacks Attached 6 probes", errOut)
	}
	for _, want := range []string{
		"args -7 -5000000000 200 hello usdt", "sem 1",
		"add 0 40", "add 1 40", "add 2 40", "ret 40", "ret 41", "ret 42", "@off: 3", "@addr: 3",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "args -7"); n != 3 {
		t.Errorf("%d usdt hits, want 3:\n%s", n, out)
	}

	// One program over both probes, whose arg0 are in different places
	// (memory, a register): each is decoded by its own spec.
	out, errOut, code = runLinkBounded(t, link, "-c", bin, "-e", "usdt:"+bin+`:btt:* { printf("%s %d\n", probe, arg0); }`)
	for _, want := range []string{"usdt:" + bin + ":btt:args -7\n", "usdt:" + bin + ":btt:withsem 1\n"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("wildcard usdt: exit %d, output lacks %q:\n%s\nstderr %s", code, want, out, errOut)
		}
	}
}

// TestBpftraceUserTracingPID: -p PID attaches to a running process: a
// usdt probe found through the files the process maps (path '*'), a
// uprobe without a path (the process's executable) and a uprobe wildcard
// over every file the process maps (uprobe:*:fn*).
func TestBpftraceUserTracingPID(t *testing.T) {
	needRootRun(t)
	bin := buildTracee(t)
	link := bpftraceLink(t)
	tracee := exec.Command(bin, "loop")
	stdout, _ := tracee.StdoutPipe()
	if err := tracee.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { tracee.Process.Kill(); tracee.Wait() }()
	go io.Copy(io.Discard, bufio.NewReader(stdout))
	pid := tracee.Process.Pid
	out, errOut, code := runLinkBounded(t, link, "-p", strconv.Itoa(pid), "-e",
		`usdt:*:btt:args { @usdt = count(); printf("usdt %s\n", str(arg3)); }
		 uprobe:bt_add { @add = count(); if (@add >= 3) { exit(); } }
		 uprobe:*:bt_ad* { @wild = count(); }`)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	// exit() at the third call; the probes run on until detached, one
	// after the other in attach order as in bpftrace, so more calls may
	// be counted.
	var add int
	if i := strings.Index(out, "@add: "); i >= 0 {
		fmt.Sscanf(out[i:], "@add: %d", &add)
	}
	if !strings.Contains(out, "usdt hello usdt\n") || add < 3 || !strings.Contains(out, "@wild: ") {
		t.Errorf("output:\n%s\nstderr: %s", out, errOut)
	}
}

// elfSymbol is a symbol of an ELF file, failing the test without it.
func elfSymbol(t *testing.T, f *elf.File, path, name string) elf.Symbol {
	t.Helper()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Name == name && (s.Size > 0 || s.Value != 0) {
			return s
		}
	}
	t.Fatalf("no symbol %s in %s", name, path)
	return elf.Symbol{}
}

// symbolValue is the address of a symbol in an ELF file, as nm shows it.
func symbolValue(t *testing.T, path, name string) uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return elfSymbol(t, f, path, name).Value
}

// retOffset is the offset in function name of its last byte, which must
// be a ret instruction (0xc3); the test is skipped otherwise.
func retOffset(t *testing.T, path, name string) uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sym := elfSymbol(t, f, path, name)
	text := f.Section(".text")
	if sym.Size == 0 || text == nil {
		t.Fatalf("no sized symbol %s in .text of %s", name, path)
	}
	b := make([]byte, 1)
	if _, err := text.ReadAt(b, int64(sym.Value+sym.Size-1-text.Addr)); err != nil || b[0] != 0xc3 {
		t.Skipf("%s does not end in a one-byte ret", name)
	}
	return sym.Size - 1
}

// TestBpftraceCxxUprobe: uprobe:FILE:cpp:NAME attaches to C++ functions
// by demangled name (namespace included, parameters left out).
func TestBpftraceCxxUprobe(t *testing.T) {
	needRootRun(t)
	if _, err := exec.LookPath("g++"); err != nil {
		t.Skip("needs g++ to build the traced program")
	}
	if _, err := exec.LookPath("c++filt"); err != nil {
		t.Skip("needs c++filt (binutils) to demangle")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "tracee.cc")
	os.WriteFile(src, []byte(`namespace ns { __attribute__((noinline)) int add(int a, int b) { return a + b; } }
volatile int sink;
int main() { for (int i = 0; i < 3; i++) sink += ns::add(i, 1); return 0; }
`), 0o644)
	bin := filepath.Join(dir, "tracee")
	if out, err := exec.Command("g++", "-O1", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("g++: %v\n%s", err, out)
	}
	link := bpftraceLink(t)
	out, errOut, code := runLinkBounded(t, link, "-c", bin, "-e", "uprobe:"+bin+`:cpp:"ns::add" { @calls = count(); @sum = sum(arg0); }`)
	if code != 0 || !strings.Contains(out, "@calls: 3\n") || !strings.Contains(out, "@sum: 3\n") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
}

// TestBpftraceUSDTIndexedOperand: a USDT argument GCC writes as an
// indexed memory operand (base + index*scale, x86's SIB form) is read
// from the right element.
func TestBpftraceUSDTIndexedOperand(t *testing.T) {
	needRootRun(t)
	bin := buildC(t, "sib", `#include <sys/sdt.h>
int main(void) {
  volatile int arr[8];
  for (int j = 0; j < 8; j++) arr[j] = j * 10 + 1;
  for (long i = 0; i < 8; i++) DTRACE_PROBE2(sib, elem, i, arr[i]);
  return 0;
}
`, "-O2")
	locs, err := btfindex.USDTLocations(bin, "sib", "elem")
	if err != nil || len(locs) != 1 {
		t.Fatalf("USDT locations: %v %v", locs, err)
	}
	if !strings.Contains(locs[0].Probe.Args, ",") {
		t.Fatalf("gcc wrote %q: no indexed operand to test", locs[0].Probe.Args)
	}
	out, errOut, code := runLinkBounded(t, bpftraceLink(t), "-c", bin, "-e",
		`usdt:`+bin+`:sib:elem { printf("%d=%d\n", arg0, arg1); }`)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	for i := 0; i < 8; i++ {
		if want := fmt.Sprintf("%d=%d\n", i, i*10+1); !strings.Contains(out, want) {
			t.Errorf("output lacks %q (spec %q):\n%s", want, locs[0].Probe.Args, out)
		}
	}
}
