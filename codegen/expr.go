package codegen

import (
	"math"

	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/types"
)

// result says where an expression's value is: in R0 (scalars) or in
// the scratch buffer at off (everything laid out in memory). A void
// expression has neither.
type result struct {
	mem  bool
	off  int
	void bool
}

var (
	inReg  = result{}
	noVal  = result{void: true}
	memAt  = func(off int) result { return result{mem: true, off: off} }
	voidTy = types.Void{}
)

// typeOf is e's type as the checker inferred it.
func (b *builder) typeOf(e ast.Node) types.Type {
	if t := b.info.Types[e]; t != nil {
		return t
	}
	switch x := e.(type) {
	case *ast.ParenExpr:
		// the checker may leave a parenthesised value untyped
		return b.finalType(x.X)
	case *ast.CallExpr:
		// a macro call has its expansion's type
		if ci := b.info.Calls[x]; ci != nil && ci.Expansion != nil {
			return b.typeOf(ci.Expansion)
		}
	case *ast.Ident:
		if ci := b.info.IdentCalls[x]; ci != nil && ci.Expansion != nil {
			return b.typeOf(ci.Expansion)
		}
		if arg, ok := b.info.MacroArgs[x]; ok {
			return b.finalType(arg)
		}
	}
	return voidTy
}

// finalType is e's type after the implicit conversion the checker
// recorded for it, if any.
func (b *builder) finalType(e ast.Expr) types.Type {
	if t := b.info.Conversions[e]; t != nil {
		return t
	}
	return b.typeOf(e)
}

// expr compiles e and applies its recorded conversion.
func (b *builder) expr(e ast.Expr) result {
	prev := b.setSrc(e)
	defer func() { b.src = prev }()
	from := b.typeOf(e)
	to := b.finalType(e)
	// a destination asked for by storeTo goes to this node only, and only
	// when no conversion follows
	b.dest, b.destSize = -1, 0
	if b.want >= 0 && from == to {
		b.dest, b.destSize = b.want, b.wantSize
	}
	b.want = -1
	if v, ok := b.info.Consts[e]; ok && types.IsInteger(to) && !hasEffects(e) {
		b.loadImm(asm.R0, v)
		b.normalize(asm.R0, to)
		return inReg
	}
	r := b.exprRaw(e)
	if to == from || r.void {
		return r
	}
	return b.convert(r, from, to, e)
}

// hasEffects reports whether evaluating e could do more than compute a
// value (the checker folds constants only in pure expressions, but a
// call inside a folded one is still kept to be safe).
func hasEffects(e ast.Expr) bool {
	effects := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr:
			effects = true
		case *ast.UnaryExpr:
			if x.Op == "++" || x.Op == "--" {
				effects = true
			}
		}
		return !effects
	})
	return effects
}

// scalar compiles a register-valued expression into R0.
func (b *builder) scalar(e ast.Expr) {
	r := b.expr(e)
	if r.mem || r.void {
		b.fail(e, "a value of type %s cannot be used here yet", b.finalType(e))
	}
}

// memory compiles a memory-valued expression and returns its offset in
// the scratch buffer.
func (b *builder) memory(e ast.Expr) int {
	r := b.expr(e)
	if !r.mem {
		// a scalar where memory is wanted: store it
		t := b.finalType(e)
		off := b.allocScratch(max(t.Size(), 8))
		b.storeR0(off, t)
		return off
	}
	return r.off
}

// storeTo compiles e and stores its value at scratch offset off as a
// value of type t (the destination's type).
func (b *builder) storeTo(e ast.Expr, off int, t types.Type) {
	if b.readsRange(e, off, t.Size()) {
		// the value reads the destination (`$t = ($t.1, $t.0)`): build it
		// elsewhere first
		f := b.save()
		tmp := b.allocScratch(t.Size())
		b.storeTo(e, tmp, t)
		b.copy(off, tmp, t.Size())
		b.restore(f)
		return
	}
	if tup, ok := ast.Unparen(e).(*ast.TupleExpr); ok {
		if dt, ok := types.Underlying(t).(*types.Tuple); ok && len(dt.Elems) == len(tup.Elems) {
			b.zero(off, dt.Size())
			offs := dt.Offsets()
			for i, el := range tup.Elems {
				f := b.save()
				b.storeTo(el, off+offs[i], dt.Elems[i])
				b.restore(f)
			}
			return
		}
	}
	f := b.save()
	defer b.restore(f)
	if types.Identical(b.finalType(e), t) {
		b.want, b.wantSize = off, t.Size()
	}
	r := b.expr(e)
	b.want, b.dest = -1, -1
	if r.void {
		b.fail(e, "this expression has no value")
	}
	b.storeResult(r, b.finalType(e), off, t, e)
}

