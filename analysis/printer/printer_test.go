package printer

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the printer's output")

func parse(t testing.TB, name string, src []byte) (*ast.File, diag.List) {
	t.Helper()
	return parser.ParseFile(source.NewFile(name, src))
}

func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.input")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			out, diags := Format(src, in)
			if len(diags) > 0 {
				t.Fatalf("input does not parse:\n%s", render(diags))
			}
			golden := strings.TrimSuffix(in, ".input") + ".golden"
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("output differs from %s:\n%s", golden, lineDiff(string(want), string(out)))
			}
			// The canonical form is a fixed point.
			again, diags := Format(want, golden)
			if len(diags) > 0 {
				t.Fatalf("golden does not parse:\n%s", render(diags))
			}
			if !bytes.Equal(again, want) {
				t.Errorf("formatting %s changes it:\n%s", golden, lineDiff(string(want), string(again)))
			}
		})
	}
}

func render(l diag.List) string {
	var b strings.Builder
	diag.RenderAll(&b, l, diag.TextOptions{})
	return b.String()
}

// lineDiff shows the first differing lines of want and got.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, wl, gl)
			shown++
		}
	}
	return b.String()
}

// checkRoundTrip formats src and checks the printer's promises: the
// output parses, formatting it again changes nothing, it means what src
// means (equal canonical trees), and it keeps every comment. It returns
// false, checking nothing, when src itself does not parse cleanly.
func checkRoundTrip(t testing.TB, name string, src []byte) bool {
	t.Helper()
	f1, diags := parse(t, name, src)
	if diags.HasErrors() {
		return false
	}
	out1 := Sprint(f1)
	f2, diags2 := parse(t, name+" (formatted)", []byte(out1))
	if diags2.HasErrors() {
		diags = diags2
		t.Errorf("%s: formatted output does not parse:\n%s\noutput:\n%s", name, render(diags), out1)
		return true
	}
	if out2 := Sprint(f2); out2 != out1 {
		t.Errorf("%s: formatting is not idempotent:\n%s", name, lineDiff(out1, out2))
	}
	if lost, added := multisetDiff(commentTexts(f1), commentTexts(f2)); len(lost)+len(added) > 0 {
		t.Errorf("%s: comments differ: lost %q, added %q", name, lost, added)
	}
	canonical(f1, src)
	canonical(f2, []byte(out1))
	if d1, d2 := ast.DumpNoParens(f1), ast.DumpNoParens(f2); d1 != d2 {
		t.Errorf("%s: formatting changes the meaning:\n%s", name, lineDiff(d1, d2))
	}
	return true
}

// bpftraceSource is a checkout of bpftrace's repository, read at test
// time for its scripts.
func bpftraceSource() string {
	if d := os.Getenv("BT_BPFTRACE_SRC"); d != "" {
		return d
	}
	return "/opt/ref/bpftrace"
}

// corpus lists every script the round-trip and side-by-side tests run
// over: this repository's test scripts and goldens, bpftrace's tools,
// standard library and test scripts when a checkout is present, and the
// tools Debian's bpftrace package installs.
func corpus(t testing.TB) []string {
	var files []string
	walk := func(root string) {
		_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(path, ".bt") {
				files = append(files, path)
			}
			return nil
		})
	}
	walk("../parser/testdata")
	walk("../../editors")
	for _, pat := range []string{"testdata/*.input", "testdata/*.golden"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	src := bpftraceSource()
	for _, pat := range []string{"tools/*.bt", "tools/old/*.bt", "src/stdlib/*.bt", "src/stdlib/*/*.bt", "tests/self/*.bt", "tests/runtime/scripts/*.bt"} {
		m, _ := filepath.Glob(filepath.Join(src, pat))
		files = append(files, m...)
	}
	m, _ := filepath.Glob("/usr/share/bpftrace/tools/*.bt")
	files = append(files, m...)
	return files
}

func TestRoundTrip(t *testing.T) {
	files := corpus(t)
	checked := 0
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if checkRoundTrip(t, path, src) {
			checked++
		} else {
			t.Logf("skipped (does not parse cleanly): %s", path)
		}
	}
	t.Logf("%d of %d scripts parse cleanly and round-trip", checked, len(files))
	if checked < 10 {
		t.Errorf("only %d scripts checked; the corpus is missing", checked)
	}
}

// Deliberate differences from bpftrace's formatter, shown by small
// scripts: each must keep differing (so this list stays true) and must
// round-trip.
var deviationCases = []struct{ name, in, want string }{
	{"comparison operand that would regroup", "BEGIN { $a = ($x == $y) + 1; $b = $x == ($y == $z); }",
		"BEGIN\n{\n  $a = ($x == $y) + 1;\n  $b = $x == ($y == $z);\n}\n"},
	{"let is never compound", "BEGIN { let $t = $t + 1; }", "BEGIN\n{\n  let $t = $t + 1;\n}\n"},
	{"comparison is not compound", "BEGIN { $y = $y == 1; }", "BEGIN\n{\n  $y = $y == 1;\n}\n"},
	{"comment inside an expression", "BEGIN { $z = 1 + /* two */ 2; }", "BEGIN\n{\n  $z = 1 + /* two */ 2;\n}\n"},
	{"comment between call arguments", "BEGIN {\n  f(a, // first\n    b);\n}",
		"BEGIN\n{\n  f(a, /* first */ b);\n}\n"},
	{"comments stay in the config block", "config = {\n  // why\n  max_map_keys = 1; // note\n}",
		"config = {\n  // why\n  max_map_keys = 1; // note\n}\n"},
	{"config string that is not a name stays quoted", `config = { str_trunc_trailer = ".." }`,
		"config = {\n  str_trunc_trailer = \"..\";\n}\n"},
	{"an if statement ending a block keeps its semicolon", "macro m() { f(); if (x) { 1 } else { 2 }; }\nBEGIN { if (x) { 1 } else { 2 }; }",
		"macro m()\n{\n  f();\n  if x { 1 } else { 2 };\n}\nBEGIN\n{\n  if x { 1 } else { 2 };\n}\n"},
	{"inline block comment keeps one space", "kprobe:f /* x */\n/1/ {}", "kprobe:f\n/* x *//1/\n{}\n"},
}

func TestDeviations(t *testing.T) {
	for _, c := range deviationCases {
		t.Run(c.name, func(t *testing.T) {
			out, diags := Format([]byte(c.in), "dev.bt")
			if diags.HasErrors() {
				t.Fatalf("does not parse:\n%s", render(diags))
			}
			if string(out) != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", out, c.want)
			}
			checkRoundTrip(t, c.name, []byte(c.in))
		})
	}
}

// multisetDiff returns the elements of a missing from b and those of b
// missing from a, counting repeats.
func multisetDiff(a, b []string) (onlyA, onlyB []string) {
	count := map[string]int{}
	for _, x := range a {
		count[x]++
	}
	for _, x := range b {
		count[x]--
	}
	for x, n := range count {
		for ; n > 0; n-- {
			onlyA = append(onlyA, x)
		}
		for ; n < 0; n++ {
			onlyB = append(onlyB, x)
		}
	}
	return onlyA, onlyB
}
