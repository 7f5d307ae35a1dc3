package codegen

import (
	"debug/elf"
	"net"
	"strings"
	"sync"
	"syscall"

	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/btfindex"
)

func init() {
	for name, fn := range map[string]builtinFn{
		"getopt": getoptCall,
		"ctx": func(b *builder, n ast.Expr, args []ast.Expr) result {
			b.emit(asm.Mov.Reg(asm.R0, regCtx))
			return inReg
		},
		"is_integer":          foldedConst,
		"is_unsigned_integer": foldedConst,
		"is_ptr":              foldedConst,
		"is_str":              foldedConst,
		"is_array":            foldedConst,
		"is_literal":          foldedConst,
		"static_assert":       func(b *builder, n ast.Expr, args []ast.Expr) result { return noVal },
		"strlen":              strlenCall,
		"kaddr":               kaddrCall,
		"sym":                 passValue,
		"usermode":            usermodeCall,
		"reg":                 regCall,
		"macaddr":             macaddrCall,
		"cgroupid":            cgroupidCall,
		"cgroup_path":         cgroupPathCall,
		"find":                findCall,
		"default_str_length": func(b *builder, n ast.Expr, args []ast.Expr) result {
			b.loadImm(asm.R0, int64(b.c.maxStrlen))
			return inReg
		},
	} {
		lowerings[name] = fn
	}
}

// getoptCall is a named parameter from the command line, or the
// default: bools are true when the flag is given (with no value or a
// true one), ints parsed, strings as given.
func getoptCall(b *builder, n ast.Expr, args []ast.Expr) result {
	lit, ok := b.stringLiteral(args[0])
	if !ok {
		b.fail(args[0], "getopt needs a literal option name")
	}
	text, given := b.c.opts.Named[lit.Value]
	t := b.typeOf(n)
	var val any
	if given {
		// the command line checks the values first (check.NamedParam.Value)
		p := &check.NamedParam{Name: lit.Value, Type: t}
		v, err := p.Value(text, text != "")
		if err != nil {
			b.fail(n, "%v", err)
		}
		val = v
	}
	switch u := types.Underlying(t).(type) {
	case types.Bool:
		v := int64(0)
		if given {
			if val == true {
				v = 1
			}
		} else if len(args) > 1 {
			return b.expr(args[1])
		}
		b.loadImm(asm.R0, v)
		return inReg
	case *types.String:
		if given {
			return b.stringLit(text, u)
		}
		if len(args) > 1 {
			return b.expr(args[1])
		}
		return b.stringLit("", u)
	}
	if types.IsInteger(t) {
		if v, ok := val.(int64); ok {
			b.loadImm(asm.R0, v)
			return inReg
		}
		if len(args) > 1 {
			return b.expr(args[1])
		}
		b.loadImm(asm.R0, 0)
		return inReg
	}
	b.fail(n, "getopt of type %s is not supported", t)
	return noVal
}

// foldedConst is a compile-time builtin the checker decided
// (check.Info.Consts): the type tests.
func foldedConst(b *builder, n ast.Expr, args []ast.Expr) result {
	v, ok := b.info.Consts[n]
	if !ok {
		b.fail(n, "%s is not decided when the script is compiled (its argument's type is unknown)", nodeName(n))
	}
	b.loadImm(asm.R0, v)
	return inReg
}

// strlenCall counts the characters before the NUL with a bounded loop.
func strlenCall(b *builder, n ast.Expr, args []ast.Expr) result {
	t := b.finalType(args[0])
	off := b.memory(args[0])
	size := t.Size()
	loop, done := b.label("strlen"), b.label("strlend")
	b.emit(asm.Mov.Imm(asm.R0, 0))
	b.mark(loop)
	b.emit(asm.JGE.Imm(asm.R0, int32(size), done))
	b.emit(asm.Mov.Reg(asm.R2, regScratch))
	b.emit(asm.Add.Reg(asm.R2, asm.R0))
	b.emit(asm.LoadMem(asm.R3, asm.R2, int16(off), asm.Byte))
	b.emit(asm.JEq.Imm(asm.R3, 0, done))
	b.emit(asm.Add.Imm(asm.R0, 1))
	b.jump(loop)
	b.mark(done)
	return inReg
}

