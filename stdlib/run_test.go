package stdlib_test

import (
	"bytes"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/bt-tools/bt/codegen/clink"
	"github.com/bt-tools/bt/stdlib"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("loading BPF programs needs root")
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		t.Skipf("cannot raise the memlock limit: %v", err)
	}
}

func library(t *testing.T, src, tag string) *clink.Library {
	t.Helper()
	obj, err := stdlib.Object(src)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := clink.ReadLibrary(bytes.NewReader(obj), src, tag)
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// outMap is an array with one 64-byte value the programs fill.
func outMap() *ebpf.MapSpec {
	return &ebpf.MapSpec{Name: "btstd_out", Type: ebpf.Array, KeySize: 4, ValueSize: 64, MaxEntries: 1}
}

// fillProg looks up the output value and calls fn(arg, value).
func fillProg(name, fn string, arg int32, tail ...asm.Instruction) asm.Instructions {
	insns := asm.Instructions{
		asm.Mov.Imm(asm.R1, 0).WithSymbol(name),
		asm.StoreMem(asm.RFP, -8, asm.R1, asm.Word),
		asm.LoadMapPtr(asm.R1, 0).WithReference("btstd_out"),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -8),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Mov.Reg(asm.R2, asm.R0),
		asm.Mov.Imm32(asm.R1, arg),
		asm.Call.Label(fn),
		asm.Return(),
		asm.Mov.Imm(asm.R0, -1).WithSymbol("out"),
		asm.Return(),
	}
	return insns
}

// The string functions, run with BPF_PROG_TEST_RUN in raw tracepoint
// programs from the embedded objects: no clang involved.
func TestStringFunctionsRun(t *testing.T) {
	lib := library(t, "bpf/strings.bpf.c", "sstr")
	needRoot(t)
	for _, tc := range []struct {
		fn   string
		arg  int32
		ret  int32
		want string
	}{
		{"__bt_strerror", 2, 0, "No such file or directory"},
		{"__bt_strerror", -13, 0, "Permission denied"},
		{"__bt_strerror", 0, 0, "Success"},
		{"__bt_strerror", 4000, -22, "Unknown error"},
		{"__bt_strerror", 11, 0, "Try again (operation would block)"},
		{"__bt_strerror", 41, -22, "Unknown error"},
		{"__bt_signal_name", 9, 0, "Killed"},
		{"__bt_signal_name", 2, 0, "Interrupt"},
		{"__bt_signal_name", 31, 0, "Bad system call"},
		{"__bt_signal_name", 0, -22, "Unknown signal 0"},
		{"__bt_signal_name", 33, -22, "Unknown signal 33"},
		{"__bt_signal_name", 34, 0, "Real-time signal 0"},
		{"__bt_signal_name", 40, 0, "Real-time signal 6"},
		{"__bt_signal_name", 64, 0, "Real-time signal 30"},
		{"__bt_signal_name", 65, -22, "N/A"},
		{"__bt_signal_name", -1, -22, "N/A"},
	} {
		runFill(t, lib, tc.fn, tc.arg, tc.ret, tc.want)
	}
}

// runFill runs fn(arg, out) and checks its result and what it wrote.
func runFill(t *testing.T, lib *clink.Library, fn string, arg, wantRet int32, want string) {
	t.Helper()
	ret, got := fill(t, lib, fn, arg)
	if ret != wantRet || got != want {
		t.Errorf("%s(%d) = %d %q, want %d %q", fn, arg, ret, got, wantRet, want)
	}
}

// fillString is what fn(arg, out) writes.
func fillString(t *testing.T, lib *clink.Library, fn string, arg int32) string {
	_, s := fill(t, lib, fn, arg)
	return s
}

