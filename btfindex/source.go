package btfindex

import (
	"errors"
	"fmt"
)

// Source says where an answer came from. Answers that can come from more
// than one place (the tracepoint catalogue above all) carry one, so that a
// tool can tell the user when it is working from a fallback.
type Source uint8

const (
	SourceNone    Source = iota // no answer
	SourceTracefs               // read live from tracefs
	SourceCache                 // a catalogue cached on disk by an earlier (root) run for the same kernel
	SourceBTF                   // derived from BTF alone
	SourceELF                   // read from an ELF file (symbols, USDT notes)
	SourceBuiltin               // bt's own tables (software/hardware events, time units, ...)
	SourceDWARF                 // a binary's DWARF debug information (uprobe arguments)
)

var sourceNames = [...]string{"none", "tracefs", "cache", "btf", "elf", "builtin", "dwarf"}

func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return fmt.Sprintf("Source(%d)", uint8(s))
}

// MarshalText makes a Source print as its name in JSON.
func (s Source) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ErrNoBTF is matched (errors.Is) by every error that says kernel BTF is
// unavailable; the concrete error is a *NoBTFError with the reason.
var ErrNoBTF = errors.New("no kernel BTF")

// NoBTFError reports that the index has no BTF, and why. Queries that need
// types or function prototypes return it; everything else keeps working.
type NoBTFError struct {
	Path string // the BTF file that was tried ("" if none)
	Err  error  // the underlying failure
}

func (e *NoBTFError) Error() string {
	switch {
	case e.Path != "" && e.Err != nil:
		return fmt.Sprintf("no kernel BTF: %s: %v", e.Path, e.Err)
	case e.Err != nil:
		return fmt.Sprintf("no kernel BTF: %v", e.Err)
	}
	return "no kernel BTF"
}

func (e *NoBTFError) Is(target error) bool { return target == ErrNoBTF }
func (e *NoBTFError) Unwrap() error        { return e.Err }

// ErrNotFound is matched by lookups of a name the index does not know.
// The concrete error is a *NotFoundError, which carries suggestions.
var ErrNotFound = errors.New("not found")

// NotFoundError is returned when a name is unknown; Suggestions holds
// close names ("did you mean") when there are any.
type NotFoundError struct {
	What        string // "function", "type", "tracepoint", ...
	Name        string
	Suggestions []string
}

func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("%s %s not found", e.What, e.Name)
	if len(e.Suggestions) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", e.Suggestions[0])
	}
	return msg
}

func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }
