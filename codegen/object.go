package codegen

import (
	"github.com/cilium/ebpf"

	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// Object is a compiled program: the BPF collection to load and the one
// description of everything the runtime decodes — map layouts, output
// events, probe names. The runtime never computes a layout of its own;
// value layouts are those of analysis/types (Size, Align, Tuple.Offsets,
// Record.Offsets), which the compiler also follows.
type Object struct {
	// Spec holds every program and map. Map names in it are the
	// MapLayout.SpecName values, program names the Prog.SpecName values.
	Spec *ebpf.CollectionSpec
	// Progs are the programs to attach, in the order of the script's
	// probes (begin programs first is not implied: see Prog.Provider).
	Progs []*Prog
	// Maps describes every script map, in check.Program.Maps order.
	Maps []*MapLayout
	// Events describes every record a program writes to the ring
	// buffer; a record starts with its event's ID as a little-endian
	// uint64, then the payload laid out by Event.Args.
	Events []*Event
	// RingBuf is the name of the output ring buffer in Spec.Maps.
	RingBuf string
	// Lost is the name of a per-CPU array map with one uint64 element
	// counting records that did not fit in the ring buffer; the runtime
	// sums it and reports lost events.
	Lost string
	// ProbeNames are the full probe names the `probe` builtin yields,
	// indexed by the value programs store for it (the attach cookie,
	// Target.Cookie). They are the targets' names, except that an
	// aliased software/hardware event keeps the name as written
	// (software:cpu:1000, attached as software:cpu-clock:1000).
	ProbeNames []string
	// Strings are constant strings programs refer to by index in event
	// payloads (for example the func builtin on uprobes), when a value is
	// better kept on the user side than copied into every record.
	Strings []string
	// StackMaps names the stack trace maps in Spec.Maps, kernel and user,
	// "" when the program takes no such stack.
	KernelStacks, UserStacks string
	// UserBuildIDStacks names the stack trace map of ustack(build_id)
	// (BPF_F_STACK_BUILD_ID: per frame, a bpf_stack_build_id of 32
	// bytes), "" when no program takes one.
	UserBuildIDStacks string
	// State is the name of a one-element array map: the exit flag
	// (uint64 at 0; programs write no records once it is set) and the
	// start time for `elapsed` (uint64 at 8, bpf_ktime_get_boot_ns). The
	// runtime writes the start time before running begin programs (a
	// program that finds it zero sets it).
	State string
	// Program is the checked program this object was compiled from.
	Program *check.Program
}

// Values whose meaning the runtime resolves are laid out as follows
// (sizes are their types' Size):
//   - kstack: stack id in KernelStacks, an int32 (negative: not
//     captured) in the low half of a uint64; ustack: int64 stack id in
//     UserStacks (UserBuildIDStacks in build_id mode), then the pid in
//     the low half of a uint64. The upper halves hold the stack's depth
//     when the program takes len() of a stored stack (for the runtime:
//     ignore them).
//   - ksym, and func in kprobes: the uint64 address; usym (and func in
//     uprobes): uint64 address, then the uint64 pid.
//   - inet (ntop): uint64 address family, then 16 bytes of address.
//   - timestamp (strftime): uint64 index of the format in Strings, then
//     the boot-clock nanoseconds.
//   - cgroup_path: uint64 cgroup id, then uint64 (index in Strings of the
//     filter) + 1, 0 without one.
//   - exit(): an EvExit record whose Args is the code's type, or nil
//     without a code. assert(): an EvErrorf record "assert failed: %s"
//     with the message, then an EvExit record with code 1.

// Program types, by provider. Programs for begin and end (and other
// providers that run once from user space) are raw tracepoint programs
// that the runtime runs with BPF_PROG_TEST_RUN, begin before anything is
// attached and end after everything is detached. tracepoint: TracePoint
// (the context is the tracepoint's record, args at check.ProbeArg.Offset);
// rawtracepoint: RawTracepoint (argN is the Nth uint64 of the context);
// kprobe/kretprobe/uprobe/uretprobe/usdt: Kprobe (struct pt_regs);
// profile/interval/software/hardware/watchpoint: PerfEvent; fentry/fexit,
// iter and tp_btf: Tracing. A program with more than one target reads its
// probe index with bpf_get_attach_cookie; one with a single target uses
// the constant.

// Prog is one BPF program and the attach points it serves. One program
// may serve many attach points (every match of a wildcard whose context
// is the same); it tells them apart by the attach cookie.
type Prog struct {
	SpecName string           // key in Object.Spec.Programs
	Probe    *check.ProbeInfo // the action block it was compiled from
	Provider string           // canonical provider name (analysis/probes)
	Targets  []Target
}

// Target is one concrete attach point of a program.
type Target struct {
	// Name is the full probe name, e.g. "tracepoint:sched:sched_switch",
	// "profile:hz:99", "uprobe:/bin/bash:readline": the checker's
	// expanded target, parsed again by analysis/probes when attaching.
	Name string
	// Cookie is the value bpf_get_attach_cookie returns in the program:
	// the index of Name in Object.ProbeNames.
	Cookie uint64
}

// MapLayout is one script map as created in the kernel.
type MapLayout struct {
	Name     string // as the script names it, with '@'
	SpecName string // name in Object.Spec.Maps
	// Key is the key type as the script sees it; nil for a scalar map,
	// whose BPF key is a uint64 zero.
	Key types.Type
	// Value is the value type: a *types.Aggregation for count(), hist()
	// and the rest, otherwise a plain value type.
	Value types.Type
	// Bucketed is set for hist, lhist and tseries maps: their BPF key is
	// Key's bytes (none for a scalar map) followed by a uint64 bucket
	// index, aligned to 8, and the value one uint64 per CPU.
	Bucketed bool
	// PerCPU is set when the BPF map holds one value per CPU that the
	// runtime combines (aggregations; integers summed for a per-CPU map
	// the imported C defines).
	PerCPU bool
	// KeySize and ValueSize are the sizes in the BPF map. A scalar map
	// the checker made an array (Info.Kind "array"/"percpuarray") has a
	// uint32 key 0 (KeySize 4); other scalar maps a uint64 key 0.
	KeySize, ValueSize int
	// TseriesAgg is the combining function of a tseries map: "avg",
	// "max", "min", "sum", or "" (the last value). A tseries value is
	// 24 bytes per CPU, not 8: int64 value, uint64 meta (avg: count;
	// min/max: set flag; "": boot-clock time of the last update) and
	// uint64 epoch (boot-clock ns / interval) the bucket holds; the
	// bucket index in the key is epoch % num_intervals.
	TseriesAgg string
	Info       *check.MapInfo
}

// EventKind is what a ring buffer record asks the runtime to do.
type EventKind uint8

const (
	EvPrintf       EventKind = iota + 1 // printf(Format, Args...)
	EvErrorf                            // errorf(...): printf to standard error, "ERROR: " prefix
	EvWarnf                             // warnf(...)
	EvPrintValue                        // print(value): one value, Args has one element
	EvPrintMap                          // print(@m [, top, div])
	EvClear                             // clear(@m)
	EvZero                              // zero(@m)
	EvTime                              // time(Format)
	EvJoin                              // join(array [, sep])
	EvCat                               // cat(Format, Args...)
	EvSystem                            // system(Format, Args...) (unsafe)
	EvExit                              // exit([code])
	EvPrintNonMap                       // print of a non-map value with a name
	EvRuntimeError                      // a runtime check failed (Format says what)
)

// Event describes one kind of ring buffer record.
type Event struct {
	ID   int
	Kind EventKind
	// Format is the printf/time/cat/system format, or join's separator.
	Format string
	// Args is the payload's layout (nil: none). Element i is the i-th
	// argument after the format; offsets are Args.Offsets().
	Args *types.Tuple
	// Map is the map print/clear/zero act on.
	Map *MapLayout
	// File and Pos locate the call that produces the record, for
	// messages; End, when valid, is where the located code ends (else
	// the runtime finds the end of the call or expression at Pos).
	File *source.File
	Pos  source.Pos
	End  source.Pos
	// Helper names the BPF helper whose failure an EvRuntimeError
	// reports ("map_update_elem", "probe_read_user", ...; bpftrace's
	// helper_error); its Args is then the helper's return code (int32).
	Helper string
	// Expanded are the macro calls the producing call was expanded
	// from, innermost first: errorf/warnf name them ("expanded from").
	Expanded []Site
}

// Site is a range of a source file.
type Site struct {
	File *source.File
	Span source.Span
}

// Options are the compile-time settings that do not come from the script:
// the command line and environment (which take precedence over a
// script's config block, check.Program.Config, as in bpftrace).
type Options struct {
	// Config holds config values from the command line or environment
	// (BPFTRACE_MAX_STRLEN and the like), by canonical lower-case key.
	Config map[string]any
	// Unsafe allows the functions bpftrace gates behind --unsafe.
	Unsafe bool
	// Warnings is which failing helpers the programs report at run time
	// (helperReported in helpererr.go).
	Warnings WarningLevel
	// Named are the named parameters (`-- --name=value`) getopt()
	// reads, by name; a flag given without a value is "".
	Named map[string]string
	// ChildPID is the pid of the command bt runs (-c), for cpid and
	// has_cpid; 0 when there is none.
	ChildPID int
	// Params are the positional parameters ($1 is Params[0]); they are
	// compiled in as constants, as bpftrace does.
	Params []string
	// PID is the process of -p: usdt probes without a path (or '*')
	// read their argument specs from the files it maps.
	PID int
	// C is the C the program imports (ccall.go).
	C COptions
	// TseriesClockMap names a scalar map of an unsigned integer that
	// tseries() reads as the current time (nanoseconds) instead of the
	// TAI clock: bpftrace's BPFTRACE_DUMMY_TS_MAP, which its tests use
	// to place values in chosen intervals. "" for the clock.
	TseriesClockMap string
}
