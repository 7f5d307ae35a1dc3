package main

// bpftrace --info: the system, the build and what the kernel and bt
// together support, laid out as bpftrace v0.26 lays it out, so that tools
// grepping it (bpftrace's runtime test engine looks for "btf: yes",
// "iter: yes", ...) learn what bt can really do. A line says yes only
// when the kernel has the feature AND bt's compiler or runtime uses it.

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/features"
	"golang.org/x/sys/unix"
)

// infoItem is one "name: value" cell of --info.
type infoItem struct {
	name  string
	value func() string
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// never is a feature bt does not have, whatever the kernel offers.
func never() string { return "no" }

// kernelHelper is a helper bt's compiler calls, present when a kprobe
// program may call it.
func kernelHelper(fn asm.BuiltinFunc) func() string {
	return func() string { return yesNo(features.HaveProgramHelper(ebpf.Kprobe, fn) == nil) }
}

// bpftraceInfoSections are --info's sections after System and Build.
var bpftraceInfoSections = []struct {
	title string
	items []infoItem
}{
	{"Kernel helpers", []infoItem{
		{"dpath", never}, // bt's compiler has no path() yet
		{"get_tai_ns", kernelHelper(asm.FnKtimeGetTaiNs)},
		{"get_func_ip", kernelHelper(asm.FnGetFuncIp)},
		{"lookup_percpu_elem", kernelHelper(asm.FnMapLookupPercpuElem)}, // aggregations read in a probe
		{"loop", kernelHelper(asm.FnLoop)},
	}},
	{"Kernel features", []infoItem{
		{"Instruction limit", func() string {
			if features.HaveLargeInstructions() == nil {
				return "1000000"
			}
			return "4096"
		}},
		{"btf", func() string { return yesNo(fileExists("/sys/kernel/btf/vmlinux")) }},
		{"module btf", func() string { return yesNo(hasModuleBTF()) }},
	}},
	{"Probe types", []infoItem{
		{"kprobe_multi", func() string { return yesNo(features.HaveBPFLinkKprobeMulti() == nil) }},
		{"uprobe_multi", func() string { return yesNo(features.HaveBPFLinkUprobeMulti() == nil) }}, // wildcards in one binary
		{"kprobe_session", never}, // no kprobe session programs in bt
		{"iter", func() string { return yesNo(haveTaskIter()) }},
	}},
}

// writeBpftraceInfo prints --info.
func writeBpftraceInfo(w io.Writer) {
	var u unix.Utsname
	_ = unix.Uname(&u)
	str := func(b [65]byte) string { return strings.TrimRight(string(b[:]), "\x00") }
	fmt.Fprintf(w, "System\n  OS: %s %s %s\n  Arch: %s\n\n", str(u.Sysname), str(u.Release), str(u.Version), str(u.Machine))
	fmt.Fprintf(w, "Build\n  version: %s (bt %s)\n", bpftraceVersion, version)
	for _, kv := range [][2]string{
		{"LLVM", "none (bt compiles to BPF itself)"},
		{"bfd", "no"},
		// DWARF of user-space binaries through Go's debug/dwarf
		// (btfindex.OpenDebugInfo), not libdw: uprobe args by name,
		// their types, source lines, split and separate debug info.
		{"libdw (DWARF support)", "yes"},
		{"libsystemd (systemd notify support)", "no"},
		{"blazesym (advanced symbolization)", "no"},
		{"dwunwind (DWARF stack unwinding)", "no"},
	} {
		fmt.Fprintf(w, "  %s: %s\n", kv[0], kv[1])
	}
	fmt.Fprintln(w)
	for _, sec := range bpftraceInfoSections {
		fmt.Fprintln(w, sec.title)
		var cells []string
		for _, it := range sec.items {
			cells = append(cells, it.name+": "+it.value())
		}
		writeInfoColumns(w, cells)
		fmt.Fprintln(w)
	}
}

// writeInfoColumns lays cells out two to a line, as bpftrace does.
func writeInfoColumns(w io.Writer, cells []string) {
	const width = 33
	for i := 0; i < len(cells); i += 2 {
		if i+1 < len(cells) {
			fmt.Fprintf(w, "  %-*s%s\n", width, cells[i], cells[i+1])
		} else {
			fmt.Fprintf(w, "  %s\n", cells[i])
		}
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// hasModuleBTF reports whether modules have BTF of their own.
func hasModuleBTF() bool {
	ents, err := os.ReadDir("/sys/kernel/btf")
	if err != nil {
		return false
	}
	for _, e := range ents {
		if e.Name() != "vmlinux" {
			return true
		}
	}
	return false
}

// haveTaskIter loads the smallest task iterator program: bt's iter
// probes need the kernel to accept it.
func haveTaskIter() bool {
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:       ebpf.Tracing,
		AttachType: ebpf.AttachTraceIter,
		AttachTo:   "task",
		License:    "GPL",
		Instructions: asm.Instructions{
			asm.Mov.Imm(asm.R0, 0),
			asm.Return(),
		},
	})
	if err != nil {
		return false
	}
	prog.Close()
	return true
}
