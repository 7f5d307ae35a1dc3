package check

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
)

// The scripts in testdata/*.bt carry their expected diagnostics as
// comments:
//
//	// ERROR 3:12 map-type-conflict
//	// WARN 1:1 legacy-begin
//
// (severity, line:column of the diagnostic's start, code). The test
// asserts that the checker reports exactly that set, no more, no less.
// A script with no annotation must check clean. Directives on a comment
// line of their own select the environment:
//
//	// check: nokernel    kernel-independent (Config.Kernel nil)
//	// check: unsafe      --unsafe
//	// check: noc         no C scope
//	// check: pid         as for bpftrace -p PID
//
// By default a small fake kernel and a fake C scope are used.

var annotRE = regexp.MustCompile(`//\s*(ERROR|WARN)\s+(\d+):(\d+)\s+([a-z0-9-]+)`)

type expectation struct {
	sev       string
	line, col int
	code      string
}

func (e expectation) String() string {
	return fmt.Sprintf("%s %d:%d %s", e.sev, e.line, e.col, e.code)
}

func parseExpectations(text string) (exp []expectation, opts map[string]bool) {
	opts = map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		for _, m := range annotRE.FindAllStringSubmatch(line, -1) {
			var l, c int
			fmt.Sscan(m[2], &l)
			fmt.Sscan(m[3], &c)
			exp = append(exp, expectation{m[1], l, c, m[4]})
		}
		t := strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(t, "// check:"); ok {
			for _, o := range strings.Fields(rest) {
				opts[o] = true
			}
		}
	}
	return exp, opts
}

// checkSource parses and checks one script with the test environment
// chosen by opts.
func checkSource(t testing.TB, name, text string, opts map[string]bool) (*Program, diag.List) {
	t.Helper()
	sf := source.NewFile(name, []byte(text))
	f, pd := parser.ParseFile(sf)
	cfg := Config{Unsafe: opts["unsafe"]}
	if opts["pid"] {
		cfg.PID = 1
	}
	if !opts["nokernel"] {
		cfg.Kernel = newFakeKernel()
	}
	if !opts["noc"] {
		cfg.C = newFakeC()
	}
	prog := Check([]*ast.File{f}, cfg)
	all := append(diag.List{}, pd...)
	all = append(all, prog.Diags...)
	return prog, all
}

func gotExpectations(l diag.List) []expectation {
	var out []expectation
	for _, d := range l {
		p := d.Start()
		sev := "ERROR"
		switch d.Severity {
		case diag.Warning:
			sev = "WARN"
		case diag.Info, diag.Hint:
			continue
		}
		out = append(out, expectation{sev, p.Line, p.Column, string(d.Code)})
	}
	return out
}

func TestTestdata(t *testing.T) {
	files, err := filepath.Glob("testdata/*.bt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata scripts")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want, opts := parseExpectations(string(data))
			_, diags := checkSource(t, path, string(data), opts)
			got := gotExpectations(diags)
			missing, extra := diffExpectations(want, got)
			if len(missing) > 0 || len(extra) > 0 {
				var sb strings.Builder
				for _, m := range missing {
					fmt.Fprintf(&sb, "  missing: %s\n", m)
				}
				for _, e := range extra {
					fmt.Fprintf(&sb, "  unexpected: %s\n", e)
				}
				sb.WriteString("all diagnostics:\n")
				for _, d := range diags {
					fmt.Fprintf(&sb, "  %s\n", d.Error())
				}
				t.Errorf("%s:\n%s", path, sb.String())
			}
		})
	}
}

func diffExpectations(want, got []expectation) (missing, extra []expectation) {
	count := map[expectation]int{}
	for _, w := range want {
		count[w]++
	}
	for _, g := range got {
		if count[g] > 0 {
			count[g]--
			continue
		}
		extra = append(extra, g)
	}
	for k, n := range count {
		for ; n > 0; n-- {
			missing = append(missing, k)
		}
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i].String() < missing[j].String() })
	return missing, extra
}

// TestDebugScript prints the diagnostics of the script in $BT_CHECK_DEBUG
// (a development aid; skipped otherwise).
func TestDebugScript(t *testing.T) {
	path := os.Getenv("BT_CHECK_DEBUG")
	if path == "" {
		t.Skip("set BT_CHECK_DEBUG=file.bt")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, opts := parseExpectations(string(data))
	prog, diags := checkSource(t, path, string(data), opts)
	for _, d := range diags {
		t.Logf("%s", d.Error())
		if d.Hint != "" {
			t.Logf("    hint: %s", d.Hint)
		}
		for _, n := range d.Notes {
			p := n.Start()
			t.Logf("    note %d:%d: %s", p.Line, p.Column, n.Message)
		}
	}
	for _, m := range prog.Maps {
		t.Logf("map %s key=%v value=%v kind=%s", m.Name, m.Key, m.Value, m.Kind)
	}
}
