// Package clink compiles the BPF C a script imports and links its
// functions into the compiler's programs.
//
// Compiling (clang.go, compile.go, cache.go): a Compiler runs clang for
// target bpf (-O2 -g) against the vmlinux.h of the target kernel (written
// from BTF by btfindex/cheader, once per BTF identity) and libbpf's
// headers, and keeps the object on disk keyed by the content of every
// input — the file and everything it includes (clang's dependency
// output), the flags, clang's identity and the BTF identity — so a
// second start runs no clang. clang's errors become diagnostics at their
// line and column in the C source.
//
// Linking (library.go, link.go): a Library reads one object with
// cilium/ebpf. Functions are compiled with -ffunction-sections, so each
// is its own section and cilium's reader exposes it (it hides plain
// .text functions that no program calls). Every function is kept as its
// own body — instructions with BTF func and line info, calls to other
// functions left as symbolic references, map, global and kfunc
// references as cilium resolved them — and Link appends the functions a
// program calls, each once, after the program, renaming the object's
// maps so that they cannot collide with the script's. The kernel checks
// kfuncs at load time (cilium turns a weak one the kernel lacks into a
// null address, so `if (!kfunc)` guards work).
package clink
