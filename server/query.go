package server

import (
	"encoding/json"
	"errors"
	"sort"
	"time"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/scanner"
	"github.com/bt-tools/bt/analysis/source"
)

// Helpers shared by the feature handlers: decoding a document position,
// finding the top-level item around it, and scanning the tokens before
// it (the parser is error-tolerant, but the text right before the
// cursor is what says what the user is typing).

// errMissingRange rejects a request without its required range.
var errMissingRange = errors.New("missing range")

// docPositionParams is TextDocumentPositionParams.
type docPositionParams struct {
	TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`
	Position     protocol.Position               `json:"position"`
}

// snapshotAt decodes params (any struct embedding the document and a
// position), and returns the current snapshot and the byte offset of
// the position, clamped into the text.
func (s *Server) snapshotAt(params json.RawMessage, p *docPositionParams) (*Snapshot, source.Pos, error) {
	if err := decode(params, p); err != nil {
		return nil, 0, err
	}
	snap, err := s.snapshot(string(p.TextDocument.URI))
	if err != nil {
		return nil, 0, err
	}
	return snap, s.offsetOf(snap.File, p.Position), nil
}

// quickBudget is how long completion and signature help wait for the
// full analysis of the current version before answering from its syntax
// tree alone (the checker's first look at a kernel symbol can take far
// longer than a keystroke).
const quickBudget = 15 * time.Millisecond

// snapshotAtQuick is snapshotAt for handlers that can answer without the
// checker: when the analysis is not ready within quickBudget, the
// snapshot holds the tree of the same text and the kernel index, and no
// Program. The full analysis goes on in the background.
func (s *Server) snapshotAtQuick(params json.RawMessage, p *docPositionParams) (*Snapshot, source.Pos, error) {
	if err := decode(params, p); err != nil {
		return nil, 0, err
	}
	d, err := s.document(string(p.TextDocument.URI))
	if err != nil {
		return nil, 0, err
	}
	snap := s.quickSnapshot(d, quickBudget, true)
	return snap, s.offsetOf(snap.File, p.Position), nil
}

// syntaxSnapshot returns the analysis of uri's current version if it is
// done, else at once a snapshot with its syntax tree: for handlers that
// only read the tree (outline, folding).
func (s *Server) syntaxSnapshot(uri string) (*Snapshot, error) {
	d, err := s.document(uri)
	if err != nil {
		return nil, err
	}
	return s.quickSnapshot(d, 0, false), nil
}

// quickSnapshot waits at most budget for d's full analysis, then makes
// a snapshot of d's syntax tree (and the kernel index, withKernel).
func (s *Server) quickSnapshot(d *document, budget time.Duration, withKernel bool) *Snapshot {
	a, ok := s.analyzer.(*coreAnalyzer)
	if !ok {
		return d.snap.get()
	}
	done := make(chan *Snapshot, 1)
	go func() { done <- d.snap.get() }()
	if budget <= 0 {
		select {
		case snap := <-done:
			return snap
		case <-time.After(time.Millisecond):
		}
	} else {
		timer := time.NewTimer(budget)
		defer timer.Stop()
		select {
		case snap := <-done:
			return snap
		case <-timer.C:
		}
	}
	file, diags := parser.ParseFile(d.file)
	snap := &Snapshot{URI: d.uri, Version: d.version, File: d.file, AST: file, ParseDiags: diags, Diags: diags}
	if withKernel {
		s.mu.Lock()
		cfg := s.config
		s.mu.Unlock()
		snap.Kernel = a.kernelFor(cfg)
	}
	return snap
}

// offsetOf converts an LSP position to a byte offset of f (clamped).
func (s *Server) offsetOf(f *source.File, p protocol.Position) source.Pos {
	return f.PosOf(source.EditorPosition{Line: int(p.Line), Character: int(p.Character)}, s.positionEncoding())
}

// enclosingDecl returns the top-level item whose range contains pos (its
// end included), or nil.
func enclosingDecl(file *ast.File, pos source.Pos) ast.Decl {
	i := sort.Search(len(file.Decls), func(i int) bool { return file.Decls[i].End() >= pos })
	for ; i < len(file.Decls); i++ {
		d := file.Decls[i]
		if d.Pos() > pos {
			return nil
		}
		if d.Pos() <= pos && pos <= d.End() {
			return d
		}
	}
	return nil
}

// codeStart returns where the ordinary tokens of a top-level item begin:
// after the attach points of a probe, at the start of other items.
func codeStart(d ast.Decl) source.Pos {
	if p, ok := d.(*ast.Probe); ok && len(p.AttachPoints) > 0 {
		return p.AttachPoints[len(p.AttachPoints)-1].End()
	}
	return d.Pos()
}

// scanTokens returns the tokens of text in [from, to), scanned as
// ordinary code. A token that starts before to is included whole.
func scanTokens(text []byte, from, to source.Pos) []scanner.Token {
	var sc scanner.Scanner
	sc.Init(text)
	sc.Quiet = true
	sc.SetOffset(int(from))
	var toks []scanner.Token
	for {
		tok, _ := sc.Scan()
		if tok.Kind == scanner.EOF || tok.Pos >= to {
			return toks
		}
		toks = append(toks, tok)
		if len(toks) > 1<<20 {
			return toks
		}
	}
}

// inComment reports whether pos lies inside a comment of file (not at
// its very start).
func inComment(file *ast.File, pos source.Pos) bool {
	for _, g := range file.Comments {
		if g.Pos() > pos {
			return false
		}
		for _, c := range g.List {
			if c.Pos() < pos && pos < c.End() {
				return true
			}
			// A line comment runs to the end of its line: a cursor right
			// after it is still inside.
			if pos == c.End() && len(c.Text) >= 2 && c.Text[:2] == "//" {
				return true
			}
		}
	}
	return false
}

// probeOf returns the probe enclosing decl, or nil.
func probeOf(d ast.Decl) *ast.Probe {
	p, _ := d.(*ast.Probe)
	return p
}

// nodeEndingAt returns the innermost expression of n that ends exactly at
// end, lifting a field name to its field expression (`a.b|` is the field
// access, not the name b).
func nodeEndingAt(n ast.Node, end source.Pos) ast.Expr {
	var best ast.Expr
	var bestParent ast.Node
	var stack []ast.Node
	ast.Inspect(n, func(x ast.Node) bool {
		if x == nil {
			stack = stack[:len(stack)-1]
			return false
		}
		if x.End() < end || x.Pos() > end {
			return false // neither x nor its children end at end
		}
		if e, ok := x.(ast.Expr); ok && x.End() == end && x.Pos() < end {
			best, bestParent = e, nil
			if len(stack) > 0 {
				bestParent = stack[len(stack)-1]
			}
		}
		stack = append(stack, x)
		return true
	})
	if id, ok := best.(*ast.Ident); ok {
		if fe, ok := bestParent.(*ast.FieldExpr); ok && fe.Field == id {
			return fe
		}
	}
	return best
}

// pathTo returns the nodes from n down to target (both included), or
// nil when target is not under n.
func pathTo(n ast.Node, target ast.Node) []ast.Node {
	var path, found []ast.Node
	ast.Inspect(n, func(x ast.Node) bool {
		if found != nil {
			return false
		}
		if x == nil {
			path = path[:len(path)-1]
			return false
		}
		if x.Pos() > target.Pos() || x.End() < target.End() {
			return false
		}
		path = append(path, x)
		if x == target {
			found = append([]ast.Node(nil), path...)
			return false
		}
		return true
	})
	return found
}
