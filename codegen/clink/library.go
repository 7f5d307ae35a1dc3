package clink

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
)

// Library is one compiled C object, read for linking: its functions and
// the maps (BTF-defined maps and global-variable sections) they use.
type Library struct {
	// Source is the C file the object was compiled from.
	Source string
	// Funcs are the object's functions by C name.
	Funcs map[string]*Func
	// Maps are the maps the functions reference, by the name linked
	// programs use for them: a map defined in C (SEC(".maps")) keeps its
	// C name; a global-variable section (.bss, .data, .rodata...) is
	// renamed with the library's tag, since every object has its own.
	Maps map[string]*ebpf.MapSpec
	// ExternMaps are the maps the C declares extern (`extern struct
	// {...} name;`) and uses: the program linking it supplies them (the
	// script's maps of those names). Their loads reference the C name.
	ExternMaps map[string]bool
	// Types is the object's BTF (for the C types of parameters and
	// results).
	Types *btf.Spec
}

// Func is one C function: its own body, without the functions it calls.
type Func struct {
	Name string
	// Symbol is its name in linked programs: Name for a global function
	// (the script calls it by that name), Name and the library's tag
	// for a static one, which two C files may both define.
	Symbol string
	Global bool
	// BTF is the function's declaration (parameters and result); with
	// it the verifier checks a global function on its own.
	BTF *btf.Func
	// Insns is the body. The first instruction carries Symbol, the BTF
	// func info and a line; calls to other functions are references to
	// their Symbols; map and global-variable loads reference the names
	// in Library.Maps; kfunc calls and kfunc address loads carry
	// cilium's kfunc metadata, resolved against the kernel at load.
	Insns asm.Instructions
	// Calls are the Symbols of the functions the body calls.
	Calls []string
	// MapRefs are the names (Library.Maps keys) the body references.
	MapRefs []string
	// Kfuncs are the kernel functions the body calls or takes the
	// address of.
	Kfuncs []string
}

// OpenLibrary reads an object compiled by a Compiler (or ahead of time
// with the same flags). tag makes the names of its static functions and
// global-variable maps unique among the libraries linked into one
// program: short, letters, digits and '_' (map names are at most 15
// bytes in the kernel, and the section name is appended to the tag).
func OpenLibrary(objPath, source, tag string) (*Library, error) {
	if err := checkTag(tag); err != nil {
		return nil, err
	}
	spec, err := ebpf.LoadCollectionSpec(objPath)
	if err != nil {
		return nil, fmt.Errorf("reading the object of %s: %w", source, err)
	}
	return newLibrary(spec, source, tag)
}

