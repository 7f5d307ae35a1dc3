package server

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/scanner"
	"github.com/bt-tools/bt/analysis/source"
)

func init() {
	register("textDocument/completion", completion)
	register("completionItem/resolve", completionResolve)
	capabilityHooks = append(capabilityHooks, func(s *Server, c *serverCapabilities) {
		c.CompletionProvider = &completionOptions{
			TriggerCharacters: []string{":", ".", ">", "@", "$", "/", "(", "%"},
			ResolveProvider:   true,
		}
	})
}

// completionItem is LSP's CompletionItem with the 3.17 labelDetails,
// which protocol v0.12 lacks.
type completionItem struct {
	Label            string                       `json:"label"`
	LabelDetails     *labelDetails                `json:"labelDetails,omitempty"`
	Kind             protocol.CompletionItemKind  `json:"kind,omitempty"`
	Tags             []protocol.CompletionItemTag `json:"tags,omitempty"`
	Detail           string                       `json:"detail,omitempty"`
	Documentation    *protocol.MarkupContent      `json:"documentation,omitempty"`
	Deprecated       bool                         `json:"deprecated,omitempty"`
	SortText         string                       `json:"sortText,omitempty"`
	FilterText       string                       `json:"filterText,omitempty"`
	InsertTextFormat protocol.InsertTextFormat    `json:"insertTextFormat,omitempty"`
	TextEdit         *protocol.TextEdit           `json:"textEdit,omitempty"`
	Data             *resolveData                 `json:"data,omitempty"`
}

type labelDetails struct {
	Detail      string `json:"detail,omitempty"`
	Description string `json:"description,omitempty"`
}

type completionList struct {
	IsIncomplete bool             `json:"isIncomplete"`
	Items        []completionItem `json:"items"`
}

// resolveData identifies an item whose details completionItem/resolve
// fills in (computing a prototype for each of 200 kernel functions
// up front would make every keystroke slow). The keys are short: it is
// sent with every item of lists hundreds long.
type resolveData struct {
	URI    string `json:"u"`
	Kind   string `json:"k"` // "func", "tracepoint", "member"
	Module string `json:"m,omitempty"`
	Name   string `json:"n"`
}

type completionParams struct {
	docPositionParams
	Context *struct {
		TriggerKind      int    `json:"triggerKind"`
		TriggerCharacter string `json:"triggerCharacter"`
	} `json:"context,omitempty"`
}

// maxKernelItems caps the lists drawn from the kernel (56k functions,
// thousands of types): the list is then marked incomplete and the client
// asks again as the user types.
const maxKernelItems = 200

// completer builds the answer to one completion request.
type completer struct {
	ctx     context.Context
	s       *Server
	snap    *Snapshot
	pos     source.Pos
	enc     source.Encoding
	trigger string // the trigger character, "" when invoked

	snippets, markdown, details bool

	items      []completionItem
	incomplete bool
	seen       map[string]bool
}

func completion(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p completionParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	snap, pos, err := s.snapshotAtQuick(params, &p.docPositionParams)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	ci := s.clientCaps.TextDocument.Completion.CompletionItem
	s.mu.Unlock()
	c := &completer{ctx: ctx, s: s, snap: snap, pos: pos, enc: s.positionEncoding(),
		snippets: ci.SnippetSupport, details: ci.LabelDetailsSupport, seen: map[string]bool{}}
	for _, f := range ci.DocumentationFormat {
		if f == "markdown" {
			c.markdown = true
		}
	}
	if p.Context != nil && p.Context.TriggerKind == 2 {
		c.trigger = p.Context.TriggerCharacter
	}
	c.complete()
	if c.items == nil {
		c.items = []completionItem{}
	}
	return completionList{IsIncomplete: c.incomplete, Items: c.items}, nil
}

// complete decides what the user is typing and fills in the items.
func (c *completer) complete() {
	file, text := c.snap.AST, c.snap.File.Text
	if inComment(file, c.pos) {
		return
	}
	if file.Shebang != nil && c.pos <= file.Shebang.End() {
		return
	}
	decl := enclosingDecl(file, c.pos)
	switch d := decl.(type) {
	case *ast.Probe:
		if len(d.AttachPoints) > 0 && c.pos <= d.AttachPoints[len(d.AttachPoints)-1].End() {
			for _, ap := range d.AttachPoints {
				if ap.Pos() <= c.pos && c.pos <= ap.End() {
					c.attachPoint(string(text[ap.Pos():c.pos]), ap.Pos(), ap == d.AttachPoints[0])
					return
				}
			}
			if c.pos >= d.AttachPoints[0].Pos() {
				c.attachPoint("", c.pos, false) // after a ',' between attach points
			}
			return
		}
		c.code(d)
	case *ast.MacroDecl, *ast.FnDecl:
		c.code(d)
	case *ast.ConfigBlock:
		c.config(d)
	case *ast.MapDecl:
		c.mapDecl(d)
	case *ast.CDecl, *ast.ImportDecl:
		return
	default: // between items, or text that did not parse
		if c.mapDeclKind(decl) {
			return
		}
		start := c.pos
		for start > 0 && !strings.ContainsRune(" \t\r\n,{};", rune(text[start-1])) {
			start--
		}
		if decl != nil && start < decl.Pos() {
			start = decl.Pos()
		}
		c.attachPoint(string(text[start:c.pos]), start, true)
	}
}

