package check

import (
	"fmt"
	"math"
	"math/bits"
	"strings"

	"github.com/bt-tools/bt/analysis/types"
)

// NamedParamError is a named parameter's value that does not fit its
// option's type; its text is bpftrace's.
type NamedParamError struct {
	Name, Value, Reason string
}

func (e *NamedParamError) Error() string {
	return fmt.Sprintf("program command line option --%s %s (value: %s)", e.Name, e.Reason, e.Value)
}

// Value converts the text given for the option on the command line
// (given: false when the option came without "=value") to the option's
// type as bpftrace does: a bool (1/true/on/yes, 0/false/off/no, any
// case; a bare flag is true), an integer (uint64, or int64 when the
// default is negative, read by ParseOptionInt) or the string itself.
func (p *NamedParam) Value(text string, given bool) (any, error) {
	fail := func(reason string) error {
		if !given {
			text = "true"
		}
		return &NamedParamError{Name: p.Name, Value: text, Reason: reason}
	}
	switch u := types.Underlying(p.Type).(type) {
	case types.Bool:
		if !given {
			return true, nil
		}
		switch strings.ToLower(text) {
		case "1", "true", "on", "yes":
			return true, nil
		case "0", "false", "off", "no":
			return false, nil
		}
		return nil, fail("expects a boolean (e.g. 'true')")
	case *types.Int:
		if !given {
			return nil, fail("expects an integer")
		}
		v, err := ParseOptionInt(text, u.Signed)
		if err != nil {
			return nil, fail(err.Error())
		}
		return v, nil
	}
	if !given {
		return nil, fail("expects a string")
	}
	return text, nil
}

// optionIntSuffixes are the suffixes an integer on the command line may
// carry: each with the largest value it allows and its multiplier (the
// durations are in nanoseconds).
var optionIntSuffixes = map[string]struct{ max, mul uint64 }{
	"": {math.MaxUint64, 1}, "u": {math.MaxUint32, 1}, "ul": {math.MaxUint64, 1}, "ull": {math.MaxUint64, 1},
	"l": {math.MaxInt64, 1}, "ll": {math.MaxInt64, 1},
	"ns": {math.MaxUint64, 1}, "us": {math.MaxUint64, 1_000}, "ms": {math.MaxUint64, 1_000_000},
	"s": {math.MaxUint64, 1_000_000_000}, "m": {math.MaxUint64, 60_000_000_000},
	"h": {math.MaxUint64, 3_600_000_000_000}, "d": {math.MaxUint64, 86_400_000_000_000},
}

// errOptionRange is an integer option's value out of its type's range.
var errOptionRange = fmt.Errorf("value is out of range")

// ParseOptionInt reads an integer option's value as bpftrace does: '_'
// separators dropped; 0x, 0b and 0-led octal prefixes; otherwise C's
// strtoull (leading blanks, a sign, 0x) and a scientific form d e n with
// one digit 1-9 before the 'e'; then an optional suffix (u, ul, ull, l,
// ll, or a duration: ns us ms s m h d). signed reads an int64 (a leading
// '-' negates), else a uint64 (returned as its int64 bits). The errors'
// texts are bpftrace's.
func ParseOptionInt(text string, signed bool) (int64, error) {
	if !signed {
		v, err := optionUint(text)
		return int64(v), err
	}
	if text == "" {
		return 0, nil
	}
	if text[0] == '-' {
		v, err := optionUint(text[1:])
		if err != nil {
			return 0, err
		}
		if v > 1<<63 {
			return 0, errOptionRange
		}
		return -int64(v-1) - 1, nil
	}
	v, err := optionUint(text)
	if err != nil {
		return 0, err
	}
	if v > math.MaxInt64 {
		return 0, errOptionRange
	}
	return int64(v), nil
}

func optionUint(text string) (uint64, error) {
	n := strings.ReplaceAll(text, "_", "")
	base := 0
	switch {
	case len(n) >= 2 && (n[:2] == "0x" || n[:2] == "0X"):
		base, n = 16, n[2:]
	case len(n) >= 2 && (n[:2] == "0b" || n[:2] == "0B"):
		base, n = 2, n[2:]
	case len(n) >= 2 && n[0] == '0' && n[1] >= '0' && n[1] <= '7':
		base, n = 8, n[1:]
	}
	v, rest, err := strtoull(n, base)
	if err != nil {
		return 0, err
	}
	if len(rest) >= 2 && (rest[0] == 'e' || rest[0] == 'E') && rest[1] >= '1' && rest[1] <= '9' {
		if v == 0 || v >= 10 {
			return 0, fmt.Errorf("coefficient part of scientific literal must be 1-9")
		}
		exp, r, err := strtoull(rest[1:], 10)
		if err != nil {
			return 0, errOptionRange
		}
		rest = r
		for ; exp > 0; exp-- {
			hi, lo := bits.Mul64(v, 10)
			if hi != 0 {
				return 0, errOptionRange
			}
			v = lo
		}
	}
	suf, ok := optionIntSuffixes[rest]
	if !ok {
		return 0, fmt.Errorf("invalid trailing bytes")
	}
	if v > suf.max/suf.mul {
		return 0, errOptionRange
	}
	return v * suf.mul, nil
}

// strtoull is C's strtoull: leading white space, an optional sign (a
// '-' negates, modulo 2^64), and with base 0 a 0x or 0 prefix choosing
// the base; it returns the text after the number. No digits is an
// "invalid integer"; a value above 2^64-1 is out of range.
func strtoull(s string, base int) (uint64, string, error) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if (base == 0 || base == 16) && i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && digitVal(s[i+2]) < 16 {
		base, i = 16, i+2
	} else if base == 0 && i < len(s) && s[i] == '0' {
		base = 8
	} else if base == 0 {
		base = 10
	}
	start := i
	var v uint64
	over := false
	for i < len(s) && digitVal(s[i]) < base {
		hi, lo := bits.Mul64(v, uint64(base))
		sum, carry := bits.Add64(lo, uint64(digitVal(s[i])), 0)
		if hi != 0 || carry != 0 {
			over = true
		}
		v = sum
		i++
	}
	if i == start {
		return 0, s, fmt.Errorf("invalid integer")
	}
	if over {
		return 0, s[i:], errOptionRange
	}
	if neg {
		v = -v
	}
	return v, s[i:], nil
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}
