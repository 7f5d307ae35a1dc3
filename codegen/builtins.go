package codegen

import (
	"strings"
	"syscall"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/types"
)

// builtinFn lowers one builtin: n is the call or the bare identifier,
// args the call's arguments (none for an identifier).
type builtinFn func(b *builder, n ast.Expr, args []ast.Expr) result

// lowerings is the compiler's half of the builtin table: one entry per
// name of analysis/builtins that the compiler can lower. A name missing
// here is reported as unsupported.
var lowerings map[string]builtinFn

func init() {
	lowerings = map[string]builtinFn{
		"pid":     pidTidValue(true),
		"tid":     pidTidValue(false),
		"uid":     helperValue(asm.FnGetCurrentUidGid, 0, 32),
		"gid":     helperValue(asm.FnGetCurrentUidGid, 32, 0),
		"cpu":     helperValue(asm.FnGetSmpProcessorId, 0, 0),
		"cgroup":  helperValue(asm.FnGetCurrentCgroupId, 0, 0),
		"curtask": helperValue(asm.FnGetCurrentTask, 0, 0),
		"rand":    helperValue(asm.FnGetPrandomU32, 0, 0),
		"numaid":  helperValue(asm.FnGetNumaNodeId, 0, 0),
		"jiffies": helperValue(asm.FnJiffies64, 0, 0),
		"comm":    commValue,
		"nsecs":   nsecsValue,
		"elapsed": elapsedValue,
		"ncpus":   ncpusValue,
		"probe":   probeValue,
		"func":    funcValue,
		"retval":  retvalValue,
		"args":    argsValue,
		"argN":    argNValue,
		"kstack":  stackValue(false),
		"ustack":  stackValue(true),
		"username": func(b *builder, n ast.Expr, args []ast.Expr) result {
			return helperValue(asm.FnGetCurrentUidGid, 0, 32)(b, n, args)
		},
		"printf":   formatted(EvPrintf),
		"errorf":   formatted(EvErrorf),
		"warnf":    formatted(EvWarnf),
		"cat":      formatted(EvCat),
		"system":   formatted(EvSystem),
		"time":     timeCall,
		"print":    printCall,
		"clear":    mapEvent(EvClear),
		"zero":     mapEvent(EvZero),
		"exit":     exitCall,
		"delete":   deleteCall,
		"has_key":  hasKeyCall,
		"str":      strCall,
		"buf":      bufCall,
		"ksym":     passValue,
		"kptr":     passValue,
		"uptr":     passValue,
		"usym":     usymCall,
		"bswap":    bswapCall,
		"signal":   signalWith(asm.FnSendSignal),
		"override": overrideCall,
		"strncmp":  strncmpCall,
		"join":     joinCall,
		"strftime": strftimeCall,
		"ntop":     ntopCall,
		"len":      lenCall,
	}
}

// formatted adapts the printf-like lowering to the table.
func formatted(kind EventKind) builtinFn {
	return func(b *builder, n ast.Expr, args []ast.Expr) result {
		call, _ := n.(*ast.CallExpr)
		if call == nil {
			b.fail(n, "expected a call")
		}
		return b.formatted(kind)(b, call, args)
	}
}

// expand compiles the expansion of the macro call at, which events made
// inside it name as where they were expanded from. The body is the
// macro's file (a library macro's errorf says stdlib/base.bt).
func (b *builder) expand(at ast.Node, ci *check.CallInfo) result {
	b.expansions = append(b.expansions, Site{File: b.file, Span: at.Span()})
	saved := b.file
	if ci.Symbol != nil && ci.Symbol.File != nil {
		b.file = ci.Symbol.File
	}
	defer func() {
		b.expansions = b.expansions[:len(b.expansions)-1]
		b.file = saved
	}()
	return b.expr(ci.Expansion)
}

// macroArgExpr compiles the argument a macro's expression parameter stands
// for where the caller wrote it: in the caller's file and expansions.
func (b *builder) macroArgExpr(arg ast.Expr) result {
	n := len(b.expansions)
	if n == 0 {
		return b.expr(arg)
	}
	saved, savedFile := b.expansions, b.file
	b.expansions, b.file = b.expansions[:n-1:n-1], b.expansions[n-1].File
	defer func() { b.expansions, b.file = saved, savedFile }()
	return b.expr(arg)
}

