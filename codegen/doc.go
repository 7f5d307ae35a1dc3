// Package codegen will turn a typed program from the analysis core into
// BPF instructions (github.com/cilium/ebpf/asm). It is built in the next
// release; the checker's output is shaped so that this package never
// re-derives a type, map layout or probe argument.
package codegen
