package clink

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"

	"github.com/bt-tools/bt/btfindex"
)

// The second example: a C function that copies a task's comm
// through weak kfuncs, guarded for kernels that lack them.
const taskComm = `#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

extern struct task_struct *bpf_task_from_pid(s32 pid) __weak __ksym;
extern void bpf_task_release(struct task_struct *p) __weak __ksym;

typedef char comm_t[16];

int task_comm(int pid, comm_t *out)
{
	if (!bpf_task_from_pid || !bpf_task_release)
		return -95; // EOPNOTSUPP
	struct task_struct *task = bpf_task_from_pid(pid);
	if (!task)
		return -3; // ESRCH
	__builtin_memcpy(out, &task->comm, sizeof(*out));
	bpf_task_release(task);
	return 0;
}
`

// kernelIndex opens the running kernel's BTF, or skips.
func kernelIndex(t *testing.T) *btfindex.Index {
	t.Helper()
	ix, err := btfindex.Open(btfindex.Options{NoModules: true, CacheDir: t.TempDir()})
	if err != nil || !ix.HasBTF() {
		t.Skipf("needs kernel BTF: %v", err)
	}
	return ix
}

// commProg calls task_comm(pid, &buf) where pid is the current
// process's, when it is want, and stores the result and buf in the
// array map "btclink_out" (value: int64 result, char[16] comm).
func commProg(name string, want uint32) asm.Instructions {
	return asm.Instructions{
		asm.FnGetCurrentPidTgid.Call().WithSymbol(name),
		asm.RSh.Imm(asm.R0, 32),
		asm.JNE.Imm(asm.R0, int32(want), "out"),
		asm.Mov.Reg(asm.R7, asm.R0),
		asm.Mov.Imm(asm.R1, 0),
		asm.StoreMem(asm.RFP, -8, asm.R1, asm.DWord),
		asm.StoreMem(asm.RFP, -16, asm.R1, asm.DWord),
		asm.Mov.Reg(asm.R1, asm.R7),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -16),
		asm.Call.Label("task_comm"),
		asm.LSh.Imm(asm.R0, 32),
		asm.ArSh.Imm(asm.R0, 32),
		asm.Mov.Reg(asm.R8, asm.R0),
		asm.Mov.Imm(asm.R1, 0),
		asm.StoreMem(asm.RFP, -20, asm.R1, asm.Word),
		asm.LoadMapPtr(asm.R1, 0).WithReference("btclink_out"),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -20),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.StoreMem(asm.R0, 0, asm.R8, asm.DWord),
		asm.LoadMem(asm.R1, asm.RFP, -16, asm.DWord),
		asm.StoreMem(asm.R0, 8, asm.R1, asm.DWord),
		asm.LoadMem(asm.R1, asm.RFP, -8, asm.DWord),
		asm.StoreMem(asm.R0, 16, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	}
}

func outMap() *ebpf.MapSpec {
	return &ebpf.MapSpec{Name: "btclink_out", Type: ebpf.Array, KeySize: 4, ValueSize: 24, MaxEntries: 1}
}

