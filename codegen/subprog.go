package codegen

import (
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/types"
)

// BTF function types: the kernel needs BTF func info for every function
// of a program that passes a callback (bpf_for_each_map_elem).
var (
	btfU64     = &btf.Int{Name: "unsigned long long", Size: 8}
	btfLong    = &btf.Int{Name: "long", Size: 8, Encoding: btf.Signed}
	btfVoidPtr = &btf.Pointer{Target: &btf.Void{}}
	// mainProto is a program: int (void *ctx).
	mainProto = &btf.FuncProto{Return: &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed},
		Params: []btf.FuncParam{{Name: "ctx", Type: btfVoidPtr}}}
	// callbackProto is a for_each_map_elem callback.
	callbackProto = &btf.FuncProto{Return: btfLong, Params: []btf.FuncParam{
		{Name: "map", Type: btfVoidPtr}, {Name: "key", Type: btfVoidPtr},
		{Name: "value", Type: btfVoidPtr}, {Name: "ctx", Type: btfVoidPtr}}}
	// loopProto is a bpf_loop callback.
	loopProto = &btf.FuncProto{Return: btfLong, Params: []btf.FuncParam{
		{Name: "index", Type: btfU64}, {Name: "ctx", Type: btfVoidPtr}}}
	// fnProto is a script fn: u64 (void *scratch, void *ctx).
	fnProto = &btf.FuncProto{Return: btfU64, Params: []btf.FuncParam{
		{Name: "scratch", Type: btfVoidPtr}, {Name: "ctx", Type: btfVoidPtr}}}
)

// subprogram compiles body as a separate BPF function labelled label,
// appended after the program. Its stack is its own; the scratch buffer
// allocator is shared, so the function's temporaries never overlap the
// caller's live values.
func (b *builder) subprogram(label string, proto *btf.FuncProto, body func()) {
	saved := struct {
		insns               asm.Instructions
		pending             []string
		stack, maxStack     int
		loops               []loopCtx
		retLabel, exitLabel string
		src                 *srcPos
	}{b.insns, b.pending, b.stack, b.maxStack, b.loops, b.retLabel, b.exitLabel, b.src}
	b.insns, b.pending, b.stack, b.maxStack, b.loops = nil, nil, 0, 0, nil
	body()
	sub := b.insns
	sub[0] = btf.WithFuncMetadata(sub[0].WithSymbol(label), &btf.Func{Name: btfName(label), Type: proto, Linkage: btf.StaticFunc})
	b.subprogs = append(b.subprogs, sub...)
	b.subStack = max(b.subStack, b.maxStack)
	b.insns, b.pending, b.stack, b.maxStack, b.loops = saved.insns, saved.pending, saved.stack, saved.maxStack, saved.loops
	b.retLabel, b.exitLabel, b.src = saved.retLabel, saved.exitLabel, saved.src
}

// btfName makes a label a C identifier.
func btfName(label string) string {
	out := []byte(label)
	for i, c := range out {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			out[i] = '_'
		}
	}
	return string(out)
}

// appendFns puts the subprograms after the program's own code.
func (b *builder) appendFns() {
	if len(b.subprogs) == 0 {
		return
	}
	b.insns[0] = btf.WithFuncMetadata(b.insns[0], &btf.Func{Name: btfName(b.prog.SpecName), Type: mainProto, Linkage: btf.GlobalFunc})
	b.insns = append(b.insns, b.subprogs...)
}

// returnZeroCallback is a callback that only continues the iteration;
// bpf_for_each_map_elem then counts the elements.
func (b *builder) returnZeroCallback() string {
	if b.countCB != "" {
		return b.countCB
	}
	b.countCB = b.label("cb_count")
	b.subprogram(b.countCB, callbackProto, func() {
		b.emit(asm.Mov.Imm(asm.R0, 0))
		b.emit(asm.Return())
	})
	return b.countCB
}