// call compiles a call: a builtin, a macro (through its expansion) or a
// fn.
func (b *builder) call(x *ast.CallExpr) result {
	ci := b.info.Calls[x]
	if ci != nil && ci.Expansion != nil {
		return b.expand(x, ci)
	}
	if ci != nil && ci.Symbol != nil && ci.Kind != 0 && ci.Symbol.Kind == check.SymFn {
		return b.fnCall(x, ci.Symbol)
	}
	if ci != nil && ci.Kind == check.SymCFunc {
		return b.cCall(x, ci)
	}
	name := x.Fun.Name
	return b.builtin(x, name, x.Args)
}

// builtin lowers a builtin by name through the table.
func (b *builder) builtin(n ast.Expr, name string, args []ast.Expr) result {
	key := name
	if bi, ok := builtins.Lookup(name); ok {
		key = bi.Name
		if bi.Kind == builtins.Aggregation {
			b.fail(n, "%s() can only be assigned to a map", name)
		}
	}
	if v, ok := b.info.Consts[n]; ok && types.IsInteger(b.typeOf(n)) {
		b.loadImm(asm.R0, v)
		return inReg
	}
	fn, ok := lowerings[key]
	if !ok {
		b.fail(n, "the builtin %s is not supported by the compiler yet", name)
	}
	return fn(b, n, args)
}

// helperValue calls a helper without arguments and extracts bits
// [lo, lo+64-drop) of its result: shift right by shr, then keep the low
// 64-keep bits.
func helperValue(fn asm.BuiltinFunc, shr, keep int32) builtinFn {
	return func(b *builder, n ast.Expr, args []ast.Expr) result {
		b.emit(fn.Call())
		if shr > 0 {
			b.emit(asm.RSh.Imm(asm.R0, shr))
		}
		if keep == 32 {
			b.emit(asm.Mov.Reg32(asm.R0, asm.R0))
		}
		return inReg
	}
}

func commValue(b *builder, n ast.Expr, args []ast.Expr) result {
	t := b.typeOf(n)
	size := max(16, t.Size())
	off := b.allocResult(size)
	if size > 16 {
		b.zero(off, size)
	}
	b.scratchPtr(asm.R1, off)
	b.emit(asm.Mov.Imm(asm.R2, 16))
	b.emit(asm.FnGetCurrentComm.Call())
	return memAt(off)
}

// clockHelpers maps nsecs' clock argument to the helper reading it.
var clockHelpers = map[string]asm.BuiltinFunc{
	"":          asm.FnKtimeGetBootNs,
	"boot":      asm.FnKtimeGetBootNs,
	"monotonic": asm.FnKtimeGetNs,
	"tai":       asm.FnKtimeGetTaiNs,
	"sw_tai":    asm.FnKtimeGetBootNs,
}

func nsecsValue(b *builder, n ast.Expr, args []ast.Expr) result {
	mode := ""
	if len(args) > 0 {
		if id, ok := ast.Unparen(args[0]).(*ast.Ident); ok {
			mode = id.Name
		}
	}
	fn, ok := clockHelpers[mode]
	if !ok {
		b.fail(n, "unknown clock %s", mode)
	}
	b.emit(fn.Call())
	return inReg
}

// stateStart is the offset in bt_state of the start time (boot clock);
// the runtime writes it before running begin, and the first probe that
// finds it zero sets it.
const stateStart = 8

// stateSize is the size of the bt_state value: the exit flag (uint64 at
// 0), the start time (uint64 at stateStart).
const stateSize = 16

func elapsedValue(b *builder, n ast.Expr, args []ast.Expr) result {
	set := b.label("start")
	b.emit(asm.FnKtimeGetBootNs.Call())
	b.emit(asm.LoadMapValue(asm.R1, 0, 0).WithReference(stateName))
	b.emit(asm.LoadMem(asm.R2, asm.R1, stateStart, asm.DWord))
	b.emit(asm.JNE.Imm(asm.R2, 0, set))
	b.emit(asm.StoreMem(asm.R1, stateStart, asm.R0, asm.DWord))
	b.emit(asm.Mov.Reg(asm.R2, asm.R0))
	b.mark(set)
	b.emit(asm.Sub.Reg(asm.R0, asm.R2))
	return inReg
}

