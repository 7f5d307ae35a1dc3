package builtins

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bt-tools/bt/analysis/types"
)

// ConfigType is the kind of value a config key takes.
type ConfigType uint8

const (
	ConfigInt    ConfigType = iota + 1 // a non-negative integer
	ConfigBool                         // true/false, 1/0, on/off, yes/no
	ConfigString                       // any text
	ConfigEnum                         // one of Values
)

func (t ConfigType) String() string {
	switch t {
	case ConfigInt:
		return "int"
	case ConfigBool:
		return "bool"
	case ConfigString:
		return "string"
	case ConfigEnum:
		return "enum"
	}
	return "invalid"
}

// ConfigKey is one configuration variable, set in a script's
// `config = { key = value; }` block or with the environment variable
// Env.
type ConfigKey struct {
	Name string // lower case, without the BPFTRACE_ prefix
	Type ConfigType
	// Values are the accepted values of an enum.
	Values []string
	// FoldCase: enum values match without regard to case.
	FoldCase bool
	// Bools: an enum that also takes the bool spellings (the unstable
	// feature flags: true means enable, false means error).
	Bools   bool
	Default string // as text; a sentence when it depends on the system
	Env     string // BPFTRACE_NAME
	Doc     string
	// RenamedTo is the current name of an old key; bpftrace accepts the
	// old name with a warning.
	RenamedTo string
	// NoEffect marks an obsolete key that bpftrace accepts, with a
	// warning, and ignores.
	NoEffect bool
	// EnvOnly marks a key that can only be set in the environment; a
	// config block rejects it.
	EnvOnly bool
}

func key(name string, t ConfigType, def, doc string) ConfigKey {
	return ConfigKey{Name: name, Type: t, Default: def, Env: "BPFTRACE_" + strings.ToUpper(name), Doc: doc}
}

func enumKey(name string, values []string, def, doc string) ConfigKey {
	k := key(name, ConfigEnum, def, doc)
	k.Values = values
	return k
}

func unstableKey(name, def, feature string) ConfigKey {
	k := enumKey(name, []string{"enable", "warn", "error"}, def,
		"Gates the unstable "+feature+": `enable` allows it silently, `warn` allows it with a warning, `error` rejects it.")
	k.FoldCase, k.Bools = true, true
	return k
}

