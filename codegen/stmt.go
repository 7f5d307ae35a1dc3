package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/types"
)

// block compiles a block's statements (its value, if any, is dropped).
func (b *builder) block(x *ast.BlockExpr) {
	if x == nil {
		return
	}
	for _, s := range x.Stmts {
		b.stmt(s)
	}
	if x.Value != nil {
		b.exprStmt(x.Value)
	}
}

// exprStmt compiles an expression for its effects.
func (b *builder) exprStmt(e ast.Expr) {
	f := b.save()
	defer b.restore(f)
	switch x := ast.Unparen(e).(type) {
	case *ast.IfExpr:
		b.ifExpr(x)
		return
	case *ast.BlockExpr:
		b.block(x)
		return
	}
	b.expr(e)
}

func (b *builder) stmt(s ast.Stmt) {
	prev := b.setSrc(s)
	defer func() { b.src = prev }()
	f := b.save()
	defer b.restore(f)
	switch x := s.(type) {
	case *ast.ExprStmt:
		b.exprStmt(x.X)
	case *ast.AssignStmt:
		b.assign(x)
	case *ast.LetStmt:
		if x.Value != nil {
			b.assignVar(x.Var, x.Value)
		} else {
			b.clearVar(x.Var)
		}
	case *ast.JumpStmt:
		b.jumpStmt(x)
	case *ast.WhileStmt:
		b.while(x)
	case *ast.UnrollStmt:
		b.unroll(x)
	case *ast.ForStmt:
		b.forStmt(x)
	case *ast.ImportStmt:
	default:
		b.fail(s, "this statement is not supported yet")
	}
}

// assign compiles `lhs = rhs` and the compound assignments.
func (b *builder) assign(x *ast.AssignStmt) {
	rhs := x.Rhs
	if x.Op != "=" {
		// `a op= b` is `a = a op b`, with the checker's types
		rhs = &ast.BinaryExpr{Range: x.Range, X: x.Lhs, Op: x.Op[:len(x.Op)-1], OpPos: x.OpPos, Y: x.Rhs}
		b.info.Types[rhs] = b.compoundType(x)
	}
	switch l := ast.Unparen(x.Lhs).(type) {
	case *ast.Variable:
		b.assignVar(l, rhs)
	case *ast.MapExpr:
		b.assignMap(l, nil, rhs, x)
	case *ast.MapAccess:
		b.assignMap(l.Map, l.Keys, rhs, x)
	case *ast.Ident:
		if l.Name == "_" {
			b.exprStmt(rhs)
			return
		}
		b.fail(x, "cannot assign to %s", l.Name)
	default:
		b.fail(x, "cannot assign to this expression yet")
	}
}

// compoundType is the type of `a op b` in `a op= b`: the target's type.
func (b *builder) compoundType(x *ast.AssignStmt) types.Type {
	switch l := ast.Unparen(x.Lhs).(type) {
	case *ast.Variable:
		if sym := b.info.SymbolOf(l); sym != nil && sym.Type != nil {
			return sym.Type
		}
	case *ast.MapExpr:
		return b.mapLayout(l).Value
	case *ast.MapAccess:
		return b.mapLayout(l.Map).Value
	}
	return b.typeOf(x.Lhs)
}

// assignVar stores a value in a scratch variable.
func (b *builder) assignVar(v *ast.Variable, rhs ast.Expr) {
	sym := b.info.SymbolOf(v)
	if sym == nil {
		b.fail(v, "unknown variable $%s", v.Name)
	}
	slot := b.slotOf(sym, v)
	if slot.scalar {
		b.scalar(rhs)
		b.normalize(asm.R0, slot.typ)
		b.emit(asm.StoreMem(regScratch, int16(slot.scratch), asm.R0, asm.DWord))
		return
	}
	b.storeTo(rhs, slot.scratch, slot.typ)
}

// clearVar gives a declared variable its zero value.
func (b *builder) clearVar(v *ast.Variable) {
	sym := b.info.SymbolOf(v)
	if sym == nil {
		return
	}
	slot := b.slotOf(sym, v)
	if slot.scalar {
		b.emit(storeImm(regScratch, int16(slot.scratch), 0, asm.DWord))
		return
	}
	b.zero(slot.scratch, slot.typ.Size())
}

// jumpStmt compiles return, break and continue.
func (b *builder) jumpStmt(x *ast.JumpStmt) {
	switch x.Keyword {
	case "break", "continue":
		if len(b.loops) == 0 {
			b.fail(x, "%s outside a loop", x.Keyword)
		}
		l := b.loops[len(b.loops)-1]
		if x.Keyword == "break" {
			b.jump(l.breakLabel)
		} else {
			b.jump(l.continueLabel)
		}
	case "return":
		b.returnStmt(x)
	}
}