func ncpusValue(b *builder, n ast.Expr, args []ast.Expr) result {
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		b.fail(n, "cannot read the number of CPUs: %v", err)
	}
	b.loadImm(asm.R0, int64(cpus))
	return inReg
}

// probeValue is the probe's full name: a constant when the program has
// one target, else read from the names map by attach cookie.
func probeValue(b *builder, n ast.Expr, args []ast.Expr) result {
	t := b.typeOf(n)
	size := t.Size()
	if len(b.prog.Targets) == 1 {
		return b.stringLit(b.c.obj.ProbeNames[b.prog.Targets[0].Cookie], t)
	}
	off := b.allocScratch(size)
	b.zero(off, size)
	key := b.allocStack(8)
	miss := b.label("pn")
	b.emit(asm.Mov.Reg(asm.R1, regCtx))
	b.emit(asm.FnGetAttachCookie.Call())
	b.emit(asm.StoreMem(asm.RFP, key, asm.R0, asm.Word))
	b.emit(asm.LoadMapPtr(asm.R1, 0).WithReference(probeNamesMap))
	b.emit(asm.Mov.Reg(asm.R2, asm.RFP))
	b.emit(asm.Add.Imm(asm.R2, int32(key)))
	b.emit(asm.FnMapLookupElem.Call())
	b.emit(asm.JEq.Imm(asm.R0, 0, miss))
	width := 1
	for _, name := range b.c.obj.ProbeNames {
		width = max(width, len(name)+1)
	}
	for _, tg := range b.prog.Targets {
		width = max(width, len(tg.Name)+1)
	}
	b.copyFrom(off, asm.R0, min(size, width))
	b.emit(storeImm(regScratch, int16(off+size-1), 0, asm.Byte))
	b.mark(miss)
	return memAt(off)
}

// pt_regs offsets on x86_64, for kprobes and uprobes.
var (
	ptRegsArgs   = []int16{112, 104, 96, 88, 72, 64} // di, si, dx, cx, r8, r9
	ptRegsByName = map[string]int16{
		"r15": 0, "r14": 8, "r13": 16, "r12": 24, "bp": 32, "bx": 40, "r11": 48, "r10": 56,
		"r9": 64, "r8": 72, "ax": 80, "cx": 88, "dx": 96, "si": 104, "di": 112,
		"orig_ax": 120, "ip": 128, "cs": 136, "flags": 144, "sp": 152, "ss": 160,
		"pc": 128, // bpftrace's architecture-neutral name for the instruction pointer
	}
)

// kprobeLike are the providers whose context is struct pt_regs.
var kprobeLike = map[string]bool{
	"kprobe": true, "kretprobe": true, "uprobe": true, "uretprobe": true, "usdt": true,
}

// ctxArg loads argument i of the probe into R0: a register of pt_regs,
// or the ith uint64 of a raw tracepoint's or tracing program's context.
func (b *builder) ctxArg(n ast.Node, i int) {
	p := b.group.provider
	switch {
	case kprobeLike[p] && p != "usdt":
		if i >= len(ptRegsArgs) {
			b.fail(n, "arg%d is not in a register on x86_64", i)
		}
		b.emit(asm.LoadMem(asm.R0, regCtx, ptRegsArgs[i], asm.DWord))
	case p == "usdt":
		b.usdtArg(n, i)
	case p == "rawtracepoint" || p == "fentry" || p == "fexit" || p == "tracepoint" && false:
		b.emit(asm.LoadMem(asm.R0, regCtx, int16(8*i), asm.DWord))
	default:
		b.fail(n, "arguments of %s probes are not supported yet", p)
	}
}

func argNValue(b *builder, n ast.Expr, args []ast.Expr) result {
	id, ok := n.(*ast.Ident)
	if !ok {
		b.fail(n, "expected argN")
	}
	i := 0
	for _, c := range strings.TrimPrefix(id.Name, "arg") {
		i = i*10 + int(c-'0')
	}
	b.ctxArg(n, i)
	return inReg
}