var (
	kallsymsOnce sync.Once
	kallsyms     map[string]uint64 // nil when /proc/kallsyms cannot be read
)

// kaddrCall is a kernel symbol's address, looked up in /proc/kallsyms
// when the script is compiled.
func kaddrCall(b *builder, n ast.Expr, args []ast.Expr) result {
	lit, ok := b.stringLiteral(args[0])
	if !ok {
		b.fail(args[0], "kaddr needs a literal symbol name")
	}
	kallsymsOnce.Do(func() { kallsyms, _ = btfindex.ReadKernelAddrs(btfindex.DefaultKallsyms) })
	addr, listed := kallsyms[lit.Value]
	if addr == 0 {
		hint := lit.Value + " is not in /proc/kallsyms: the kernel lists data symbols only when built with CONFIG_KALLSYMS_ALL"
		switch {
		case kallsyms == nil:
			hint = "/proc/kallsyms cannot be read"
		case listed:
			hint = "/proc/kallsyms shows symbol addresses only to root"
		}
		panic(unsupported{node: n, code: CodeUnknownSymbol, msg: "Failed to resolve kernel symbol: " + lit.Value, hint: hint})
	}
	b.loadImm(asm.R0, int64(addr))
	return inReg
}

// usermodeCall: 1 when the probe fired in user mode (the saved code
// segment's privilege level is 3).
func usermodeCall(b *builder, n ast.Expr, args []ast.Expr) result {
	if check.ProbeTypeName(b.group.provider) == "special" {
		// begin and end run from user space (BPF_PROG_TEST_RUN), without
		// registers of their own.
		b.loadImm(asm.R0, 1)
		return inReg
	}
	if !kprobeLike[b.group.provider] {
		b.fail(n, "usermode needs a pt_regs context")
	}
	b.emit(asm.LoadMem(asm.R0, regCtx, ptRegsByName["cs"], asm.DWord))
	b.emit(asm.And.Imm(asm.R0, 3))
	b.r0Test(asm.JEq, 3) // privilege level 3: user mode
	return inReg
}

// regCall reads a register of pt_regs by name.
func regCall(b *builder, n ast.Expr, args []ast.Expr) result {
	lit, ok := b.stringLiteral(args[0])
	if !ok {
		b.fail(args[0], "reg needs a literal register name")
	}
	off, ok := ptRegsByName[lit.Value]
	if !ok {
		b.fail(args[0], "unknown register %s", lit.Value)
	}
	if !kprobeLike[b.group.provider] {
		b.fail(n, "reg needs a pt_regs context")
	}
	b.emit(asm.LoadMem(asm.R0, regCtx, off, asm.DWord))
	return inReg
}

// macaddrCall copies six bytes of a MAC address.
func macaddrCall(b *builder, n ast.Expr, args []ast.Expr) result {
	t := b.typeOf(n)
	off := b.allocScratch(max(8, t.Size()))
	at := b.finalType(args[0])
	if scalarType(at) {
		b.scalar(args[0])
		b.readInto(off, 6, b.pointerSpace(args[0]))
		return memAt(off)
	}
	src := b.memory(args[0])
	b.copy(off, src, 6)
	return memAt(off)
}

// cgroupidCall is the id (inode number) of a cgroup directory, read
// when the script is compiled.
func cgroupidCall(b *builder, n ast.Expr, args []ast.Expr) result {
	lit, ok := b.stringLiteral(args[0])
	if !ok {
		b.fail(args[0], "cgroupid needs a literal path")
	}
	var st syscall.Stat_t
	if err := syscall.Stat(lit.Value, &st); err != nil {
		b.fail(args[0], "cgroupid: %v", err)
	}
	b.loadImm(asm.R0, int64(st.Ino))
	return inReg
}

