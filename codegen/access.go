package codegen

import (
	"strconv"

	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/types"
)

// ident compiles a bare identifier: a builtin variable, a macro called
// without parentheses, or a constant.
func (b *builder) ident(x *ast.Ident) result {
	if arg, ok := b.info.MacroArgs[x]; ok {
		return b.macroArgExpr(arg)
	}
	if ci := b.info.IdentCalls[x]; ci != nil && ci.Expansion != nil {
		return b.expand(x, ci)
	}
	if v, ok := b.info.Consts[x]; ok {
		b.loadImm(asm.R0, v)
		return inReg
	}
	if sym := b.info.SymbolOf(x); sym != nil && sym.Kind != check.SymBuiltin {
		b.fail(x, "%s %s cannot be used as a value yet", sym.Kind, x.Name)
	}
	return b.builtin(x, x.Name, nil)
}

// probeArg finds a named argument of the program's probe.
func (b *builder) probeArg(name string) (check.ProbeArg, int, bool) {
	for i, a := range b.group.attach.Args {
		if a.Name == name {
			return a, i, true
		}
	}
	return check.ProbeArg{}, 0, false
}

// isArgs reports whether e is the `args` builtin.
func (b *builder) isArgs(e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok || id.Name != "args" {
		return false
	}
	sym := b.info.SymbolOf(id)
	return sym == nil || sym.Kind == check.SymBuiltin
}

// loadArg reads one probe argument: a tracepoint field from the context
// record, or an argument register / context slot.
func (b *builder) loadArg(a check.ProbeArg, index int, n ast.Node) result {
	t := a.Type
	if a.OffsetVaries {
		b.fail(n, "args.%s is at different offsets in the tracepoints %s matches", a.Name, b.group.attach.Node.Raw)
	}
	if a.Offset >= 0 && b.group.provider == "tracepoint" {
		if a.DataLoc {
			return b.dataLoc(a, n)
		}
		if scalarType(t) {
			sz, _ := intInfo(t)
			b.emit(asm.LoadMem(asm.R0, regCtx, int16(a.Offset), sizeOp(sz)))
			b.normalize(asm.R0, t)
			return inReg
		}
		off := b.allocScratch(t.Size())
		b.emit(asm.Mov.Reg(asm.R3, regCtx))
		b.emit(asm.Add.Imm(asm.R3, int32(a.Offset)))
		b.emit(asm.Mov.Imm(asm.R2, int32(t.Size())))
		b.scratchPtr(asm.R1, off)
		b.emit(asm.FnProbeReadKernel.Call())
		return memAt(off)
	}
	b.ctxArg(n, index)
	if !scalarType(t) {
		b.fail(n, "argument %s of type %s is not supported yet", a.Name, t)
	}
	b.normalize(asm.R0, t)
	return inReg
}

// dataLoc reads a tracepoint `__data_loc` string: the field holds the
// data's length << 16 | its offset in the record.
func (b *builder) dataLoc(a check.ProbeArg, n ast.Node) result {
	t := a.Type
	if _, ok := types.Underlying(t).(*types.String); !ok {
		// other dynamic arrays read as the address of their data
		b.emit(asm.LoadMem(asm.R0, regCtx, int16(a.Offset), asm.Word))
		b.emit(asm.And.Imm(asm.R0, 0xffff))
		b.emit(asm.Add.Reg(asm.R0, regCtx))
		return inReg
	}
	size := t.Size()
	off := b.allocScratch(size)
	b.zero(off, size)
	ok := b.label("dl")
	b.emit(asm.LoadMem(asm.R0, regCtx, int16(a.Offset), asm.Word))
	b.emit(asm.Mov.Reg(asm.R2, asm.R0))
	b.emit(asm.RSh.Imm(asm.R2, 16))
	b.emit(asm.JLE.Imm(asm.R2, int32(size), ok))
	b.emit(asm.Mov.Imm(asm.R2, int32(size)))
	b.mark(ok)
	b.emit(asm.And.Imm(asm.R0, 0xffff))
	b.emit(asm.Mov.Reg(asm.R3, regCtx))
	b.emit(asm.Add.Reg(asm.R3, asm.R0))
	b.scratchPtr(asm.R1, off)
	b.emit(asm.FnProbeReadKernelStr.Call())
	return memAt(off)
}

// argsValue builds `args` as a whole struct value.
func argsValue(b *builder, n ast.Expr, args []ast.Expr) result {
	st, ok := types.Underlying(b.typeOf(n)).(*types.Struct)
	if !ok {
		b.fail(n, "args has no struct type here")
	}
	off := b.allocScratch(st.Size())
	b.zero(off, st.Size())
	for _, fl := range st.Fields() {
		a, i, ok := b.probeArg(fl.Name)
		if !ok {
			continue
		}
		f := b.save()
		r := b.loadArg(a, i, n)
		b.storeResult(r, a.Type, off+fl.BitOffset/8, fl.Type, n)
		b.restore(f)
	}
	return memAt(off)
}

