package check

import (
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
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// The reference unit-test conformance reads bpftrace's parser and type
// checker unit tests ($BT_BPFTRACE_SRC/tests) at test time: each call
// with a literal program and an expected verdict is one case. Nothing of
// those files is copied here.

// refUnitCase is one program from bpftrace's unit tests: ok says whether
// bpftrace accepts it; stage says which passes the reference test ran.
type refUnitCase struct {
	file   string
	line   int
	prog   string
	ok     bool
	stage  refStage
	unsafe bool
}

// refStage is how far bpftrace's test harness takes a program.
type refStage int

const (
	stageParse refStage = iota // parser and attach-point parsing only
	stageMacro                 // parser, clang and C macro expansion
	stageCheck                 // every pass up to type checking
)

var (
	cxxQuoted = regexp.MustCompile(`^"((?:[^"\\]|\\.)*)"`)
	cxxRaw    = regexp.MustCompile(`(?s)^R"\((.*?)\)"`)
)

// cxxStringLiteral reads adjacent C++ string literals (quoted or raw) at
// the start of s, returning their concatenation and the rest.
func cxxStringLiteral(s string) (string, string, bool) {
	var out strings.Builder
	n := 0
	for {
		s2 := strings.TrimLeft(s, " \n\t")
		if m := cxxRaw.FindStringSubmatch(s2); m != nil {
			out.WriteString(m[1])
			s = s2[len(m[0]):]
		} else if m := cxxQuoted.FindStringSubmatch(s2); m != nil {
			u, err := strconv.Unquote(`"` + m[1] + `"`)
			if err != nil {
				return "", "", false
			}
			out.WriteString(u)
			s = s2[len(m[0]):]
		} else {
			break
		}
		n++
	}
	return out.String(), s, n > 0
}

// callArgs returns the text of the rest of a call's arguments up to its
// closing parenthesis (strings and nesting respected).
func callArgs(s string) string {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			if m := cxxRaw.FindString(s[max(i-1, 0):]); m != "" && i > 0 && s[i-1] == 'R' {
				i += len(m) - 2
				continue
			}
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '(', '{', '[':
			depth++
		case ')', '}', ']':
			if depth == 0 {
				return s[:i]
			}
			depth--
		}
	}
	return s
}

// refUnitFiles says which call forms of which test file are cases.
var refUnitFiles = []struct {
	file  string
	calls map[string]refStage // call name → stage; rejecting calls below
	fails map[string]bool
}{
	{"parser.cpp", map[string]refStage{"test": stageParse, "test_parse_failure": stageParse, "test_macro_parse_failure": stageMacro},
		map[string]bool{"test_parse_failure": true, "test_macro_parse_failure": true}},
	{"type_checker.cpp", map[string]refStage{"test": stageCheck}, nil},
	{"type_resolver.cpp", map[string]refStage{"test": stageCheck}, nil},
}

var callRE = regexp.MustCompile(`\b(test[a-z_]*)\(`)

// refUnitCases extracts the cases. A call whose program is not one
// literal, or which runs with a special mock (Mock{...}) or with kernel
// features switched off (NoFeatures), is left out: the verdict then
// depends on the reference's test fixture, not on the language.
func refUnitCases(t testing.TB) (cases []refUnitCase, skipped int) {
	for _, rf := range refUnitFiles {
		data, err := os.ReadFile(filepath.Join(refRoot, "tests", rf.file))
		if err != nil {
			continue
		}
		text := string(data)
		for _, m := range callRE.FindAllStringSubmatchIndex(text, -1) {
			name := text[m[2]:m[3]]
			stage, ok := rf.calls[name]
			if !ok {
				continue
			}
			if ls := strings.LastIndex(text[:m[0]], "\n"); strings.Contains(text[ls+1:m[0]], "void ") {
				continue // the helper's own definition
			}
			rest := text[m[1]:]
			if strings.HasPrefix(strings.TrimLeft(rest, " \n\t"), "bpftrace,") || strings.HasPrefix(strings.TrimLeft(rest, " \n\t"), "*bpftrace,") {
				skipped++
				continue // a test-specific mock BPFtrace
			}
			prog, after, ok := cxxStringLiteral(rest)
			after = strings.TrimLeft(after, " \n\t")
			if !ok || !(strings.HasPrefix(after, ")") || strings.HasPrefix(after, ",")) {
				skipped++
				continue
			}
			args := callArgs(after)
			if strings.Contains(args, "Mock{") || strings.Contains(args, "NoFeatures") {
				skipped++
				continue
			}
			c := refUnitCase{
				file: rf.file, line: strings.Count(text[:m[0]], "\n") + 1, prog: prog, stage: stage,
				ok:     !rf.fails[name] && !strings.Contains(args, "Error{"),
				unsafe: strings.Contains(args, "UnsafeMode"),
			}
			cases = append(cases, c)
		}
	}
	return cases, skipped
}

// refUnitSkip says why a reference unit program is not compared:
// features of bpftrace's test setup rather than of the language.
func refUnitSkip(prog string) string {
	switch {
	case strings.Contains(prog, "__builtin_"):
		return "internal builtin names of bpftrace's standard library"
	}
	return ""
}

