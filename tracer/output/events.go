package output

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/codegen"
)

// Event formats one ring buffer record whose header named ev (payload is
// the bytes after the 8-byte event ID): printf, errorf, warnf, time, cat,
// join, print(value), runtime errors. Map actions (print/clear/zero of a
// map, exit, system) are the runtime's; it calls Map for print(@m).
func (w *Writer) Event(ev *codegen.Event, payload []byte) error {
	switch ev.Kind {
	case codegen.EvPrintf:
		s, err := w.formatEvent(ev, payload)
		if err != nil {
			return err
		}
		if w.format == JSON {
			return w.jsonData("printf", s)
		}
		_, err = io.WriteString(w.stdout, s)
		return err
	case codegen.EvErrorf, codegen.EvWarnf:
		s, err := w.formatEvent(ev, payload)
		if err != nil {
			return err
		}
		if ev.Kind == codegen.EvWarnf && !w.Warnings {
			return nil
		}
		return w.logf(ev, s)
	case codegen.EvTime:
		s, err := w.timeString(ev.Format)
		if err != nil {
			return err
		}
		if w.format == JSON {
			return w.jsonData("time", s)
		}
		_, err = io.WriteString(w.stdout, s)
		return err
	case codegen.EvJoin:
		s, err := w.joinString(ev, payload)
		if err != nil {
			return err
		}
		if w.format == JSON {
			return w.jsonData("join", s)
		}
		_, err = io.WriteString(w.stdout, s+"\n")
		return err
	case codegen.EvCat:
		name, err := w.formatEvent(ev, payload)
		if err != nil {
			return err
		}
		s, err := w.readCat(name)
		if err != nil {
			return err
		}
		if w.format == JSON {
			return w.jsonData("cat", s)
		}
		_, err = io.WriteString(w.stdout, s)
		return err
	case codegen.EvPrintValue, codegen.EvPrintNonMap:
		args, err := w.decodeArgs(ev, payload)
		if err != nil {
			return err
		}
		var v value
		if len(args) > 0 {
			v = args[0]
		}
		return w.printValue(v)
	case codegen.EvRuntimeError:
		return w.runtimeError(ev, payload)
	}
	return errNotOutput
}

// decodeArgs decodes an event's payload as its Args tuple.
func (w *Writer) decodeArgs(ev *codegen.Event, payload []byte) ([]value, error) {
	if ev.Args == nil {
		return nil, nil
	}
	v, err := w.dec.decode(ev.Args, payload)
	if err != nil {
		return nil, fmt.Errorf("output: event %d: %w", ev.ID, err)
	}
	return v.elems, nil
}

// formatEvent applies a printf-like event's format to its payload.
func (w *Writer) formatEvent(ev *codegen.Event, payload []byte) (string, error) {
	f, err := w.eventFormat(ev)
	if err != nil {
		return "", err
	}
	args, err := w.decodeArgs(ev, payload)
	if err != nil {
		return "", err
	}
	return f.format(args), nil
}

// FormatCommand formats a system() event's command line, for the runtime
// to run; SystemOutput then prints what the command wrote.
func (w *Writer) FormatCommand(ev *codegen.Event, payload []byte) (string, error) {
	return w.formatEvent(ev, payload)
}

// SystemOutput prints the output of a command system() ran.
func (w *Writer) SystemOutput(out string) error {
	if w.format == JSON {
		return w.jsonData("syscall", out)
	}
	_, err := io.WriteString(w.stdout, out+"\n")
	return err
}

// printValue prints print(value) of a non-map value.
func (w *Writer) printValue(v value) error {
	if w.format == JSON {
		return w.jsonValueLine("value", v)
	}
	_, err := io.WriteString(w.stdout, text(v)+"\n")
	return err
}

// location is where an event's call is, as bpftrace prints it.
type location struct {
	file            string
	line, col, end  int // end: the column one past the call's ')'
	multiLine       bool
	endLine         int
	text            string // the line of the call
	haveSourceLines bool
	f               *source.File
}

func eventLocation(ev *codegen.Event) location {
	if ev.File == nil || !ev.Pos.IsValid() {
		return location{file: "stdin"}
	}
	p := ev.File.Position(ev.Pos)
	end := callEnd(ev.File.Text, int(ev.Pos))
	if ev.End.IsValid() && ev.End > ev.Pos {
		end = int(ev.End)
	}
	q := ev.File.Position(source.Pos(end))
	return location{
		file: ev.File.Name, line: p.Line, col: p.Column, end: q.Column,
		multiLine: q.Line != p.Line, endLine: q.Line,
		text: ev.File.LineText(p.Line), haveSourceLines: true, f: ev.File,
	}
}

