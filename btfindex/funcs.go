package btfindex

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// MaxTraceArgs is how many arguments fentry/fexit can see on x86-64 (and
// every architecture bpftrace supports): functions with more parameters
// are not listed for fentry, like bpftrace does.
const MaxTraceArgs = 6

// KernelFunc is a function in the kernel's (or a module's) BTF.
type KernelFunc struct {
	Name   string
	Module string // "vmlinux" or the module name
	// Attachable: a text symbol in kallsyms, so kprobe and fentry can
	// attach (inlined and some notrace functions are in BTF only). True for
	// every function when kallsyms was not read (see AttachInfoKnown).
	Attachable bool
	Kfunc      bool // has the bpf_kfunc decl tag: callable from BPF programs
	Global     bool // BTF linkage global (else static)
	NumParams  int
	ID         btf.TypeID // the BTF FUNC's ID in its module's BTF
}

func (ix *Index) funcAt(i int) KernelFunc {
	info := ix.funcTab().info[i]
	return KernelFunc{
		Name:       ix.funcTab().names[i],
		Module:     ix.mods[ix.funcTab().mods[i]].name,
		Attachable: !ix.attachKnown || info&funcAttachable != 0,
		Kfunc:      info&funcKfunc != 0,
		Global:     info&funcGlobal != 0,
		NumParams:  int(info & funcParamsMask),
		ID:         btf.TypeID(ix.funcTab().ids[i]),
	}
}

// NumFuncs is the number of BTF functions (all modules).
func (ix *Index) NumFuncs() int { return ix.funcTab().len() }

// FuncNames returns the sorted names of BTF functions starting with
// prefix; a name defined in several modules (or twice) appears once per
// definition. The slice shares the index's storage: do not modify it.
func (ix *Index) FuncNames(prefix string) []string {
	lo, hi := ix.funcTab().prefixRange(prefix)
	return ix.funcTab().names[lo:hi:hi]
}

// Funcs lists the BTF functions whose name starts with prefix, sorted by
// name then module.
func (ix *Index) Funcs(prefix string) []KernelFunc {
	lo, hi := ix.funcTab().prefixRange(prefix)
	out := make([]KernelFunc, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, ix.funcAt(i))
	}
	return out
}

// Func finds a function by name; module "" searches vmlinux first, then
// the modules. The error is a *NotFoundError with suggestions, or
// *NoBTFError.
func (ix *Index) Func(module, name string) (KernelFunc, error) {
	if ix.btfErr != nil {
		return KernelFunc{}, ix.btfErr
	}
	lo, hi := ix.funcTab().exactRange(name)
	for i := lo; i < hi; i++ {
		if module == "" || ix.mods[ix.funcTab().mods[i]].name == module {
			return ix.funcAt(i), nil
		}
	}
	full := name
	if module != "" {
		full = module + ":" + name
	}
	return KernelFunc{}, &NotFoundError{What: "function", Name: full, Suggestions: ix.suggestIn(ix.funcTab(), name)}
}

// Kfuncs lists the functions tagged bpf_kfunc whose name starts with
// prefix.
func (ix *Index) Kfuncs(prefix string) []KernelFunc {
	lo, hi := ix.funcTab().prefixRange(prefix)
	var out []KernelFunc
	for i := lo; i < hi; i++ {
		if ix.funcTab().info[i]&funcKfunc != 0 {
			out = append(out, ix.funcAt(i))
		}
	}
	return out
}

// Param is a function parameter (or a tracepoint's, or raw tracepoint's
// argument) with its C type.
type Param struct {
	Name string   // "" when BTF has no name
	Type btf.Type // as declared
}

// CDecl is the parameter's C declaration, "const char *name".
func (p Param) CDecl() string { return CDecl(p.Type, p.Name) }

// FuncSig is a function's prototype.
type FuncSig struct {
	Func     KernelFunc
	Params   []Param
	Return   btf.Type // *btf.Void for void functions
	Variadic bool     // the prototype ends in "..."
}

// Signature decodes f's prototype.
func (ix *Index) Signature(f KernelFunc) (*FuncSig, error) {
	mod := -1
	for i, m := range ix.mods {
		if m.name == f.Module {
			mod = i
		}
	}
	if mod < 0 {
		return nil, &NotFoundError{What: "BTF module", Name: f.Module}
	}
	t, err := ix.typeByID(uint16(mod), uint32(f.ID))
	if err != nil {
		return nil, err
	}
	fn, ok := t.(*btf.Func)
	if !ok {
		return nil, fmt.Errorf("%s: %w", f.Name, errNotFunc)
	}
	proto, ok := fn.Type.(*btf.FuncProto)
	if !ok {
		return nil, fmt.Errorf("%s: no prototype", f.Name)
	}
	sig := &FuncSig{Func: f, Return: proto.Return}
	for i, p := range proto.Params {
		if i == len(proto.Params)-1 && isVoid(p.Type) {
			sig.Variadic = true
			break
		}
		sig.Params = append(sig.Params, Param{Name: p.Name, Type: p.Type})
	}
	return sig, nil
}

// HasReturn says whether the function returns a value (not void).
func (s *FuncSig) HasReturn() bool { return !isVoid(s.Return) }

// CDecl formats the whole prototype: "ssize_t vfs_read(struct file *file, ...)".
func (s *FuncSig) CDecl() string {
	var b strings.Builder
	b.WriteString(CDecl(s.Return, ""))
	if !strings.HasSuffix(b.String(), "*") {
		b.WriteByte(' ')
	}
	b.WriteString(s.Func.Name)
	b.WriteByte('(')
	for i, p := range s.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.CDecl())
	}
	if s.Variadic {
		if len(s.Params) > 0 {
			b.WriteString(", ")
		}
		b.WriteString("...")
	} else if len(s.Params) == 0 {
		b.WriteString("void")
	}
	b.WriteByte(')')
	return b.String()
}