// returnStmt compiles `return` and `return VALUE`. A scalar value leaves
// in R0 (a fn's result, or a probe's own BPF return value), a memory
// value in the fn's result slot. Inside a loop callback, where the frame
// to leave is the caller's, a scalar value waits in the return-value
// slot and the leave flag says a value is waiting (see loopHelper).
func (b *builder) returnStmt(x *ast.JumpStmt) {
	target := b.retLabel
	fi := b.fnResult
	inReg := false
	if x.Value != nil {
		switch {
		case fi == nil && b.valueRetLabel != "":
			b.scalar(x.Value)
			b.normalize(asm.R0, b.finalType(x.Value))
			target, inReg = b.valueRetLabel, true
		case fi == nil || fi.result == nil:
			b.fail(x, "return with a value outside a fn")
		case scalarType(fi.result):
			b.scalar(x.Value)
			b.normalize(asm.R0, fi.result)
			inReg = true
		default:
			b.storeTo(x.Value, fi.resultOff, fi.result)
		}
	}
	if b.retLabel != "" {
		b.jump(target)
		return
	}
	if inReg {
		b.emit(asm.StoreMem(regScratch, int16(b.retValSlot()), asm.R0, asm.DWord))
		b.leaveLoopWith(leaveWithValue)
		return
	}
	b.leaveLoop()
}

// maxLoopIterations bounds while loops (bpf_loop's own limit).
const maxLoopIterations = 1 << 23

// while compiles a while loop as a bpf_loop callback that stops when the
// condition is false: variables live in scratch memory, where the
// verifier cannot see a loop counter, so loops are never open-coded.
func (b *builder) while(x *ast.WhileStmt) {
	b.loopCallback(x, func() {
		b.emit(asm.Mov.Imm(asm.R0, maxLoopIterations))
	}, func(stop string) {
		b.cond(x.Cond, stop)
	}, x.Body)
}

// loopCallback emits bpf_loop(count, callback, &scratch, 0): count()
// leaves the iteration count in R0; the callback runs head (which may
// jump to its stop label) and then the body. break returns 1 from the
// callback, continue 0. onIndex, when set, receives the index in R0.
func (b *builder) loopCallback(n ast.Node, count func(), head func(stop string), body *ast.BlockExpr) {
	cb := b.label("cb_loop")
	b.subprogram(cb, loopProto, func() {
		stop, next := b.label("stop"), b.label("next")
		b.retLabel, b.exitLabel = "", stop
		// R1 = index, R2 = our context (see loopContext)
		b.loadLoopContext(asm.R2)
		b.emit(asm.Mov.Reg(asm.R0, asm.R1))
		head(stop)
		b.loops = append(b.loops, loopCtx{breakLabel: stop, continueLabel: next})
		b.block(body)
		b.mark(next)
		b.emit(asm.Mov.Imm(asm.R0, 0))
		b.emit(asm.Return())
		b.mark(stop)
		b.emit(asm.Mov.Imm(asm.R0, 1))
		b.emit(asm.Return())
	})
	count()
	ctx := b.loopContext()
	b.emit(asm.Mov.Reg(asm.R1, asm.R0))
	b.emit(loadFunc(asm.R2, cb))
	b.emit(asm.Mov.Reg(asm.R3, asm.RFP))
	b.emit(asm.Add.Imm(asm.R3, int32(ctx)))
	b.emit(asm.Mov.Imm(asm.R4, 0))
	b.loopHelper(asm.FnLoop.Call(), body)
}

// unroll repeats the body n times.
func (b *builder) unroll(x *ast.UnrollStmt) {
	n, ok := b.info.Consts[ast.Unparen(x.Count)]
	if !ok {
		n, ok = b.info.Consts[x.Count]
	}
	if !ok || n < 0 || n > 100 {
		b.fail(x, "unroll needs a constant count from 0 to 100")
	}
	end := b.label("uend")
	for i := int64(0); i < n; i++ {
		next := b.label("unext")
		b.loops = append(b.loops, loopCtx{breakLabel: end, continueLabel: next})
		b.block(x.Body)
		b.loops = b.loops[:len(b.loops)-1]
		b.mark(next)
	}
	b.mark(end)
}

// forStmt compiles `for ($i : a..b)`; map iteration needs callbacks.
func (b *builder) forStmt(x *ast.ForStmt) {
	if m, ok := ast.Unparen(x.Iter).(*ast.MapExpr); ok {
		b.forMap(x, m)
		return
	}
	rng, ok := x.Iter.(*ast.RangeExpr)
	if !ok {
		b.fail(x, "this for loop is not supported yet")
	}
	sym := b.info.SymbolOf(x.Var)
	if sym == nil {
		b.fail(x.Var, "loop variable without a symbol")
	}
	slot := b.slotOf(sym, x.Var)
	// the start is kept in a scratch slot: $i = start + index
	start := b.allocPermanent(8)
	b.loopCallback(x, func() {
		skip := b.label("fempty")
		b.scalar(rng.From)
		b.emit(asm.StoreMem(regScratch, int16(start), asm.R0, asm.DWord))
		tmp := b.spill()
		b.scalar(rng.To)
		b.emit(asm.LoadMem(asm.R1, asm.RFP, tmp, asm.DWord))
		// count = to - from when positive, else 0
		b.emit(asm.Sub.Reg(asm.R0, asm.R1))
		b.emit(asm.JSGT.Imm(asm.R0, 0, skip))
		b.emit(asm.Mov.Imm(asm.R0, 0))
		b.mark(skip)
	}, func(stop string) {
		b.emit(asm.LoadMem(asm.R1, regScratch, int16(start), asm.DWord))
		b.emit(asm.Add.Reg(asm.R0, asm.R1))
		b.normalize(asm.R0, slot.typ)
		b.emit(asm.StoreMem(regScratch, int16(slot.scratch), asm.R0, asm.DWord))
	}, x.Body)
}
