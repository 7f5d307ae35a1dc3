package codegen

import (
	"math"

	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/types"
)

// arithOps maps a binary operator to its ALU operation. As in bpftrace,
// division, modulo and right shift are unsigned whatever the operands'
// signs (the checker warns about signed operands).
var arithOps = map[string]asm.ALUOp{
	"+": asm.Add, "-": asm.Sub, "*": asm.Mul, "/": asm.Div, "%": asm.Mod,
	"&": asm.And, "|": asm.Or, "^": asm.Xor, "<<": asm.LSh, ">>": asm.RSh,
}

// divByZeroMessage is the runtime error bpftrace reports when a divisor
// is zero at run time; the result is then 1.
const divByZeroMessage = "Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result."

// compareOps maps a comparison to the jump taken when it is true,
// unsigned and signed, and the jump taken when it is false.
var compareOps = map[string]struct{ yes, syes, no, sno asm.JumpOp }{
	"==": {asm.JEq, asm.JEq, asm.JNE, asm.JNE},
	"!=": {asm.JNE, asm.JNE, asm.JEq, asm.JEq},
	"<":  {asm.JLT, asm.JSLT, asm.JGE, asm.JSGE},
	"<=": {asm.JLE, asm.JSLE, asm.JGT, asm.JSGT},
	">":  {asm.JGT, asm.JSGT, asm.JLE, asm.JSLE},
	">=": {asm.JGE, asm.JSGE, asm.JLT, asm.JSLT},
}

// isSigned reports whether t is a signed integer.
func isSigned(t types.Type) bool {
	_, s := intInfo(t)
	return s && types.IsInteger(t)
}

// binary compiles a binary operator.
func (b *builder) binary(x *ast.BinaryExpr) result {
	switch x.Op {
	case "&&", "||":
		f, done := b.label("false"), b.label("done")
		b.cond(x, f)
		b.emit(asm.Mov.Imm(asm.R0, 1))
		b.jump(done)
		b.mark(f)
		b.emit(asm.Mov.Imm(asm.R0, 0))
		b.mark(done)
		return inReg
	}
	if _, ok := compareOps[x.Op]; ok {
		f, done := b.label("false"), b.label("done")
		b.cond(x, f)
		b.emit(asm.Mov.Imm(asm.R0, 1))
		b.jump(done)
		b.mark(f)
		b.emit(asm.Mov.Imm(asm.R0, 0))
		b.mark(done)
		return inReg
	}
	op, ok := arithOps[x.Op]
	if !ok {
		b.fail(x, "operator %s is not supported yet", x.Op)
	}
	t := b.typeOf(x)
	xt, yt := b.finalType(x.X), b.finalType(x.Y)
	// pointer arithmetic scales the integer by the element size
	scaleY, scaleX := 1, 1
	if p, ok := types.Underlying(xt).(*types.Pointer); ok && types.IsInteger(yt) {
		scaleY = max(1, p.Elem.Size())
	} else if p, ok := types.Underlying(yt).(*types.Pointer); ok && types.IsInteger(xt) {
		scaleX = max(1, p.Elem.Size())
	}
	b.scalar(x.X)
	if scaleX > 1 {
		b.emit(asm.Mul.Imm(asm.R0, int32(scaleX)))
	}
	if v, ok := b.constOf(x.Y); ok && scaleY == 1 && v >= math.MinInt32 && v <= math.MaxInt32 {
		b.emit(op.Imm(asm.R0, int32(v)))
	} else {
		f := b.save()
		tmp := b.spill()
		b.scalar(x.Y)
		if scaleY > 1 {
			b.emit(asm.Mul.Imm(asm.R0, int32(scaleY)))
		}
		b.emit(asm.Mov.Reg(asm.R1, asm.R0))
		b.emit(asm.LoadMem(asm.R0, asm.RFP, tmp, asm.DWord))
		if op == asm.Div || op == asm.Mod {
			b.checkedDiv(x, op)
		} else {
			b.emit(op.Reg(asm.R0, asm.R1))
		}
		b.restore(f)
	}
	b.normalize(asm.R0, t)
	return inReg
}

