package check

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/diag"
)

// refUnitCase is a one-line program from bpftrace's own type checker unit
// tests: ok says whether bpftrace accepts it.
type refUnitCase struct {
	file string
	line int
	prog string
	ok   bool
}

// cxxString matches a C++ string literal or raw string at the start.
var (
	cxxQuoted = regexp.MustCompile(`^"((?:[^"\\]|\\.)*)"`)
	cxxRaw    = regexp.MustCompile(`(?s)^R"\((.*?)\)"`)
)

// refUnitCases extracts `test("...")` (accepted) and `test("...",
// Error{...})` (rejected) calls with a single literal program.
func refUnitCases(t testing.TB) []refUnitCase {
	var out []refUnitCase
	for _, name := range []string{"type_checker.cpp", "type_resolver.cpp"} {
		data, err := os.ReadFile(filepath.Join(refRoot, "tests", name))
		if err != nil {
			continue
		}
		text := string(data)
		for i := 0; ; {
			j := strings.Index(text[i:], "test(")
			if j < 0 {
				break
			}
			pos := i + j + len("test(")
			i = pos
			if pos > 5 && isIdentByte(text[pos-6]) {
				continue // e.g. some_test(
			}
			rest := strings.TrimLeft(text[pos:], " \n\t")
			var prog string
			var after string
			if m := cxxRaw.FindStringSubmatch(rest); m != nil {
				prog, after = m[1], rest[len(m[0]):]
			} else if m := cxxQuoted.FindStringSubmatch(rest); m != nil {
				s, err := strconv.Unquote(`"` + m[1] + `"`)
				if err != nil {
					continue
				}
				prog, after = s, rest[len(m[0]):]
			} else {
				continue
			}
			after = strings.TrimLeft(after, " \n\t")
			line := strings.Count(text[:pos], "\n") + 1
			switch {
			case strings.HasPrefix(after, ");"):
				out = append(out, refUnitCase{name, line, prog, true})
			case strings.HasPrefix(after, ", Error{"):
				out = append(out, refUnitCase{name, line, prog, false})
			}
		}
	}
	return out
}

func isIdentByte(b byte) bool {
	return b == '_' || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
}

// refUnitSkip says why a reference unit program is not compared:
// features of bpftrace's test setup rather than of the language.
func refUnitSkip(prog string) string {
	switch {
	case strings.Contains(prog, "typeinfo"), strings.Contains(prog, "is_scalar"):
		return "the reference's unit tests enable unstable features and internal helpers"
	case strings.Contains(prog, "__builtin_"):
		return "internal builtin names of bpftrace's standard library"
	case strings.HasPrefix(prog, "fn ") && strings.Contains(prog, "typeof($"):
		return "fn parameter types that refer to other parameters are not supported"
	}
	return ""
}

// TestConformanceRefUnit checks the one-line programs of bpftrace's type
// checker and type resolver unit tests. Programs bpftrace accepts must
// check without errors. (The permissive test kernel knows no types, so
// programs bpftrace rejects for kernel reasons cannot be compared; the
// number the checker rejects too is logged.)
func TestConformanceRefUnit(t *testing.T) {
	cases := refUnitCases(t)
	if len(cases) == 0 {
		t.Skip("bpftrace unit tests not available")
	}
	accepted, rejected, caught := 0, 0, 0
	for _, c := range cases {
		if refUnitSkip(c.prog) != "" {
			continue
		}
		_, pd, d := checkPermissive(t, "ref.bt", []byte(c.prog))
		all := append(pd, d...)
		if c.ok {
			accepted++
			for _, e := range all {
				if e.Severity == diag.Error {
					t.Errorf("%s:%d: %s\n  %s", c.file, c.line, e.Error(), c.prog)
					break
				}
			}
			continue
		}
		rejected++
		if all.HasErrors() {
			caught++
		}
	}
	t.Logf("%d accepted programs check clean; %d of %d rejected programs are rejected too", accepted, caught, rejected)
}
