package check

import (
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/diag"
)

func TestClosest(t *testing.T) {
	if got := closest("cuont", []string{"count", "cont", "zzz"}); len(got) == 0 || got[0] != "cont" && got[0] != "count" {
		t.Errorf("closest: %v", got)
	}
	if got := closest("x", []string{"abcdef"}); len(got) != 0 {
		t.Errorf("far names suggested: %v", got)
	}
}

// findDiag returns the diagnostic with code.
func findDiag(t *testing.T, l diag.List, code diag.Code) diag.Diagnostic {
	t.Helper()
	for _, d := range l {
		if d.Code == code {
			return d
		}
	}
	t.Fatalf("no %s diagnostic in %v", code, l)
	return diag.Diagnostic{}
}

// applyFix applies a diagnostic's first fix to the script's text.
func applyFix(t *testing.T, text string, d diag.Diagnostic) string {
	t.Helper()
	if len(d.Fixes) == 0 {
		t.Fatalf("%s has no fix", d.Error())
	}
	out := text
	edits := d.Fixes[0].Edits
	for i := len(edits) - 1; i >= 0; i-- {
		e := edits[i]
		out = out[:e.Span.Start] + e.NewText + out[e.Span.End:]
	}
	return out
}

func TestSuggestionsAndFixes(t *testing.T) {
	cases := []struct {
		name, text string
		code       diag.Code
		hint       string // substring of the hint
		fixed      string // text after the first fix ("" = no fix expected)
	}{
		{"map", "begin { @count = 1; print(@cuont); }", CodeUndefinedMap, "@count",
			"begin { @count = 1; print(@count); }"},
		{"variable", "begin { $total = 1; print($totl); }", CodeUndefinedVariable, "$total",
			"begin { $total = 1; print($total); }"},
		{"field", "kprobe:vfs_read { print(curtask.pdi); }", CodeNoSuchField, "pid",
			"kprobe:vfs_read { print(curtask.pid); }"},
		{"builtin", "begin { print(elapsd); }", CodeUnknownIdent, "elapsed",
			"begin { print(elapsed); }"},
		{"function", "begin { print(strlne(\"a\")); }", CodeUnknownFunction, "strlen",
			"begin { print(strlen(\"a\")); }"},
		{"macro", "macro greet() { 1 } begin { print(gret!()); }", CodeUnknownMacro, "greet",
			"macro greet() { 1 } begin { print(greet!()); }"},
		{"C function", "begin { print(add_onee(1)); }", CodeUnknownFunction, "add_one",
			"begin { print(add_one(1)); }"},
		{"config", "config = { stak_mode = perf } begin { }", CodeConfigKey, "stack_mode",
			"config = { stack_mode = perf } begin { }"},
		{"legacy BEGIN", "BEGIN { }", CodeLegacyBegin, "",
			"begin { }"},
		{"legacy kfunc", "kretfunc:vfs_read { }", CodeLegacyKfunc, "",
			"fexit:vfs_read { }"},
		{"legacy args arrow", "tracepoint:syscalls:sys_enter_read { print(args->count); }", CodeLegacyArrow, "",
			"tracepoint:syscalls:sys_enter_read { print(args.count); }"},
		{"legacy delete", "begin { @m[1, 2] = 1; _ = delete(@m[1, 2]); }", CodeLegacyCall, "",
			"begin { @m[1, 2] = 1; _ = delete(@m, (1, 2)); }"},
		{"renamed config", "config = { strlen = 64 } begin { }", CodeLegacyConfig, "",
			"config = { max_strlen = 64 } begin { }"},
		{"discard", "begin { @a[1] = 1; has_key(@a, 1); }", CodeDiscardedValue, "_ =",
			"begin { @a[1] = 1; _ = has_key(@a, 1); }"},
		{"function name as value", "begin { $a = nsecs; $b = ksym; }", CodeNotAValue, "",
			"begin { $a = nsecs; $b = ksym(); }"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, diags := checkSource(t, "s.bt", c.text, map[string]bool{})
			d := findDiag(t, diags, c.code)
			if c.hint != "" && !strings.Contains(d.Hint, c.hint) {
				t.Errorf("hint %q does not mention %q", d.Hint, c.hint)
			}
			if c.fixed != "" {
				if got := applyFix(t, c.text, d); got != c.fixed {
					t.Errorf("fixed:\n%s\nwant:\n%s", got, c.fixed)
				}
			}
		})
	}
}

func TestNotes(t *testing.T) {
	_, diags := checkSource(t, "s.bt", "begin { @x = 1; }\nend { @x = \"s\"; }\n", map[string]bool{})
	d := findDiag(t, diags, CodeMapTypeConflict)
	if len(d.Notes) != 1 || d.Notes[0].Start().Line != 1 || !strings.Contains(d.Notes[0].Message, "int8") {
		t.Errorf("note: %+v", d.Notes)
	}
	// A diagnostic inside a macro body notes the call site.
	_, diags = checkSource(t, "s.bt", "macro m(x) { x + \"s\" }\nbegin { print(m(pid)); }\n", map[string]bool{})
	d = findDiag(t, diags, CodeInvalidOperands)
	if d.Start().Line != 1 {
		t.Errorf("error not in the macro: %s", d.Error())
	}
	found := false
	for _, n := range d.Notes {
		if n.Start().Line == 2 && strings.Contains(n.Message, "expanded") {
			found = true
		}
	}
	if !found {
		t.Errorf("no call-site note: %+v", d.Notes)
	}
}

func TestCodesRegistered(t *testing.T) {
	files := []string{"var_conflict.bt", "map_conflict.bt", "legacy_begin_end.bt"}
	for _, f := range files {
		_ = f
	}
	for _, c := range []diag.Code{CodeMapTypeConflict, CodeLegacyBegin, CodeUndefinedVariable, CodeInternal} {
		ci, ok := diag.Lookup(c)
		if !ok || ci.Summary == "" {
			t.Errorf("%s not registered", c)
		}
	}
	for _, ci := range diag.All() {
		if strings.HasPrefix(string(ci.Code), "legacy-") && ci.Severity != diag.Warning {
			t.Errorf("%s: legacy codes are warnings", ci.Code)
		}
	}
}
