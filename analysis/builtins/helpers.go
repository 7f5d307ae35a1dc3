package builtins

import "github.com/bt-tools/bt/analysis/types"

// Constructors that keep the table declarative and short.

func conc(t types.Type) TypeSpec                { return TypeSpec{Type: t} }
func shown(t TypeSpec, display string) TypeSpec { t.Display = display; return t }
func pat(p Pattern) TypeSpec                    { return TypeSpec{Pattern: p} }
func patArg(p Pattern, arg int) TypeSpec        { return TypeSpec{Pattern: p, Arg: arg} }
func structPtr(name string) TypeSpec            { return TypeSpec{Pattern: StructPtr, Name: name} }
func byteArray(n int) TypeSpec                  { return TypeSpec{Pattern: ByteArray, Len: n} }

func param(name string, t TypeSpec) Param { return Param{Name: name, Type: t} }
func opt(name string, t TypeSpec) Param   { return Param{Name: name, Type: t, Optional: true} }
func rest(name string, t TypeSpec) Param  { return Param{Name: name, Type: t, Variadic: true} }

func choices(p Param, cs ...string) Param { p.Choices = cs; return p }
func ranged(p Param, lo, hi int64) Param  { p.Range = &Range{lo, hi}; return p }
func dflt(p Param, d string) Param        { p.Default = d; return p }

func call(result TypeSpec, params ...Param) Signature {
	return Signature{Result: result, Params: params}
}

func bare(result TypeSpec) Signature { return Signature{Result: result, Bare: true} }

// Specs used throughout the table.
var (
	tVoid   = conc(types.Void{})
	tBool   = conc(types.Bool{})
	tU8     = conc(types.Uint8)
	tU16    = conc(types.Uint16)
	tU32    = conc(types.Uint32)
	tU64    = conc(types.Uint64)
	tI32    = conc(types.Int32)
	tI64    = conc(types.Int64)
	tInt    = pat(AnyInt)
	tAny    = pat(Any)
	tStrLit = pat(StringLit)
	tFmt    = pat(FormatString)
	tMap    = pat(Map)

	tComm      = conc(&types.String{Len: 16})
	tStr64     = conc(&types.String{Len: 64})
	tPidT      = conc(&types.Typedef{Name: "pid_t", Type: types.Int32})
	tTask      = TypeSpec{Pattern: StructPtr, Name: "task_struct"}
	tKsym      = shown(conc(&types.Opaque{Kind: types.Ksym, Bytes: 8}), "ksym_t")
	tUsym      = shown(conc(&types.Opaque{Kind: types.Usym, Bytes: 16}), "usym_t")
	tUsername  = shown(conc(&types.Opaque{Kind: types.Username, Bytes: 8}), "username_t")
	tInet      = conc(&types.Opaque{Kind: types.Inet, Bytes: 24})
	tMac       = shown(conc(&types.Opaque{Kind: types.MacAddr, Bytes: 6}), "macaddr_t")
	tTimestamp = conc(&types.Opaque{Kind: types.Timestamp, Bytes: 16})
	tCgroup    = shown(conc(&types.Opaque{Kind: types.CgroupPath, Bytes: 16}), "cgroup_path_t")

	stackModes     = []string{"bpftrace", "perf", "raw", "build_id"}
	timestampModes = []string{"monotonic", "boot", "tai", "sw_tai"}
	pidNamespaces  = []string{"curr_ns", "init"}
)

func agg(k types.AggKind) TypeSpec { return conc(&types.Aggregation{Kind: k}) }

// stackVariants are the call forms shared by kstack, ustack and
// dw_ustack: an optional stack mode, then an optional frame limit.
func stackVariants(result TypeSpec, modes []string) []Signature {
	return []Signature{
		bare(result),
		call(result,
			choices(opt("mode", shown(pat(Ident), "StackMode")), modes...),
			ranged(opt("limit", shown(pat(IntLit), "int")), 0, 1024)),
	}
}

// Canonical provider groups.
var (
	kprobeLike  = []string{"kprobe", "kretprobe", "uprobe", "uretprobe", "usdt"}
	perfEvents  = []string{"profile", "interval", "software", "hardware", "watchpoint"}
	tracingProg = []string{"fentry", "fexit", "iter", "rawtracepoint"} // BPF_PROG_TYPE_TRACING
	userProbes  = []string{"uprobe", "uretprobe", "usdt"}
)

func join(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}
