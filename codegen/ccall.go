package codegen

import (
	"bytes"
	"fmt"
	"maps"
	"slices"

	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/codegen/clink"
)

// Calls to imported C (check.CallInfo Kind SymCFunc) are BPF-to-BPF
// calls to the C function's symbol; after every program is built,
// linkC appends the C functions each program calls (clink.Link) and adds
// the C objects' maps and globals to the collection.
//
// Arguments follow clink's convention: the checker already converted
// each integer or bool argument to its parameter's type, so its
// canonical 64-bit form (extended from the type's width) is what the C
// expects in the low 32 bits. A value laid out in memory (a string, a
// buffer, a struct) is passed as a pointer to its fixed-size home in the
// scratch buffer. The result is defined only in its type's bits and is
// extended from them.

// COptions say where the C a program imports comes from.
type COptions struct {
	// Files are the imported C files (check.Gather), each with the
	// import that brought it, for errors that belong on the import line.
	Files []check.CImport
	// Compiler compiles .bpf.c files (clang, cached); nil makes one from
	// Clang and Kernel.
	Compiler *clink.Compiler
	// Clang is the --clang option ("" looks at $BT_CLANG, then PATH).
	Clang string
	// Kernel is the BTF whose vmlinux.h the C is compiled against.
	Kernel clink.Kernel
}

// cCall lowers a call to an imported C function.
func (b *builder) cCall(x *ast.CallExpr, ci *check.CallInfo) result {
	name := x.Fun.Name
	if ci.Symbol != nil {
		name = ci.Symbol.Name
	}
	if len(x.Args) > 5 {
		b.fail(x, "a C function takes at most 5 arguments in BPF; %s is given %d", name, len(x.Args))
	}
	type argHome struct {
		mem   bool
		off   int   // scratch offset of a value in memory
		stack int16 // stack slot of a scalar
	}
	homes := make([]argHome, len(x.Args))
	for i, a := range x.Args {
		r := b.expr(a)
		switch {
		case r.void:
			b.fail(a, "this argument has no value to pass to %s", name)
		case r.mem:
			homes[i] = argHome{mem: true, off: r.off}
		default:
			homes[i] = argHome{stack: b.spill()}
		}
	}
	for i, h := range homes {
		reg := asm.R1 + asm.Register(i)
		if h.mem {
			b.scratchPtr(reg, h.off)
		} else {
			b.emit(asm.LoadMem(reg, asm.RFP, h.stack, asm.DWord))
		}
	}
	b.emit(asm.Call.Label(name))
	b.c.usesC = true
	res := b.typeOf(x)
	if _, void := types.Underlying(res).(types.Void); void || res == nil {
		// R0 is undefined after a void function: nothing to keep
		b.renormalizeOutArgs(x.Args, false)
		return noVal
	}
	b.extendResult(res)
	b.renormalizeOutArgs(x.Args, true)
	return inReg
}

// extendResult makes R0 the canonical form of a C result of type t: only
// the bits of t are defined, and a bool is 0 or 1.
func (b *builder) extendResult(t types.Type) {
	if _, ok := types.Underlying(t).(types.Bool); ok {
		done := b.label("cbool")
		b.emit(asm.And.Imm(asm.R0, 0xff))
		b.emit(asm.JEq.Imm(asm.R0, 0, done))
		b.emit(asm.Mov.Imm(asm.R0, 1))
		b.mark(done)
		return
	}
	b.normalize(asm.R0, t)
}

// renormalizeOutArgs restores the canonical form of scalar variables
// whose address was passed to C: the C writes only its type's bytes of
// the 8-byte home (an int through int *), leaving the upper bytes of a
// sign-extended value stale. R0 is kept when keepR0.
func (b *builder) renormalizeOutArgs(args []ast.Expr, keepR0 bool) {
	saved := int16(0)
	for _, a := range args {
		u, ok := ast.Unparen(a).(*ast.UnaryExpr)
		if !ok || u.Op != "&" {
			continue
		}
		v, ok := ast.Unparen(u.X).(*ast.Variable)
		if !ok {
			continue
		}
		sym := b.info.SymbolOf(v)
		if sym == nil {
			continue
		}
		slot := b.slotOf(sym, v)
		if !slot.scalar {
			continue
		}
		t := b.typeOf(v)
		if sz, _ := intInfo(t); !types.IsInteger(t) || sz >= 8 {
			continue
		}
		if keepR0 && saved == 0 {
			saved = b.spill()
		}
		b.loadScalar(asm.R1, regScratch, slot.scratch, t)
		b.emit(asm.StoreMem(regScratch, int16(slot.scratch), asm.R1, asm.DWord))
	}
	if saved != 0 {
		b.emit(asm.LoadMem(asm.R0, asm.RFP, saved, asm.DWord))
	}
}

