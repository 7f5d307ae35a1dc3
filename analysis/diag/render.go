package diag

import (
	"fmt"
	"io"
	"strings"
)

// TextOptions controls Render.
type TextOptions struct {
	Color bool  // ANSI colours, for terminals
	Style Style // the layout; bt's own unless set
}

// Style is a layout of rendered diagnostics.
type Style int

const (
	// StyleBT is bt's compiler-like layout: "file:line:col: error[code]:
	// message", the line in a numbered gutter, a caret, hints and notes.
	StyleBT Style = iota
	// StyleBpftrace is bpftrace's layout, which wrappers of bpftrace
	// parse: "file:line:col-endcol: ERROR: message", the line, a tilde
	// underline; errors before warnings (see renderBpftrace).
	StyleBpftrace
)

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[1;31m"
	ansiYellow = "\x1b[1;33m"
	ansiBlue   = "\x1b[1;34m"
	ansiCyan   = "\x1b[1;36m"
	ansiGreen  = "\x1b[1;32m"
)

var severityColors = [...]string{Error: ansiRed, Warning: ansiYellow, Info: ansiBlue, Hint: ansiCyan}

// Render writes d like a good compiler:
//
//	file:line:col: error[code]: message
//	   3 | kprobe:do_nanosleep { @x = arg0 + "a" }
//	     |                            ^~~~~~~~~~
//	  = hint: ...
//	file:line:col: note: ...
func Render(w io.Writer, d Diagnostic, opt TextOptions) {
	if opt.Style == StyleBpftrace {
		renderBpftrace(w, d, opt)
		return
	}
	paint := func(color, s string) string {
		if !opt.Color {
			return s
		}
		return color + s + ansiReset
	}
	p := d.Start()
	sev := d.Severity.String()
	if d.Code != "" {
		sev += "[" + string(d.Code) + "]"
	}
	sevColor := ansiBold
	if int(d.Severity) < len(severityColors) {
		sevColor = severityColors[d.Severity]
	}
	fmt.Fprintf(w, "%s %s %s\n", paint(ansiBold, fmt.Sprintf("%s:%d:%d:", p.Filename, p.Line, p.Column)),
		paint(sevColor, sev+":"), paint(ansiBold, d.Message))
	renderSnippet(w, d.Location, paint, sevColor)
	if d.Hint != "" {
		fmt.Fprintf(w, "  %s %s\n", paint(ansiCyan, "= hint:"), d.Hint)
	}
	for _, fx := range d.Fixes {
		if fx.Message != "" {
			fmt.Fprintf(w, "  %s %s\n", paint(ansiGreen, "= fix:"), fx.Message)
		}
	}
	for _, n := range d.Notes {
		np := n.Start()
		if n.File == nil {
			fmt.Fprintf(w, "  %s %s\n", paint(ansiBlue, "= note:"), n.Message)
			continue
		}
		fmt.Fprintf(w, "%s %s %s\n", paint(ansiBold, fmt.Sprintf("%s:%d:%d:", np.Filename, np.Line, np.Column)),
			paint(ansiBlue, "note:"), n.Message)
		renderSnippet(w, n.Location, paint, ansiBlue)
	}
}

// renderSnippet prints the first line of loc with a caret line under it.
// Tabs in the source are kept in the caret line so the caret stays aligned
// whatever the terminal's tab width.
func renderSnippet(w io.Writer, loc Location, paint func(string, string) string, color string) {
	if loc.File == nil {
		return
	}
	start := loc.File.Position(loc.Span.Start)
	text := loc.File.LineText(start.Line)
	gutter := fmt.Sprintf("%d", start.Line)
	pad := strings.Repeat(" ", len(gutter))
	fmt.Fprintf(w, " %s %s %s\n", paint(ansiBlue, gutter), paint(ansiBlue, "|"), text)

	col := start.Column - 1
	if col > len(text) {
		col = len(text)
	}
	var lead strings.Builder
	for _, c := range []byte(text[:col]) {
		if c == '\t' {
			lead.WriteByte('\t')
		} else if c < 0x80 || c >= 0xC0 { // one space per character, not per byte
			lead.WriteByte(' ')
		}
	}
	// Underline to the end of the span or of the line, whichever is first.
	end := int(loc.Span.End-loc.Span.Start) + col
	if end > len(text) {
		end = len(text)
	}
	width := 0
	for _, c := range []byte(text[col:max(col, end)]) {
		if c < 0x80 || c >= 0xC0 {
			width++
		}
	}
	marks := "^"
	if width > 1 {
		marks += strings.Repeat("~", width-1)
	}
	fmt.Fprintf(w, " %s %s %s%s\n", pad, paint(ansiBlue, "|"), lead.String(), paint(color, marks))
}

// RenderAll writes every diagnostic in l in order; in bpftrace's style
// every error comes before every warning, as bpftrace prints them.
func RenderAll(w io.Writer, l List, opt TextOptions) {
	if opt.Style == StyleBpftrace {
		for sev := Error; sev <= Hint; sev++ {
			for _, d := range l {
				if d.Severity == sev {
					Render(w, d, opt)
				}
			}
		}
		return
	}
	for _, d := range l {
		Render(w, d, opt)
	}
}
