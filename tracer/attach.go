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
	"github.com/bt-tools/bt/btfindex"
	"github.com/bt-tools/bt/codegen"
)

// attachFunc attaches one program to its targets. progs holds the loaded
// program for each target (one program shared by every target, or one
// copy per target for program types that bind their target at load
// time). It returns what to close to detach, in attach order, and how
// many targets it attached; a target that fails is skipped or ends the
// attach as the missing_probes config says (session.attachFailed). On
// error, what it returns is still closed by the caller.
type attachFunc func(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, int, error)

// targetFunc attaches a program to one target, f being the target's
// fields by role. On error it returns what it attached so far.
type targetFunc func(s *session, p *codegen.Prog, t codegen.Target, f map[string]string, prog *ebpf.Program) ([]io.Closer, error)

// each attaches target by target with one.
func each(one targetFunc) attachFunc {
	return func(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, int, error) {
		return s.attachEach(p, progs, one, 1)
	}
}

// attachers is the provider table. Providers that run from user space
// (begin, end, self) are not attached; see Run.
var attachers = map[string]attachFunc{
	"tracepoint":      attachTracepoints,
	"rawtracepoint":   each(attachRawTracepointTarget),
	"kprobe":          attachKprobes,
	"kretprobe":       attachKprobes,
	"uprobe":          attachUprobes,
	"uretprobe":       attachUprobes,
	"profile":         each(attachProfileTarget),
	"interval":        each(attachIntervalTarget),
	"software":        each(attachCountingTarget),
	"hardware":        each(attachCountingTarget),
	"watchpoint":      each(attachWatchpointTarget),
	"asyncwatchpoint": each(attachWatchpointTarget),
	"fentry":          each(attachTracingTarget),
	"fexit":           each(attachTracingTarget),
	"iter":            each(attachIterTarget),
}

// runFromUserSpace are the providers whose programs the runtime runs with
// BPF_PROG_TEST_RUN instead of attaching.
var runFromUserSpace = map[string]bool{"begin": true, "end": true, "self": true, "bench": true, "test": true}

// fields splits a target name into its fields by role, with
// analysis/probes' grammar for the provider.
func fields(name string) (map[string]string, error) {
	res := probes.ParseProbeName(name)
	if len(res.Problems) > 0 {
		return nil, fmt.Errorf("bad probe %q: %s", name, res.Problems[0].Message)
	}
	m := make(map[string]string, len(res.Fields))
	for _, f := range res.Fields {
		m[f.Role] = f.Text
	}
	return m, nil
}

// attachEach attaches every target of p with one, using up to workers
// goroutines (attachments that do not depend on one another), then
// applies the missing_probes policy to the failures in target order.
func (s *session) attachEach(p *codegen.Prog, progs []*ebpf.Program, one targetFunc, workers int) ([]io.Closer, int, error) {
	type result struct {
		closers []io.Closer
		err     error
	}
	results := make([]result, len(p.Targets))
	attachOne := func(i int) {
		t := p.Targets[i]
		f, err := fields(t.Name)
		if err != nil {
			results[i].err = err
			return
		}
		results[i].closers, results[i].err = one(s, p, t, f, progs[min(i, len(progs)-1)])
	}
	workers = max(1, min(workers, len(p.Targets)))
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
	attached := 0
	var failure error
	for i, r := range results {
		if r.err == nil {
			out = append(out, r.closers...)
			attached++
			continue
		}
		// A target that failed half-way (some CPUs) is not kept.
		for _, c := range r.closers {
			c.Close()
		}
		if failure == nil {
			failure = s.attachFailed(p.Targets[i].Name, r.err)
		}
	}
	return out, attached, failure
}

// AttachError is a probe that could not be attached while the
// missing_probes config is "error" (the default).
type AttachError struct {
	Probe string
	Err   error
}

func (e *AttachError) Error() string {
	return fmt.Sprintf("%v; unable to attach probe %s", e.Err, e.Probe)
}
func (e *AttachError) Unwrap() error { return e.Err }

