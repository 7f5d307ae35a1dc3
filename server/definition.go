package server

import (
	"context"
	"encoding/json"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/source"
)

func init() {
	register("textDocument/definition", definition)
	capabilityHooks = append(capabilityHooks, func(s *Server, c *serverCapabilities) { c.DefinitionProvider = true })
}

// definition jumps from a name to where it is defined: maps, variables,
// macros, fns, imported C functions and types, and from an import to the
// files it names.
func definition(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p docPositionParams
	snap, pos, err := s.snapshotAt(params, &p)
	if err != nil {
		return nil, err
	}
	enc := s.positionEncoding()
	locs := definitions(snap, pos, enc)
	if len(locs) == 0 {
		return nil, nil
	}
	return locs, nil
}

func definitions(snap *Snapshot, pos source.Pos, enc source.Encoding) []protocol.Location {
	if t := targetAt(snap, pos); t != nil {
		if d, ok := definitionOf(snap, t); ok {
			return []protocol.Location{location(snap, d.file, d.node.Span(), enc)}
		}
		return nil
	}
	path := ast.NodeAt(snap.AST, pos)
	if len(path) < 2 {
		return nil
	}
	n, parent := path[len(path)-1], path[len(path)-2]
	info := snap.Info()
	switch n := n.(type) {
	case *ast.StringLit:
		switch parent.(type) {
		case *ast.ImportDecl, *ast.ImportStmt:
			paths, err := resolveImport(snap.File.Name, n.Value)
			if err != nil {
				return nil
			}
			var out []protocol.Location
			for _, p := range paths {
				out = append(out, protocol.Location{URI: protocol.DocumentURI(uriFromPath(p))})
			}
			return out
		}
	case *ast.Ident:
		if info != nil {
			sym := info.SymbolOf(n)
			if call, ok := parent.(*ast.CallExpr); ok && call.Fun == n {
				if ci := info.Calls[call]; ci != nil && ci.Symbol != nil {
					sym = ci.Symbol
				}
			}
			if ci := info.IdentCalls[n]; ci != nil && ci.Symbol != nil {
				sym = ci.Symbol
			}
			// A macro of the standard library: its source on disk.
			if sym != nil && sym.Kind == check.SymMacro && isLibrarySymbol(sym) {
				if f := libraryFileOf(sym.Decl); f != nil {
					if d, ok := sym.Decl.(*ast.MacroDecl); ok {
						return []protocol.Location{location(snap, f, d.Name.Span(), enc)}
					}
				}
			}
			// A C function of the library's objects: its source.
			if d, ok := libraryCFuncDef(sym); ok {
				if loc, ok := fileLocation(d.Path, d.Offset, enc); ok {
					return []protocol.Location{loc}
				}
			}
			if sym != nil && sym.Loc != nil {
				switch sym.Kind {
				case check.SymCFunc, check.SymCType, check.SymDefine:
					if loc, ok := fileLocation(sym.Loc.Path, sym.Loc.Offset, enc); ok {
						return []protocol.Location{loc}
					}
				}
			}
		}
		if te, ok := parent.(*ast.TypeExpr); ok {
			return cTypeDefinition(snap, te, enc)
		}
	}
	return nil
}

// cTypeDefinition finds the script's own C definition of a written type.
func cTypeDefinition(snap *Snapshot, te *ast.TypeExpr, enc source.Encoding) []protocol.Location {
	if te.Name == nil || te.Keyword == "" {
		return nil
	}
	want := te.Keyword + " " + te.Name.Name
	for _, f := range snap.Files() {
		for _, d := range f.Decls {
			if cd, ok := d.(*ast.CDecl); ok && cd.Kind == ast.CDefinition && strings.TrimSpace(cDefinitionName(cd.Text)) == want {
				return []protocol.Location{location(snap, f, cd.Span(), enc)}
			}
		}
	}
	return nil
}
