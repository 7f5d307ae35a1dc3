// Package check is bpftrace's type checker. From parsed scripts, the
// kernel (the Kernel interface, which btfindex/kernelcheck implements
// over the kernel index) and the script's C, it produces a typed
// program: the type of every expression, the symbol every name defines
// or uses, every map's key and value types, every probe's expanded
// attach points with their argument types, and diagnostics. The
// compiler, `bt check` and the language server all read this one result;
// none of them re-derives a type, a map layout or a probe argument.
package check

import (
	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// SymbolKind says what a name denotes.
type SymbolKind uint8

const (
	SymVar     SymbolKind = iota // scratch variable $x
	SymMap                       // map @x
	SymMacro                     // macro
	SymFn                        // fn subprogram
	SymParam                     // fn parameter or macro parameter
	SymBuiltin                   // builtin variable or function
	SymCFunc                     // imported C function
	SymCType                     // C struct/union/enum/typedef
	SymDefine                    // C #define constant
	SymField                     // struct/record field
	SymConfig                    // config key
)

var symbolKindNames = [...]string{
	SymVar: "variable", SymMap: "map", SymMacro: "macro", SymFn: "function",
	SymParam: "parameter", SymBuiltin: "builtin", SymCFunc: "C function",
	SymCType: "C type", SymDefine: "C define", SymField: "field", SymConfig: "config key",
}

func (k SymbolKind) String() string { return symbolKindNames[k] }

// Symbol is a named entity. Every use of a name in the program points to
// one Symbol; Decl is where it is defined (nil for builtins and kernel
// entities, which carry Doc instead).
type Symbol struct {
	Kind SymbolKind
	Name string // as written, with sigil: "$x", "@m", "f"
	Type types.Type
	// Decl is the defining node: the first assignment or let of a
	// variable, the MapDecl or first assignment of a map, the MacroDecl
	// or FnDecl, the Param.
	Decl ast.Node
	File *source.File // file of Decl
	// Loc is set instead of Decl for symbols defined outside bpftrace
	// source (C functions and types in an imported file).
	Loc  *Location
	Doc  string
	Data any // kind-specific: *MapInfo for maps, *MacroInfo for macros

	// checker bookkeeping for variables
	locked    bool         // the type was declared (let $x: T) and does not widen
	typedAt   ast.Node     // where the variable got its first type
	typedFile *source.File // file of typedAt
}

// Location is a place in any file, bpftrace or C.
type Location struct {
	Path   string
	Offset int
	Line   int // 1-based
	Column int // 1-based, bytes
}

// MapInfo is what the compiler needs to create a map.
type MapInfo struct {
	Name string // with '@'
	// Key is nil for a scalar map; multi-key maps have a *types.Tuple key.
	Key   types.Type
	Value types.Type
	// Kind is the BPF map kind from a declaration or implied by use:
	// "hash", "lruhash", "percpuhash", "percpulruhash", "percpuarray"
	// (scalar aggregations) ...
	Kind       string
	MaxEntries int // 0 means the max_map_keys config value
	Decl       *ast.MapDecl
	// Typed is the node that gave the map its value type first, for
	// "map first typed here" notes.
	Typed ast.Node
	// KeyTyped is the node that gave the key type first.
	KeyTyped ast.Node
	Symbol   *Symbol
	// C is the map's C declaration when imported C defines it (the map
	// is the C's, with its kind and types) or declares it extern (the C
	// uses the script's map); nil otherwise. See cmaps.go.
	C *CMap
}

// ProbeArg is one argument of a probe: a tracepoint field, a function
// parameter, a raw tracepoint argument.
type ProbeArg struct {
	Name string
	Type types.Type
	// Decl is the argument's C declaration as the kernel or the binary
	// describes it ("pid_t next_pid", "char prev_comm[16]", "struct file
	// *file"), for tools that show it; "" when not known.
	Decl string
	// Offset is the byte offset in the context record for tracepoints
	// (format files give it), -1 when arguments come in registers.
	Offset int
	// DataLoc marks a tracepoint `__data_loc` field: the record holds a
	// uint32 (length << 16 | offset of the data in the record) rather
	// than the value itself.
	DataLoc bool
	// OffsetVaries is set when the targets of a wildcard have this
	// field at different offsets (Offset is the first target's): one
	// program cannot read it for all of them. TargetOffsets then gives
	// the offset in each target, in AttachInfo.Targets order (nil when
	// not known per target).
	OffsetVaries  bool
	TargetOffsets []int
}

// AttachInfo is one attach point after wildcard expansion and lookup.
type AttachInfo struct {
	Node     *ast.AttachPoint
	Provider string // canonical provider name
	// Targets are the concrete probes it matches, e.g.
	// "tracepoint:sched:sched_switch"; empty when it cannot be expanded
	// without the kernel (or matched nothing: a diagnostic says so).
	Targets []string
	// Binaries are the ELF files a uprobe or uretprobe attach point
	// resolved to (their DWARF also names types for the probe's casts).
	Binaries []string
	// Args are the probe's typed arguments (`args.x`, `argN`), shared by
	// all targets (the checker reports a mismatch otherwise).
	Args     []ProbeArg
	ArgsType *types.Struct // args as a struct, for `args` and `print(args)`
	Retval   types.Type    // nil when the probe has no retval
	Source   string        // where Args came from: "tracefs", "cache", "btf", "elf", "builtin"
	// ArgsUnknown, when the probe exists but its arguments could not be
	// read, says why (args.field is then not checked, and a note says so).
	ArgsUnknown string
	// Missing is set when the kernel or binary has nothing the attach
	// point names (reported as the missing_probes config says, or not at
	// all under "ignore"): a run drops it rather than attach it.
	Missing bool
}

// ProbeInfo is one action block.
type ProbeInfo struct {
	Node    *ast.Probe
	Attach  []*AttachInfo
	Context types.Type // the type of the BPF program's context, when known
}

// CallInfo says what a call resolved to.
type CallInfo struct {
	Kind SymbolKind // SymBuiltin, SymMacro, SymFn, SymCFunc
	// Variant is the index of the builtin's signature variant chosen.
	Variant int
	Symbol  *Symbol
	// Expansion is the macro body instantiated for this call site (nodes
	// keep the macro's positions); nil for non-macro calls.
	Expansion *ast.BlockExpr
}

// Info is the per-node record of a checked program, like go/types.Info.
// Maps are keyed by node pointer.
type Info struct {
	// Types is the type of every expression (and of TypeExprs).
	Types map[ast.Node]types.Type
	// Conversions records implicit conversions the compiler must apply:
	// the expression's value is converted to the recorded type (integer
	// promotion on assignment, literal widening).
	Conversions map[ast.Expr]types.Type
	// Defs maps a defining node (Variable in a let or first assignment,
	// MapExpr in a declaration or first assignment, the Ident naming a
	// macro or fn, a Param's Variable) to its symbol.
	Defs map[ast.Node]*Symbol
	// Uses maps every other naming node to the symbol it refers to.
	Uses map[ast.Node]*Symbol
	// Calls records what each call resolved to.
	Calls map[*ast.CallExpr]*CallInfo
	// Consts records compile-time constant integer values (literals,
	// #defines, sizeof, folded arithmetic).
	Consts map[ast.Expr]int64
	// Strings records the compile-time constant strings of expressions
	// that are not string literals themselves, which bpftrace folds into
	// literals: a positional parameter that is not a number, str() of a
	// constant string, a constant string plus a constant offset
	// ("hello" + 1 is "ello").
	Strings map[ast.Expr]string
	// IdentCalls records macros called as a bare identifier (`one` for
	// `one()`), with their expansion.
	IdentCalls map[*ast.Ident]*CallInfo
	// MacroArgs maps each use of a macro's expression parameter in an
	// expansion to the caller's argument expression it stands for
	// (evaluated where the parameter is used, as bpftrace does).
	MacroArgs map[*ast.Ident]ast.Expr
	// Typeinfo records the type each typeinfo() describes (its names
	// are TypeinfoStrings of it).
	Typeinfo map[*ast.TypeinfoExpr]types.Type
}

func newInfo() *Info { return newInfoLike(nil) }

// newInfoLike makes an empty Info with room for as many entries as prev
// has (the checker's rounds record about the same number each time).
func newInfoLike(prev *Info) *Info {
	if prev == nil {
		prev = &Info{}
	}
	return &Info{
		Types:       make(map[ast.Node]types.Type, len(prev.Types)),
		Conversions: make(map[ast.Expr]types.Type, len(prev.Conversions)),
		Defs:        make(map[ast.Node]*Symbol, len(prev.Defs)),
		Uses:        make(map[ast.Node]*Symbol, len(prev.Uses)),
		Calls:       make(map[*ast.CallExpr]*CallInfo, len(prev.Calls)),
		Consts:      make(map[ast.Expr]int64, len(prev.Consts)),
		Strings:     map[ast.Expr]string{},
		IdentCalls:  make(map[*ast.Ident]*CallInfo, len(prev.IdentCalls)),
		MacroArgs:   make(map[*ast.Ident]ast.Expr, len(prev.MacroArgs)),
		Typeinfo:    map[*ast.TypeinfoExpr]types.Type{},
	}
}

// TypeOf returns the recorded type of n, or nil.
func (in *Info) TypeOf(n ast.Node) types.Type { return in.Types[n] }

// SymbolOf returns the symbol n defines or uses, or nil.
func (in *Info) SymbolOf(n ast.Node) *Symbol {
	if s, ok := in.Defs[n]; ok {
		return s
	}
	return in.Uses[n]
}

// Program is the checked, typed program: the input files, the Info, and
// the program-wide facts a compiler needs in declaration order.
type Program struct {
	Files  []*ast.File // the root script first, then imported .bt files
	Info   *Info
	Maps   []*MapInfo // in order of first appearance
	Probes []*ProbeInfo
	Fns    []*Symbol
	Macros []*Symbol // the script's own (the library's are in Library)
	Config map[string]ConfigValue
	// LibraryObjects are the standard library's C objects whose
	// functions the program calls (through the library's macros), in
	// the library's order: the compiler links them.
	LibraryObjects []*LibraryObject
	Diags          diag.List
	// NamedParams are the options read with getopt(), in order of first
	// use.
	NamedParams []NamedParam
	// Positional is the highest positional parameter used ($3: 3).
	Positional int
	// UsesParamCount is set when the script reads $#.
	UsesParamCount bool
	// KernelType looks up a kernel type by its C spelling ("struct
	// task_struct"), for builtins the compiler lowers to kernel struct
	// reads (ppid, pcomm, ...); nil when checked without a kernel.
	KernelType func(name string) (types.Type, bool)
}

// ConfigValue is one config block setting after validation.
type ConfigValue struct {
	Key   string // canonical lower-case name
	Value any    // int64, bool or string
	Node  *ast.ConfigEntry
}

// Map returns the map named name (with '@'), or nil.
func (p *Program) Map(name string) *MapInfo {
	for _, m := range p.Maps {
		if m.Name == name {
			return m
		}
	}
	return nil
}