// fill runs fn(arg, out) in a raw tracepoint program, out being a 64-byte
// map value, and returns its result and what it wrote.
func fill(t *testing.T, lib *clink.Library, fn string, arg int32) (int32, string) {
	t.Helper()
	linked, err := clink.Link(fillProg("btstd_str", fn, arg), lib)
	if err != nil {
		t.Fatal(err)
	}
	linked.Maps["btstd_out"] = outMap()
	spec := &ebpf.ProgramSpec{Name: "btstd_str", Type: ebpf.RawTracepoint, License: "GPL", Instructions: linked.Insns}
	coll, err := ebpf.NewCollection(&ebpf.CollectionSpec{Programs: map[string]*ebpf.ProgramSpec{spec.Name: spec}, Maps: linked.Maps})
	if err != nil {
		t.Fatalf("%s: load: %+v", fn, err)
	}
	defer coll.Close()
	ret, err := coll.Programs[spec.Name].Run(&ebpf.RunOptions{Context: make([]byte, 8)})
	if err != nil {
		t.Fatal(err)
	}
	var out [64]byte
	if err := coll.Maps["btstd_out"].Lookup(uint32(0), &out); err != nil {
		t.Fatal(err)
	}
	s, _, _ := bytes.Cut(out[:], []byte{0})
	return int32(ret), string(s)
}

func TestSyscallNameRuns(t *testing.T) {
	obj, err := stdlib.Object("bpf/syscalls.bpf.c")
	if err != nil {
		t.Skip(err)
	}
	lib, err := clink.ReadLibrary(bytes.NewReader(obj), "bpf/syscalls.bpf.c", "ssys")
	if err != nil {
		t.Fatal(err)
	}
	needRoot(t)
	// The numbers of the machine's architecture, as Go knows them.
	runFill(t, lib, "__bt_syscall_name", unix.SYS_READ, 0, "read")
	runFill(t, lib, "__bt_syscall_name", unix.SYS_EXECVE, 0, "execve")
	runFill(t, lib, "__bt_syscall_name", unix.SYS_BPF, 0, "bpf")
	runFill(t, lib, "__bt_syscall_name", 100000, -22, "Unknown syscall")
	runFill(t, lib, "__bt_syscall_name", -1, -22, "Unknown syscall")
}

// __bt_task_comm in a tracepoint program: CO-RE relocates the library's
// own task_struct to the kernel's and the kfuncs resolve.
func TestTaskCommRuns(t *testing.T) {
	lib := library(t, "bpf/task.bpf.c", "stask")
	needRoot(t)
	pid := int32(os.Getpid())
	prog := asm.Instructions{
		asm.FnGetCurrentPidTgid.Call().WithSymbol("btstd_task"),
		asm.RSh.Imm(asm.R0, 32),
		asm.JNE.Imm(asm.R0, pid, "skip"),
	}
	prog = append(prog, fillProg("", "__bt_task_comm", pid)...)
	prog[3] = prog[3].WithSymbol("") // fillProg's entry is not a function here
	prog = append(prog, asm.Mov.Imm(asm.R0, 0).WithSymbol("skip"), asm.Return())
	linked, err := clink.Link(prog, lib)
	if err != nil {
		t.Fatal(err)
	}
	linked.Maps["btstd_out"] = outMap()
	spec := &ebpf.ProgramSpec{Name: "btstd_task", Type: ebpf.TracePoint, License: "GPL", Instructions: linked.Insns}
	coll, err := ebpf.NewCollection(&ebpf.CollectionSpec{Programs: map[string]*ebpf.ProgramSpec{spec.Name: spec}, Maps: linked.Maps})
	if err != nil {
		t.Fatalf("load: %+v", err)
	}
	defer coll.Close()
	l, err := link.Tracepoint("syscalls", "sys_enter_getppid", coll.Programs[spec.Name], nil)
	if err != nil {
		t.Skipf("cannot attach to syscalls:sys_enter_getppid: %v", err)
	}
	defer l.Close()
	var out [64]byte
	for i := 0; i < 100 && out[0] == 0; i++ {
		syscall.Getppid()
		if err := coll.Maps["btstd_out"].Lookup(uint32(0), &out); err != nil {
			t.Fatal(err)
		}
		if out[0] == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	comm, _ := os.ReadFile("/proc/self/comm")
	if got, want := string(bytes.TrimRight(out[:], "\x00")), strings.TrimSpace(string(comm)); got != want {
		t.Errorf("__bt_task_comm(self) = %q, want %q", got, want)
	}
}

// The standard library's C needs no clang: with none to be found, its
// embedded objects still link and run.
func TestRunsWithoutClang(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv(clink.ClangEnv, "")
	if p, err := clink.FindClang(""); err == nil {
		t.Fatalf("clang still found at %s", p)
	}
	lib := library(t, "bpf/strings.bpf.c", "snoc")
	needRoot(t)
	runFill(t, lib, "__bt_strerror", 1, 0, "Operation not permitted")
}