func retvalValue(b *builder, n ast.Expr, args []ast.Expr) result {
	switch b.group.provider {
	case "kretprobe", "uretprobe":
		b.emit(asm.LoadMem(asm.R0, regCtx, ptRegsByName["ax"], asm.DWord))
		b.normalize(asm.R0, b.typeOf(n))
		return inReg
	case "fexit":
		b.emit(asm.LoadMem(asm.R0, regCtx, int16(8*len(b.group.attach.Args)), asm.DWord))
		b.normalize(asm.R0, b.typeOf(n))
		return inReg
	}
	b.fail(n, "retval in %s probes is not supported", b.group.provider)
	return noVal
}

// funcValue is the traced function's address (symbolized by the
// runtime), from bpf_get_func_ip.
func funcValue(b *builder, n ast.Expr, args []ast.Expr) result {
	t := b.typeOf(n)
	b.emit(asm.Mov.Reg(asm.R1, regCtx))
	b.emit(asm.FnGetFuncIp.Call())
	if t.Size() <= 8 {
		return inReg
	}
	// usym: the address and the process, to resolve in its binary
	off := b.allocScratch(t.Size())
	b.emit(asm.StoreMem(regScratch, int16(off), asm.R0, asm.DWord))
	b.currentPidTgid(false)
	b.emit(asm.RSh.Imm(asm.R0, 32))
	b.emit(asm.StoreMem(regScratch, int16(off+8), asm.R0, asm.DWord))
	return memAt(off)
}

// usymCall pairs an address with the current process.
func usymCall(b *builder, n ast.Expr, args []ast.Expr) result {
	t := b.typeOf(n)
	off := b.allocScratch(t.Size())
	b.scalar(args[0])
	b.emit(asm.StoreMem(regScratch, int16(off), asm.R0, asm.DWord))
	b.currentPidTgid(false)
	b.emit(asm.RSh.Imm(asm.R0, 32))
	b.emit(asm.StoreMem(regScratch, int16(off+8), asm.R0, asm.DWord))
	return memAt(off)
}

// passValue: builtins whose value is their argument, retyped by the
// checker (ksym, kptr, uptr).
func passValue(b *builder, n ast.Expr, args []ast.Expr) result {
	if len(args) != 1 {
		b.fail(n, "expected one argument")
	}
	return b.expr(args[0])
}

func bswapCall(b *builder, n ast.Expr, args []ast.Expr) result {
	b.scalar(args[0])
	sz, _ := intInfo(b.finalType(args[0]))
	if sz > 1 {
		b.emit(asm.BSwap(asm.R0, sizeOp(sz)))
	}
	return inReg
}

// stack map names and frame limits.
const (
	kstackMap      = "bt_kstacks"
	ustackMap      = "bt_ustacks"
	buildIDMap     = "bt_ustacks_build_id"
	maxStackFrames = 127
	bpfFUserStack  = 1 << 8
	// a stack trace map flag: frames as build id and file offset
	bpfFStackBuildID = 1 << 5
	// sizeof(struct bpf_stack_build_id): status, 20-byte build id,
	// offset (or ip), padded to 8
	buildIDFrameSize = 32
)

// stackValue records a stack with bpf_get_stackid: the value is the
// stack id (int64), and for user stacks the pid after it.
func stackValue(user bool) builtinFn {
	return func(b *builder, n ast.Expr, args []ast.Expr) result {
		name := kstackMap
		flags := int32(0)
		t := b.typeOf(n)
		st, isStack := types.Underlying(t).(*types.Stack)
		if user {
			name, flags = ustackMap, bpfFUserStack
			if isStack && StackMode(st) == "build_id" {
				name = buildIDMap
			}
		}
		b.c.stackMap(name, user)
		off := b.allocScratch(max(8, t.Size()))
		b.emit(asm.Mov.Reg(asm.R1, regCtx))
		b.emit(asm.LoadMapPtr(asm.R2, 0).WithReference(name))
		b.emit(asm.Mov.Imm(asm.R3, flags))
		b.emit(asm.FnGetStackid.Call())
		b.emit(asm.StoreMem(regScratch, int16(off), asm.R0, asm.DWord))
		if user && t.Size() >= 16 {
			b.currentPidTgid(false)
			b.emit(asm.RSh.Imm(asm.R0, 32))
			b.emit(asm.StoreMem(regScratch, int16(off+8), asm.R0, asm.DWord))
		}
		if isStack && b.c.storedStackLen[boolIndex(st.User)] {
			// its depth, for len() once stored (the frames themselves are
			// read in user space)
			word := stackDepthWord(off, user)
			b.stackDepth(n, st)
			b.emit(asm.LSh.Imm(asm.R0, stackDepthShift))
			b.emit(asm.LoadMem(asm.R1, regScratch, int16(word), asm.DWord))
			b.emit(asm.LSh.Imm(asm.R1, 64-stackDepthShift))
			b.emit(asm.RSh.Imm(asm.R1, 64-stackDepthShift))
			b.emit(asm.Or.Reg(asm.R0, asm.R1))
			b.emit(asm.StoreMem(regScratch, int16(word), asm.R0, asm.DWord))
		}
		return memAt(off)
	}
}

