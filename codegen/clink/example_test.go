package clink_test

import (
	"bytes"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/codegen/clink"
	"github.com/bt-tools/bt/stdlib"
)

// How the compiler uses this package: read the C a program imports (and
// the standard library's objects), call a C function from generated
// code, link, load, and explain a load failure in C terms.
func Example() {
	// Imported C, compiled by clang or found in the cache. A kernel
	// index (Options.Kernel) provides vmlinux.h; without one the C
	// cannot include it.
	comp := clink.NewCompiler(clink.Options{})
	libs, diags, err := comp.Load([]string{"/path/to/my_c_lib.bpf.c"})
	if err != nil || diags.HasErrors() {
		fmt.Println("cannot use the C:", err, diags)
	}
	// The standard library's C needs no clang.
	obj, _ := stdlib.Object("bpf/strings.bpf.c")
	if std, err := clink.ReadLibrary(bytes.NewReader(obj), "bpf/strings.bpf.c", "s0"); err == nil {
		libs = append(libs, std)
	}

	// Generated code calls __add_one(41): arguments in r1-r5, extended to
	// 32 bits at least when narrower; the int result extended from 32.
	prog := asm.Instructions{
		asm.Mov.Imm32(asm.R1, 41).WithSymbol("my_probe"),
		asm.Call.Label("__add_one"),
		asm.LSh.Imm(asm.R0, 32),
		asm.ArSh.Imm(asm.R0, 32),
		asm.Return(),
	}
	linked, err := clink.Link(prog, libs...)
	if err != nil {
		fmt.Println(err)
		return
	}
	spec := &ebpf.CollectionSpec{
		Programs: map[string]*ebpf.ProgramSpec{"my_probe": {
			Name: "my_probe", Type: ebpf.RawTracepoint, License: "GPL", Instructions: linked.Insns,
		}},
		Maps: linked.Maps, // with the script's own maps
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		if d, ok := clink.LoadDiagnostic(err, linked.Insns, "raw tracepoint"); ok {
			fmt.Println(d.Error()) // at the C line that the kernel refused
		}
		return
	}
	defer coll.Close()
}