// ConfigKeys is every config key bpftrace knows, including renamed,
// obsolete and environment-only ones (see the flags).
var ConfigKeys = []ConfigKey{
	func() ConfigKey {
		k := enumKey("cache_user_symbols", []string{"PER_PID", "PER_PROGRAM", "NONE"},
			"PER_PROGRAM when ASLR is off or -c is used, PER_PID otherwise",
			"How user-space symbols are cached: one cache per process (`PER_PID`, right with "+
				"ASLR, more memory; the processes running a probed executable are read at attach), "+
				"one per program (`PER_PROGRAM`; a probed executable's symbols are read at attach), "+
				"or none (`NONE`, slowest; nothing is recorded of processes that exit before printing).")
		k.FoldCase = true
		return k
	}(),
	key("cpp_demangle", ConfigBool, "true", "Demangle C++ names in user-space stack traces and symbols."),
	key("lazy_symbolication", ConfigBool, "true",
		"Resolve user-space symbols when they are needed instead of loading all of them up front."),
	// In the order bpftrace v0.26 lists them when it rejects a value.
	enumKey("license", []string{"Dual MIT/GPL", "Dual BSD/GPL", "Dual MPL/GPL",
		"GPL and additional rights", "GPL v2", "GPL"}, "GPL",
		"The license declared to the kernel for the BPF programs; it must be GPL compatible."),
	key("log_size", ConfigInt, "1000000", "Size in bytes of the buffer for the kernel verifier's log."),
	key("max_bpf_progs", ConfigInt, "1024",
		"The most BPF programs bpftrace may generate, a guard against scripts that expand to huge numbers of probes."),
	key("max_cat_bytes", ConfigInt, "10240", "The most bytes `cat()` prints from a file."),
	key("max_map_keys", ConfigInt, "4096",
		"The number of entries of maps that are not declared with an explicit size."),
	key("max_probes", ConfigInt, "1024", "The most probes bpftrace attaches to; more costs memory and start-up time."),
	key("max_strlen", ConfigInt, "1024",
		"The size of strings and buffers read without an explicit length (`str()`, `buf()`, `path()`)."),
	func() ConfigKey {
		k := enumKey("missing_probes", []string{"ignore", "warn", "error"}, "error",
			"What to do when a probe cannot be attached because its target is missing: fail, warn, or go on silently.")
		k.FoldCase = true
		return k
	}(),
	key("on_stack_limit", ConfigInt, "32",
		"Objects larger than this many bytes are kept in preallocated memory instead of on the 512-byte BPF stack."),
	key("perf_rb_pages", ConfigInt, "0 (chosen from the available memory: 64 to 4096 pages)",
		"Pages per ring buffer and perf buffer; raise it when events are dropped."),
	key("print_maps_on_exit", ConfigBool, "true", "Print every map when bpftrace exits."),
	key("show_debug_info", ConfigBool, "true when built with blazesym",
		"Add source file, line and inlining information to symbolized stack frames."),
	enumKey("stack_mode", []string{"bpftrace", "raw", "perf", "build_id"}, "bpftrace",
		"How kstack and ustack print: `bpftrace` (symbol+offset), `perf` (address, symbol+offset), "+
			"`raw` (addresses only), `build_id` (build ID and file offset; ustack only)."),
	key("str_trunc_trailer", ConfigString, "..", "Appended to strings that were cut short; empty to disable."),
	key("use_blazesym", ConfigBool, "true when built with blazesym", "Symbolize with the blazesym library."),
	unstableKey("unstable_dw_ustack", "warn", "`dw_ustack()` DWARF unwinder"),
	unstableKey("unstable_import_statement", "error", "`import` statement inside blocks"),
	unstableKey("unstable_tseries", "warn", "`tseries()` aggregation"),
	unstableKey("unstable_typeinfo", "error", "`typeinfo()` operator"),

	// Renamed keys: bpftrace warns and uses the new name.
	{Name: "strlen", Type: ConfigInt, Env: "BPFTRACE_STRLEN", RenamedTo: "max_strlen", Doc: "Old name of `max_strlen`."},
	{Name: "no_cpp_demangle", Type: ConfigBool, Env: "BPFTRACE_NO_CPP_DEMANGLE", RenamedTo: "cpp_demangle",
		Doc: "Old name of `cpp_demangle`; bpftrace passes the value on unchanged, so its meaning is inverted."},
	{Name: "cat_bytes_max", Type: ConfigInt, Env: "BPFTRACE_CAT_BYTES_MAX", RenamedTo: "max_cat_bytes", Doc: "Old name of `max_cat_bytes`."},
	{Name: "map_keys_max", Type: ConfigInt, Env: "BPFTRACE_MAP_KEYS_MAX", RenamedTo: "max_map_keys", Doc: "Old name of `max_map_keys`."},

	// Obsolete keys: accepted with a warning, no effect.
	{Name: "symbol_source", Type: ConfigString, Env: "BPFTRACE_SYMBOL_SOURCE", NoEffect: true, Doc: "Removed in v0.24; no effect."},
	{Name: "max_type_res_iterations", Type: ConfigInt, Env: "BPFTRACE_MAX_TYPE_RES_ITERATIONS", NoEffect: true, Doc: "No longer used; no effect."},
	{Name: "unstable_addr", Type: ConfigEnum, Env: "BPFTRACE_UNSTABLE_ADDR", NoEffect: true, Doc: "The address-of operator is stable; no effect."},
	{Name: "unstable_import", Type: ConfigEnum, Env: "BPFTRACE_UNSTABLE_IMPORT", NoEffect: true, Doc: "Top-level imports are stable; no effect."},
	{Name: "unstable_macro", Type: ConfigEnum, Env: "BPFTRACE_UNSTABLE_MACRO", NoEffect: true, Doc: "Macros are stable; no effect."},
	{Name: "unstable_map_decl", Type: ConfigEnum, Env: "BPFTRACE_UNSTABLE_MAP_DECL", NoEffect: true, Doc: "Map declarations are stable; no effect."},

	// Environment only.
	{Name: "btf", Type: ConfigString, Env: "BPFTRACE_BTF", EnvOnly: true, Doc: "A BTF file to use instead of the running kernel's."},
	{Name: "kernel_build", Type: ConfigString, Env: "BPFTRACE_KERNEL_BUILD", EnvOnly: true, Doc: "The kernel build directory, for headers."},
	{Name: "kernel_source", Type: ConfigString, Env: "BPFTRACE_KERNEL_SOURCE", EnvOnly: true, Doc: "The kernel source directory, for headers."},
	{Name: "vmlinux", Type: ConfigString, Env: "BPFTRACE_VMLINUX", EnvOnly: true, Doc: "A vmlinux image to read kernel symbols and types from."},
}

// LookupConfig finds a config key the way bpftrace does: case does not
// matter and a leading BPFTRACE_ is ignored, so `stack_mode`,
// `STACK_MODE` and `BPFTRACE_STACK_MODE` are the same key. Renamed,
// obsolete and environment-only keys are found too; check their flags.
func LookupConfig(name string) (*ConfigKey, bool) {
	n := strings.ToLower(name)
	n = strings.TrimPrefix(n, "bpftrace_")
	for i := range ConfigKeys {
		if ConfigKeys[i].Name == n {
			return &ConfigKeys[i], true
		}
	}
	return nil, false
}