// mapElemAddr is `&@m[keys]`: a pointer to the element's value in the
// map, which is created as zero when missing, so that writes through it
// (by C) are the map's. Should the map be full, the pointer is to a
// zeroed stand-in in the scratch buffer and the write is lost, as any
// map update that does not fit is.
func (b *builder) mapElemAddr(m *ast.MapExpr, keys []ast.Expr, n ast.Node) result {
	ml := b.mapLayout(m)
	if _, agg := ml.Value.(*types.Aggregation); agg || ml.Bucketed {
		// (a per-CPU map the C defines gives this CPU's value, as to C)
		b.fail(n, "the address of an element of an aggregation map cannot be taken")
	}
	keyOff := b.mapKey(ml, keys, n)
	b.lookup(ml, keyOff)
	have := b.label("elem")
	b.emit(asm.JNE.Imm(asm.R0, 0, have))
	valOff := b.allocScratch(ml.ValueSize)
	b.zero(valOff, ml.ValueSize)
	b.emit(asm.LoadMapPtr(asm.R1, 0).WithReference(ml.SpecName))
	b.scratchPtr(asm.R2, keyOff)
	b.scratchPtr(asm.R3, valOff)
	b.emit(asm.Mov.Imm(asm.R4, bpfNoExist))
	b.emit(asm.FnMapUpdateElem.Call())
	b.lookup(ml, keyOff)
	b.emit(asm.JNE.Imm(asm.R0, 0, have))
	b.scratchPtr(asm.R0, valOff)
	b.mark(have)
	return inReg
}

const bpfNoExist = 1 // BPF_NOEXIST

// linkC appends to every program the C functions it calls and adds the C
// objects' maps. It runs after all programs are built, when some call C
// or use a map the C defines.
func (c *compiler) linkC() {
	if !c.usesC {
		return
	}
	libs, ok := c.loadC()
	if !ok {
		return
	}
	c.addCMaps(libs)
	for _, p := range c.obj.Progs {
		ps := c.obj.Spec.Programs[p.SpecName]
		if ps == nil {
			continue
		}
		linked, err := clink.Link(ps.Instructions, libs...)
		if err != nil {
			c.errorf(fileOf(c.prog, p.Probe.Node), p.Probe.Node, CodeCLink, "cannot link the imported C: %v", err)
			continue
		}
		if len(linked.Funcs) == 0 {
			continue
		}
		if !c.resolveExternMaps(p, linked.Insns, linked.ExternMaps) {
			continue
		}
		ps.Instructions = linked.Insns
		for _, name := range slices.Sorted(maps.Keys(linked.Maps)) {
			if have, dup := c.obj.Spec.Maps[name]; dup && have != linked.Maps[name] {
				c.errorf(fileOf(c.prog, p.Probe.Node), p.Probe.Node, CodeCLink, "the imported C's map %s has the name of one of the script's maps", name)
				continue
			}
			c.obj.Spec.Maps[name] = linked.Maps[name]
		}
	}
}

// loadC compiles (or finds in the cache) and reads the imported C files.
func (c *compiler) loadC() ([]*clink.Library, bool) {
	opts := c.opts.C
	comp := opts.Compiler
	if comp == nil {
		comp = clink.NewCompiler(clink.Options{Clang: opts.Clang, Kernel: opts.Kernel})
	}
	var paths []string
	for _, f := range opts.Files {
		paths = append(paths, f.Path)
	}
	libs, diags, err := comp.Load(paths)
	c.diags = append(c.diags, diags...)
	if err == nil {
		// The standard library's C, compiled ahead of time.
		for i, o := range c.prog.LibraryObjects {
			var lib *clink.Library
			lib, err = clink.ReadLibrary(bytes.NewReader(o.Data), check.LibraryPrefix+o.Name, fmt.Sprintf("s%d", i))
			if err != nil {
				break
			}
			libs = append(libs, lib)
		}
	}
	if err != nil {
		loc := diag.Location{}
		if len(opts.Files) > 0 {
			loc = opts.Files[0].At
		} else if len(c.prog.Files) > 0 {
			loc = diag.Location{File: c.prog.Files[0].Source, Span: source.Span{}}
		}
		c.diags = append(c.diags, diag.Diagnostic{Severity: diag.Error, Code: CodeCLink, Location: loc,
			Message: fmt.Sprintf("cannot compile the imported C: %v", err)})
		return nil, false
	}
	return libs, !diags.HasErrors()
}

// cLoadDiag explains a load failure inside linked C at the C line, or
// reports false when the failure is not in C.
func cLoadDiag(obj *Object, progName string, err error) (diag.Diagnostic, bool) {
	if obj == nil || obj.Spec == nil {
		return diag.Diagnostic{}, false
	}
	ps := obj.Spec.Programs[progName]
	if ps == nil {
		return diag.Diagnostic{}, false
	}
	kind := ""
	for _, p := range obj.Progs {
		if p.SpecName == progName {
			kind = providerKind(p.Provider)
		}
	}
	return clink.LoadDiagnostic(err, ps.Instructions, kind)
}

// providerKind names a provider in words, as kfunc diagnostics do.
func providerKind(provider string) string {
	if k, ok := providerWords[provider]; ok {
		return k
	}
	return provider
}

var providerWords = map[string]string{
	"rawtracepoint": "raw tracepoint", "tp_btf": "BTF tracepoint", "usdt": "USDT",
}

// CodeCLink: the imported C could not be compiled or linked.
const CodeCLink diag.Code = "c-link-failed"

func init() {
	diag.Register(diag.CodeInfo{Code: CodeCLink, Severity: diag.Error, Summary: "the imported C could not be compiled or linked into the program"})
}