func newLibrary(spec *ebpf.CollectionSpec, source, tag string) (*Library, error) {
	lib := &Library{Source: source, Funcs: map[string]*Func{}, Maps: map[string]*ebpf.MapSpec{}, ExternMaps: map[string]bool{}, Types: spec.Types}
	// Names of data-section maps in linked programs.
	mapName := map[string]string{}
	for name, m := range spec.Maps {
		if isDataSection(name) {
			n := tag + name
			mc := m.Copy()
			mc.Name = n
			lib.Maps[n] = mc
			mapName[name] = n
		} else {
			lib.Maps[name] = m
			mapName[name] = name
		}
	}
	// Every function is a program of its own (-ffunction-sections); its
	// instructions are its body followed by the functions it calls.
	// Keep the body.
	symbol := map[string]string{}
	for name, p := range spec.Programs {
		if len(p.Instructions) == 0 {
			continue
		}
		body := p.Instructions
		for i := 1; i < len(body); i++ {
			if body[i].Symbol() != "" {
				body = body[:i]
				break
			}
		}
		fn := btf.FuncMetadata(&body[0])
		f := &Func{Name: name, Symbol: name, Global: true, BTF: fn}
		if fn != nil && fn.Linkage == btf.StaticFunc {
			f.Global = false
			f.Symbol = name + "." + tag
		}
		if !strings.HasPrefix(p.SectionName, ".text") {
			// A program section (SEC("tp/...")): not a function to call.
			continue
		}
		f.Insns = append(asm.Instructions(nil), body...)
		symbol[name] = f.Symbol
		lib.Funcs[name] = f
	}
	externs, externVars := externFuncs(spec.Types), externVars(spec.Types)
	for _, f := range lib.Funcs {
		calls, maps, kfuncs := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for i := range f.Insns {
			ins := &f.Insns[i]
			if i == 0 {
				*ins = ins.WithSymbol(f.Symbol)
			}
			switch ref := ins.Reference(); {
			case ins.IsFunctionReference() && ref != "":
				s, ok := symbol[ref]
				if !ok {
					return nil, fmt.Errorf("%s: %s calls %s, which the object does not define", source, f.Name, ref)
				}
				*ins = ins.WithReference(s)
				calls[s] = true
			case ins.IsLoadFromMap() && ref != "":
				n, ok := mapName[ref]
				if !ok {
					return nil, fmt.Errorf("%s: %s uses %s, which the object does not define", source, f.Name, ref)
				}
				*ins = ins.WithReference(n)
				maps[n] = true
			case ins.OpCode.IsDWordLoad() && ref != "" && externVars[ref]:
				// An extern map: cilium leaves the load of an undefined
				// symbol as it is; it is a map pointer once resolved.
				ins.Src = asm.PseudoMapFD
				maps[ref] = true
				lib.ExternMaps[ref] = true
			}
			if ref := ins.Reference(); ref != "" && externs[ref] {
				kfuncs[ref] = true
			}
		}
		f.Calls, f.MapRefs, f.Kfuncs = sortedKeys(calls), sortedKeys(maps), sortedKeys(kfuncs)
	}
	return lib, nil
}

// externFuncs are the functions the object declares extern (kfuncs):
// an instruction that references one calls it or loads its address.
func externFuncs(spec *btf.Spec) map[string]bool {
	out := map[string]bool{}
	if spec == nil {
		return out
	}
	for t, err := range spec.All() {
		if err != nil {
			break
		}
		if fn, ok := t.(*btf.Func); ok && fn.Linkage == btf.ExternFunc {
			out[fn.Name] = true
		}
	}
	return out
}

// externVars are the maps the object declares extern, which the linking
// program supplies: extern variables whose type is a map definition (a
// struct with a pointer member "type", as __uint(type, ...) declares),
// not __ksym or __kconfig variables.
func externVars(spec *btf.Spec) map[string]bool {
	out := map[string]bool{}
	if spec == nil {
		return out
	}
	for t, err := range spec.All() {
		if err != nil {
			break
		}
		v, ok := t.(*btf.Var)
		if !ok || v.Linkage != btf.ExternVar {
			continue
		}
		if st, ok := btf.UnderlyingType(v.Type).(*btf.Struct); ok {
			for _, m := range st.Members {
				if _, ptr := m.Type.(*btf.Pointer); ptr && m.Name == "type" {
					out[v.Name] = true
				}
			}
		}
	}
	return out
}

// isDataSection says whether a map of an object is a global-variable
// section rather than a map defined in C.
func isDataSection(name string) bool {
	for _, p := range []string{".bss", ".data", ".rodata"} {
		if name == p || strings.HasPrefix(name, p+".") {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ReadLibrary is OpenLibrary for an object in memory (the standard
// library's embedded objects).
func ReadLibrary(obj io.ReaderAt, source, tag string) (*Library, error) {
	if err := checkTag(tag); err != nil {
		return nil, err
	}
	spec, err := ebpf.LoadCollectionSpecFromReader(obj)
	if err != nil {
		return nil, fmt.Errorf("reading the object of %s: %w", source, err)
	}
	return newLibrary(spec, source, tag)
}

// checkTag says whether tag can prefix kernel map names and symbols.
func checkTag(tag string) error {
	ok := tag != "" && len(tag) <= 8
	for _, c := range []byte(tag) {
		ok = ok && isIdentByte(c)
	}
	if !ok {
		return fmt.Errorf("library tag %q: want 1 to 8 letters, digits or '_'", tag)
	}
	return nil
}