// refUnitVerdict is bt's verdict on a case, at the stage the reference
// ran: the errors that stage would report.
func refUnitVerdict(t testing.TB, c refUnitCase) diag.List {
	sf := source.NewFile("ref.bt", []byte(c.prog))
	f, pd := parser.ParseFile(sf)
	var errs diag.List
	for _, d := range pd {
		if d.Severity == diag.Error {
			errs = append(errs, d)
		}
	}
	k := refUnitKernel{}
	// As bt check does: the script's C part is compiled into its C scope.
	files := []*ast.File{f}
	cfg := Config{Kernel: k, Unsafe: c.unsafe}
	cscope, cdiags := NewCScope(files, nil, CScopeConfig{Kernel: k})
	if cscope != nil && CScopeComplete(cscope) {
		cfg.C = cscope
	}
	for _, d := range cdiags {
		if d.Severity == diag.Error && c.stage != stageParse {
			errs = append(errs, d)
		}
	}
	prog := Check(files, cfg)
	for _, d := range prog.Diags {
		if d.Severity != diag.Error {
			continue
		}
		if c.stage == stageParse && d.Code != probes.CodeBadAttachPoint && d.Code != probes.CodeUnknownProvider {
			continue // a later pass's error: the reference test never ran it
		}
		errs = append(errs, d)
	}
	return errs
}

// TestConformanceRefUnit measures agreement with the verdicts of
// bpftrace's unit tests and fails below the floor. Set BT_REFUNIT_LIST=1
// to print every disagreement.
func TestConformanceRefUnit(t *testing.T) {
	cases, skipped := refUnitCases(t)
	if len(cases) == 0 {
		t.Skip("bpftrace unit tests not available (set BT_BPFTRACE_SRC to a bpftrace v0.26 checkout)")
	}
	type tally struct{ acc, accOK, rej, rejOK int }
	per := map[string]*tally{}
	// all counts bt's verdicts with its default config; gated counts them
	// without unstable-feature errors, as the reference's harness, which
	// does not run its unstable-feature pass, gives them.
	var all, gated tally
	var misses []string
	for _, c := range cases {
		if refUnitSkip(c.prog) != "" {
			skipped++
			continue
		}
		errs := refUnitVerdict(t, c)
		tl := per[c.file]
		if tl == nil {
			tl = &tally{}
			per[c.file] = tl
		}
		agree := errs.HasErrors() != c.ok
		ungated := false
		for _, d := range errs {
			ungated = ungated || d.Code != CodeUnstable
		}
		if c.ok {
			gated.acc++
			if !ungated {
				gated.accOK++
			}
		} else {
			gated.rej++
			if ungated {
				gated.rejOK++
			}
		}
		if c.ok {
			tl.acc++
			all.acc++
			if agree {
				tl.accOK++
				all.accOK++
			} else {
				misses = append(misses, fmt.Sprintf("%s:%d: bpftrace accepts, bt: %s\n    %s", c.file, c.line, errs[0].Error(), c.prog))
			}
		} else {
			tl.rej++
			all.rej++
			if agree {
				tl.rejOK++
				all.rejOK++
			} else {
				misses = append(misses, fmt.Sprintf("%s:%d: bpftrace rejects, bt accepts\n    %s", c.file, c.line, c.prog))
			}
		}
	}
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	names := make([]string, 0, len(per))
	for n := range per {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		tl := per[n]
		t.Logf("%-18s accepts %4d/%4d (%.1f%%)  rejects %4d/%4d (%.1f%%)", n, tl.accOK, tl.acc, pct(tl.accOK, tl.acc), tl.rejOK, tl.rej, pct(tl.rejOK, tl.rej))
	}
	t.Logf("all %d cases (%d left out): accepts %d/%d (%.1f%%), rejects %d/%d (%.1f%%)", all.acc+all.rej, skipped, all.accOK, all.acc, pct(all.accOK, all.acc), all.rejOK, all.rej, pct(all.rejOK, all.rej))
	t.Logf("without unstable-feature errors: accepts %d/%d (%.1f%%), rejects %d/%d (%.1f%%)", gated.accOK, gated.acc, pct(gated.accOK, gated.acc), gated.rejOK, gated.rej, pct(gated.rejOK, gated.rej))
	if os.Getenv("BT_REFUNIT_LIST") != "" {
		for _, m := range misses {
			t.Log(m)
		}
	}
	const floor = 97.0
	if pct(all.accOK, all.acc) < floor || pct(all.rejOK, all.rej) < floor {
		t.Errorf("agreement below %.0f%% (BT_REFUNIT_LIST=1 lists the differences)", floor)
	}
}

// refUnitKernel stands in for the kernel of bpftrace's unit-test
// fixture: every probe exists (with unknown arguments), but it has no
// types and no enumerators, so a type or identifier a program neither
// defines nor gets from a builtin is unknown, as in the fixture for
// names outside its small mock.
type refUnitKernel struct{ permissiveKernel }

func (refUnitKernel) Type(name string) (types.Type, bool)             { return nil, false }
func (refUnitKernel) EnumValue(name string) (int64, types.Type, bool) { return 0, nil, false }
