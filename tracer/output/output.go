// Package output formats what a running bpftrace program produces —
// printf and friends, print() of values and maps, the end-of-run map
// dump, lost events, attached probes — exactly as bpftrace v0.26 prints
// it, as text or as JSON lines.
//
// It reads no kernel object: the runtime (package tracer) reads ring
// buffer records and maps and hands their bytes here, with a Resolver for
// what only the running system knows (symbols, stacks, user names). One
// decoder turns (type, bytes) into a value tree that both the text and
// the JSON writers render, so the two formats never disagree on a value.
package output

import (
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/codegen"
)

// Format is an output format.
type Format int

const (
	Text Format = iota // bpftrace's default text output
	JSON               // bpftrace -f json: one JSON object per line
)

// Resolver answers what formatting needs from the running system.
type Resolver interface {
	KernelSymbol(addr uint64) (name string, offset uint64, ok bool)
	UserSymbol(pid uint32, addr uint64) (name string, offset uint64, ok bool)
	KernelStack(id int64) []uint64 // frames of a stack id in Object.KernelStacks; nil when unknown
	UserStack(id int64) []uint64   // frames of a stack id in Object.UserStacks
	UserName(uid uint32) string
	// CgroupPath is cgroup_path()'s text for a cgroup id, in the
	// hierarchies whose names match filter ("" for all).
	CgroupPath(id uint64, filter string) string
}

// BuildIDFrame is one frame of a build_id-mode user stack: the build id
// of the file it is in and the offset in that file, or, when the kernel
// could not read the file's build id, the address alone.
type BuildIDFrame struct {
	BuildID []byte // nil: only Addr is known
	Offset  uint64
	Addr    uint64
}

// BuildIDStackResolver is optionally implemented by a Resolver to read
// the frames of a stack id in Object.UserBuildIDStacks.
type BuildIDStackResolver interface {
	UserBuildIDStack(id int64) []BuildIDFrame
}

// UserModuleResolver is optionally implemented by a Resolver to name the
// binary or library a user address belongs to, which perf-mode user
// stacks print after each frame ("main+4 (/usr/bin/bash)").
type UserModuleResolver interface {
	UserModule(pid uint32, addr uint64) (path string, ok bool)
}

// Writer prints one program's output. It is not safe for concurrent use:
// the runtime calls it from the goroutine that reads the ring buffer.
type Writer struct {
	stdout, stderr io.Writer
	format         Format
	obj            *codegen.Object
	res            Resolver
	dec            decoder

	// formats caches parsed printf-style formats by event ID.
	formats map[int]*formatString
	strings []string

	// jsonHex is the JSON stream's hex mode (see jsonOut).
	jsonHex bool

	truncTrailer string
	maxCatBytes  int
	maxStrlen    int

	// Warnings is false under --no-warnings: warnf() prints nothing.
	Warnings bool
	// Color colors errorf (red) and warnf and runtime warnings (yellow)
	// in text mode, as bpftrace does when standard output and error are
	// terminals or BPFTRACE_COLOR=always.
	Color bool
	// BootTime is the wall-clock time the system booted, for timestamps
	// taken with the boot clock (strftime's default).
	BootTime time.Time
	// Now returns the current time for time(); time.Now by default.
	Now func() time.Time
}

// New makes a Writer for obj's events and maps. Config values that shape
// output (str_trunc_trailer, max_cat_bytes, max_strlen) come from the
// script's config block; SetConfig overrides them from the command line.
func New(stdout, stderr io.Writer, f Format, obj *codegen.Object, r Resolver) *Writer {
	w := &Writer{
		stdout: stdout, stderr: stderr, format: f, obj: obj, res: r,
		formats:      map[int]*formatString{},
		truncTrailer: "..",
		maxCatBytes:  10240,
		maxStrlen:    1024,
		Warnings:     true,
		BootTime:     bootTime(),
		Now:          time.Now,
	}
	w.dec = decoder{w: w}
	if r == nil {
		w.res = noResolver{}
	}
	if obj != nil {
		w.strings = obj.Strings
		if obj.Program != nil {
			for k, v := range obj.Program.Config {
				w.SetConfig(k, v.Value)
			}
		}
	}
	return w
}

