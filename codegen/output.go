package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/types"
)

// newEvent records an event kind and returns it.
func (b *builder) newEvent(kind EventKind, format string, args *types.Tuple, n ast.Node) *Event {
	ev := &Event{ID: len(b.c.obj.Events), Kind: kind, Format: format, Args: args, File: b.file}
	for i := len(b.expansions) - 1; i >= 0; i-- {
		ev.Expanded = append(ev.Expanded, b.expansions[i])
	}
	if n != nil {
		ev.Pos = n.Pos()
	}
	b.c.obj.Events = append(b.c.obj.Events, ev)
	return ev
}

// emitRecord writes a ring buffer record: the event ID, then each value
// at its offset in the event's Args tuple.
func (b *builder) emitRecord(ev *Event, values []ast.Expr) {
	f := b.save()
	defer b.restore(f)
	size := 8
	var offs []int
	if ev.Args != nil {
		size += ev.Args.Size()
		offs = ev.Args.Offsets()
	}
	if size > largeRecord {
		b.emitLargeRecord(ev, values)
		return
	}
	off := b.allocScratch(size)
	b.emit(storeImm(regScratch, int16(off), int64(ev.ID), asm.DWord))
	for i, v := range values {
		b.storeTo(v, off+8+offs[i], ev.Args.Elems[i])
	}
	b.output(off, size)
}

// largeRecord is the record size above which a record is assembled in
// the ring buffer itself rather than in scratch memory first: a copy of
// values that already sit in scratch (a loop's (key, value) of long
// strings) could outgrow the scratch buffer.
const largeRecord = 4096

// emitLargeRecord writes a record straight into a ring buffer
// reservation: values are evaluated first (scalars kept on the stack,
// others where they already are in scratch), then copied in.
func (b *builder) emitLargeRecord(ev *Event, values []ast.Expr) {
	size := 8 + ev.Args.Size()
	offs := ev.Args.Offsets()
	type piece struct {
		scalar bool
		at     int // stack slot (scalar) or scratch offset
	}
	pieces := make([]piece, len(values))
	for i, v := range values {
		t := ev.Args.Elems[i]
		if scalarType(t) {
			b.scalar(v)
			b.normalize(asm.R0, t)
			pieces[i] = piece{scalar: true, at: int(b.spill())}
			continue
		}
		pieces[i] = piece{at: b.memory(v)}
	}
	done, reserved := b.label("rec_done"), b.label("rec_reserved")
	b.jumpIfExiting(done)
	b.emit(asm.LoadMapPtr(asm.R1, 0).WithReference(ringBufName))
	b.emit(asm.Mov.Imm(asm.R2, int32(size)))
	b.emit(asm.Mov.Imm(asm.R3, 0))
	b.emit(asm.FnRingbufReserve.Call())
	b.emit(asm.JNE.Imm(asm.R0, 0, reserved))
	b.countLost()
	b.jump(done)
	b.mark(reserved)
	rec := b.allocStack(8)
	b.emit(asm.StoreMem(asm.RFP, rec, asm.R0, asm.DWord))
	b.emit(storeImm(asm.R0, 0, int64(ev.ID), asm.DWord))
	for i, p := range pieces {
		t := ev.Args.Elems[i]
		dst := int32(8 + offs[i])
		if p.scalar {
			b.emit(asm.LoadMem(asm.R1, asm.RFP, int16(p.at), asm.DWord))
			b.emit(asm.LoadMem(asm.R0, asm.RFP, rec, asm.DWord))
			b.emit(asm.StoreMem(asm.R0, int16(dst), asm.R1, sizeOp(t.Size())))
			continue
		}
		b.emit(asm.LoadMem(asm.R1, asm.RFP, rec, asm.DWord))
		b.emit(asm.Add.Imm(asm.R1, dst))
		b.emit(asm.Mov.Imm(asm.R2, int32(t.Size())))
		b.scratchPtr(asm.R3, p.at)
		b.emit(asm.FnProbeReadKernel.Call())
	}
	b.emit(asm.LoadMem(asm.R1, asm.RFP, rec, asm.DWord))
	b.emit(asm.Mov.Imm(asm.R2, 0))
	b.emit(asm.FnRingbufSubmit.Call())
	b.mark(done)
}

// countLost adds one to the count of records that did not fit.
func (b *builder) countLost() {
	skip := b.label("lost")
	key := b.allocStack(8)
	b.emit(storeImm(asm.RFP, key, 0, asm.DWord))
	b.emit(asm.LoadMapPtr(asm.R1, 0).WithReference(lostName))
	b.emit(asm.Mov.Reg(asm.R2, asm.RFP))
	b.emit(asm.Add.Imm(asm.R2, int32(key)))
	b.emit(asm.FnMapLookupElem.Call())
	b.emit(asm.JEq.Imm(asm.R0, 0, skip))
	b.emit(asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord))
	b.emit(asm.Add.Imm(asm.R1, 1))
	b.emit(asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord))
	b.mark(skip)
}

