package tracer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/codegen"
	"github.com/bt-tools/bt/tracer/output"
)

// Output formats what a running program produces; *output.Writer
// implements it. The runtime calls it from one goroutine.
type Output interface {
	// Event formats one ring buffer record of an event the runtime does
	// not handle itself; payload is the record after its 8-byte ID.
	Event(ev *codegen.Event, payload []byte) error
	// Map prints a map as print(@m, top, div) does, DumpMap as the end
	// of a run does.
	Map(m *codegen.MapLayout, entries []MapEntry, top, div int) error
	DumpMap(m *codegen.MapLayout, entries []MapEntry) error
	// AttachedProbes reports the number of probes attached.
	AttachedProbes(n int) error
	// Lost reports records lost because the ring buffer was full since
	// the last report; TotalLost the run's total at exit.
	Lost(n uint64) error
	TotalLost(n uint64) error
	// End marks the end of the run, before the end-of-run map dump.
	End() error
	// FormatCommand formats system()'s command line; SystemOutput
	// prints what the command wrote.
	FormatCommand(ev *codegen.Event, payload []byte) (string, error)
	SystemOutput(out string) error
	// BenchResult reports benchmark names[i]'s average run time over
	// iters runs (bench mode).
	BenchResult(names []string, i int, average time.Duration, iters uint64) error
	// TestResult reports test names[i] (test mode): whether it passed,
	// its run time, and what it printed, formatted by the Output that
	// Options.TestOutput made for it.
	TestResult(names []string, i int, duration time.Duration, passed []bool, output string) error
}

// MapEntry is one element of a map read from the kernel.
type MapEntry = output.MapEntry

// Options are a run's settings from the command line.
type Options struct {
	Output Output
	// Stdout receives what iterators and system() commands write;
	// Stderr the runtime's own warnings. Both default to the process's.
	Stdout, Stderr io.Writer
	// Quiet suppresses "Attached N probes".
	Quiet bool
	// DryRun loads, runs begin, attaches and detaches again, printing
	// nothing, as bpftrace --dry-run does.
	DryRun bool
	// Bench runs the bench probes instead of attaching anything, as
	// bpftrace --mode bench does: begin, each benchmark timed, end.
	Bench bool
	// Test runs the test probes instead of attaching anything, as
	// bpftrace --mode test does: begin, each test once, end.
	Test bool
	// TestOutput makes the Output that formats what one test prints,
	// into w (test mode). nil: text with output's defaults.
	TestOutput func(w io.Writer) Output
	// Unsafe allows system().
	Unsafe bool
	// PID restricts uprobes, profile and watchpoints to a process (-p);
	// the run ends when it exits.
	PID int
	// Child is the command of -c, started stopped: the run resumes it
	// once everything is attached and ends when it exits.
	Child *Child
	// Signals delivers the signals the run reacts to: SIGINT and SIGTERM
	// end it, SIGUSR1 runs the self:signal:SIGUSR1 probes.
	Signals <-chan os.Signal
	// Config holds config values from the command line (-k, environment),
	// by lower-case key; they take precedence over the script's config
	// block, as in bpftrace.
	Config map[string]any
	// VerifierLog loads every program with the kernel verifier's log on
	// (bpftrace -v), so that a failed load carries the whole log (at most
	// log_size bytes: a longer one fails the load, see LoadError).
	VerifierLog bool
	// Resolver is the one the Output formats with; Run gives it the
	// program's stack maps. nil: Run makes its own.
	Resolver *Resolver
}

// Result is what a run ended with.
type Result struct {
	// ExitCode is exit()'s argument, 0 otherwise.
	ExitCode int
	// Attached is the number of probes attached.
	Attached int
	// Lost is the number of records lost over the run.
	Lost uint64
	// AttachTime and DetachTime are the wall time spent attaching and
	// detaching every probe.
	AttachTime, DetachTime time.Duration
}

