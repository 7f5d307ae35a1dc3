package tracer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/codegen"
)

// attachFunc attaches one program to its targets. progs holds the loaded
// program for each target (one program shared by every target, or one
// copy per target for program types that bind their target at load
// time). It returns what to close to detach, in attach order; on error,
// what it returns is still closed by the caller.
type attachFunc func(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, error)

// attachers is the provider table. Providers that run from user space
// (begin, end, self) are not attached; see session.run.
var attachers = map[string]attachFunc{
	"tracepoint":      attachTracepoints,
	"rawtracepoint":   attachRawTracepoints,
	"kprobe":          attachKprobes,
	"kretprobe":       attachKprobes,
	"uprobe":          attachUprobes,
	"uretprobe":       attachUprobes,
	"profile":         attachProfile,
	"interval":        attachInterval,
	"software":        attachCounting,
	"hardware":        attachCounting,
	"watchpoint":      attachWatchpoint,
	"asyncwatchpoint": attachWatchpoint,
	"fentry":          attachTracing,
	"fexit":           attachTracing,
	"iter":            attachIter,
}

// runFromUserSpace are the providers whose programs the runtime runs with
// BPF_PROG_TEST_RUN instead of attaching.
var runFromUserSpace = map[string]bool{"begin": true, "end": true, "self": true}

// fields splits a target name into its fields by role, with
// analysis/probes' grammar for the provider.
func fields(name string) (map[string]string, error) {
	res := probes.ParseAttachPoint(name, 0)
	if len(res.Problems) > 0 {
		return nil, fmt.Errorf("bad probe %q: %s", name, res.Problems[0].Message)
	}
	m := make(map[string]string, len(res.Fields))
	for _, f := range res.Fields {
		m[f.Role] = f.Text
	}
	return m, nil
}

// forEachTarget parses each target and calls fn; it stops at the first
// error, naming the target.
func forEachTarget(p *codegen.Prog, progs []*ebpf.Program, fn func(t codegen.Target, f map[string]string, prog *ebpf.Program) error) error {
	for i, t := range p.Targets {
		f, err := fields(t.Name)
		if err != nil {
			return err
		}
		if err := fn(t, f, progs[min(i, len(progs)-1)]); err != nil {
			return fmt.Errorf("attaching %s: %w", t.Name, err)
		}
	}
	return nil
}

// attachTracepoints opens one perf event per tracepoint and links the
// program to it. Targets are attached by a few goroutines: each
// attachment is three system calls (read the id, perf_event_open,
// link_create) that do not depend on one another.
func attachTracepoints(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, error) {
	events, err := s.tracefsEvents()
	if err != nil {
		return nil, err
	}
	closers := make([]io.Closer, len(p.Targets))
	errs := make([]error, len(p.Targets))
	attachOne := func(i int) {
		t := p.Targets[i]
		f, err := fields(t.Name)
		if err != nil {
			errs[i] = err
			return
		}
		id, err := readTracepointID(events, f[probes.RoleCategory], f[probes.RoleEvent])
		if err != nil {
			errs[i] = fmt.Errorf("attaching %s: %w", t.Name, err)
			return
		}
		attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_TRACEPOINT, Config: id, Sample: 1, Wakeup: 1}
		pl, err := attachPerf(&attr, -1, 0, progs[min(i, len(progs)-1)], t.Cookie)
		if err != nil {
			errs[i] = fmt.Errorf("attaching %s: %w", t.Name, err)
			return
		}
		closers[i] = pl
	}
	workers := min(len(p.Targets)/32+1, 4)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(p.Targets); i += workers {
				attachOne(i)
			}
		}()
	}
	wg.Wait()
	var out []io.Closer
	for _, c := range closers {
		if c != nil {
			out = append(out, c)
		}
	}
	return out, errors.Join(errs...)
}

// readTracepointID reads a tracepoint's perf event id from tracefs.
func readTracepointID(events, category, event string) (uint64, error) {
	b, err := os.ReadFile(filepath.Join(events, category, event, "id"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("tracepoint %s:%s does not exist", category, event)
		}
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
}

// tracefsEvents finds tracefs's events directory once per run, mounting
// tracefs when it is not mounted.
func (s *session) tracefsEvents() (string, error) {
	s.tracefsOnce.Do(func() {
		for _, dir := range []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"} {
			if st, err := os.Stat(filepath.Join(dir, "events")); err == nil && st.IsDir() {
				s.tracefs = filepath.Join(dir, "events")
				return
			}
		}
		if err := unix.Mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, ""); err != nil {
			s.tracefsErr = fmt.Errorf("tracefs is not mounted and mounting it failed: %w", err)
			return
		}
		s.tracefs = "/sys/kernel/tracing/events"
	})
	return s.tracefs, s.tracefsErr
}

