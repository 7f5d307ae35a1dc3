package scanner

import (
	"fmt"
	"math"
	"math/bits"
	"strings"

	"github.com/bt-tools/bt/analysis/diag"
)

// IntError is a problem in an integer literal; Start and End are byte
// offsets into the literal text.
type IntError struct {
	Start, End int
	Code       diag.Code // CodeBadInteger or CodeIntegerOverflow
	Message    string
}

// durations maps a duration suffix to its multiplier in nanoseconds.
var durations = map[string]uint64{
	"ns": 1,
	"us": 1_000,
	"ms": 1_000_000,
	"s":  1_000_000_000,
	"m":  60_000_000_000,
	"h":  3_600_000_000_000,
	"d":  86_400_000_000_000,
}

// cSuffixMax returns the largest value a C integer suffix allows, and
// whether s is such a suffix (u, ul, ull, l, ll in any case).
func cSuffixMax(s string) (uint64, bool) {
	switch strings.ToLower(s) {
	case "u":
		return math.MaxUint32, true
	case "ul", "ull":
		return math.MaxUint64, true
	case "l", "ll":
		return math.MaxInt64, true
	}
	return 0, false
}

// ParseInt computes the value of an integer literal the way bpftrace
// reads one: decimal, octal with a leading 0, hexadecimal with 0x, '_'
// separators anywhere after the first digit, a scientific form <d>e<n>
// with a single non-zero digit before the 'e', an optional C suffix (u,
// ul, ull, l, ll, any case) or duration suffix (ns us ms s m h d, value
// in nanoseconds). The value is best-effort when there are errors.
func ParseInt(lit string) (uint64, []IntError) {
	var errs []IntError
	fail := func(start, end int, code diag.Code, format string, args ...any) {
		errs = append(errs, IntError{Start: start, End: end, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	if len(lit) >= 2 && lit[0] == '0' && (lit[1] == 'x' || lit[1] == 'X') {
		i := 2
		for i < len(lit) && (isHex(lit[i]) || lit[i] == '_') {
			i++
		}
		digits := strings.ReplaceAll(lit[2:i], "_", "")
		if digits == "" {
			fail(0, len(lit), CodeBadInteger, "hexadecimal literal %s has no digits", lit)
			return 0, errs
		}
		if lit[i-1] == '_' {
			fail(i-1, i, CodeBadInteger, "integer literal cannot end with '_'")
		}
		max := uint64(math.MaxUint64)
		if suf := lit[i:]; suf != "" {
			m, ok := cSuffixMax(suf)
			if !ok {
				fail(i, len(lit), CodeBadInteger, "invalid suffix '%s' on hexadecimal literal", suf)
			} else {
				max = m
			}
		}
		var v uint64
		over := false
		for j := 0; j < len(digits); j++ {
			if v>>60 != 0 {
				over = true
			}
			v = v<<4 | uint64(hexVal(digits[j]))
		}
		if over || v > max {
			fail(0, len(lit), CodeIntegerOverflow, "integer literal %s does not fit in %s", lit, widthName(max))
		}
		return v, errs
	}
	if len(lit) >= 2 && lit[0] == '0' && (lit[1] == 'b' || lit[1] == 'B') {
		fail(1, len(lit), CodeBadInteger, "invalid suffix '%s' on integer literal (binary literals are not supported)", lit[1:])
		return 0, errs
	}

	// Mantissa.
	i := 0
	for i < len(lit) && (isDigit(lit[i]) || lit[i] == '_') {
		i++
	}
	if i > 0 && lit[i-1] == '_' {
		fail(i-1, i, CodeBadInteger, "integer literal cannot end with '_'")
	}
	mant := strings.ReplaceAll(lit[:i], "_", "")

	// Exponent.
	expStart, expEnd := -1, -1
	if i < len(lit) && (lit[i] == 'e' || lit[i] == 'E') && i+1 < len(lit) && isDigit(lit[i+1]) {
		expStart = i
		i++
		for i < len(lit) && (isDigit(lit[i]) || lit[i] == '_') {
			i++
		}
		expEnd = i
		if lit[i-1] == '_' {
			fail(i-1, i, CodeBadInteger, "integer literal cannot end with '_'")
		}
	}

	// Suffix.
	suffix := lit[i:]
	max := uint64(math.MaxUint64)
	mult := uint64(1)
	if suffix != "" {
		if d, ok := durations[suffix]; ok {
			mult = d
		} else if m, ok := cSuffixMax(suffix); ok {
			max = m
		} else {
			fail(i, len(lit), CodeBadInteger, "invalid suffix '%s' on integer literal", suffix)
		}
	}

	// Value of the mantissa: octal after a leading 0.
	base := uint64(10)
	digits := mant
	if len(mant) > 1 && mant[0] == '0' {
		base = 8
		digits = mant[1:]
	}
	var v uint64
	over := false
	for j := 0; j < len(digits); j++ {
		d := uint64(digits[j] - '0')
		if d >= base {
			fail(0, len(lit), CodeBadInteger, "invalid digit '%c' in octal literal %s", digits[j], lit)
			return 0, errs
		}
		hi, lo := bits.Mul64(v, base)
		lo, carry := bits.Add64(lo, d, 0)
		if hi != 0 || carry != 0 {
			over = true
		}
		v = lo
	}
	if over {
		fail(0, len(lit), CodeIntegerOverflow, "integer literal %s does not fit in 64 bits", lit)
		return v, errs
	}

	if expStart >= 0 {
		expDigits := strings.ReplaceAll(lit[expStart+1:expEnd], "_", "")
		if expDigits[0] == '0' {
			fail(expStart, expEnd, CodeBadInteger, "exponent of a scientific literal must start with a digit 1-9")
			return v, errs
		}
		if v < 1 || v > 9 {
			fail(0, len(lit), CodeBadInteger, "scientific literal %s must have a single digit 1-9 before the 'e'", lit)
			return v, errs
		}
		// The exponent may be huge; anything above 40 overflows anyway.
		e := 0
		for _, c := range expDigits {
			e = e*10 + int(c-'0')
			if e > 40 {
				break
			}
		}
		for ; e > 0; e-- {
			if v > math.MaxUint64/10 {
				fail(0, len(lit), CodeIntegerOverflow, "integer literal %s does not fit in 64 bits", lit)
				return v, errs
			}
			v *= 10
		}
	}

	if v > max/mult {
		if mult > 1 {
			fail(0, len(lit), CodeIntegerOverflow, "duration %s does not fit in 64 bits of nanoseconds", lit)
		} else {
			fail(0, len(lit), CodeIntegerOverflow, "integer literal %s does not fit in %s", lit, widthName(max))
		}
		return v * mult, errs
	}
	return v * mult, errs
}

func widthName(max uint64) string {
	switch max {
	case math.MaxUint32:
		return "32 bits (suffix u)"
	case math.MaxInt64:
		return "a signed 64-bit integer (suffix l/ll)"
	}
	return "64 bits"
}