// session is one run: the loaded collection, what is attached, and the
// state of the event loop.
type session struct {
	obj  *codegen.Object
	opts Options

	coll *ebpf.Collection
	// progs are the loaded programs of each Prog: one, or one per target
	// for programs bound to their target at load time.
	progs       map[*codegen.Prog][]*ebpf.Program
	multiKprobe map[*codegen.Prog]bool
	multiUprobe map[*codegen.Prog]bool
	// links are the links and perf events of each attached Prog, in
	// attach order (the order detach follows).
	links  [][]io.Closer
	iters  []iterTarget
	events []*codegen.Event // by ID
	maps   map[*codegen.MapLayout]*ebpf.Map

	reader   *ringbuf.Reader
	records  chan []byte // from readLoop
	readDone chan error
	lost     *ebpf.Map
	lostSeen uint64

	exitCode   int
	exiting    bool // exit() was called: later records are dropped
	detachTime time.Duration
	// interrupted: SIGINT or SIGTERM ended the run; the records still in
	// the ring are dropped, as bpftrace drops what arrives after the
	// signal (a probe that floods the ring would otherwise delay the end
	// without bound).
	interrupted bool
	resolver    *Resolver

	exesMu sync.Mutex
	exes   map[string]*link.Executable // uprobe targets by name
	// uprobeFiles are the files uprobes were placed in by offset, by
	// target as written.
	uprobeFiles map[string]*uprobeFile

	tracefsOnce sync.Once
	tracefs     string
	tracefsErr  error
}

type iterTarget struct {
	it  *link.Iter
	pin string
}

// Run loads obj, attaches it and runs it until exit(), a signal in
// opts.Signals, the end of opts.Child or opts.PID, or an error. Every
// kernel object it created is closed when it returns, on every path.
// A failure to load is returned as a *LoadError.
func Run(obj *codegen.Object, opts Options) (res Result, err error) {
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.Output == nil {
		return res, errors.New("tracer: no Output")
	}
	if opts.Resolver == nil {
		opts.Resolver = NewResolver(obj)
	}
	s := &session{obj: obj, opts: opts, resolver: opts.Resolver}
	defer func() {
		if cerr := s.close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := s.load(); err != nil {
		return res, err
	}
	if err := s.startReader(); err != nil {
		return res, err
	}
	if !opts.DryRun && !opts.Bench {
		// Before anything attaches (and before the command of -c runs):
		// the mappings of processes are recorded from here on.
		cache, _ := s.config("cache_user_symbols")
		s.resolver.startCapture(symbolCacheOf(fmt.Sprint(cache), opts.Child != nil), s.tracedPID())
	}
	if err := s.setState(stateStart, bootNanos()); err != nil {
		return res, err
	}
	if err := s.runProbes("begin"); err != nil {
		return res, err
	}
	if opts.Bench || opts.Test {
		run := s.runBenchmarks
		if opts.Test {
			run = s.runTests
		}
		runErr := run()
		err = s.finish(false)
		res.ExitCode, res.Lost = s.exitCode, s.lostSeen
		return res, errors.Join(runErr, err)
	}
	start := time.Now()
	n, err := s.attachAll()
	res.Attached, res.AttachTime = n, time.Since(start)
	if err != nil {
		return res, err
	}
	if opts.DryRun {
		start = time.Now()
		err := s.detach()
		res.DetachTime = time.Since(start)
		return res, err
	}
	if !opts.Quiet {
		if err := opts.Output.AttachedProbes(n); err != nil {
			return res, err
		}
	}
	if opts.Child != nil {
		if err := opts.Child.Resume(); err != nil {
			return res, err
		}
	}
	loopErr := s.loop(n)
	err = s.finish(loopErr == nil)
	res.ExitCode, res.Lost, res.DetachTime = s.exitCode, s.lostSeen, s.detachTime
	return res, errors.Join(loopErr, err)
}

// load prepares the spec and creates every map and program.
func (s *session) load() error {
	if err := raiseMemlock(); err != nil {
		return fmt.Errorf("raising the locked memory limit: %w", err)
	}
	spec, names, err := s.prepareSpec()
	if err != nil {
		return err
	}
	coll, err := ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{Programs: s.programOptions()})
	if err != nil {
		return s.loadError(err)
	}
	s.coll = coll
	if le := s.checkLogSizes(coll, names); le != nil {
		return le
	}
	s.progs = map[*codegen.Prog][]*ebpf.Program{}
	for _, p := range s.obj.Progs {
		for _, name := range names[p] {
			s.progs[p] = append(s.progs[p], coll.Programs[name])
		}
	}
	s.events = make([]*codegen.Event, len(s.obj.Events))
	for _, ev := range s.obj.Events {
		if ev.ID < 0 || ev.ID >= len(s.events) {
			return fmt.Errorf("event ID %d out of range", ev.ID)
		}
		s.events[ev.ID] = ev
	}
	s.maps = map[*codegen.MapLayout]*ebpf.Map{}
	for _, m := range s.obj.Maps {
		if s.maps[m] = coll.Maps[m.SpecName]; s.maps[m] == nil {
			return fmt.Errorf("map %s (%s) is not in the collection", m.Name, m.SpecName)
		}
	}
	if s.obj.Lost != "" {
		s.lost = coll.Maps[s.obj.Lost]
	}
	s.resolver.setMaps(coll.Maps[s.obj.KernelStacks], coll.Maps[s.obj.UserStacks], coll.Maps[s.obj.UserBuildIDStacks])
	return nil
}

