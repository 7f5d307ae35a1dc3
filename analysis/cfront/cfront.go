// Package cfront is the C side of bpftrace scripts: the preprocessor lines
// and struct/union/enum/typedef definitions at the top of a script, and
// the C files and headers a script imports (`import "lib.bpf.c";`).
//
// It reads that C through clang when clang is installed (Options.Clang):
// `clang -E -dD` for macros and includes, and `clang -fsyntax-only` with a
// JSON AST dump and a record layout dump for declarations and exact
// layouts, always for `-target bpf`. Without clang a built-in fallback
// handles the common forms (object-like defines, #if/#ifdef blocks,
// simple type definitions, function prototypes) with layouts computed
// for the BPF target; Unit.UsedClang says which one answered.
//
// Clang only ever sees files: the script's C part is written to a temp
// file, never passed on a command line, and clang is run with an argument
// vector, never through a shell. Positions in the results and in
// diagnostics are positions in the original script or file.
//
// A virtual header of at least Options.PrecompileMin bytes that the main
// file includes and that has an include guard (a vmlinux.h made from BTF)
// is precompiled once (under CacheDir/pch, else the temp directory) and
// reused: clang then dumps only the main file. The header's types that
// the main file uses are then asked of clang with a probe file; what
// that yields is exact (sizes, offsets, canonical member types) except
// that enums of such a header carry no values (BTF has them), and
// records reached only through pointers are incomplete (name only).
// Without precompiling, records defined only in headers and never
// embedded in a main-file record are laid out by this package's engine
// rather than read from clang's dump.
//
// Results are cached in memory (and on disk when Options.CacheDir is set)
// keyed by a hash of the inputs, the options and clang's version, because
// the language server re-checks on every keystroke and the C rarely
// changes. Units returned from the cache are shared: treat every Unit as
// read-only.
package cfront

import (
	"fmt"
	"strings"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// Diagnostic codes of the C front end.
const (
	// CodeCError is an error clang reported, or a C construct the
	// fallback found to be wrong.
	CodeCError diag.Code = "c-error"
	// CodeCWarning is a warning clang reported.
	CodeCWarning diag.Code = "c-warning"
	// CodeIncludeNotFound is an #include whose header does not exist.
	// The checker may downgrade it when BTF provides the types.
	CodeIncludeNotFound diag.Code = "c-include-not-found"
	// CodeIncludeNotFollowed is an #include the fallback (no clang)
	// recorded but did not read.
	CodeIncludeNotFollowed diag.Code = "c-include-not-followed"
	// CodeCUnsupported is C the fallback cannot read; installing clang
	// makes it work.
	CodeCUnsupported diag.Code = "c-unsupported"
)

func init() {
	diag.Register(
		diag.CodeInfo{Code: CodeCError, Severity: diag.Error, Summary: "error in the script's C definitions or an imported C file"},
		diag.CodeInfo{Code: CodeCWarning, Severity: diag.Warning, Summary: "warning from the C compiler about C definitions or an imported C file"},
		diag.CodeInfo{Code: CodeIncludeNotFound, Severity: diag.Error, Summary: "an #include names a header that cannot be found"},
		diag.CodeInfo{Code: CodeIncludeNotFollowed, Severity: diag.Info, Summary: "an #include was not read because clang is not available"},
		diag.CodeInfo{Code: CodeCUnsupported, Severity: diag.Warning, Summary: "C the built-in reader cannot handle without clang"},
	)
}

// Options controls how C is read. The zero value reads with the
// fallback, for the BPF target, with BPFTRACE_HAVE_BTF defined.
type Options struct {
	// Clang is the clang executable (a path or a name looked up in
	// PATH); "" uses the built-in fallback. FindClang finds one.
	Clang string
	// IncludeDirs are searched for #include "..." and <...> (-I).
	IncludeDirs []string
	// SystemIncludeDirs are searched as system directories (-isystem),
	// after IncludeDirs.
	SystemIncludeDirs []string
	// VirtualHeaders are headers that exist only in memory: the include
	// name ("vmlinux.h", "linux/foo.h") and the contents. They are
	// written to a private include directory searched before every
	// other. Large ones (PrecompileMin) that the main file includes are
	// precompiled once and reused.
	VirtualHeaders map[string][]byte
	// HeaderFiles maps include names to files on disk, for headers the
	// caller already has as files (e.g. a cached vmlinux.h).
	HeaderFiles map[string]string
	// ForceIncludes are include names read before the main file
	// (clang -include), e.g. a header of BTF types the script uses.
	ForceIncludes []string
	// Defines are macro definitions from the command line (-D): name to
	// value; "" defines the name as 1.
	Defines map[string]string
	// Target is clang's target; "" means "bpf". The fallback always
	// lays out for BPF (LP64).
	Target string
	// NoBTF leaves BPFTRACE_HAVE_BTF undefined, as bpftrace does when
	// the kernel has no BTF.
	NoBTF bool
	// CacheDir, when set, keeps results (and precompiled headers) on
	// disk under this directory; see DefaultCacheDir.
	CacheDir string
	// NoCache disables the in-memory cache too.
	NoCache bool
	// PrecompileMin is the size from which a virtual header is
	// precompiled; 0 means 1 MiB, negative never.
	PrecompileMin int
	// Runner runs clang; nil runs it with os/exec. Tests inject one to
	// count invocations.
	Runner Runner
}

// Location is a place in a C source: the file (a path, or the script's
// name for the script's C part), a byte offset, and the 1-based line and
// byte column.
type Location struct {
	File   string
	Offset int
	Line   int
	Col    int
}

func (l Location) String() string { return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Col) }