// cgroupPathCall is the cgroup id (at 0) and the index of the optional
// filter in Object.Strings plus one (at 8, zero without a filter); the
// runtime resolves the path.
func cgroupPathCall(b *builder, n ast.Expr, args []ast.Expr) result {
	t := b.typeOf(n)
	off := b.allocScratch(max(16, t.Size()))
	filter := int64(0)
	if len(args) > 1 {
		if lit, ok := b.stringLiteral(args[1]); ok {
			filter = int64(b.c.constString(lit.Value)) + 1
		}
	}
	b.scalar(args[0])
	b.emit(asm.StoreMem(regScratch, int16(off), asm.R0, asm.DWord))
	b.loadImm(asm.R0, filter)
	b.emit(asm.StoreMem(regScratch, int16(off+8), asm.R0, asm.DWord))
	return memAt(off)
}

// findCall: find(@m, key, $v) copies the value into $v when the key
// exists and yields whether it does.
func findCall(b *builder, n ast.Expr, args []ast.Expr) result {
	m, ok := ast.Unparen(args[0]).(*ast.MapExpr)
	if !ok {
		b.fail(args[0], "find needs a map")
	}
	v, ok := ast.Unparen(args[2]).(*ast.Variable)
	if !ok {
		b.fail(args[2], "find needs a variable for the result")
	}
	ml := b.mapLayout(m)
	slot := b.slotOf(b.info.SymbolOf(v), v)
	f := b.save()
	keyOff := b.mapKey(ml, args[1:2], n)
	b.lookup(ml, keyOff)
	b.restore(f)
	done := b.label("find")
	b.emit(asm.JEq.Imm(asm.R0, 0, done))
	if slot.scalar {
		b.loadScalar(asm.R1, asm.R0, 0, ml.Value)
		b.emit(asm.StoreMem(regScratch, int16(slot.scratch), asm.R1, asm.DWord))
	} else {
		b.copyMapBytes(slot.scratch, asm.R0, ml, slot.typ, false)
	}
	b.emit(asm.Mov.Imm(asm.R0, 1))
	b.mark(done)
	return inReg
}

func init() {
	lowerings["probetype"] = probetypeValue
	lowerings["strstr"] = strstrCall
}

func nodeName(n ast.Node) string {
	if x, ok := n.(*ast.CallExpr); ok && x.Fun != nil {
		return x.Fun.Name
	}
	return "this builtin"
}

// probetypeValue is the provider's name, "special" for begin and end.
func probetypeValue(b *builder, n ast.Expr, args []ast.Expr) result {
	return b.stringLit(check.ProbeTypeName(b.group.provider), b.typeOf(n))
}