// attachFailed applies the missing_probes config to a probe that could
// not be attached: "error" (the default) ends the attach with an
// *AttachError, "warn" says so on stderr as bpftrace does and goes on,
// "ignore" goes on silently.
func (s *session) attachFailed(probe string, err error) error {
	probe = messageName(probe)
	switch s.configString("missing_probes", "error") {
	case "ignore":
		return nil
	case "warn":
		fmt.Fprintf(s.opts.Stderr, "WARNING: %v\nWARNING: Unable to attach probe: %s. Skipping.\n", err, probe)
		return nil
	}
	return &AttachError{Probe: probe, Err: err}
}

// messageName is a probe as bpftrace names it in its messages: a kprobe
// given by address has the address in decimal (kprobe:305419896).
func messageName(probe string) string {
	res := probes.ParseProbeName(probe)
	if len(res.Problems) > 0 || len(res.Fields) == 0 {
		return probe
	}
	switch res.Fields[0].Text {
	case "kprobe", "kretprobe", "k", "kr":
	default:
		return probe
	}
	var addr string
	for _, f := range res.Fields {
		switch f.Role {
		case probes.RoleFunc:
			return probe
		case probes.RoleAddress:
			addr = f.Text
		}
	}
	n, err := strconv.ParseUint(addr, 0, 64)
	if err != nil {
		return probe
	}
	return res.Fields[0].Text + ":" + strconv.FormatUint(n, 10)
}

// attachTracepoints opens one perf event per tracepoint and links the
// program to it. Targets are attached by a few goroutines: each
// attachment is three system calls (read the id, perf_event_open,
// link_create) that do not depend on one another.
func attachTracepoints(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, int, error) {
	events, err := s.tracefsEvents()
	if err != nil {
		return nil, 0, err
	}
	one := func(s *session, p *codegen.Prog, t codegen.Target, f map[string]string, prog *ebpf.Program) ([]io.Closer, error) {
		id, err := readTracepointID(events, f[probes.RoleCategory], f[probes.RoleEvent])
		if err != nil {
			return nil, err
		}
		attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_TRACEPOINT, Config: id, Sample: 1, Wakeup: 1}
		pl, err := attachPerf(&attr, -1, 0, prog, t.Cookie)
		if err != nil {
			return nil, err
		}
		return []io.Closer{pl}, nil
	}
	return s.attachEach(p, progs, one, len(p.Targets)/32+1)
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

// attachRawTracepointTarget attaches a raw tracepoint program by name,
// or a BTF tracepoint (tp_btf) program, whose target was bound at load
// time.
func attachRawTracepointTarget(s *session, p *codegen.Prog, t codegen.Target, f map[string]string, prog *ebpf.Program) ([]io.Closer, error) {
	name := f[probes.RoleEvent]
	if prog.Type() == ebpf.Tracing {
		name = "" // tp_btf
	}
	l, err := attachRawTracepoint(name, prog, t.Cookie)
	if err != nil {
		return nil, err
	}
	return []io.Closer{l}, nil
}

// attachTracingTarget attaches an fentry or fexit program, one loaded
// copy per target (see prepareSpec).
func attachTracingTarget(s *session, p *codegen.Prog, t codegen.Target, f map[string]string, prog *ebpf.Program) ([]io.Closer, error) {
	l, err := link.AttachTracing(link.TracingOptions{Program: prog, Cookie: t.Cookie})
	if err != nil {
		return nil, err
	}
	return []io.Closer{l}, nil
}

// attachIterTarget attaches an iterator; the run reads it (runIters).
func attachIterTarget(s *session, p *codegen.Prog, t codegen.Target, f map[string]string, prog *ebpf.Program) ([]io.Closer, error) {
	it, err := link.AttachIter(link.IterOptions{Program: prog})
	if err != nil {
		return nil, err
	}
	s.iters = append(s.iters, iterTarget{it: it, pin: f[probes.RolePin]})
	return []io.Closer{it}, nil
}

