// Package stdlib holds bt's standard library: macros and functions
// written in bpftrace (.bt) and BPF C (.bpf.c), embedded in the binary so
// the checker and the language server read the same definitions.
package stdlib