// callEnd finds the offset one past the ')' that closes the call
// starting at off: bpftrace locates a call by its whole extent. A
// position that starts no call (an operand of a failing operator) runs
// to the end of the expression: the first ';', ',', '}' or unbalanced
// ')' or ']', trailing spaces dropped.
func callEnd(src []byte, off int) int {
	i := off
	for i < len(src) && isWordByte(src[i]) {
		i++
	}
	call := i > off && i < len(src) && src[i] == '('
	depth := 0
	end := len(src)
scan:
	for i = off; i < len(src); i++ {
		switch src[i] {
		case '"':
			for i++; i < len(src) && src[i] != '"'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case '(', '[':
			depth++
		case ')', ']':
			depth--
			if call && depth == 0 {
				return i + 1
			}
			if depth < 0 {
				end = i
				break scan
			}
		case ';', ',', '}', '\n':
			if depth == 0 {
				end = i
				break scan
			}
		}
	}
	for end > off && (src[end-1] == ' ' || src[end-1] == '\t') {
		end--
	}
	return end
}

func isWordByte(c byte) bool {
	return c == '_' || c == '@' || c == '$' || c == ':' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// String is the location as bpftrace writes it before a message:
// file:line:col-endcol, or file:line-endline for a call over many lines.
func (l location) String() string {
	if !l.haveSourceLines {
		return l.file
	}
	if l.multiLine {
		return fmt.Sprintf("%s:%d-%d", l.file, l.line, l.endLine)
	}
	return fmt.Sprintf("%s:%d:%d-%d", l.file, l.line, l.col, l.end)
}

// context is the source lines bpftrace prints under a runtime warning:
// the line (tabs as four spaces) and '~' under the call.
func (l location) context() []string {
	if !l.haveSourceLines {
		return nil
	}
	if l.multiLine {
		var out []string
		for i := l.line; i <= l.endLine; i++ {
			out = append(out, l.f.LineText(i))
		}
		return out
	}
	var src, mark strings.Builder
	for _, c := range []byte(l.text) {
		if c == '\t' {
			src.WriteString("    ")
		} else {
			src.WriteByte(c)
		}
	}
	for x := 0; x < len(l.text) && x < l.end-1; x++ {
		m := "~"
		if x < l.col-1 {
			m = " "
		}
		if l.text[x] == '\t' {
			m = strings.Repeat(m, 4)
		}
		mark.WriteString(m)
	}
	return []string{src.String(), mark.String()}
}

// logf prints errorf/warnf output: on standard error with the call's
// location in text mode, as an errorf/warnf record in JSON.
func (w *Writer) logf(ev *codegen.Event, msg string) error {
	loc := eventLocation(ev)
	kind, label := "errorf", "ERROR: "
	if ev.Kind == codegen.EvWarnf {
		kind, label = "warnf", "WARNING: "
	}
	if w.format == JSON {
		return w.jsonLocated(kind, msg, loc)
	}
	msg = strings.TrimSuffix(msg, "\n")
	color := colorRed
	if ev.Kind == codegen.EvWarnf {
		color = colorYellow
	}
	var sb strings.Builder
	sb.WriteString(w.colored(color, loc.String()+": "+label+msg) + "\n")
	// Inside a macro: each call it was expanded from, as bpftrace names
	// them, with the source line.
	for _, s := range ev.Expanded {
		l := siteLocation(s)
		sb.WriteString(w.colored(color, l.String()+": "+label+"expanded from") + "\n")
		for _, c := range l.context() {
			sb.WriteString(c + "\n")
		}
	}
	_, err := io.WriteString(w.stderr, sb.String())
	return err
}

// siteLocation is location of a source range.
func siteLocation(s codegen.Site) location {
	if s.File == nil {
		return location{file: "stdin"}
	}
	p := s.File.Position(s.Span.Start)
	end := s.Span.End
	if end <= s.Span.Start {
		end = s.Span.Start + 1
	}
	q := s.File.Position(end - 1)
	return location{
		file: s.File.Name, line: p.Line, col: p.Column, end: q.Column + 1,
		multiLine: q.Line != p.Line, endLine: q.Line,
		text: s.File.LineText(p.Line), haveSourceLines: true, f: s.File,
	}
}

const (
	colorRed    = "\033[31m"
	colorGreen  = "\033[32m"
	colorYellow = "\033[33m"
	colorReset  = "\033[0m"
)

// colored wraps a log line in a color when the Writer colors output.
func (w *Writer) colored(color, s string) string {
	if !w.Color {
		return s
	}
	return color + s + colorReset
}

// jsonLocated prints a record with a message and the top location.
func (w *Writer) jsonLocated(kind, msg string, loc location) error {
	return w.jsonRecord(func(j *jsonOut) {
		j.raw(`{"type": "` + kind + `", "msg": `)
		j.str(msg)
		j.raw(`, "filename": `)
		j.str(loc.file)
		j.raw(`, "line": ` + jsonUint(uint64(loc.line)) + `, "col": ` + jsonUint(uint64(loc.col)) + "}")
	})
}

// runtimeError reports a failed runtime check. The event's Format is the
// message; text output prints it as bpftrace does, a warning with the
// source line and the failing expression underlined.
func (w *Writer) runtimeError(ev *codegen.Event, payload []byte) error {
	if ev.Helper != "" {
		return w.helperError(ev, payload)
	}
	msg := ev.Format
	if ev.Args != nil && len(ev.Args.Elems) > 0 {
		// With arguments (a helper's return code, an index), Format is a
		// printf-style format over them.
		s, err := w.formatEvent(ev, payload)
		if err != nil {
			return err
		}
		msg = s
	}
	loc := eventLocation(ev)
	if w.format == JSON {
		return w.jsonLocated("runtime_error", msg, loc)
	}
	return w.locatedWarning(loc, strings.TrimSuffix(msg, "\n"))
}

// locatedWarning prints a runtime warning at loc as bpftrace does: the
// located message, the lines of notes, then the source line with the
// failing expression underlined.
func (w *Writer) locatedWarning(loc location, msg string, notes ...string) error {
	var sb strings.Builder
	sb.WriteString(w.colored(colorYellow, loc.String()+": WARNING: "+msg) + "\n")
	for _, l := range append(notes, loc.context()...) {
		sb.WriteString(l + "\n")
	}
	_, err := io.WriteString(w.stderr, sb.String())
	return err
}

// helperMessages are the messages of helper failures that say more than
// the error code, by helper and code (0: any code).
var helperMessages = map[string]map[int]string{
	"map_update_elem": {-int(syscall.E2BIG): "Map full; can't update element. Try increasing max_map_keys config " +
		"or manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`"},
	"map_delete_elem": {-int(syscall.ENOENT): "Can't delete map element because it does not exist."},
	"map_lookup_elem": {0: "Can't lookup map element because it does not exist."},
}

// helperError reports a failed helper call (the event's Helper; its
// payload is the return code): a warning with the source, or in JSON a
// helper_error record with the error's text, as bpftrace does.
func (w *Writer) helperError(ev *codegen.Event, payload []byte) error {
	if len(payload) < 4 {
		return fmt.Errorf("output: event %d: short helper error record", ev.ID)
	}
	code := int(int32(binary.LittleEndian.Uint32(payload)))
	loc := eventLocation(ev)
	if w.format == JSON {
		return w.jsonRecord(func(j *jsonOut) {
			j.raw(`{"type": "helper_error", "msg": `)
			j.str(strerror(int64(-code)))
			j.raw(`, "helper": `)
			j.str(ev.Helper)
			j.raw(`, "retcode": ` + strconv.Itoa(code) + `, "filename": `)
			j.str(loc.file)
			j.raw(`, "line": ` + jsonUint(uint64(loc.line)) + `, "col": ` + jsonUint(uint64(loc.col)) + "}")
		})
	}
	msg, ok := helperMessages[ev.Helper][code]
	if !ok {
		msg, ok = helperMessages[ev.Helper][0]
	}
	if !ok {
		msg = strerror(int64(-code))
	}
	return w.locatedWarning(loc, msg, fmt.Sprintf("Additional Info - helper: %s, retcode: %d", ev.Helper, code))
}

// timeString formats the current local time for time(fmt) with the C
// library's strftime rules; an empty result is an error, as in bpftrace.
func (w *Writer) timeString(format string) (string, error) {
	s := strftime(format, w.Now())
	if s == "" || len(s) >= timeStrMax {
		return "", fmt.Errorf("output: strftime returned zero")
	}
	return s, nil
}

// timeStrMax is the buffer bpftrace formats time() into.
const timeStrMax = 64

// joinString joins the strings of a join() record with the separator in
// the event's Format, stopping at the first empty string.
func (w *Writer) joinString(ev *codegen.Event, payload []byte) (string, error) {
	args, err := w.decodeArgs(ev, payload)
	if err != nil {
		return "", err
	}
	var parts []string
	var collect func(v value) bool
	collect = func(v value) bool {
		switch v.kind {
		case kArray, kTuple:
			for _, e := range v.elems {
				if !collect(e) {
					return false
				}
			}
			return true
		}
		s := text(v)
		if s == "" {
			return false
		}
		parts = append(parts, s)
		return true
	}
	for _, a := range args {
		if !collect(a) {
			break
		}
	}
	return strings.Join(parts, ev.Format), nil
}

// readCat reads up to max_cat_bytes of the file cat() names.
func (w *Writer) readCat(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		// bpftrace names the C library's reason
		var errno syscall.Errno
		if errors.As(err, &errno) {
			return "", fmt.Errorf("failed to open file '%s' (%s)", name, strerror(int64(errno)))
		}
		return "", fmt.Errorf("failed to open file '%s'", name)
	}
	defer f.Close()
	buf := make([]byte, w.maxCatBytes)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return "", fmt.Errorf("failed to read file '%s': %v", name, err)
	}
	return string(buf[:n]), nil
}