// field compiles `x.f` and `x->f`.
func (b *builder) field(x *ast.FieldExpr) result {
	name := x.Field.Name
	if b.isArgs(x.X) {
		a, i, ok := b.probeArg(name)
		if !ok {
			b.fail(x, "the probe has no argument %s", name)
		}
		return b.loadArg(a, i, x)
	}
	xt := types.Underlying(b.finalType(x.X))
	switch t := xt.(type) {
	case *types.Pointer:
		st, ok := types.Underlying(t.Elem).(*types.Struct)
		if !ok {
			b.fail(x, "field of a pointer to %s", t.Elem)
		}
		fl, ok := st.Field(name)
		if !ok {
			b.fail(x, "%s has no field %s", st, name)
		}
		b.scalar(x.X)
		defer func(prev *srcPos) { b.src = prev }(b.narrowSrc(ast.Unparen(x.X).Pos(), x.Span().End))
		return b.readField(fl, t.Space, x)
	case *types.Struct:
		fl, ok := t.Field(name)
		if !ok {
			b.fail(x, "%s has no field %s", t, name)
		}
		if space, ok := b.address(x.X); ok {
			defer func(prev *srcPos) { b.src = prev }(b.narrowSrc(ast.Unparen(x.X).Pos(), x.Span().End))
			return b.readField(fl, space, x)
		}
		off := b.memory(x.X)
		return b.memField(off+fl.BitOffset/8, fl, x)
	case *types.Record:
		i := t.Index(name)
		if i < 0 {
			b.fail(x, "record has no field %s", name)
		}
		off := b.memory(x.X)
		return b.memValue(off+t.Offsets()[i], t.Elems[i])
	}
	b.fail(x, "field access on %s is not supported yet", xt)
	return noVal
}

// memValue yields the value of type t at scratch offset off.
func (b *builder) memValue(off int, t types.Type) result {
	if scalarType(t) {
		b.loadScalar(asm.R0, regScratch, off, t)
		return inReg
	}
	return memAt(off)
}

// memField reads a (possibly bit-) field of a struct held in scratch.
func (b *builder) memField(off int, fl types.Field, n ast.Node) result {
	if fl.BitSize == 0 {
		return b.memValue(off, fl.Type)
	}
	sz, _ := intInfo(fl.Type)
	b.emit(asm.LoadMem(asm.R0, regScratch, int16(off), sizeOp(sz)))
	b.bitfield(fl, sz)
	return inReg
}

// bitfield extracts a bitfield from the container loaded in R0.
func (b *builder) bitfield(fl types.Field, containerBytes int) {
	shift := fl.BitOffset % 8
	if shift > 0 {
		b.emit(asm.RSh.Imm(asm.R0, int32(shift)))
	}
	if fl.BitSize < 64 {
		b.loadImm(asm.R1, int64(uint64(1)<<fl.BitSize-1))
		b.emit(asm.And.Reg(asm.R0, asm.R1))
	}
}

// readField reads field fl of the struct whose address is in R0.
func (b *builder) readField(fl types.Field, space types.AddrSpace, n ast.Node) result {
	byteOff := fl.BitOffset / 8
	if byteOff != 0 {
		b.emit(asm.Add.Imm(asm.R0, int32(byteOff)))
	}
	if fl.BitSize != 0 {
		sz := (fl.BitOffset%8 + fl.BitSize + 7) / 8
		cont := 1
		for cont < sz {
			cont *= 2
		}
		off := b.allocScratch(8)
		b.emit(storeImm(regScratch, int16(off), 0, asm.DWord))
		b.readInto(off, cont, space)
		b.emit(asm.LoadMem(asm.R0, regScratch, int16(off), asm.DWord))
		b.bitfield(fl, cont)
		return inReg
	}
	return b.readAt(fl.Type, space)
}

// readAt reads a value of type t from the address in R0.
func (b *builder) readAt(t types.Type, space types.AddrSpace) result {
	size := t.Size()
	if size == 0 {
		b.fail(nil, "cannot read a value of size 0 (%s)", t)
	}
	off := b.allocScratch(size)
	b.readInto(off, size, space)
	return b.memValue(off, t)
}

// readInto copies size bytes from the address in R0 into scratch.
func (b *builder) readInto(off, size int, space types.AddrSpace) {
	b.emit(asm.Mov.Reg(asm.R3, asm.R0))
	b.emit(asm.Mov.Imm(asm.R2, int32(size)))
	b.scratchPtr(asm.R1, off)
	b.probeRead(space)
}

