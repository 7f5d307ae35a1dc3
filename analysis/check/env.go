package check

import (
	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// Kernel is what the checker asks about the kernel it checks against;
// a Kernel may also implement ScriptKernel, KernelC, KernelEnums and
// UserTypes below. The implementation over btfindex is
// btfindex/kernelcheck; tests use small fakes; nil means
// kernel-independent checking (--no-kernel), where attach points are
// checked only for syntax and kernel types are unknown (their uses are
// not errors).
type Kernel interface {
	// Resolve expands one attach point (wildcards, aliases) into its
	// concrete probes and their typed arguments. Diagnostics are about
	// the attach point (unknown tracepoint, function not attachable,
	// wildcard matching nothing) and carry did-you-mean suggestions.
	Resolve(ap *ast.AttachPoint, f *source.File) (*AttachInfo, diag.List)
	// Type looks up a kernel type by its C spelling: "struct task_struct",
	// "union bpf_attr", "enum pid_type", or a typedef name "u32".
	Type(name string) (types.Type, bool)
	// TypeNames returns kernel type names with the given prefix (for
	// did-you-mean and completion), at most limit of them.
	TypeNames(prefix string, limit int) []string
	// Describe says which kernel the answers come from, for messages
	// ("running kernel 6.18 (BTF)", "BTF file x.btf").
	Describe() string
}

// KernelC is implemented by a Kernel whose BTF the program's C can use
// (NewCScope): an imported file that includes vmlinux.h, and kernel types
// a script's C part names without defining them.
type KernelC interface {
	// HasBTF reports whether the kernel has BTF; without it the other
	// methods have nothing to answer from.
	HasBTF() bool
	// HasCType reports whether BTF defines the type a C name spells
	// ("struct sk_buff", "u32").
	HasCType(name string) bool
	// VmlinuxHeader is every BTF type as C (vmlinux.h). With cache it
	// is kept on disk per BTF identity, in cacheDir or, when that is
	// "", the default cache directory.
	VmlinuxHeader(cacheDir string, cache bool) ([]byte, error)
	// TypesHeader declares the types C names spell and the types they
	// need, as C for clang, inside the include guard given.
	TypesHeader(names []string, guard string) ([]byte, error)
}

// KernelEnums is optionally implemented by a Kernel that can resolve
// enumerator names (kernel enum values are usable as identifiers).
type KernelEnums interface {
	EnumValue(name string) (value int64, t types.Type, ok bool)
}

// UserTypes is optionally implemented by a Kernel that also knows the
// types user-space binaries describe in their DWARF (casts and
// declarations in uprobes name them).
type UserTypes interface {
	UserType(binaries []string, name string) (types.Type, bool)
}

// ScriptKernel is implemented by a Kernel whose answers depend on the
// program it checks (KernelScript). Check calls ForScript once the
// program's files are gathered and resolves the program's attach points
// with the Kernel it returns.
type ScriptKernel interface {
	ForScript(s KernelScript) Kernel
}

// KernelScript is what a Kernel learns about the program it checks.
type KernelScript struct {
	// Config is the root script's config block.
	Config KernelConfig
	// Siblings are the attach points of each probe that has several: as
	// in bpftrace, a wildcard that matches nothing is dropped silently
	// when another attach point of its probe matches (`kprobe:f,
	// kprobe:f.isra.*` written for several kernels).
	Siblings map[*ast.AttachPoint][]*ast.AttachPoint
	// ArgsUsed are the args fields each attach point's probe reads ("*"
	// for args used whole): a wildcard whose targets type one
	// differently is an error only when the probe reads it.
	ArgsUsed map[*ast.AttachPoint]map[string]bool
	// PID is the process the script is checked for (bpftrace -p), 0 for
	// none: uprobe and usdt attach points then name the files that
	// process maps.
	PID int
}

// KernelConfig is the part of a script's config the kernel adapter uses.
type KernelConfig struct {
	MissingProbes string // "error" (default), "warn" or "ignore"
	MaxBPFProgs   int    // 0: 1024
	MaxStrlen     int    // 0: 1024; sizes __data_loc strings
}

// CFunc is a function declared in imported C or the script's C part.
type CFunc struct {
	Name     string
	Params   []CParam
	Result   types.Type
	Variadic bool
	Loc      Location // the declaration's name, for go-to-definition
	Decl     string   // the declaration as C text, for hover
}

// CParam is one parameter of a CFunc.
type CParam struct {
	Name string
	Type types.Type
}

// CDefine is an object-like #define usable as an identifier.
type CDefine struct {
	Name  string
	Value any // int64 or string
	// Enum is the enum an enumerator belongs to; nil for a #define.
	Enum *types.Enum
	Loc  Location
}

// CScope is the C visible to a script: its own C part and what it
// imports. The implementation over analysis/cfront lives in cdecls.go.
type CScope interface {
	Type(name string) (types.Type, bool)
	Func(name string) (*CFunc, bool)
	Define(name string) (*CDefine, bool)
	// Names lists every function, type and define name (completion).
	Names() []string
}