// formatTimestamp formats a strftime() value, nsecs since boot, with
// bpftrace's %f (microseconds), %k (nanoseconds) and %l (milliseconds)
// extensions, in local time.
func (w *Writer) formatTimestamp(nsecs uint64, format string) string {
	if w.BootTime.IsZero() {
		return "(?)"
	}
	t := w.BootTime.Add(durationNS(nsecs))
	if t.Unix() == 0 {
		return "(?)"
	}
	ns := uint64(t.Nanosecond())
	format = strings.ReplaceAll(format, "%f", pad0(ns/1000, 6))
	format = strings.ReplaceAll(format, "%k", pad0(ns, 9))
	format = strings.ReplaceAll(format, "%l", pad0(ns/1000000, 3))
	s := strftime(format, t)
	if s == "" || len(s) >= w.maxStrlen {
		return "(?)"
	}
	return s
}

// stackString prints a kstack/ustack value: a newline, then one line per
// frame in the stack's mode.
func (w *Writer) stackString(t *types.Stack, b []byte) string {
	// the id is the low 32 bits (a kernel stack may carry its depth above)
	id := int64(int32(le64(b)))
	var frames []uint64
	var pid uint32
	if t.User {
		pid = uint32(le64(b[8:]))
		frames = w.res.UserStack(id)
	} else {
		frames = w.res.KernelStack(id)
	}
	if t.Limit > 0 && len(frames) > t.Limit {
		frames = frames[:t.Limit]
	}
	mode := codegen.StackMode(t)
	if t.User && mode == "build_id" {
		return w.buildIDStackString(t, id)
	}
	var sb strings.Builder
	sb.WriteByte('\n')
	const padding = "        "
	for _, addr := range frames {
		if addr == ^uint64(0) {
			sb.WriteString(padding + "<unwind failure>\n")
			break
		}
		if mode == "raw" {
			fmt.Fprintf(&sb, "%x\n", addr)
			continue
		}
		perf := mode == "perf"
		sym := w.frameSymbol(t.User, pid, addr, perf)
		if perf {
			fmt.Fprintf(&sb, "\t%x %s\n", addr, sym)
		} else {
			sb.WriteString(padding + sym + "\n")
		}
	}
	return sb.String()
}