// attachRawTracepoints attaches raw tracepoint programs by name, or BTF
// tracepoint (tp_btf) programs, whose target was bound at load time.
func attachRawTracepoints(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, error) {
	if progs[0].Type() == ebpf.Tracing {
		return attachTracing(s, p, progs)
	}
	var out []io.Closer
	err := forEachTarget(p, progs, func(t codegen.Target, f map[string]string, prog *ebpf.Program) error {
		l, err := attachRawTracepoint(f[probes.RoleEvent], prog, t.Cookie)
		if err == nil {
			out = append(out, l)
		}
		return err
	})
	return out, err
}

// attachTracing attaches fentry, fexit and tp_btf programs: one loaded
// copy per target (see prepareSpec). tp_btf links are made here, as
// cilium/ebpf does not pass their cookie to the kernel.
func attachTracing(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, error) {
	var out []io.Closer
	err := forEachTarget(p, progs, func(t codegen.Target, _ map[string]string, prog *ebpf.Program) error {
		var l link.Link
		var err error
		if p.Provider == "rawtracepoint" {
			l, err = attachRawTracepoint("", prog, t.Cookie)
		} else {
			l, err = link.AttachTracing(link.TracingOptions{Program: prog, Cookie: t.Cookie})
		}
		if err == nil {
			out = append(out, l)
		}
		return err
	})
	return out, err
}

// attachIter attaches an iterator; the run reads it (session.runIter).
func attachIter(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, error) {
	var out []io.Closer
	err := forEachTarget(p, progs, func(t codegen.Target, f map[string]string, prog *ebpf.Program) error {
		it, err := link.AttachIter(link.IterOptions{Program: prog})
		if err != nil {
			return err
		}
		out = append(out, it)
		s.iters = append(s.iters, iterTarget{it: it, pin: f[probes.RolePin]})
		return nil
	})
	return out, err
}

// attachKprobes attaches kprobes and kretprobes: with kprobe_multi when
// the program was loaded for it (many functions, one link), else one
// link per function.
func attachKprobes(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, error) {
	ret := p.Provider == "kretprobe"
	if s.multiKprobe[p] {
		opts := link.KprobeMultiOptions{}
		for _, t := range p.Targets {
			f, err := fields(t.Name)
			if err != nil {
				return nil, err
			}
			opts.Symbols = append(opts.Symbols, f[probes.RoleFunc])
			opts.Cookies = append(opts.Cookies, t.Cookie)
		}
		attach := link.KprobeMulti
		if ret {
			attach = link.KretprobeMulti
		}
		l, err := attach(progs[0], opts)
		if err != nil {
			return nil, fmt.Errorf("attaching %d %ss: %w", len(p.Targets), p.Provider, err)
		}
		return []io.Closer{l}, nil
	}
	var out []io.Closer
	err := forEachTarget(p, progs, func(t codegen.Target, f map[string]string, prog *ebpf.Program) error {
		opts := &link.KprobeOptions{Cookie: t.Cookie}
		sym := f[probes.RoleFunc]
		if off := f[probes.RoleOffset]; off != "" {
			n, err := strconv.ParseUint(off, 0, 64)
			if err != nil {
				return fmt.Errorf("bad offset %q", off)
			}
			opts.Offset = n
		}
		if addr := f[probes.RoleAddress]; addr != "" && sym == "" {
			n, err := strconv.ParseUint(addr, 0, 64)
			if err != nil {
				return fmt.Errorf("bad address %q", addr)
			}
			sym, err = s.kernelSymbolAt(n)
			if err != nil {
				return err
			}
		}
		var l link.Link
		var err error
		if ret {
			l, err = link.Kretprobe(sym, prog, opts)
		} else {
			l, err = link.Kprobe(sym, prog, opts)
		}
		if err == nil {
			out = append(out, l)
		}
		return err
	})
	return out, err
}

