package codegen

import (
	"encoding/binary"
	"syscall"
	"testing"
)

func TestBeginArithmeticPrintf(t *testing.T) {
	h := load(t, `begin { @x = 1 + 2; printf("%d\n", @x); }`)
	h.runBegin()
	if got := h.intValue("@x", nil); got != 3 {
		t.Errorf("@x = %d, want 3", got)
	}
	recs := h.records()
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1", len(recs))
	}
	r := recs[0]
	if r.ev.Kind != EvPrintf || r.ev.Format != "%d\n" {
		t.Fatalf("event %+v", r.ev)
	}
	if r.ev.Args == nil || len(r.ev.Args.Elems) != 1 {
		t.Fatalf("args %v", r.ev.Args)
	}
	if got := leInt(r.payload[:r.ev.Args.Elems[0].Size()]); got != 3 {
		t.Errorf("printf payload %d, want 3", got)
	}
}

// TestProgramPerAttachGroup: attach points with their own args get
// programs of their own, each in the spec under a distinct name.
func TestProgramPerAttachGroup(t *testing.T) {
	obj := compileSrc(t, `tracepoint:syscalls:sys_enter_open, tracepoint:syscalls:sys_enter_openat { @[args.flags] = count(); }
tracepoint:syscalls:sys_exit_open, tracepoint:syscalls:sys_exit_openat { @r = hist(args.ret); }`, Options{})
	if len(obj.Progs) != 4 {
		t.Fatalf("%d programs, want 4", len(obj.Progs))
	}
	seen := map[string]bool{}
	for _, p := range obj.Progs {
		if seen[p.SpecName] || obj.Spec.Programs[p.SpecName] == nil || len(p.SpecName) > 15 {
			t.Errorf("program name %q missing, duplicated or too long", p.SpecName)
		}
		seen[p.SpecName] = true
	}
}

func TestTracepointCount(t *testing.T) {
	h := load(t, `tracepoint:syscalls:sys_enter_getppid { @[args.__syscall_nr] = count(); @n = count(); }`)
	if len(h.obj.Progs) != 1 || h.obj.Progs[0].Provider != "tracepoint" {
		t.Fatalf("progs %+v", h.obj.Progs)
	}
	h.attachTracepoint(h.obj.Progs[0], "syscalls", "sys_enter_getppid")
	// other processes may call getppid too: wait until ours are counted
	for try := 0; ; try++ {
		for i := 0; i < 5; i++ {
			syscall.Getppid()
		}
		if n, ok := h.lookupRaw("@n", nil); ok && leInt(n) >= 5 {
			break
		}
		if try == 100 {
			t.Fatal("no getppid events counted")
		}
	}
	key := make([]byte, 4)
	binary.LittleEndian.PutUint32(key, uint32(syscall.SYS_GETPPID))
	if got := h.intValue("@", key); got < 5 {
		t.Errorf("@[%d] = %d, want >= 5", syscall.SYS_GETPPID, got)
	}
}

// TestProbeNameAlias: an aliased event keeps its written name for the
// probe builtin and is attached by its expanded one.
func TestProbeNameAlias(t *testing.T) {
	obj := compileSrc(t, `software:cpu:100000 { @[probe] = count(); }`, Options{})
	if len(obj.Progs) != 1 || len(obj.Progs[0].Targets) != 1 {
		t.Fatalf("progs %+v", obj.Progs)
	}
	tg := obj.Progs[0].Targets[0]
	if got := obj.ProbeNames[tg.Cookie]; got != "software:cpu:100000" {
		t.Errorf("probe name %q, want software:cpu:100000", got)
	}
	if tg.Name == "software:cpu:100000" {
		t.Errorf("target %q: want the expanded event to attach", tg.Name)
	}
}

// TestWildcardSplitByOffset: a field common to a wildcard's targets at
// different offsets (argv of execve and execveat) gives one program per
// layout, each reading its own offset.
func TestWildcardSplitByOffset(t *testing.T) {
	obj := compileSrc(t, `tracepoint:syscalls:sys_enter_exec* { join(args.argv); }`, Options{})
	if len(obj.Progs) != 2 {
		t.Fatalf("%d programs, want one per layout", len(obj.Progs))
	}
	offsets := map[int]bool{}
	for _, p := range obj.Progs {
		for _, g := range groupAttach(p.Probe) {
			for _, a := range g.attach.Args {
				if a.Name == "argv" {
					offsets[a.Offset] = true
				}
			}
		}
	}
	if len(offsets) != 2 {
		t.Errorf("argv offsets %v, want two", offsets)
	}
}