// boolIndex is 1 for true, 0 for false.
func boolIndex(v bool) int {
	if v {
		return 1
	}
	return 0
}

// StackMode is how a stack value prints: its mode, else its format.
func StackMode(t *types.Stack) string {
	if t.Mode != "" {
		return t.Mode
	}
	return t.Format
}

// stackMap declares a stack trace map.
func (c *compiler) stackMap(name string, user bool) {
	if _, ok := c.obj.Spec.Maps[name]; ok {
		return
	}
	spec := &ebpf.MapSpec{Name: name, Type: ebpf.StackTrace, KeySize: 4,
		ValueSize: 8 * maxStackFrames, MaxEntries: uint32(c.maxMapKeys)}
	c.obj.Spec.Maps[name] = spec
	if name == buildIDMap {
		spec.Flags, spec.ValueSize = bpfFStackBuildID, buildIDFrameSize*maxStackFrames
		c.obj.UserBuildIDStacks = name
		return
	}
	if user {
		c.obj.UserStacks = name
	} else {
		c.obj.KernelStacks = name
	}
}

// pointerSpace is where a pointer-valued expression points: its type's
// address space, or the provider's default for plain integers.
func (b *builder) pointerSpace(e ast.Expr) types.AddrSpace {
	if p, ok := types.Underlying(b.finalType(e)).(*types.Pointer); ok && p.Space != types.AddrNone {
		return p.Space
	}
	switch b.group.provider {
	case "uprobe", "uretprobe", "usdt":
		return types.AddrUser
	}
	return types.AddrKernel
}

// strCall reads a NUL-terminated string into a zeroed buffer.
func strCall(b *builder, n ast.Expr, args []ast.Expr) result {
	t := b.typeOf(n)
	size := t.Size()
	if text, ok := b.knownText(args[0]); ok {
		// bpftrace folds str() of a literal or a positional parameter
		// (a number too: str($1) is its text), its length counting
		// characters, not the NUL.
		if len(args) > 1 {
			if v, ok := b.info.Consts[args[1]]; ok && v >= 0 && int(v) < len(text) {
				text = text[:v]
			} else if !ok {
				b.fail(args[1], "str() of a constant string needs a constant length")
			}
		}
		if len(text) > size-1 {
			text = text[:max(size-1, 0)]
		}
		return b.stringLit(text, t)
	}
	if _, isStr := types.Underlying(b.finalType(args[0])).(*types.String); isStr {
		src := b.memory(args[0])
		off := b.allocScratch(size)
		b.convertMem(src, b.finalType(args[0]), off, t, n)
		if len(args) > 1 {
			b.truncateAt(off, size, args[1])
		}
		return memAt(off)
	}
	// A string of the longest size reads one byte more than it holds
	// (below 1024 bytes, as bpftrace does): a string that fills it has
	// no NUL, which is how the runtime knows it was cut short and adds
	// the truncation trailer.
	read := size
	if size == b.c.maxStrlen && size < 1024 {
		read = size + 1
	}
	off := b.allocResult(read)
	b.zero(off, read)
	lenSlot := b.allocStack(8)
	b.loadImm(asm.R0, int64(read))
	if len(args) > 1 {
		b.scalar(args[1])
		b.boundLength(read)
	}
	b.emit(asm.StoreMem(asm.RFP, lenSlot, asm.R0, asm.DWord))
	b.scalar(args[0])
	b.emit(asm.Mov.Reg(asm.R3, asm.R0))
	b.emit(asm.LoadMem(asm.R2, asm.RFP, lenSlot, asm.DWord))
	b.scratchPtr(asm.R1, off)
	fn := asm.FnProbeReadKernelStr
	if b.pointerSpace(args[0]) == types.AddrUser {
		fn = asm.FnProbeReadUserStr
	}
	b.emit(fn.Call())
	b.helperCheck(fn)
	return memAt(off)
}

