package output

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// bpftrace's JSON: objects separate members with ", " and arrays with
// ","; integers a double cannot hold exactly are quoted strings; symbolic
// values (enums, pointers, hist labels) print as their numbers; buffers
// as arrays of signed bytes.
//
// bpftrace writes JSON straight to its output stream, and escaping a
// control character switches that stream to hexadecimal for good: every
// number it later writes with the stream itself (hist counts, tseries
// values, lost-event and probe counts) is hex from then on. jsonOut
// carries that state so the output matches byte for byte.

// jsonOut builds one JSON record.
type jsonOut struct {
	sb  strings.Builder
	hex *bool // the stream is in hex mode
}

func (j *jsonOut) raw(s string) { j.sb.WriteString(s) }

// str quotes s as bpftrace does: \" \\ \n \r \t escaped, other bytes
// below 0x20 as \u00XX. Bytes from 0x80 are signed chars there, so they
// print as \u with the sign-extended 32-bit hex value.
func (j *jsonOut) str(s string) {
	sb := &j.sb
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		default:
			if c <= 0x1f || c >= 0x80 {
				fmt.Fprintf(sb, `\u%04x`, uint32(int32(int8(c))))
				*j.hex = true
			} else {
				sb.WriteByte(c)
			}
		}
	}
	sb.WriteByte('"')
}

// streamUint writes a number the way the stream itself formats it.
func (j *jsonOut) streamUint(u uint64) {
	if *j.hex {
		j.raw(strconv.FormatUint(u, 16))
	} else {
		j.raw(strconv.FormatUint(u, 10))
	}
}

// streamText writes a value's text form through the stream: integers
// follow its hex mode (negative ones as their two's complement).
func (j *jsonOut) streamText(v value) {
	switch {
	case *j.hex && v.kind == kInt:
		j.raw(strconv.FormatUint(uint64(v.i), 16))
	case *j.hex && v.kind == kUint:
		j.raw(strconv.FormatUint(v.u, 16))
	default:
		j.raw(text(v))
	}
}

// jsonInt prints an integer, quoted when a double cannot hold it.
func jsonInt(i int64) string {
	s := strconv.FormatInt(i, 10)
	f := float64(i)
	if f >= 9223372036854775808.0 || int64(f) != i {
		return `"` + s + `"`
	}
	return s
}

func jsonUint(u uint64) string {
	s := strconv.FormatUint(u, 10)
	f := float64(u)
	if f >= 18446744073709551616.0 || uint64(f) != u {
		return `"` + s + `"`
	}
	return s
}

// value writes a value.
func (j *jsonOut) value(v value) {
	switch v.kind {
	case kNone:
		j.raw("null")
	case kBool:
		j.raw(strconv.FormatBool(v.b))
	case kInt:
		j.raw(jsonInt(v.i))
	case kUint, kSymbolic:
		j.raw(jsonUint(v.u))
	case kString:
		j.str(v.s)
	case kBuffer:
		j.raw("[")
		for i, c := range v.bytes {
			if i > 0 {
				j.raw(",")
			}
			j.raw(strconv.Itoa(int(int8(c))))
		}
		j.raw("]")
	case kArray, kTuple:
		j.raw("[")
		for i, e := range v.elems {
			if i > 0 {
				j.raw(",")
			}
			j.value(e)
		}
		j.raw("]")
	case kRecord:
		j.raw("{")
		for i, e := range v.elems {
			if i > 0 {
				j.raw(", ")
			}
			j.str(v.names[i])
			j.raw(": ")
			j.value(e)
		}
		j.raw("}")
	case kDuration:
		j.str(strconv.FormatUint(v.u, 10) + "ns")
	case kTime:
		j.str(isoLocal(v))
	}
}

// isoLocal is a time as bpftrace's JSON prints one: the text form,
// local ISO 8601 with nanoseconds.
func isoLocal(v value) string {
	return isoTime(v.t.Local(), unitNS)
}

// key writes a map key as a JSON member name: the key's text without a
// tuple's parentheses and without any spaces.
func (j *jsonOut) key(k value) {
	j.str(strings.ReplaceAll(stripParens(text(k)), " ", ""))
}

// stripParens drops the outer parentheses of a key's text, as bpftrace
// does for tuple keys (and for any key text that looks like one).
func stripParens(s string) string {
	if len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' {
		return s[1 : len(s)-1]
	}
	return s
}

// jsonRecord builds one record with the Writer's stream state and
// prints it as a line.
func (w *Writer) jsonRecord(build func(j *jsonOut)) error {
	j := &jsonOut{hex: &w.jsonHex}
	build(j)
	j.raw("\n")
	_, err := io.WriteString(w.stdout, j.sb.String())
	return err
}

// jsonLine prints {"type": kind, "data": data}, or with a name
// {"type": kind, "data": {"name": data}}.
func (w *Writer) jsonLine(kind, name string, data func(j *jsonOut)) error {
	return w.jsonRecord(func(j *jsonOut) {
		j.raw(`{"type": "` + kind + `", "data": `)
		if name != "" {
			j.raw("{")
			j.str(name)
			j.raw(": ")
			data(j)
			j.raw("}")
		} else {
			data(j)
		}
		j.raw("}")
	})
}

func (w *Writer) jsonData(kind, s string) error {
	return w.jsonLine(kind, "", func(j *jsonOut) { j.str(s) })
}

func (w *Writer) jsonValueLine(kind string, v value) error {
	return w.jsonLine(kind, "", func(j *jsonOut) { j.value(v) })
}