// prepareSpec copies the object's spec and gives programs what the
// kernel binds at load time: the target of a Tracing program (fentry,
// fexit, tp_btf, iter), loading one copy per target when a program serves
// several, and the kprobe_multi attach type for a kprobe program with
// several functions. It returns the spec names to load for each Prog.
func (s *session) prepareSpec() (*ebpf.CollectionSpec, map[*codegen.Prog][]string, error) {
	spec := s.obj.Spec.Copy()
	names := map[*codegen.Prog][]string{}
	s.multiKprobe = map[*codegen.Prog]bool{}
	s.multiUprobe = map[*codegen.Prog]bool{}
	seen := map[string]bool{}
	for _, p := range s.obj.Progs {
		if seen[p.SpecName] {
			// Each Prog is one program: two sharing a spec would attach
			// one's code (and attach cookie) to the other's targets.
			return nil, nil, fmt.Errorf("two programs of the object are both named %s", p.SpecName)
		}
		seen[p.SpecName] = true
		ps := spec.Programs[p.SpecName]
		if ps == nil {
			return nil, nil, fmt.Errorf("program %s is not in the collection", p.SpecName)
		}
		if runFromUserSpace[p.Provider] {
			names[p] = []string{p.SpecName}
			continue
		}
		if _, ok := attachers[p.Provider]; !ok {
			return nil, nil, fmt.Errorf("%s probes are not supported yet", p.Provider)
		}
		if len(p.Targets) == 0 {
			return nil, nil, fmt.Errorf("program %s has no attach point", p.SpecName)
		}
		switch {
		case ps.Type == ebpf.Tracing:
			delete(spec.Programs, p.SpecName)
			for i, t := range p.Targets {
				c := ps.Copy()
				if err := bindTracing(c, p.Provider, t.Name); err != nil {
					return nil, nil, err
				}
				name := p.SpecName
				if len(p.Targets) > 1 {
					name = fmt.Sprintf("%s#%d", p.SpecName, i)
				}
				spec.Programs[name] = c
				names[p] = append(names[p], name)
			}
			continue
		case ps.Type == ebpf.Kprobe && (p.Provider == "uprobe" || p.Provider == "uretprobe") && len(p.Targets) > 1:
			if multiUprobeTargets(p) && features.HaveBPFLinkUprobeMulti() == nil {
				ps.AttachType = ebpf.AttachTraceUprobeMulti
				s.multiUprobe[p] = true
			}
		case ps.Type == ebpf.Kprobe && (p.Provider == "kprobe" || p.Provider == "kretprobe") && len(p.Targets) > 1:
			multi := features.HaveBPFLinkKprobeMulti() == nil
			for _, t := range p.Targets {
				f, err := fields(t.Name)
				if err != nil {
					return nil, nil, err
				}
				multi = multi && f[probes.RoleOffset] == "" && f[probes.RoleAddress] == ""
			}
			if multi {
				ps.AttachType = ebpf.AttachTraceKprobeMulti
				s.multiKprobe[p] = true
			}
		}
		names[p] = []string{p.SpecName}
	}
	return spec, names, nil
}