// knownText is the text of a string literal or a positional parameter
// (whatever its value), known when the program is compiled.
func (b *builder) knownText(e ast.Expr) (string, bool) {
	if lit, ok := b.stringLiteral(e); ok {
		return lit.Value, true
	}
	if pp, ok := ast.Unparen(e).(*ast.PositionalParam); ok && !pp.Count {
		if pp.N >= 1 && pp.N <= len(b.c.opts.Params) {
			return b.c.opts.Params[pp.N-1], true
		}
		return "", true
	}
	return "", false
}

// boundLength clamps the length in R0 to [0, size] for the verifier (a
// length counts the NUL: str(p, n) reads n-1 characters).
func (b *builder) boundLength(size int) {
	ok, zero := b.label("lenok"), b.label("len0")
	b.emit(asm.JSLE.Imm(asm.R0, 0, zero))
	b.emit(asm.JLE.Imm(asm.R0, int32(size), ok))
	b.emit(asm.Mov.Imm(asm.R0, int32(size)))
	b.jump(ok)
	b.mark(zero)
	b.emit(asm.Mov.Imm(asm.R0, 0))
	b.mark(ok)
}

// truncateAt cuts a string in scratch to a length of n bytes with its
// NUL (n-1 characters).
func (b *builder) truncateAt(off, size int, n ast.Expr) {
	skip := b.label("trunc")
	b.scalar(n)
	b.emit(asm.Sub.Imm(asm.R0, 1))
	b.emit(asm.JSLT.Imm(asm.R0, 0, skip))
	b.emit(asm.JGE.Imm(asm.R0, int32(size), skip))
	b.emit(asm.Add.Reg(asm.R0, regScratch))
	b.emit(storeImm(asm.R0, int16(off), 0, asm.Byte))
	b.mark(skip)
}

// bufCall reads a buffer: a uint32 length, then the bytes.
func bufCall(b *builder, n ast.Expr, args []ast.Expr) result {
	t, ok := types.Underlying(b.typeOf(n)).(*types.Buffer)
	if !ok {
		b.fail(n, "buf without a buffer type")
	}
	off := b.allocScratch(t.Size())
	b.zero(off, t.Size())
	at := b.finalType(args[0])
	if !scalarType(at) {
		// an array or string value: copy it
		src := b.memory(args[0])
		n := min(at.Size(), t.Len)
		b.copy(off+4, src, n)
		b.emit(storeImm(regScratch, int16(off), int64(n), asm.Word))
		return memAt(off)
	}
	lenSlot := b.allocStack(8)
	b.loadImm(asm.R0, int64(t.Len))
	if len(args) > 1 {
		done := b.label("blen")
		b.scalar(args[1])
		b.emit(asm.JLE.Imm(asm.R0, int32(t.Len), done))
		b.emit(asm.Mov.Imm(asm.R0, int32(t.Len)))
		b.mark(done)
	}
	b.emit(asm.StoreMem(asm.RFP, lenSlot, asm.R0, asm.DWord))
	b.emit(asm.StoreMem(regScratch, int16(off), asm.R0, asm.Word))
	b.scalar(args[0])
	b.emit(asm.Mov.Reg(asm.R3, asm.R0))
	b.emit(asm.LoadMem(asm.R2, asm.RFP, lenSlot, asm.DWord))
	b.scratchPtr(asm.R1, off+4)
	b.probeRead(b.pointerSpace(args[0]))
	return memAt(off)
}

// probeRead calls the probe_read helper for the address space.
func (b *builder) probeRead(space types.AddrSpace) {
	fn := asm.FnProbeReadKernel
	if space == types.AddrUser {
		fn = asm.FnProbeReadUser
	}
	b.emit(fn.Call())
	b.helperCheck(fn)
}