// kernelSymbolAt names the kernel function at addr exactly, for kprobes
// given by address.
func (s *session) kernelSymbolAt(addr uint64) (string, error) {
	syms := s.resolver.kernelSymbols()
	if syms == nil {
		return "", fmt.Errorf("cannot read kernel symbols")
	}
	sym, ok := syms.Lookup(addr)
	if !ok || sym.Addr != addr {
		return "", fmt.Errorf("no kernel function at address %#x", addr)
	}
	return sym.Name, nil
}

// attachUprobes attaches uprobes and uretprobes by symbol, address or
// symbol+offset, in the -p process only when one is given.
func attachUprobes(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, error) {
	ret := p.Provider == "uretprobe"
	exes := map[string]*link.Executable{}
	var out []io.Closer
	err := forEachTarget(p, progs, func(t codegen.Target, f map[string]string, prog *ebpf.Program) error {
		path := f[probes.RolePath]
		if path == "" && s.opts.PID > 0 {
			path = fmt.Sprintf("/proc/%d/exe", s.opts.PID)
		}
		if f[probes.RoleLine] != "" {
			return fmt.Errorf("uprobes by source line need debug information, which bt does not read yet")
		}
		ex := exes[path]
		if ex == nil {
			var err error
			if ex, err = link.OpenExecutable(path); err != nil {
				return err
			}
			exes[path] = ex
		}
		opts := &link.UprobeOptions{Cookie: t.Cookie, PID: s.opts.PID}
		sym := f[probes.RoleFunc]
		if off := f[probes.RoleOffset]; off != "" {
			n, err := strconv.ParseUint(off, 0, 64)
			if err != nil {
				return fmt.Errorf("bad offset %q", off)
			}
			opts.Offset = n
		}
		if addr := f[probes.RoleAddress]; addr != "" && sym == "" {
			n, err := strconv.ParseUint(addr, 0, 64)
			if err != nil {
				return fmt.Errorf("bad address %q", addr)
			}
			opts.Address = n
		}
		var l link.Link
		var err error
		if ret {
			l, err = ex.Uretprobe(sym, prog, opts)
		} else {
			l, err = ex.Uprobe(sym, prog, opts)
		}
		if err == nil {
			out = append(out, l)
		}
		return err
	})
	return out, err
}

// timerAttr is the perf event of a profile or interval probe: a CPU clock
// sampled at a frequency (hz) or every period of nanoseconds.
func timerAttr(f map[string]string) (unix.PerfEventAttr, error) {
	unit, rate := f[probes.RoleUnit], f[probes.RoleRate]
	if unit == "" {
		// profile:1ms and profile:1000000 (nanoseconds).
		i := strings.IndexFunc(rate, func(r rune) bool { return r < '0' || r > '9' })
		if i > 0 {
			rate, unit = rate[:i], rate[i:]
		}
	}
	n, err := strconv.ParseUint(rate, 10, 64)
	if err != nil || n == 0 {
		return unix.PerfEventAttr{}, fmt.Errorf("bad rate %q", rate)
	}
	attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_SOFTWARE, Config: unix.PERF_COUNT_SW_CPU_CLOCK}
	switch {
	case unit == "hz":
		attr.Sample = n
		attr.Bits = unix.PerfBitFreq
	case unit == "":
		attr.Sample = n
	case timeUnitNanos[unit] != 0:
		attr.Sample = n * timeUnitNanos[unit]
	default:
		return unix.PerfEventAttr{}, fmt.Errorf("unknown time unit %q", unit)
	}
	return attr, nil
}

// attachPerCPU opens attr on every online CPU (in the -p process only
// when one is given) and links prog to each.
func (s *session) attachPerCPU(attr unix.PerfEventAttr, prog *ebpf.Program, cookie uint64) ([]io.Closer, error) {
	cpus, err := onlineCPUs()
	if err != nil {
		return nil, err
	}
	pid := -1
	if s.opts.PID > 0 {
		pid = s.opts.PID
	}
	var out []io.Closer
	for _, cpu := range cpus {
		a := attr
		pl, err := attachPerf(&a, pid, cpu, prog, cookie)
		if err != nil {
			return out, fmt.Errorf("CPU %d: %w", cpu, err)
		}
		out = append(out, pl)
	}
	return out, nil
}

