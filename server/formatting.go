package server

import (
	"context"
	"encoding/json"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/printer"
	"github.com/bt-tools/bt/analysis/source"
)

func init() {
	register("textDocument/formatting", formatting)
	capabilityHooks = append(capabilityHooks, func(s *Server, c *serverCapabilities) { c.DocumentFormattingProvider = true })
}

// formatting prints the document in the canonical style exactly as `bt
// fmt` does (printer.Format): one edit replacing the whole text, none
// when it is already formatted, and none when it has errors (printing a
// partial tree would lose text).
func formatting(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p struct {
		TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`
	}
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	d, err := s.document(string(p.TextDocument.URI))
	if err != nil {
		return nil, err
	}
	text := d.file.Text
	out, _ := printer.Format(text, d.file.Name)
	if out == nil {
		s.opts.Logf("formatting %s: not formatted, the script has errors", p.TextDocument.URI)
		return []protocol.TextEdit{}, nil
	}
	if string(out) == string(text) {
		return []protocol.TextEdit{}, nil
	}
	whole := source.Span{Start: 0, End: source.Pos(len(text))}
	return []protocol.TextEdit{{Range: lspRange(d.file, whole, s.positionEncoding()), NewText: string(out)}}, nil
}