// DefineKind says what an object-like macro's value is.
type DefineKind uint8

const (
	// DefineInt is an integer constant (Define.Int, Define.Unsigned).
	DefineInt DefineKind = iota
	// DefineString is a string literal (Define.Str).
	DefineString
	// DefineEmpty is a macro defined to nothing (#define FOO).
	DefineEmpty
	// DefineOther is a macro whose value is not a constant this package
	// can evaluate; Define.Text holds it.
	DefineOther
	// DefineFunction is a function-like macro; Define.Params and Text.
	DefineFunction
)

func (k DefineKind) String() string {
	switch k {
	case DefineInt:
		return "int"
	case DefineString:
		return "string"
	case DefineEmpty:
		return "empty"
	case DefineFunction:
		return "function"
	}
	return "other"
}

// Define is one #define.
type Define struct {
	Name string
	Kind DefineKind
	// Int is the value of an integer define; when Unsigned, read it as
	// uint64(Int).
	Int      int64
	Unsigned bool
	// Str is the value of a string define (escapes decoded).
	Str string
	// Text is the replacement text as written (whitespace collapsed).
	Text string
	// Params are a function-like macro's parameter names ("..." for
	// variadic).
	Params []string
	// Loc is where the name is defined.
	Loc Location
}

// Include is one #include directive.
type Include struct {
	// Name is the header as written between <> or "".
	Name   string
	System bool // <...>
	// Path is the file clang read; "" when not found or not followed.
	Path string
	// Found is false when the header does not exist; Followed is false
	// when it was not read (the fallback never reads includes).
	Found, Followed bool
	// Loc is the position of the header name in the including file.
	Loc Location
	// Direct is true for includes written in the main file (the
	// script's C or the imported file itself).
	Direct bool
}

// Param is a function parameter.
type Param struct {
	Name string // "" when unnamed
	Type types.Type
}

// Func is a function declaration or definition.
type Func struct {
	Name     string
	Params   []Param
	Result   types.Type
	Variadic bool
	Static   bool
	Inline   bool
	// Defined is true when this is a definition (has a body).
	Defined bool
	// Loc is the position of the function's name.
	Loc Location
	// Decl is the declaration as C text, for hover: the source from the
	// start of the declaration to its body or ';', whitespace collapsed.
	Decl string
}

// Global is a global variable declaration.
type Global struct {
	Name   string
	Type   types.Type
	Extern bool
	Static bool
	Const  bool
	// Section is the ELF section the declaration asks for
	// (SEC(".maps")), with clang; "" otherwise.
	Section string
	Loc     Location
	Decl    string
}

// Enumerator is one enum constant, usable as an identifier in scripts.
type Enumerator struct {
	Name  string
	Value int64
	Enum  *types.Enum
	Loc   Location
}

// Unit is what was read from one piece of C.
type Unit struct {
	// File is the text positions in Diags refer to: the script for
	// ParseScriptC, the imported file for ParseFile.
	File *source.File
	// Defines are the object-like and function-like macros defined in
	// the C (and, with clang, in the headers it includes), by name.
	Defines map[string]*Define
	// Types are the struct, union, enum and typedef definitions by C
	// name: "struct foo", "union u", "enum e", and "foo" for a typedef.
	Types map[string]types.Type
	// TypeLocs gives where each entry of Types is defined.
	TypeLocs map[string]Location
	// Enumerators are every enum constant by name.
	Enumerators map[string]*Enumerator
	// Funcs are function declarations and definitions by name (with
	// clang: those of the main file; headers' prototypes are left out).
	Funcs map[string]*Func
	// Globals are global variables by name (main file only).
	Globals map[string]*Global
	// Includes are the #include directives in the order they were met.
	Includes []Include
	// Diags are errors and warnings, positioned in File when they are
	// in the main C, in the header's own text otherwise.
	Diags diag.List
	// UsedClang says the results came from clang, not the fallback.
	UsedClang bool
	// ClangVersion is clang's version line when UsedClang.
	ClangVersion string
	// Cached says this Unit was answered from a cache.
	Cached bool
}

func newUnit(f *source.File) *Unit {
	return &Unit{
		File:        f,
		Defines:     map[string]*Define{},
		Types:       map[string]types.Type{},
		TypeLocs:    map[string]Location{},
		Enumerators: map[string]*Enumerator{},
		Funcs:       map[string]*Func{},
		Globals:     map[string]*Global{},
	}
}

// FuncType is the type of a C function, reached through function
// pointers (types has no function type of its own). Its size is 1, as
// GNU C gives sizeof of a function.
type FuncType struct {
	Params   []Param
	Result   types.Type
	Variadic bool
}

func (t *FuncType) String() string {
	var b strings.Builder
	b.WriteString(t.Result.String())
	b.WriteString(" (")
	for i, p := range t.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Type.String())
	}
	if t.Variadic {
		if len(t.Params) > 0 {
			b.WriteString(", ")
		}
		b.WriteString("...")
	}
	b.WriteString(")")
	return b.String()
}
func (t *FuncType) Size() int  { return 1 }
func (t *FuncType) Align() int { return 1 }

// Float is a C floating-point type (float, double, long double), which
// bpftrace values cannot hold but C structs may contain.
type Float struct {
	Bits int
}

func (t *Float) String() string {
	switch t.Bits {
	case 32:
		return "float"
	case 64:
		return "double"
	}
	return fmt.Sprintf("float%d", t.Bits)
}
func (t *Float) Size() int  { return t.Bits / 8 }
func (t *Float) Align() int { return t.Bits / 8 }
