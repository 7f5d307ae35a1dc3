package builtins

import (
	"fmt"
	"regexp"

	"github.com/bt-tools/bt/analysis/types"
)

// VerbArg is the class of argument a format verb takes.
type VerbArg uint8

const (
	// VerbNone takes no argument (%%), or, as a FormatVerb's Debugf
	// field, marks a verb debugf does not allow.
	VerbNone VerbArg = iota
	// VerbInteger takes an integer, enum, bool or pointer.
	VerbInteger
	// VerbIntOnly takes an integer or enum (debugf's stricter rule).
	VerbIntOnly
	// VerbBuffer takes a buffer from buf().
	VerbBuffer
	// VerbString takes a string (debugf's %s).
	VerbString
	// VerbAny takes any value, printed as text (strings, symbols,
	// addresses from ntop, timestamps, enum names, ...).
	VerbAny
)

func (a VerbArg) String() string {
	switch a {
	case VerbInteger:
		return "integer, bool or pointer"
	case VerbIntOnly:
		return "integer"
	case VerbBuffer:
		return "buffer"
	case VerbString:
		return "string"
	case VerbAny:
		return "any value"
	}
	return "no argument"
}

// Accepts reports whether a value of type t fits the class.
func (a VerbArg) Accepts(t types.Type) bool {
	u := types.Underlying(t)
	switch a {
	case VerbInteger:
		switch u.(type) {
		case *types.Int, *types.Enum, types.Bool, *types.Pointer:
			return true
		}
	case VerbIntOnly:
		return types.IsInteger(u)
	case VerbBuffer:
		_, ok := u.(*types.Buffer)
		return ok
	case VerbString:
		_, ok := u.(*types.String)
		return ok
	case VerbAny:
		_, void := u.(types.Void)
		return t != nil && !void
	}
	return false
}

// FormatVerb is one conversion bpftrace's format strings understand
// (printf, errorf, warnf, cat, system, debugf, fail).
type FormatVerb struct {
	Conv string  // the conversion after flags, width, precision and length: "d", "rx", ...
	Arg  VerbArg // what printf-like functions accept for it
	// Supported is false for conversions bpftrace parses but rejects
	// (floating point and %n).
	Supported bool
	// Debugf is what debugf accepts for it (VerbNone: not allowed).
	Debugf VerbArg
	Doc    string
}

// FormatVerbs is every conversion bpftrace's format parser recognises.
var FormatVerbs = []FormatVerb{
	{"d", VerbInteger, true, VerbIntOnly, "signed decimal"},
	{"i", VerbInteger, true, VerbNone, "signed decimal (same as %d)"},
	{"u", VerbInteger, true, VerbIntOnly, "unsigned decimal"},
	{"o", VerbInteger, true, VerbNone, "unsigned octal"},
	{"x", VerbInteger, true, VerbIntOnly, "unsigned hexadecimal, lower case"},
	{"X", VerbInteger, true, VerbNone, "unsigned hexadecimal, upper case"},
	{"c", VerbInteger, true, VerbNone, "the character with this code"},
	{"p", VerbInteger, true, VerbIntOnly, "an address, in hexadecimal with 0x"},
	{"s", VerbAny, true, VerbString, "any value in its text form: strings, symbols, addresses, enum names, ..."},
	{"r", VerbBuffer, true, VerbNone, "a buf() buffer: printable ASCII as is, other bytes as \\xNN"},
	{"rx", VerbBuffer, true, VerbNone, "a buf() buffer, every byte as \\xNN"},
	{"rh", VerbBuffer, true, VerbNone, "a buf() buffer, every byte as two hex digits, space separated"},
	{"gr", VerbInteger, true, VerbNone, "GFP allocation flags by name, e.g. GFP_KERNEL|__GFP_ZERO"},
	{"%", VerbNone, true, VerbNone, "a literal percent sign"},
	{"e", VerbNone, false, VerbNone, "floating point: not supported"},
	{"E", VerbNone, false, VerbNone, "floating point: not supported"},
	{"f", VerbNone, false, VerbNone, "floating point: not supported"},
	{"F", VerbNone, false, VerbNone, "floating point: not supported"},
	{"g", VerbNone, false, VerbNone, "floating point: not supported"},
	{"G", VerbNone, false, VerbNone, "floating point: not supported"},
	{"a", VerbNone, false, VerbNone, "floating point: not supported"},
	{"A", VerbNone, false, VerbNone, "floating point: not supported"},
	{"n", VerbNone, false, VerbNone, "not supported"},
}