// SetConfig sets a config value that shapes output, by its canonical
// lower-case key; other keys are ignored.
func (w *Writer) SetConfig(key string, v any) {
	switch key {
	case "str_trunc_trailer":
		if s, ok := v.(string); ok {
			w.truncTrailer = s
		}
	case "max_cat_bytes":
		if n, ok := toInt(v); ok {
			w.maxCatBytes = n
		}
	case "max_strlen":
		if n, ok := toInt(v); ok {
			w.maxStrlen = n
		}
	}
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case uint64:
		return int(n), true
	}
	return 0, false
}

// bootTime is when the system booted, on the wall clock.
func bootTime() time.Time {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return time.Time{}
	}
	return time.Now().Add(-time.Duration(ts.Nano()))
}

// noResolver resolves nothing: addresses print as numbers.
type noResolver struct{}

func (noResolver) KernelSymbol(uint64) (string, uint64, bool)       { return "", 0, false }
func (noResolver) UserSymbol(uint32, uint64) (string, uint64, bool) { return "", 0, false }
func (noResolver) KernelStack(int64) []uint64                       { return nil }
func (noResolver) UserStack(int64) []uint64                         { return nil }
func (noResolver) UserName(uint32) string                           { return "" }
func (noResolver) CgroupPath(uint64, string) string                 { return "" }

// AttachedProbes prints bpftrace's "Attached N probe(s)" line (stderr in
// text mode; a JSON record in JSON mode).
func (w *Writer) AttachedProbes(n int) error {
	if w.format == JSON {
		return w.jsonCount("attached_probes", "probes", uint64(n))
	}
	noun := "probes"
	if n == 1 {
		noun = "probe"
	}
	_, err := fmt.Fprintf(w.stderr, "Attached %d %s\n", n, noun)
	return err
}

// Lost reports records lost because the ring buffer was full.
func (w *Writer) Lost(n uint64) error {
	if w.format == JSON {
		return w.jsonCount("lost_events", "events", n)
	}
	_, err := fmt.Fprintf(w.stderr, "Lost %d events\n", n)
	return err
}

// TotalLost prints the warning bpftrace gives on standard error at exit
// when records were lost during the run.
func (w *Writer) TotalLost(n uint64) error {
	if n == 0 {
		return nil
	}
	_, err := fmt.Fprintf(w.stderr, "WARNING: Total lost event count: %d\n", n)
	return err
}

// End marks the end of the run, before the end-of-run map dump: text
// output separates the dump with two empty lines; JSON prints nothing.
func (w *Writer) End() error {
	if w.format == JSON {
		return nil
	}
	_, err := io.WriteString(w.stdout, "\n\n")
	return err
}

// jsonCount prints {"type": kind, "count": n, "data": {"field": n}}.
func (w *Writer) jsonCount(kind, field string, n uint64) error {
	return w.jsonRecord(func(j *jsonOut) {
		j.raw(`{"type": "` + kind + `", "count": `)
		j.streamUint(n)
		j.raw(`, "data": {"` + field + `": `)
		j.streamUint(n)
		j.raw("}}")
	})
}

// errNotOutput is returned for events whose action is the runtime's.
var errNotOutput = errors.New("output: this event is an action for the runtime, not output")

// eventFormat parses an event's format once.
func (w *Writer) eventFormat(ev *codegen.Event) (*formatString, error) {
	if f, ok := w.formats[ev.ID]; ok {
		return f, nil
	}
	f, err := parseFormat(ev.Format)
	if err != nil {
		var fe *builtins.FormatError
		if errors.As(err, &fe) {
			return nil, fmt.Errorf("output: event %d: %s", ev.ID, fe.Msg)
		}
		return nil, err
	}
	w.formats[ev.ID] = f
	return f, nil
}
