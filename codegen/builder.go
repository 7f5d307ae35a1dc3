package codegen

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// Registers with a fixed role in every program.
const (
	regCtx     = asm.R6 // the program's context
	regScratch = asm.R9 // the per-CPU scratch buffer
)

// stackLimit is the BPF stack size.
const stackLimit = 512

// srcPos is the source a group of instructions comes from; it is the
// asm.Instruction source, read back to turn a verifier rejection into a
// diagnostic on the script line.
type srcPos struct {
	file *source.File
	span source.Span
}

func (s *srcPos) String() string {
	if s == nil || s.file == nil {
		return ""
	}
	p := s.file.Position(s.span.Start)
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}

// varSlot is where a scratch variable lives in the scratch buffer
// (scalars as a 64-bit value in canonical form).
type varSlot struct {
	typ     types.Type
	scalar  bool
	scratch int
}

// loopCtx is the innermost loop's jump targets.
type loopCtx struct {
	breakLabel, continueLabel string
}

// builder compiles one program.
type builder struct {
	c     *compiler
	info  *check.Info
	file  *source.File
	probe *check.ProbeInfo
	group attachGroup
	prog  *Prog

	// expansions are the macro calls being compiled through their
	// expansion, outermost first (Event.Expanded).
	expansions []Site

	insns   asm.Instructions
	src     *srcPos
	pending []string          // labels for the next instruction
	alias   map[string]string // label -> label of the same instruction
	nlabel  int

	stack, maxStack     int // bytes used below R10
	scratch, maxScratch int // bytes used in the scratch buffer

	vars       map[*check.Symbol]*varSlot
	loops      []loopCtx
	exitLabel  string
	scratchMap string
	// retLabel is where `return` jumps: the end of the probe or fn; ""
	// inside a loop callback, where `return` and exit() set the leave
	// flag and stop the loop, and the caller then leaves too.
	retLabel string
	// valueRetLabel is where a probe's `return VALUE` jumps with the
	// value in R0: the probe's final exit instruction.
	valueRetLabel string
	leaveOff      int // scratch slot of the leave flag, -1 until needed
	retValOff     int // scratch slot of a value returned from a loop, -1 until needed

	subprogs asm.Instructions // callbacks and fns, after the program
	subStack int              // the deepest subprogram stack
	countCB  string           // the element-counting callback, once made
	fns      map[*check.Symbol]*fnInstance
	fnDepth  int
	fnResult *fnInstance // the fn being compiled
	floor    int         // scratch below this is permanently allocated

	// want is where storeTo wants the value of the expression it is
	// about to compile (-1: anywhere); dest is the same, handed to the
	// node being compiled, for allocResult.
	want, dest         int
	wantSize, destSize int
}

func newBuilder(c *compiler, file *source.File, p *check.ProbeInfo, g attachGroup, prog *Prog) *builder {
	return &builder{
		c: c, info: c.prog.Info, file: file, probe: p, group: g, prog: prog,
		alias: map[string]string{}, vars: map[*check.Symbol]*varSlot{},
		fns:  map[*check.Symbol]*fnInstance{},
		want: -1, dest: -1,
		leaveOff:   -1,
		retValOff:  -1,
		scratchMap: fmt.Sprintf("bt_scratch%d", len(c.obj.Progs)),
	}
}

// fail aborts the program with a codegen-unsupported diagnostic at n.
func (b *builder) fail(n ast.Node, format string, args ...any) {
	panic(unsupported{node: n, msg: fmt.Sprintf(format, args...)})
}

