package parser

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
)

// The conformance tests parse bpftrace's own scripts and documentation
// examples, read at test time from a bpftrace checkout ($BT_BPFTRACE_SRC,
// default /opt/ref/bpftrace) and from the installed Debian package; none
// of that text is copied into this repository. Every script must parse
// with no diagnostics at all.

func bpftraceSrc() string {
	if d := os.Getenv("BT_BPFTRACE_SRC"); d != "" {
		return d
	}
	return "/opt/ref/bpftrace"
}

func expectClean(t *testing.T, name string, text []byte) {
	t.Helper()
	f, diags := ParseFile(source.NewFile(name, text))
	if len(diags) > 0 {
		var b strings.Builder
		diag.RenderAll(&b, diags, diag.TextOptions{})
		t.Errorf("%s: %d diagnostics:\n%s", name, len(diags), b.String())
	}
	checkTree(t, f, len(text))
}

func globAll(patterns ...string) []string {
	var out []string
	for _, p := range patterns {
		m, _ := filepath.Glob(p)
		out = append(out, m...)
	}
	sort.Strings(out)
	return out
}

func TestConformanceBpftraceTools(t *testing.T) {
	src := bpftraceSrc()
	files := globAll(filepath.Join(src, "tools", "*.bt"), filepath.Join(src, "tools", "old", "*.bt"))
	if len(files) == 0 {
		t.Skipf("no bpftrace tools under %s (set BT_BPFTRACE_SRC to a bpftrace checkout)", src)
	}
	for _, path := range files {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		expectClean(t, path, text)
	}
	t.Logf("parsed %d scripts from %s/tools", len(files), src)
}

// TestConformanceStdlibAndTestScripts parses the .bt files of bpftrace's
// standard library and its self-test and runtime-test scripts.
func TestConformanceStdlibAndTestScripts(t *testing.T) {
	src := bpftraceSrc()
	files := globAll(
		filepath.Join(src, "src", "stdlib", "*.bt"),
		filepath.Join(src, "src", "stdlib", "*", "*.bt"),
		filepath.Join(src, "tests", "self", "*.bt"),
		filepath.Join(src, "tests", "runtime", "scripts", "*.bt"),
	)
	if len(files) == 0 {
		t.Skipf("no bpftrace checkout at %s", src)
	}
	for _, path := range files {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		expectClean(t, path, text)
	}
	t.Logf("parsed %d stdlib and test scripts", len(files))
}

// TestConformanceDebianTools parses the tools of the distribution's
// bpftrace package (0.17 on Debian 12, old syntax). Debian installs them
// in /usr/sbin; other layouts use /usr/share/bpftrace/tools.
func TestConformanceDebianTools(t *testing.T) {
	files := globAll("/usr/share/bpftrace/tools/*.bt")
	if len(files) == 0 {
		files = globAll("/usr/sbin/*.bt")
	}
	if len(files) == 0 {
		t.Skip("no installed bpftrace tools (/usr/share/bpftrace/tools or /usr/sbin/*.bt)")
	}
	for _, path := range files {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		expectClean(t, path, text)
	}
	t.Logf("parsed %d installed tools", len(files))
}

// docExample is one fenced code block of a Markdown file.
type docExample struct {
	file string
	line int // line of the opening fence
	info string
	text string
}

var fenceRe = regexp.MustCompile("^\\s*```\\s*([A-Za-z0-9_+-]*)\\s*$")

func fencedBlocks(path string) ([]docExample, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(data), "\n")
	var out []docExample
	for i := 0; i < len(lines); i++ {
		m := fenceRe.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		j := i + 1
		for j < len(lines) && !regexp.MustCompile("^\\s*```\\s*$").MatchString(lines[j]) {
			j++
		}
		out = append(out, docExample{file: path, line: i + 1, info: m[1], text: strings.Join(lines[i+1:min(j, len(lines))], "\n") + "\n"})
		i = j
	}
	return out, nil
}

// classifyExample decides whether a documentation code block is a whole
// bpftrace program, and if not why. The rule, in order:
//
//  1. the fence's info string is empty, "bpftrace" or "bt" (others, like
//     cpp, are other languages);
//  2. it is not a shell transcript: no line starts with "$ " or with '#'
//     followed by a space (a root prompt or shell comment; preprocessor
//     directives have no space), and there is no "$(" substitution;
//  3. its first line that is not blank or a comment starts a top-level
//     item: a preprocessor directive, a struct/union/enum definition,
//     config, import, macro, fn, `let @`, or an attach point whose
//     provider is in the provider table (optionally after `name=`);
//     blocks starting otherwise are statement fragments, program output
//     or syntax summaries;
//  4. it has no "..." placeholder outside comments and strings.
func classifyExample(ex docExample) (program bool, reason string) {
	switch ex.info {
	case "", "bpftrace", "bt":
	default:
		return false, "language " + ex.info
	}
	for _, l := range strings.Split(ex.text, "\n") {
		l = strings.TrimLeft(l, " \t")
		if strings.HasPrefix(l, "$ ") || strings.HasPrefix(l, "# ") || l == "#" {
			return false, "shell transcript"
		}
	}
	if strings.Contains(ex.text, "$(") {
		return false, "shell substitution"
	}
	stripped := stripCommentsAndStrings(ex.text)
	first := ""
	for _, l := range strings.Split(stripped, "\n") {
		if s := strings.TrimSpace(l); s != "" {
			first = s
			break
		}
	}
	if first == "" {
		return false, "only comments"
	}
	if !startsTopLevel(first) {
		return false, "fragment or output"
	}
	if strings.Contains(stripped, "...") {
		return false, "placeholder '...'"
	}
	return true, ""
}

