package builtins

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bt-tools/bt/stdlib"
)

// These tests read bpftrace's sources (facts only) to keep the table
// complete and its arities honest. They skip when the sources are absent.

func refDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("BT_BPFTRACE_SRC")
	if dir == "" {
		dir = "/opt/ref/bpftrace"
	}
	if _, err := os.Stat(filepath.Join(dir, "docs", "stdlib.md")); err != nil {
		t.Skipf("bpftrace sources not found at %s (set BT_BPFTRACE_SRC): %v", dir, err)
	}
	return dir
}

func readRef(t *testing.T, parts ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(parts...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// libraryMacro matches a macro definition of bt's standard library.
var libraryMacro = regexp.MustCompile(`(?m)^macro\s+([A-Za-z_][A-Za-z_0-9]*)\s*(?:\(([^)]*)\))?`)

// libraryArities are the arities of bt's standard library macros by
// name: what bpftrace has as library functions, bt may have there too.
func libraryArities(t *testing.T) map[string][]int {
	t.Helper()
	out := map[string][]int{}
	for _, name := range stdlib.Scripts() {
		text, err := stdlib.Source(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range libraryMacro.FindAllStringSubmatch(string(text), -1) {
			n := 0
			if strings.TrimSpace(m[2]) != "" {
				n = len(strings.Split(m[2], ","))
			}
			out[m[1]] = append(out[m[1]], n)
		}
	}
	if len(out) == 0 {
		t.Fatal("no macros found in bt's standard library")
	}
	return out
}

// inLibrary reports whether the library has name with a call form (call)
// or the bare form of a parameterless macro.
func inLibrary(lib map[string][]int, name string, call bool) bool {
	for _, n := range lib[name] {
		if call || n == 0 {
			return true
		}
	}
	return false
}

// excluded are reference names deliberately not in the table.
var excluded = map[string]string{}

// signatureName extracts the function name from a reference signature
// such as "uint64 *percpu_kaddr(const string name)", "uint32 tid" or
// "nsecs(boot) - ...".
func signatureName(sig string) string {
	sig = strings.TrimSpace(sig)
	if i := strings.IndexByte(sig, '('); i >= 0 {
		head := sig[:i]
		j := len(head)
		for j > 0 && isIdentByte(head[j-1]) {
			j--
		}
		return head[j:]
	}
	f := strings.Fields(sig)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func TestCompleteStdlibDoc(t *testing.T) {
	dir := refDir(t)
	doc := readRef(t, dir, "docs", "stdlib.md")
	lib := libraryArities(t)
	var headings int
	section := ""
	inCode := false
	sc := bufio.NewScanner(strings.NewReader(doc))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if inCode {
			continue
		}
		if name, ok := strings.CutPrefix(line, "### "); ok {
			name = strings.TrimSpace(name)
			section = name
			headings++
			if reason, skip := excluded[name]; skip {
				t.Logf("excluded %s: %s", name, reason)
				continue
			}
			if _, ok := Lookup(name); !ok && len(lib[name]) == 0 {
				t.Errorf("stdlib.md documents %q, which is neither in the table nor in bt's standard library", name)
			}
			continue
		}
		if strings.HasPrefix(line, "## ") {
			section = ""
			continue
		}
		// Signature bullets: - `uint32 pid` or * `count_t count()`.
		var sig string
		for _, prefix := range []string{"- `", "* `", "- deprecated `"} {
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				sig, _, _ = strings.Cut(rest, "`")
			}
		}
		if sig == "" || section == "" {
			continue
		}
		if signatureName(sig) != section {
			continue
		}
		b, ok := Lookup(section)
		if !ok {
			if len(lib[section]) > 0 && !inLibrary(lib, section, strings.Contains(sig, "(")) {
				t.Errorf("%s: stdlib.md shows the form %q; bt's standard library has no macro for it", section, sig)
			}
			continue
		}
		if strings.Contains(sig, "(") && !b.Callable() {
			t.Errorf("%s: stdlib.md shows the call form %q; the table has none", section, sig)
		}
		if !strings.Contains(sig, "(") && !b.HasBare() {
			t.Errorf("%s: stdlib.md shows the bare form %q; the table has none", section, sig)
		}
	}
	if headings < 100 {
		t.Fatalf("found only %d headings in stdlib.md; the parser is out of date", headings)
	}
}

var annotation = regexp.MustCompile(`^//\s*:(function|variant|deprecated_variant)\s+(.*)$`)

func TestCompleteStdlibSources(t *testing.T) {
	dir := refDir(t)
	var files []string
	filepath.WalkDir(filepath.Join(dir, "src", "stdlib"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".bt") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatal("no .bt files under src/stdlib")
	}
	lib := libraryArities(t)
	names := map[string]bool{}
	zeroArgMacros := map[string]bool{}
	macroDef := regexp.MustCompile(`^macro\s+([A-Za-z_][A-Za-z_0-9]*)\s*\(\s*\)`)
	for _, f := range files {
		for _, line := range strings.Split(readRef(t, f), "\n") {
			if m := annotation.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
				name := m[2]
				if m[1] != "function" {
					name = signatureName(m[2])
				}
				names[name] = true
				b, ok := Lookup(name)
				if !ok {
					if m[1] == "variant" && len(lib[name]) > 0 && !inLibrary(lib, name, strings.Contains(m[2], "(")) {
						t.Errorf("%s: %s has the variant %q; bt's standard library has no macro for it", name, filepath.Base(f), m[2])
					}
					continue
				}
				if m[1] == "variant" && !strings.Contains(m[2], "(") && !b.HasBare() {
					t.Errorf("%s: %s has the bare variant %q; the table has none", name, filepath.Base(f), m[2])
				}
			}
			if m := macroDef.FindStringSubmatch(line); m != nil {
				zeroArgMacros[m[1]] = true
			}
		}
	}
	if len(names) < 60 {
		t.Fatalf("found only %d annotated names; the parser is out of date", len(names))
	}
	for name := range names {
		if reason, skip := excluded[name]; skip {
			t.Logf("excluded %s: %s", name, reason)
			continue
		}
		if _, ok := Lookup(name); !ok && len(lib[name]) == 0 {
			t.Errorf("src/stdlib annotates %q, which is neither in the table nor in bt's standard library", name)
		}
	}
	// A macro without parameters can be used without parentheses.
	for name := range zeroArgMacros {
		if b, ok := Lookup(name); ok && !b.HasBare() && !inLibrary(lib, name, false) {
			t.Errorf("%s is a parameterless stdlib macro, so it can be written bare; the table has no bare form", name)
		}
	}
}

// internalNames are bpftrace call names that are not user-facing.
var internalNames = map[string]string{
	"stack_len": "internal helper behind len(kstack/ustack)",
}

// refName maps bpftrace's internal builtin names to the user-facing ones.
func refName(s string) string { return strings.TrimPrefix(s, "__builtin_") }

// TestArgCountsMatchReference compares every argument count with
// bpftrace's own table (CALL_NARGS). Aggregations there count the map
// and key that bpftrace injects when it rewrites `@m[k] = f(x)`.
func TestArgCountsMatchReference(t *testing.T) {
	dir := refDir(t)
	src := readRef(t, dir, "src", "ast", "passes", "types", "pre_type_check.cpp")
	re := regexp.MustCompile(`\{\s*"([a-z_]+)",\s*\{\s*\.min_args\s*=\s*(\d+),\s*\.max_args\s*=\s*(\d+)\s*\}\s*\}`)
	ms := re.FindAllStringSubmatch(src, -1)
	if len(ms) < 40 {
		t.Fatalf("found only %d arity rows in pre_type_check.cpp; the parser is out of date", len(ms))
	}
	for _, m := range ms {
		name := refName(m[1])
		if _, skip := internalNames[name]; skip {
			continue
		}
		lo, _ := strconv.Atoi(m[2])
		hi, _ := strconv.Atoi(m[3])
		b, ok := Lookup(name)
		if !ok {
			t.Errorf("bpftrace checks the arity of %q, which is not in the table", name)
			continue
		}
		if b.Kind == Aggregation {
			lo, hi = lo-2, hi-2
		}
		glo, ghi, ok := b.ArgCount()
		if !ok || glo != lo || ghi != hi {
			t.Errorf("%s: table takes %d..%d arguments, bpftrace %d..%d", name, glo, ghi, lo, hi)
		}
	}
}

// TestVoidFunctionsMatchReference checks the functions bpftrace types as
// void.
func TestVoidFunctionsMatchReference(t *testing.T) {
	dir := refDir(t)
	src := readRef(t, dir, "src", "ast", "passes", "types", "type_resolver.cpp")
	start := strings.Index(src, "VOID_RETURNING_FUNCS")
	end := strings.Index(src[start:], "};")
	if start < 0 || end < 0 {
		t.Fatal("VOID_RETURNING_FUNCS not found")
	}
	names := regexp.MustCompile(`"([a-z_]+)"`).FindAllStringSubmatch(src[start:start+end], -1)
	if len(names) < 10 {
		t.Fatalf("found only %d void functions", len(names))
	}
	for _, m := range names {
		b, ok := Lookup(m[1])
		if !ok {
			t.Errorf("bpftrace's void function %q is not in the table", m[1])
			continue
		}
		for _, s := range b.Variants {
			if !s.Bare && !s.Result.IsVoid() {
				t.Errorf("%s returns %s in the table; bpftrace says void", s, s.Result)
			}
		}
	}
}

// TestParserBuiltinsAreBare checks that the names bpftrace's parser turns
// into builtin values can be written without parentheses.
func TestParserBuiltinsAreBare(t *testing.T) {
	dir := refDir(t)
	src := readRef(t, dir, "src", "parser.cpp")
	start := strings.Index(src, "bool Parser::is_builtin")
	if start < 0 {
		t.Fatal("Parser::is_builtin not found")
	}
	end := strings.Index(src[start:], "};")
	names := regexp.MustCompile(`"([a-z_]+)"`).FindAllStringSubmatch(src[start:start+end], -1)
	if len(names) < 10 {
		t.Fatalf("found only %d parser builtins", len(names))
	}
	for _, m := range names {
		b, ok := Lookup(refName(m[1]))
		if !ok {
			t.Errorf("parser builtin %q is not in the table", m[1])
			continue
		}
		if !b.HasBare() {
			t.Errorf("parser builtin %q has no bare form in the table", m[1])
		}
	}
}

// TestDocsAreOurOwn fails when a description repeats a run of words from
// bpftrace's documentation: the table's prose must be written anew.
func TestDocsAreOurOwn(t *testing.T) {
	dir := refDir(t)
	const n = 8 // words in a row
	corpus := readRef(t, dir, "docs", "stdlib.md") + readRef(t, dir, "docs", "language.md")
	filepath.WalkDir(filepath.Join(dir, "src", "stdlib"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".bt") {
			corpus += readRef(t, p)
		}
		return nil
	})
	seen := map[string]bool{}
	words := normWords(corpus)
	for i := 0; i+n <= len(words); i++ {
		seen[strings.Join(words[i:i+n], " ")] = true
	}
	check := func(what, text string) {
		w := normWords(text)
		for i := 0; i+n <= len(w); i++ {
			if g := strings.Join(w[i:i+n], " "); seen[g] {
				t.Errorf("%s repeats the reference's words: %q", what, g)
				return
			}
		}
	}
	for _, b := range All() {
		check(b.Name+".Doc", b.Doc)
		for _, s := range b.Variants {
			check(b.Name+" variant doc", s.Doc)
		}
	}
	for _, k := range ConfigKeys {
		check("config "+k.Name, k.Doc)
	}
}

func normWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
	})
}