// jumpIfExiting jumps to label once exit() has set the exit flag (the
// uint64 at 0 in the state map). It clobbers R1.
func (b *builder) jumpIfExiting(label string) {
	b.emit(asm.LoadMapValue(asm.R1, 0, 0).WithReference(stateName))
	b.emit(asm.LoadMem(asm.R1, asm.R1, 0, asm.DWord))
	b.emit(asm.JNE.Imm(asm.R1, 0, label))
}

// output sends size bytes of scratch at off to the ring buffer, counting
// the record as lost when it does not fit. Nothing is sent once exit()
// has set the exit flag.
func (b *builder) output(off, size int) {
	ok := b.label("out")
	b.jumpIfExiting(ok)
	b.emit(asm.LoadMapPtr(asm.R1, 0).WithReference(ringBufName))
	b.scratchPtr(asm.R2, off)
	b.emit(asm.Mov.Imm(asm.R3, int32(size)))
	b.emit(asm.Mov.Imm(asm.R4, 0))
	b.emit(asm.FnRingbufOutput.Call())
	b.emit(asm.JEq.Imm(asm.R0, 0, ok))
	b.countLost()
	b.mark(ok)
}

// argsTuple is the payload layout of values: their types after
// conversion, in order.
func (b *builder) argsTuple(values []ast.Expr) *types.Tuple {
	if len(values) == 0 {
		return nil
	}
	t := &types.Tuple{}
	for _, v := range values {
		vt := b.finalType(v)
		if _, void := vt.(types.Void); void {
			b.fail(v, "the checker recorded no type for this value")
		}
		t.Elems = append(t.Elems, vt)
	}
	return t
}

// formatted compiles printf-like calls: a format string and values.
func (b *builder) formatted(kind EventKind) func(b *builder, call *ast.CallExpr, args []ast.Expr) result {
	return func(b *builder, call *ast.CallExpr, args []ast.Expr) result {
		if len(args) == 0 {
			b.fail(call, "%s needs a format string", call.Fun.Name)
		}
		lit, ok := b.stringLiteral(args[0])
		if !ok {
			b.fail(args[0], "the format must be a string literal")
		}
		values := args[1:]
		ev := b.newEvent(kind, lit.Value, b.argsTuple(values), call)
		b.emitRecord(ev, values)
		return noVal
	}
}

// exitCall sets the global exit flag, so that no probe records anything
// more, and asks the runtime to exit with the code, if given.
func exitCall(b *builder, call ast.Expr, args []ast.Expr) result {
	ev := b.newEvent(EvExit, "", b.argsTuple(args), call)
	b.emitRecord(ev, args)
	b.emit(asm.LoadMapValue(asm.R1, 0, 0).WithReference(stateName))
	b.emit(storeImm(asm.R1, 0, 1, asm.DWord))
	if b.retLabel == "" {
		b.leaveLoop()
	} else {
		b.jump(b.exitLabel)
	}
	return noVal
}

// mapEvent compiles print/clear/zero of a whole map: the runtime acts on
// the map when it reads the record. print's optional top and div
// arguments are the payload.
func mapEvent(kind EventKind) builtinFn {
	return func(b *builder, call ast.Expr, args []ast.Expr) result {
		m, ok := ast.Unparen(args[0]).(*ast.MapExpr)
		if !ok {
			b.fail(args[0], "expected a map")
		}
		ml := b.mapLayout(m)
		rest := args[1:]
		ev := b.newEvent(kind, "", b.argsTuple(rest), call)
		ev.Map = ml
		b.emitRecord(ev, rest)
		return noVal
	}
}

// printCall prints a map (print(@m [, top, div])) or one value.
func printCall(b *builder, call ast.Expr, args []ast.Expr) result {
	if len(args) == 0 {
		b.fail(call, "print needs an argument")
	}
	if _, ok := ast.Unparen(args[0]).(*ast.MapExpr); ok {
		if _, isMap := types.Underlying(b.typeOf(args[0])).(*types.Map); isMap || b.isWholeMap(args[0]) {
			return mapEvent(EvPrintMap)(b, call, args)
		}
	}
	ev := b.newEvent(EvPrintValue, "", b.argsTuple(args[:1]), call)
	b.emitRecord(ev, args[:1])
	return noVal
}

// isWholeMap reports whether e names a keyed map or an aggregation map
// (print(@x) of a scalar plain map prints the map too, as bpftrace).
func (b *builder) isWholeMap(e ast.Expr) bool {
	m, ok := ast.Unparen(e).(*ast.MapExpr)
	if !ok {
		return false
	}
	_, ok = b.c.maps[mapName(b, m)]
	return ok
}

func mapName(b *builder, m *ast.MapExpr) string {
	if sym := b.info.SymbolOf(m); sym != nil {
		return sym.Name
	}
	return "@" + m.Name
}