// loadFunc loads the address of a subprogram (for callbacks).
func loadFunc(dst asm.Register, label string) asm.Instruction {
	return asm.Instruction{OpCode: asm.LoadImmOp(asm.DWord), Dst: dst, Src: asm.PseudoFunc, Constant: -1}.WithReference(label)
}

// lenCall: len(@m) is the number of elements, counted by iterating.
func lenCall(b *builder, n ast.Expr, args []ast.Expr) result {
	m, ok := ast.Unparen(args[0]).(*ast.MapExpr)
	if !ok {
		if st, ok := types.Underlying(b.finalType(args[0])).(*types.Stack); ok {
			return b.stackDepth(args[0], st)
		}
		b.fail(args[0], "len needs a map")
	}
	ml := b.mapLayout(m)
	cb := b.returnZeroCallback()
	b.emit(asm.LoadMapPtr(asm.R1, 0).WithReference(ml.SpecName))
	b.emit(loadFunc(asm.R2, cb))
	b.emit(asm.Mov.Imm(asm.R3, 0))
	b.emit(asm.Mov.Imm(asm.R4, 0))
	b.emit(asm.FnForEachMapElem.Call())
	return inReg
}

// forMap compiles `for ($kv : @m) { body }` as a callback of
// bpf_for_each_map_elem. The callback context is a stack slot holding
// the scratch pointer; the loop variable, a (key, value) tuple, is
// copied into its scratch slot for each element.
func (b *builder) forMap(x *ast.ForStmt, m *ast.MapExpr) {
	ml := b.mapLayout(m)
	if ml.Bucketed {
		b.fail(x, "for loops over %s maps are not supported", ml.Value)
	}
	sym := b.info.SymbolOf(x.Var)
	if sym == nil {
		b.fail(x.Var, "loop variable without a symbol")
	}
	slot, ok := b.vars[sym]
	if !ok && sym.Type == nil {
		b.fail(x.Var, "the checker recorded no type for the loop variable")
	}
	if !ok {
		// a home for the loop's lifetime (see allocVars), released with
		// the statement's temporaries
		slot = &varSlot{typ: sym.Type, scratch: b.allocScratch(sym.Type.Size())}
		b.vars[sym] = slot
		defer delete(b.vars, sym)
	}
	kv, ok := types.Underlying(slot.typ).(*types.Tuple)
	if !ok || len(kv.Elems) != 2 {
		b.fail(x.Var, "the loop variable of a map loop must be a (key, value) tuple, not %s", slot.typ)
	}
	cb := b.label("cb_for")
	b.subprogram(cb, callbackProto, func() {
		stop := b.label("stop")
		next := b.label("next")
		b.retLabel, b.exitLabel = "", stop
		// R2 = key, R3 = value, R4 = our context (see loopContext)
		b.loadLoopContext(asm.R4)
		keySlot := b.allocStack(8)
		b.emit(asm.StoreMem(asm.RFP, keySlot, asm.R3, asm.DWord))
		b.emit(asm.Mov.Reg(asm.R0, asm.R2))
		offs := kv.Offsets()
		b.copyMapBytes(slot.scratch+offs[0], asm.R0, ml, kv.Elems[0], true)
		b.emit(asm.LoadMem(asm.R0, asm.RFP, keySlot, asm.DWord))
		b.copyMapBytes(slot.scratch+offs[1], asm.R0, ml, kv.Elems[1], false)
		b.loops = append(b.loops, loopCtx{breakLabel: stop, continueLabel: next})
		b.block(x.Body)
		b.mark(next)
		b.emit(asm.Mov.Imm(asm.R0, 0))
		b.emit(asm.Return())
		b.mark(stop)
		b.emit(asm.Mov.Imm(asm.R0, 1))
		b.emit(asm.Return())
	})
	ctx := b.loopContext()
	b.emit(asm.LoadMapPtr(asm.R1, 0).WithReference(ml.SpecName))
	b.emit(loadFunc(asm.R2, cb))
	b.emit(asm.Mov.Reg(asm.R3, asm.RFP))
	b.emit(asm.Add.Imm(asm.R3, int32(ctx)))
	b.emit(asm.Mov.Imm(asm.R4, 0))
	b.loopHelper(asm.FnForEachMapElem.Call(), x.Body)
}

