package check

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
)

// Conformance: bpftrace's own tools and the documentation's examples
// check without errors against a permissive kernel (every probe and
// type exists, with unknown types). Old-syntax tools (the Debian
// package's copies) may only produce legacy-* warnings.

// refRoot is the reference bpftrace source tree: $BT_BPFTRACE_SRC, or
// /opt/ref/bpftrace.
var refRoot = func() string {
	if d := os.Getenv("BT_BPFTRACE_SRC"); d != "" {
		return d
	}
	return "/opt/ref/bpftrace"
}()

// toolSets returns the tool directories present on this machine: the
// current tools and the older packaged ones.
func toolSets() map[string][]string {
	sets := map[string][]string{}
	if m, _ := filepath.Glob(filepath.Join(refRoot, "tools", "*.bt")); len(m) > 0 {
		sets["current"] = m
	}
	var old []string
	for _, dir := range []string{"/usr/share/bpftrace/tools", "/usr/sbin"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.bt"))
		old = append(old, m...)
		if len(m) > 0 {
			break
		}
	}
	if len(old) > 0 {
		sets["old"] = old
	}
	return sets
}

func checkPermissive(t testing.TB, name string, text []byte) (*Program, diag.List, diag.List) {
	return checkPermissiveOpts(t, name, text, true)
}

func checkPermissiveOpts(t testing.TB, name string, text []byte, unsafe bool) (*Program, diag.List, diag.List) {
	sf := source.NewFile(name, text)
	f, pd := parser.ParseFile(sf)
	prog := Check([]*ast.File{f}, Config{Kernel: permissiveKernel{}, Unsafe: unsafe})
	return prog, pd, prog.Diags
}

func TestConformanceTools(t *testing.T) {
	sets := toolSets()
	if len(sets) == 0 {
		t.Skip("no bpftrace tools on this machine")
	}
	for set, files := range sets {
		for _, path := range files {
			t.Run(set+"/"+filepath.Base(path), func(t *testing.T) {
				text, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if why, ok := toolExpectedFailures[set+"/"+filepath.Base(path)]; ok {
					_, _, diags := checkPermissive(t, path, text)
					if !diags.HasErrors() {
						t.Errorf("expected errors (%s), got none", why)
					}
					return
				}
				_, pd, diags := checkPermissive(t, path, text)
				for _, d := range pd {
					if d.Severity == diag.Error {
						t.Errorf("parse: %s", d.Error())
					}
				}
				for _, d := range diags {
					if d.Severity == diag.Error {
						t.Errorf("%s", d.Error())
					}
					if set == "old" && d.Severity == diag.Warning && !strings.HasPrefix(string(d.Code), "legacy-") && !allowedOldWarning(d) {
						t.Errorf("non-legacy warning: %s", d.Error())
					}
				}
			})
		}
	}
}

// toolExpectedFailures are old tools that bpftrace v0.26 itself
// rejects, with the reason.
var toolExpectedFailures = map[string]string{
	"old/tcpconnect.bt": "uses $saddr/$daddr after the if/else blocks that assign them (block scoping since bpftrace 0.21)",
	"old/tcpdrop.bt":    "uses $saddr/$daddr after the if/else blocks that assign them (block scoping since bpftrace 0.21)",
}

// allowedOldWarning lists warnings bpftrace itself gives on the old
// tools (so they are right, not regressions).
func allowedOldWarning(d diag.Diagnostic) bool {
	switch d.Code {
	case CodeDiscardedValue, CodeImplicitSignChange, CodeSignedDivision, CodeUnnecessaryCast:
		return true
	}
	return false
}

var codeBlockRE = regexp.MustCompile("(?s)```[a-z]*\n(.*?)```")

// docExamples returns the code blocks of the language and stdlib docs
// that look like complete scripts (they have a probe with a body).
func docExamples(t testing.TB) map[string]string {
	out := map[string]string{}
	for _, doc := range []string{"language.md", "stdlib.md", "migration_guide.md"} {
		data, err := os.ReadFile(filepath.Join(refRoot, "docs", doc))
		if err != nil {
			continue
		}
		for i, m := range codeBlockRE.FindAllStringSubmatch(string(data), -1) {
			body := m[1]
			if !looksLikeScript(body) {
				continue
			}
			out[doc+"#"+itoa(i)] = body
		}
	}
	return out
}

var probeStartRE = regexp.MustCompile(`(?m)^(begin|end|BEGIN|END|kprobe|kretprobe|tracepoint|uprobe|uretprobe|interval|profile|fentry|fexit|rawtracepoint|software|hardware|usdt|iter|self|watchpoint|i|k|t)[:a-zA-Z0-9_*/.,=-]*\s*(/[^\n]*/)?\s*\{`)

func looksLikeScript(s string) bool {
	if strings.HasPrefix(strings.TrimSpace(s), "#") && !strings.HasPrefix(strings.TrimSpace(s), "#include") && !strings.HasPrefix(strings.TrimSpace(s), "#define") {
		return false // shell transcripts
	}
	return probeStartRE.MatchString(s)
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// docExpectedFailures are documentation examples that are not meant to
// check clean (they illustrate an error, or are fragments).
var docExpectedFailures = map[string]string{
	"language.md#21":       "uses a macro from an imported file",
	"language.md#36":       "examples of invalid macro use",
	"language.md#45":       "a fragment: clears maps assigned elsewhere",
	"migration_guide.md#1": "shows the old probe-wide scoping that bpftrace now rejects",
	"migration_guide.md#4": "shows the old probe-wide scoping that bpftrace now rejects",
	"migration_guide.md#5": "shows the shadowing error",
	"stdlib.md#9":          "shows delete() errors",
	"stdlib.md#19":         "shows has_key() errors",
}

func TestConformanceDocs(t *testing.T) {
	ex := docExamples(t)
	if len(ex) == 0 {
		t.Skip("bpftrace docs not available")
	}
	for name, body := range ex {
		t.Run(name, func(t *testing.T) {
			_, pd, diags := checkPermissive(t, name, []byte(body))
			if pd.HasErrors() {
				t.Skipf("not a complete script (parse errors: %s)", pd[0].Error())
			}
			if why, ok := docExpectedFailures[name]; ok {
				if !diags.HasErrors() {
					t.Errorf("expected errors (%s), got none", why)
				}
				return
			}
			for _, d := range diags {
				if d.Severity == diag.Error {
					t.Errorf("%s\n%s", d.Error(), body)
				}
			}
		})
	}
}

// TestShowDoc prints the documentation example named in $BT_DOC
// ("language.md#12"), a development aid for the list above.
func TestShowDoc(t *testing.T) {
	name := os.Getenv("BT_DOC")
	if name == "" {
		t.Skip("set BT_DOC=doc.md#N")
	}
	t.Log("\n" + docExamples(t)[name])
}