// strstrCall searches a string for another with a bpf_loop over the
// haystack's positions and a bounded loop over the needle: the index of
// the first match, or -1 (the library's strcontains tests it).
func strstrCall(b *builder, n ast.Expr, args []ast.Expr) result {
	ht, nt := b.finalType(args[0]), b.finalType(args[1])
	hoff := b.memory(args[0])
	noff := b.memory(args[1])
	hlen, nlen := ht.Size(), nt.Size()
	res := b.allocPermanent(8)
	b.emit(storeImm(regScratch, int16(res), -1, asm.DWord))
	cb := b.label("cb_substr")
	b.subprogram(cb, loopProto, func() {
		stop, next, found := b.label("stop"), b.label("next"), b.label("found")
		inner, innerNext := b.label("inner"), b.label("innext")
		b.emit(asm.LoadMem(regScratch, asm.R2, 0, asm.DWord))
		// R1 = i; stop at the haystack's end
		b.emit(asm.JGE.Imm(asm.R1, int32(hlen), stop))
		b.emit(asm.Mov.Imm(asm.R3, 0)) // j
		b.mark(inner)
		b.emit(asm.JGE.Imm(asm.R3, int32(nlen), found))
		b.emit(asm.Mov.Reg(asm.R4, regScratch))
		b.emit(asm.Add.Reg(asm.R4, asm.R3))
		b.emit(asm.LoadMem(asm.R5, asm.R4, int16(noff), asm.Byte))
		b.emit(asm.JEq.Imm(asm.R5, 0, found))
		b.emit(asm.Mov.Reg(asm.R4, asm.R1))
		b.emit(asm.Add.Reg(asm.R4, asm.R3))
		b.emit(asm.JGE.Imm(asm.R4, int32(hlen), stop))
		b.emit(asm.Add.Reg(asm.R4, regScratch))
		b.emit(asm.LoadMem(asm.R0, asm.R4, int16(hoff), asm.Byte))
		b.emit(asm.JEq.Imm(asm.R0, 0, stop))
		b.emit(asm.JNE.Reg(asm.R0, asm.R5, next))
		b.mark(innerNext)
		b.emit(asm.Add.Imm(asm.R3, 1))
		b.jump(inner)
		b.mark(next)
		b.emit(asm.Mov.Imm(asm.R0, 0))
		b.emit(asm.Return())
		b.mark(found)
		b.emit(asm.StoreMem(regScratch, int16(res), asm.R1, asm.DWord))
		b.mark(stop)
		b.emit(asm.Mov.Imm(asm.R0, 1))
		b.emit(asm.Return())
	})
	ctx := b.allocStack(8)
	b.emit(asm.StoreMem(asm.RFP, ctx, regScratch, asm.DWord))
	b.emit(asm.Mov.Imm(asm.R1, int32(hlen)))
	b.emit(loadFunc(asm.R2, cb))
	b.emit(asm.Mov.Reg(asm.R3, asm.RFP))
	b.emit(asm.Add.Imm(asm.R3, int32(ctx)))
	b.emit(asm.Mov.Imm(asm.R4, 0))
	b.emit(asm.FnLoop.Call())
	b.emit(asm.LoadMem(asm.R0, regScratch, int16(res), asm.DWord))
	return inReg
}

func init() {
	lowerings["container_of"] = containerOfCall
	lowerings["str_concat"] = strConcatCall
	lowerings["memcmp"] = memcmpCall
	lowerings["strcap"] = func(b *builder, n ast.Expr, args []ast.Expr) result {
		b.loadImm(asm.R0, int64(b.finalType(args[0]).Size()))
		return inReg
	}
	lowerings["cpid"] = func(b *builder, n ast.Expr, args []ast.Expr) result {
		if b.c.opts.ChildPID == 0 {
			// as bpftrace: a warning at run time, and zero
			ev := b.newEvent(EvWarnf, "No child command (`-c`); cpid is zero", nil, n)
			b.emitRecord(ev, nil)
		}
		b.loadImm(asm.R0, int64(b.c.opts.ChildPID))
		return inReg
	}
	// has_cpid is what bpftrace v0.26 computes, `cpid == 0` (true
	// without a child), not what its name says: scripts written for
	// bpftrace rely on the value it gives (see the builtin's entry in
	// analysis/builtins).
	lowerings["has_cpid"] = func(b *builder, n ast.Expr, args []ast.Expr) result {
		v := int64(0)
		if b.c.opts.ChildPID == 0 {
			v = 1
		}
		b.loadImm(asm.R0, v)
		return inReg
	}
	lowerings["signal_thread"] = signalWith(asm.FnSendSignalThread)
}

// containerOfCall: the address of the struct that holds the member ptr
// points to, ptr minus the member's offset.
func containerOfCall(b *builder, n ast.Expr, args []ast.Expr) result {
	p, ok := types.Underlying(b.typeOf(n)).(*types.Pointer)
	if !ok {
		b.fail(n, "container_of without a pointer type")
	}
	st, ok := types.Underlying(p.Elem).(*types.Struct)
	if !ok {
		b.fail(n, "container_of of a non-struct %s", p.Elem)
	}
	path := fieldPath(args[2])
	if len(path) == 0 {
		b.fail(args[2], "container_of needs a member name")
	}
	off := 0
	cur := st
	for i, name := range path {
		fl, ok := cur.Field(name)
		if !ok {
			b.fail(args[2], "%s has no member %s", cur, name)
		}
		off += fl.BitOffset / 8
		if i < len(path)-1 {
			if cur, ok = types.Underlying(fl.Type).(*types.Struct); !ok {
				b.fail(args[2], "member %s is not a struct", name)
			}
		}
	}
	b.scalar(args[0])
	if off != 0 {
		b.emit(asm.Sub.Imm(asm.R0, int32(off)))
	}
	return inReg
}

