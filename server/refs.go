package server

import (
	"os"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/source"
)

// Symbol resolution for definition, references, rename and highlights.
// Maps are global to the program (every file); variables belong to the
// probe, fn or macro they appear in, and the checker's symbols tell
// apart same-named variables of different scopes; macro bodies (which
// the checker only sees expanded) are resolved by name within the macro.

type targetKind int

const (
	targetMap targetKind = iota + 1
	targetVar
	targetMacro
	targetFn
)

// target is the entity a name at the cursor denotes.
type target struct {
	kind  targetKind
	name  string        // without sigil
	sym   *check.Symbol // the checker's symbol of a variable, when known
	scope ast.Node      // the item a variable (or macro-parameter map) lives in; nil for global
	node  ast.Node      // the name under the cursor
	file  *ast.File     // file of node
}

// ref is one occurrence of a target.
type ref struct {
	file  *ast.File
	node  ast.Node // the name: *ast.MapExpr, *ast.Variable or *ast.Ident
	write bool
}

// targetAt returns the target named at pos of the snapshot's root file.
func targetAt(snap *Snapshot, pos source.Pos) *target {
	path := ast.NodeAt(snap.AST, pos)
	if len(path) < 2 {
		return nil
	}
	n := path[len(path)-1]
	parent := path[len(path)-2]
	decl, _ := path[1].(ast.Decl)
	info := snap.Info()
	switch n := n.(type) {
	case *ast.MapExpr:
		if n.Name == "" {
			return nil
		}
		t := &target{kind: targetMap, name: n.Name, node: n, file: snap.AST}
		if m, ok := decl.(*ast.MacroDecl); ok && macroHasParam(m, "@"+n.Name) {
			t.scope = m
		}
		return t
	case *ast.Variable:
		t := &target{kind: targetVar, name: n.Name, node: n, file: snap.AST, scope: decl}
		if _, inMacro := decl.(*ast.MacroDecl); !inMacro && info != nil {
			t.sym = info.SymbolOf(n)
		}
		return t
	case *ast.Ident:
		switch p := parent.(type) {
		case *ast.MacroDecl:
			if p.Name == n {
				return &target{kind: targetMacro, name: n.Name, node: n, file: snap.AST}
			}
			return nil
		case *ast.FnDecl:
			if p.Name == n {
				return &target{kind: targetFn, name: n.Name, node: n, file: snap.AST}
			}
			return nil
		case *ast.CallExpr:
			if p.Fun == n {
				if k := callKind(snap, p); k != 0 {
					return &target{kind: k, name: n.Name, node: n, file: snap.AST}
				}
			}
			return nil
		case *ast.FieldExpr, *ast.TypeExpr, *ast.ConfigEntry, *ast.NamedExpr, *ast.MapDecl:
			return nil
		}
		if info != nil {
			if ci := info.IdentCalls[n]; ci != nil && ci.Kind == check.SymMacro && !isLibrarySymbol(ci.Symbol) {
				return &target{kind: targetMacro, name: n.Name, node: n, file: snap.AST}
			}
		}
		if m, ok := decl.(*ast.MacroDecl); ok && macroHasParam(m, n.Name) {
			return &target{kind: targetVar, name: n.Name, node: n, file: snap.AST, scope: m}
		}
	}
	return nil
}

// macroHasParam reports whether macro m has a parameter written name.
func macroHasParam(m *ast.MacroDecl, name string) bool {
	for _, p := range m.Params {
		switch p := p.(type) {
		case *ast.Variable:
			if "$"+p.Name == name {
				return true
			}
		case *ast.MapExpr:
			if "@"+p.Name == name {
				return true
			}
		case *ast.Ident:
			if p.Name == name {
				return true
			}
		}
	}
	return false
}

// callKind says whether a call names a macro or a fn of the program.
func callKind(snap *Snapshot, call *ast.CallExpr) targetKind {
	if info := snap.Info(); info != nil {
		if ci := info.Calls[call]; ci != nil {
			switch ci.Kind {
			case check.SymMacro:
				if isLibrarySymbol(ci.Symbol) {
					return 0 // the library's, not the program's
				}
				return targetMacro
			case check.SymFn:
				return targetFn
			}
			return 0
		}
	}
	for _, f := range snap.Files() {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.MacroDecl:
				if d.Name != nil && d.Name.Name == call.Fun.Name {
					return targetMacro
				}
			case *ast.FnDecl:
				if d.Name != nil && d.Name.Name == call.Fun.Name && !call.Bang {
					return targetFn
				}
			}
		}
	}
	return 0
}

// refs lists every occurrence of t in the program, in file order.
func refs(snap *Snapshot, t *target) []ref {
	var out []ref
	info := snap.Info()
	for _, f := range snap.Files() {
		var root ast.Node = f
		if t.scope != nil {
			if f != t.file {
				continue
			}
			root = t.scope
		}
		var stack []ast.Node
		ast.Inspect(root, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return false
			}
			var parent ast.Node
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			stack = append(stack, n)
			switch n := n.(type) {
			case *ast.MapExpr:
				if t.kind == targetMap && n.Name == t.name && (t.scope != nil || !inMacroWithParam(f, n, "@"+t.name)) {
					w := isWrite(parent, n)
					if ma, ok := parent.(*ast.MapAccess); ok && len(stack) >= 3 {
						w = isWrite(stack[len(stack)-3], ma)
					}
					out = append(out, ref{file: f, node: n, write: w})
				}
			case *ast.Variable:
				if t.kind != targetVar || n.Name != t.name {
					break
				}
				if t.sym != nil && info != nil {
					if info.SymbolOf(n) != t.sym {
						break
					}
				}
				out = append(out, ref{file: f, node: n, write: isWrite(parent, n)})
			case *ast.Ident:
				out = appendIdentRef(out, snap, t, f, n, parent)
			}
			return true
		})
	}
	return out
}

