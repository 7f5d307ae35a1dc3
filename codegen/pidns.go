package codegen

import (
	"sync"

	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/bt-tools/bt/analysis/ast"
)

// Process and thread IDs as bpftrace gives them: as seen from the PID
// namespace the tracer runs in. In the initial namespace that is what
// bpf_get_current_pid_tgid returns; in another one (bt run under
// `unshare --pid`), bpf_get_ns_current_pid_tgid with the namespace's
// device and inode gives the IDs there, so pid and tid match the
// process's own view and /proc (stacks and symbols are read through
// /proc/PID). pid(init) and tid(init) are always the initial
// namespace's.

// procPidInitIno is the inode number of the initial PID namespace
// (PROC_PID_INIT_INO).
const procPidInitIno = 0xEFFFFFFC

// pidNamespace is the tracer's own PID namespace: its device, in the
// kernel's encoding, and inode; ok is false in the initial namespace (or
// when it cannot be read).
var pidNamespace = sync.OnceValues(func() (ns struct{ dev, ino uint64 }, ok bool) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/pid", &st); err != nil || st.Ino == procPidInitIno {
		return ns, false
	}
	// stat's st_dev is the user-space encoding; the helper compares with
	// the kernel's dev_t (major << 20 | minor).
	ns.dev = uint64(unix.Major(st.Dev))<<20 | uint64(unix.Minor(st.Dev))
	ns.ino = st.Ino
	return ns, true
})

// currentPidTgid leaves in R0 what bpf_get_current_pid_tgid returns (tgid
// << 32 | tid), from the tracer's PID namespace unless init is set.
// Like a helper call, it clobbers R1-R5.
func (b *builder) currentPidTgid(init bool) {
	ns, ok := pidNamespace()
	if init || !ok {
		b.emit(asm.FnGetCurrentPidTgid.Call())
		return
	}
	// struct bpf_pidns_info { u32 pid; u32 tgid; }: the same layout.
	info := b.allocStack(8)
	b.emit(asm.LoadImm(asm.R1, int64(ns.dev), asm.DWord))
	b.emit(asm.LoadImm(asm.R2, int64(ns.ino), asm.DWord))
	b.emit(asm.Mov.Reg(asm.R3, asm.RFP))
	b.emit(asm.Add.Imm(asm.R3, int32(info)))
	b.emit(asm.Mov.Imm(asm.R4, 8))
	b.emit(asm.FnGetNsCurrentPidTgid.Call())
	b.emit(asm.LoadMem(asm.R0, asm.RFP, info, asm.DWord))
}

// pidTidValue lowers pid and tid: pid([curr_ns|init]), tid(...).
func pidTidValue(tgid bool) builtinFn {
	return func(b *builder, n ast.Expr, args []ast.Expr) result {
		init := false
		if len(args) == 1 {
			if id, ok := ast.Unparen(args[0]).(*ast.Ident); ok && id.Name == "init" {
				init = true
			}
		}
		b.currentPidTgid(init)
		if tgid {
			b.emit(asm.RSh.Imm(asm.R0, 32))
		} else {
			b.emit(asm.Mov.Reg32(asm.R0, asm.R0))
		}
		return inReg
	}
}
