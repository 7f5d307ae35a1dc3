// Package btfindex answers what the kernel offers a bpftrace script: its
// types, functions, kfuncs and probes (tracepoints, raw tracepoints,
// kprobes, fentry, uprobes, USDT), read from BTF, tracefs, kallsyms and
// ELF files, indexed for fast prefix lookup and cached on disk per BTF
// identity. It also writes the kernel's types as a C header (vmlinux.h)
// for imported BPF C code.
package btfindex