// readsRange reports whether e reads a variable stored in the scratch
// range [off, off+n).
func (b *builder) readsRange(e ast.Expr, off, n int) bool {
	found := false
	ast.Inspect(e, func(x ast.Node) bool {
		if found || x == nil {
			return false
		}
		if v, ok := x.(*ast.Variable); ok {
			if sym := b.info.SymbolOf(v); sym != nil {
				if s, ok := b.vars[sym]; ok {
					size := 8
					if !s.scalar {
						size = s.typ.Size()
					}
					found = s.scratch < off+n && off < s.scratch+size
				}
			}
		}
		return !found
	})
	return found
}

// storeResult stores a compiled value of type from at off as type to.
func (b *builder) storeResult(r result, from types.Type, off int, to types.Type, n ast.Node) {
	if !r.mem {
		if !scalarType(to) {
			if scalarType(from) && to.Size() >= from.Size() {
				b.zero(off, to.Size())
				b.storeR0(off, from)
				return
			}
			b.fail(n, "cannot store a %s as %s", from, to)
		}
		b.normalize(asm.R0, to)
		b.storeR0(off, to)
		return
	}
	b.convertMem(r.off, from, off, to, n)
}

// storeR0 stores R0 at scratch offset off with t's width.
func (b *builder) storeR0(off int, t types.Type) {
	sz, _ := intInfo(t)
	b.emit(asm.StoreMem(regScratch, int16(off), asm.R0, sizeOp(sz)))
}

// loadScalar loads a value of type t from [reg+off] into dst, extended
// to its canonical 64-bit form.
func (b *builder) loadScalar(dst, reg asm.Register, off int, t types.Type) {
	sz, signed := intInfo(t)
	if signed && sz < 8 {
		b.emit(asm.LoadMemSX(dst, reg, int16(off), sizeOp(sz)))
		return
	}
	b.emit(asm.LoadMem(dst, reg, int16(off), sizeOp(sz)))
}

// loadImm loads a 64-bit constant.
func (b *builder) loadImm(dst asm.Register, v int64) {
	if v >= math.MinInt32 && v <= math.MaxInt32 {
		b.emit(asm.Mov.Imm(dst, int32(v)))
		return
	}
	b.emit(asm.LoadImm(dst, v, asm.DWord))
}

// normalize brings a register holding a value of type t to canonical
// form: sign- or zero-extended from t's width.
func (b *builder) normalize(r asm.Register, t types.Type) {
	if !types.IsInteger(t) {
		if _, ok := types.Underlying(t).(types.Bool); ok {
			return
		}
		return
	}
	sz, signed := intInfo(t)
	switch {
	case sz >= 8:
	case signed && sz == 1:
		b.emit(asm.MovSX8.Reg(r, r))
	case signed && sz == 2:
		b.emit(asm.MovSX16.Reg(r, r))
	case signed && sz == 4:
		b.emit(asm.MovSX32.Reg(r, r))
	case sz == 4:
		b.emit(asm.Mov.Reg32(r, r))
	case sz == 2:
		b.emit(asm.And.Imm(r, 0xffff))
	case sz == 1:
		b.emit(asm.And.Imm(r, 0xff))
	}
}

// convert applies an implicit conversion to a compiled value.
func (b *builder) convert(r result, from, to types.Type, n ast.Node) result {
	if !r.mem {
		if scalarType(to) {
			b.normalize(asm.R0, to)
			return inReg
		}
		off := b.allocScratch(to.Size())
		b.storeResult(r, from, off, to, n)
		return memAt(off)
	}
	if scalarType(to) {
		// a memory value read as a scalar (e.g. a 1-element value)
		b.loadScalar(asm.R0, regScratch, r.off, to)
		return inReg
	}
	if types.Identical(from, to) {
		return r
	}
	off := b.allocScratch(to.Size())
	b.convertMem(r.off, from, off, to, n)
	return memAt(off)
}