// deleteCall: delete(@m[k]), delete(@m, k), delete(@m).
func deleteCall(b *builder, n ast.Expr, args []ast.Expr) result {
	switch x := ast.Unparen(args[0]).(type) {
	case *ast.MapAccess:
		b.deleteElem(x.Map, x.Keys, n)
	case *ast.MapExpr:
		b.deleteElem(x, args[1:], n)
	default:
		b.fail(args[0], "delete needs a map")
	}
	return inReg
}

// hasKeyCall: has_key(@m, k...) is true when the element exists.
func hasKeyCall(b *builder, n ast.Expr, args []ast.Expr) result {
	m, ok := ast.Unparen(args[0]).(*ast.MapExpr)
	if !ok {
		b.fail(args[0], "has_key needs a map")
	}
	ml := b.mapLayout(m)
	f := b.save()
	keyOff := b.mapKey(ml, args[1:], n)
	b.lookup(ml, keyOff)
	b.restore(f)
	done := b.label("hk")
	b.emit(asm.JEq.Imm(asm.R0, 0, done))
	b.emit(asm.Mov.Imm(asm.R0, 1))
	b.mark(done)
	return inReg
}

// signalWith sends a signal, named or numbered, with the helper for
// the current process (signal) or thread (signal_thread).
func signalWith(helper asm.BuiltinFunc) builtinFn {
	return func(b *builder, n ast.Expr, args []ast.Expr) result {
		if lit, ok := b.stringLiteral(args[0]); ok {
			sig, ok := builtins.SignalNumber(lit.Value)
			if !ok {
				b.fail(args[0], "unknown signal %s", lit.Value)
			}
			b.emit(asm.Mov.Imm(asm.R1, int32(sig)))
		} else {
			b.scalar(args[0])
			b.emit(asm.Mov.Reg(asm.R1, asm.R0))
		}
		b.emit(helper.Call())
		return noVal
	}
}

// overrideCall sets a kprobe'd function's return value.
func overrideCall(b *builder, n ast.Expr, args []ast.Expr) result {
	b.scalar(args[0])
	b.emit(asm.Mov.Reg(asm.R2, asm.R0))
	b.emit(asm.Mov.Reg(asm.R1, regCtx))
	b.emit(asm.FnOverrideReturn.Call())
	return noVal
}

// strncmpCall compares at most n bytes of two strings: 0 when equal, 1
// otherwise.
func strncmpCall(b *builder, n ast.Expr, args []ast.Expr) result {
	limit, ok := b.constOf(args[2])
	if !ok || limit < 0 {
		b.fail(args[2], "strncmp needs a constant length")
	}
	xt, yt := b.finalType(args[0]), b.finalType(args[1])
	xo := b.memory(args[0])
	yo := b.memory(args[1])
	cnt := min(int(limit), xt.Size(), yt.Size())
	equal, differ, done := b.label("sneq"), b.label("snne"), b.label("sndone")
	b.strEquals(xo, yo, cnt, equal, differ)
	b.mark(equal)
	b.emit(asm.Mov.Imm(asm.R0, 0))
	b.jump(done)
	b.mark(differ)
	b.emit(asm.Mov.Imm(asm.R0, 1))
	b.mark(done)
	return inReg
}

// timeCall asks the runtime to print the time with a format.
func timeCall(b *builder, n ast.Expr, args []ast.Expr) result {
	format := "%H:%M:%S\n"
	if len(args) > 0 {
		if lit, ok := b.stringLiteral(args[0]); ok {
			format = lit.Value
		}
	}
	ev := b.newEvent(EvTime, format, nil, n)
	b.emitRecord(ev, nil)
	return noVal
}

// Limits of join(): how many strings it reads from the array and how
// long each may be (bpftrace's).
const (
	joinMaxArgs = 16
	joinArgSize = 1024
)