// fieldPath reads `a` or `a.b.c` written as a member path.
func fieldPath(e ast.Expr) []string {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		return []string{x.Name}
	case *ast.FieldExpr:
		return append(fieldPath(x.X), x.Field.Name)
	}
	return nil
}

// strConcatCall appends s2 to s1 in a new string of the result's size.
func strConcatCall(b *builder, n ast.Expr, args []ast.Expr) result {
	t := b.typeOf(n)
	size := t.Size()
	at, bt := b.finalType(args[0]), b.finalType(args[1])
	ao := b.memory(args[0])
	bo := b.memory(args[1])
	off := b.allocScratch(size)
	b.zero(off, size)
	b.copy(off, ao, min(at.Size(), size-1))
	// i = strlen(s1), then copy s2's bytes while they fit
	loop, done, copyLoop := b.label("cat"), b.label("catd"), b.label("catc")
	b.emit(asm.Mov.Imm(asm.R1, 0))
	b.mark(loop)
	b.emit(asm.JGE.Imm(asm.R1, int32(min(at.Size(), size-1)), copyLoop))
	b.scratchPtr(asm.R2, 0)
	b.emit(asm.Add.Reg(asm.R2, asm.R1))
	b.emit(asm.LoadMem(asm.R3, asm.R2, int16(off), asm.Byte))
	b.emit(asm.JEq.Imm(asm.R3, 0, copyLoop))
	b.emit(asm.Add.Imm(asm.R1, 1))
	b.jump(loop)
	b.mark(copyLoop)
	b.emit(asm.Mov.Imm(asm.R4, 0)) // j
	next := b.label("catn")
	b.mark(next)
	b.emit(asm.JGE.Imm(asm.R4, int32(bt.Size()), done))
	b.emit(asm.JGE.Imm(asm.R1, int32(size-1), done))
	b.scratchPtr(asm.R2, 0)
	b.emit(asm.Add.Reg(asm.R2, asm.R4))
	b.emit(asm.LoadMem(asm.R3, asm.R2, int16(bo), asm.Byte))
	b.emit(asm.JEq.Imm(asm.R3, 0, done))
	b.scratchPtr(asm.R2, 0)
	b.emit(asm.Add.Reg(asm.R2, asm.R1))
	b.emit(asm.StoreMem(asm.R2, int16(off), asm.R3, asm.Byte))
	b.emit(asm.Add.Imm(asm.R1, 1))
	b.emit(asm.Add.Imm(asm.R4, 1))
	b.jump(next)
	b.mark(done)
	return memAt(off)
}

// memcmpCall compares count bytes (a constant, at most the smaller
// size): 0 when equal, else the difference of the first differing bytes.
func memcmpCall(b *builder, n ast.Expr, args []ast.Expr) result {
	cnt, ok := b.constOf(args[2])
	if !ok || cnt < 0 {
		b.fail(args[2], "memcmp needs a constant count")
	}
	at, bt := b.finalType(args[0]), b.finalType(args[1])
	cnt = min(cnt, int64(at.Size()), int64(bt.Size()))
	ao := b.memory(args[0])
	bo := b.memory(args[1])
	loop, done := b.label("memcmp"), b.label("memcmpd")
	b.emit(asm.Mov.Imm(asm.R0, 0))
	b.emit(asm.Mov.Imm(asm.R1, 0))
	b.mark(loop)
	b.emit(asm.JGE.Imm(asm.R1, int32(cnt), done))
	b.scratchPtr(asm.R2, 0)
	b.emit(asm.Add.Reg(asm.R2, asm.R1))
	b.emit(asm.LoadMem(asm.R3, asm.R2, int16(ao), asm.Byte))
	b.emit(asm.LoadMem(asm.R4, asm.R2, int16(bo), asm.Byte))
	b.emit(asm.Mov.Reg(asm.R0, asm.R3))
	b.emit(asm.Sub.Reg(asm.R0, asm.R4))
	b.emit(asm.JNE.Imm(asm.R0, 0, done))
	b.emit(asm.Add.Imm(asm.R1, 1))
	b.jump(loop)
	b.mark(done)
	return inReg
}

