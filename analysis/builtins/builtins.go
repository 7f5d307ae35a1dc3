// Package builtins is the one table of bpftrace's builtin variables,
// builtin and standard-library functions, map functions and map
// aggregation functions, with the printf format verbs, the config keys and
// the map declaration kinds.
//
// The checker, the compiler, `bt` help output and the language server
// (completion, hover, signature help) all read this table; no other
// package keeps its own list. The facts (names, argument counts, types,
// probe restrictions, unsafe and asynchronous functions) follow bpftrace's
// sources; every description is our own.
//
// A Builtin has one Signature per overload. Parameter and result types are
// TypeSpecs: either a concrete types.Type or a pattern from a small closed
// vocabulary (any integer, a string literal, a whole map, "same type as
// argument 0", ...). Signature.Match and Builtin.Resolve do overload
// resolution for the patterns that can be decided from an argument's form
// and type; the rules that need the probe or the configuration (the type
// of args or retval, the size of str()'s result) are described on each
// Pattern and left to the checker.
package builtins

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Kind classifies a builtin.
type Kind uint8

const (
	// Variable is a value written as a bare identifier (pid, comm, args,
	// arg0, retval, ...). Many can also be called: `pid` and `pid()` are
	// the same value.
	Variable Kind = iota + 1
	// Function is called with parentheses (printf, str, ksym, ...).
	Function
	// MapFunc operates on a whole map (delete, clear, zero, has_key, find,
	// len).
	MapFunc
	// Aggregation is a map value function: it may only be assigned to a
	// map or a map element, `@m = count()`, `@m[k] = hist(n)`.
	Aggregation
	// TypeOp takes a type or an expression whose type is used, and is
	// parsed into its own syntax node (sizeof, offsetof, typeof,
	// typeinfo).
	TypeOp
)

func (k Kind) String() string {
	switch k {
	case Variable:
		return "variable"
	case Function:
		return "function"
	case MapFunc:
		return "map function"
	case Aggregation:
		return "aggregation"
	case TypeOp:
		return "type operator"
	}
	return "invalid"
}

// Builtin is one entry of the table.
type Builtin struct {
	// Name as written in scripts. Numbered families (arg0, arg1, ...) are
	// one entry named with an "N" suffix ("argN") and Numbered set.
	Name string
	Kind Kind
	// Numbered marks a family of names Name without its "N" followed by a
	// decimal number (arg0 ... arg255).
	Numbered bool
	// Variants has one Signature per overload, in the order overload
	// resolution tries them. A variable has a Bare variant.
	Variants []Signature
	// Providers are the canonical probe provider names where the builtin
	// may be used; nil means everywhere.
	Providers []string
	// FoldOutside, when set, gives the constant the builtin is in a probe
	// of a provider outside Providers, which is then not an error: the
	// probe's context cannot say, and bpftrace folds it so.
	FoldOutside func(provider string) int64
	// ProbeOnly: only inside a probe's body (not in a fn), because the
	// value depends on the probe.
	ProbeOnly bool
	// NotInFor: rejected inside the body of a for loop (loop bodies are
	// compiled as callbacks without the probe's context).
	NotInFor bool
	// Unsafe: needs bpftrace's --unsafe flag.
	Unsafe bool
	// Async: the effect or the value is produced later in user space.
	Async bool
	// CompileTime: evaluated when the script is compiled; the program
	// carries a constant.
	CompileTime bool
	// Deprecated is the replacement spelling when this is an old name.
	Deprecated string
	// Removed is the first bpftrace release that rejects the name ("" when
	// bpftrace still accepts it).
	Removed string
	// Unstable is the config key that gates this unstable feature.
	Unstable string
	// Kernel is the minimum kernel version, when bpftrace documents one.
	Kernel string
	// Arch is the only CPU architecture that supports it ("" for all).
	Arch string
	// Helper names the BPF helper or kfunc the builtin relies on.
	Helper string
	// Doc is Markdown in our own words.
	Doc string
	// Example is an optional one-line script fragment.
	Example string
}

// Signature is one overload.
type Signature struct {
	// Name is the builtin's name; the table fills it in.
	Name   string
	Params []Param
	Result TypeSpec
	// Bare marks the form written without parentheses (`pid`).
	Bare bool
	// Deprecated holds the preferred spelling when this form is deprecated
	// (e.g. delete(@m[k])).
	Deprecated string
	// Doc is an optional note specific to this overload.
	Doc string
}

// Param is one parameter of a signature.
type Param struct {
	Name     string
	Type     TypeSpec
	Optional bool
	Variadic bool // any number (zero or more) of trailing arguments
	// Choices are the accepted identifiers (for an Ident parameter) or
	// string literal values (for a StringLit parameter).
	Choices []string
	// Range bounds an integer literal parameter.
	Range *Range
	// Default is the value used when an optional parameter is omitted, as
	// a script fragment for documentation.
	Default string
}

// Range is an inclusive integer range.
type Range struct{ Min, Max int64 }

// MaxArgs is the most arguments a variadic builtin accepts (bpftrace's
// limit for printf and friends).
const MaxArgs = 128

// ---------------------------------------------------------------------
// Lookup

var (
	table  []*Builtin
	byName map[string]*Builtin
)

