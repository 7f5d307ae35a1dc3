package parser

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
)

var update = flag.Bool("update", false, "rewrite the .tree golden files of testdata/valid")

// TestValid parses every testdata/valid/*.bt: each must parse with no
// diagnostic, keep the tree invariants, and dump (ast.Dump) exactly as
// its .tree golden file. Run with -update to regenerate the goldens
// (and review the diff).
func TestValid(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.bt")
	if len(files) == 0 {
		t.Fatal("no testdata/valid/*.bt")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if annRe.Match(text) {
				t.Fatalf("%s: a valid script must not carry ERROR annotations", path)
			}
			f, diags := ParseFile(source.NewFile(path, text))
			if len(diags) > 0 {
				var b strings.Builder
				diag.RenderAll(&b, diags, diag.TextOptions{})
				t.Fatalf("unexpected diagnostics:\n%s", b.String())
			}
			checkTree(t, f, len(text))
			got := ast.Dump(f)
			golden := strings.TrimSuffix(path, ".bt") + ".tree"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden (run go test -update): %v", err)
			}
			if got != string(want) {
				t.Errorf("tree differs from %s (go test -update to accept):\n%s", golden, lineDiff(string(want), got))
			}
		})
	}
}

// annRe matches an expected-diagnostic annotation in an invalid script:
//
//	// ERROR line:col code ["message substring"]
//
// line and col are 1-based (col in bytes) and give the diagnostic's start.
var annRe = regexp.MustCompile(`//\s*ERROR\s+(\d+):(\d+)\s+([a-z][a-z0-9-]*)(?:\s+"([^"]*)")?`)

type expectation struct {
	line, col int
	code      string
	substr    string
}

func (e expectation) key() string { return fmt.Sprintf("%d:%d %s", e.line, e.col, e.code) }

// TestInvalid parses every testdata/invalid/*.bt and compares the
// diagnostics with the file's ERROR annotations: the same multiset of
// (line, column, code), and each annotated message substring present.
// The partial tree must keep the invariants too.
func TestInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.bt")
	if len(files) == 0 {
		t.Fatal("no testdata/invalid/*.bt")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var want []expectation
			for _, m := range annRe.FindAllStringSubmatch(string(text), -1) {
				l, _ := strconv.Atoi(m[1])
				c, _ := strconv.Atoi(m[2])
				want = append(want, expectation{line: l, col: c, code: m[3], substr: m[4]})
			}
			if len(want) == 0 {
				t.Fatal("an invalid script needs at least one // ERROR line:col code annotation")
			}
			f, diags := ParseFile(source.NewFile(path, text))
			checkTree(t, f, len(text))
			var got []expectation
			for _, d := range diags {
				p := d.Start()
				got = append(got, expectation{line: p.Line, col: p.Column, code: string(d.Code), substr: d.Message})
				if _, ok := diag.Lookup(d.Code); !ok {
					t.Errorf("code %q is not registered", d.Code)
				}
			}
			count := map[string]int{}
			for _, g := range got {
				count[g.key()]++
			}
			for _, w := range want {
				count[w.key()]--
			}
			var missing, extra []string
			for k, n := range count {
				for ; n > 0; n-- {
					extra = append(extra, k)
				}
				for ; n < 0; n++ {
					missing = append(missing, k)
				}
			}
			sort.Strings(missing)
			sort.Strings(extra)
			if len(missing)+len(extra) > 0 {
				var b strings.Builder
				diag.RenderAll(&b, diags, diag.TextOptions{})
				t.Errorf("missing: %v\nunexpected: %v\nall diagnostics:\n%s", missing, extra, b.String())
			}
			for _, w := range want {
				if w.substr == "" {
					continue
				}
				found := false
				for _, g := range got {
					if g.key() == w.key() && strings.Contains(g.substr, w.substr) {
						found = true
					}
				}
				if !found {
					t.Errorf("%s: no message containing %q", w.key(), w.substr)
				}
			}
		})
	}
}

// lineDiff shows the first lines where want and got differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 20; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want: %s\n  got:  %s\n", i+1, wl, gl)
			shown++
		}
	}
	return b.String()
}