func init() {
	lowerings["pton"] = ptonCall
}

// ptonCall is an address literal's bytes in network order, computed
// when the script is compiled.
func ptonCall(b *builder, n ast.Expr, args []ast.Expr) result {
	lit, ok := b.stringLiteral(args[0])
	if !ok {
		b.fail(args[0], "pton needs a literal address")
	}
	ip := net.ParseIP(lit.Value)
	if ip == nil {
		b.fail(args[0], "%q is not an IP address", lit.Value)
	}
	t := b.typeOf(n)
	data := []byte(ip.To16())
	if t.Size() == 4 {
		data = []byte(ip.To4())
		if data == nil {
			b.fail(args[0], "%q is not an IPv4 address", lit.Value)
		}
	}
	off := b.allocResult(t.Size())
	b.storeBytes(off, data, t.Size())
	return memAt(off)
}

func init() {
	lowerings["debugf"] = debugfCall
	lowerings["write_user"] = writeUserCall
	lowerings["uaddr"] = uaddrCall
}

// debugfCall writes to the kernel's trace pipe with bpf_trace_printk,
// which takes at most three integer arguments.
func debugfCall(b *builder, n ast.Expr, args []ast.Expr) result {
	lit, ok := b.stringLiteral(args[0])
	if !ok {
		b.fail(args[0], "debugf needs a literal format")
	}
	values := args[1:]
	if len(values) > 3 {
		b.fail(n, "debugf takes at most 3 arguments (bpf_trace_printk)")
	}
	f := b.save()
	defer b.restore(f)
	slots := make([]int16, len(values))
	for i, v := range values {
		if !scalarType(b.finalType(v)) {
			b.fail(v, "debugf prints integers only, not %s", b.finalType(v))
		}
		b.scalar(v)
		slots[i] = b.spill()
	}
	fmtOff := b.stringLit(lit.Value, &types.String{Len: len(lit.Value) + 1}).off
	b.scratchPtr(asm.R1, fmtOff)
	b.emit(asm.Mov.Imm(asm.R2, int32(len(lit.Value)+1)))
	for i, s := range slots {
		b.emit(asm.LoadMem(asm.R3+asm.Register(i), asm.RFP, s, asm.DWord))
	}
	b.emit(asm.FnTracePrintk.Call())
	return noVal
}

// writeUserCall copies len bytes of a value to user memory (unsafe);
// true when the write succeeded.
func writeUserCall(b *builder, n ast.Expr, args []ast.Expr) result {
	size, ok := b.constOf(args[2])
	if !ok || size <= 0 {
		b.fail(args[2], "write_user needs a constant length")
	}
	st := b.finalType(args[1])
	src := b.memory(args[1])
	size = min(size, int64(max(8, st.Size())))
	dst := b.allocStack(8)
	b.scalar(args[0])
	b.emit(asm.StoreMem(asm.RFP, dst, asm.R0, asm.DWord))
	b.emit(asm.LoadMem(asm.R1, asm.RFP, dst, asm.DWord))
	b.scratchPtr(asm.R2, src)
	b.emit(asm.Mov.Imm(asm.R3, int32(size)))
	b.emit(asm.FnProbeWriteUser.Call())
	b.r0Test(asm.JEq, 0)
	return inReg
}

