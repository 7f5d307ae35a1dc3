package output

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/bt-tools/bt/analysis/builtins"
)

// bpftrace formats printf arguments with C++ streams, not C's printf, and
// that decides every rule below:
//   - a width pads with spaces, or with '0' when the 0 flag is given, on
//     the left, or on the right with '-' (so "%-05d" of 3 is "30000" and
//     "%05d" of -3 is "000-3": streams have no sign-aware padding here);
//   - the width pads only the first token a value writes ("(" of a tuple);
//   - the precision is ignored for integers and strings;
//   - the space flag is ignored; '+' shows the sign of signed numbers
//     (decimal only); '#' prefixes 0x/0X/0 to non-zero hex/octal numbers;
//   - integer conversions cast the value through the C type the length
//     modifier names: no modifier is int (32 bits) for %d/%i/%c and
//     unsigned int for %u/%o/%x/%X, hh char, h short, l/ll/j/z/t 64 bits;
//   - %p prints the full 64-bit value as a pointer: 0x and lower-case
//     hex, a bare 0 for null;
//   - %s prints any value in its text form; %r, %rx, %rh print buffers
//     (anything else as %s); %gr prints GFP flag names;
//   - a value a conversion cannot take prints as !{message}.

// formatString is a parsed printf-style format: the literal fragments
// around each conversion ("%%" already reduced to "%").
type formatString struct {
	fragments []string // len(verbs)+1
	verbs     []builtins.Verb
}

// percentEscape is a conversion whose conversion character is '%': any
// flags, width, precision and length may precede it, and it prints "%".
var percentEscape = regexp.MustCompile(`^%-?\+? ?#?0?(?:\*|[0-9]+)?(?:\.(?:\*|[0-9]+))?[hlLjzt]*%`)

func parseFormat(s string) (*formatString, error) {
	verbs, err := builtins.ParseFormat(s)
	if err != nil {
		return nil, err
	}
	f := &formatString{verbs: verbs}
	last := 0
	for _, v := range verbs {
		f.fragments = append(f.fragments, unescapePercents(s[last:v.Start]))
		last = v.End
	}
	f.fragments = append(f.fragments, unescapePercents(s[last:]))
	return f, nil
}

// unescapePercents reduces the %-conversions of a literal stretch to "%";
// a '%' that starts no conversion stays as it is.
func unescapePercents(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '%' {
			if m := percentEscape.FindStringIndex(s[i:]); m != nil {
				sb.WriteByte('%')
				i += m[1]
				continue
			}
		}
		sb.WriteByte(s[i])
		i++
	}
	return sb.String()
}

// format applies the format to args; missing arguments print nothing.
func (f *formatString) format(args []value) string {
	var sb strings.Builder
	for i, v := range f.verbs {
		sb.WriteString(f.fragments[i])
		if i < len(args) {
			sb.WriteString(applyVerb(v, args[i]))
		}
	}
	sb.WriteString(f.fragments[len(f.fragments)-1])
	return sb.String()
}

// spec is a conversion's flags as a stream sees them.
type spec struct {
	left, plus, alt, zero bool
	width                 int
	length, conv          string
}

func specOf(v builtins.Verb) spec {
	s := spec{
		left:   strings.Contains(v.Flags, "-"),
		plus:   strings.Contains(v.Flags, "+"),
		alt:    strings.Contains(v.Flags, "#"),
		zero:   strings.Contains(v.Flags, "0"),
		length: v.Length,
		conv:   v.Conv,
	}
	if v.Width != "*" && v.Width != "" {
		// A width too large for an int is no width, as a failed
		// conversion would leave it.
		if n, err := strconv.Atoi(v.Width); err == nil && n < 1<<20 {
			s.width = n
		}
	}
	return s
}

// pad pads the first token to the width and appends the rest.
func (s spec) pad(first, rest string) string {
	if n := s.width - len(first); n > 0 {
		fill := " "
		if s.zero {
			fill = "0"
		}
		if s.left {
			first += strings.Repeat(fill, n)
		} else {
			first = strings.Repeat(fill, n) + first
		}
	}
	return first + rest
}

