package tracer

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/check"
)

func TestFitLog(t *testing.T) {
	for _, tc := range []struct {
		log     string
		size    int
		kept    string
		trimmed bool
	}{
		{"abc\n", 5, "abc\n", false}, // fits with its NUL
		{"abc\n", 4, "bc\n", true},   // the kernel keeps the last size-1 bytes
		{"abc\n", 2, "\n", true},
		{"abc\n", 1, "", true},
		{"abc\n", 0, "abc\n", false}, // no limit
		{"", 1, "", false},
	} {
		kept, trimmed := fitLog(tc.log, tc.size)
		if kept != tc.kept || trimmed != tc.trimmed {
			t.Errorf("fitLog(%q, %d) = %q, %v; want %q, %v", tc.log, tc.size, kept, trimmed, tc.kept, tc.trimmed)
		}
	}
}

func TestIsLogTrimmed(t *testing.T) {
	for log, want := range map[string]bool{
		"0: (b7) r0 = 0\n1: (95) exit\nprocessed 2 insns (limit 1000000) max_states_per_insn 0\n": false,
		"processed 2 insns (limit 1000000)\n":                                                     false,
		"0: (b7) r0 = 0\n1: (95) exit\n":                                                          true,
		"insns processed\n":                                                                       true,
		"\n":                                                                                      true,
	} {
		if got := IsLogTrimmed(log); got != want {
			t.Errorf("IsLogTrimmed(%q) = %v, want %v", log, got, want)
		}
	}
}

// orderCloser records when it starts and ends closing; closers of one
// group wait for each other to have started, which only a concurrent
// close lets happen.
type orderCloser struct {
	group, index int
	rec          *closeRecord
	started      *sync.WaitGroup
}

type closeRecord struct {
	mu     sync.Mutex
	events []string
}

func (r *closeRecord) add(s string) {
	r.mu.Lock()
	r.events = append(r.events, s)
	r.mu.Unlock()
}

func (c *orderCloser) Close() error {
	c.rec.add(fmt.Sprintf("start %d", c.group))
	c.started.Done()
	done := make(chan struct{})
	go func() { c.started.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		return fmt.Errorf("closer %d.%d: the others of its probe were not closed at the same time", c.group, c.index)
	}
	c.rec.add(fmt.Sprintf("end %d", c.group))
	return nil
}

// TestDetachFollowsAttachOrder: probes are detached one after the other
// in attach order (bpftrace's order: a later probe keeps running while an
// earlier one's detach waits for the kernel), the links of one probe
// concurrently.
func TestDetachFollowsAttachOrder(t *testing.T) {
	rec := &closeRecord{}
	s := &session{}
	sizes := []int{3, 1, 2}
	for g, n := range sizes {
		var started sync.WaitGroup
		started.Add(n)
		var group []io.Closer
		for i := range n {
			group = append(group, &orderCloser{group: g, index: i, rec: rec, started: &started})
		}
		s.links = append(s.links, group)
	}
	if err := s.detach(); err != nil {
		t.Fatal(err)
	}
	// Every event of group g comes before every event of group g+1.
	last := 0
	for _, e := range rec.events {
		var what string
		var g int
		fmt.Sscanf(e, "%s %d", &what, &g)
		if g < last {
			t.Fatalf("events %q: group %d closed after group %d began", rec.events, g, last)
		}
		last = g
	}
	if len(rec.events) != 2*(3+1+2) {
		t.Errorf("events %q: want a start and an end for each of 6 closers", rec.events)
	}
	if s.links != nil {
		t.Error("links kept after detach")
	}
}

// invalidDef is a tracepoint program the verifier rejects: it reads R5,
// which is not initialised.
func invalidDef() progDef {
	return progDef{provider: "tracepoint", targets: []string{"tracepoint:syscalls:sys_enter_getppid"},
		typ: ebpf.TracePoint, body: func(*objBuilder) asm.Instructions {
			return asm.Instructions{asm.Mov.Reg(asm.R0, asm.R5), asm.Return()}
		}}
}

// TestLogSize: log_size is the size of the verifier's log buffer. With
// the log on from the first load (-v) a log that does not fit fails even
// a valid program with ENOSPC, keeping the log's end; a rejected program
// is retried with a log of that size too. Nothing is left loaded.
func TestLogSize(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	before := objectCounts(t, prefix)
	run := func(verifierLog bool, env, script any, defs ...progDef) (*LoadError, error) {
		t.Helper()
		obj := newObject(t, prefix, 1<<16, defs...)
		obj.Program = &check.Program{Config: map[string]check.ConfigValue{}}
		if script != nil {
			obj.Program.Config["log_size"] = check.ConfigValue{Key: "log_size", Value: script}
		}
		opts := Options{Output: newFakeOutput(), VerifierLog: verifierLog, Config: map[string]any{}}
		if env != nil {
			opts.Config["log_size"] = env
		}
		_, err := Run(obj, opts)
		var le *LoadError
		errors.As(err, &le)
		return le, err
	}

	// A valid program, the log on, 2 bytes: ENOSPC, the log's last byte.
	le, err := run(true, int64(2), nil, beginDef())
	if le == nil || !le.Trimmed || le.Errno != syscall.ENOSPC || le.LogSize != 2 || le.Log != "\n" ||
		!errors.Is(err, syscall.ENOSPC) || le.Program != prefix+"p0" {
		t.Errorf("log_size 2 with the log: %+v, err %v; want a trimmed ENOSPC failure of %sp0 keeping %q", le, err, prefix, "\n")
	}
	var ve *ebpf.VerifierError
	if !errors.As(err, &ve) {
		t.Errorf("log_size 2: %v does not carry the verifier's log", err)
	}
	checkNoLeak(t, prefix, before)

	// The same without the log: the valid program loads without one.
	if _, err := run(false, int64(2), nil, beginDef()); err != nil {
		t.Errorf("log_size 2 without the log: %v", err)
	}
	// A large log_size from the script.
	if _, err := run(true, nil, int64(10000000), beginDef()); err != nil {
		t.Errorf("log_size 10000000 with the log: %v", err)
	}
	// The command line's value takes precedence over the script's.
	if le, _ := run(true, int64(2), int64(10000000), beginDef()); le == nil || !le.Trimmed {
		t.Errorf("environment 2, script 10000000: %+v, want the environment's 2 bytes to fail the load", le)
	}
	if _, err := run(true, int64(10000000), int64(2), beginDef()); err != nil {
		t.Errorf("environment 10000000, script 2: %v", err)
	}

	// A rejected program with the default size: the verifier's own
	// error and its whole log.
	le, err = run(false, nil, nil, invalidDef())
	if le == nil || le.Trimmed || le.Errno != syscall.EACCES || !strings.Contains(le.Log, "R5 !read_ok") || IsLogTrimmed(le.Log) {
		t.Errorf("rejected program: %+v, err %v; want EACCES with the whole log", le, err)
	}
	// A rejected program whose log does not fit 40 bytes: ENOSPC, as the
	// kernel reports it, with the log's last 39 bytes.
	le, err = run(false, int64(40), nil, invalidDef())
	if le == nil || !le.Trimmed || le.Errno != syscall.ENOSPC || len(le.Log) != 39 || !errors.As(err, &ve) {
		t.Errorf("rejected program, log_size 40: %+v, err %v; want ENOSPC with 39 bytes of log", le, err)
	}
	checkNoLeak(t, prefix, before)
}