// address computes, for an expression that denotes a struct or array
// in kernel or user memory (not copied yet), its address in R0.
func (b *builder) address(e ast.Expr) (types.AddrSpace, bool) {
	switch x := ast.Unparen(e).(type) {
	case *ast.UnaryExpr:
		if x.Op == "*" && !x.Postfix {
			if p, ok := types.Underlying(b.finalType(x.X)).(*types.Pointer); ok {
				b.scalar(x.X)
				return p.Space, true
			}
		}
	case *ast.FieldExpr:
		if b.isArgs(x.X) {
			return 0, false
		}
		var st *types.Struct
		var space types.AddrSpace
		switch t := types.Underlying(b.finalType(x.X)).(type) {
		case *types.Pointer:
			s, ok := types.Underlying(t.Elem).(*types.Struct)
			if !ok {
				return 0, false
			}
			st, space = s, t.Space
			b.scalar(x.X)
		case *types.Struct:
			if !b.addressable(x.X) {
				return 0, false
			}
			sp, _ := b.address(x.X)
			st, space = t, sp
		default:
			return 0, false
		}
		fl, ok := st.Field(x.Field.Name)
		if !ok || fl.BitSize != 0 {
			b.fail(x, "no field %s", x.Field.Name)
		}
		if fl.BitOffset/8 != 0 {
			b.emit(asm.Add.Imm(asm.R0, int32(fl.BitOffset/8)))
		}
		return space, true
	}
	return 0, false
}

// addressable reports whether address(e) succeeds, without emitting.
func (b *builder) addressable(e ast.Expr) bool {
	switch x := ast.Unparen(e).(type) {
	case *ast.UnaryExpr:
		return x.Op == "*" && !x.Postfix && types.IsPointer(b.finalType(x.X))
	case *ast.FieldExpr:
		if b.isArgs(x.X) {
			return false
		}
		switch types.Underlying(b.finalType(x.X)).(type) {
		case *types.Pointer:
			return true
		case *types.Struct:
			return b.addressable(x.X)
		}
	}
	return false
}

// deref compiles `*p`.
func (b *builder) deref(x *ast.UnaryExpr) result {
	p, ok := types.Underlying(b.finalType(x.X)).(*types.Pointer)
	if !ok {
		b.fail(x, "dereference of a non-pointer")
	}
	b.scalar(x.X)
	return b.readAt(b.typeOf(x), p.Space)
}

// addressOf compiles `&x` where x is in kernel memory.
func (b *builder) addressOf(x *ast.UnaryExpr) result {
	if _, ok := b.address(x.X); ok {
		return inReg
	}
	if v, ok := ast.Unparen(x.X).(*ast.Variable); ok {
		// the address of a variable's home in the scratch buffer
		slot := b.slotOf(b.info.SymbolOf(v), v)
		b.scratchPtr(asm.R0, slot.scratch)
		return inReg
	}
	switch m := ast.Unparen(x.X).(type) {
	case *ast.MapExpr:
		return b.mapElemAddr(m, nil, x)
	case *ast.MapAccess:
		return b.mapElemAddr(m.Map, m.Keys, x)
	}
	b.fail(x, "taking the address of this expression is not supported yet")
	return noVal
}

// tupleIndex compiles `t.N`.
func (b *builder) tupleIndex(x *ast.TupleIndexExpr) result {
	t, ok := types.Underlying(b.finalType(x.X)).(*types.Tuple)
	if !ok || x.Index < 0 || x.Index >= len(t.Elems) {
		b.fail(x, "tuple index out of range")
	}
	off := b.memory(x.X)
	return b.memValue(off+t.Offsets()[x.Index], t.Elems[x.Index])
}

// arrayOOBMessage is bpftrace's warning for an array index out of range.
const arrayOOBMessage = "Array access out of bounds. This can lead to unexpected results."

// index compiles `a[i]` on arrays in memory and pointers.
// addIndex adds index × esz to the address in R0 (C pointer arithmetic).
func (b *builder) addIndex(index ast.Expr, esz int) {
	if v, ok := b.constOf(index); ok {
		b.emit(asm.Add.Imm(asm.R0, int32(v*int64(esz))))
		return
	}
	tmp := b.spill()
	b.scalar(index)
	b.emit(asm.Mul.Imm(asm.R0, int32(esz)))
	b.emit(asm.LoadMem(asm.R1, asm.RFP, tmp, asm.DWord))
	b.emit(asm.Add.Reg(asm.R0, asm.R1))
}