// loopContext stores what a loop callback needs from the frame that runs
// the loop on the stack, the context pointer handed to the callback: the
// scratch pointer, then the program's context (the verifier keeps the
// types of pointers spilled to the stack, which it would not for a map
// value), so that builtins and fn calls in a loop body reach the
// probe's context. It returns the slot's offset from R10.
func (b *builder) loopContext() int16 {
	ctx := b.allocStack(16)
	b.emit(asm.StoreMem(asm.RFP, ctx, regScratch, asm.DWord))
	b.emit(asm.StoreMem(asm.RFP, ctx+8, regCtx, asm.DWord))
	return ctx
}

// loadLoopContext restores the scratch and context registers in a loop
// callback from the context pointer in r (see loopContext).
func (b *builder) loadLoopContext(r asm.Register) {
	b.emit(asm.LoadMem(regScratch, r, 0, asm.DWord))
	b.emit(asm.LoadMem(regCtx, r, 8, asm.DWord))
}

// copyMapBytes copies a key or value of map ml at the pointer in R0
// into scratch at dst as type t. Scalar maps' keys are the zero index.
func (b *builder) copyMapBytes(dst int, src asm.Register, ml *MapLayout, t types.Type, isKey bool) {
	var from types.Type = ml.Value
	if isKey {
		from = ml.Key
		if from == nil {
			b.zero(dst, t.Size())
			return
		}
	}
	if agg, ok := from.(*types.Aggregation); ok {
		// an aggregation reads as its integer (this CPU's element)
		skip := b.label("aggv")
		b.emit(asm.Mov.Reg(asm.R2, src))
		b.emit(asm.LoadMem(asm.R1, asm.R2, 0, asm.DWord))
		if agg.Kind == types.AggAvg {
			b.emit(asm.LoadMem(asm.R3, asm.R2, 8, asm.DWord))
			b.emit(asm.JEq.Imm(asm.R3, 0, skip))
			b.emit(asm.Div.Reg(asm.R1, asm.R3))
		}
		b.mark(skip)
		b.emit(asm.StoreMem(regScratch, int16(dst), asm.R1, sizeOp(min(8, t.Size()))))
		return
	}
	if types.Identical(from, t) || from.Size() == t.Size() {
		b.copyFrom(dst, src, t.Size())
		return
	}
	tmp := b.allocScratch(from.Size())
	b.copyFrom(tmp, src, from.Size())
	b.convertMem(tmp, from, dst, t, nil)
}

// fnCall compiles a call of a script fn as a BPF-to-BPF call. Arguments
// are stored in the parameters' scratch slots; the scratch pointer and
// the context are passed in R1 and R2; a scalar result comes back in R0
// and a memory result in the fn's result slot.
func (b *builder) fnCall(x *ast.CallExpr, sym *check.Symbol) result {
	decl, ok := sym.Decl.(*ast.FnDecl)
	if !ok {
		b.fail(x, "fn %s has no declaration", sym.Name)
	}
	fc := b.fnCode(decl, sym)
	if len(x.Args) != len(decl.Params) {
		b.fail(x, "fn %s takes %d arguments", sym.Name, len(decl.Params))
	}
	for i, a := range x.Args {
		ps := b.info.SymbolOf(decl.Params[i].Var)
		if ps == nil {
			b.fail(a, "parameter without a symbol")
		}
		slot := b.slotOf(ps, a)
		f := b.save()
		if slot.scalar {
			b.scalar(a)
			b.normalize(asm.R0, slot.typ)
			b.emit(asm.StoreMem(regScratch, int16(slot.scratch), asm.R0, asm.DWord))
		} else {
			b.storeTo(a, slot.scratch, slot.typ)
		}
		b.restore(f)
	}
	b.emit(asm.Mov.Reg(asm.R1, regScratch))
	b.emit(asm.Mov.Reg(asm.R2, regCtx))
	b.emit(asm.Call.Label(fc.label))
	if fc.result == nil || fc.result.Size() == 0 {
		return noVal
	}
	if scalarType(fc.result) {
		return inReg
	}
	return memAt(fc.resultOff)
}

