package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// WarningLevel says which failing BPF helpers a program reports at run
// time, as bpftrace's warning levels do.
type WarningLevel int

const (
	// WarnDefault reports every checked helper failure except those
	// whose failure leaves a zero the script can test for itself (probe
	// reads, map lookups).
	WarnDefault WarningLevel = iota
	// WarnNone (--no-warnings) reports none.
	WarnNone
	// WarnAll (-k) reports those too.
	WarnAll
)

// checkedHelpers are the helpers whose failures a program reports (the
// calls that helperCheck or lookupCheck follow), by name, each with
// whether only -k reports it: a failed probe read leaves zeros and a
// missing map element reads as zero, which a script can see for itself.
var checkedHelpers = map[asm.BuiltinFunc]struct {
	name  string
	onlyK bool
}{
	asm.FnMapUpdateElem:      {"map_update_elem", false},
	asm.FnMapLookupElem:      {"map_lookup_elem", true},
	asm.FnProbeReadUser:      {"probe_read_user", true},
	asm.FnProbeReadKernel:    {"probe_read_kernel", true},
	asm.FnProbeReadUserStr:   {"probe_read_user_str", true},
	asm.FnProbeReadKernelStr: {"probe_read_kernel_str", true},
}

// helperReported reports whether the program checks fn's result.
func (c *compiler) helperReported(fn asm.BuiltinFunc) bool {
	h, ok := checkedHelpers[fn]
	switch {
	case !ok || c.opts.Warnings == WarnNone:
		return false
	case c.opts.Warnings == WarnAll:
		return true
	}
	return !h.onlyK
}

// helperCheck follows a call of helper fn whose result is in R0: a
// negative (int32) result is reported with the helper's name and the
// code, located at the code being compiled. R0 is kept.
func (b *builder) helperCheck(fn asm.BuiltinFunc) {
	if !b.c.helperReported(fn) {
		return
	}
	ok := b.label("helper_ok")
	b.emit(asm.JSGE.Imm32(asm.R0, 0, ok))
	b.helperErrorRecord(fn, false)
	b.mark(ok)
}

// lookupCheck follows bpf_map_lookup_elem: a NULL result (a missing
// element) is reported, with code 0, as bpftrace does. R0 is kept.
func (b *builder) lookupCheck() {
	if !b.c.helperReported(asm.FnMapLookupElem) {
		return
	}
	ok := b.label("lookup_ok")
	b.emit(asm.JNE.Imm(asm.R0, 0, ok))
	b.helperErrorRecord(asm.FnMapLookupElem, true)
	b.mark(ok)
}

// helperErrorRecord sends the helper error record for fn with the
// result in R0 (or 0 when zero is set) as its code, keeping R0.
func (b *builder) helperErrorRecord(fn asm.BuiltinFunc, zero bool) {
	f := b.save()
	defer b.restore(f)
	keep := b.spill()
	ev := b.newEvent(EvRuntimeError, "", &types.Tuple{Elems: []types.Type{types.Int32}}, nil)
	ev.Helper = checkedHelpers[fn].name
	if b.src != nil {
		ev.File, ev.Pos, ev.End = b.src.file, b.src.span.Start, b.src.span.End
	}
	off := b.allocScratch(16)
	b.emit(storeImm(regScratch, int16(off), int64(ev.ID), asm.DWord))
	if zero {
		b.emit(storeImm(regScratch, int16(off+8), 0, asm.DWord))
	} else {
		b.emit(asm.StoreMem(regScratch, int16(off+8), asm.R0, asm.DWord))
	}
	b.output(off, 16)
	b.emit(asm.LoadMem(asm.R0, asm.RFP, keep, asm.DWord))
}

// narrowSrc locates the code being compiled at [start, end) (a field
// read is located from its struct expression inside any parentheses, as
// bpftrace locates it) and returns the previous location.
func (b *builder) narrowSrc(start, end source.Pos) *srcPos {
	prev := b.src
	b.src = &srcPos{file: b.file, span: source.Span{Start: start, End: end}}
	return prev
}