// build compiles the program. It reports false (with a diagnostic) when
// the program cannot be compiled.
func (b *builder) build() (ps *ebpf.ProgramSpec, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			u, isU := r.(unsupported)
			if !isU {
				panic(r)
			}
			code, hint := u.code, u.hint
			if code == "" {
				code, hint = CodeUnsupported, "bt's compiler cannot lower this yet"
			}
			d := b.c.errorf(b.file, u.node, code, "%s", u.msg)
			if u.node == nil && b.src != nil {
				// a limit hit while compiling the current statement
				d.Location = diag.Location{File: b.src.file, Span: b.src.span}
			}
			d.Hint = hint
			ps, ok = nil, false
		}
	}()
	node := b.probe.Node
	b.setSrc(node)
	b.exitLabel = b.label("exit")
	b.retLabel = b.exitLabel
	b.valueRetLabel = b.label("exit_value")
	// prologue: context, scratch buffer, variables
	b.emit(asm.Mov.Reg(regCtx, asm.R1))
	b.emitScratchLookup()
	b.allocVars(node.Body)
	if timerProviders[b.group.provider] {
		// A timer that fires again between exit() and the detach is not
		// an event of the traced system: it does nothing.
		b.jumpIfExiting(b.exitLabel)
	}
	if node.Predicate != nil {
		b.setSrc(node.Predicate)
		b.cond(node.Predicate, b.exitLabel)
	}
	b.block(node.Body)
	b.mark(b.exitLabel)
	b.emit(asm.Mov.Imm(asm.R0, defaultProbeResult[b.group.provider]))
	b.mark(b.valueRetLabel)
	b.emit(asm.Return())
	b.appendFns()
	if b.maxStack+b.subStack > stackLimit {
		b.c.errorf(b.file, node, CodeTooLarge, "the program needs %d bytes of BPF stack, more than %d", b.maxStack+b.subStack, stackLimit)
		return nil, false
	}
	sz := max(8, alignUp(b.maxScratch, 8))
	scratchType := ebpf.PerCPUArray
	if sz > percpuValueLimit {
		b.c.errorf(b.file, node, CodeTooLarge, "the program needs %d bytes of scratch space, more than a per-CPU map value can hold (%d)", sz, percpuValueLimit)
		return nil, false
	}
	b.c.obj.Spec.Maps[b.scratchMap] = &ebpf.MapSpec{Name: b.scratchMap, Type: scratchType, KeySize: 4, ValueSize: uint32(sz), MaxEntries: 1}
	insns := b.finish()
	ps = &ebpf.ProgramSpec{
		Name:         b.prog.SpecName,
		Type:         programTypes[b.group.provider],
		License:      "GPL",
		Instructions: insns,
	}
	b.attachSpec(ps)
	return ps, true
}

// defaultProbeResult is what a probe returns when it does not return a
// value itself (0 for providers not listed). Classic tracepoints return
// 1: the kernel hides the event from perf's other users when a BPF
// program attached to it returns 0.
var defaultProbeResult = map[string]int32{"tracepoint": 1}

// attachSpec fills in what the kernel needs at load time for tracing
// programs (the attach target) and attach types.
func (b *builder) attachSpec(ps *ebpf.ProgramSpec) {
	switch b.group.provider {
	case "fentry":
		ps.AttachType = ebpf.AttachTraceFEntry
	case "fexit":
		ps.AttachType = ebpf.AttachTraceFExit
	case "iter":
		ps.AttachType = ebpf.AttachTraceIter
	default:
		return
	}
	if len(b.group.targets) > 0 {
		t := b.group.targets[0]
		if i := lastColon(t); i >= 0 {
			ps.AttachTo = t[i+1:]
		}
	}
}

func lastColon(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			return i
		}
	}
	return -1
}

// emitScratchLookup points regScratch at this program's scratch buffer.
func (b *builder) emitScratchLookup() {
	off := b.allocStack(8)
	b.emit(storeImm(asm.RFP, off, 0, asm.DWord))
	b.emit(asm.LoadMapPtr(asm.R1, 0).WithReference(b.scratchMap))
	b.emit(asm.Mov.Reg(asm.R2, asm.RFP))
	b.emit(asm.Add.Imm(asm.R2, int32(off)))
	b.emit(asm.FnMapLookupElem.Call())
	b.emit(asm.JEq.Imm(asm.R0, 0, b.exitLabel))
	b.emit(asm.Mov.Reg(regScratch, asm.R0))
}

// finish resolves label aliases and returns the instructions.
func (b *builder) finish() asm.Instructions {
	insns := b.insns
	insns[0] = insns[0].WithSymbol(b.prog.SpecName)
	for i := range insns {
		if r := insns[i].Reference(); r != "" {
			if a, ok := b.alias[r]; ok {
				insns[i] = insns[i].WithReference(a)
			}
		}
	}
	return removeUnreachable(insns)
}

// setSrc makes n the source of the instructions emitted next; it
// returns the previous source for restoring.
func (b *builder) setSrc(n ast.Node) *srcPos {
	prev := b.src
	if n != nil {
		b.src = &srcPos{file: b.file, span: n.Span()}
	}
	return prev
}

// emit appends instructions, attaching pending labels and the source.
func (b *builder) emit(ins ...asm.Instruction) {
	for _, in := range ins {
		if len(b.pending) > 0 {
			in = in.WithSymbol(b.pending[0])
			for _, l := range b.pending[1:] {
				b.alias[l] = b.pending[0]
			}
			b.pending = b.pending[:0]
		}
		if b.src != nil {
			in = in.WithSource(b.src)
		}
		b.insns = append(b.insns, in)
	}
}

// label makes a new unique label.
func (b *builder) label(what string) string {
	b.nlabel++
	return fmt.Sprintf("%s.%s%d", b.prog.SpecName, what, b.nlabel)
}