// convertMem copies a value of type from at src to dst as type to:
// strings are cut or NUL-padded, tuples and records
// converted element by element, integers resized.
func (b *builder) convertMem(src int, from types.Type, dst int, to types.Type, n ast.Node) {
	if src == dst && types.Identical(from, to) {
		return
	}
	fu, tu := types.Underlying(from), types.Underlying(to)
	switch t := tu.(type) {
	case *types.String:
		if f, ok := fu.(*types.String); ok {
			if f.Len >= t.Len {
				// Cut without a NUL of its own, as bpftrace copies: a
				// string that fills its type was cut short (the runtime
				// prints the truncation trailer).
				b.copy(dst, src, t.Len)
			} else {
				b.zero(dst, t.Len)
				b.copy(dst, src, f.Len)
			}
			return
		}
	case *types.Tuple:
		if f, ok := fu.(*types.Tuple); ok && len(f.Elems) == len(t.Elems) {
			b.zero(dst, t.Size())
			fo, to2 := f.Offsets(), t.Offsets()
			for i := range t.Elems {
				b.convertMem(src+fo[i], f.Elems[i], dst+to2[i], t.Elems[i], n)
			}
			return
		}
	case *types.Record:
		if f, ok := fu.(*types.Record); ok && len(f.Elems) == len(t.Elems) {
			b.zero(dst, t.Size())
			fo, to2 := f.Offsets(), t.Offsets()
			for i := range t.Elems {
				j := f.Index(t.Names[i])
				if j < 0 {
					j = i
				}
				b.convertMem(src+fo[j], f.Elems[j], dst+to2[i], t.Elems[i], n)
			}
			return
		}
	}
	if scalarType(from) && scalarType(to) {
		b.loadScalar(asm.R0, regScratch, src, from)
		b.normalize(asm.R0, to)
		b.storeR0(dst, to)
		return
	}
	if from.Size() == to.Size() {
		b.copy(dst, src, to.Size())
		return
	}
	if from.Size() < to.Size() {
		b.zero(dst, to.Size())
		b.copy(dst, src, from.Size())
		return
	}
	b.fail(n, "cannot convert %s to %s", from, to)
}

// zero clears n bytes of scratch at off.
func (b *builder) zero(off, n int) {
	if n <= 0 {
		return
	}
	if n > 128 {
		b.c.zerosSize = max(b.c.zerosSize, n)
		b.scratchPtr(asm.R1, off)
		b.emit(asm.Mov.Imm(asm.R2, int32(n)))
		b.emit(asm.LoadMapValue(asm.R3, 0, 0).WithReference(zerosName))
		b.emit(asm.FnProbeReadKernel.Call())
		return
	}
	i := 0
	for ; i+8 <= n && (off+i)%8 == 0; i += 8 {
		b.emit(storeImm(regScratch, int16(off+i), 0, asm.DWord))
	}
	for ; i < n; i++ {
		b.emit(storeImm(regScratch, int16(off+i), 0, asm.Byte))
	}
}

// copy copies n bytes of scratch from src to dst.
func (b *builder) copy(dst, src, n int) {
	if n <= 0 || dst == src {
		return
	}
	if n > 128 {
		b.scratchPtr(asm.R1, dst)
		b.emit(asm.Mov.Imm(asm.R2, int32(n)))
		b.scratchPtr(asm.R3, src)
		b.emit(asm.FnProbeReadKernel.Call())
		return
	}
	i := 0
	for i < n {
		w := 1
		switch {
		case n-i >= 8 && (dst+i)%8 == 0 && (src+i)%8 == 0:
			w = 8
		case n-i >= 4 && (dst+i)%4 == 0 && (src+i)%4 == 0:
			w = 4
		case n-i >= 2 && (dst+i)%2 == 0 && (src+i)%2 == 0:
			w = 2
		}
		b.emit(asm.LoadMem(asm.R1, regScratch, int16(src+i), sizeOp(w)))
		b.emit(asm.StoreMem(regScratch, int16(dst+i), asm.R1, sizeOp(w)))
		i += w
	}
}

