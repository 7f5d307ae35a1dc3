package server

import (
	"context"
	"encoding/json"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/scanner"
	"github.com/bt-tools/bt/analysis/source"
)

func init() {
	register("textDocument/signatureHelp", signatureHelp)
	capabilityHooks = append(capabilityHooks, func(s *Server, c *serverCapabilities) {
		c.SignatureHelpProvider = &signatureHelpOptions{TriggerCharacters: []string{"(", ","}, RetriggerCharacters: []string{","}}
	})
}

// signatureHelpResult is SignatureHelp with parameter labels that may be
// offsets (protocol v0.12 only has strings).
type signatureHelpResult struct {
	Signatures      []signatureInfo `json:"signatures"`
	ActiveSignature uint32          `json:"activeSignature"`
	ActiveParameter uint32          `json:"activeParameter"`
}

type signatureInfo struct {
	Label           string                  `json:"label"`
	Documentation   *protocol.MarkupContent `json:"documentation,omitempty"`
	Parameters      []parameterInfo         `json:"parameters"`
	ActiveParameter *uint32                 `json:"activeParameter,omitempty"`
}

type parameterInfo struct {
	Label any `json:"label"` // string, or [start, end] in UTF-16 units
}

// openCall is a call whose argument list contains the cursor.
type openCall struct {
	name   string
	bang   bool
	lparen source.Pos
	commas int
}

// callAt finds the innermost call whose parentheses are open at pos, by
// scanning the tokens of the enclosing item (which works on lines the
// parser could not make sense of).
func callAt(snap *Snapshot, pos source.Pos) (ast.Decl, *openCall) {
	decl := enclosingDecl(snap.AST, pos)
	if decl == nil {
		return nil, nil
	}
	type frame struct {
		kind scanner.Kind
		call *openCall
	}
	var stack []frame
	toks := scanTokens(snap.File.Text, codeStart(decl), pos)
	for i, t := range toks {
		switch t.Kind {
		case scanner.LPAREN, scanner.LBRACK, scanner.LBRACE:
			f := frame{kind: t.Kind}
			if t.Kind == scanner.LPAREN && i > 0 {
				prev := toks[i-1]
				bang := false
				if prev.Kind == scanner.NOT && i > 1 && toks[i-2].Kind == scanner.IDENT && toks[i-2].End == prev.Pos {
					prev, bang = toks[i-2], true
				}
				if prev.Kind == scanner.IDENT && !isKeyword(prev.Lit) {
					f.call = &openCall{name: prev.Lit, bang: bang, lparen: t.Pos}
				}
			}
			stack = append(stack, f)
		case scanner.RPAREN, scanner.RBRACK, scanner.RBRACE:
			want := map[scanner.Kind]scanner.Kind{scanner.RPAREN: scanner.LPAREN, scanner.RBRACK: scanner.LBRACK, scanner.RBRACE: scanner.LBRACE}[t.Kind]
			for len(stack) > 0 {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if top.kind == want {
					break
				}
			}
		case scanner.COMMA:
			if n := len(stack); n > 0 && stack[n-1].call != nil {
				stack[n-1].call.commas++
			}
		case scanner.SEMI:
			// A statement ends: calls left open are abandoned, blocks stay.
			for len(stack) > 0 && stack[len(stack)-1].kind != scanner.LBRACE {
				stack = stack[:len(stack)-1]
			}
		}
	}
	for i := len(stack) - 1; i >= 0; i-- {
		if stack[i].kind == scanner.LBRACE {
			break
		}
		if stack[i].call != nil {
			return decl, stack[i].call
		}
	}
	return decl, nil
}

func isKeyword(s string) bool {
	switch s {
	case "if", "while", "for", "unroll", "return", "sizeof", "offsetof", "typeof", "typeinfo", "comptime":
		return true
	}
	return false
}

func signatureHelp(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p docPositionParams
	snap, pos, err := s.snapshotAtQuick(params, &p)
	if err != nil {
		return nil, err
	}
	if inComment(snap.AST, pos) {
		return nil, nil
	}
	_, call := callAt(snap, pos)
	if call == nil {
		return nil, nil
	}
	s.mu.Lock()
	offsets := s.clientCaps.TextDocument.SignatureHelp.SignatureInformation.ParameterInformation.LabelOffsetSupport
	markdown := s.clientCaps.markdown()
	s.mu.Unlock()
	sb := &sigBuilder{offsets: offsets, markdown: markdown}
	res := sb.help(snap, call)
	if res == nil {
		return nil, nil
	}
	return res, nil
}

type sigBuilder struct {
	offsets, markdown bool
}

// sig makes a SignatureInformation from a label and its parameters'
// texts, found in the label in order.
func (b *sigBuilder) sig(label string, params []string, doc string) signatureInfo {
	si := signatureInfo{Label: label, Parameters: []parameterInfo{}}
	if doc != "" {
		if b.markdown {
			si.Documentation = &protocol.MarkupContent{Kind: protocol.Markdown, Value: doc}
		} else {
			si.Documentation = &protocol.MarkupContent{Kind: protocol.PlainText, Value: plainText(doc)}
		}
	}
	at := strings.IndexByte(label, '(') + 1
	for _, p := range params {
		i := strings.Index(label[at:], p)
		if i < 0 || !b.offsets {
			si.Parameters = append(si.Parameters, parameterInfo{Label: p})
			continue
		}
		start := source.UTF16Len(label[:at+i])
		end := start + source.UTF16Len(p)
		si.Parameters = append(si.Parameters, parameterInfo{Label: [2]int{start, end}})
		at += i + len(p)
	}
	return si
}