// attachKprobes attaches kprobes and kretprobes: with kprobe_multi when
// the program was loaded for it (many functions, one link), else one
// link per function.
func attachKprobes(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, int, error) {
	if !s.multiKprobe[p] {
		return s.attachEach(p, progs, attachKprobeTarget, 1)
	}
	opts := link.KprobeMultiOptions{}
	for _, t := range p.Targets {
		f, err := fields(t.Name)
		if err != nil {
			return nil, 0, err
		}
		opts.Symbols = append(opts.Symbols, f[probes.RoleFunc])
		opts.Cookies = append(opts.Cookies, t.Cookie)
	}
	attach := link.KprobeMulti
	if p.Provider == "kretprobe" {
		attach = link.KretprobeMulti
	}
	l, err := attach(progs[0], opts)
	if err != nil {
		// One link for all: the policy applies to the whole wildcard.
		return nil, 0, s.attachFailed(fmt.Sprintf("%s (%d functions)", p.Targets[0].Name, len(p.Targets)), err)
	}
	return []io.Closer{l}, len(p.Targets), nil
}

func attachKprobeTarget(s *session, p *codegen.Prog, t codegen.Target, f map[string]string, prog *ebpf.Program) ([]io.Closer, error) {
	opts := &link.KprobeOptions{Cookie: t.Cookie}
	sym := f[probes.RoleFunc]
	if off := f[probes.RoleOffset]; off != "" {
		n, err := strconv.ParseUint(off, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("bad offset %q", off)
		}
		opts.Offset = n
	}
	if addr := f[probes.RoleAddress]; addr != "" && sym == "" {
		n, err := strconv.ParseUint(addr, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("bad address %q", addr)
		}
		if sym, err = s.kernelSymbolAt(n); err != nil {
			return nil, err
		}
	}
	attach := link.Kprobe
	if p.Provider == "kretprobe" {
		attach = link.Kretprobe
	}
	l, err := attach(sym, prog, opts)
	if err != nil {
		return nil, err
	}
	return []io.Closer{l}, nil
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

// tracedPID is the process probes are restricted to: the -c command's
// or -p's, 0 for all.
func (s *session) tracedPID() int {
	if s.opts.Child != nil {
		return s.opts.Child.Pid()
	}
	return max(s.opts.PID, 0)
}

// multiUprobeTargets reports whether one uprobe_multi link can serve
// every target of p: functions by name in one binary.
func multiUprobeTargets(p *codegen.Prog) bool {
	path := ""
	for i, t := range p.Targets {
		f, err := fields(t.Name)
		if err != nil || f[probes.RoleFunc] == "" || f[probes.RoleOffset] != "" || f[probes.RoleAddress] != "" ||
			f[probes.RoleLine] != "" || f[probes.RolePath] == "" || (i > 0 && f[probes.RolePath] != path) {
			return false
		}
		path = f[probes.RolePath]
	}
	return true
}

// attachUprobes attaches uprobes and uretprobes: with one uprobe_multi
// link when the program was loaded for it (many functions of one
// binary), else one link per target.
func attachUprobes(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, int, error) {
	if !s.multiUprobe[p] {
		return s.attachEach(p, progs, attachUprobeTarget, 1)
	}
	var syms []string
	opts := &link.UprobeMultiOptions{PID: uint32(s.tracedPID())}
	path := ""
	for _, t := range p.Targets {
		f, err := fields(t.Name)
		if err != nil {
			return nil, 0, err
		}
		path = f[probes.RolePath]
		syms = append(syms, f[probes.RoleFunc])
		opts.Cookies = append(opts.Cookies, t.Cookie)
	}
	what := fmt.Sprintf("%s (%d functions)", p.Targets[0].Name, len(p.Targets))
	ex, err := s.executable(path)
	if err != nil {
		return nil, 0, s.attachFailed(what, err)
	}
	attach := ex.UprobeMulti
	if p.Provider == "uretprobe" {
		attach = ex.UretprobeMulti
	}
	l, err := attach(syms, progs[0], opts)
	if err != nil {
		// One link for all: the policy applies to the whole wildcard.
		return nil, 0, s.attachFailed(what, err)
	}
	return []io.Closer{l}, len(p.Targets), nil
}

// attachUprobeTarget attaches a uprobe or uretprobe by symbol, address
// or symbol+offset, in the traced process only when there is one. A
// bare library or program name is looked up as bpftrace does.
func attachUprobeTarget(s *session, p *codegen.Prog, t codegen.Target, f map[string]string, prog *ebpf.Program) ([]io.Closer, error) {
	path := f[probes.RolePath]
	if path == "" && s.tracedPID() > 0 {
		path = fmt.Sprintf("/proc/%d/exe", s.tracedPID())
	}
	if f[probes.RoleLine] != "" {
		// The checker turns FILE:LINE into addresses from the binary's
		// DWARF line table; only an unchecked target gets here.
		return nil, fmt.Errorf("a uprobe by source line (%s:%s) must be resolved to an address from DWARF by the checker first", f[probes.RoleFile], f[probes.RoleLine])
	}
	if path == "*" && s.tracedPID() > 0 {
		return attachUprobesInProcess(s.tracedPID(), f[probes.RoleFunc], prog, t.Cookie, p.Provider == "uretprobe")
	}
	if f[probes.RoleLang] == "cpp" {
		return attachCxxUprobes(path, f[probes.RoleFunc], prog, t.Cookie, s.tracedPID(), p.Provider == "uretprobe")
	}
	target, err := s.uprobeFile(path)
	if err != nil {
		return nil, err
	}
	file := target.path
	place := uprobePlace{name: path, probe: t.Name, sym: f[probes.RoleFunc], ret: p.Provider == "uretprobe"}
	if off := f[probes.RoleOffset]; off != "" {
		n, err := strconv.ParseUint(off, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("bad offset %q", off)
		}
		place.offset = n
	}
	if addr := f[probes.RoleAddress]; addr != "" && place.sym == "" {
		n, err := strconv.ParseUint(addr, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("bad address %q", addr)
		}
		place.addr = n
	}
	offset, err := uprobeFileOffset(place, target, s.opts.Unsafe, s.opts.Stderr)
	if err != nil {
		return nil, err
	}
	l, err := attachUprobeAt(file, offset, place.ret, s.tracedPID(), prog, t.Cookie)
	if err != nil {
		return nil, err
	}
	s.resolver.addProbedBinary(file)
	return []io.Closer{l}, nil
}

// executable opens a uprobe target once per run: paths as given, bare
// names through $PATH and the library directories.
func (s *session) executable(target string) (*link.Executable, error) {
	s.exesMu.Lock()
	defer s.exesMu.Unlock()
	if ex := s.exes[target]; ex != nil {
		return ex, nil
	}
	path := target
	if !strings.ContainsRune(target, '/') {
		var err error
		if path, err = btfindex.ResolveBinary(target); err != nil {
			return nil, err
		}
	}
	ex, err := link.OpenExecutable(path)
	if err != nil {
		return nil, err
	}
	if s.exes == nil {
		s.exes = map[string]*link.Executable{}
	}
	s.exes[target] = ex
	s.resolver.addProbedBinary(path)
	return ex, nil
}

// uprobeFile finds a uprobe target (a path, or a bare name through $PATH
// and the library directories) and reads its symbols and segments, once
// per run and target.
func (s *session) uprobeFile(target string) (*uprobeFile, error) {
	s.exesMu.Lock()
	defer s.exesMu.Unlock()
	if f := s.uprobeFiles[target]; f != nil {
		return f, nil
	}
	path := target
	if !strings.ContainsRune(path, '/') {
		var err error
		if path, err = btfindex.ResolveBinary(path); err != nil {
			return nil, err
		}
	}
	f := readUprobeFile(path)
	if s.uprobeFiles == nil {
		s.uprobeFiles = map[string]*uprobeFile{}
	}
	s.uprobeFiles[target] = f
	return f, nil
}

// timerAttr is the perf event of a profile or interval probe: a CPU clock
// sampled at a frequency (hz) or every period of nanoseconds.
func timerAttr(f map[string]string) (unix.PerfEventAttr, error) {
	unit, rate := f[probes.RoleUnit], f[probes.RoleRate]
	if n, ok := attachNumber(rate); ok && n > 0 {
		// 1e6, 1_000, or a duration (1ms): the value, in nanoseconds
		// for a duration, as when no unit is given.
		rate = strconv.FormatUint(n, 10)
	}
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

// attachPerCPU opens attr on every online CPU (in the traced process
// only when there is one) and links prog to each.
func (s *session) attachPerCPU(attr unix.PerfEventAttr, prog *ebpf.Program, cookie uint64) ([]io.Closer, error) {
	cpus, err := onlineCPUs()
	if err != nil {
		return nil, err
	}
	pid := -1
	if s.tracedPID() > 0 {
		pid = s.tracedPID()
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

// attachProfileTarget samples on every CPU.
func attachProfileTarget(s *session, p *codegen.Prog, t codegen.Target, f map[string]string, prog *ebpf.Program) ([]io.Closer, error) {
	attr, err := timerAttr(f)
	if err != nil {
		return nil, err
	}
	return s.attachPerCPU(attr, prog, t.Cookie)
}

// attachIntervalTarget fires on the first online CPU only, as bpftrace
// does.
func attachIntervalTarget(s *session, p *codegen.Prog, t codegen.Target, f map[string]string, prog *ebpf.Program) ([]io.Closer, error) {
	attr, err := timerAttr(f)
	if err != nil {
		return nil, err
	}
	cpus, err := onlineCPUs()
	if err != nil || len(cpus) == 0 {
		return nil, fmt.Errorf("no online CPU: %v", err)
	}
	pl, err := attachPerf(&attr, -1, cpus[0], prog, t.Cookie)
	if err != nil {
		return nil, err
	}
	return []io.Closer{pl}, nil
}

// attachCountingTarget attaches a software or hardware event on every
// CPU, sampled every count events (the event's default when not given).
func attachCountingTarget(s *session, p *codegen.Prog, t codegen.Target, f map[string]string, prog *ebpf.Program) ([]io.Closer, error) {
	typ, configs := uint32(unix.PERF_TYPE_SOFTWARE), softwareEventConfig
	if p.Provider == "hardware" {
		typ, configs = unix.PERF_TYPE_HARDWARE, hardwareEventConfig
	}
	name := f[probes.RoleEvent]
	var ev *probes.Event
	prov := probes.Lookup(p.Provider)
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
		return nil, fmt.Errorf("unknown %s event %q", p.Provider, name)
	}
	attr := unix.PerfEventAttr{Type: typ, Config: config, Sample: ev.Period}
	if c := f[probes.RoleCount]; c != "" {
		n, ok := attachNumber(c)
		if !ok || n == 0 {
			return nil, fmt.Errorf("bad count %q", c)
		}
		attr.Sample = n
	}
	return s.attachPerCPU(attr, prog, t.Cookie)
}

// watchpointModes are the breakpoint types of a watchpoint's mode letters
// (linux/hw_breakpoint.h).
var watchpointModes = map[rune]uint32{'r': breakpointR, 'w': breakpointW, 'x': breakpointX}

const (
	breakpointR = 1
	breakpointW = 2
	breakpointX = 4
)

// attachWatchpointTarget sets a hardware breakpoint on every thread of
// the traced process, or on every CPU without one.
func attachWatchpointTarget(s *session, p *codegen.Prog, t codegen.Target, f map[string]string, prog *ebpf.Program) ([]io.Closer, error) {
	addr, err := strconv.ParseUint(f[probes.RoleAddress], 0, 64)
	if err != nil {
		return nil, fmt.Errorf("bad address %q", f[probes.RoleAddress])
	}
	length, err := strconv.ParseUint(f[probes.RoleLength], 0, 64)
	if err != nil {
		return nil, fmt.Errorf("bad length %q", f[probes.RoleLength])
	}
	attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_BREAKPOINT, Sample: 1, Bits: unix.PerfBitInherit, Ext1: addr}
	for _, m := range f[probes.RoleMode] {
		attr.Bp_type |= watchpointModes[m]
	}
	attr.Ext2 = length
	if attr.Bp_type&breakpointX != 0 {
		attr.Ext2 = 8 // an execute breakpoint covers one long
	}
	pid := s.tracedPID()
	if pid <= 0 {
		return s.attachPerCPU(attr, prog, t.Cookie)
	}
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return nil, err
	}
	var out []io.Closer
	for _, task := range tasks {
		tid, err := strconv.Atoi(task.Name())
		if err != nil {
			continue
		}
		a := attr
		pl, err := attachPerf(&a, tid, -1, prog, t.Cookie)
		if err != nil {
			return out, fmt.Errorf("thread %d: %w", tid, err)
		}
		out = append(out, pl)
	}
	return out, nil
}