// fnInstance is a fn compiled into the current program.
type fnInstance struct {
	label     string
	result    types.Type
	resultOff int
}

// fnCode compiles a fn into this program once, with its parameters and
// variables in the program's scratch buffer.
func (b *builder) fnCode(decl *ast.FnDecl, sym *check.Symbol) *fnInstance {
	if fi, ok := b.fns[sym]; ok {
		return fi
	}
	if b.fnDepth > 8 {
		b.fail(decl, "fn %s calls itself (recursion is not possible in BPF)", sym.Name)
	}
	fi := &fnInstance{label: b.label("fn_" + decl.Name.Name)}
	if _, void := sym.Type.(types.Void); sym.Type != nil && !void {
		fi.result = sym.Type
	}
	if fi.result != nil && !scalarType(fi.result) && fi.result.Size() > 0 {
		fi.resultOff = b.allocPermanent(fi.result.Size())
	}
	b.fns[sym] = fi
	for _, p := range decl.Params {
		if ps := b.info.SymbolOf(p.Var); ps != nil {
			b.permanentVar(ps)
		}
	}
	b.permanentVars(decl.Body)
	savedFile, savedGroup := b.file, b.group
	b.file = fileOf(b.c.prog, decl)
	b.fnDepth++
	savedResult, savedMax := b.fnResult, b.maxScratch
	b.maxScratch = b.scratch
	b.subprogram(fi.label, fnProto, func() {
		ret := b.label("ret")
		b.retLabel, b.exitLabel = ret, ret
		b.fnResult = fi
		b.emit(asm.Mov.Reg(regScratch, asm.R1))
		b.emit(asm.Mov.Reg(regCtx, asm.R2))
		b.emit(asm.Mov.Imm(asm.R0, 0))
		b.block(decl.Body)
		b.emit(asm.Mov.Imm(asm.R0, 0))
		b.mark(ret)
		b.emit(asm.Return())
	})
	// a fn compiled while compiling another (its first call is in the
	// other's body) must not end the other's
	b.fnResult = savedResult
	// The fn's temporaries were placed above this call site's live
	// values; other call sites may have more live values, so nothing
	// allocated from now on may overlap the fn's region.
	fnTop := b.maxScratch
	b.maxScratch = max(savedMax, fnTop)
	b.floor = max(b.floor, fnTop)
	b.scratch = max(b.scratch, b.floor)
	b.fnDepth--
	b.file, b.group = savedFile, savedGroup
	return fi
}

// allocPermanent reserves scratch space that is never released (fn
// results and variables, allocated while other temporaries are live):
// it is taken from the top of the buffer's reserved region.
func (b *builder) allocPermanent(n int) int {
	off := alignUp(b.scratch, 8)
	b.scratch = off + max(n, 1)
	b.maxScratch = max(b.maxScratch, b.scratch)
	// later temporaries start above it; releases never go below
	b.floor = b.scratch
	return off
}

// permanentVar gives a fn's parameter or variable a permanent slot.
func (b *builder) permanentVar(sym *check.Symbol) {
	if _, ok := b.vars[sym]; ok {
		return
	}
	t := sym.Type
	if t == nil {
		t = types.Int64
	}
	s := &varSlot{typ: t, scalar: scalarType(t)}
	size := t.Size()
	if s.scalar {
		size = 8
	}
	s.scratch = b.allocPermanent(size)
	b.vars[sym] = s
}