// signedCasts and unsignedCasts are the C types a length modifier casts
// to, by bits; a modifier not listed (none, L, q, combinations) is int.
var signedCasts = map[string]int{"hh": 8, "h": 16, "l": 64, "ll": 64, "j": 64, "z": 64, "t": 64}
var unsignedCasts = map[string]int{"hh": 8, "h": 16, "l": 64, "ll": 64, "j": 64, "z": 64, "t": 64}

func castBits(table map[string]int, length string) int {
	if b, ok := table[length]; ok {
		return b
	}
	return 32
}

func truncate(u uint64, bits int) uint64 {
	if bits >= 64 {
		return u
	}
	return u & (1<<bits - 1)
}

func applyVerb(verb builtins.Verb, v value) string {
	s := specOf(verb)
	switch s.conv {
	case "d", "i":
		n, ok := integerArg(v)
		if !ok {
			return badConversion("invalid integer conversion", v)
		}
		bits := castBits(signedCasts, s.length)
		i := signExtend(truncate(n, bits), bits)
		str := strconv.FormatInt(i, 10)
		if s.plus && i >= 0 {
			str = "+" + str
		}
		return s.pad(str, "")
	case "u", "o", "x", "X":
		n, ok := integerArg(v)
		if !ok {
			return badConversion("invalid integer conversion", v)
		}
		u := truncate(n, castBits(unsignedCasts, s.length))
		return s.pad(s.unsignedDigits(u), "")
	case "c":
		n, ok := integerArg(v)
		if !ok {
			return badConversion("invalid integer conversion", v)
		}
		return s.pad(string([]byte{byte(n)}), "")
	case "p":
		n, ok := integerArg(v)
		if !ok {
			return badConversion("invalid integer conversion", v)
		}
		return s.pad(pointerString(n), "")
	case "r", "rx", "rh":
		if v.kind == kBuffer {
			return s.pad(hexBuffer(v.bytes, s.conv == "r", s.conv != "rh"), "")
		}
	case "gr":
		if v.kind == kBool {
			return badConversion("invalid GFP flags conversion", v)
		}
		n, ok := integerArg(v)
		if !ok {
			return badConversion("invalid GFP flags conversion", v)
		}
		return s.pad(gfpFlags(n), "")
	}
	return s.pad(textStyle{showpos: s.plus}.split(v))
}

func (s spec) unsignedDigits(u uint64) string {
	switch s.conv {
	case "o":
		str := strconv.FormatUint(u, 8)
		if s.alt && u != 0 {
			str = "0" + str
		}
		return str
	case "x", "X":
		str := strconv.FormatUint(u, 16)
		prefix := "0x"
		if s.conv == "X" {
			str, prefix = strings.ToUpper(str), "0X"
		}
		if s.alt && u != 0 {
			str = prefix + str
		}
		return str
	}
	return strconv.FormatUint(u, 10)
}

// integerArg is the number an integer conversion reads from a value:
// integers, bools, and the number behind symbolic values (enums,
// pointers).
func integerArg(v value) (uint64, bool) {
	switch v.kind {
	case kInt, kUint, kSymbolic, kBool:
		n, _, _ := v.number()
		return n, true
	}
	return 0, false
}

func badConversion(msg string, v value) string {
	return "!{" + msg + ": " + text(v) + "}"
}

// gfpFlag is one named mask of the kernel's GFP flags.
type gfpFlag struct {
	mask uint64
	name string
}

// GFP bits, from the kernel's gfp_types.h.
const (
	gfpDMA = 1 << iota
	gfpHighmem
	gfpDMA32
	gfpMovable
	gfpReclaimable
	gfpHigh
	gfpIO
	gfpFS
	gfpZero
	gfpUnused
	gfpDirectReclaim
	gfpKswapdReclaim
	gfpWrite
	gfpNowarn
	gfpRetryMayfail
	gfpNofail
	gfpNoretry
	gfpMemalloc
	gfpComp
	gfpNomemalloc
	gfpHardwall
	gfpThisnode
	gfpAccount
	gfpZerotags
	gfpSkipZero
	gfpSkipKasan
	gfpNoObjExt
)

