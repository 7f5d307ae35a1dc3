package diag

import (
	"fmt"
	"io"
	"strings"

	"github.com/bt-tools/bt/analysis/source"
)

// bpftraceLabels are bpftrace's words for the severities; it has no info
// level, so bt's informational findings read as hints.
var bpftraceLabels = [...]string{Error: "ERROR", Warning: "WARNING", Info: "HINT", Hint: "HINT"}

// bpftraceColors are the colours bpftrace gives a whole header line.
var bpftraceColors = [...]string{Error: "\x1b[31m", Warning: "\x1b[33m"}

// renderBpftrace writes d as bpftrace v0.26 does:
//
//	stdin:1:9-14: ERROR: message
//	begin { @x = 1 }
//	        ~~~~~
//	HINT: hint
//
// A location on one line is "file:line:col-endcol" (endcol one past the
// last column), the line follows with a tilde under each column of the
// range, and a tab counts as four columns in both. A location spanning
// lines is "file:line-endline", followed by all its lines. Notes print in
// the diagnostic's severity with their own message and location, then
// the hint, then the expansion notes as "expanded from", innermost first.
// Suggested fixes have no place in this style.
func renderBpftrace(w io.Writer, d Diagnostic, opt TextOptions) {
	label := "ERROR"
	if int(d.Severity) >= 0 && int(d.Severity) < len(bpftraceLabels) {
		label = bpftraceLabels[d.Severity]
	}
	color := ""
	if opt.Color && int(d.Severity) < len(bpftraceColors) {
		color = bpftraceColors[d.Severity]
	}
	line := func(loc Location, msg string) {
		head := label + ": " + msg
		if loc.File != nil {
			head = bpftraceLocation(loc) + ": " + head
		}
		if color != "" {
			head = color + head + ansiReset
		}
		fmt.Fprintln(w, head)
		for _, l := range bpftraceContext(loc) {
			fmt.Fprintln(w, l)
		}
	}
	line(d.Location, d.Message)
	for _, n := range d.Notes {
		if !n.Expansion {
			line(n.Location, n.Message)
		}
	}
	if d.Hint != "" {
		fmt.Fprintf(w, "HINT: %s\n", d.Hint)
	}
	for _, n := range d.Notes {
		if n.Expansion {
			line(n.Location, "expanded from")
		}
	}
}

// bpftraceLocation is loc as bpftrace names it: "file:line:col-endcol" or,
// across lines, "file:line-endline". An empty range covers one column.
func bpftraceLocation(loc Location) string {
	start, end := bpftraceRange(loc)
	if start.Line != end.Line {
		return fmt.Sprintf("%s:%d-%d", start.Filename, start.Line, end.Line)
	}
	return fmt.Sprintf("%s:%d:%d-%d", start.Filename, start.Line, start.Column, end.Column)
}

// bpftraceRange returns the first position of loc and the one just past
// its end, which for a range ending in a line break is the break's own
// column, on the range's last line.
func bpftraceRange(loc Location) (start, end source.Position) {
	start = loc.File.Position(loc.Span.Start)
	endPos := loc.Span.End
	if endPos <= loc.Span.Start {
		endPos = loc.Span.Start + 1
	}
	end = loc.File.Position(endPos - 1)
	end.Column++
	return start, end
}

// bpftraceContext returns the source lines printed under a location: the
// line with its range underlined, or every line of a range spanning
// several.
func bpftraceContext(loc Location) []string {
	if loc.File == nil {
		return nil
	}
	start, end := bpftraceRange(loc)
	if start.Line != end.Line {
		var out []string
		for l := start.Line; l <= end.Line; l++ {
			out = append(out, loc.File.LineText(l))
		}
		return out
	}
	text := loc.File.LineText(start.Line)
	var src, marks strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		mark := byte(' ')
		if i >= start.Column-1 && i < end.Column-1 {
			mark = '~'
		}
		n := 1
		if c == '\t' {
			c, n = ' ', 4
		}
		for range n {
			src.WriteByte(c)
			if i < end.Column-1 {
				marks.WriteByte(mark)
			}
		}
	}
	return []string{src.String(), marks.String()}
}
