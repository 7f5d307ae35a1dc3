package server

import (
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

func TestFormatting(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(testCaps, nil)
	format := func(text string) []protocol.TextEdit {
		t.Helper()
		c.open(uri1, text, 1)
		var edits []protocol.TextEdit
		c.mustCall("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uri1},
			"options": map[string]any{"tabSize": 8, "insertSpaces": false}}, &edits)
		return edits
	}
	messy := "kprobe:vfs_read,kprobe:vfs_write /pid>1/{@[comm]=count();}\n"
	edits := format(messy)
	if len(edits) != 1 {
		t.Fatalf("edits: %+v", edits)
	}
	e := edits[0]
	if e.Range.Start != (protocol.Position{}) || e.Range.End != (protocol.Position{Line: 1, Character: 0}) {
		t.Errorf("edit range: %+v", e.Range)
	}
	want := "kprobe:vfs_read,\nkprobe:vfs_write\n/pid > 1/\n{\n  @[comm] = count();\n}\n"
	if e.NewText != want {
		t.Errorf("formatted:\n%s\nwant:\n%s", e.NewText, want)
	}
	// Formatting the result changes nothing.
	if edits := format(e.NewText); len(edits) != 0 {
		t.Errorf("second formatting: %+v", edits)
	}
	// Syntax errors: no edits.
	if edits := format("begin { @x = ; }\n"); len(edits) != 0 {
		t.Errorf("broken script formatted: %+v", edits)
	}
}

func TestCodeActionLegacySyntax(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(testCaps, nil)
	src := "BEGIN { printf(\"hi\\n\"); }\n"
	c.open(uri1, src, 1)
	diags := c.waitDiagnostics(uri1, 1)
	if len(diags) != 1 || diags[0].Severity != protocol.DiagnosticSeverityWarning {
		t.Fatalf("diagnostics: %+v", diags)
	}
	var actions []protocol.CodeAction
	c.mustCall("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": uri1},
		"range":   map[string]any{"start": map[string]any{"line": 0, "character": 2}, "end": map[string]any{"line": 0, "character": 2}},
		"context": map[string]any{"diagnostics": diags}}, &actions)
	if len(actions) != 1 {
		t.Fatalf("actions: %+v", actions)
	}
	a := actions[0]
	if a.Kind != protocol.QuickFix || !a.IsPreferred || a.Edit == nil || len(a.Diagnostics) != 1 {
		t.Fatalf("action: %+v", a)
	}
	edits := a.Edit.Changes[protocol.DocumentURI(uri1)]
	if len(edits) != 1 || edits[0].NewText != "begin" || !strings.Contains(a.Title, "begin") {
		t.Errorf("edit: %+v title %q", edits, a.Title)
	}
	// Outside the diagnostic's range, or when only refactorings are
	// asked for, nothing.
	c.mustCall("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": uri1},
		"range":   map[string]any{"start": map[string]any{"line": 1, "character": 0}, "end": map[string]any{"line": 1, "character": 0}},
		"context": map[string]any{"diagnostics": []any{}}}, &actions)
	if len(actions) != 0 {
		t.Errorf("actions outside the range: %+v", actions)
	}
	c.mustCall("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": uri1},
		"range":   map[string]any{"start": map[string]any{"line": 0, "character": 0}, "end": map[string]any{"line": 0, "character": 5}},
		"context": map[string]any{"diagnostics": []any{}, "only": []string{"refactor"}}}, &actions)
	if len(actions) != 0 {
		t.Errorf("quick fixes for only=refactor: %+v", actions)
	}
}

func TestCodeActionDidYouMean(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(testCaps, nil)
	src := "begin { printf(\"%d\\n\", pdi); }\n"
	c.open(uri1, src, 1)
	diags := c.waitDiagnostics(uri1, 1)
	if len(diags) != 1 {
		t.Fatalf("diagnostics: %+v", diags)
	}
	var actions []protocol.CodeAction
	c.mustCall("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": uri1},
		"range": diags[0].Range, "context": map[string]any{"diagnostics": diags}}, &actions)
	if len(actions) != 1 || !actions[0].IsPreferred || actions[0].Edit.Changes[protocol.DocumentURI(uri1)][0].NewText != "pid" {
		t.Fatalf("did-you-mean action: %+v", actions)
	}
	// A kernel function with several close names: several fixes, none
	// preferred.
	needKernel(t)
	c.open(uri1, "kprobe:vfs_reed { }\n", 2)
	diags = c.waitDiagnostics(uri1, 2)
	actions = nil // decode afresh: omitted fields would keep old values
	c.mustCall("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": uri1},
		"range": diags[0].Range, "context": map[string]any{"diagnostics": diags}}, &actions)
	if len(actions) < 2 || actions[0].IsPreferred || actions[0].Edit.Changes[protocol.DocumentURI(uri1)][0].NewText != "vfs_read" {
		t.Errorf("kprobe did-you-mean actions: %+v", actions)
	}
}