const (
	gfpReclaim         = gfpDirectReclaim | gfpKswapdReclaim
	gfpAtomic          = gfpHigh | gfpKswapdReclaim
	gfpKernel          = gfpReclaim | gfpIO | gfpFS
	gfpKernelAccount   = gfpKernel | gfpAccount
	gfpNowait          = gfpKswapdReclaim | gfpNowarn
	gfpNoio            = gfpReclaim
	gfpNofs            = gfpNoio | gfpIO
	gfpUser            = gfpNofs | gfpFS | gfpHardwall
	gfpHighuser        = gfpUser | gfpHighmem
	gfpHighuserMovable = gfpHighuser | gfpMovable | gfpSkipKasan
	gfpTranshugeLight  = (gfpHighuserMovable | gfpComp | gfpNomemalloc | gfpNowarn) &^ gfpReclaim
	gfpTranshuge       = gfpTranshugeLight | gfpDirectReclaim
)

// gfpNames is matched in order, compound masks first, as the kernel's
// own flag printer does; what no mask covers prints as hex.
var gfpNames = []gfpFlag{
	{gfpTranshuge, "GFP_TRANSHUGE"},
	{gfpTranshugeLight, "GFP_TRANSHUGE_LIGHT"},
	{gfpHighuserMovable, "GFP_HIGHUSER_MOVABLE"},
	{gfpHighuser, "GFP_HIGHUSER"},
	{gfpUser, "GFP_USER"},
	{gfpKernelAccount, "GFP_KERNEL_ACCOUNT"},
	{gfpKernel, "GFP_KERNEL"},
	{gfpNofs, "GFP_NOFS"},
	{gfpAtomic, "GFP_ATOMIC"},
	{gfpNoio, "GFP_NOIO"},
	{gfpNowait, "GFP_NOWAIT"},
	{gfpDMA, "GFP_DMA"},
	{gfpHighmem, "__GFP_HIGHMEM"},
	{gfpDMA32, "GFP_DMA32"},
	{gfpHigh, "__GFP_HIGH"},
	{gfpIO, "__GFP_IO"},
	{gfpFS, "__GFP_FS"},
	{gfpZero, "__GFP_ZERO"},
	{gfpDirectReclaim, "__GFP_DIRECT_RECLAIM"},
	{gfpKswapdReclaim, "__GFP_KSWAPD_RECLAIM"},
	{gfpWrite, "__GFP_WRITE"},
	{gfpNowarn, "__GFP_NOWARN"},
	{gfpRetryMayfail, "__GFP_RETRY_MAYFAIL"},
	{gfpNofail, "__GFP_NOFAIL"},
	{gfpNoretry, "__GFP_NORETRY"},
	{gfpMemalloc, "__GFP_MEMALLOC"},
	{gfpComp, "__GFP_COMP"},
	{gfpNomemalloc, "__GFP_NOMEMALLOC"},
	{gfpHardwall, "__GFP_HARDWALL"},
	{gfpThisnode, "__GFP_THISNODE"},
	{gfpAccount, "__GFP_ACCOUNT"},
	{gfpZerotags, "__GFP_ZEROTAGS"},
	{gfpSkipZero, "__GFP_SKIP_ZERO"},
	{gfpSkipKasan, "__GFP_SKIP_KASAN"},
	{gfpNoObjExt, "__GFP_NO_OBJ_EXT"},
}

func gfpFlags(flags uint64) string {
	if flags == 0 {
		return "0"
	}
	var parts []string
	rest := flags
	for _, f := range gfpNames {
		if rest&f.mask == f.mask {
			parts = append(parts, f.name)
			rest &^= f.mask
		}
	}
	if rest != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(rest, 16))
	}
	return strings.Join(parts, "|")
}