// uaddrCall is a symbol's address in the probed binary: its ELF symbol
// table's, moved by the load address of a PIE or library in the process
// of -c or -p.
func uaddrCall(b *builder, n ast.Expr, args []ast.Expr) result {
	lit, ok := b.stringLiteral(args[0])
	if !ok {
		b.fail(args[0], "uaddr needs a literal symbol name")
	}
	if len(b.group.targets) == 0 {
		b.fail(n, "uaddr needs a uprobe or usdt probe")
	}
	parts := strings.SplitN(b.group.targets[0], ":", 3)
	if len(parts) < 3 {
		b.fail(n, "uaddr needs a uprobe or usdt probe")
	}
	f, err := elf.Open(parts[1])
	if err != nil {
		b.fail(n, "uaddr: %v", err)
	}
	defer f.Close()
	// A position-independent file's symbols move with its load address:
	// known when there is a process to look at (-c, -p), as in bpftrace.
	var bias uint64
	if pid := max(b.c.opts.ChildPID, b.c.opts.PID); f.Type == elf.ET_DYN && pid > 0 {
		bias, _ = btfindex.LoadBias(pid, parts[1])
	}
	syms, _ := f.Symbols()
	dyn, _ := f.DynamicSymbols()
	for _, s := range append(syms, dyn...) {
		if s.Name == lit.Value && s.Value != 0 {
			b.loadImm(asm.R0, int64(s.Value+bias))
			return inReg
		}
	}
	b.fail(args[0], "symbol %s not found in %s", lit.Value, parts[1])
	return noVal
}

func init() {
	lowerings["percpu_kaddr"] = percpuKaddrCall
}

// pseudoBTFID marks a 64-bit load of a kernel variable by BTF id
// (BPF_PSEUDO_BTF_ID).
const pseudoBTFID = asm.Register(3)

var (
	kernelBTFOnce sync.Once
	kernelBTF     *btf.Spec
	kernelBTFErr  error
)

// percpuKaddrCall is the address of a per-CPU kernel variable: for the
// current CPU (bpf_this_cpu_ptr) or for a given one (bpf_per_cpu_ptr,
// NULL for a CPU that does not exist). The variable is loaded by its
// BTF id in the running kernel.
func percpuKaddrCall(b *builder, n ast.Expr, args []ast.Expr) result {
	lit, ok := b.stringLiteral(args[0])
	if !ok {
		b.fail(args[0], "percpu_kaddr needs a literal variable name")
	}
	spec, err := b.c.kernelSpec()
	if err != nil {
		b.fail(n, "percpu_kaddr needs the kernel's BTF: %v", err)
	}
	var v *btf.Var
	if err := spec.TypeByName(lit.Value, &v); err != nil {
		b.fail(args[0], "the kernel's BTF has no variable %s", lit.Value)
	}
	id, err := spec.TypeID(v)
	if err != nil {
		b.fail(args[0], "no BTF id for %s: %v", lit.Value, err)
	}
	load := asm.Instruction{OpCode: asm.LoadImmOp(asm.DWord), Dst: asm.R1, Src: pseudoBTFID, Constant: int64(id)}
	if len(args) > 1 {
		tmp := b.allocStack(8)
		b.scalar(args[1])
		b.emit(asm.StoreMem(asm.RFP, tmp, asm.R0, asm.DWord))
		b.emit(load)
		b.emit(asm.LoadMem(asm.R2, asm.RFP, tmp, asm.DWord))
		b.emit(asm.FnPerCpuPtr.Call())
		return inReg
	}
	b.emit(load)
	b.emit(asm.FnThisCpuPtr.Call())
	return inReg
}

// kernelSpec is the running kernel's BTF: the one the checker's kernel
// index has decoded (COptions.Kernel), else decoded once here.
func (c *compiler) kernelSpec() (*btf.Spec, error) {
	if k := c.opts.C.Kernel; k != nil {
		return k.Spec("")
	}
	kernelBTFOnce.Do(func() { kernelBTF, kernelBTFErr = btf.LoadKernelSpec() })
	return kernelBTF, kernelBTFErr
}
