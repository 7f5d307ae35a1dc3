package server

import (
	"encoding/json"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/source"
)

const uri1 = "file:///tmp/a.bt"

func TestInitializeNegotiatesEncodingAndCapabilities(t *testing.T) {
	c := newClient(t, Options{})
	res := c.initialize(`{"general":{"positionEncodings":["utf-16","utf-8"]}}`, map[string]any{"btf": "/x.btf", "clang": map[string]any{"path": "/usr/bin/clang-19"}})
	if res.Capabilities.PositionEncoding != "utf-8" {
		t.Errorf("positionEncoding = %q, want utf-8", res.Capabilities.PositionEncoding)
	}
	if res.Capabilities.TextDocumentSync.Change != 2 || !res.Capabilities.TextDocumentSync.OpenClose {
		t.Errorf("sync = %+v", res.Capabilities.TextDocumentSync)
	}
	if !res.Capabilities.DocumentSymbolProvider || !res.Capabilities.FoldingRangeProvider {
		t.Errorf("capabilities missing: %+v", res.Capabilities)
	}
	if c.srv.config.BTF != "/x.btf" || c.srv.config.Clang != "/usr/bin/clang-19" {
		t.Errorf("config from initializationOptions: %+v", c.srv.config)
	}
	// An old client that does not offer encodings gets UTF-16, unannounced.
	c2 := newClient(t, Options{})
	if res := c2.initialize(`{}`, nil); res.Capabilities.PositionEncoding != "" || c2.srv.positionEncoding() != source.UTF16 {
		t.Errorf("default encoding: %q", res.Capabilities.PositionEncoding)
	}
}

func TestRequestsBeforeInitializeAndUnknownMethods(t *testing.T) {
	c := newClient(t, Options{})
	err := c.call("textDocument/hover", map[string]any{}, nil)
	if err == nil || !strings.Contains(err.Error(), "not initialized") {
		t.Errorf("before initialize: %v", err)
	}
	c.initialize(testCaps, nil)
	if err := c.call("bt/nonsense", map[string]any{}, nil); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("unknown method: %v", err)
	}
	// Malformed params are an error reply, not a crash.
	if err := c.call("textDocument/documentSymbol", json.RawMessage(`[1,2]`), nil); err == nil {
		t.Error("malformed params accepted")
	}
	// A document that is not open is an error reply too.
	if err := c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": "file:///nope.bt"}}, nil); err == nil {
		t.Error("closed document accepted")
	}
}

func TestDiagnosticsOnOpenAndIncrementalChange(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(testCaps, nil)
	c.open(uri1, "begin { printf(\"hi\\n\"); }\n", 1)
	if d := c.waitDiagnostics(uri1, 1); len(d) != 0 {
		t.Fatalf("clean script has diagnostics: %+v", d)
	}
	// Delete the closing brace with an incremental edit: a syntax error.
	c.notify("textDocument/didChange", map[string]any{
		"textDocument": map[string]any{"uri": uri1, "version": 5},
		"contentChanges": []any{map[string]any{
			"range": map[string]any{"start": map[string]any{"line": 0, "character": 24}, "end": map[string]any{"line": 0, "character": 25}},
			"text":  "",
		}},
	})
	d := c.waitDiagnostics(uri1, 5)
	if len(d) == 0 || d[0].Severity != protocol.DiagnosticSeverityError || d[0].Source != "bt" {
		t.Fatalf("want a syntax error, got %+v", d)
	}
	doc, _ := c.srv.document(uri1)
	if got := string(doc.file.Text); got != "begin { printf(\"hi\\n\"); \n" {
		t.Errorf("text after edit: %q", got)
	}
}

func TestApplyChangeUTF16(t *testing.T) {
	text := []byte("a𝄞b\nxyz\n")
	// Replace "b" (UTF-16 column 3, after the surrogate pair) with "B".
	r := &protocol.Range{Start: protocol.Position{Line: 0, Character: 3}, End: protocol.Position{Line: 0, Character: 4}}
	got := applyChange(text, changeEvent{Range: r, Text: "B"}, source.UTF16)
	if string(got) != "a𝄞B\nxyz\n" {
		t.Errorf("utf-16 edit: %q", got)
	}
	// Out-of-range positions clamp instead of failing.
	r = &protocol.Range{Start: protocol.Position{Line: 1, Character: 99}, End: protocol.Position{Line: 42, Character: 0}}
	got = applyChange(text, changeEvent{Range: r, Text: "!"}, source.UTF16)
	if string(got) != "a𝄞b\nxyz!" {
		t.Errorf("clamped edit: %q", got)
	}
	if got := applyChange(text, changeEvent{Text: "full"}, source.UTF16); string(got) != "full" {
		t.Errorf("full replace: %q", got)
	}
}

func TestDocumentSymbolsAndFolding(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(testCaps, nil)
	src := "#include <linux/sched.h>\n#include <linux/fs.h>\nlet @m = hash(10);\nmacro twice(x) {\n  x * 2\n}\nkprobe:vfs_read,\nkprobe:vfs_write /pid > 1/ {\n  @m[pid] = count();\n  @n = 1;\n}\n"
	c.open(uri1, src, 1)
	var syms []protocol.DocumentSymbol
	c.mustCall("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": uri1}}, &syms)
	var names []string
	for _, s := range syms {
		names = append(names, s.Name)
	}
	want := "@m|twice|kprobe:vfs_read, kprobe:vfs_write"
	if strings.Join(names, "|") != want {
		t.Fatalf("symbols %q, want %q", strings.Join(names, "|"), want)
	}
	probe := syms[2]
	if len(probe.Children) != 2 || probe.Children[0].Name != "@m" || probe.Children[1].Name != "@n" {
		t.Errorf("probe children: %+v", probe.Children)
	}
	if probe.SelectionRange.Start.Line != 6 {
		t.Errorf("probe selection range: %+v", probe.SelectionRange)
	}
	var folds []protocol.FoldingRange
	c.mustCall("textDocument/foldingRange", map[string]any{"textDocument": map[string]any{"uri": uri1}}, &folds)
	var got []string
	for _, f := range folds {
		got = append(got, string(f.Kind)+":"+itoa(f.StartLine)+"-"+itoa(f.EndLine))
	}
	wantFolds := map[string]bool{"region:3-5": true, "region:7-10": true, "imports:0-1": true}
	for _, g := range got {
		delete(wantFolds, g)
	}
	if len(wantFolds) != 0 {
		t.Errorf("folds %v, missing %v", got, wantFolds)
	}
}

func itoa(n uint32) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestConfigMergeShapes(t *testing.T) {
	var c Config
	for _, raw := range []string{`[]`, `null`, ` [ ] `} {
		if err := c.merge(json.RawMessage(raw)); err != nil {
			t.Errorf("merge(%s): %v", raw, err)
		}
	}
	if err := c.merge(json.RawMessage(`{"bt":{"btf":"/b","noKernel":true,"clang":{"path":"/c"}}}`)); err != nil || c.BTF != "/b" || !c.NoKernel || c.Clang != "/c" {
		t.Errorf("nested settings: %+v, %v", c, err)
	}
	if err := c.merge(json.RawMessage(`{"btf": 3}`)); err == nil || c.BTF != "/b" {
		t.Errorf("a bad value must be refused and leave the config intact: %+v, %v", c, err)
	}
	if err := c.merge(json.RawMessage(`"x"`)); err == nil {
		t.Error("a string is not settings")
	}
}
