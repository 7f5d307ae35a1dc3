package output

import (
	"strconv"
	"strings"
	"time"
)

// strftime formats t as the C library's strftime does in the C locale,
// with glibc's flags (_ - 0 ^ #), field widths and E/O modifiers.
// Unknown conversions are copied as written.
func strftime(format string, t time.Time) string {
	var sb strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			sb.WriteByte(c)
			continue
		}
		start := i
		i++
		var flag byte
		upper := false
		for i < len(format) && strings.IndexByte("_-0^#", format[i]) >= 0 {
			if format[i] == '^' || format[i] == '#' {
				upper = true
			} else {
				flag = format[i]
			}
			i++
		}
		width := -1
		for i < len(format) && format[i] >= '0' && format[i] <= '9' {
			if width < 0 {
				width = 0
			}
			width = width*10 + int(format[i]-'0')
			i++
		}
		if i < len(format) && (format[i] == 'E' || format[i] == 'O') {
			i++
		}
		if i >= len(format) {
			sb.WriteString(format[start:])
			break
		}
		s, ok := strftimeConv(format[i], t, flag, width)
		if !ok {
			sb.WriteString(format[start : i+1])
			continue
		}
		if upper {
			s = strings.ToUpper(s)
		}
		sb.WriteString(s)
	}
	return sb.String()
}

var (
	weekdayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	monthNames   = []string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
)

// num formats a number with its natural width and pad character, which
// the _, - and 0 flags and an explicit width change.
func num(n int, width int, pad byte, flag byte, userWidth int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	switch flag {
	case '-':
		width = 0
	case '_':
		pad = ' '
	case '0':
		pad = '0'
	}
	if userWidth >= 0 {
		width = userWidth
	}
	if neg {
		s = "-" + s
	}
	if len(s) < width {
		p := strings.Repeat(string(pad), width-len(s))
		if pad == '0' && neg {
			return "-" + p + s[1:]
		}
		return p + s
	}
	return s
}

// padText pads a textual conversion to an explicit width.
func padText(s string, flag byte, width int) string {
	if width > len(s) {
		pad := " "
		if flag == '0' {
			pad = "0"
		}
		return strings.Repeat(pad, width-len(s)) + s
	}
	return s
}

func strftimeConv(c byte, t time.Time, flag byte, width int) (string, bool) {
	n := func(v, w int, pad byte) string { return num(v, w, pad, flag, width) }
	txt := func(s string) string { return padText(s, flag, width) }
	sub := func(f string) string { return txt(strftime(f, t)) }
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	switch c {
	case 'a':
		return txt(weekdayNames[t.Weekday()][:3]), true
	case 'A':
		return txt(weekdayNames[t.Weekday()]), true
	case 'b', 'h':
		return txt(monthNames[t.Month()-1][:3]), true
	case 'B':
		return txt(monthNames[t.Month()-1]), true
	case 'c':
		return sub("%a %b %e %H:%M:%S %Y"), true
	case 'C':
		return n(t.Year()/100, 2, '0'), true
	case 'd':
		return n(t.Day(), 2, '0'), true
	case 'D', 'x':
		return sub("%m/%d/%y"), true
	case 'e':
		return n(t.Day(), 2, ' '), true
	case 'F':
		return sub("%Y-%m-%d"), true
	case 'g':
		y, _ := t.ISOWeek()
		return n(y%100, 2, '0'), true
	case 'G':
		y, _ := t.ISOWeek()
		return n(y, 1, '0'), true
	case 'H':
		return n(t.Hour(), 2, '0'), true
	case 'I':
		return n(hour12, 2, '0'), true
	case 'j':
		return n(t.YearDay(), 3, '0'), true
	case 'k':
		return n(t.Hour(), 2, ' '), true
	case 'l':
		return n(hour12, 2, ' '), true
	case 'm':
		return n(int(t.Month()), 2, '0'), true
	case 'M':
		return n(t.Minute(), 2, '0'), true
	case 'n':
		return "\n", true
	case 'p':
		if t.Hour() < 12 {
			return txt("AM"), true
		}
		return txt("PM"), true
	case 'P':
		if t.Hour() < 12 {
			return txt("am"), true
		}
		return txt("pm"), true
	case 'r':
		return sub("%I:%M:%S %p"), true
	case 'R':
		return sub("%H:%M"), true
	case 's':
		return n(int(t.Unix()), 1, '0'), true
	case 'S':
		return n(t.Second(), 2, '0'), true
	case 't':
		return "\t", true
	case 'T', 'X':
		return sub("%H:%M:%S"), true
	case 'u':
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return n(wd, 1, '0'), true
	case 'U':
		return n((t.YearDay()+6-int(t.Weekday()))/7, 2, '0'), true
	case 'V':
		_, wk := t.ISOWeek()
		return n(wk, 2, '0'), true
	case 'w':
		return n(int(t.Weekday()), 1, '0'), true
	case 'W':
		return n((t.YearDay()+6-(int(t.Weekday())+6)%7)/7, 2, '0'), true
	case 'y':
		return n(t.Year()%100, 2, '0'), true
	case 'Y':
		return n(t.Year(), 1, '0'), true
	case 'z':
		_, off := t.Zone()
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		return sign + pad0(uint64(off/3600*100+off%3600/60), 4), true
	case 'Z':
		name, _ := t.Zone()
		return txt(name), true
	case '%':
		return "%", true
	}
	return "", false
}

func unixNano(ns uint64) time.Time { return time.Unix(0, 0).Add(durationNS(ns)) }

// durationNS converts nanoseconds, saturating past what a Duration holds.
func durationNS(ns uint64) time.Duration {
	if ns > 1<<63-1 {
		return 1<<63 - 1
	}
	return time.Duration(ns)
}
