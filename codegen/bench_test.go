package codegen

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// BenchmarkCompile measures Compile alone (the checked program is made
// once) on a real tool.
func BenchmarkCompile(b *testing.B) {
	src := os.Getenv("BT_BPFTRACE_SRC")
	if src == "" {
		src = "/work/bpftrace-v026/bpftrace-src"
	}
	path := filepath.Join(src, "tools", "tcplife.bt")
	text, err := os.ReadFile(path)
	if err != nil {
		b.Skip(err)
	}
	p, err := checkFile(b, path, text)
	if err != nil {
		b.Skip(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := Compile(p, Options{}); diags.HasErrors() {
			b.Fatal(diags[0])
		}
	}
}

// BenchmarkEventCount attaches `@[comm] = count()` to
// raw_syscalls:sys_enter and reports the kernel's own statistics for
// the program (run_time_ns / run_cnt, with kernel.bpf_stats_enabled) as
// ns/event, while the benchmark makes getppid system calls.
func BenchmarkEventCount(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		b.Skip(err)
	}
	defer stats.Close()
	obj := compileSrcB(b, `tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }`)
	coll, err := ebpf.NewCollectionWithOptions(obj.Spec, ebpf.CollectionOptions{})
	if err != nil {
		b.Fatal(LoadDiag(obj, err))
	}
	defer coll.Close()
	prog := coll.Programs[obj.Progs[0].SpecName]
	l, err := link.Tracepoint("raw_syscalls", "sys_enter", prog, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	b.ResetTimer()
	for b.Loop() {
		syscall.Getppid()
	}
	b.StopTimer()
	st, err := prog.Stats()
	if err != nil {
		b.Fatal(err)
	}
	if st.RunCount > 0 {
		b.ReportMetric(float64(st.Runtime.Nanoseconds())/float64(st.RunCount), "ns/event")
	}
	b.ReportMetric(float64(InstructionCounts(obj)[obj.Progs[0].SpecName]), "insns")
}

func compileSrcB(b *testing.B, src string) *Object {
	p, err := checkSource(b, src)
	if err != nil {
		b.Fatal(err)
	}
	obj, diags := Compile(p, Options{})
	if diags.HasErrors() {
		b.Fatal(diags[0])
	}
	return obj
}

// BenchmarkEventCountBpftrace measures the same script compiled by the
// installed bpftrace (BT_BPFTRACE, default /usr/bin/bpftrace), side by
// side with BenchmarkEventCount: its program is found as the new
// tracepoint program named sys_enter owned by nobody else we know of.
func BenchmarkEventCountBpftrace(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	bin := os.Getenv("BT_BPFTRACE")
	if bin == "" {
		bin = "/usr/bin/bpftrace"
	}
	if _, err := os.Stat(bin); err != nil {
		b.Skip("no bpftrace: ", err)
	}
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		b.Skip(err)
	}
	defer stats.Close()
	before := map[ebpf.ProgramID]bool{}
	for id := ebpf.ProgramID(0); ; {
		next, err := ebpf.ProgramGetNextID(id)
		if err != nil {
			break
		}
		before[next], id = true, next
	}
	cmd := exec.Command(bin, "-e", `tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }`)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGINT); cmd.Wait() }()
	var prog *ebpf.Program
	for try := 0; prog == nil && try < 600; try++ {
		for id := ebpf.ProgramID(0); prog == nil; {
			next, err := ebpf.ProgramGetNextID(id)
			if err != nil {
				break
			}
			id = next
			if before[next] {
				continue
			}
			p, err := ebpf.NewProgramFromID(next)
			if err != nil {
				continue
			}
			// bpftrace 0.17 names it sys_enter, v0.26 tracepoint_raw_syscalls_... (cut to 15)
			if info, err := p.Info(); err == nil && info.Type == ebpf.TracePoint && (info.Name == "sys_enter" || strings.HasPrefix(info.Name, "tracepoint_raw")) {
				prog = p
				break
			}
			p.Close()
		}
		if prog == nil {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if prog == nil {
		b.Skip("bpftrace's program did not appear")
	}
	defer prog.Close()
	st0, _ := prog.Stats()
	b.ResetTimer()
	for b.Loop() {
		syscall.Getppid()
	}
	b.StopTimer()
	st, err := prog.Stats()
	if err != nil {
		b.Fatal(err)
	}
	if n := st.RunCount - st0.RunCount; n > 0 {
		b.ReportMetric(float64((st.Runtime-st0.Runtime).Nanoseconds())/float64(n), "ns/event")
	}
	if info, err := prog.Info(); err == nil {
		if insns, err := info.Instructions(); err == nil {
			b.ReportMetric(float64(len(insns)), "xlated-insns")
		}
	}
}
