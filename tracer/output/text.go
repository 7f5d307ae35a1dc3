package output

import (
	"strconv"
	"strings"
	"time"
)

// textStyle carries the stream state a C++ ostream would carry into a
// nested value: showpos puts '+' before every signed number.
type textStyle struct {
	showpos bool
}

// text is the value's text form: strings as they are, tuples "(a, b)",
// arrays "[1,2]", records "{ .a = 1 }", symbolic values by name.
func text(v value) string {
	var sb strings.Builder
	textStyle{}.write(&sb, v)
	return sb.String()
}

// split returns the first token a stream would write for v and the rest:
// the first token is the one a field width pads (C++ streams reset the
// width after one insertion), e.g. "(" for a tuple.
func (st textStyle) split(v value) (first, rest string) {
	var sb strings.Builder
	switch v.kind {
	case kTuple:
		st.writeElems(&sb, v, ", ")
		return "(", sb.String() + ")"
	case kArray:
		st.writeElems(&sb, v, ",")
		return "[", sb.String() + "]"
	case kRecord:
		if len(v.elems) == 0 {
			return "{}", ""
		}
		st.writeFields(&sb, v)
		return "{ ", sb.String() + " }"
	case kDuration:
		n, unit := durationParts(v.u)
		return strconv.FormatUint(n, 10), unit
	}
	st.write(&sb, v)
	return sb.String(), ""
}

func (st textStyle) write(sb *strings.Builder, v value) {
	switch v.kind {
	case kNone:
		sb.WriteString("null")
	case kBool:
		sb.WriteString(strconv.FormatBool(v.b))
	case kInt:
		if st.showpos && v.i >= 0 {
			sb.WriteByte('+')
		}
		sb.WriteString(strconv.FormatInt(v.i, 10))
	case kUint:
		sb.WriteString(strconv.FormatUint(v.u, 10))
	case kString, kSymbolic:
		sb.WriteString(v.s)
	case kBuffer:
		sb.WriteString(hexBuffer(v.bytes, true, true))
	case kTuple:
		sb.WriteByte('(')
		st.writeElems(sb, v, ", ")
		sb.WriteByte(')')
	case kArray:
		sb.WriteByte('[')
		st.writeElems(sb, v, ",")
		sb.WriteByte(']')
	case kRecord:
		if len(v.elems) == 0 {
			sb.WriteString("{}")
			return
		}
		sb.WriteString("{ ")
		st.writeFields(sb, v)
		sb.WriteString(" }")
	case kDuration:
		n, unit := durationParts(v.u)
		sb.WriteString(strconv.FormatUint(n, 10))
		sb.WriteString(unit)
	case kTime:
		sb.WriteString(isoTime(v.t.Local(), unitNS))
	}
}

func (st textStyle) writeElems(sb *strings.Builder, v value, sep string) {
	for i, e := range v.elems {
		if i > 0 {
			sb.WriteString(sep)
		}
		st.write(sb, e)
	}
}

func (st textStyle) writeFields(sb *strings.Builder, v value) {
	for i, e := range v.elems {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('.')
		sb.WriteString(v.names[i])
		sb.WriteString(" = ")
		st.write(sb, e)
	}
}

// hexBuffer prints bytes as bpftrace's buffer printers do: printable
// ASCII as is when keepASCII, other bytes as \xNN when escape, else as
// space-separated hex pairs.
func hexBuffer(b []byte, keepASCII, escape bool) string {
	const digits = "0123456789abcdef"
	var sb strings.Builder
	for i, c := range b {
		switch {
		case keepASCII && c >= 32 && c <= 126:
			sb.WriteByte(c)
		case escape:
			sb.WriteString(`\x`)
			sb.WriteByte(digits[c>>4])
			sb.WriteByte(digits[c&15])
		default:
			sb.WriteByte(digits[c>>4])
			sb.WriteByte(digits[c&15])
			if i != len(b)-1 {
				sb.WriteByte(' ')
			}
		}
	}
	return sb.String()
}

// timeUnit is the precision of a printed time or duration.
type timeUnit int

const (
	unitS timeUnit = iota
	unitMS
	unitUS
	unitNS
)

var unitNames = [...]string{unitS: "s", unitMS: "ms", unitUS: "μs", unitNS: "ns"}

// durationUnit picks the largest unit not above ns, as bpftrace does
// for intervals.
func durationUnit(ns uint64) (timeUnit, uint64) {
	switch {
	case ns >= 1e9:
		return unitS, 1e9
	case ns >= 1e6:
		return unitMS, 1e6
	case ns >= 1e3:
		return unitUS, 1e3
	}
	return unitNS, 1
}

func durationParts(ns uint64) (uint64, string) {
	u, scale := durationUnit(ns)
	return ns / scale, unitNames[u]
}

// isoTime prints a local time as 2006-01-02T15:04:05 with a fraction of
// the unit's digits (none for seconds).
func isoTime(t time.Time, u timeUnit) string {
	s := t.Format("2006-01-02T15:04:05")
	return s + fraction(t, u)
}

func fraction(t time.Time, u timeUnit) string {
	ns := t.Nanosecond()
	switch u {
	case unitNS:
		return "." + pad0(uint64(ns), 9)
	case unitUS:
		return "." + pad0(uint64(ns/1000), 6)
	case unitMS:
		return "." + pad0(uint64(ns/1000000), 3)
	}
	return ""
}

func pad0(n uint64, width int) string {
	s := strconv.FormatUint(n, 10)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}