var (
	directiveRe = regexp.MustCompile(`^#\s*(include|define|undef|if|ifdef|ifndef|elif|else|endif|pragma|error|warning|line)\b`)
	cDefRe      = regexp.MustCompile(`^(struct|union|enum)\s+\w+\s*\{?$|^(struct|union|enum)\s+\w+\s*\{|^typedef\s`)
	keywordRe   = regexp.MustCompile(`^(config\s*=|import\s+"|macro\s+\w+|fn\s+\w+|let\s+@)`)
	apRe        = regexp.MustCompile(`^(?:\w+=)?([A-Za-z_]\w*)(?::|\s*$|\s*[{,/])`)
)

func startsTopLevel(line string) bool {
	if directiveRe.MatchString(line) || cDefRe.MatchString(line) || keywordRe.MatchString(line) {
		return true
	}
	m := apRe.FindStringSubmatch(line)
	return m != nil && probes.Lookup(m[1]) != nil
}

// stripCommentsAndStrings blanks out comments and string contents,
// keeping line breaks.
func stripCommentsAndStrings(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '/':
			for i < len(b) && b[i] != '\n' {
				b[i] = ' '
				i++
			}
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '*':
			for i < len(b) && !(b[i] == '*' && i+1 < len(b) && b[i+1] == '/') {
				if b[i] != '\n' {
					b[i] = ' '
				}
				i++
			}
			if i+1 < len(b) {
				b[i], b[i+1] = ' ', ' '
				i++
			}
		case b[i] == '"':
			i++
			for i < len(b) && b[i] != '"' && b[i] != '\n' {
				if b[i] == '\\' && i+1 < len(b) {
					b[i] = ' '
					i++
				}
				b[i] = ' '
				i++
			}
		}
	}
	return string(b)
}

func TestConformanceDocExamples(t *testing.T) {
	src := bpftraceSrc()
	docs := []string{"language.md", "stdlib.md", "migration_guide.md"}
	total, tested, rejected := 0, 0, 0
	for i := range docKnownInvalid {
		docKnownInvalid[i].seen = false
	}
	skipped := map[string]int{}
	for _, name := range docs {
		blocks, err := fencedBlocks(filepath.Join(src, "docs", name))
		if err != nil {
			t.Skipf("no bpftrace docs under %s: %v", src, err)
		}
		for _, ex := range blocks {
			total++
			ok, why := classifyExample(ex)
			if !ok {
				skipped[why]++
				continue
			}
			tested++
			name := ex.file + ":" + strconv.Itoa(ex.line)
			if k := knownInvalid(name, ex.text); k != nil {
				k.seen = true
				rejected++
				_, diags := ParseFile(source.NewFile(name, []byte(ex.text)))
				if !diags.HasErrors() {
					t.Errorf("%s: bpftrace rejects this example (%s) but it parsed cleanly", name, k.why)
				}
				continue
			}
			expectClean(t, name, []byte(ex.text))
		}
	}
	var reasons []string
	for r, n := range skipped {
		reasons = append(reasons, r+": "+strconv.Itoa(n))
	}
	sort.Strings(reasons)
	t.Logf("doc examples: %d blocks, %d tested (%d must parse cleanly, %d that bpftrace itself rejects must be rejected), %d skipped (%s)",
		total, tested, tested-rejected, rejected, total-tested, strings.Join(reasons, ", "))
	if tested == 0 {
		t.Error("no documentation example was recognised as a program")
	}
	for _, k := range docKnownInvalid {
		if !k.seen {
			t.Logf("note: known-invalid example in %s not found (docs changed?): %q", k.file, k.contains)
		}
	}
}

// docKnownInvalid lists the documentation examples that look like
// programs but that bpftrace itself refuses to parse (checked with
// bpftrace v0.26 `--fmt`): statements without the ';' the language
// requires between them, or statements outside any probe. We must reject
// them too, so the test checks that they produce errors.
var docKnownInvalid = []struct {
	file, contains, why string
	seen                bool
}{
	{file: "language.md", contains: "print(\"Unrolled\")\n  print(\"Unrolled\")", why: "statements not separated by ';'"},
	{file: "language.md", contains: "side_effects({ printf(\"hi\") })  // prints hihihi\n", why: "statements not separated by ';'"},
	{file: "language.md", contains: "macro uint64_t() { 1 }\n$x = sizeof", why: "statements outside any probe"},
}

func knownInvalid(name, text string) *struct {
	file, contains, why string
	seen                bool
} {
	for i := range docKnownInvalid {
		k := &docKnownInvalid[i]
		if strings.Contains(name, k.file) && strings.Contains(text, k.contains) {
			return k
		}
	}
	return nil
}
