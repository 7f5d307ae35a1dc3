package tracer

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"syscall"

	"github.com/cilium/ebpf"

	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/codegen"
)

// The verifier's log and the log_size config.
//
// bpftrace gives the kernel a log buffer of exactly log_size bytes for
// every program: from the first load with -v (log level 1), otherwise
// only when a load without a log failed and is retried with one. A log
// that does not fit fails the load with ENOSPC, even when the program is
// valid, and the buffer holds the log's last log_size-1 bytes (the
// kernel's rotating log, since Linux 6.4).
//
// cilium/ebpf sizes the buffer itself (at least 64 KiB, grown until the
// whole log fits), so the limit is applied to the complete log it
// returns: the load fails, with ENOSPC and the log's tail, exactly when
// the kernel would have failed it with a log_size buffer.

// LoadError is a failure to load the collection: a verifier rejection
// (Err wraps *ebpf.VerifierError) or a map or program the kernel refused.
// codegen.LoadDiag turns it into a diagnostic on the script.
type LoadError struct {
	Err error
	// Program is the spec name of the program the kernel refused; empty
	// when the failure is not a program's (a map, say).
	Program string
	// Errno is the kernel's error code, 0 when there is none.
	Errno syscall.Errno
	// Log is the verifier's log as a log_size buffer holds it (its end,
	// when Trimmed); empty when the load had no log.
	Log string
	// LogSize is the log_size config the load used.
	LogSize int
	// Trimmed: the log did not fit LogSize bytes, so the load failed
	// with ENOSPC and Log is only the log's end.
	Trimmed bool
}

func (e *LoadError) Error() string { return "loading the program: " + e.Err.Error() }
func (e *LoadError) Unwrap() error { return e.Err }

// defaultLogSize is log_size's default from the config table.
var defaultLogSize = func() int {
	if k, ok := builtins.LookupConfig("log_size"); ok {
		if n, err := strconv.Atoi(k.Default); err == nil {
			return n
		}
	}
	return 1000000
}()

// logSize is the log_size config: the size in bytes of the verifier log
// buffer.
func (s *session) logSize() int {
	return s.configInt("log_size", defaultLogSize)
}

// programOptions are the load options of every program: the verifier's
// log from the first load with Options.VerifierLog, a buffer starting at
// log_size bytes.
func (s *session) programOptions() ebpf.ProgramOptions {
	var o ebpf.ProgramOptions
	if s.opts.VerifierLog {
		o.LogLevel = ebpf.LogLevelBranch
	}
	if n := s.logSize(); n > 0 {
		o.LogSizeStart = uint32(min(n, math.MaxUint32>>2))
	}
	return o
}

// loadError describes err, the failure of loading the collection, with
// the verifier's log as a log_size buffer would have held it.
func (s *session) loadError(err error) *LoadError {
	le := &LoadError{Err: err, LogSize: s.logSize()}
	if name, _, ok := strings.Cut(strings.TrimPrefix(err.Error(), "program "), ":"); ok && strings.HasPrefix(err.Error(), "program ") {
		le.Program = name
	}
	errors.As(err, &le.Errno)
	var ve *ebpf.VerifierError
	if !errors.As(err, &ve) || len(ve.Log) == 0 {
		return le
	}
	// The error keeps the log's lines without trailing white space;
	// the kernel's log ends each line with a newline.
	le.Log = strings.Join(ve.Log, "\n") + "\n"
	if kept, trimmed := fitLog(le.Log, le.LogSize); trimmed {
		le.Log, le.Trimmed, le.Errno = kept, true, syscall.ENOSPC
		le.Err = newLogSizeError(le.Program, kept, le.LogSize)
	}
	return le
}

// checkLogSizes fails a load that succeeded but whose verifier log (with
// Options.VerifierLog) would not have fitted log_size bytes, as the
// kernel fails it, naming the first such program in the object's order.
func (s *session) checkLogSizes(coll *ebpf.Collection, names map[*codegen.Prog][]string) *LoadError {
	if !s.opts.VerifierLog {
		return nil
	}
	size := s.logSize()
	for _, p := range s.obj.Progs {
		for _, name := range names[p] {
			prog := coll.Programs[name]
			if prog == nil {
				continue
			}
			kept, trimmed := fitLog(prog.VerifierLog, size)
			if !trimmed {
				continue
			}
			return &LoadError{Err: newLogSizeError(name, kept, size), Program: name, Errno: syscall.ENOSPC,
				Log: kept, LogSize: size, Trimmed: true}
		}
	}
	return nil
}

// fitLog returns what a verifier log buffer of size bytes holds of log:
// all of it and false when it fits with its terminating NUL, else its
// last size-1 bytes and true. A size of 0 or less sets no limit.
func fitLog(log string, size int) (string, bool) {
	if size <= 0 || len(log) < size {
		return log, false
	}
	return log[len(log)-(size-1):], true
}

// logSizeError is the ENOSPC of a verifier log longer than log_size. It
// names the program as cilium/ebpf's collection loader does ("program
// NAME: ..."), which codegen.LoadDiag reads, and unwraps to the
// *ebpf.VerifierError of the log's kept end.
type logSizeError struct {
	program string
	size    int
	ve      *ebpf.VerifierError
}

func newLogSizeError(program, kept string, size int) *logSizeError {
	var lines []string
	if t := strings.TrimRight(kept, "\n"); strings.TrimSpace(t) != "" {
		lines = strings.Split(t, "\n")
	}
	return &logSizeError{program: program, size: size, ve: &ebpf.VerifierError{Cause: syscall.ENOSPC, Log: lines}}
}

func (e *logSizeError) Error() string {
	return fmt.Sprintf("program %s: load program: %v: the verifier's log is longer than log_size (%d bytes)", e.program, syscall.ENOSPC, e.size)
}

func (e *logSizeError) Unwrap() error { return e.ve }

// IsLogTrimmed reports whether a verifier log seems cut short: a
// complete log ends with the verifier's statistics ("processed N insns
// ..."), which a log whose beginning or end was lost lacks.
func IsLogTrimmed(log string) bool {
	i := strings.Index(log, "processed")
	return i < 0 || !strings.Contains(log[i:], "insns")
}
