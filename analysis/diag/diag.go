// Package diag is the one diagnostic type of the project: the parser, the
// checker, `bt check` and the language server all produce and consume it.
// A diagnostic has a severity, a stable code (see codes.go), a range in a
// file, a plain message, and optionally a hint, notes pointing at related
// places, and suggested edits.
package diag

import (
	"fmt"
	"sort"

	"github.com/bt-tools/bt/analysis/source"
)

// Severity orders diagnostics from most to least serious.
type Severity int

const (
	Error Severity = iota
	Warning
	Info
	Hint
)

var severityNames = [...]string{Error: "error", Warning: "warning", Info: "info", Hint: "hint"}

func (s Severity) String() string {
	if s >= 0 && int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// Location is a range in a file.
type Location struct {
	File *source.File
	Span source.Span
}

// Start returns the human position of the location's start.
func (l Location) Start() source.Position {
	if l.File == nil {
		return source.Position{Line: 1, Column: 1}
	}
	return l.File.Position(l.Span.Start)
}

// Note points at a place related to a diagnostic, e.g. where a map got
// its first type.
type Note struct {
	Location
	Message string
	// Expansion marks a note that names where the macro (or #define)
	// holding the diagnostic's place was expanded; bpftrace's style
	// prints such notes as "expanded from", after the others.
	Expansion bool
}

// Edit replaces the text of a range with NewText.
type Edit struct {
	Location
	NewText string
}

// Fix is a suggested change that resolves a diagnostic.
type Fix struct {
	Message string
	Edits   []Edit
}

// Diagnostic is one finding about a script.
type Diagnostic struct {
	Severity Severity
	Code     Code
	Location
	Message string
	Hint    string // one line telling how to fix it, optional
	Notes   []Note
	Fixes   []Fix
}

// Error makes a Diagnostic usable as a Go error: "file:line:col: message".
func (d Diagnostic) Error() string {
	p := d.Start()
	return fmt.Sprintf("%s:%d:%d: %s[%s]: %s", p.Filename, p.Line, p.Column, d.Severity, d.Code, d.Message)
}

// List is an ordered set of diagnostics.
type List []Diagnostic

// Add appends a diagnostic.
func (l *List) Add(d Diagnostic) { *l = append(*l, d) }

// Errorf appends an error with the given code at span of file.
func (l *List) Errorf(f *source.File, span source.Span, code Code, format string, args ...any) *Diagnostic {
	return l.addf(Error, f, span, code, format, args...)
}

// Warnf appends a warning with the given code at span of file.
func (l *List) Warnf(f *source.File, span source.Span, code Code, format string, args ...any) *Diagnostic {
	return l.addf(Warning, f, span, code, format, args...)
}

func (l *List) addf(sev Severity, f *source.File, span source.Span, code Code, format string, args ...any) *Diagnostic {
	*l = append(*l, Diagnostic{
		Severity: sev,
		Code:     code,
		Location: Location{File: f, Span: span},
		Message:  fmt.Sprintf(format, args...),
	})
	return &(*l)[len(*l)-1]
}

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Count returns how many diagnostics have severity s.
func (l List) Count(s Severity) int {
	n := 0
	for _, d := range l {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// Sort orders the list by file name, then position, then severity; it is
// stable so equal positions keep the order they were found in.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		an, bn := fileName(a.File), fileName(b.File)
		if an != bn {
			return an < bn
		}
		if a.Span.Start != b.Span.Start {
			return a.Span.Start < b.Span.Start
		}
		return a.Severity < b.Severity
	})
}

func fileName(f *source.File) string {
	if f == nil {
		return ""
	}
	return f.Name
}
