// Package cheader writes the types of a BTF spec as a C header, the usual
// vmlinux.h that BPF C code is compiled against (what `bpftool btf dump file
// /sys/kernel/btf/vmlinux format c` prints), so that bt can hand clang the
// kernel's types for imported BPF C files without running bpftool.
//
// The header is plain C that clang accepts for -target bpf and for the host,
// and the layout clang computes for every struct and union equals BTF's:
//
//   - definitions come in dependency order: a type embedded by value is
//     defined before its user, a type used only through a pointer gets a
//     forward declaration, and cycles through pointers are broken with
//     forward declarations;
//   - anonymous structs, unions and enums are written inline where they are
//     used (an anonymous enum referenced from several places, or from a
//     function prototype, is written once on its own and spelled as an
//     integer type of its size at the use sites);
//   - distinct types sharing a name get a ___N suffix (struct/union/enum tags
//     and ordinary identifiers — typedefs, enumerators, kfuncs — are separate
//     namespaces, as in C), decided by type ID so the output is deterministic;
//   - a struct or union whose BTF offsets cannot come from natural alignment
//     is marked __attribute__((packed)); gaps that natural alignment does not
//     explain become __attribute__((aligned(N))) on the member or on the type
//     when a power-of-two alignment explains them exactly, and explicit
//     unnamed bit-field padding (`long: 64;`) otherwise;
//   - enums whose BTF size differs from the size C would give them get
//     __attribute__((mode(..))).
//
// Options select bpftool's extras: the preserve_access_index pragma for CO-RE,
// extern __ksym prototypes for kfuncs, btf_type_tag attributes, and
// (unlike bpftool) optionally btf_decl_tag attributes. Options.Roots limits the
// header to the named types and what their definitions need.
//
// Where we differ from bpftool on purpose:
//
//   - the kernel's __builtin_va_list (on x86-64 struct __va_list_tag[1], 24
//     bytes) is declared as __builtin_va_list___btf, so va_list and the
//     records holding one keep the kernel's layout under -target bpf, where
//     the compiler's own va_list is a pointer;
//   - the CO-RE pragma is active only when compiling for BPF (__bpf__), so the
//     header also compiles warning-free for the host;
//   - a type tag BTF marks as an attribute (pahole's "address_space(1)") is
//     still written as btf_type_tag: cilium/ebpf does not expose the flag.
//
// Known limit: a 16-byte float is spelled long double, which is 8 bytes on
// BPF; kernel BTF has none. When no C layout reproduces a record (only
// malformed BTF, e.g. overlapping members), the record is still written as
// closely as possible.
package cheader

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// Options tune the generated header. The zero value gives bpftool's output
// style: CO-RE pragma, kfunc prototypes and type tags on, decl tags off.
type Options struct {
	// Roots, when not empty, limits the header to the types with these
	// names (struct, union, enum, typedef, kfunc, or an enumerator's name
	// for its enum) plus what their declarations need: types embedded by
	// value are defined, types reached only through pointers are merely
	// forward-declared. Unknown names make Write fail.
	Roots []string

	// Guard is the include-guard macro; empty means __VMLINUX_H__.
	Guard string

	// NoPreserveAccessIndex omits the
	// `#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)`
	// that BPF CO-RE code expects. Even when emitted it is only active when
	// compiling for BPF (__bpf__) and BPF_NO_PRESERVE_ACCESS_INDEX is not
	// defined.
	NoPreserveAccessIndex bool

	// NoKfuncs omits the `extern ... __weak __ksym;` prototypes of
	// functions tagged bpf_kfunc. When emitted they are guarded by
	// BPF_NO_KFUNC_PROTOTYPES, as bpftool does.
	NoKfuncs bool

	// NoTypeTags drops BTF type tags; otherwise they are written as
	// __attribute__((btf_type_tag("..."))), as bpftool does.
	NoTypeTags bool

	// DeclTags writes BTF decl tags of structs, unions, members, typedefs
	// and kfunc parameters as __attribute__((btf_decl_tag("..."))).
	// bpftool does not emit them, so neither do we by default.
	DeclTags bool

	// Modules are split BTF specs (kernel modules) loaded on top of the
	// spec given to Write; their types are appended after the base types.
	Modules []*btf.Spec
}

const (
	kfuncTag    = "bpf_kfunc"
	fastcallTag = "bpf_fastcall"
)

// Write writes a C header declaring the types of spec (and opts.Modules).
func Write(w io.Writer, spec *btf.Spec, opts Options) error {
	if spec == nil {
		return errors.New("cheader: nil spec")
	}
	if opts.Guard != "" && !isIdent(opts.Guard) {
		return fmt.Errorf("cheader: include guard %q is not a C identifier", opts.Guard)
	}
	g, err := newGen(spec, &opts)
	if err != nil {
		return err
	}
	out, err := g.run()
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// def states of named definitions (struct, union, enum, typedef).
const (
	stNone uint8 = iota
	stBusy
	stDone
)

type gen struct {
	opts *Options

	types []btf.Type
	idx   map[btf.Type]int32

	// names holds the C name of struct/union/enum tags, fwds and typedefs.
	names []string
	// fwdAlias maps a Fwd to the composite of the same kind and name that
	// it declares, or -1.
	fwdAlias []int32
	// enumVals holds the C names of enumerators of emitted enums.
	enumVals [][]string
	// identTaken holds every ordinary identifier the header declares.
	identTaken map[string]bool

	kfuncs   []int32 // Func indexes, sorted by name
	fastcall map[int32]bool
	roots    []int32 // nil unless opts.Roots

	// emission state
	state    []uint8
	fwdDone  []bool
	anonBusy []bool
	enumDone []bool // an enum's enumerators were written
	enumOK   []bool // an anonymous enum may be written inline at its use
	stack    []int32

	lays  []layout
	plans []*plan

	out []byte
}

type layout struct {
	size, align int64 // bytes
	state       uint8
}

func newGen(spec *btf.Spec, opts *Options) (*gen, error) {
	g := &gen{opts: opts}
	if err := g.collect(spec); err != nil {
		return nil, err
	}
	n := len(g.types)
	g.names = make([]string, n)
	g.fwdAlias = make([]int32, n)
	g.enumVals = make([][]string, n)
	g.state = make([]uint8, n)
	g.fwdDone = make([]bool, n)
	g.anonBusy = make([]bool, n)
	g.enumDone = make([]bool, n)
	g.enumOK = make([]bool, n)
	g.lays = make([]layout, n)
	g.plans = make([]*plan, n)
	g.findKfuncs()
	g.assignNames()
	g.markInlineEnums()
	if len(opts.Roots) > 0 {
		if err := g.findRoots(); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// collect indexes every type of the specs in ID order, then anything they
// reference that the specs did not list.
func (g *gen) collect(spec *btf.Spec) error {
	for _, s := range append([]*btf.Spec{spec}, g.opts.Modules...) {
		if s == nil {
			continue
		}
		for t, err := range s.All() {
			if err != nil {
				return fmt.Errorf("cheader: reading BTF: %w", err)
			}
			if _, ok := t.(*btf.Void); !ok {
				g.types = append(g.types, t)
			}
		}
	}
	g.idx = make(map[btf.Type]int32, len(g.types)+len(g.types)/8)
	n := 0
	for _, t := range g.types {
		if _, dup := g.idx[t]; !dup {
			g.idx[t] = int32(n)
			g.types[n] = t
			n++
		}
	}
	g.types = g.types[:n]
	add := func(t btf.Type) {
		if t == nil {
			return
		}
		if _, ok := t.(*btf.Void); ok {
			return
		}
		if _, ok := g.idx[t]; !ok {
			g.idx[t] = int32(len(g.types))
			g.types = append(g.types, t)
		}
	}
	for i := 0; i < len(g.types); i++ {
		children(g.types[i], add)
	}
	return nil
}

func children(t btf.Type, f func(btf.Type)) {
	switch x := t.(type) {
	case *btf.Pointer:
		f(x.Target)
	case *btf.Array:
		f(x.Type)
	case *btf.Struct:
		for _, m := range x.Members {
			f(m.Type)
		}
	case *btf.Union:
		for _, m := range x.Members {
			f(m.Type)
		}
	case *btf.Typedef:
		f(x.Type)
	case *btf.Const:
		f(x.Type)
	case *btf.Volatile:
		f(x.Type)
	case *btf.Restrict:
		f(x.Type)
	case *btf.TypeTag:
		f(x.Type)
	case *btf.FuncProto:
		f(x.Return)
		for _, p := range x.Params {
			f(p.Type)
		}
	case *btf.Func:
		f(x.Type)
	case *btf.Var:
		f(x.Type)
	case *btf.Datasec:
		for _, v := range x.Vars {
			f(v.Type)
		}
	}
}

func (g *gen) index(t btf.Type) int32 {
	i, ok := g.idx[t]
	if !ok {
		// collect indexed the closure of all types, so this only
		// happens for types built after the fact; keep going.
		i = int32(len(g.types))
		g.idx[t] = i
		g.types = append(g.types, t)
		g.names = append(g.names, "")
		g.fwdAlias = append(g.fwdAlias, -1)
		g.enumVals = append(g.enumVals, nil)
		g.state = append(g.state, stNone)
		g.fwdDone = append(g.fwdDone, false)
		g.anonBusy = append(g.anonBusy, false)
		g.enumDone = append(g.enumDone, false)
		g.enumOK = append(g.enumOK, false)
		g.lays = append(g.lays, layout{})
		g.plans = append(g.plans, nil)
	}
	return i
}

func hasTag(tags []string, tag string) bool {
	return slices.Contains(tags, tag)
}

func (g *gen) findKfuncs() {
	seen := map[string]bool{}
	g.fastcall = map[int32]bool{}
	for i, t := range g.types {
		fn, ok := t.(*btf.Func)
		if !ok || !hasTag(fn.Tags, kfuncTag) || seen[fn.Name] || !isIdent(fn.Name) {
			continue
		}
		if _, ok := fn.Type.(*btf.FuncProto); !ok {
			continue
		}
		seen[fn.Name] = true
		g.kfuncs = append(g.kfuncs, int32(i))
		if hasTag(fn.Tags, fastcallTag) {
			g.fastcall[int32(i)] = true
		}
	}
	slices.SortStableFunc(g.kfuncs, func(a, b int32) int {
		return strings.Compare(g.types[a].TypeName(), g.types[b].TypeName())
	})
}

// namer hands out unique names in one C namespace: the first type with a
// name keeps it, later ones get name___2, name___3, ... skipping names that
// some type really has.
type namer struct {
	count map[string]int
	taken map[string]bool
	orig  map[string]bool
}

func newNamer() *namer {
	return &namer{count: map[string]int{}, taken: map[string]bool{}, orig: map[string]bool{}}
}

func (n *namer) unique(name string) string {
	c := n.count[name] + 1
	n.count[name] = c
	if c == 1 && !n.taken[name] {
		n.taken[name] = true
		return name
	}
	for {
		if c < 2 {
			c = 2
		}
		cand := name + "___" + strconv.Itoa(c)
		if !n.taken[cand] && !n.orig[cand] {
			n.taken[cand] = true
			n.count[name] = c
			return cand
		}
		c++
	}
}

type fwdKey struct {
	union bool
	name  string
}

func isEmptyEnum(t btf.Type) bool {
	e, ok := t.(*btf.Enum)
	return ok && len(e.Values) == 0
}

func (g *gen) assignNames() {
	tags, idents := newNamer(), newNamer()
	first := map[fwdKey]int32{}
	for i, t := range g.types {
		switch x := t.(type) {
		case *btf.Struct, *btf.Union, *btf.Enum, *btf.Fwd:
			if n := sanitize(t.TypeName()); n != "" {
				tags.orig[n] = true
			}
		case *btf.Typedef:
			idents.orig[sanitize(x.Name)] = true
		}
		switch x := t.(type) {
		case *btf.Struct:
			if x.Name != "" {
				k := fwdKey{false, x.Name}
				if _, ok := first[k]; !ok {
					first[k] = int32(i)
				}
			}
		case *btf.Union:
			if x.Name != "" {
				k := fwdKey{true, x.Name}
				if _, ok := first[k]; !ok {
					first[k] = int32(i)
				}
			}
		case *btf.Enum:
			for _, v := range x.Values {
				idents.orig[sanitize(v.Name)] = true
			}
		}
	}
	// kfunc names must stay exact (they are resolved by name), so they
	// are reserved before typedefs and enumerators.
	for _, k := range g.kfuncs {
		idents.unique(g.types[k].TypeName())
	}
	for i, t := range g.types {
		g.fwdAlias[i] = -1
		switch x := t.(type) {
		case *btf.Struct, *btf.Union:
			if n := t.TypeName(); n != "" {
				g.names[i] = tags.unique(sanitize(n))
			}
		case *btf.Fwd:
			if c, ok := first[fwdKey{x.Kind == btf.FwdUnion, x.Name}]; ok {
				g.fwdAlias[i] = c
			} else {
				g.names[i] = tags.unique(sanitize(x.Name))
			}
		case *btf.Enum:
			if len(x.Values) == 0 {
				continue
			}
			if x.Name != "" {
				g.names[i] = tags.unique(sanitize(x.Name))
			}
			vals := make([]string, len(x.Values))
			for j, v := range x.Values {
				vals[j] = idents.unique(sanitize(v.Name))
			}
			g.enumVals[i] = vals
		case *btf.Typedef:
			if x.Name == "__builtin_va_list" {
				if isVoid(x.Type) {
					// nothing known: use the compiler's
					g.names[i] = x.Name
					idents.taken[x.Name] = true
					continue
				}
				// The kernel's va_list (x86-64: struct
				// __va_list_tag[1], 24 bytes) is not BPF's
				// (char *): declare BTF's under a name of
				// our own so that records holding one keep
				// their layout.
				g.names[i] = idents.unique(x.Name + "___btf")
				continue
			}
			g.names[i] = idents.unique(sanitize(x.Name))
		}
	}
	g.identTaken = idents.taken
}

// markInlineEnums decides which anonymous enums can be written inline at
// their use: those used from exactly one member or typedef, and not from a
// function prototype (where a definition would be scoped to the prototype).
func (g *gen) markInlineEnums() {
	refs := make([]int32, len(g.types))
	bad := make([]bool, len(g.types))
	var walk func(t btf.Type, proto bool)
	walk = func(t btf.Type, proto bool) {
		for {
			switch x := t.(type) {
			case *btf.Pointer:
				t = x.Target
			case *btf.Array:
				t = x.Type
			case *btf.Const:
				t = x.Type
			case *btf.Volatile:
				t = x.Type
			case *btf.Restrict:
				t = x.Type
			case *btf.TypeTag:
				t = x.Type
			case *btf.Enum:
				if x.Name == "" {
					i := g.idx[t]
					refs[i]++
					if proto {
						bad[i] = true
					}
				}
				return
			case *btf.FuncProto:
				walk(x.Return, true)
				for _, p := range x.Params {
					walk(p.Type, true)
				}
				return
			default:
				return
			}
		}
	}
	for _, t := range g.types {
		switch x := t.(type) {
		case *btf.Struct:
			for _, m := range x.Members {
				walk(m.Type, false)
			}
		case *btf.Union:
			for _, m := range x.Members {
				walk(m.Type, false)
			}
		case *btf.Typedef:
			walk(x.Type, false)
		}
	}
	for _, k := range g.kfuncs {
		walk(g.types[k].(*btf.Func).Type, true)
	}
	for i := range g.types {
		g.enumOK[i] = refs[i] == 1 && !bad[i]
	}
}

func (g *gen) findRoots() error {
	want := map[string]bool{}
	for _, r := range g.opts.Roots {
		want[r] = false
	}
	kf := map[int32]bool{}
	for _, k := range g.kfuncs {
		kf[k] = true
	}
	for i, t := range g.types {
		hit := false
		switch x := t.(type) {
		case *btf.Struct, *btf.Union, *btf.Typedef:
			_, hit = want[t.TypeName()]
		case *btf.Enum:
			_, hit = want[x.Name]
			for _, v := range x.Values {
				if _, ok := want[v.Name]; ok {
					want[v.Name] = true
					hit = true
				}
			}
		case *btf.Func:
			_, hit = want[x.Name]
			hit = hit && kf[int32(i)]
		}
		if hit {
			want[t.TypeName()] = true
			g.roots = append(g.roots, int32(i))
		}
	}
	var missing []string
	for _, r := range g.opts.Roots {
		if !want[r] {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("cheader: no type, kfunc or enumerator named %s", strings.Join(missing, ", "))
	}
	return nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// sanitize turns a BTF name into a C identifier (BTF from other languages
// can hold names like "core::fmt::Arguments").
func sanitize(s string) string {
	if s == "" {
		return s
	}
	if isIdent(s) {
		if cKeywords[s] {
			return s + "_"
		}
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	if b[0] >= '0' && b[0] <= '9' {
		return "_" + string(b)
	}
	return string(b)
}
