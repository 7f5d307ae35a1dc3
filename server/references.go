package server

import (
	"context"
	"encoding/json"

	"go.lsp.dev/protocol"
)

func init() {
	register("textDocument/references", references)
	register("textDocument/documentHighlight", documentHighlight)
	capabilityHooks = append(capabilityHooks, func(s *Server, c *serverCapabilities) {
		c.ReferencesProvider = true
		c.DocumentHighlightProvider = true
	})
}

type referenceParams struct {
	docPositionParams
	Context struct {
		IncludeDeclaration bool `json:"includeDeclaration"`
	} `json:"context"`
}

// references lists every use of the map, variable, macro or fn at the
// cursor, across the script and the files it imports.
func references(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p referenceParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	snap, pos, err := s.snapshotAt(params, &p.docPositionParams)
	if err != nil {
		return nil, err
	}
	t := targetAt(snap, pos)
	if t == nil {
		return nil, nil
	}
	enc := s.positionEncoding()
	var def ref
	if !p.Context.IncludeDeclaration {
		def, _ = definitionOf(snap, t)
	}
	out := []protocol.Location{}
	for _, r := range refs(snap, t) {
		if !p.Context.IncludeDeclaration && r.node == def.node {
			continue
		}
		out = append(out, location(snap, r.file, r.node.Span(), enc))
	}
	return out, nil
}

// documentHighlight marks the occurrences of the name at the cursor in
// this file, writes apart from reads.
func documentHighlight(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p docPositionParams
	snap, pos, err := s.snapshotAt(params, &p)
	if err != nil {
		return nil, err
	}
	t := targetAt(snap, pos)
	if t == nil {
		return nil, nil
	}
	enc := s.positionEncoding()
	out := []protocol.DocumentHighlight{}
	for _, r := range refs(snap, t) {
		if r.file != snap.AST {
			continue
		}
		kind := protocol.DocumentHighlightKindRead
		if r.write {
			kind = protocol.DocumentHighlightKindWrite
		}
		out = append(out, protocol.DocumentHighlight{Range: lspRange(snap.File, r.node.Span(), enc), Kind: kind})
	}
	return out, nil
}