// active returns the parameter index the cursor is on for a signature
// with n parameters, the last variadic when variadic is set.
func active(commas, n int, variadic bool) uint32 {
	if variadic && commas >= n && n > 0 {
		return uint32(n - 1)
	}
	return uint32(commas)
}

func (b *sigBuilder) help(snap *Snapshot, call *openCall) *signatureHelpResult {
	info := snap.Info()
	var ci *check.CallInfo
	if info != nil {
		for ce, c := range info.Calls {
			if ce.Lparen == call.lparen && ce.Fun != nil && ce.Fun.Name == call.name {
				ci = c
				break
			}
		}
	}
	if !call.bang && (ci == nil || ci.Kind == check.SymBuiltin) {
		if bi, ok := builtins.Lookup(call.name); ok && bi.Callable() {
			return b.builtin(bi, call, ci)
		}
	}
	for _, f := range snap.Files() {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.MacroDecl:
				if d.Name != nil && d.Name.Name == call.name {
					si := b.sig(macroSignature(d, f), macroParams(d, f), macroDocComment(f, d))
					return &signatureHelpResult{Signatures: []signatureInfo{si}, ActiveParameter: active(call.commas, len(d.Params), false)}
				}
			case *ast.FnDecl:
				if d.Name != nil && d.Name.Name == call.name && !call.bang {
					si := b.sig(fnSignature(d, f), fnParams(d, f), docComment(f, d))
					return &signatureHelpResult{Signatures: []signatureInfo{si}, ActiveParameter: active(call.commas, len(d.Params), false)}
				}
			}
		}
	}
	if forms := libraryMacros(snap)[call.name]; len(forms) > 0 && !call.bang {
		// A macro of the standard library: each of its forms, the one
		// with as many parameters as the arguments typed so far active.
		res := &signatureHelpResult{}
		activeSig := -1
		for i, m := range forms {
			si := b.sig(macroSignature(m.Decl, m.File), macroParams(m.Decl, m.File), macroDocComment(m.File, m.Decl))
			res.Signatures = append(res.Signatures, si)
			if activeSig < 0 && len(m.Decl.Params) > call.commas {
				activeSig = i
			}
		}
		if activeSig < 0 {
			activeSig = len(forms) - 1
		}
		res.ActiveSignature = uint32(activeSig)
		res.ActiveParameter = active(call.commas, len(forms[activeSig].Decl.Params), false)
		return res
	}
	if ci != nil && ci.Kind == check.SymCFunc && ci.Symbol != nil && ci.Symbol.Doc != "" {
		// An imported C function: its declaration is the label.
		decl := strings.TrimSuffix(strings.TrimSpace(ci.Symbol.Doc), ";")
		si := b.sig(decl, cParams(decl), "")
		return &signatureHelpResult{Signatures: []signatureInfo{si}, ActiveParameter: uint32(call.commas)}
	}
	return nil
}

// cParams splits the parameter list of a C declaration.
func cParams(decl string) []string {
	i, j := strings.IndexByte(decl, '('), strings.LastIndexByte(decl, ')')
	if i < 0 || j < i {
		return nil
	}
	var out []string
	for _, p := range strings.Split(decl[i+1:j], ",") {
		if p = strings.TrimSpace(p); p != "" && p != "void" {
			out = append(out, p)
		}
	}
	return out
}

// builtin lists every call form of a builtin, the one resolved (or the
// first whose arity fits the arguments typed so far) active.
func (b *sigBuilder) builtin(bi *builtins.Builtin, call *openCall, ci *check.CallInfo) *signatureHelpResult {
	res := &signatureHelpResult{}
	chosen := -1
	var chosenParam uint32
	for i, v := range bi.Variants {
		if v.Bare {
			continue
		}
		params := make([]string, len(v.Params))
		variadic := false
		for j, p := range v.Params {
			params[j] = p.String()
			variadic = variadic || p.Variadic
		}
		doc := v.Doc
		if doc == "" {
			doc = bi.Doc
		}
		si := b.sig(v.String(), params, doc)
		ap := active(call.commas, len(v.Params), variadic)
		si.ActiveParameter = &ap
		_, hi := v.ArgCount()
		fits := call.commas < hi || (call.commas == 0 && hi == 0)
		if (ci != nil && ci.Variant == i && fits) || (chosen < 0 && fits) {
			chosen, chosenParam = len(res.Signatures), ap
		}
		res.Signatures = append(res.Signatures, si)
	}
	if len(res.Signatures) == 0 {
		return nil
	}
	if chosen < 0 {
		chosen = 0
		chosenParam = *res.Signatures[0].ActiveParameter
	}
	res.ActiveSignature, res.ActiveParameter = uint32(chosen), chosenParam
	return res
}
