package server

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"go.lsp.dev/jsonrpc2"
)

// Every feature request answers malformed params with InvalidParams, a
// closed document with an error, and positions outside the text by
// clamping — never with an internal error.
func TestFeatureRequestsRobustness(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	src := "begin { printf(\"𝄞 %d\\n\", pid); @m[1] = count(); }\n"
	c.open(uri1, src, 1)
	c.waitDiagnostics(uri1, 1)
	methods := []string{"textDocument/completion", "textDocument/hover", "textDocument/signatureHelp",
		"textDocument/definition", "textDocument/references", "textDocument/documentHighlight",
		"textDocument/prepareRename", "textDocument/rename", "textDocument/semanticTokens/full",
		"textDocument/semanticTokens/range", "textDocument/formatting", "textDocument/codeAction", "textDocument/inlayHint"}
	far := map[string]any{"line": 1 << 30, "character": 1 << 30}
	for _, m := range methods {
		// Malformed params: not an object, wrong types, a negative line, a
		// missing position or range.
		bads := []string{`[1,2]`, `"x"`, `{"textDocument":7}`}
		switch m {
		case "textDocument/semanticTokens/full", "textDocument/formatting":
		case "textDocument/semanticTokens/range", "textDocument/codeAction", "textDocument/inlayHint":
			bads = append(bads, `{"textDocument":{"uri":"`+uri1+`"},"range":{"start":{"line":-3}}}`, `{"textDocument":{"uri":"`+uri1+`"}}`)
		default:
			bads = append(bads, `{"textDocument":{"uri":"`+uri1+`"},"position":{"line":-3}}`)
		}
		for _, bad := range bads {
			err := c.call(m, json.RawMessage(bad), nil)
			var je *jsonrpc2.Error
			if !errors.As(err, &je) || je.Code != jsonrpc2.InvalidParams {
				t.Errorf("%s(%s): want InvalidParams, got %v", m, bad, err)
			}
		}
		// A document that is not open.
		closed := map[string]any{"textDocument": map[string]any{"uri": "file:///not/open.bt"}, "position": map[string]any{"line": 0, "character": 0},
			"range": map[string]any{"start": map[string]any{"line": 0, "character": 0}, "end": far}, "newName": "@x",
			"context": map[string]any{"diagnostics": []any{}}}
		if err := c.call(m, closed, nil); err == nil || strings.Contains(err.Error(), "internal error") {
			t.Errorf("%s on a closed document: %v", m, err)
		}
		// Positions far outside the text clamp.
		params := map[string]any{"textDocument": map[string]any{"uri": uri1}, "position": far,
			"range": map[string]any{"start": far, "end": map[string]any{"line": 0, "character": 0}}, "newName": "@x",
			"context": map[string]any{"diagnostics": []any{}, "includeDeclaration": true}}
		var out json.RawMessage
		err := c.call(m, params, &out)
		if err != nil && (strings.Contains(err.Error(), "internal error") || m != "textDocument/rename") {
			t.Errorf("%s at a far position: %v", m, err)
		}
	}
}