func init() {
	table = make([]*Builtin, len(entries))
	byName = make(map[string]*Builtin, len(entries))
	for i := range entries {
		b := &entries[i]
		for j := range b.Variants {
			b.Variants[j].Name = b.Name
		}
		if _, dup := byName[b.Name]; dup {
			panic("builtins: duplicate entry " + b.Name)
		}
		byName[b.Name] = b
		table[i] = b
	}
	sort.Slice(table, func(i, j int) bool { return table[i].Name < table[j].Name })
}

// Lookup finds a builtin by the name used in a script; numbered names
// such as arg3 find their family ("argN").
func Lookup(name string) (*Builtin, bool) {
	if b, ok := byName[name]; ok {
		return b, true
	}
	if rest, ok := strings.CutPrefix(name, Prefix); ok && rest != "" && !strings.HasPrefix(rest, Prefix) {
		// __builtin_NAME is the builtin NAME, also where a macro of the
		// standard library (or the script) named NAME hides it.
		return Lookup(rest)
	}
	for _, b := range table {
		if b.Numbered && numberedMatch(b, name) {
			return b, true
		}
	}
	return nil, false
}

// Prefix names a builtin past any macro of the same name:
// __builtin_comm is the builtin comm.
const Prefix = "__builtin_"

// numberedMatch reports whether name is prefix+N for the family b: a
// decimal number without leading zeros (bpftrace allows arg0..arg255).
func numberedMatch(b *Builtin, name string) bool {
	prefix := strings.TrimSuffix(b.Name, "N")
	digits, ok := strings.CutPrefix(name, prefix)
	if !ok || digits == "" || len(digits) > 3 || (len(digits) > 1 && digits[0] == '0') {
		return false
	}
	n, err := strconv.Atoi(digits)
	return err == nil && n >= 0 && n < 256
}

// All returns every builtin sorted by name.
func All() []*Builtin { return append([]*Builtin(nil), table...) }

// Variables returns the builtins usable as a bare identifier (they have a
// Bare variant), sorted by name.
func Variables() []*Builtin {
	var out []*Builtin
	for _, b := range table {
		if b.HasBare() {
			out = append(out, b)
		}
	}
	return out
}

// Functions returns the builtins that can be called with parentheses
// (functions, map functions, aggregations, type operators and the
// variables with a call form), sorted by name.
func Functions() []*Builtin {
	var out []*Builtin
	for _, b := range table {
		if b.Callable() {
			out = append(out, b)
		}
	}
	return out
}

// HasBare reports whether b can be written without parentheses.
func (b *Builtin) HasBare() bool {
	for _, s := range b.Variants {
		if s.Bare {
			return true
		}
	}
	return false
}

// Callable reports whether b can be written with parentheses.
func (b *Builtin) Callable() bool {
	for _, s := range b.Variants {
		if !s.Bare {
			return true
		}
	}
	return false
}

// AllowedIn reports whether b may be used in a probe of the canonical
// provider ("kprobe", "begin", ...). The empty provider means outside any
// probe (a fn body), where probe-dependent builtins are rejected.
func (b *Builtin) AllowedIn(provider string) bool {
	if provider == "" {
		return !b.ProbeOnly && b.Providers == nil
	}
	if b.Providers == nil {
		return true
	}
	for _, p := range b.Providers {
		if p == provider {
			return true
		}
	}
	return false
}

// ArgCount returns the fewest and most arguments any call form accepts
// (max is MaxArgs for variadic forms); ok is false when b has no call
// form.
func (b *Builtin) ArgCount() (min, max int, ok bool) {
	min = -1
	for _, s := range b.Variants {
		if s.Bare {
			continue
		}
		lo, hi := s.ArgCount()
		if min < 0 || lo < min {
			min = lo
		}
		if hi > max {
			max = hi
		}
	}
	if min < 0 {
		return 0, 0, false
	}
	return min, max, true
}

// ArgCount returns the fewest and most arguments s accepts.
func (s Signature) ArgCount() (min, max int) {
	for _, p := range s.Params {
		switch {
		case p.Variadic:
			return min, MaxArgs
		case !p.Optional:
			min++
		}
		max++
	}
	return min, max
}

// ---------------------------------------------------------------------
// Rendering

// String renders the signature in bpftrace's reference notation, e.g.
// `uint64 bswap(uint64 n)`, `uint32 pid`, `void exit([int code])`,
// `void printf(const string fmt, args...)`.
func (s Signature) String() string {
	var sb strings.Builder
	if r := s.Result.String(); r != "" {
		sb.WriteString(r)
		sb.WriteByte(' ')
	}
	sb.WriteString(s.Name)
	if s.Bare {
		return sb.String()
	}
	sb.WriteByte('(')
	for i, p := range s.Params {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(p.String())
	}
	sb.WriteByte(')')
	return sb.String()
}

// String renders a parameter: `uint64 n`, `[int code]`, `args...`,
// `char addr[4]`. A variadic parameter accepts zero or more arguments.
func (p Param) String() string {
	var s string
	t := p.Type.String()
	switch {
	case p.Type.Pattern == ByteArray && p.Type.Display == "":
		s = fmt.Sprintf("char %s[%d]", p.Name, p.Type.Len)
	case p.Variadic && p.Type.Pattern == Any:
		s = p.Name + "..."
	case p.Variadic:
		s = t + " " + p.Name + "..."
	case p.Name == "":
		s = t
	case t == "":
		s = p.Name
	default:
		s = t + " " + p.Name
	}
	if p.Default != "" {
		s += " = " + p.Default
	}
	if p.Optional {
		s = "[" + s + "]"
	}
	return s
}
