package tracer

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// cilium/ebpf attaches perf events with a cookie only for the events it
// opens itself (tracepoints, kprobes, uprobes). The runtime opens its own
// perf events (one tracepoint id read per target, counting and timer
// events per CPU) and creates their BPF links here, with the cookie the
// `probe` builtin reads.

// perfLink is one perf event with a BPF program linked to it.
type perfLink struct {
	lnk link.Link
	fd  int // the perf event
}

func (p *perfLink) Close() error {
	err := p.lnk.Close()
	if cerr := unix.Close(p.fd); err == nil {
		err = cerr
	}
	return err
}

// linkCreatePerfAttr is union bpf_attr for BPF_LINK_CREATE with a perf
// event target.
type linkCreatePerfAttr struct {
	progFD     uint32
	targetFD   uint32
	attachType uint32
	flags      uint32
	cookie     uint64
	_          [32]byte // the rest of the union, zero
}

// attachPerf opens a perf event and links prog to it with cookie. The
// perf event is closed again when linking fails.
func attachPerf(attr *unix.PerfEventAttr, pid, cpu int, prog *ebpf.Program, cookie uint64) (*perfLink, error) {
	attr.Size = uint32(unsafe.Sizeof(*attr))
	fd, err := unix.PerfEventOpen(attr, pid, cpu, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("perf_event_open: %w", err)
	}
	la := linkCreatePerfAttr{
		progFD:     uint32(prog.FD()),
		targetFD:   uint32(fd),
		attachType: uint32(ebpf.AttachPerfEvent),
		cookie:     cookie,
	}
	lfd, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_LINK_CREATE, uintptr(unsafe.Pointer(&la)), unsafe.Sizeof(la))
	if errno != 0 {
		unix.Close(fd)
		return nil, fmt.Errorf("linking the program to a perf event: %w", errno)
	}
	lnk, err := link.NewFromFD(int(lfd))
	if err != nil {
		unix.Close(int(lfd))
		unix.Close(fd)
		return nil, err
	}
	return &perfLink{lnk: lnk, fd: fd}, nil
}

// rawTracepointOpenAttr is union bpf_attr for BPF_RAW_TRACEPOINT_OPEN
// (the cookie field since Linux 6.10).
type rawTracepointOpenAttr struct {
	name   uint64
	progFD uint32
	_      uint32
	cookie uint64
}

// attachRawTracepoint links a raw tracepoint program, or with name ""
// a tp_btf program (its target bound at load time), with a cookie;
// without one it leaves the work to cilium/ebpf, which also works on
// kernels older than 6.10.
func attachRawTracepoint(name string, prog *ebpf.Program, cookie uint64) (link.Link, error) {
	if cookie == 0 {
		if name == "" {
			return link.AttachTracing(link.TracingOptions{Program: prog})
		}
		return link.AttachRawTracepoint(link.RawTracepointOptions{Name: name, Program: prog})
	}
	attr := rawTracepointOpenAttr{progFD: uint32(prog.FD()), cookie: cookie}
	var b *byte
	if name != "" {
		var err error
		if b, err = unix.BytePtrFromString(name); err != nil {
			return nil, err
		}
		attr.name = uint64(uintptr(unsafe.Pointer(b)))
	}
	fd, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_RAW_TRACEPOINT_OPEN, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	runtime.KeepAlive(b)
	if errno != 0 {
		return nil, fmt.Errorf("raw tracepoint %s: %w", name, errno)
	}
	lnk, err := link.NewFromFD(int(fd))
	if err != nil {
		unix.Close(int(fd))
		return nil, err
	}
	return lnk, nil
}

// onlineCPUs lists the CPUs in /sys/devices/system/cpu/online.
func onlineCPUs() ([]int, error) {
	b, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return nil, err
	}
	return parseCPUList(strings.TrimSpace(string(b)))
}

// parseCPUList parses a kernel CPU list such as "0-3,5,7-8".
func parseCPUList(s string) ([]int, error) {
	var cpus []int
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("bad CPU list %q", s)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("bad CPU list %q", s)
			}
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// Perf event configurations of the software and hardware providers, by
// event name (aliases resolved through analysis/probes first).
var (
	softwareEventConfig = map[string]uint64{
		"cpu-clock":        unix.PERF_COUNT_SW_CPU_CLOCK,
		"task-clock":       unix.PERF_COUNT_SW_TASK_CLOCK,
		"page-faults":      unix.PERF_COUNT_SW_PAGE_FAULTS,
		"context-switches": unix.PERF_COUNT_SW_CONTEXT_SWITCHES,
		"cpu-migrations":   unix.PERF_COUNT_SW_CPU_MIGRATIONS,
		"minor-faults":     unix.PERF_COUNT_SW_PAGE_FAULTS_MIN,
		"major-faults":     unix.PERF_COUNT_SW_PAGE_FAULTS_MAJ,
		"alignment-faults": unix.PERF_COUNT_SW_ALIGNMENT_FAULTS,
		"emulation-faults": unix.PERF_COUNT_SW_EMULATION_FAULTS,
		"dummy":            unix.PERF_COUNT_SW_DUMMY,
		"bpf-output":       unix.PERF_COUNT_SW_BPF_OUTPUT,
	}
	hardwareEventConfig = map[string]uint64{
		"cpu-cycles":          unix.PERF_COUNT_HW_CPU_CYCLES,
		"instructions":        unix.PERF_COUNT_HW_INSTRUCTIONS,
		"cache-references":    unix.PERF_COUNT_HW_CACHE_REFERENCES,
		"cache-misses":        unix.PERF_COUNT_HW_CACHE_MISSES,
		"branch-instructions": unix.PERF_COUNT_HW_BRANCH_INSTRUCTIONS,
		"branch-misses":       unix.PERF_COUNT_HW_BRANCH_MISSES,
		"bus-cycles":          unix.PERF_COUNT_HW_BUS_CYCLES,
		"frontend-stalls":     unix.PERF_COUNT_HW_STALLED_CYCLES_FRONTEND,
		"backend-stalls":      unix.PERF_COUNT_HW_STALLED_CYCLES_BACKEND,
		"ref-cycles":          unix.PERF_COUNT_HW_REF_CPU_CYCLES,
	}
)

// timeUnitNanos converts profile and interval rates to periods.
var timeUnitNanos = map[string]uint64{"s": 1e9, "ms": 1e6, "us": 1e3}
