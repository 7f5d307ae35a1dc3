package server

import (
	"context"
	"encoding/json"
	"sort"
	"unicode/utf8"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/scanner"
	"github.com/bt-tools/bt/analysis/source"
)

// Semantic tokens: the scanner's tokens, classified by the syntax tree
// and the checker's symbols (a name is a builtin, a macro, a map, a
// parameter, ...), plus comments and the fields of attach points.

var tokenTypes = []string{"keyword", "function", "macro", "variable", "parameter", "property", "type",
	"string", "number", "comment", "operator", "namespace", "event"}

var tokenModifiers = []string{"readonly", "declaration", "deprecated", "defaultLibrary"}

const (
	ttKeyword = iota
	ttFunction
	ttMacro
	ttVariable
	ttParameter
	ttProperty
	ttType
	ttString
	ttNumber
	ttComment
	ttOperator
	ttNamespace
	ttEvent
)

const (
	tmReadonly = 1 << iota
	tmDeclaration
	tmDeprecated
	tmDefaultLibrary
)

func init() {
	register("textDocument/semanticTokens/full", semanticTokensFull)
	register("textDocument/semanticTokens/range", semanticTokensRange)
	capabilityHooks = append(capabilityHooks, func(s *Server, c *serverCapabilities) {
		c.SemanticTokensProvider = map[string]any{
			"legend": map[string]any{"tokenTypes": tokenTypes, "tokenModifiers": tokenModifiers},
			"full":   true,
			"range":  true,
		}
	})
}

type semanticTokens struct {
	Data []uint32 `json:"data"`
}