// checkedDiv divides R0 by R1; a zero divisor gives 1 and a runtime
// error record, as in bpftrace.
func (b *builder) checkedDiv(x *ast.BinaryExpr, op asm.ALUOp) {
	ok, done := b.label("divok"), b.label("divd")
	b.emit(asm.JNE.Imm(asm.R1, 0, ok))
	ev := b.newEvent(EvRuntimeError, divByZeroMessage, nil, x)
	b.emitRecord(ev, nil)
	b.emit(asm.Mov.Imm(asm.R0, 1))
	b.jump(done)
	b.mark(ok)
	b.emit(op.Reg(asm.R0, asm.R1))
	b.mark(done)
}

// constOf returns e's compile-time integer value after conversion.
func (b *builder) constOf(e ast.Expr) (int64, bool) {
	v, ok := b.info.Consts[e]
	if !ok || hasEffects(e) || !types.IsInteger(b.finalType(e)) {
		return 0, false
	}
	sz, signed := intInfo(b.finalType(e))
	if sz < 8 {
		if signed {
			v = v << (64 - 8*sz) >> (64 - 8*sz)
		} else {
			v = int64(uint64(v) << (64 - 8*sz) >> (64 - 8*sz))
		}
	}
	return v, true
}

// cond compiles a condition and jumps to falseL when it is false,
// falling through when it is true.
func (b *builder) cond(e ast.Expr, falseL string) {
	prev := b.setSrc(e)
	defer func() { b.src = prev }()
	e = ast.Unparen(e)
	switch x := e.(type) {
	case *ast.BinaryExpr:
		switch x.Op {
		case "&&":
			b.cond(x.X, falseL)
			b.cond(x.Y, falseL)
			return
		case "||":
			yes, next := b.label("or"), b.label("orelse")
			b.cond(x.X, next)
			b.jump(yes)
			b.mark(next)
			b.cond(x.Y, falseL)
			b.mark(yes)
			return
		}
		if ops, ok := compareOps[x.Op]; ok {
			b.compare(x, ops.no, ops.sno, falseL)
			return
		}
	case *ast.UnaryExpr:
		if x.Op == "!" && !x.Postfix {
			trueL := b.label("not")
			b.cond(x.X, trueL)
			b.jump(falseL)
			b.mark(trueL)
			return
		}
	case *ast.BoolLit:
		if !x.Value {
			b.jump(falseL)
		}
		return
	}
	f := b.save()
	b.truth(e)
	b.restore(f)
	b.emit(asm.JEq.Imm(asm.R0, 0, falseL))
}

// truth leaves a value whose zero-ness is e's truth in R0.
func (b *builder) truth(e ast.Expr) {
	t := b.finalType(e)
	if scalarType(t) {
		b.scalar(e)
		return
	}
	if _, ok := types.Underlying(t).(*types.String); ok {
		// a string is true when not empty
		off := b.memory(e)
		b.emit(asm.LoadMem(asm.R0, regScratch, int16(off), asm.Byte))
		return
	}
	b.fail(e, "a %s cannot be used as a condition", t)
}

// compare compiles a comparison and jumps to target with the unsigned
// or signed jump (the negated comparison, when used by cond).
func (b *builder) compare(x *ast.BinaryExpr, op, sop asm.JumpOp, target string) {
	xt, yt := b.finalType(x.X), b.finalType(x.Y)
	if !scalarType(xt) || !scalarType(yt) {
		b.compareMem(x, op, target)
		return
	}
	jop := op
	if isSigned(xt) && isSigned(yt) || isSigned(xt) && b.isConst(x.Y) || isSigned(yt) && b.isConst(x.X) {
		jop = sop
	}
	f := b.save()
	defer b.restore(f)
	b.scalar(x.X)
	if v, ok := b.constOf(x.Y); ok && v >= math.MinInt32 && v <= math.MaxInt32 {
		b.emit(jop.Imm(asm.R0, int32(v), target))
		return
	}
	tmp := b.spill()
	b.scalar(x.Y)
	b.emit(asm.Mov.Reg(asm.R1, asm.R0))
	b.emit(asm.LoadMem(asm.R0, asm.RFP, tmp, asm.DWord))
	b.emit(jop.Reg(asm.R0, asm.R1, target))
}

