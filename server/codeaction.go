package server

import (
	"context"
	"encoding/json"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
)

func init() {
	register("textDocument/codeAction", codeAction)
	capabilityHooks = append(capabilityHooks, func(s *Server, c *serverCapabilities) {
		c.CodeActionProvider = map[string]any{"codeActionKinds": []string{string(protocol.QuickFix)}}
	})
}

type codeActionParams struct {
	TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`
	Range        *protocol.Range                 `json:"range"`
	Context      struct {
		Only []string `json:"only"`
	} `json:"context"`
}

// codeAction offers the fixes the analysis attached to the diagnostics
// in the requested range (did-you-mean, legacy syntax to modern).
func codeAction(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p codeActionParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	if p.Range == nil {
		return nil, invalidParams(errMissingRange)
	}
	snap, err := s.snapshot(string(p.TextDocument.URI))
	if err != nil {
		return nil, err
	}
	out := []protocol.CodeAction{}
	if len(p.Context.Only) > 0 {
		wanted := false
		for _, k := range p.Context.Only {
			wanted = wanted || k == string(protocol.QuickFix) || k == "quickfix"
		}
		if !wanted {
			return out, nil
		}
	}
	enc := s.positionEncoding()
	s.mu.Lock()
	related := s.clientCaps.TextDocument.PublishDiagnostics.RelatedInformation
	s.mu.Unlock()
	a, b := s.offsetOf(snap.File, p.Range.Start), s.offsetOf(snap.File, p.Range.End)
	if b < a {
		a, b = b, a
	}
	for _, d := range snap.Diags {
		if len(d.Fixes) == 0 || (d.File != nil && d.File != snap.File && d.File.Name != snap.File.Name) {
			continue
		}
		if d.Span.End < a || d.Span.Start > b {
			continue // not in the range asked about
		}
		ld := toLSPDiagnostic(d, snap.File, enc, related)
		for _, fix := range d.Fixes {
			out = append(out, protocol.CodeAction{
				Title:       fix.Message,
				Kind:        protocol.QuickFix,
				Diagnostics: []protocol.Diagnostic{ld},
				IsPreferred: len(d.Fixes) == 1,
				Edit:        &protocol.WorkspaceEdit{Changes: fixEdits(snap, fix, enc)},
			})
		}
	}
	return out, nil
}

// fixEdits converts a fix's edits, grouped by file.
func fixEdits(snap *Snapshot, fix diag.Fix, enc source.Encoding) map[protocol.DocumentURI][]protocol.TextEdit {
	out := map[protocol.DocumentURI][]protocol.TextEdit{}
	for _, e := range fix.Edits {
		f, uri := snap.File, snap.URI
		if e.File != nil && e.File != snap.File && e.File.Name != snap.File.Name {
			f, uri = e.File, uriFromPath(e.File.Name)
		}
		u := protocol.DocumentURI(uri)
		out[u] = append(out[u], protocol.TextEdit{Range: lspRange(f, e.Span, enc), NewText: e.NewText})
	}
	return out
}
