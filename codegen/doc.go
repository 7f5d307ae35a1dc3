// Package codegen compiles a checked program (check.Program) to BPF with
// github.com/cilium/ebpf/asm, without LLVM: Compile returns an Object,
// the collection spec to load plus the one description of every map
// layout and output record the runtime decodes (object.go).
//
// It never re-derives a type, a layout or a probe argument: expression
// types, implicit conversions and constants come from check.Info, map
// key and value types from check.MapInfo, probe arguments (tracepoint
// offsets, __data_loc fields) from check.AttachInfo, and every layout
// from analysis/types (Size, Align, Tuple.Offsets, Record.Offsets).
//
// How programs are built:
//
//   - One program per action block and group of attach points sharing a
//     context: every match of a wildcard is one program; the probe
//     builtin reads bpf_get_attach_cookie, the index of the target in
//     Object.ProbeNames (a read-only name table map).
//   - R6 holds the context and R9 the program's scratch buffer, a
//     per-CPU array value looked up once in the prologue. Scalars
//     (integers, bools, pointers) are computed in R0 and kept in their
//     canonical 64-bit form (sign- or zero-extended from their type's
//     width); everything else (strings, tuples, records, structs, keys,
//     record payloads) lives in the scratch buffer at offsets fixed at
//     compile time. Variables, also in the scratch buffer, are reachable
//     from callbacks and fn subprograms through the scratch pointer; the
//     512-byte stack only holds spilled temporaries and helper keys.
//   - Loops (while, for over ranges) are bpf_loop callbacks and for over
//     maps and len() are bpf_for_each_map_elem callbacks, with BTF func
//     info; fn declarations are BPF-to-BPF subprograms taking the scratch
//     pointer and the context. Macros are compiled through the checker's
//     per-call expansions (check.CallInfo.Expansion, Info.MacroArgs).
//   - Builtins are lowered from one table keyed by the names of
//     analysis/builtins (builtins.go, builtins_more.go); a name the table
//     lacks is a codegen-unsupported diagnostic, never a wrong value.
//   - Output records go to one ring buffer: a little-endian uint64 event
//     ID, then the payload laid out as Event.Args; a record that does not
//     fit is counted in the Lost map. exit() writes its record and sets
//     the exit flag in the bt_state map, after which no program writes
//     records.
//   - Every instruction carries its source position (asm.Instruction
//     source), so VerifierDiag places a verifier rejection on the script
//     line that produced the failing instruction.
package codegen