func (b *builder) isConst(e ast.Expr) bool {
	_, ok := b.constOf(e)
	return ok
}

// compareMem compares strings, buffers and other memory values for
// equality; op is JEq (jump when equal) or JNE.
func (b *builder) compareMem(x *ast.BinaryExpr, op asm.JumpOp, target string) {
	if op != asm.JEq && op != asm.JNE {
		b.fail(x, "only == and != compare %s values", b.finalType(x.X))
	}
	f := b.save()
	defer b.restore(f)
	xt := b.finalType(x.X)
	yt := b.finalType(x.Y)
	_, xs := types.Underlying(xt).(*types.String)
	_, ys := types.Underlying(yt).(*types.String)
	_, xbuf := types.Underlying(xt).(*types.Buffer)
	_, ybuf := types.Underlying(yt).(*types.Buffer)
	if xbuf && !ybuf {
		b.fail(x, "cannot compare %s with %s", xt, yt)
	}
	equal, differ := b.label("eq"), b.label("ne")
	// a literal is compared byte by byte without a loop
	if lit, ok := b.stringLiteral(x.Y); ok && xs && ys {
		b.strEqualsLit(b.memory(x.X), xt.Size(), lit.Value, differ)
	} else if lit, ok := b.stringLiteral(x.X); ok && xs && ys {
		b.strEqualsLit(b.memory(x.Y), yt.Size(), lit.Value, differ)
	} else {
		xo := b.memory(x.X)
		yo := b.memory(x.Y)
		if types.Identical(xt, yt) && !xs && !xbuf {
			// no NUL or length to stop at: every byte counts
			b.bytesEqual(xo, yo, xt.Size(), differ)
		} else {
			b.valuesEqual(x, xo, yo, xt, yt, differ)
		}
	}
	b.mark(equal)
	if op == asm.JEq {
		b.jump(target)
		b.mark(differ)
	} else {
		skip := b.label("eqskip")
		b.jump(skip)
		b.mark(differ)
		b.jump(target)
		b.mark(skip)
	}
}

// valuesEqual jumps to differ unless the values of types xt and yt at
// xo and yo are equal, as the checker lets values of different types
// compare: tuples element by element and records field by field (by
// name), strings up to the first NUL of either, buffers by length and
// bytes, integers as numbers whatever their widths and signs, and other
// values of one size byte by byte.
func (b *builder) valuesEqual(n ast.Node, xo, yo int, xt, yt types.Type, differ string) {
	switch xu := types.Underlying(xt).(type) {
	case *types.String:
		if _, ok := types.Underlying(yt).(*types.String); ok {
			same := b.label("streq")
			b.strEquals(xo, yo, min(xt.Size(), yt.Size()), same, differ)
			b.mark(same)
			return
		}
	case *types.Buffer:
		if yu, ok := types.Underlying(yt).(*types.Buffer); ok {
			b.buffersEqual(xo, yo, min(xu.Len, yu.Len), differ)
			return
		}
	case *types.Tuple:
		if yu, ok := types.Underlying(yt).(*types.Tuple); ok && len(yu.Elems) == len(xu.Elems) {
			xoffs, yoffs := xu.Offsets(), yu.Offsets()
			for i := range xu.Elems {
				b.valuesEqual(n, xo+xoffs[i], yo+yoffs[i], xu.Elems[i], yu.Elems[i], differ)
			}
			return
		}
	case *types.Record:
		if yu, ok := types.Underlying(yt).(*types.Record); ok && len(yu.Elems) == len(xu.Elems) {
			xoffs, yoffs := xu.Offsets(), yu.Offsets()
			for i, name := range xu.Names {
				j := yu.Index(name)
				if j < 0 {
					b.fail(n, "cannot compare %s with %s", xt, yt)
				}
				b.valuesEqual(n, xo+xoffs[i], yo+yoffs[j], xu.Elems[i], yu.Elems[j], differ)
			}
			return
		}
	}
	_, xb := types.Underlying(xt).(types.Bool)
	_, yb := types.Underlying(yt).(types.Bool)
	switch {
	case (types.IsInteger(xt) || xb) && (types.IsInteger(yt) || yb):
		b.loadScalar(asm.R1, regScratch, xo, xt)
		b.loadScalar(asm.R2, regScratch, yo, yt)
		b.emit(asm.JNE.Reg(asm.R1, asm.R2, differ))
	case xt.Size() == yt.Size():
		b.bytesEqual(xo, yo, xt.Size(), differ)
	default:
		b.fail(n, "cannot compare %s with %s", xt, yt)
	}
}