// LookupVerb finds a conversion by name ("d", "rx", ...).
func LookupVerb(conv string) (*FormatVerb, bool) {
	for i := range FormatVerbs {
		if FormatVerbs[i].Conv == conv {
			return &FormatVerbs[i], true
		}
	}
	return nil, false
}

// Verb is one conversion found in a format string.
type Verb struct {
	// Start and End are the byte offsets of the whole specification
	// ("%-08llx") in the decoded string value (escape sequences already
	// applied); End is one past the last byte.
	Start, End int
	Flags      string // any of "-", "+", " ", "#", "0", in that order
	Width      string // digits, "*" or ""
	Precision  string // digits or "*" after '.', "" when absent
	Length     string // a run of h, l, L, j, z, t ("hh", "ll", ...)
	Conv       string
	Info       *FormatVerb
}

// formatSpec mirrors bpftrace's format specification grammar; the order
// of the alternatives matters (gr before g, rh and rx before r).
var formatSpec = regexp.MustCompile(`%(-?)(\+?)( ?)(#?)(0?)(\*|[0-9]+)?(?:\.(\*|[0-9]+))?([hlLjzt]*)([diouxXeEfFGaAcspn%]|gr|g|rh|rx|r)`)

// FormatError is a format string bpftrace rejects.
type FormatError struct {
	Start, End int // byte range of the offending specification
	Msg        string
}

func (e *FormatError) Error() string { return e.Msg }

// ParseFormat finds the conversions of a format string, in order: the
// i-th Verb consumes the i-th argument after the format. `%%` is an
// escape and is not returned. A conversion bpftrace rejects (floating
// point, %n) is an error with its byte range. A `%` that starts no valid
// specification is printed literally by bpftrace; StrayPercents finds
// those.
func ParseFormat(s string) ([]Verb, error) {
	var out []Verb
	for _, m := range formatSpec.FindAllStringSubmatchIndex(s, -1) {
		sub := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return s[m[2*i]:m[2*i+1]]
		}
		v := Verb{
			Start:     m[0],
			End:       m[1],
			Flags:     sub(1) + sub(2) + sub(3) + sub(4) + sub(5),
			Width:     sub(6),
			Precision: sub(7),
			Length:    sub(8),
			Conv:      sub(9),
		}
		if v.Conv == "%" {
			continue
		}
		info, _ := LookupVerb(v.Conv)
		if !info.Supported {
			return out, &FormatError{v.Start, v.End, fmt.Sprintf("unsupported format specifier: %%%s", v.Conv)}
		}
		v.Info = info
		out = append(out, v)
	}
	return out, nil
}

// StrayPercents returns the offsets of the `%` characters that start no
// format specification; bpftrace prints them as they are, which is
// usually a mistake (a missing verb, or `%` that should be `%%`).
func StrayPercents(s string) []int {
	covered := make([]bool, len(s))
	for _, m := range formatSpec.FindAllStringIndex(s, -1) {
		for i := m[0]; i < m[1]; i++ {
			covered[i] = true
		}
	}
	var out []int
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && !covered[i] {
			out = append(out, i)
		}
	}
	return out
}

// String is the specification as written.
func (v Verb) String() string {
	s := "%" + v.Flags + v.Width
	if v.Precision != "" {
		s += "." + v.Precision
	}
	return s + v.Length + v.Conv
}
