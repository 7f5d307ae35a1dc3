package printer

import "strings"

// The layout model mirrors the one bpftrace's formatter uses, because the
// output has to match it byte for byte: a buffer is a list of lines, a line
// is a list of segments, and a segment is either text or a comment. A
// comment is spelled when the line is rendered: `// text` when it is the
// last segment of its line, `/* text */` otherwise, preceded by one space
// unless only indentation comes before it.
//
// Widths are unsigned and wrap around on underflow, as the C++ size_t
// arithmetic of the original does; deep nesting therefore ends up with a
// huge budget rather than a negative one, and the breaking decisions
// follow.

// width is a column count with size_t semantics.
type width = uint

type segment struct {
	text    string
	comment bool
	// compat keeps a comment's trailing blanks inside /* */, as bpftrace
	// does (see sprint).
	compat bool
	// lead marks a comment kept in front of an operand (bpftrace drops
	// it): written `/* text */ ` before the operand. id is its entry's.
	lead bool
	id   int
}

type line struct {
	// indent is leading blanks written before segs: the original's
	// alignment text, kept as a count so that appending a buffer into
	// another can share its segments instead of copying them.
	indent int
	segs   []segment
	cols   int // cached rendered length; -1 when stale
}

func (l *line) empty() bool { return l.indent == 0 && len(l.segs) == 0 }

type buffer struct {
	lines []line
}

func newBuffer() *buffer {
	return &buffer{lines: []line{{cols: 0}}}
}

func (b *buffer) last() *line { return &b.lines[len(b.lines)-1] }

func (b *buffer) newLine() { b.lines = append(b.lines, line{cols: 0}) }

// text appends s to the current line.
func (b *buffer) text(s string) *buffer {
	l := b.last()
	l.segs = append(l.segs, segment{text: s})
	l.cols = -1
	return b
}

// comment appends a comment segment to the current line.
func (b *buffer) comment(s string) *buffer {
	return b.commentEntry(metaEntry{text: s})
}

func (b *buffer) commentEntry(e metaEntry) *buffer {
	l := b.last()
	l.segs = append(l.segs, segment{text: e.text, comment: true, compat: e.compat})
	l.cols = -1
	return b
}

// lineBreak starts a new line.
func (b *buffer) lineBreak() *buffer {
	b.newLine()
	return b
}

// numLines is the number of lines, not counting an empty last line.
func (b *buffer) numLines() int {
	if b.last().empty() {
		return len(b.lines) - 1
	}
	return len(b.lines)
}

// width is the widest rendered line.
func (b *buffer) width() width {
	w := 0
	for i := range b.lines {
		if c := b.lines[i].columns(); c > w {
			w = c
		}
	}
	return width(w)
}

// appendBuf adds o's lines to b. Its first line continues b's current
// line; later lines start new lines. With indent > 0 o starts on a new
// line and every line of it is indented by indent and followed by a line
// break. Otherwise, when align is set, later lines are indented to the
// column where o started.
//
// o must not be used afterwards: b may take over its lines.
func (b *buffer) appendBuf(o *buffer, indent int, align bool) *buffer {
	if o.numLines() == 0 {
		return b
	}
	if indent == 0 && len(b.lines) == 1 && b.lines[0].empty() {
		b.lines = o.lines // nothing to align to
		return b
	}
	col := b.last().columns()
	if indent > 0 {
		b.newLine()
		col = indent
	}
	for i := range o.lines {
		ol := &o.lines[i]
		l := b.last()
		if align && col != 0 && l.empty() {
			l.indent = col
		}
		switch {
		case len(l.segs) == 0:
			l.indent += ol.indent
			l.segs = ol.segs
		case ol.indent > 0:
			l.segs = append(l.segs, segment{text: strings.Repeat(" ", ol.indent)})
			l.segs = append(l.segs, ol.segs...)
		default:
			l.segs = append(l.segs, ol.segs...)
		}
		l.cols = -1
		if indent > 0 || i < len(o.lines)-1 {
			b.newLine()
		}
	}
	return b
}

// add is appendBuf with the common arguments.
func (b *buffer) add(o *buffer) *buffer { return b.appendBuf(o, 0, true) }

// addIndented is appendBuf(o, indentWidth, true).
func (b *buffer) addIndented(o *buffer) *buffer { return b.appendBuf(o, indentWidth, true) }

// metadata writes comments and blank lines. With minVspace < 0 (inline)
// blank lines are dropped and comments continue the current line.
// Otherwise at least minVspace line breaks are written first, each blank
// line recorded beyond those adds an empty line, and each comment takes a
// line of its own.
func (b *buffer) metadata(m *metaIndex, minVspace int) *buffer {
	if m == nil {
		return b
	}
	if minVspace < 0 {
		for _, e := range m.entries {
			if !e.vspace {
				b.inlineComment(e)
			}
		}
		return b
	}
	for i := 0; i < minVspace; i++ {
		b.newLine()
	}
	total := 0
	for _, e := range m.entries {
		if e.vspace {
			if total >= minVspace {
				b.newLine()
			}
			total++
			continue
		}
		b.commentEntry(e)
		b.newLine()
	}
	return b
}

