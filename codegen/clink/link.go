package clink

import (
	"fmt"
	"slices"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
)

// Linked is a program with the C functions it calls appended.
type Linked struct {
	Insns asm.Instructions
	// Maps are the maps the appended functions use, by the name their
	// instructions reference: the caller adds them to the collection
	// spec (a map shared by two programs is the same *MapSpec).
	Maps map[string]*ebpf.MapSpec
	// ExternMaps are the names of the maps the appended functions
	// declare extern: the caller points their loads (references by that
	// name) at maps of its own.
	ExternMaps []string
	// Funcs are the appended functions, in order.
	Funcs []*Func
}

// Link appends to a program the C functions it calls — the targets of
// its bpf-to-bpf calls (asm.Instruction references, e.g.
// asm.Call.Label("__add_one") with Src asm.PseudoCall) that it does not
// define itself — and the functions those call, each once, looked up in
// libs (global functions by name). The program's own instructions are
// not changed except its first, which gets BTF func info and a line when
// the appended functions carry them and it has none: the kernel wants
// func and line info for every function or for none. Appended functions
// are declared static to the verifier (see below).
//
// The calling convention is clang's for BPF (abi_test.go pins it):
// arguments in r1-r5, the result in r0. For a parameter of 32 bits or
// fewer the callee reads the low 32 bits of its register and trusts them
// to hold the value extended from the parameter's width, so the caller
// sign- or zero-extends a narrower argument by its C type and passes a
// bool as 0 or 1. Only the bits of the result's type are defined in r0:
// the caller extends the result from that width.
//
// An unknown callee, two libraries defining one global function, a
// program symbol (function or jump label) named like a global C function
// or one map name for different maps are errors.
func Link(prog asm.Instructions, libs ...*Library) (*Linked, error) {
	if len(prog) == 0 {
		return nil, fmt.Errorf("link: empty program")
	}
	global := map[string]*Func{}
	byLib := map[*Func]*Library{}
	statics := map[string]*Func{}
	for _, l := range libs {
		for _, f := range l.Funcs {
			byLib[f] = l
			if !f.Global {
				statics[f.Symbol] = f
				continue
			}
			if g, dup := global[f.Symbol]; dup {
				return nil, fmt.Errorf("function %s is defined in both %s and %s", f.Name, byLib[g].Source, l.Source)
			}
			global[f.Symbol] = f
		}
	}
	defined := map[string]bool{}
	var refs []string
	for i := range prog {
		if s := prog[i].Symbol(); s != "" {
			if f, clash := global[s]; clash {
				// A call to s would reach the program's own code.
				return nil, fmt.Errorf("the program's symbol %s is also a function of %s", s, byLib[f].Source)
			}
			defined[s] = true
		}
	}
	for i := range prog {
		if prog[i].IsFunctionReference() && !defined[prog[i].Reference()] {
			refs = append(refs, prog[i].Reference())
		}
	}
	out := &Linked{Insns: append(asm.Instructions(nil), prog...), Maps: map[string]*ebpf.MapSpec{}}
	var needFunc, needLine bool
	for len(refs) > 0 {
		ref := refs[0]
		refs = refs[1:]
		if defined[ref] {
			continue
		}
		f := global[ref]
		if f == nil {
			f = statics[ref]
		}
		if f == nil {
			return nil, fmt.Errorf("call to %s: no imported C file defines it", ref)
		}
		defined[ref] = true
		start := len(out.Insns)
		out.Insns = append(out.Insns, f.Insns...)
		if fn := btf.FuncMetadata(&out.Insns[start]); fn != nil && fn.Linkage != btf.StaticFunc {
			// Verified as a static function: in the context of each call,
			// so a pointer argument keeps what the caller knows about it
			// (a stack slot of the script, a map value) instead of the
			// maybe-null memory of its declared type that a global
			// function's separate verification assumes. This is what
			// bpftrace gets by linking C as LLVM bitcode.
			static := *fn
			static.Linkage = btf.StaticFunc
			out.Insns[start] = btf.WithFuncMetadata(out.Insns[start], &static)
		}
		out.Funcs = append(out.Funcs, f)
		refs = append(refs, f.Calls...)
		lib := byLib[f]
		for _, name := range f.MapRefs {
			if lib.ExternMaps[name] {
				if !slices.Contains(out.ExternMaps, name) {
					out.ExternMaps = append(out.ExternMaps, name)
				}
				continue
			}
			m := lib.Maps[name]
			if have, ok := out.Maps[name]; ok && have != m {
				return nil, fmt.Errorf("map %s is defined in more than one imported C file (%s)", name, lib.Source)
			}
			out.Maps[name] = m
		}
		needFunc = needFunc || btf.FuncMetadata(&f.Insns[0]) != nil
		needLine = needLine || f.Insns[0].Source() != nil
	}
	first := &out.Insns[0]
	if needFunc && btf.FuncMetadata(first) == nil {
		name := first.Symbol()
		if name == "" {
			name = "main"
		}
		*first = btf.WithFuncMetadata(*first, mainFunc(name))
	}
	if needLine {
		// Every function needs a line at its start once any has one.
		for i := range out.Insns {
			ins := &out.Insns[i]
			if fn := btf.FuncMetadata(ins); (i == 0 || fn != nil) && ins.Source() == nil {
				*ins = ins.WithSource(asm.Comment("function " + ins.Symbol()))
			}
		}
	}
	return out, nil
}

// mainFunc is the BTF declaration of a program's main function,
// int name(void *ctx), as libbpf programs have.
func mainFunc(name string) *btf.Func {
	return &btf.Func{
		Name: name,
		Type: &btf.FuncProto{
			Return: &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed},
			Params: []btf.FuncParam{{Name: "ctx", Type: &btf.Pointer{Target: &btf.Void{}}}},
		},
		Linkage: btf.GlobalFunc,
	}
}