// inMacroWithParam reports whether n lies in a macro of f that has a
// parameter written name (which then shadows the global map).
func inMacroWithParam(f *ast.File, n ast.Node, name string) bool {
	if d, ok := enclosingDecl(f, n.Pos()).(*ast.MacroDecl); ok {
		return macroHasParam(d, name)
	}
	return false
}

func appendIdentRef(out []ref, snap *Snapshot, t *target, f *ast.File, id *ast.Ident, parent ast.Node) []ref {
	if id.Name != t.name {
		return out
	}
	switch t.kind {
	case targetMacro, targetFn:
		switch p := parent.(type) {
		case *ast.MacroDecl:
			if p.Name == id && t.kind == targetMacro {
				return append(out, ref{file: f, node: id, write: true})
			}
		case *ast.FnDecl:
			if p.Name == id && t.kind == targetFn {
				return append(out, ref{file: f, node: id, write: true})
			}
		case *ast.CallExpr:
			if p.Fun == id && callKind(snap, p) == t.kind {
				return append(out, ref{file: f, node: id})
			}
		default:
			if info := snap.Info(); t.kind == targetMacro && info != nil {
				if ci := info.IdentCalls[id]; ci != nil && ci.Kind == check.SymMacro {
					return append(out, ref{file: f, node: id})
				}
			}
		}
	case targetVar:
		// A macro's expression parameter, used by name in its body.
		if t.scope != nil {
			switch parent.(type) {
			case *ast.FieldExpr, *ast.CallExpr, *ast.TypeExpr, *ast.NamedExpr:
				if fe, ok := parent.(*ast.FieldExpr); !ok || fe.Field == id {
					return out
				}
			}
			return append(out, ref{file: f, node: id})
		}
	}
	return out
}

// isWrite reports whether name n is written where it appears.
func isWrite(parent, n ast.Node) bool {
	switch p := parent.(type) {
	case *ast.AssignStmt:
		return p.Lhs == n
	case *ast.MapAccess:
		return false // the caller sees the MapAccess as parent of the map
	case *ast.LetStmt:
		return p.Var == n
	case *ast.ForStmt:
		return p.Var == n
	case *ast.Param:
		return p.Var == n
	case *ast.MapDecl:
		return p.Map == n
	case *ast.MacroDecl:
		return true // a parameter
	case *ast.UnaryExpr:
		return p.Op == "++" || p.Op == "--"
	}
	return false
}

// definitionOf returns where t is defined: a map's declaration or first
// assignment, a variable's let or first assignment (or parameter), a
// macro's or fn's name.
func definitionOf(snap *Snapshot, t *target) (ref, bool) {
	if t.kind == targetVar && t.sym != nil && t.sym.Decl != nil {
		for _, f := range snap.Files() {
			if t.sym.File == nil || f.Source == t.sym.File || f == t.file {
				if pathTo(f, t.sym.Decl) != nil {
					return ref{file: f, node: t.sym.Decl, write: true}, true
				}
			}
		}
	}
	all := refs(snap, t)
	if t.kind == targetMap {
		for _, r := range all {
			if isMapDeclName(r) {
				return r, true
			}
		}
	}
	for _, r := range all {
		if r.write {
			return r, true
		}
	}
	if len(all) > 0 && t.kind == targetVar {
		return all[0], true
	}
	return ref{}, false
}

func isMapDeclName(r ref) bool {
	for _, d := range r.file.Decls {
		if md, ok := d.(*ast.MapDecl); ok && md.Map == r.node {
			return true
		}
	}
	return false
}

// fileURI returns the URI of a file of the snapshot.
func fileURI(snap *Snapshot, f *ast.File) string {
	if f == snap.AST {
		return snap.URI
	}
	if path, ok := libraryPath(f.Source); ok {
		return uriFromPath(path)
	}
	return uriFromPath(f.Source.Name)
}

// location converts a node of f to an LSP location.
func location(snap *Snapshot, f *ast.File, sp source.Span, enc source.Encoding) protocol.Location {
	return protocol.Location{URI: protocol.DocumentURI(fileURI(snap, f)), Range: lspRange(f.Source, sp, enc)}
}

// fileLocation is a location in a file on disk given by byte offset (C
// declarations found by the C front end).
func fileLocation(path string, offset int, enc source.Encoding) (protocol.Location, bool) {
	text, err := os.ReadFile(path)
	if err != nil {
		return protocol.Location{}, false
	}
	f := source.NewFile(path, text)
	p := source.Pos(offset)
	return protocol.Location{URI: protocol.DocumentURI(uriFromPath(path)), Range: lspRange(f, source.Span{Start: p, End: p}, enc)}, true
}