// mark places label l at the next emitted instruction.
func (b *builder) mark(l string) { b.pending = append(b.pending, l) }

// r0Test turns R0 into a truth value: 1 when `R0 op imm` holds, else 0
// (a helper's result as the script's bool).
func (b *builder) r0Test(op asm.JumpOp, imm int32) {
	done := b.label("test")
	b.emit(asm.Mov.Reg(asm.R1, asm.R0))
	b.emit(asm.Mov.Imm(asm.R0, 1))
	b.emit(op.Imm(asm.R1, imm, done))
	b.emit(asm.Mov.Imm(asm.R0, 0))
	b.mark(done)
}

// jump emits an unconditional jump.
func (b *builder) jump(l string) { b.emit(asm.Ja.Label(l)) }

// allocStack reserves n bytes (rounded to 8) of stack and returns the
// offset from R10. Temporaries are released with releaseStack.
func (b *builder) allocStack(n int) int16 {
	b.stack += alignUp(n, 8)
	b.maxStack = max(b.maxStack, b.stack)
	return int16(-b.stack)
}

// allocScratch reserves n bytes of the scratch buffer, aligned to 8.
func (b *builder) allocScratch(n int) int {
	off := alignUp(b.scratch, 8)
	b.scratch = off + max(n, 1)
	b.maxScratch = max(b.maxScratch, b.scratch)
	if b.scratch > 32000 {
		panic(unsupported{node: nil, msg: "the program's temporary values exceed the scratch buffer"})
	}
	return off
}

// leaveSlot is the scratch slot of the flag a loop callback sets when
// `return` or exit() must leave the probe (or fn) that runs the loop:
// leavePlain, or leaveWithValue when a scalar return value waits in
// retValSlot.
func (b *builder) leaveSlot() int {
	if b.leaveOff < 0 {
		b.leaveOff = b.allocPermanent(8)
	}
	return b.leaveOff
}

// Values of the leave flag.
const (
	leavePlain     = 1
	leaveWithValue = 2
)

// retValSlot is the scratch slot where `return VALUE` inside a loop
// callback leaves a scalar value for the frame it returns from. One
// slot serves the whole program: the value is stored just before the
// callbacks unwind and read by the frame's loopHelper as soon as the
// loop helper returns, with no script code in between.
func (b *builder) retValSlot() int {
	if b.retValOff < 0 {
		b.retValOff = b.allocPermanent(8)
	}
	return b.retValOff
}

// leaveLoop is `return` or exit() inside a loop callback: set the leave
// flag and stop the loop.
func (b *builder) leaveLoop() { b.leaveLoopWith(leavePlain) }

func (b *builder) leaveLoopWith(flag int64) {
	b.emit(storeImm(regScratch, int16(b.leaveSlot()), flag, asm.DWord))
	b.jump(b.exitLabel)
}

// loopHelper emits the call of a loop helper (bpf_loop,
// bpf_for_each_map_elem) whose callback may leave: the flag is cleared
// before and checked after. In a loop callback a set flag stops this
// loop too; in the probe or fn that runs the loop, the flag is consumed
// (cleared, so that a caller's loop does not see it) and the frame
// leaves, with the waiting value in R0 when there is one.
func (b *builder) loopHelper(call asm.Instruction, body ast.Node) {
	leaves, valued := b.leavesEarly(body)
	// a memory result is already in the fn's result slot
	valued = valued && (b.fnResult == nil || scalarType(b.fnResult.result))
	if leaves {
		b.emit(storeImm(regScratch, int16(b.leaveSlot()), 0, asm.DWord))
	}
	b.emit(call)
	if !leaves {
		return
	}
	b.emit(asm.LoadMem(asm.R1, regScratch, int16(b.leaveSlot()), asm.DWord))
	if b.retLabel == "" {
		// a loop in a loop: stop the outer one too, the flag stays set
		b.emit(asm.JNE.Imm(asm.R1, 0, b.exitLabel))
		return
	}
	stay := b.label("stay")
	b.emit(asm.JEq.Imm(asm.R1, 0, stay))
	b.emit(storeImm(regScratch, int16(b.leaveSlot()), 0, asm.DWord))
	if valued {
		b.emit(asm.JEq.Imm(asm.R1, leavePlain, b.retLabel))
		b.emit(asm.LoadMem(asm.R0, regScratch, int16(b.retValSlot()), asm.DWord))
		if b.fnResult == nil {
			b.jump(b.valueRetLabel)
		} else {
			b.jump(b.retLabel)
		}
	} else {
		b.jump(b.retLabel)
	}
	b.mark(stay)
}