// tracingAttach is how each provider of Tracing programs names its
// load-time target and attach type.
var tracingAttach = map[string]struct {
	role string
	typ  ebpf.AttachType
}{
	"fentry":        {probes.RoleFunc, ebpf.AttachTraceFEntry},
	"fexit":         {probes.RoleFunc, ebpf.AttachTraceFExit},
	"rawtracepoint": {probes.RoleEvent, ebpf.AttachTraceRawTp},
	"iter":          {probes.RoleIterator, ebpf.AttachTraceIter},
}

func bindTracing(ps *ebpf.ProgramSpec, provider, target string) error {
	how, ok := tracingAttach[provider]
	if !ok {
		return fmt.Errorf("%s programs cannot be Tracing programs", provider)
	}
	f, err := fields(target)
	if err != nil {
		return err
	}
	if f[probes.RoleProgID] != "" || f[probes.RoleModule] == "bpf" {
		return fmt.Errorf("%s: tracing BPF programs is not supported yet", target)
	}
	ps.AttachTo = f[how.role]
	ps.AttachType = how.typ
	return nil
}

// runProbes runs the programs of a provider run from user space (begin,
// end, self) with BPF_PROG_TEST_RUN, in the script's order.
func (s *session) runProbes(provider string) error {
	for _, p := range s.obj.Progs {
		if p.Provider != provider {
			continue
		}
		for _, prog := range s.progs[p] {
			if _, err := prog.Run(&ebpf.RunOptions{}); err != nil {
				return fmt.Errorf("running the %s probe: %w", provider, err)
			}
		}
	}
	return nil
}

// attachedInReverse are the providers whose probes on one event the
// kernel runs last-attached first (kprobes, uprobes, usdt, fentry, fexit
// and iterators keep a list they add to at the front): their programs are
// attached in reverse script order, after the others in script order, so
// that every event runs the probes of a script in the order written, as
// in bpftrace.
var attachedInReverse = map[string]bool{
	"kprobe": true, "uprobe": true, "uretprobe": true, "usdt": true,
	"fentry": true, "fexit": true, "iter": true,
}

// attachAll attaches every program not run from user space (in script
// order, or reversed for attachedInReverse) and counts probes as bpftrace
// does: every attach point, plus the begin, end and self probes.
func (s *session) attachAll() (int, error) {
	n := 0
	var reversed []*codegen.Prog
	for _, p := range s.obj.Progs {
		if runFromUserSpace[p.Provider] {
			if runInMode[p.Provider] == "" {
				n++
			}
			continue
		}
		if attachedInReverse[p.Provider] {
			reversed = append(reversed, p)
		}
	}
	attach := func(p *codegen.Prog) error {
		closers, attached, err := attachers[p.Provider](s, p, s.progs[p])
		if len(closers) > 0 {
			s.links = append(s.links, closers)
		}
		n += attached
		return err
	}
	for _, p := range s.obj.Progs {
		if runFromUserSpace[p.Provider] || attachedInReverse[p.Provider] {
			continue
		}
		if err := attach(p); err != nil {
			return n, err
		}
	}
	for i := len(reversed) - 1; i >= 0; i-- {
		if err := attach(reversed[i]); err != nil {
			return n, err
		}
	}
	if n == 0 {
		// A hint for a script of tests or benchmarks run without the
		// mode that runs them; tests are named first, as in bpftrace.
		for _, mode := range []string{"test", "bench"} {
			for _, p := range s.obj.Progs {
				if p.Provider == mode {
					return 0, &NothingAttachedError{runInMode[mode]}
				}
			}
		}
		return 0, &NothingAttachedError{"Attachment failed for all probes."}
	}
	return n, nil
}