// attachProfile samples on every CPU.
func attachProfile(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, error) {
	var out []io.Closer
	err := forEachTarget(p, progs, func(t codegen.Target, f map[string]string, prog *ebpf.Program) error {
		attr, err := timerAttr(f)
		if err != nil {
			return err
		}
		cs, err := s.attachPerCPU(attr, prog, t.Cookie)
		out = append(out, cs...)
		return err
	})
	return out, err
}

// attachInterval fires on the first online CPU only, as bpftrace does.
func attachInterval(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, error) {
	var out []io.Closer
	err := forEachTarget(p, progs, func(t codegen.Target, f map[string]string, prog *ebpf.Program) error {
		attr, err := timerAttr(f)
		if err != nil {
			return err
		}
		cpus, err := onlineCPUs()
		if err != nil || len(cpus) == 0 {
			return fmt.Errorf("no online CPU: %v", err)
		}
		pl, err := attachPerf(&attr, -1, cpus[0], prog, t.Cookie)
		if err == nil {
			out = append(out, pl)
		}
		return err
	})
	return out, err
}

// attachCounting attaches software and hardware events on every CPU,
// sampled every count events (the event's default when not given).
func attachCounting(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, error) {
	prov := probes.Lookup(p.Provider)
	typ, configs := uint32(unix.PERF_TYPE_SOFTWARE), softwareEventConfig
	if p.Provider == "hardware" {
		typ, configs = unix.PERF_TYPE_HARDWARE, hardwareEventConfig
	}
	var out []io.Closer
	err := forEachTarget(p, progs, func(t codegen.Target, f map[string]string, prog *ebpf.Program) error {
		name := f[probes.RoleEvent]
		var ev *probes.Event
		for i, e := range prov.Events {
			if e.Name == name || (e.Alias != "" && e.Alias == name) {
				ev = &prov.Events[i]
			}
		}
		config, ok := uint64(0), false
		if ev != nil {
			config, ok = configs[ev.Name]
		}
		if !ok {
			return fmt.Errorf("unknown %s event %q", p.Provider, name)
		}
		attr := unix.PerfEventAttr{Type: typ, Config: config, Sample: ev.Period}
		if c := f[probes.RoleCount]; c != "" {
			n, err := strconv.ParseUint(c, 10, 64)
			if err != nil || n == 0 {
				return fmt.Errorf("bad count %q", c)
			}
			attr.Sample = n
		}
		cs, err := s.attachPerCPU(attr, prog, t.Cookie)
		out = append(out, cs...)
		return err
	})
	return out, err
}

// watchpointModes are the breakpoint types of a watchpoint's mode letters.
// (linux/hw_breakpoint.h).
var watchpointModes = map[rune]uint32{'r': breakpointR, 'w': breakpointW, 'x': breakpointX}

const (
	breakpointR = 1
	breakpointW = 2
	breakpointX = 4
)

// attachWatchpoint sets a hardware breakpoint on every thread of the -p
// process, or on every CPU without one.
func attachWatchpoint(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, error) {
	var out []io.Closer
	err := forEachTarget(p, progs, func(t codegen.Target, f map[string]string, prog *ebpf.Program) error {
		addr, err := strconv.ParseUint(f[probes.RoleAddress], 0, 64)
		if err != nil {
			return fmt.Errorf("bad address %q", f[probes.RoleAddress])
		}
		length, err := strconv.ParseUint(f[probes.RoleLength], 0, 64)
		if err != nil {
			return fmt.Errorf("bad length %q", f[probes.RoleLength])
		}
		attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_BREAKPOINT, Sample: 1, Bits: unix.PerfBitInherit, Ext1: addr}
		for _, m := range f[probes.RoleMode] {
			attr.Bp_type |= watchpointModes[m]
		}
		attr.Ext2 = length
		if attr.Bp_type&breakpointX != 0 {
			attr.Ext2 = 8 // an execute breakpoint covers one long
		}
		if s.opts.PID <= 0 {
			cs, err := s.attachPerCPU(attr, prog, t.Cookie)
			out = append(out, cs...)
			return err
		}
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", s.opts.PID))
		if err != nil {
			return err
		}
		for _, task := range tasks {
			tid, err := strconv.Atoi(task.Name())
			if err != nil {
				continue
			}
			a := attr
			pl, err := attachPerf(&a, tid, -1, prog, t.Cookie)
			if err != nil {
				return fmt.Errorf("thread %d: %w", tid, err)
			}
			out = append(out, pl)
		}
		return nil
	})
	return out, err
}