// edit returns a text edit replacing [start, c.pos) with text.
func (c *completer) edit(start source.Pos, text string) *protocol.TextEdit {
	if start > c.pos {
		start = c.pos
	}
	return &protocol.TextEdit{Range: lspRange(c.snap.File, source.Span{Start: start, End: c.pos}, c.enc), NewText: text}
}

// doc wraps Markdown documentation for the client.
func (c *completer) doc(md string) *protocol.MarkupContent {
	if md == "" {
		return nil
	}
	if c.markdown {
		return &protocol.MarkupContent{Kind: protocol.Markdown, Value: md}
	}
	return &protocol.MarkupContent{Kind: protocol.PlainText, Value: plainText(md)}
}

// add appends an item once per label.
func (c *completer) add(it completionItem) {
	key := it.Label + "\x00" + string(rune(it.Kind))
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	if it.LabelDetails != nil && !c.details {
		if it.Detail == "" {
			it.Detail = strings.TrimSpace(it.LabelDetails.Detail + " " + it.LabelDetails.Description)
		}
		it.LabelDetails = nil
	}
	c.items = append(c.items, it)
}

// addSnippet adds a snippet item, or nothing when the client cannot
// expand snippets.
func (c *completer) addSnippet(label, detail, body string, start source.Pos, sort string) {
	if !c.snippets {
		return
	}
	c.add(completionItem{Label: label, Kind: protocol.CompletionItemKindSnippet, Detail: detail,
		InsertTextFormat: protocol.InsertTextFormatSnippet, TextEdit: c.edit(start, body), SortText: sort,
		FilterText: label, Documentation: c.doc("```bpftrace\n" + snippetPreview(body) + "\n```")})
}

// snippetPreview renders a snippet body as the text it expands to.
func snippetPreview(body string) string {
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		switch {
		case body[i] == '\\' && i+1 < len(body):
			i++
			b.WriteByte(body[i])
		case body[i] == '$' && i+1 < len(body) && body[i+1] == '{':
			j := strings.IndexByte(body[i:], ':')
			k := strings.IndexByte(body[i:], '}')
			if j > 0 && k > j {
				b.WriteString(body[i+j+1 : i+k])
				i += k
				continue
			}
			b.WriteByte('$')
		case body[i] == '$' && i+1 < len(body) && body[i+1] >= '0' && body[i+1] <= '9':
			for i+1 < len(body) && body[i+1] >= '0' && body[i+1] <= '9' {
				i++
			}
		default:
			b.WriteByte(body[i])
		}
	}
	return b.String()
}

// plainText turns our Markdown into readable plain text for clients that
// cannot render it: fences and emphasis marks go, the words stay.
func plainText(md string) string {
	var out []string
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "```") {
			continue
		}
		line = strings.ReplaceAll(line, "**", "")
		line = strings.ReplaceAll(line, "`", "")
		out = append(out, line)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// cursorToken finds the token the cursor is in or right after (an
// identifier, variable or map being typed) and the tokens before it.
// ok is false when the cursor is inside a string or a number.
func cursorToken(toks []scanner.Token, pos source.Pos) (cur *scanner.Token, before []scanner.Token, ok bool) {
	if n := len(toks); n > 0 {
		t := toks[n-1]
		if t.Pos < pos && pos <= t.End {
			switch t.Kind {
			case scanner.IDENT, scanner.VARIABLE, scanner.MAP, scanner.POSITIONAL:
				return &toks[n-1], toks[:n-1], true
			case scanner.STRING:
				if pos < t.End || len(t.Lit) < 2 || !strings.HasSuffix(t.Lit, `"`) || strings.HasSuffix(t.Lit, `\"`) {
					return nil, nil, false
				}
			case scanner.INT:
				return nil, nil, false
			}
		}
	}
	return nil, toks, true
}

// sortedKeys returns the keys of a set in order.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// completionResolve fills in the prototype of a kernel function or the
// format of a tracepoint for the item the user is looking at.
func completionResolve(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var it completionItem
	if err := decode(params, &it); err != nil {
		return nil, err
	}
	if it.Data == nil {
		return it, nil
	}
	snap, err := s.snapshot(it.Data.URI)
	if err != nil || snap.Kernel == nil {
		return it, nil // the document went away: the item stays as it was
	}
	s.mu.Lock()
	markdown := false
	for _, f := range s.clientCaps.TextDocument.Completion.CompletionItem.DocumentationFormat {
		markdown = markdown || f == "markdown"
	}
	s.mu.Unlock()
	c := &completer{markdown: markdown}
	switch it.Data.Kind {
	case "func":
		if md, detail := kernelFuncDoc(snap.Kernel, it.Data.Module, it.Data.Name); md != "" {
			it.Detail, it.Documentation = detail, c.doc(md)
		}
	case "tracepoint":
		if md := tracepointDoc(snap.Kernel, it.Data.Module, it.Data.Name); md != "" {
			it.Documentation = c.doc(md)
		}
	case "member":
		r := newResolver(snap, nil)
		if t := r.kernelType(it.Data.Module); t != nil {
			if m, ok := r.member(valueType{btf: t}, it.Data.Name); ok {
				it.Documentation = c.doc(describeMember(m))
			}
		}
	}
	return it, nil
}