func TestKfuncInTracepoint(t *testing.T) {
	needClang(t)
	ix := kernelIndex(t)
	c := NewCompiler(Options{CacheDir: t.TempDir(), Kernel: ix})
	lib := compileLib(t, c, "task.bpf.c", taskComm, "lt")
	f := lib.Funcs["task_comm"]
	if f == nil || strings.Join(f.Kfuncs, ",") != "bpf_task_from_pid,bpf_task_release" {
		t.Fatalf("task_comm: %+v", f)
	}
	needRoot(t)
	pid := uint32(os.Getpid())
	linked, err := Link(commProg("btclink_comm", pid), lib)
	if err != nil {
		t.Fatal(err)
	}
	linked.Maps["btclink_out"] = outMap()

	t.Run("tracepoint", func(t *testing.T) {
		spec := &ebpf.ProgramSpec{Name: "btclink_comm", Type: ebpf.TracePoint, License: "GPL", Instructions: linked.Insns}
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
		var val [24]byte
		for i := 0; i < 100; i++ {
			syscall.Getppid()
			if err := coll.Maps["btclink_out"].Lookup(uint32(0), &val); err != nil {
				t.Fatal(err)
			}
			if val[8] != 0 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		comm, _ := os.ReadFile("/proc/self/comm")
		got := strings.TrimRight(string(val[8:]), "\x00")
		if ret := int64(val[0]) | int64(val[1])<<8; ret != 0 || got != strings.TrimSpace(string(comm)) {
			t.Errorf("task_comm = %d, comm %q, want 0, %q", ret, got, strings.TrimSpace(string(comm)))
		}
	})

	t.Run("raw tracepoint", func(t *testing.T) {
		spec := &ebpf.ProgramSpec{Name: "btclink_comm", Type: ebpf.RawTracepoint, License: "GPL", Instructions: linked.Insns}
		coll, err := ebpf.NewCollection(&ebpf.CollectionSpec{Programs: map[string]*ebpf.ProgramSpec{spec.Name: spec}, Maps: linked.Maps})
		if err == nil {
			coll.Close()
			t.Fatal("the kernel accepted bpf_task_from_pid in a raw tracepoint program")
		}
		var ve *ebpf.VerifierError
		if !errors.As(err, &ve) {
			t.Fatalf("not a verifier error: %v", err)
		}
		d, ok := LoadDiagnostic(err, linked.Insns, "raw tracepoint")
		if !ok {
			t.Fatalf("no diagnostic for %+v", ve)
		}
		p := d.Start()
		if d.Code != CodeKfuncNotAllowed || p.Filename != lib.Source || p.Line != 13 ||
			!strings.Contains(d.Message, "bpf_task_from_pid") || !strings.Contains(d.Message, "raw tracepoint") ||
			!strings.Contains(d.Message, "is not allowed") {
			t.Errorf("%s:%d:%d %s: %s", p.Filename, p.Line, p.Column, d.Code, d.Message)
		}
		t.Log(d.Error())
		if got := string(d.File.Text[d.Span.Start:d.Span.End]); got != "bpf_task_from_pid" {
			t.Errorf("diagnostic covers %q", got)
		}
	})
}

// A weak kfunc the kernel does not have: the guard sees a null address
// and the C function takes its fallback path.
func TestKfuncMissingWeak(t *testing.T) {
	needClang(t)
	ix := kernelIndex(t)
	c := NewCompiler(Options{CacheDir: t.TempDir(), Kernel: ix})
	lib := compileLib(t, c, "weak.bpf.c", `#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
extern int bt_no_such_kfunc(int x) __weak __ksym;
int try_it(int x)
{
	if (!bt_no_such_kfunc)
		return -95;
	return bt_no_such_kfunc(x);
}
`, "lw")
	linked, err := Link(callProg("btclink_weak", "try_it", 7), lib)
	if err != nil {
		t.Fatal(err)
	}
	needRoot(t)
	spec := &ebpf.ProgramSpec{Name: "btclink_weak", Type: ebpf.RawTracepoint, License: "GPL", Instructions: linked.Insns}
	if ret, _ := run(t, spec, linked.Maps); int32(ret) != -95 {
		t.Errorf("try_it(7) = %d, want -95", int32(ret))
	}
}

// A verifier error inside C points at the C line.
func TestVerifierErrorInC(t *testing.T) {
	needClang(t)
	c := NewCompiler(Options{CacheDir: t.TempDir()})
	lib := compileLib(t, c, "bad.bpf.c", "int peek(long addr)\n{\n\treturn *(int *)addr;\n}\n", "lv")
	linked, err := Link(callProg("btclink_bad", "peek", 7), lib)
	if err != nil {
		t.Fatal(err)
	}
	needRoot(t)
	spec := &ebpf.ProgramSpec{Name: "btclink_bad", Type: ebpf.RawTracepoint, License: "GPL", Instructions: linked.Insns}
	prog, err := ebpf.NewProgram(spec)
	if err == nil {
		prog.Close()
		t.Fatal("the verifier accepted a read through a scalar")
	}
	d, ok := LoadDiagnostic(err, linked.Insns, "raw tracepoint")
	if !ok {
		t.Fatalf("no diagnostic for %+v", err)
	}
	p := d.Start()
	t.Log(d.Error())
	if d.Code != CodeVerifierC || p.Filename != lib.Source || p.Line != 3 || !strings.Contains(d.Message, "invalid mem access") {
		t.Errorf("%s:%d:%d %s: %s", p.Filename, p.Line, p.Column, d.Code, d.Message)
	}
}

func benchKernel(b *testing.B) *btfindex.Index {
	ix, err := btfindex.Open(btfindex.Options{NoModules: true, CacheDir: b.TempDir()})
	if err != nil || !ix.HasBTF() {
		b.Skipf("needs kernel BTF: %v", err)
	}
	return ix
}
