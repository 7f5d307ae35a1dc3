package check

import (
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
)

// TestComptimeTypeinfo: `if comptime (typeinfo(x).base_type == "...")`
// is decided when the script is compiled, so the branch not taken is not
// checked (it may be wrong for x's type) and the branch taken is.
func TestComptimeTypeinfo(t *testing.T) {
	const pre = "config = { unstable_typeinfo = enable }\n"
	for _, c := range []struct {
		name, src string
		wantErr   string // "" for none
	}{
		{"variable-not-taken", `begin { $a = (uint64)1; if comptime (typeinfo($a).base_type == "string") { print(strlen($a)); } }`, ""},
		{"variable-taken", `begin { $a = (uint64)1; if comptime (typeinfo($a).full_type == "uint64") { print(strlen($a)); } }`, "strlen()"},
		{"not-equal", `begin { $s = "x"; if comptime (typeinfo($s).base_type != "string") { print($s + 1); } else { print(strlen($s)); } }`, ""},
		{"macro", `macro show(x) { if comptime (typeinfo(x).base_type == "string") { print(strlen(x)); } else { print(x + 1); } }
begin { show("abc"); show(41); }`, ""},
		{"two-typeinfos", `begin { $a = (uint32)1; if comptime (typeinfo($a).full_type == typeinfo((uint64)2).full_type) { print(strlen($a)); } }`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			prog, pd, diags := checkPermissive(t, c.name+".bt", []byte(pre+c.src))
			if len(pd) > 0 {
				t.Fatalf("parse: %v", pd)
			}
			var errs []string
			for _, d := range diags {
				if d.Severity == diag.Error {
					errs = append(errs, d.Message)
				}
			}
			got := strings.Join(errs, "; ")
			if c.wantErr == "" && got != "" || c.wantErr != "" && !strings.Contains(got, c.wantErr) {
				t.Fatalf("errors %q, want %q", got, c.wantErr)
			}
			// Every comptime condition is decided.
			// (Macro bodies are checked as their per-call expansions.)
			var roots []ast.Node
			for _, f := range prog.Files {
				for _, d := range f.Decls {
					if p, ok := d.(*ast.Probe); ok {
						roots = append(roots, p)
					}
				}
			}
			for _, ci := range prog.Info.Calls {
				if ci.Expansion != nil {
					roots = append(roots, ci.Expansion)
				}
			}
			for _, r := range roots {
				ast.Inspect(r, func(n ast.Node) bool {
					if ce, ok := n.(*ast.ComptimeExpr); ok {
						if _, ok := prog.Info.Consts[ce]; !ok {
							t.Errorf("comptime at %d not decided", ce.Lo)
						}
					}
					return true
				})
			}
		})
	}
}

// TestMacroArgTypeinfoThenValue: a macro parameter first seen by
// typeinfo() keeps its value type for later uses as a value.
func TestMacroArgTypeinfoThenValue(t *testing.T) {
	src := "config = { unstable_typeinfo = enable }\nmacro show(x) { print(typeinfo(x).base_type); print(x + 1); }\nbegin { show(41); }"
	prog, _, diags := checkPermissive(t, "m.bt", []byte(src))
	for _, d := range diags {
		if d.Severity == diag.Error {
			t.Fatalf("error: %s", d.Message)
		}
	}
	found := false
	for _, ci := range prog.Info.Calls {
		if ci.Expansion == nil {
			continue
		}
		ast.Inspect(ci.Expansion, func(n ast.Node) bool {
			if b, ok := n.(*ast.BinaryExpr); ok && b.Op == "+" {
				found = true
				if prog.Info.Types[b] == nil {
					t.Error("x + 1 has no type")
				}
			}
			return true
		})
	}
	if !found {
		t.Fatal("no expansion of show")
	}
}