// leavesEarly reports whether a loop body holds a return or an exit()
// (macro expansions included: they are compiled inline), and whether
// one of its returns has a value.
func (b *builder) leavesEarly(body ast.Node) (leaves, valued bool) {
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.JumpStmt:
			if x.Keyword == "return" {
				leaves = true
				valued = valued || x.Value != nil
			}
		case *ast.CallExpr:
			leaves = leaves || x.Fun != nil && x.Fun.Name == "exit"
		}
		if exp := b.expansion(n); exp != nil {
			ast.Inspect(exp, visit)
		}
		return n != nil
	}
	ast.Inspect(body, visit)
	return leaves, valued
}

// allocResult is where a node that builds a memory value puts it: the
// destination storeTo asked for, when the node is the value stored and
// has that size, else a new temporary. Call it before compiling any
// operand.
func (b *builder) allocResult(n int) int {
	if b.dest >= 0 && b.destSize == n {
		off := b.dest
		b.dest = -1
		return off
	}
	b.dest = -1
	return b.allocScratch(n)
}

// frame is a point to release temporaries to.
type frame struct{ stack, scratch int }

func (b *builder) save() frame     { return frame{b.stack, b.scratch} }
func (b *builder) restore(f frame) { b.stack, b.scratch = f.stack, max(f.scratch, b.floor) }

// allocVars gives every scratch variable of the probe a home before any
// temporary is allocated.
//
// The (key, value) variable of a loop over a map is the exception: it
// lives only while its loop runs, so forMap gives it a home then, above
// the temporaries of the statements before it (a map with large keys and
// values would otherwise need room for both at once).
func (b *builder) allocVars(body ast.Node) {
	loopVars := map[*check.Symbol]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil {
			return false
		}
		if f, ok := n.(*ast.ForStmt); ok {
			if _, overMap := ast.Unparen(f.Iter).(*ast.MapExpr); overMap && f.Var != nil {
				loopVars[b.info.SymbolOf(f.Var)] = true
			}
		}
		v, ok := n.(*ast.Variable)
		if !ok {
			return true
		}
		sym := b.info.SymbolOf(v)
		if sym == nil || sym.Kind != check.SymVar || loopVars[sym] {
			return true
		}
		b.varSlotOf(sym)
		return true
	})
	// macro expansions are separate trees
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil {
			return false
		}
		if exp := b.expansion(n); exp != nil {
			b.allocVars(exp)
		}
		return true
	})
}

// expansion is the body a macro call (`m(...)`, or a bare `m`) is
// compiled as, nil when n is no macro call. Expansions are trees of
// their own: walks of a body that must see the code compiled inline
// follow them.
func (b *builder) expansion(n ast.Node) *ast.BlockExpr {
	var ci *check.CallInfo
	switch x := n.(type) {
	case *ast.CallExpr:
		ci = b.info.Calls[x]
	case *ast.Ident:
		ci = b.info.IdentCalls[x]
	}
	if ci == nil {
		return nil
	}
	return ci.Expansion
}

func (b *builder) varSlotOf(sym *check.Symbol) *varSlot {
	if s, ok := b.vars[sym]; ok {
		return s
	}
	t := sym.Type
	if t == nil {
		t = types.Int64
	}
	// variables live in the scratch buffer, not on the stack, so that
	// callbacks (for loops over maps) and fn subprograms reach them
	// through the scratch pointer; scalars take 8 bytes in canonical form
	s := &varSlot{typ: t, scalar: scalarType(t)}
	size := t.Size()
	if s.scalar {
		size = 8
	}
	s.scratch = b.allocScratch(size)
	b.zero(s.scratch, size)
	b.vars[sym] = s
	return s
}

// storeImm is `*(size *)(dst + off) = value`; unlike asm.StoreImm it
// also makes the 64-bit form (the kernel sign-extends the 32-bit
// immediate).
func storeImm(dst asm.Register, off int16, value int64, size asm.Size) asm.Instruction {
	return asm.Instruction{OpCode: asm.StoreImmOp(size), Dst: dst, Offset: off, Constant: int64(int32(value))}
}

// scratchPtr points dst at scratch offset off.
func (b *builder) scratchPtr(dst asm.Register, off int) {
	b.emit(asm.Mov.Reg(dst, regScratch))
	if off != 0 {
		b.emit(asm.Add.Imm(dst, int32(off)))
	}
}

// timerProviders are the probes a timer fires (not an event of the traced
// system): once exit() has run they do nothing, however soon they fire
// again before the runtime detaches them. Event probes still run until
// then, as in bpftrace.
var timerProviders = map[string]bool{"interval": true, "profile": true}
