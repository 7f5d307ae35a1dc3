package server

import (
	"context"
	"encoding/json"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/source"
)

func init() {
	register("textDocument/documentSymbol", documentSymbol)
	capabilityHooks = append(capabilityHooks, func(s *Server, c *serverCapabilities) { c.DocumentSymbolProvider = true })
}

// documentSymbol lists the script's outline: probes (named by their
// attach points), macros, fns, map declarations and the config block,
// with maps assigned in each probe as children.
func documentSymbol(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p protocol.DocumentSymbolParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	snap, err := s.syntaxSnapshot(string(p.TextDocument.URI)) // the tree is enough
	if err != nil {
		return nil, err
	}
	return outline(snap.AST, snap.File, s.positionEncoding()), nil
}

func outline(file *ast.File, f *source.File, enc source.Encoding) []protocol.DocumentSymbol {
	syms := []protocol.DocumentSymbol{}
	sym := func(name, detail string, kind protocol.SymbolKind, full, sel ast.Node) protocol.DocumentSymbol {
		if name == "" {
			name = "?" // LSP forbids empty names
		}
		return protocol.DocumentSymbol{
			Name: name, Detail: detail, Kind: kind,
			Range:          lspRange(f, full.Span(), enc),
			SelectionRange: lspRange(f, sel.Span(), enc),
		}
	}
	for _, d := range file.Decls {
		switch d := d.(type) {
		case *ast.Probe:
			if len(d.AttachPoints) == 0 {
				continue
			}
			names := make([]string, len(d.AttachPoints))
			for i, ap := range d.AttachPoints {
				names[i] = ap.Raw
			}
			ps := sym(strings.Join(names, ", "), "probe", protocol.SymbolKindEvent, d, d.AttachPoints[0])
			ps.Children = mapsAssignedIn(d, f, enc)
			syms = append(syms, ps)
		case *ast.MacroDecl:
			if d.Name != nil {
				syms = append(syms, sym(d.Name.Name, "macro", protocol.SymbolKindFunction, d, d.Name))
			}
		case *ast.FnDecl:
			if d.Name != nil {
				syms = append(syms, sym(d.Name.Name, "fn", protocol.SymbolKindFunction, d, d.Name))
			}
		case *ast.MapDecl:
			if d.Map != nil {
				detail := ""
				if d.Kind != nil {
					detail = d.Kind.Name
				}
				syms = append(syms, sym("@"+d.Map.Name, detail, protocol.SymbolKindVariable, d, d.Map))
			}
		case *ast.ConfigBlock:
			cs := sym("config", "", protocol.SymbolKindNamespace, d, d)
			for _, e := range d.Entries {
				if e.Key != nil {
					cs.Children = append(cs.Children, sym(e.Key.Name, "", protocol.SymbolKindProperty, e, e.Key))
				}
			}
			syms = append(syms, cs)
		case *ast.ImportDecl:
			if d.Path != nil {
				syms = append(syms, sym(d.Path.Value, "import", protocol.SymbolKindModule, d, d.Path))
			}
		case *ast.CDecl:
			if d.Kind == ast.CDefinition {
				if name := cDefinitionName(d.Text); name != "" {
					syms = append(syms, sym(name, "C", protocol.SymbolKindStruct, d, d))
				}
			}
		}
	}
	return syms
}

// mapsAssignedIn lists the maps a probe writes, once each, in order.
func mapsAssignedIn(p *ast.Probe, f *source.File, enc source.Encoding) []protocol.DocumentSymbol {
	var out []protocol.DocumentSymbol
	seen := map[string]bool{}
	ast.Inspect(p.Body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok {
			return true
		}
		var m *ast.MapExpr
		switch l := as.Lhs.(type) {
		case *ast.MapExpr:
			m = l
		case *ast.MapAccess:
			m = l.Map
		}
		if m != nil && !seen[m.Name] {
			seen[m.Name] = true
			out = append(out, protocol.DocumentSymbol{
				Name: "@" + m.Name, Kind: protocol.SymbolKindVariable,
				Range: lspRange(f, as.Span(), enc), SelectionRange: lspRange(f, m.Span(), enc),
			})
		}
		return true
	})
	return out
}

// cDefinitionName returns "struct foo" for a C definition's text, or the
// typedef'd name, or "".
func cDefinitionName(text string) string {
	fields := strings.FieldsFunc(text, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '{' || r == ';' || r == '\r'
	})
	if len(fields) == 0 {
		return ""
	}
	switch fields[0] {
	case "struct", "union", "enum":
		if len(fields) > 1 {
			return fields[0] + " " + fields[1]
		}
	case "typedef":
		// The typedef'd name is the last identifier before the final ';'.
		t := strings.TrimRight(strings.TrimSpace(text), ";")
		i := strings.LastIndexAny(t, " \t\n}*")
		return strings.TrimSpace(t[i+1:])
	}
	return ""
}
