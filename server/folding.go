package server

import (
	"context"
	"encoding/json"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/source"
)

func init() {
	register("textDocument/foldingRange", foldingRange)
	capabilityHooks = append(capabilityHooks, func(s *Server, c *serverCapabilities) { c.FoldingRangeProvider = true })
}

// foldingRange folds blocks, multi-line C definitions, the config block,
// runs of #include lines and multi-line comments.
func foldingRange(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p protocol.FoldingRangeParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	snap, err := s.syntaxSnapshot(string(p.TextDocument.URI)) // the tree is enough
	if err != nil {
		return nil, err
	}
	return foldingRanges(snap.AST, snap.File), nil
}

func foldingRanges(file *ast.File, f *source.File) []protocol.FoldingRange {
	out := []protocol.FoldingRange{}
	add := func(sp source.Span, kind protocol.FoldingRangeKind) {
		a, b := f.Position(sp.Start).Line-1, f.Position(sp.End).Line-1
		if sp.End > sp.Start && f.Text[sp.End-1] == '\n' {
			b-- // a span ending with its newline ends on the line before
		}
		if b > a {
			out = append(out, protocol.FoldingRange{StartLine: uint32(a), EndLine: uint32(b), Kind: kind})
		}
	}
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BlockExpr, *ast.ConfigBlock:
			add(n.Span(), protocol.RegionFoldingRange)
		case *ast.CDecl:
			if n.Kind == ast.CDefinition {
				add(n.Span(), protocol.RegionFoldingRange)
			}
		}
		return true
	})
	// Consecutive preprocessor lines (usually #includes) fold as imports.
	var run source.Span
	inRun := false
	for _, d := range file.Decls {
		c, ok := d.(*ast.CDecl)
		if ok && c.Kind == ast.CPreprocessor {
			if !inRun {
				run, inRun = c.Span(), true
			} else {
				run.End = c.End()
			}
			continue
		}
		if inRun {
			add(run, protocol.ImportsFoldingRange)
			inRun = false
		}
	}
	if inRun {
		add(run, protocol.ImportsFoldingRange)
	}
	for _, g := range file.Comments {
		add(g.Span(), protocol.CommentFoldingRange)
	}
	return out
}