// strEqualsLit falls through when the string at off (of capacity n)
// equals lit, and jumps to differ otherwise.
func (b *builder) strEqualsLit(off, n int, lit string, differ string) {
	data := append([]byte(lit), 0)
	if len(data) > n {
		// the literal cannot fit: equal only if the prefix fills the string
		data = data[:n]
	}
	for i, c := range data {
		b.emit(asm.LoadMem(asm.R1, regScratch, int16(off+i), asm.Byte))
		b.emit(asm.JNE.Imm(asm.R1, int32(c), differ))
	}
}

// strEquals compares two NUL-terminated strings of up to n bytes with a
// bounded loop; it jumps to equal or differ.
func (b *builder) strEquals(xo, yo, n int, equal, differ string) {
	loop := b.label("strcmp")
	b.emit(asm.Mov.Imm(asm.R1, 0))
	b.mark(loop)
	b.emit(asm.JGE.Imm(asm.R1, int32(n), equal))
	b.emit(asm.Mov.Reg(asm.R2, regScratch))
	b.emit(asm.Add.Reg(asm.R2, asm.R1))
	b.emit(asm.LoadMem(asm.R3, asm.R2, int16(xo), asm.Byte))
	b.emit(asm.LoadMem(asm.R4, asm.R2, int16(yo), asm.Byte))
	b.emit(asm.JNE.Reg(asm.R3, asm.R4, differ))
	b.emit(asm.JEq.Imm(asm.R3, 0, equal))
	b.emit(asm.Add.Imm(asm.R1, 1))
	b.jump(loop)
}

// buffersEqual jumps to differ unless two buffers (uint32 length, then
// bytes) have the same length and the same bytes up to it; capacity is
// the smaller buffer's.
func (b *builder) buffersEqual(xo, yo, capacity int, differ string) {
	loop, same := b.label("bufeq"), b.label("bufsame")
	b.emit(asm.LoadMem(asm.R4, regScratch, int16(xo), asm.Word))
	b.emit(asm.LoadMem(asm.R1, regScratch, int16(yo), asm.Word))
	b.emit(asm.JNE.Reg(asm.R4, asm.R1, differ))
	b.emit(asm.Mov.Imm(asm.R1, 0))
	b.mark(loop)
	b.emit(asm.JGE.Reg(asm.R1, asm.R4, same))
	b.emit(asm.JGE.Imm(asm.R1, int32(capacity), same))
	b.scratchPtr(asm.R2, 0)
	b.emit(asm.Add.Reg(asm.R2, asm.R1))
	b.emit(asm.LoadMem(asm.R3, asm.R2, int16(xo+4), asm.Byte))
	b.emit(asm.LoadMem(asm.R5, asm.R2, int16(yo+4), asm.Byte))
	b.emit(asm.JNE.Reg(asm.R3, asm.R5, differ))
	b.emit(asm.Add.Imm(asm.R1, 1))
	b.jump(loop)
	b.mark(same)
}

// bytesEqual jumps to differ unless n bytes at xo and yo are equal.
func (b *builder) bytesEqual(xo, yo, n int, differ string) {
	for i := 0; i < n; {
		w := 1
		if n-i >= 8 && (xo+i)%8 == 0 && (yo+i)%8 == 0 {
			w = 8
		}
		b.emit(asm.LoadMem(asm.R1, regScratch, int16(xo+i), sizeOp(w)))
		b.emit(asm.LoadMem(asm.R2, regScratch, int16(yo+i), sizeOp(w)))
		b.emit(asm.JNE.Reg(asm.R1, asm.R2, differ))
		i += w
	}
}