// spill saves R0 in a new stack temporary and returns its offset.
func (b *builder) spill() int16 {
	off := b.allocStack(8)
	b.emit(asm.StoreMem(asm.RFP, off, asm.R0, asm.DWord))
	return off
}

// exprRaw compiles e without its conversion.
func (b *builder) exprRaw(e ast.Expr) result {
	if str, ok := b.info.Strings[e]; ok {
		if _, isCall := e.(*ast.CallExpr); !isCall {
			// folded by the checker: a literal ("hello" + 1); str() of
			// one is strCall's, which cuts it to the call's size
			return b.stringLit(str, b.typeOf(e))
		}
	}
	switch x := e.(type) {
	case *ast.ParenExpr:
		return b.expr(x.X)
	case *ast.IntLit:
		b.loadImm(asm.R0, int64(x.Value))
		b.normalize(asm.R0, b.typeOf(x))
		return inReg
	case *ast.BoolLit:
		v := int32(0)
		if x.Value {
			v = 1
		}
		b.emit(asm.Mov.Imm(asm.R0, v))
		return inReg
	case *ast.StringLit:
		return b.stringLit(x.Value, b.typeOf(x))
	case *ast.TypeinfoExpr:
		return b.typeinfo(x)
	case *ast.Variable:
		return b.variable(x)
	case *ast.MapExpr:
		return b.mapRead(x, nil, x)
	case *ast.MapAccess:
		return b.mapRead(x.Map, x.Keys, x)
	case *ast.BinaryExpr:
		return b.binary(x)
	case *ast.UnaryExpr:
		return b.unary(x)
	case *ast.CondExpr:
		return b.ternary(x)
	case *ast.IfExpr:
		return b.ifExpr(x)
	case *ast.BlockExpr:
		return b.blockExpr(x)
	case *ast.TupleExpr:
		t := b.typeOf(x)
		off := b.allocScratch(t.Size())
		b.storeTo(x, off, t)
		return memAt(off)
	case *ast.RecordExpr:
		return b.record(x)
	case *ast.FieldExpr:
		return b.field(x)
	case *ast.TupleIndexExpr:
		return b.tupleIndex(x)
	case *ast.IndexExpr:
		return b.index(x)
	case *ast.CallExpr:
		return b.call(x)
	case *ast.CastExpr:
		return b.cast(x)
	case *ast.Ident:
		return b.ident(x)
	case *ast.SizeofExpr, *ast.OffsetofExpr:
		if v, ok := b.info.Consts[e]; ok {
			b.loadImm(asm.R0, v)
			return inReg
		}
		t := b.typeOf(x.(ast.Expr))
		if x, ok := x.(*ast.SizeofExpr); ok {
			var st types.Type
			if x.X != nil {
				st = b.typeOf(x.X)
			} else if x.Type != nil {
				st = b.typeOf(x.Type)
			}
			if st != nil {
				b.loadImm(asm.R0, int64(st.Size()))
				b.normalize(asm.R0, t)
				return inReg
			}
		}
	case *ast.ComptimeExpr:
		return b.expr(x.X)
	case *ast.PositionalParam:
		return b.positional(x)
	}
	b.fail(e, "cannot compile this %s expression yet", nodeKind(e))
	return noVal
}

func nodeKind(n ast.Node) string {
	switch n.(type) {
	case *ast.SizeofExpr:
		return "sizeof"
	case *ast.OffsetofExpr:
		return "offsetof"
	case *ast.TypeofExpr:
		return "typeof"
	case *ast.TypeinfoExpr:
		return "typeinfo"
	case *ast.RangeExpr:
		return "range"
	}
	return "kind of"
}

// typeinfo builds the constant record typeinfo() yields: btf_id 0 (as
// bpftrace), then the base and full type names the checker gives.
func (b *builder) typeinfo(x *ast.TypeinfoExpr) result {
	rec, ok := types.Underlying(b.typeOf(x)).(*types.Record)
	t := b.c.prog.Info.Typeinfo[x]
	if !ok || t == nil || len(rec.Elems) != 3 {
		b.fail(x, "typeinfo() of a type the checker did not record")
	}
	base, full := check.TypeinfoStrings(t)
	offs := rec.Offsets()
	off := b.allocResult(rec.Size())
	b.emit(storeImm(regScratch, int16(off+offs[0]), 0, asm.DWord))
	for i, s := range []string{base, full} {
		n := rec.Elems[i+1].Size()
		if len(s) >= n {
			s = s[:n-1]
		}
		b.storeBytes(off+offs[i+1], []byte(s), n)
	}
	return memAt(off)
}