// Current returns the key that k names today (k itself unless renamed).
func (k *ConfigKey) Current() *ConfigKey {
	if k.RenamedTo == "" {
		return k
	}
	c, _ := LookupConfig(k.RenamedTo)
	return c
}

// BoolText reads a boolean config value written as text, as bpftrace
// accepts it: 1/true/on/yes and 0/false/off/no, in any case.
func BoolText(s string) (v, ok bool) {
	switch strings.ToLower(s) {
	case "1", "true", "on", "yes":
		return true, true
	case "0", "false", "off", "no":
		return false, true
	}
	return false, false
}

// BoolValue is a boolean config value held as a bool, a number
// (non-zero is true) or text (BoolText); ok is false for anything else.
func BoolValue(v any) (b, ok bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case int64:
		return x != 0, true
	case int:
		return x != 0, true
	case uint64:
		return x != 0, true
	case string:
		return BoolText(x)
	}
	return false, false
}

// licenseHelp ends bpftrace's message for a license it does not accept.
const licenseHelp = "Read more about BPF programs and licensing: https://docs.kernel.org/bpf/bpf_licensing.html#using-bpf-programs-in-the-linux-kernel"

// CheckString reports whether the text s (a string literal or an
// identifier in a config block, or an environment value) is a valid
// value for k, following bpftrace's parsers. The error is worded as
// bpftrace v0.26 words it, the key's name first ("max_strlen: expecting
// a number, got x").
func (k *ConfigKey) CheckString(s string) error {
	c := k.Current()
	if c.NoEffect {
		return nil
	}
	switch c.Type {
	case ConfigInt:
		if _, err := strconv.ParseUint(s, 0, 64); err != nil {
			return fmt.Errorf("%s: expecting a number, got %s", c.Name, s)
		}
	case ConfigBool:
		if _, ok := BoolText(s); !ok {
			return fmt.Errorf("%s expects true, false, 1 or 0, got %q", c.Name, s)
		}
	case ConfigEnum:
		if c.Name == "cache_user_symbols" && (s == "0" || s == "1") {
			return nil
		}
		if c.Bools {
			if _, ok := BoolText(s); ok {
				return nil
			}
		}
		for _, v := range c.Values {
			if v == s || (c.FoldCase && strings.EqualFold(v, s)) {
				return nil
			}
		}
		return c.invalidValue(s)
	}
	return nil
}

// CheckInt reports whether the integer (or bool, as 1 or 0) value v is
// valid for k.
func (k *ConfigKey) CheckInt(v uint64) error {
	c := k.Current()
	if c.NoEffect {
		return nil
	}
	if c.Type == ConfigEnum && !c.Bools && c.Name != "cache_user_symbols" {
		return c.invalidValue(strconv.FormatUint(v, 10))
	}
	return nil
}

// invalidValue is the error for s, not one of enum key c's values.
func (c *ConfigKey) invalidValue(s string) error {
	if c.Name == "license" {
		return fmt.Errorf("Invalid value for license. Found: %s. Valid values: %s. %s", s, strings.Join(c.Values, ", "), licenseHelp)
	}
	list := strings.Join(c.Values, ", ")
	if n := len(c.Values); n > 1 {
		list = strings.Join(c.Values[:n-1], ", ") + ", and " + c.Values[n-1]
	}
	return fmt.Errorf("%s: Invalid value for %s: valid values are %s.", c.Name, c.Name, list)
}

// ConfigRecordFields lists the fields of the record the `config` builtin
// returns, in order, with their types (strings are sized by their value,
// shown here as string[0]).
func ConfigRecordFields() (names []string, elems []types.Type) {
	add := func(n string, t types.Type) { names, elems = append(names, n), append(elems, t) }
	for _, n := range []string{"cpp_demangle", "lazy_symbolication", "print_maps_on_exit", "use_blazesym", "show_debug_info"} {
		add(n, types.Bool{})
	}
	for _, n := range []string{"log_size", "max_bpf_progs", "max_cat_bytes", "max_map_keys", "max_probes",
		"max_strlen", "on_stack_limit", "perf_rb_pages"} {
		add(n, types.Uint64)
	}
	for _, n := range []string{"str_trunc_trailer", "unstable_import_statement", "unstable_tseries",
		"unstable_typeinfo", "unstable_dw_ustack", "missing_probes", "stack_mode", "license"} {
		add(n, &types.String{})
	}
	return names, elems
}