// detach closes every link and perf event, probe by probe in the order
// they were attached, as bpftrace does: a probe stays attached until the
// ones attached before it are gone, so the events it sees during the
// detach (a traced program still running after exit(); closing a uprobe
// or tracepoint waits for kernel grace periods, tens of milliseconds)
// are the ones bpftrace sees. The links of one probe run the same
// program and are closed concurrently: waiters share grace periods, so
// detaching hundreds of tracepoints of one probe takes about as long as
// one.
func (s *session) detach() error {
	var errs []error
	for _, group := range s.links {
		errs = append(errs, closeConcurrently(group))
	}
	s.links = nil
	return errors.Join(errs...)
}

// closeConcurrently closes every closer, at most maxConcurrentDetach at a
// time, and returns when all are closed.
func closeConcurrently(closers []io.Closer) error {
	if len(closers) == 1 {
		return closers[0].Close()
	}
	errs := make([]error, len(closers))
	sem := make(chan struct{}, maxConcurrentDetach)
	var wg sync.WaitGroup
	for i, l := range closers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			errs[i] = l.Close()
			<-sem
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// maxConcurrentDetach bounds the threads blocked closing links.
const maxConcurrentDetach = 256

// startReader opens the ring buffer and starts readLoop.
func (s *session) startReader() error {
	rb := s.coll.Maps[s.obj.RingBuf]
	if rb == nil {
		return fmt.Errorf("ring buffer %q is not in the collection", s.obj.RingBuf)
	}
	r, err := ringbuf.NewReader(rb)
	if err != nil {
		return err
	}
	s.reader = r
	if s.opts.Bench || s.opts.Test {
		// Bench and test mode read the ring buffer themselves, after
		// each test run (takeRecords) and after end (finish's
		// drainSync).
		return nil
	}
	s.records = make(chan []byte, 64)
	s.readDone = make(chan error, 1)
	go s.readLoop()
	return nil
}

// readLoop forwards records until the reader is flushed (the event loop
// is ending) or closed.
func (s *session) readLoop() {
	defer close(s.records)
	for {
		rec, err := s.reader.Read()
		if err != nil {
			if errors.Is(err, ringbuf.ErrFlushed) || errors.Is(err, ringbuf.ErrClosed) || errors.Is(err, os.ErrClosed) {
				err = nil
			}
			s.readDone <- err
			return
		}
		s.records <- rec.RawSample
	}
}

// lostPollInterval is how often the Lost map is read while running.
const lostPollInterval = time.Second

// loop dispatches records until the run should end. attached is the
// number of probes attached: with only begin and end probes (and no self
// probes or iterators, which end by themselves) the run ends as soon as
// the records begin wrote are handled, as in bpftrace.
func (s *session) loop(attached int) error {
	onlyOnce := true
	for _, p := range s.obj.Progs {
		if p.Provider != "begin" && p.Provider != "end" {
			onlyOnce = false
		}
	}
	if len(s.iters) > 0 {
		if err := s.runIters(); err != nil {
			return err
		}
		onlyOnce = true
	}
	if onlyOnce {
		// Handle what is in the ring buffer now, then end.
		if err := s.reader.Flush(); err != nil {
			return err
		}
	}
	var childDone <-chan struct{}
	if s.opts.Child != nil {
		childDone = s.opts.Child.Done()
	}
	pidPoll := false
	if s.opts.PID > 0 {
		done, stop, err := watchPID(s.opts.PID)
		if err != nil {
			pidPoll = true // no pidfd: check on the ticker
		} else {
			defer stop()
			childDone = done
		}
	}
	tick := time.NewTicker(lostPollInterval)
	defer tick.Stop()
	for !s.exiting {
		select {
		case rec, ok := <-s.records:
			if !ok {
				s.records = nil
				return <-s.readDone
			}
			if err := s.dispatch(rec); err != nil {
				return err
			}
		case sig := <-s.opts.Signals:
			if sig == syscall.SIGUSR1 {
				if err := s.runProbes("self"); err != nil {
					return err
				}
				continue
			}
			s.interrupted = true
			return nil
		case <-childDone:
			return nil
		case <-tick.C:
			if err := s.pollLost(); err != nil {
				return err
			}
			if pidPoll && syscall.Kill(s.opts.PID, 0) == syscall.ESRCH {
				return nil
			}
		}
	}
	return nil
}

// finish ends a run: detach, let the reader hand over what the ring
// holds (dropped after exit(), as bpftrace does), run the end programs,
// handle their records, report lost events and print the maps.
func (s *session) finish(printMaps bool) error {
	start := time.Now()
	errs := []error{s.detach()}
	s.detachTime = time.Since(start)
	if s.opts.Child != nil {
		s.opts.Child.Terminate()
	}
	if err := s.drainReader(!s.exiting && !s.interrupted); err != nil {
		errs = append(errs, err)
	}
	s.exiting = false
	// exit() set the flag that stops every program; with everything
	// detached, clear it so that the end programs run, as in bpftrace.
	if err := s.setState(stateExitFlag, 0); err != nil {
		errs = append(errs, err)
	}
	if err := s.runProbes("end"); err != nil {
		errs = append(errs, err)
	}
	if err := s.drainSync(); err != nil {
		errs = append(errs, err)
	}
	if err := s.pollLost(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, s.opts.Output.TotalLost(s.lostSeen), s.opts.Output.End())
	if printMaps && s.printMapsOnExit() {
		errs = append(errs, s.printAllMaps())
	}
	return errors.Join(errs...)
}

// drainReader stops readLoop: after a flush it hands over every record
// already in the ring and ends. handle says whether those records are
// dispatched or dropped.
func (s *session) drainReader(handle bool) error {
	if s.records == nil {
		return nil
	}
	if err := s.reader.Flush(); err != nil {
		return err
	}
	var errs []error
	for rec := range s.records {
		if handle && !s.exiting {
			errs = append(errs, s.dispatch(rec))
		}
	}
	errs = append(errs, <-s.readDone)
	s.records = nil
	return errors.Join(errs...)
}

// drainSync handles the records the end programs wrote, once readLoop
// has ended.
func (s *session) drainSync() error {
	var errs []error
	if err := s.readFlushed(func(rec []byte) {
		if !s.exiting {
			errs = append(errs, s.dispatch(rec))
		}
	}); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// readFlushed hands every record the ring holds now to handle, in order,
// reading it directly (readLoop has ended or never ran); it returns the
// first read error.
func (s *session) readFlushed(handle func(rec []byte)) error {
	if err := s.reader.Flush(); err != nil {
		return err
	}
	for {
		rec, err := s.reader.Read()
		if errors.Is(err, ringbuf.ErrFlushed) {
			return nil
		}
		if err != nil {
			return err
		}
		handle(rec.RawSample)
	}
}

// pollLost reports records lost since the last poll.
func (s *session) pollLost() error {
	if s.lost == nil {
		return nil
	}
	perCPU, err := s.lostPerCPU()
	if err != nil {
		return err
	}
	var total uint64
	for _, v := range perCPU {
		total += v
	}
	if total > s.lostSeen {
		delta := total - s.lostSeen
		s.lostSeen = total
		return s.opts.Output.Lost(delta)
	}
	return nil
}

// lostPerCPU reads the Lost map's counters, one per CPU.
func (s *session) lostPerCPU() ([]uint64, error) {
	var perCPU []uint64
	if err := s.lost.Lookup(uint32(0), &perCPU); err != nil {
		return nil, fmt.Errorf("reading the lost event counter: %w", err)
	}
	return perCPU, nil
}

// runIters reads each iterator to the end into Stdout, or pins it.
func (s *session) runIters() error {
	for _, it := range s.iters {
		if it.pin != "" {
			path := it.pin
			if !strings.HasPrefix(path, "/") {
				path = "/sys/fs/bpf/" + path
			}
			if err := it.it.Pin(path); err != nil {
				return fmt.Errorf("pinning the iterator: %w", err)
			}
			fmt.Fprintf(s.opts.Stdout, "Program pinned to %s\n", path)
			continue
		}
		r, err := it.it.Open()
		if err != nil {
			return fmt.Errorf("opening the iterator: %w", err)
		}
		_, err = io.Copy(s.opts.Stdout, r)
		r.Close()
		if err != nil {
			return fmt.Errorf("reading the iterator: %w", err)
		}
	}
	return nil
}

// close releases everything still open; safe after any failure.
func (s *session) close() error {
	errs := []error{s.detach()}
	if s.reader != nil {
		errs = append(errs, s.reader.Close())
		if s.records != nil {
			for range s.records {
			}
			<-s.readDone
			s.records = nil
		}
	}
	if s.coll != nil {
		s.coll.Close()
	}
	s.resolver.close()
	return errors.Join(errs...)
}

// config reads a setting (check.Program.Setting: the command line's or
// environment's, else the script's config block's).
func (s *session) config(key string) (any, bool) {
	return s.obj.Program.Setting(s.opts.Config, key)
}

// configInt reads an integer setting, def when unset.
func (s *session) configInt(key string, def int) int {
	return s.obj.Program.SettingInt(s.opts.Config, key, def)
}

// configString reads a config value as text, def when unset.
func (s *session) configString(key, def string) string {
	v, ok := s.config(key)
	if !ok {
		return def
	}
	return strings.ToLower(fmt.Sprint(v))
}

// printMapsOnExit reads the print_maps_on_exit config (on by default).
func (s *session) printMapsOnExit() bool {
	return s.obj.Program.SettingBool(s.opts.Config, "print_maps_on_exit", true)
}

// watchPID returns a channel closed when process pid exits, through a
// pidfd; stop releases it.
func watchPID(pid int) (done <-chan struct{}, stop func(), err error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, nil, err
	}
	// An eventfd wakes the waiting goroutine when the run ends first.
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(fd)
		return nil, nil, err
	}
	ch := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(wake), Events: unix.POLLIN}}
		for {
			_, err := unix.Poll(fds, -1)
			if err == unix.EINTR {
				continue
			}
			if err == nil && fds[0].Revents != 0 {
				close(ch)
			}
			return
		}
	}()
	stop = func() {
		unix.Write(wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		<-exited
		unix.Close(wake)
		unix.Close(fd)
	}
	return ch, stop, nil
}

