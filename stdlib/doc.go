// Package stdlib holds bt's standard library: macros written in bpftrace
// (.bt) and functions in BPF C (bpf/*.bpf.c) that the macros call, embedded in
// the binary so the checker, the language server and the compiler read
// the same definitions.
//
// The C is compiled ahead of time (go generate: gen.go) into objects
// that are committed and embedded, so a script that uses only the
// standard library never needs clang. The C includes nothing from the
// system (bt_helpers.h declares what it needs), which keeps the objects
// identical on every machine; objects.sum records what they were built
// from and a test fails when the sources have changed since.
//
// The C functions' names start with "__bt_" and take their string
// results through a pointer to the script's variable (`(int8 *)&$v`); the
// macros wrap them into values.
package stdlib