// stringLit stores a string constant in the scratch buffer, padded with
// NULs to its type's length.
func (b *builder) stringLit(s string, t types.Type) result {
	n := len(s) + 1
	if st, ok := types.Underlying(t).(*types.String); ok && st.Len > n {
		n = st.Len
	}
	off := b.allocResult(n)
	b.storeBytes(off, []byte(s), n)
	return memAt(off)
}

// storeBytes writes data at scratch offset off, NUL-padded to n bytes.
func (b *builder) storeBytes(off int, data []byte, n int) {
	buf := make([]byte, alignUp(n, 8))
	copy(buf, data)
	for i := 0; i < n; {
		if n-i >= 8 {
			var v int64
			for j := 7; j >= 0; j-- {
				v = v<<8 | int64(buf[i+j])
			}
			if v == 0 {
				b.emit(storeImm(regScratch, int16(off+i), 0, asm.DWord))
			} else {
				b.emit(asm.LoadImm(asm.R1, v, asm.DWord))
				b.emit(asm.StoreMem(regScratch, int16(off+i), asm.R1, asm.DWord))
			}
			i += 8
			continue
		}
		b.emit(storeImm(regScratch, int16(off+i), int64(buf[i]), asm.Byte))
		i++
	}
}

// variable reads a scratch variable.
func (b *builder) variable(v *ast.Variable) result {
	sym := b.info.SymbolOf(v)
	if sym == nil {
		b.fail(v, "unknown variable $%s", v.Name)
	}
	slot := b.slotOf(sym, v)
	if slot.scalar {
		b.emit(asm.LoadMem(asm.R0, regScratch, int16(slot.scratch), asm.DWord))
		return inReg
	}
	return memAt(slot.scratch)
}

// slotOf returns the home of a variable or parameter.
func (b *builder) slotOf(sym *check.Symbol, n ast.Node) *varSlot {
	if s, ok := b.vars[sym]; ok {
		return s
	}
	if sym.Kind == check.SymVar || sym.Kind == check.SymParam {
		b.fail(n, "variable %s has no storage here", sym.Name)
	}
	b.fail(n, "%s is not a variable", sym.Name)
	return nil
}

// record builds a record value.
func (b *builder) record(x *ast.RecordExpr) result {
	t, ok := types.Underlying(b.typeOf(x)).(*types.Record)
	if !ok {
		b.fail(x, "record without a record type")
	}
	off := b.allocScratch(t.Size())
	b.zero(off, t.Size())
	offs := t.Offsets()
	for _, f := range x.Fields {
		i := t.Index(f.Name.Name)
		if i < 0 {
			b.fail(f, "unknown record field %s", f.Name.Name)
		}
		fr := b.save()
		b.storeTo(f.Value, off+offs[i], t.Elems[i])
		b.restore(fr)
	}
	return memAt(off)
}

// ternary compiles `c ? a : b`.
func (b *builder) ternary(x *ast.CondExpr) result {
	t := b.typeOf(x)
	elseL, done := b.label("else"), b.label("fi")
	if _, void := t.(types.Void); void && x.Then != nil {
		// `c ? printf(...) : printf(...)`: a branch taken for its effect
		b.cond(x.Cond, elseL)
		b.exprStmt(x.Then)
		b.jump(done)
		b.mark(elseL)
		b.exprStmt(x.Else)
		b.mark(done)
		return noVal
	}
	if scalarType(t) {
		if x.Then == nil {
			// c ?: e — the condition's value when true
			b.scalar(x.Cond)
			b.emit(asm.JNE.Imm(asm.R0, 0, done))
			b.scalar(x.Else)
			b.mark(done)
			return inReg
		}
		b.cond(x.Cond, elseL)
		b.storeScalarBranch(x.Then, t)
		b.jump(done)
		b.mark(elseL)
		b.storeScalarBranch(x.Else, t)
		b.mark(done)
		return inReg
	}
	off := b.allocScratch(t.Size())
	b.cond(x.Cond, elseL)
	b.storeTo(x.Then, off, t)
	b.jump(done)
	b.mark(elseL)
	b.storeTo(x.Else, off, t)
	b.mark(done)
	return memAt(off)
}

