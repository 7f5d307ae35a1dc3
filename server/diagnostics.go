package server

import (
	"context"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
)

// publishDiagnostics analyses d (if not done yet) and sends its
// diagnostics, unless a newer version has replaced it meanwhile.
func (s *Server) publishDiagnostics(ctx context.Context, uri string, d *document) {
	if s.stale(uri, d) {
		return
	}
	snap := d.snap.get()
	if s.stale(uri, d) {
		return
	}
	enc := s.positionEncoding()
	s.mu.Lock()
	related := s.clientCaps.TextDocument.PublishDiagnostics.RelatedInformation
	s.mu.Unlock()
	out := []protocol.Diagnostic{}
	for _, dg := range snap.Diags {
		if dg.File != nil && dg.File != snap.File && dg.File.Name != snap.File.Name {
			continue // another file's diagnostic: published for that file
		}
		out = append(out, toLSPDiagnostic(dg, snap.File, enc, related))
	}
	version := uint32(0)
	if snap.Version > 0 {
		version = uint32(snap.Version)
	}
	s.notify(ctx, "textDocument/publishDiagnostics", protocol.PublishDiagnosticsParams{
		URI:         protocol.DocumentURI(uri),
		Version:     version,
		Diagnostics: out,
	})
	s.publishImportedDiagnostics(ctx, uri, snap, enc, related)
}

// stale reports whether d is no longer the current version of uri.
func (s *Server) stale(uri string, d *document) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.docs[uri] != d || s.state == stateShutdown
}

// lspRange converts a span of f to an LSP range in enc.
func lspRange(f *source.File, sp source.Span, enc source.Encoding) protocol.Range {
	a, b := f.EditorPos(sp.Start, enc), f.EditorPos(sp.End, enc)
	return protocol.Range{
		Start: protocol.Position{Line: uint32(a.Line), Character: uint32(a.Character)},
		End:   protocol.Position{Line: uint32(b.Line), Character: uint32(b.Character)},
	}
}

var lspSeverity = [...]protocol.DiagnosticSeverity{
	diag.Error:   protocol.DiagnosticSeverityError,
	diag.Warning: protocol.DiagnosticSeverityWarning,
	diag.Info:    protocol.DiagnosticSeverityInformation,
	diag.Hint:    protocol.DiagnosticSeverityHint,
}

// toLSPDiagnostic converts one diagnostic of file f.
func toLSPDiagnostic(d diag.Diagnostic, f *source.File, enc source.Encoding, related bool) protocol.Diagnostic {
	file := d.File
	if file == nil {
		file = f
	}
	msg := d.Message
	if d.Hint != "" {
		msg += "\n" + d.Hint
	}
	out := protocol.Diagnostic{
		Range:    lspRange(file, d.Span, enc),
		Severity: lspSeverity[d.Severity],
		Code:     string(d.Code),
		Source:   "bt",
		Message:  msg,
	}
	for _, n := range d.Notes {
		if n.File == nil || !related {
			out.Message += "\n" + n.Message
			continue
		}
		out.RelatedInformation = append(out.RelatedInformation, protocol.DiagnosticRelatedInformation{
			Location: protocol.Location{URI: protocol.DocumentURI(uriFromPath(n.File.Name)), Range: lspRange(n.File, n.Span, enc)},
			Message:  n.Message,
		})
	}
	if d.Severity == diag.Warning && isDeprecation(d.Code) {
		out.Tags = []protocol.DiagnosticTag{protocol.DiagnosticTagDeprecated}
	}
	return out
}

// isDeprecation reports whether a code flags legacy syntax, which editors
// show struck through.
func isDeprecation(c diag.Code) bool {
	ci, ok := diag.Lookup(c)
	return ok && ci.Severity == diag.Warning && len(c) > 7 && c[:7] == "legacy-"
}
