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

// jsonString quotes s as bpftrace does: \" \\ \n \r \t escaped, other
// bytes below 0x20 as \u00XX. Bytes from 0x80 are signed chars there,
// so they print as \u with the sign-extended 32-bit hex value.
func jsonString(s string) string {
	var sb strings.Builder
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
				fmt.Fprintf(&sb, `\u%04x`, uint32(int32(int8(c))))
			} else {
				sb.WriteByte(c)
			}
		}
	}
	sb.WriteByte('"')
	return sb.String()
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

// jsonValue renders a value.
func jsonValue(v value) string {
	var sb strings.Builder
	writeJSON(&sb, v)
	return sb.String()
}

func writeJSON(sb *strings.Builder, v value) {
	switch v.kind {
	case kNone:
		sb.WriteString("null")
	case kBool:
		sb.WriteString(strconv.FormatBool(v.b))
	case kInt:
		sb.WriteString(jsonInt(v.i))
	case kUint, kSymbolic:
		sb.WriteString(jsonUint(v.u))
	case kString:
		sb.WriteString(jsonString(v.s))
	case kBuffer:
		sb.WriteByte('[')
		for i, c := range v.bytes {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.Itoa(int(int8(c))))
		}
		sb.WriteByte(']')
	case kArray, kTuple:
		sb.WriteByte('[')
		for i, e := range v.elems {
			if i > 0 {
				sb.WriteByte(',')
			}
			writeJSON(sb, e)
		}
		sb.WriteByte(']')
	case kRecord:
		sb.WriteByte('{')
		for i, e := range v.elems {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(jsonString(v.names[i]))
			sb.WriteString(": ")
			writeJSON(sb, e)
		}
		sb.WriteByte('}')
	case kDuration:
		sb.WriteString(jsonString(strconv.FormatUint(v.u, 10) + "ns"))
	case kTime:
		sb.WriteString(jsonString(isoLocal(v)))
	}
}

// isoLocal is a time as bpftrace's JSON prints one: the text form,
// local ISO 8601 with nanoseconds.
func isoLocal(v value) string {
	return isoTime(v.t.Local(), unitNS)
}

// jsonKey is a map key as a JSON member name: the key's text without a
// tuple's parentheses and without any spaces.
func jsonKey(k value) string {
	s := stripParens(text(k))
	return jsonString(strings.ReplaceAll(s, " ", ""))
}

// stripParens drops the outer parentheses of a key's text, as bpftrace
// does for tuple keys (and for any key text that looks like one).
func stripParens(s string) string {
	if len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' {
		return s[1 : len(s)-1]
	}
	return s
}

// jsonLine prints {"type": kind, "data": data}, or with a name
// {"type": kind, "data": {"name": data}}.
func (w *Writer) jsonLine(kind, name, data string) error {
	var sb strings.Builder
	sb.WriteString(`{"type": "` + kind + `", "data": `)
	if name != "" {
		sb.WriteString("{" + jsonString(name) + ": " + data + "}")
	} else {
		sb.WriteString(data)
	}
	sb.WriteString("}\n")
	_, err := io.WriteString(w.stdout, sb.String())
	return err
}

func (w *Writer) jsonData(kind, s string) error {
	return w.jsonLine(kind, "", jsonString(s))
}