func (b *builder) storeScalarBranch(e ast.Expr, t types.Type) {
	f := b.save()
	b.scalar(e)
	b.normalize(asm.R0, t)
	b.restore(f)
}

// ifExpr compiles if/else; its value, when it has one, is its blocks'.
func (b *builder) ifExpr(x *ast.IfExpr) result {
	t := b.typeOf(x)
	hasValue := t != nil && t.Size() > 0 && x.Else != nil && x.Then.Value != nil
	elseL, done := b.label("else"), b.label("fi")
	var off int
	if hasValue && !scalarType(t) {
		off = b.allocScratch(t.Size())
	}
	branch := func(e ast.Expr) {
		f := b.save()
		if !hasValue {
			b.exprStmt(e)
			b.restore(f)
			return
		}
		if scalarType(t) {
			b.scalar(e)
			b.normalize(asm.R0, t)
		} else {
			b.storeTo(e, off, t)
		}
		b.restore(f)
	}
	if ce, ok := ast.Unparen(x.Cond).(*ast.ComptimeExpr); ok {
		// A compile-time condition removes the branch not taken, which
		// the checker left untyped; it is evaluated when the script is
		// compiled, so it has no effects at run time.
		if v, known := b.info.Consts[ce]; known {
			var taken ast.Expr = x.Then
			if v == 0 {
				taken = x.Else
			}
			if taken != nil {
				branch(taken)
			}
			if !hasValue {
				return noVal
			}
			if scalarType(t) {
				return inReg
			}
			return memAt(off)
		}
	}
	b.cond(x.Cond, elseL)
	branch(x.Then)
	if x.Else != nil {
		b.jump(done)
	}
	b.mark(elseL)
	if x.Else != nil {
		branch(x.Else)
	}
	b.mark(done)
	if !hasValue {
		return noVal
	}
	if scalarType(t) {
		return inReg
	}
	return memAt(off)
}

// blockExpr runs a block's statements and yields its value.
func (b *builder) blockExpr(x *ast.BlockExpr) result {
	for _, s := range x.Stmts {
		b.stmt(s)
	}
	if x.Value == nil {
		return noVal
	}
	return b.expr(x.Value)
}

// cast compiles `(type)x`.
// unsignedOfSize is the unsigned integer type of each width below 8 bytes.
var unsignedOfSize = map[int]types.Type{1: types.Uint8, 2: types.Uint16, 4: types.Uint32}

func (b *builder) cast(x *ast.CastExpr) result {
	to := b.typeOf(x)
	from := b.finalType(x.X)
	if scalarType(to) && scalarType(from) {
		b.scalar(x.X)
		if _, ok := types.Underlying(to).(*types.Pointer); ok {
			// an integer becomes an address zero-extended from its own
			// width, as bpftrace's casts do: (uint8 *)-1 is 0xff
			if sz, _ := intInfo(from); sz > 0 && sz < 8 {
				b.normalize(asm.R0, unsignedOfSize[sz])
			}
		}
		b.normalize(asm.R0, to)
		return inReg
	}
	if scalarType(to) {
		// e.g. an array or buffer read as an integer
		off := b.memory(x.X)
		b.loadScalar(asm.R0, regScratch, off, to)
		return inReg
	}
	if !scalarType(from) {
		off := b.memory(x.X)
		if from.Size() == to.Size() {
			return memAt(off)
		}
		dst := b.allocScratch(to.Size())
		b.convertMem(off, from, dst, to, x)
		return memAt(dst)
	}
	// an integer reinterpreted as an array of bytes
	b.scalar(x.X)
	off := b.allocScratch(max(8, to.Size()))
	b.emit(asm.StoreMem(regScratch, int16(off), asm.R0, sizeOp(min(8, to.Size()))))
	return memAt(off)
}