// unary compiles prefix and postfix operators.
func (b *builder) unary(x *ast.UnaryExpr) result {
	switch x.Op {
	case "-":
		b.scalar(x.X)
		b.emit(asm.Neg.Imm(asm.R0, 0))
		b.normalize(asm.R0, b.typeOf(x))
		return inReg
	case "~":
		b.scalar(x.X)
		b.emit(asm.Xor.Imm(asm.R0, -1))
		b.normalize(asm.R0, b.typeOf(x))
		return inReg
	case "!":
		f, done := b.label("f"), b.label("d")
		b.cond(x.X, f)
		b.emit(asm.Mov.Imm(asm.R0, 0))
		b.jump(done)
		b.mark(f)
		b.emit(asm.Mov.Imm(asm.R0, 1))
		b.mark(done)
		return inReg
	case "*":
		return b.deref(x)
	case "&":
		return b.addressOf(x)
	case "++", "--":
		return b.incDec(x)
	}
	b.fail(x, "operator %s is not supported yet", x.Op)
	return noVal
}

// incDec compiles ++ and -- on variables and map elements.
func (b *builder) incDec(x *ast.UnaryExpr) result {
	delta := int32(1)
	if x.Op == "--" {
		delta = -1
	}
	t := b.typeOf(x)
	if _, void := t.(types.Void); void {
		t = b.typeOf(x.X)
	}
	if p, ok := types.Underlying(t).(*types.Pointer); ok {
		// pointer arithmetic steps by the element size
		delta *= int32(max(1, p.Elem.Size()))
	}
	target := ast.Unparen(x.X)
	switch v := target.(type) {
	case *ast.Variable:
		slot := b.slotOf(b.info.SymbolOf(v), v)
		b.emit(asm.LoadMem(asm.R0, regScratch, int16(slot.scratch), asm.DWord))
		b.emit(asm.Mov.Reg(asm.R1, asm.R0))
		b.emit(asm.Add.Imm(asm.R1, delta))
		b.normalize(asm.R1, t)
		b.emit(asm.StoreMem(regScratch, int16(slot.scratch), asm.R1, asm.DWord))
		if !x.Postfix {
			b.emit(asm.Mov.Reg(asm.R0, asm.R1))
		}
		return inReg
	case *ast.MapExpr, *ast.MapAccess:
		var m *ast.MapExpr
		var keys []ast.Expr
		if ma, ok := v.(*ast.MapAccess); ok {
			m, keys = ma.Map, ma.Keys
		} else {
			m = v.(*ast.MapExpr)
		}
		ml := b.mapLayout(m)
		if p, ok := types.Underlying(ml.Value).(*types.Pointer); ok && !types.IsPointer(t) {
			delta *= int32(max(1, p.Elem.Size()))
		}
		keyOff := b.mapKey(ml, keys, x)
		b.lookup(ml, keyOff)
		old := b.allocStack(8)
		missing := b.label("incmiss")
		b.emit(asm.Mov.Imm(asm.R1, 0))
		b.emit(asm.JEq.Imm(asm.R0, 0, missing))
		b.loadScalar(asm.R1, asm.R0, 0, ml.Value)
		b.mark(missing)
		b.emit(asm.StoreMem(asm.RFP, old, asm.R1, asm.DWord))
		b.emit(asm.Add.Imm(asm.R1, delta))
		b.normalize(asm.R1, ml.Value)
		valOff := b.allocScratch(8)
		b.emit(asm.Mov.Reg(asm.R0, asm.R1))
		b.storeR0(valOff, ml.Value)
		b.update(ml, keyOff, valOff)
		b.emit(asm.LoadMem(asm.R0, asm.RFP, old, asm.DWord))
		if !x.Postfix {
			b.emit(asm.Add.Imm(asm.R0, delta))
			b.normalize(asm.R0, ml.Value)
		}
		return inReg
	}
	b.fail(x, "%s of this expression is not supported yet", x.Op)
	return noVal
}
