// Package btfindex answers what the kernel offers a bpftrace script: its
// types, functions, kfuncs and probes (tracepoints, raw tracepoints,
// kprobes, fentry, iterators, uprobes, USDT), read from BTF, tracefs,
// kallsyms and ELF files (with their DWARF), indexed for fast prefix
// lookup and cached on disk per BTF identity. Its subpackage cheader
// writes the kernel's types as a C header (vmlinux.h) for imported BPF C
// code (VmlinuxHeaderFile keeps one per BTF identity); kernelcheck answers
// the type checker's questions (analysis/check's Kernel) from an Index.
//
// # Opening
//
// Open(Options{}) reads the running kernel: /sys/kernel/btf/vmlinux and
// the modules' split BTF beside it, /proc/kallsyms, and tracefs
// (/sys/kernel/tracing, mounted when missing and we are root). Options
// point it elsewhere: a BTF or vmlinux ELF file, another tracefs root, no
// cache. Open scans the raw BTF into sorted name tables (functions and
// named types) without decoding it, and caches the tables under
// $XDG_CACHE_HOME/bt keyed by the BTF's identity (the kernel's build ID, or
// a hash of a BTF file), so later opens take milliseconds. Types are
// decoded with cilium/ebpf's btf package only when a query needs one.
//
// Without BTF, Open still succeeds: BTFError returns a *NoBTFError
// (errors.Is(err, ErrNoBTF)), the queries that need BTF return it, and
// tracefs, ELF and the builtin provider tables keep working.
//
// # Queries
//
//   - Types: Type by C name ("struct task_struct", "pid_t", "char *"),
//     TypeNames by prefix, Members/Field/Fields with bit offsets and
//     bitfields, Resolve through typedefs and qualifiers, EnumValue, and
//     CDecl to print a declaration as C (and bpftrace -lv) does.
//   - Functions: Func, Funcs and FuncNames by prefix (binary search),
//     Kfuncs (the bpf_kfunc decl tag, which cilium/ebpf exposes as
//     btf.Func.Tags), Signature for the prototype.
//   - Tracepoints: Tracepoints, LookupTracepoint and TracepointFormat, from
//     live tracefs, from a catalogue an earlier root run cached for the same
//     kernel (CacheTracepoints), or from BTF alone (btf_trace_* typedefs and
//     trace_event_raw_* structs; categories guessed). TracepointSource says
//     which, and every answer carries a Source.
//   - Probes: List takes a bpftrace -l pattern and returns Probe values
//     spelled as bpftrace prints them; ProbeArgs gives what -lv prints;
//     SuggestProbe and the Suggestions of a *NotFoundError say "did you
//     mean". Providers is the one table of probe providers, aliases and
//     fixed targets (software and hardware events, time units).
//   - ELF: ELFFunctions and USDTProbes read uprobe and USDT targets.
//   - DWARF: OpenDebugInfo reads a user-space binary's debug information
//     with debug/dwarf (from the binary, its separate debug file, or split
//     .dwo files and .dwp packages; SetDebugInfoDirs is bpftrace's
//     --debuginfo): FuncParams for uprobe args, Type by C name,
//     LineAddresses for FILE:LINE probes, CTypeName as -lv spells types.
//
// An Index is safe for concurrent use.
package btfindex
