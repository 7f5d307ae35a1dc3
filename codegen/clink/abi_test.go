package clink

import (
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
)

// The calling convention between the script's code and C, as clang
// compiles it for BPF: what a caller must do with arguments and results
// narrower than 64 bits. This test pins the facts the compiler relies on
// (see Link's documentation).
const abiC = `
long s8(signed char v) { return v; }
long u8(unsigned char v) { return v; }
long s16(short v) { return v; }
long u16(unsigned short v) { return v; }
long s32(int v) { return v; }
unsigned long u32(unsigned int v) { return v; }
long s64(long v) { return v; }
long b(_Bool v) { return v ? 7 : 3; }
int neg32(void) { return -95; }
signed char neg8(void) { return -3; }
unsigned short big16(void) { return 0xfffe; }
`

// call64 runs fn(arg) in a raw tracepoint program and returns r0 as a
// full 64-bit value (stored in an array map, as BPF_PROG_TEST_RUN only
// returns the low 32 bits).
func call64(t *testing.T, lib *Library, fn string, arg uint64) uint64 {
	t.Helper()
	prog := asm.Instructions{
		asm.LoadImm(asm.R1, int64(arg), asm.DWord).WithSymbol("btclink_abi"),
		asm.Call.Label(fn),
		asm.Mov.Reg(asm.R6, asm.R0),
		asm.Mov.Imm(asm.R1, 0),
		asm.StoreMem(asm.RFP, -8, asm.R1, asm.Word),
		asm.LoadMapPtr(asm.R1, 0).WithReference("btclink_res"),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -8),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "done"),
		asm.StoreMem(asm.R0, 0, asm.R6, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("done"),
		asm.Return(),
	}
	linked, err := Link(prog, lib)
	if err != nil {
		t.Fatal(err)
	}
	linked.Maps["btclink_res"] = &ebpf.MapSpec{Name: "btclink_res", Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 1}
	spec := &ebpf.ProgramSpec{Name: "btclink_abi", Type: ebpf.RawTracepoint, License: "GPL", Instructions: linked.Insns}
	_, coll := run(t, spec, linked.Maps)
	var v uint64
	if err := coll.Maps["btclink_res"].Lookup(uint32(0), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCallingConvention(t *testing.T) {
	needClang(t)
	c := NewCompiler(Options{CacheDir: t.TempDir()})
	lib := compileLib(t, c, "abi.bpf.c", abiC, "la")
	needRoot(t)
	// Arguments: a callee reads the low 32 bits of the register for a
	// parameter of 32 bits or fewer (the upper half does not matter) and
	// trusts them to hold the value extended from the parameter's width:
	// the caller extends an argument narrower than 32 bits (sign or zero,
	// by its C type) and passes a bool as 0 or 1.
	const junk = 0x12345678_000080ff
	for _, tc := range []struct {
		fn   string
		arg  uint64
		want uint64
	}{
		{"s32", junk, 0x80ff},
		{"s32", 0x12345678_ffffffff, 0xffffffff_ffffffff},
		{"u32", 0x12345678_ffffffff, 0xffffffff},
		{"s64", junk, junk},
		{"s8", 0xffffffff_ffffffff, 0xffffffff_ffffffff},
		{"s8", 0xff, 0xff}, // not extended by the callee: -1 needs the caller's extension
		{"u8", 0xff, 0xff},
		{"s16", 0xffff_80ff, 0xffffffff_ffff80ff},
		{"u16", 0x80ff, 0x80ff},
		{"b", 1, 7},
		{"b", 0, 3},
		{"b", 0x100, 7}, // any non-zero low word is true: pass 0 or 1
	} {
		if got := call64(t, lib, tc.fn, tc.arg); got != tc.want {
			t.Errorf("%s(%#x) = %#x, want %#x", tc.fn, tc.arg, got, tc.want)
		}
	}
	// Results: only the bits of the result type are defined (an int8
	// result is not even extended to 32 bits): the caller extends them
	// from that width to the script's type.
	for _, tc := range []struct {
		fn        string
		low, mask uint64
	}{
		{"neg32", uint64(uint32(0xffffffa1)), 0xffffffff},
		{"neg8", 0xfd, 0xff},
		{"big16", 0xfffe, 0xffff},
	} {
		if got := call64(t, lib, tc.fn, 0); got&tc.mask != tc.low {
			t.Errorf("%s() = %#x, want low bits %#x", tc.fn, got, tc.low)
		}
	}
}