// buildIDStackString prints a build_id-mode user stack: a newline, then
// per frame the file's build id in hex and the offset in it, or the bare
// address of a frame whose build id is unknown.
func (w *Writer) buildIDStackString(t *types.Stack, id int64) string {
	var frames []BuildIDFrame
	if r, ok := w.res.(BuildIDStackResolver); ok {
		frames = r.UserBuildIDStack(id)
	}
	if t.Limit > 0 && len(frames) > t.Limit {
		frames = frames[:t.Limit]
	}
	var sb strings.Builder
	sb.WriteByte('\n')
	for _, f := range frames {
		if f.BuildID == nil {
			fmt.Fprintf(&sb, "0x%x\n", f.Addr)
			continue
		}
		fmt.Fprintf(&sb, "%x 0x%x\n", f.BuildID, f.Offset)
	}
	return sb.String()
}

// frameSymbol names a stack frame: symbol+offset, or the address; perf
// mode adds the user frame's module in parentheses.
func (w *Writer) frameSymbol(user bool, pid uint32, addr uint64, perf bool) string {
	if !user {
		if name, off, ok := w.res.KernelSymbol(addr); ok {
			return fmt.Sprintf("%s+%d", name, off)
		}
		return pointerString(addr)
	}
	name, off, ok := w.res.UserSymbol(pid, addr)
	s := pointerString(addr)
	if ok {
		s = fmt.Sprintf("%s+%d", name, off)
	}
	if perf {
		module := "[unknown]"
		if ok {
			if mr, isMR := w.res.(UserModuleResolver); isMR {
				if m, found := mr.UserModule(pid, addr); found {
					module = m
				}
			}
		}
		s += " (" + module + ")"
	}
	return s
}
