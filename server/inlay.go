package server

import (
	"context"
	"encoding/json"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/source"
)

func init() {
	register("textDocument/inlayHint", inlayHints)
	capabilityHooks = append(capabilityHooks, func(s *Server, c *serverCapabilities) { c.InlayHintProvider = true })
}

// inlayHint is LSP 3.17's InlayHint, which protocol v0.12 lacks.
type inlayHint struct {
	Position     protocol.Position `json:"position"`
	Label        string            `json:"label"`
	Kind         int               `json:"kind,omitempty"` // 1: type, 2: parameter
	PaddingLeft  bool              `json:"paddingLeft,omitempty"`
	PaddingRight bool              `json:"paddingRight,omitempty"`
}

const inlayHintType = 1

// inlayHints shows the types the checker inferred where a scratch
// variable or a map gets its first value: `$x: int64 = ...`.
func inlayHints(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p struct {
		TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`
		Range        *protocol.Range                 `json:"range"`
	}
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
	out := []inlayHint{}
	info := snap.Info()
	if info == nil {
		return out, nil
	}
	enc := s.positionEncoding()
	lo, hi := s.offsetOf(snap.File, p.Range.Start), s.offsetOf(snap.File, p.Range.End)
	add := func(at source.Pos, label string) {
		if at < lo || at > hi {
			return
		}
		ep := snap.File.EditorPos(at, enc)
		out = append(out, inlayHint{Position: protocol.Position{Line: uint32(ep.Line), Character: uint32(ep.Character)},
			Label: label, Kind: inlayHintType})
	}
	// Variables: at their defining occurrence, unless the type is written.
	ast.Inspect(snap.AST, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.LetStmt:
			if n.Type != nil {
				return false // `let $x: T` says its type already
			}
		case *ast.Param:
			return false
		case *ast.Variable:
			sym := info.Defs[n]
			if sym == nil || sym.Kind != check.SymVar {
				return true
			}
			t := info.Types[n]
			if !isKnownType(t) {
				t = sym.Type
			}
			if isKnownType(t) {
				add(n.End(), ": "+t.String())
			}
		}
		return n != nil && ctx.Err() == nil
	})
	// Maps: after the left side of the assignment that first typed them.
	if snap.Program != nil {
		for _, mi := range snap.Program.Maps {
			as, ok := mi.Typed.(*ast.AssignStmt)
			if !ok || !isKnownType(mi.Value) || as.Lhs == nil || pathTo(snap.AST, as) == nil {
				continue
			}
			add(as.Lhs.End(), ": "+mi.Value.String())
		}
	}
	return out, nil
}