func semanticTokensFull(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p struct {
		TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`
	}
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	snap, err := s.snapshot(string(p.TextDocument.URI))
	if err != nil {
		return nil, err
	}
	span := source.Span{Start: 0, End: source.Pos(len(snap.File.Text))}
	return semanticTokens{Data: encodeTokens(snap.File, classify(ctx, snap, span), s.positionEncoding())}, nil
}

func semanticTokensRange(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
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
	a, b := s.offsetOf(snap.File, p.Range.Start), s.offsetOf(snap.File, p.Range.End)
	if b < a {
		a, b = b, a
	}
	return semanticTokens{Data: encodeTokens(snap.File, classify(ctx, snap, source.Span{Start: a, End: b}), s.positionEncoding())}, nil
}

// semTok is one classified range.
type semTok struct {
	span source.Span
	typ  int
	mods int
}

type tokClass struct{ typ, mods int }

// classify returns the classified tokens overlapping span, in order.
func classify(ctx context.Context, snap *Snapshot, span source.Span) []semTok {
	file := snap.AST
	text := snap.File.Text
	var out []semTok
	overlaps := func(sp source.Span) bool { return sp.End > span.Start && sp.Start < span.End }
	for _, g := range file.Comments {
		for _, c := range g.List {
			if overlaps(c.Span()) {
				out = append(out, semTok{c.Span(), ttComment, 0})
			}
		}
	}
	if file.Shebang != nil && overlaps(file.Shebang.Span()) {
		out = append(out, semTok{file.Shebang.Span(), ttComment, 0})
	}
	names := nameClasses(snap)
	for _, d := range file.Decls {
		if !overlaps(d.Span()) || ctx.Err() != nil {
			continue
		}
		switch d := d.(type) {
		case *ast.CDecl, *ast.BadDecl:
			continue // C is left to the editor's grammar
		case *ast.Probe:
			for _, ap := range d.AttachPoints {
				for _, f := range ap.Fields {
					if f.End() > f.Pos() && overlaps(f.Span()) {
						out = append(out, semTok{f.Span(), attachFieldClass(f.Role), 0})
					}
				}
			}
		}
		// Tokens are scanned from the item's code start (a token
		// boundary), even for a range that starts later.
		for _, t := range scanTokens(text, codeStart(d), min(d.End(), span.End)) {
			if t.End > d.End() || !overlaps(t.Span()) {
				continue
			}
			if c, ok := tokenClass(t, names); ok {
				out = append(out, semTok{t.Span(), c.typ, c.mods})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].span.Start < out[j].span.Start })
	// Drop overlaps (a comment inside an attach point, ...): first wins.
	kept := out[:0]
	var end source.Pos
	for _, t := range out {
		if t.span.Start < end {
			continue
		}
		kept = append(kept, t)
		end = t.span.End
	}
	return kept
}

func attachFieldClass(role string) int {
	switch role {
	case probes.RoleProvider, probes.RoleModule, probes.RoleNamespace, probes.RoleLang:
		return ttNamespace
	case probes.RolePath, probes.RoleFile, probes.RolePin:
		return ttString
	case probes.RoleOffset, probes.RoleAddress, probes.RoleLine, probes.RoleColumn, probes.RoleRate,
		probes.RoleCount, probes.RoleLength, probes.RoleProgID:
		return ttNumber
	case probes.RoleUnit, probes.RoleMode, probes.RoleTrigger:
		return ttKeyword
	}
	return ttEvent
}

var keywordSet = map[string]bool{
	"if": true, "else": true, "while": true, "for": true, "unroll": true, "return": true, "break": true,
	"continue": true, "let": true, "import": true, "macro": true, "fn": true, "config": true,
	"sizeof": true, "offsetof": true, "typeof": true, "typeinfo": true, "comptime": true,
	"struct": true, "union": true, "enum": true, "true": true, "false": true,
}

// tokenClass classifies one scanner token.
func tokenClass(t scanner.Token, names map[source.Pos]tokClass) (tokClass, bool) {
	switch t.Kind {
	case scanner.STRING:
		return tokClass{ttString, 0}, true
	case scanner.INT:
		return tokClass{ttNumber, 0}, true
	case scanner.POSITIONAL, scanner.PARAMCOUNT:
		return tokClass{ttParameter, tmReadonly}, true
	case scanner.VARIABLE, scanner.MAP, scanner.IDENT:
		if c, ok := names[t.Pos]; ok {
			return c, true
		}
		if t.Kind == scanner.IDENT {
			if keywordSet[t.Lit] {
				return tokClass{ttKeyword, 0}, true
			}
			return tokClass{}, false
		}
		return tokClass{ttVariable, 0}, true
	case scanner.LPAREN, scanner.RPAREN, scanner.LBRACK, scanner.RBRACK, scanner.LBRACE, scanner.RBRACE,
		scanner.COMMA, scanner.SEMI, scanner.COLON, scanner.DOT:
		return tokClass{}, false
	}
	if t.Kind.IsOperator() {
		return tokClass{ttOperator, 0}, true
	}
	return tokClass{}, false
}

// nameClasses classifies every name of the root file by its start.
func nameClasses(snap *Snapshot) map[source.Pos]tokClass {
	info := snap.Info()
	m := map[source.Pos]tokClass{}
	macros, fns := map[string]bool{}, map[string]bool{}
	for _, f := range snap.Files() {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.MacroDecl:
				if d.Name != nil {
					macros[d.Name.Name] = true
				}
			case *ast.FnDecl:
				if d.Name != nil {
					fns[d.Name.Name] = true
				}
			}
		}
	}
	for _, d := range snap.AST.Decls {
		var macro *ast.MacroDecl
		switch d := d.(type) {
		case *ast.CDecl, *ast.BadDecl:
			continue
		case *ast.MacroDecl:
			macro = d
			if d.Name != nil {
				m[d.Name.Pos()] = tokClass{ttMacro, tmDeclaration}
			}
			for _, p := range d.Params {
				m[p.Pos()] = tokClass{ttParameter, tmDeclaration}
			}
		case *ast.FnDecl:
			if d.Name != nil {
				m[d.Name.Pos()] = tokClass{ttFunction, tmDeclaration}
			}
			for _, p := range d.Params {
				if p.Var != nil {
					m[p.Var.Pos()] = tokClass{ttParameter, tmDeclaration}
				}
			}
		case *ast.MapDecl:
			if d.Map != nil {
				m[d.Map.Pos()] = tokClass{ttVariable, tmDeclaration}
			}
			if d.Kind != nil {
				m[d.Kind.Pos()] = tokClass{ttFunction, tmDefaultLibrary}
			}
		}
		ast.Inspect(d, func(n ast.Node) bool {
			if n == nil {
				return false
			}
			if _, done := m[n.Pos()]; done {
				return true // classified by its parent (a call's name, a key, ...)
			}
			switch n := n.(type) {
			case *ast.CallExpr:
				if n.Fun != nil {
					m[n.Fun.Pos()] = callClass(info, n, macros, fns)
				}
			case *ast.FieldExpr:
				if n.Field != nil {
					m[n.Field.Pos()] = tokClass{ttProperty, 0}
				}
			case *ast.NamedExpr:
				if n.Name != nil {
					m[n.Name.Pos()] = tokClass{ttProperty, 0}
				}
			case *ast.OffsetofExpr:
				for _, f := range n.Fields {
					m[f.Pos()] = tokClass{ttProperty, 0}
				}
			case *ast.ConfigEntry:
				if n.Key != nil {
					m[n.Key.Pos()] = tokClass{ttProperty, 0}
				}
				if id, ok := n.Value.(*ast.Ident); ok {
					m[id.Pos()] = tokClass{ttString, 0}
				}
			case *ast.TypeExpr:
				if n.Name != nil {
					m[n.Name.Pos()] = tokClass{ttType, 0}
				}
			case *ast.Variable:
				m[n.Pos()] = variableClass(info, n, macro)
			case *ast.MapExpr:
				c := tokClass{ttVariable, 0}
				if macro != nil && macroHasParam(macro, "@"+n.Name) {
					c = tokClass{ttParameter, 0}
				} else if info != nil {
					if _, def := info.Defs[n]; def {
						c.mods |= tmDeclaration
					}
				}
				m[n.Pos()] = c
			case *ast.Ident:
				m[n.Pos()] = identClass(info, n, macro, macros)
			}
			return true
		})
	}
	return m
}

func callClass(info *check.Info, call *ast.CallExpr, macros, fns map[string]bool) tokClass {
	if info != nil {
		if ci := info.Calls[call]; ci != nil {
			switch ci.Kind {
			case check.SymMacro:
				return tokClass{ttMacro, 0}
			case check.SymFn, check.SymCFunc:
				return tokClass{ttFunction, 0}
			}
		}
	}
	name := call.Fun.Name
	switch {
	case macros[name] && (call.Bang || !fns[name]):
		return tokClass{ttMacro, 0}
	case fns[name]:
		return tokClass{ttFunction, 0}
	}
	if b, ok := builtins.Lookup(name); ok && !call.Bang {
		c := tokClass{ttFunction, tmDefaultLibrary}
		if b.Deprecated != "" {
			c.mods |= tmDeprecated
		}
		return c
	}
	return tokClass{ttFunction, 0}
}

func variableClass(info *check.Info, v *ast.Variable, macro *ast.MacroDecl) tokClass {
	if macro != nil && macroHasParam(macro, "$"+v.Name) {
		return tokClass{ttParameter, 0}
	}
	c := tokClass{ttVariable, 0}
	if info != nil {
		if sym := info.SymbolOf(v); sym != nil && sym.Kind == check.SymParam {
			c.typ = ttParameter
		}
		if _, def := info.Defs[v]; def {
			c.mods |= tmDeclaration
		}
	}
	return c
}

func identClass(info *check.Info, id *ast.Ident, macro *ast.MacroDecl, macros map[string]bool) tokClass {
	if keywordSet[id.Name] {
		return tokClass{ttKeyword, 0}
	}
	if macro != nil && macroHasParam(macro, id.Name) {
		return tokClass{ttParameter, 0}
	}
	if info != nil {
		if ci := info.IdentCalls[id]; ci != nil {
			return tokClass{ttMacro, 0}
		}
		if sym := info.SymbolOf(id); sym != nil {
			switch sym.Kind {
			case check.SymMacro:
				return tokClass{ttMacro, 0}
			case check.SymDefine:
				return tokClass{ttVariable, tmReadonly}
			case check.SymField, check.SymConfig:
				return tokClass{ttProperty, 0}
			case check.SymCType:
				return tokClass{ttType, 0}
			}
		}
	}
	if b, ok := builtins.Lookup(id.Name); ok && b.HasBare() {
		c := tokClass{ttVariable, tmReadonly | tmDefaultLibrary}
		if b.Deprecated != "" {
			c.mods |= tmDeprecated
		}
		return c
	}
	if macros[id.Name] {
		return tokClass{ttMacro, 0}
	}
	return tokClass{ttVariable, 0}
}

// encodeTokens encodes tokens in LSP's relative form, splitting tokens
// that span lines (block comments) into one token per line.
func encodeTokens(f *source.File, toks []semTok, enc source.Encoding) []uint32 {
	data := []uint32{}
	prevLine, prevChar := 0, 0
	emit := func(start, end source.Pos, typ, mods int) {
		a := f.EditorPos(start, enc)
		length := 0
		for _, r := range string(f.Text[start:end]) {
			switch enc {
			case source.UTF8:
				length += utf8.RuneLen(r)
			case source.UTF32:
				length++
			default:
				length += source.UTF16Len(string(r))
			}
		}
		if length == 0 {
			return
		}
		dl := a.Line - prevLine
		dc := a.Character
		if dl == 0 {
			dc -= prevChar
		}
		data = append(data, uint32(dl), uint32(dc), uint32(length), uint32(typ), uint32(mods))
		prevLine, prevChar = a.Line, a.Character
	}
	for _, t := range toks {
		start := t.span.Start
		for i := start; i < t.span.End; i++ {
			if f.Text[i] == '\n' {
				end := i
				if end > start && f.Text[end-1] == '\r' {
					end--
				}
				emit(start, end, t.typ, t.mods)
				start = i + 1
			}
		}
		emit(start, t.span.End, t.typ, t.mods)
	}
	return data
}