// Offsets in the value of Object.State, the compiler's state map: the
// exit flag that every program checks first (exit() and failed asserts
// set it) and the start time elapsed counts from (boot clock).
const (
	stateExitFlag = 0
	stateStart    = 8
)

// stateValue reads the value of the state map, nil when the object has
// none.
func (s *session) stateValue() (*ebpf.Map, []byte, error) {
	m := s.coll.Maps[s.obj.State]
	if s.obj.State == "" || m == nil || m.Type() != ebpf.Array || m.ValueSize() < stateStart+8 {
		return nil, nil, nil
	}
	val := make([]byte, m.ValueSize())
	if err := m.Lookup(uint32(0), val); err != nil {
		return nil, nil, fmt.Errorf("reading the state map: %w", err)
	}
	return m, val, nil
}

// setState writes a uint64 at off in the state map, when the object has
// one.
func (s *session) setState(off int, v uint64) error {
	m, val, err := s.stateValue()
	if val == nil {
		return err
	}
	le.PutUint64(val[off:], v)
	if err := m.Update(uint32(0), val, ebpf.UpdateExist); err != nil {
		return fmt.Errorf("writing the state map: %w", err)
	}
	return nil
}

// bootNanos is the boot clock (CLOCK_BOOTTIME, bpf_ktime_get_boot_ns's)
// in nanoseconds.
func bootNanos() uint64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return 0
	}
	return uint64(ts.Nano())
}

// le is the byte order of records and map values (the kernel's; bt runs
// on little-endian machines only, as its compiler targets them).
var le = binary.LittleEndian

// raiseMemlock lifts RLIMIT_MEMLOCK, which kernels before 5.11 charge BPF
// maps to (newer ones charge the memory cgroup and ignore it). Done here
// rather than with cilium/ebpf's rlimit package, whose init creates a
// probe map in every process, bt version included.
func raiseMemlock() error {
	inf := &unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
	if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, inf); err != nil && !errors.Is(err, unix.EPERM) {
		return err
	}
	return nil
}
