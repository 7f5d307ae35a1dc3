package tracer

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"

	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/codegen"
)

// actions are the event kinds the runtime carries out itself; every
// other kind is formatting, handed to the Output.
var actions = map[codegen.EventKind]func(s *session, ev *codegen.Event, payload []byte) error{
	codegen.EvExit:         (*session).doExit,
	codegen.EvPrintMap:     (*session).doPrintMap,
	codegen.EvClear:        (*session).doClear,
	codegen.EvZero:         (*session).doZero,
	codegen.EvSystem:       (*session).doSystem,
	codegen.EvRuntimeError: (*session).doRuntimeError,
}

// dispatch handles one ring buffer record.
func (s *session) dispatch(rec []byte) error {
	ev, payload, err := s.recordEvent(rec)
	if err != nil {
		return err
	}
	if ev.Args != nil && len(payload) < ev.Args.Size() {
		return fmt.Errorf("%s: record of event %d has %d payload bytes, its layout needs %d", where(ev), ev.ID, len(payload), ev.Args.Size())
	}
	if act := actions[ev.Kind]; act != nil {
		err = act(s, ev, payload)
	} else {
		err = s.opts.Output.Event(ev, payload)
	}
	if err != nil {
		// As bpftrace does with its handlers' errors: say so and go on.
		return s.logError(err)
	}
	return nil
}

// recordEvent splits a ring buffer record into its event (by the ID it
// starts with) and the payload.
func (s *session) recordEvent(rec []byte) (*codegen.Event, []byte, error) {
	if len(rec) < 8 {
		return nil, nil, fmt.Errorf("ring buffer record of %d bytes has no event ID", len(rec))
	}
	id := le.Uint64(rec)
	if id >= uint64(len(s.events)) || s.events[id] == nil {
		return nil, nil, fmt.Errorf("ring buffer record with unknown event ID %d", id)
	}
	return s.events[id], rec[8:], nil
}

// intArg reads argument i of an event's payload as an integer, or def
// when the event has no such argument.
func intArg(ev *codegen.Event, payload []byte, i int, def int64) (int64, error) {
	if ev.Args == nil || i >= len(ev.Args.Elems) {
		return def, nil
	}
	off := ev.Args.Offsets()[i]
	it, ok := types.Underlying(ev.Args.Elems[i]).(*types.Int)
	if !ok {
		return 0, fmt.Errorf("argument %d of a %v record is %v, not an integer", i, ev.Kind, ev.Args.Elems[i])
	}
	return readInt(payload[off:], it.Size(), it.Signed), nil
}

// readInt reads a little-endian integer of size bytes.
func readInt(b []byte, size int, signed bool) int64 {
	var u uint64
	for i := size - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	if signed && size < 8 {
		shift := 64 - 8*size
		return int64(u<<shift) >> shift
	}
	return int64(u)
}

// doExit records the exit code; the event loop then ends and drops the
// records after this one.
func (s *session) doExit(ev *codegen.Event, payload []byte) error {
	code, err := intArg(ev, payload, 0, 0)
	if err != nil {
		return err
	}
	s.exitCode = int(code)
	s.exiting = true
	return nil
}

// doRuntimeError prints a failed runtime check (division by zero, an
// index out of bounds, a failed helper): only reported, also when the
// probe went on to call exit().
func (s *session) doRuntimeError(ev *codegen.Event, payload []byte) error {
	return s.opts.Output.Event(ev, payload)
}

// doPrintMap prints a map: print(@m[, top[, div]]).
func (s *session) doPrintMap(ev *codegen.Event, payload []byte) error {
	if ev.Map == nil {
		return fmt.Errorf("%s: print event without a map", where(ev))
	}
	top, err := intArg(ev, payload, 0, 0)
	if err != nil {
		return err
	}
	div, err := intArg(ev, payload, 1, 0)
	if err != nil {
		return err
	}
	return s.printMap(ev.Map, int(top), int(div))
}

func (s *session) doClear(ev *codegen.Event, _ []byte) error {
	if ev.Map == nil {
		return fmt.Errorf("%s: clear event without a map", where(ev))
	}
	return s.clearMap(ev.Map)
}

func (s *session) doZero(ev *codegen.Event, _ []byte) error {
	if ev.Map == nil {
		return fmt.Errorf("%s: zero event without a map", where(ev))
	}
	return s.zeroMap(ev.Map)
}

// doSystem runs system()'s command through the shell and prints what
// it wrote (standard output and error together), as bpftrace does.
func (s *session) doSystem(ev *codegen.Event, payload []byte) error {
	if !s.opts.Unsafe {
		return s.logError(fmt.Errorf("%s: system() not allowed in safe mode. Use '--unsafe'", where(ev)))
	}
	cmdline, err := s.opts.Output.FormatCommand(ev, payload)
	if err != nil {
		return s.logError(err)
	}
	var out bytes.Buffer
	cmd := exec.Command("/bin/sh", "-c", cmdline)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Exited() {
			return s.logError(fmt.Errorf("command exited with code %d", ee.ExitCode()))
		}
		return s.logError(fmt.Errorf("system(%q): %w", cmdline, err))
	}
	return s.opts.Output.SystemOutput(out.String())
}

// logError reports an action that failed without ending the run, as
// bpftrace logs the errors of its ring buffer handlers.
func (s *session) logError(err error) error {
	_, werr := fmt.Fprintf(s.opts.Stderr, "ERROR: %v\n", err)
	return werr
}

// where is the script position of the call that produces ev.
func where(ev *codegen.Event) string {
	if ev.File == nil {
		return "<unknown>"
	}
	p := ev.File.Position(ev.Pos)
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}