// joinCall prints the NULL-terminated array of string pointers arr
// joined by a separator: the payload is a string[joinArgSize] array of
// joinMaxArgs elements, read string by string (an empty string ends it).
func joinCall(b *builder, n ast.Expr, args []ast.Expr) result {
	sep := " "
	if len(args) > 1 {
		if lit, ok := b.stringLiteral(args[1]); ok {
			sep = lit.Value
		}
	}
	strLen := min(joinArgSize, b.c.maxStrlen)
	arr := &types.Array{Elem: &types.String{Len: strLen}, Len: joinMaxArgs}
	ev := b.newEvent(EvJoin, sep, &types.Tuple{Elems: []types.Type{arr}}, n)
	f := b.save()
	defer b.restore(f)
	size := 8 + arr.Size()
	off := b.allocScratch(size)
	b.emit(storeImm(regScratch, int16(off), int64(ev.ID), asm.DWord))
	b.zero(off+8, arr.Size())
	space := b.pointerSpace(args[0])
	base := b.allocStack(8)
	ptr := b.allocStack(8)
	b.scalar(args[0])
	b.emit(asm.StoreMem(asm.RFP, base, asm.R0, asm.DWord))
	end := b.label("joinend")
	for i := 0; i < joinMaxArgs; i++ {
		// ptr = arr[i]; stop at NULL; read the string
		b.emit(storeImm(asm.RFP, ptr, 0, asm.DWord))
		b.emit(asm.Mov.Reg(asm.R1, asm.RFP))
		b.emit(asm.Add.Imm(asm.R1, int32(ptr)))
		b.emit(asm.Mov.Imm(asm.R2, 8))
		b.emit(asm.LoadMem(asm.R3, asm.RFP, base, asm.DWord))
		if i > 0 {
			b.emit(asm.Add.Imm(asm.R3, int32(8*i)))
		}
		b.probeRead(space)
		b.emit(asm.LoadMem(asm.R3, asm.RFP, ptr, asm.DWord))
		b.emit(asm.JEq.Imm(asm.R3, 0, end))
		b.scratchPtr(asm.R1, off+8+i*strLen)
		b.emit(asm.Mov.Imm(asm.R2, int32(strLen)))
		if space == types.AddrUser {
			b.emit(asm.FnProbeReadUserStr.Call())
		} else {
			b.emit(asm.FnProbeReadKernelStr.Call())
		}
	}
	b.mark(end)
	b.output(off, size)
	return noVal
}

// strftimeCall is a timestamp: the index of the format in
// Object.Strings, then the boot-clock nanoseconds.
func strftimeCall(b *builder, n ast.Expr, args []ast.Expr) result {
	lit, ok := b.stringLiteral(args[0])
	if !ok {
		b.fail(args[0], "strftime needs a literal format")
	}
	idx := b.c.constString(lit.Value)
	off := b.allocScratch(16)
	b.emit(storeImm(regScratch, int16(off), int64(idx), asm.DWord))
	b.scalar(args[1])
	b.emit(asm.StoreMem(regScratch, int16(off+8), asm.R0, asm.DWord))
	return memAt(off)
}

// constString interns s in Object.Strings.
func (c *compiler) constString(s string) int {
	for i, t := range c.obj.Strings {
		if t == s {
			return i
		}
	}
	c.obj.Strings = append(c.obj.Strings, s)
	return len(c.obj.Strings) - 1
}

// ntopCall is an inet value: the address family as uint64, then 16
// bytes of address.
func ntopCall(b *builder, n ast.Expr, args []ast.Expr) result {
	t := b.typeOf(n)
	off := b.allocScratch(max(24, t.Size()))
	b.zero(off, max(24, t.Size()))
	addr := args[len(args)-1]
	at := b.finalType(addr)
	af := int64(syscall.AF_INET)
	if !scalarType(at) && at.Size() == 16 {
		af = syscall.AF_INET6
	}
	if len(args) == 2 {
		b.scalar(args[0])
		b.emit(asm.StoreMem(regScratch, int16(off), asm.R0, asm.DWord))
	} else {
		b.loadImm(asm.R0, af)
		b.emit(asm.StoreMem(regScratch, int16(off), asm.R0, asm.DWord))
	}
	if scalarType(at) {
		b.scalar(addr)
		b.emit(asm.StoreMem(regScratch, int16(off+8), asm.R0, asm.Word))
	} else {
		src := b.memory(addr)
		b.copy(off+8, src, min(16, at.Size()))
	}
	return memAt(off)
}