// inlineComment adds a comment that more text may follow on the same
// line. A comment whose text contains "*/" cannot be written as /* */, so
// it ends its line instead (the original would print broken code).
func (b *buffer) inlineComment(e metaEntry) {
	b.commentEntry(e)
	if strings.Contains(e.text, "*/") && !e.compat {
		b.newLine()
	}
}

// leadComment starts an operand with a comment the original drops. One
// holding "*/" ends its line as a // comment.
func (b *buffer) leadComment(e metaEntry) {
	l := b.last()
	l.segs = append(l.segs, segment{text: e.text, comment: true, lead: true, id: e.id})
	l.cols = -1
	if strings.Contains(e.text, "*/") {
		b.newLine()
	}
}

// takeLeadComments removes the lead comments that start the buffer and
// returns them: where an operand starts a statement they are the
// statement's leading comments.
func (b *buffer) takeLeadComments() *metaIndex {
	m := &metaIndex{}
	l := &b.lines[0]
	if l.indent > 0 {
		return m
	}
	k := 0
	for k < len(l.segs) && l.segs[k].comment && l.segs[k].lead {
		m.entries = append(m.entries, metaEntry{text: l.segs[k].text, id: l.segs[k].id})
		k++
	}
	if k == 0 {
		return m
	}
	l.segs = l.segs[k:]
	l.cols = -1
	if len(l.segs) == 0 && len(b.lines) > 1 {
		b.lines = b.lines[1:]
	}
	return m
}

// firstByte is the first byte the buffer renders (0 when empty).
func (b *buffer) firstByte() byte {
	for i := range b.lines {
		l := &b.lines[i]
		if l.indent > 0 {
			return ' '
		}
		for _, s := range l.segs {
			if s.comment {
				return '/'
			}
			if s.text != "" {
				return s.text[0]
			}
		}
	}
	return 0
}

// String renders the buffer: every line but an empty last one, with
// trailing white space removed, each ended by a newline.
func (b *buffer) String() string {
	var sb, ln strings.Builder
	n := b.numLines()
	for i := 0; i < n; i++ {
		ln.Reset()
		b.lines[i].render(&ln)
		sb.WriteString(strings.TrimRight(ln.String(), " \t\r\n"))
		sb.WriteByte('\n')
	}
	return sb.String()
}

func isSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\v', '\f':
		default:
			return false
		}
	}
	return true
}

// render writes the line's text.
func (l *line) render(sb *strings.Builder) {
	for i := 0; i < l.indent; i++ {
		sb.WriteByte(' ')
	}
	onlySpace := true
	for i, s := range l.segs {
		if !s.comment {
			sb.WriteString(s.text)
			onlySpace = onlySpace && isSpace(s.text)
			continue
		}
		if !onlySpace && (!s.lead || i == len(l.segs)-1) {
			sb.WriteByte(' ')
		}
		if i == len(l.segs)-1 {
			if s.text == "" {
				sb.WriteString("//")
			} else {
				sb.WriteString("// ")
				sb.WriteString(s.inlineText())
			}
			continue
		}
		// The original keeps the comment's trailing blanks here, which
		// makes every later run add one more; dropping them keeps the
		// output stable.
		if s.lead {
			sb.WriteString("/* ")
			sb.WriteString(s.inlineText())
			sb.WriteString(" */ ")
			continue
		}
		sb.WriteString("/* ")
		sb.WriteString(s.inlineText())
		sb.WriteString(" */")
	}
}

// inlineText is a comment's text written between /* and */.
func (s segment) inlineText() string {
	if s.compat {
		return s.text
	}
	return strings.TrimRight(s.text, " \t\r")
}

// columns is the length of the rendered line.
func (l *line) columns() int {
	if l.cols >= 0 {
		return l.cols
	}
	n := l.indent
	onlySpace := true
	for i, s := range l.segs {
		if !s.comment {
			n += len(s.text)
			onlySpace = onlySpace && isSpace(s.text)
			continue
		}
		if !onlySpace && (!s.lead || i == len(l.segs)-1) {
			n++
		}
		if i == len(l.segs)-1 {
			// bpftrace counts a comment's trailing blanks, which the
			// next run no longer sees: they are not counted here.
			if s.text == "" {
				n += 2
			} else {
				n += 3 + len(s.inlineText())
			}
			continue
		}
		if s.lead {
			n += 7 + len(s.inlineText())
			continue
		}
		n += 6 + len(s.inlineText())
	}
	l.cols = n
	return n
}