// permanentVars gives every variable of a fn body a permanent slot.
func (b *builder) permanentVars(body ast.Node) {
	ast.Inspect(body, func(n ast.Node) bool {
		if v, ok := n.(*ast.Variable); ok {
			if sym := b.info.SymbolOf(v); sym != nil && (sym.Kind == check.SymVar || sym.Kind == check.SymParam) {
				b.permanentVar(sym)
			}
		}
		return n != nil
	})
}

// stackDepth is len(kstack) / len(ustack): the number of frames of the
// stack at this point, from the bytes bpf_get_stack writes, for the
// builtins themselves; a stored stack (a variable, a map value, any
// stack value not made here) carries the depth it had when captured
// (stackDepthShift).
func (b *builder) stackDepth(e ast.Expr, st *types.Stack) result {
	if !directStack(e) {
		if !b.c.storedStackLen[boolIndex(st.User)] {
			// usesStoredStackLen saw every len() of the program
			b.fail(e, "len of this %s: its depth was not recorded", st)
		}
		word := stackDepthWord(b.memory(e), st.User)
		b.emit(asm.LoadMem(asm.R0, regScratch, int16(word), asm.DWord))
		b.emit(asm.RSh.Imm(asm.R0, stackDepthShift))
		return inReg
	}
	limit := st.Limit
	if limit <= 0 || limit > maxStackFrames {
		limit = maxStackFrames
	}
	flags := int32(0)
	if st.User {
		flags = bpfFUserStack
	}
	f := b.save()
	off := b.allocScratch(8 * limit)
	b.emit(asm.Mov.Reg(asm.R1, regCtx))
	b.scratchPtr(asm.R2, off)
	b.emit(asm.Mov.Imm(asm.R3, int32(8*limit)))
	b.emit(asm.Mov.Imm(asm.R4, flags))
	b.emit(asm.FnGetStack.Call())
	b.restore(f)
	done := b.label("depth")
	b.emit(asm.RSh.Imm(asm.R0, 3))
	b.emit(asm.JSGE.Imm(asm.R0, 0, done))
	b.emit(asm.Mov.Imm(asm.R0, 0))
	b.mark(done)
	return inReg
}

// directStack reports whether e is the kstack or ustack builtin itself.
func directStack(e ast.Expr) bool {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		return x.Name == "kstack" || x.Name == "ustack"
	case *ast.CallExpr:
		return x.Fun != nil && (x.Fun.Name == "kstack" || x.Fun.Name == "ustack")
	}
	return false
}

// stackDepthShift places a stored stack's depth in the upper half of
// one of its words: a user stack's second, above the pid the runtime
// reads from the lower half; a kernel stack's only one, above its
// stack id, which the runtime reads as an int32.
const stackDepthShift = 32

// stackDepthWord is the offset of the word of a stack value at off that
// holds its depth (stackDepthShift): a user stack's second, a kernel
// stack's first.
func stackDepthWord(off int, user bool) int {
	if user {
		return off + 8
	}
	return off
}

// usesStoredStackLen reports, for kernel and user stacks (indexed by
// Stack.User), whether the program takes len() of one that is not a
// direct kstack or ustack (a variable, a map value, a fn's result).
func usesStoredStackLen(info *check.Info) (uses [2]bool) {
	for n, t := range info.Types {
		call, ok := n.(*ast.CallExpr)
		if !ok || call.Fun == nil || call.Fun.Name != "len" || len(call.Args) != 1 || t == nil {
			continue
		}
		st, ok := types.Underlying(info.Types[call.Args[0]]).(*types.Stack)
		if !ok || directStack(call.Args[0]) {
			continue
		}
		uses[boolIndex(st.User)] = true
	}
	return uses
}