func (b *builder) index(x *ast.IndexExpr) result {
	et := b.typeOf(x)
	esz := et.Size()
	switch t := types.Underlying(b.finalType(x.X)).(type) {
	case *types.Pointer:
		b.scalar(x.X)
		b.addIndex(x.Index, esz)
		return b.readAt(et, t.Space)
	case *types.Tuple:
		v, ok := b.constOf(x.Index)
		if !ok || v < 0 || v >= int64(len(t.Elems)) {
			b.fail(x, "a tuple index must be a constant in range")
		}
		off := b.memory(x.X)
		return b.memValue(off+t.Offsets()[v], t.Elems[v])
	case *types.Array, *types.String:
		n := 0
		if a, ok := t.(*types.Array); ok {
			n = a.Len
		} else {
			n = t.Size()
		}
		if _, flexible := t.(*types.Array); flexible && n == 0 && b.addressable(x.X) {
			// a flexible array member (`int y[0]`) has no length to
			// check: its elements are read from memory past the struct,
			// as in C
			space, _ := b.address(x.X)
			b.addIndex(x.Index, esz)
			return b.readAt(et, space)
		}
		if v, ok := b.constOf(x.Index); ok {
			if v < 0 || v >= int64(n) {
				b.fail(x, "index %d out of range [0, %d)", v, n)
			}
			if b.addressable(x.X) {
				space, _ := b.address(x.X)
				b.emit(asm.Add.Imm(asm.R0, int32(v*int64(esz))))
				return b.readAt(et, space)
			}
			off := b.memory(x.X)
			return b.memValue(off+int(v)*esz, et)
		}
		off := b.memory(x.X)
		// a variable index: bounded for the verifier, out of range reads zero
		res := b.allocScratch(max(esz, 8))
		b.zero(res, esz)
		skip, inBounds := b.label("idx"), b.label("idx_in")
		b.scalar(x.Index)
		b.emit(asm.JLT.Imm(asm.R0, int32(n), inBounds))
		// out of bounds (negative indices too): read as zero, and reported
		// for arrays as bpftrace does
		if _, isArray := t.(*types.Array); isArray {
			b.emitRecord(b.newEvent(EvRuntimeError, arrayOOBMessage, nil, x), nil)
		}
		b.jump(skip)
		b.mark(inBounds)
		b.emit(asm.Mul.Imm(asm.R0, int32(esz)))
		b.emit(asm.Add.Reg(asm.R0, regScratch))
		b.emit(asm.Mov.Reg(asm.R2, asm.R0))
		for i := 0; i < esz; i++ {
			b.emit(asm.LoadMem(asm.R1, asm.R2, int16(off+i), asm.Byte))
			b.emit(asm.StoreMem(regScratch, int16(res+i), asm.R1, asm.Byte))
		}
		b.mark(skip)
		return b.memValue(res, et)
	}
	b.fail(x, "indexing %s is not supported yet", b.finalType(x.X))
	return noVal
}

// positional compiles $1, $2, ... and $# from the command line.
func (b *builder) positional(x *ast.PositionalParam) result {
	params := b.c.opts.Params
	if x.Count {
		b.loadImm(asm.R0, int64(len(params)))
		return inReg
	}
	val := ""
	if x.N >= 1 && x.N <= len(params) {
		val = params[x.N-1]
	}
	t := b.typeOf(x)
	if types.IsInteger(t) {
		v, err := strconv.ParseInt(val, 0, 64)
		if err != nil && val != "" {
			b.fail(x, "$%d is %q, not a number", x.N, val)
		}
		b.loadImm(asm.R0, v)
		return inReg
	}
	return b.stringLit(val, t)
}

// stringLiteral finds the string literal e stands for, through parens,
// macro parameters and macros whose body is only a literal.
func (b *builder) stringLiteral(e ast.Expr) (*ast.StringLit, bool) {
	for depth := 0; depth < 64; depth++ {
		if s, ok := b.info.Strings[ast.Unparen(e)]; ok {
			// folded by the checker (str($1), "abc" + 1)
			return &ast.StringLit{Range: ast.RangeOf(e.Span()), Value: s}, true
		}
		switch x := ast.Unparen(e).(type) {
		case *ast.StringLit:
			return x, true
		case *ast.Ident:
			if arg, ok := b.info.MacroArgs[x]; ok {
				e = arg
				continue
			}
			if ci := b.info.IdentCalls[x]; ci != nil && ci.Expansion != nil && len(ci.Expansion.Stmts) == 0 && ci.Expansion.Value != nil {
				e = ci.Expansion.Value
				continue
			}
		case *ast.CallExpr:
			if ci := b.info.Calls[x]; ci != nil && ci.Expansion != nil && len(ci.Expansion.Stmts) == 0 && ci.Expansion.Value != nil {
				e = ci.Expansion.Value
				continue
			}
		}
		return nil, false
	}
	return nil, false
}
