package server

import (
	"context"
	"encoding/json"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/printer"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
)

func init() {
	register("textDocument/formatting", formatting)
	capabilityHooks = append(capabilityHooks, func(s *Server, c *serverCapabilities) { c.DocumentFormattingProvider = true })
}

// formatting prints the document in the canonical style with the same
// printer as `bt fmt`: one edit replacing the whole text, none when it
// is already formatted, and none when it has syntax errors (printing a
// partial tree would lose text).
func formatting(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p struct {
		TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`
	}
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	snap, err := s.snapshot(string(p.TextDocument.URI))
	if err != nil {
		return nil, err
	}
	if !formattable(snap.ParseDiags) {
		s.opts.Logf("formatting %s: not formatted, the script has syntax errors", p.TextDocument.URI)
		return []protocol.TextEdit{}, nil
	}
	out := printer.Sprint(snap.AST)
	text := snap.File.Text
	if out == string(text) {
		return []protocol.TextEdit{}, nil
	}
	whole := source.Span{Start: 0, End: source.Pos(len(text))}
	return []protocol.TextEdit{{Range: lspRange(snap.File, whole, s.positionEncoding()), NewText: out}}, nil
}

// formattable reports whether a file parsed with diags can be printed:
// no errors other than about what an attach point says, which the
// printer prints as written (the rule of `bt fmt`).
func formattable(diags diag.List) bool {
	for _, d := range diags {
		if d.Severity != diag.Error {
			continue
		}
		switch d.Code {
		case probes.CodeBadAttachPoint, probes.CodeUnknownProvider:
			continue
		}
		return false
	}
	return true
}
