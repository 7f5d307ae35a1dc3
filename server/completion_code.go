package server

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/scanner"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/btfindex"
)

// Completion inside code: probe predicates and bodies, macro and fn
// bodies. The tokens before the cursor say what is being typed: a
// member after '.' or '->', a type name after struct/union/enum, a map
// after '@', a variable after '$', else any name that fits.

func (c *completer) code(decl ast.Decl) {
	text := c.snap.File.Text
	toks := scanTokens(text, codeStart(decl), c.pos)
	if c.formatVerbs(toks) {
		return
	}
	cur, before, ok := cursorToken(toks, c.pos)
	if !ok {
		return
	}
	start, prefix := c.pos, ""
	if cur != nil {
		start, prefix = cur.Pos, string(text[cur.Pos:c.pos])
	}
	var prev *scanner.Token
	if len(before) > 0 {
		prev = &before[len(before)-1]
	}
	switch {
	case prev != nil && (prev.Kind == scanner.DOT || prev.Kind == scanner.ARROW) && (cur == nil || cur.Kind == scanner.IDENT):
		if len(before) < 2 {
			return
		}
		c.members(decl, before[len(before)-2].End, start, prefix)
		return
	case c.trigger == "." || c.trigger == ">" || c.trigger == ":" || c.trigger == "/":
		return // the character does not start a member access here
	case c.trigger == "(":
		if prev == nil || prev.Kind != scanner.LPAREN {
			return
		}
		c.castTypes(start, prefix)
		return
	case prev != nil && prev.Kind == scanner.IDENT && (prev.Lit == "struct" || prev.Lit == "union" || prev.Lit == "enum") && (cur == nil || cur.Kind == scanner.IDENT):
		c.typeNames(prev.Lit, start, prefix)
		return
	}
	switch {
	case cur != nil && cur.Kind == scanner.MAP, c.trigger == "@":
		c.maps(start, prefix)
		return
	case cur != nil && (cur.Kind == scanner.VARIABLE || cur.Kind == scanner.POSITIONAL), c.trigger == "$":
		c.variables(decl, start, prefix)
		return
	}
	// Any name: what the scope defines first, then the language's.
	c.variables(decl, start, prefix)
	c.maps(start, prefix)
	c.macrosAndFns(start, prefix)
	c.builtins(decl, start, prefix)
	c.libraryMacros(start, prefix)
	c.keywords(start, prefix)
	c.cNames(start, prefix)
	if prev != nil && prev.Kind == scanner.LPAREN {
		c.castTypes(start, prefix)
	}
}

// members offers the fields of the expression that ends at leftEnd.
func (c *completer) members(decl ast.Decl, leftEnd, start source.Pos, prefix string) {
	x := nodeEndingAt(decl, leftEnd)
	if x == nil {
		return
	}
	r := newResolver(c.snap, decl)
	v := r.typeOf(x)
	members := r.members(v)
	// Big kernel structs (task_struct has 250 members) send their
	// members' documentation on resolve, keeping the list small.
	lazyDocs := len(members) > lazyMemberDocs && c.kernel() != nil
	for _, m := range members {
		if c.ctx.Err() != nil {
			return
		}
		if !strings.HasPrefix(m.Name, prefix) {
			continue
		}
		ld := &labelDetails{Detail: " " + m.Type}
		if m.Offset >= 0 {
			ld.Description = "+" + strconv.Itoa(m.Offset)
		}
		it := completionItem{Label: m.Name, Kind: protocol.CompletionItemKindField, Detail: m.Type,
			LabelDetails: ld, TextEdit: c.edit(start, m.Name)}
		if lazyDocs && isKernelStructName(m.Owner) {
			it.Data = &resolveData{URI: c.snap.URI, Kind: "member", Module: m.Owner, Name: m.Name}
		} else {
			it.Documentation = c.doc(describeMember(m))
		}
		c.add(it)
	}
}

// lazyMemberDocs is the number of members above which their
// documentation comes with completionItem/resolve.
const lazyMemberDocs = 50

// isKernelStructName reports whether owner names a struct or union the
// kernel index can look up again ("struct task_struct").
func isKernelStructName(owner string) bool {
	return (strings.HasPrefix(owner, "struct ") || strings.HasPrefix(owner, "union ")) && !strings.Contains(owner, "<")
}

// typeNames offers struct, union or enum names: the script's own C
// definitions, imported C, and the kernel's.
func (c *completer) typeNames(keyword string, start source.Pos, prefix string) {
	kind := map[string]btfindex.TypeKind{"struct": btfindex.StructKind, "union": btfindex.UnionKind, "enum": btfindex.EnumKind}[keyword]
	for _, f := range c.snap.Files() {
		for _, d := range f.Decls {
			cd, ok := d.(*ast.CDecl)
			if !ok || cd.Kind != ast.CDefinition {
				continue
			}
			name := cDefinitionName(cd.Text)
			if rest, ok := strings.CutPrefix(name, keyword+" "); ok && strings.HasPrefix(rest, prefix) {
				c.add(completionItem{Label: rest, Kind: protocol.CompletionItemKindStruct, Detail: name + " (script)",
					TextEdit: c.edit(start, rest), SortText: "0" + rest})
			}
		}
	}
	if cs := c.snap.C; cs != nil {
		for _, name := range cs.Names() {
			if rest, ok := strings.CutPrefix(name, keyword+" "); ok && strings.HasPrefix(rest, prefix) {
				c.add(completionItem{Label: rest, Kind: protocol.CompletionItemKindStruct, Detail: name + " (C)",
					TextEdit: c.edit(start, rest), SortText: "0" + rest})
			}
		}
	}
	if k := c.kernel(); k != nil && k.ix.HasBTF() {
		seen := map[string]bool{}
		for _, tn := range k.ix.TypeNames(prefix, kind) {
			if seen[tn.Name] {
				continue
			}
			seen[tn.Name] = true
			it := completionItem{Label: tn.Name, Kind: protocol.CompletionItemKindStruct, Detail: tn.CName(),
				TextEdit: c.edit(start, tn.Name), SortText: "1" + tn.Name}
			if kind == btfindex.EnumKind {
				it.Kind = protocol.CompletionItemKindEnum
			}
			if tn.Module != "vmlinux" && tn.Module != "" {
				it.Detail += " [" + tn.Module + "]"
			}
			c.add(it)
			if len(c.items) > 4*maxKernelItems {
				c.incomplete = true
				break
			}
		}
	}
	c.capItems()
}

// bpftraceTypes are the type names bpftrace itself defines, for casts.
var bpftraceTypes = []string{"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "string", "inet", "buffer"}

// castTypes offers what can follow '(' in a cast: the type keywords and
// bpftrace's own type names.
func (c *completer) castTypes(start source.Pos, prefix string) {
	for _, kw := range []string{"struct", "union", "enum"} {
		if strings.HasPrefix(kw, prefix) {
			c.add(completionItem{Label: kw, Kind: protocol.CompletionItemKindKeyword, TextEdit: c.edit(start, kw), SortText: "5" + kw})
		}
	}
	for _, t := range bpftraceTypes {
		if strings.HasPrefix(t, prefix) {
			c.add(completionItem{Label: t, Kind: protocol.CompletionItemKindTypeParameter, Detail: "type",
				TextEdit: c.edit(start, t), SortText: "5" + t})
		}
	}
}

// maps offers every map of the program, with its type when known.
func (c *completer) maps(start source.Pos, prefix string) {
	name := strings.TrimPrefix(prefix, "@")
	if prefix != "" && !strings.HasPrefix(prefix, "@") && !isIdentText(prefix) {
		return
	}
	found := map[string]bool{}
	for _, f := range c.snap.Files() {
		ast.Inspect(f, func(n ast.Node) bool {
			if m, ok := n.(*ast.MapExpr); ok && m.Name != "" && !m.Span().Contains(c.pos) {
				found[m.Name] = true
			}
			return true
		})
	}
	for _, m := range sortedKeys(found) {
		if !strings.HasPrefix(m, name) {
			continue
		}
		detail := "map"
		if c.snap.Program != nil {
			if mi := c.snap.Program.Map("@" + m); mi != nil {
				detail = mapTypeString(mi)
			}
		}
		c.add(completionItem{Label: "@" + m, Kind: protocol.CompletionItemKindVariable, Detail: detail,
			TextEdit: c.edit(start, "@"+m), SortText: "0@" + m, FilterText: "@" + m})
	}
}

// mapTypeString renders a map's key and value types.
func mapTypeString(mi *check.MapInfo) string {
	val := "?"
	if isKnownType(mi.Value) {
		val = mi.Value.String()
	}
	if mi.Key == nil {
		return val
	}
	key := "?"
	if isKnownType(mi.Key) {
		key = mi.Key.String()
	}
	return "[" + key + "] " + val
}

// variables offers the scratch variables of the enclosing item (and the
// parameters of a fn or macro).
func (c *completer) variables(decl ast.Decl, start source.Pos, prefix string) {
	name := strings.TrimPrefix(prefix, "$")
	if prefix != "" && !strings.HasPrefix(prefix, "$") && !isIdentText(prefix) {
		return
	}
	info := c.snap.Info()
	types := map[string]string{}
	var order []string
	note := func(v *ast.Variable) {
		if v.Name == "" || v.Span().Contains(c.pos) {
			return
		}
		if _, ok := types[v.Name]; !ok {
			order = append(order, v.Name)
			types[v.Name] = ""
		}
		if info != nil && types[v.Name] == "" {
			if t := info.Types[v]; isKnownType(t) {
				types[v.Name] = t.String()
			}
		}
	}
	ast.Inspect(decl, func(n ast.Node) bool {
		if v, ok := n.(*ast.Variable); ok {
			note(v)
		}
		return true
	})
	sort.Strings(order)
	for _, v := range order {
		if !strings.HasPrefix(v, name) {
			continue
		}
		detail := types[v]
		if detail == "" {
			detail = "variable"
		}
		c.add(completionItem{Label: "$" + v, Kind: protocol.CompletionItemKindVariable, Detail: detail,
			TextEdit: c.edit(start, "$"+v), SortText: "0$" + v, FilterText: "$" + v})
	}
}

func isIdentText(s string) bool {
	for i := 0; i < len(s); i++ {
		if !scanner.IsIdentChar(s[i]) {
			return false
		}
	}
	return true
}

// macrosAndFns offers the macros and fns of the program.
func (c *completer) macrosAndFns(start source.Pos, prefix string) {
	if !isIdentText(prefix) {
		return
	}
	for _, f := range c.snap.Files() {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.MacroDecl:
				if d.Name == nil || !strings.HasPrefix(d.Name.Name, prefix) || d.Name.Span().Contains(c.pos) {
					continue
				}
				sig := macroSignature(d, f)
				it := completionItem{Label: d.Name.Name, Kind: protocol.CompletionItemKindFunction, Detail: sig,
					Documentation: c.doc(macroDocComment(f, d)), TextEdit: c.edit(start, d.Name.Name), SortText: "1" + d.Name.Name}
				if c.snippets && d.HasParens {
					it.InsertTextFormat = protocol.InsertTextFormatSnippet
					it.TextEdit = c.edit(start, d.Name.Name+"($0)")
				}
				c.add(it)
			case *ast.FnDecl:
				if d.Name == nil || !strings.HasPrefix(d.Name.Name, prefix) || d.Name.Span().Contains(c.pos) {
					continue
				}
				it := completionItem{Label: d.Name.Name, Kind: protocol.CompletionItemKindFunction, Detail: fnSignature(d, f),
					Documentation: c.doc(docComment(f, d)), TextEdit: c.edit(start, d.Name.Name), SortText: "1" + d.Name.Name}
				if c.snippets {
					it.InsertTextFormat = protocol.InsertTextFormatSnippet
					it.TextEdit = c.edit(start, d.Name.Name+"($0)")
				}
				c.add(it)
			}
		}
	}
}

// libraryMacros offers the standard library's macros the script may
// call, one item per name with its forms.
func (c *completer) libraryMacros(start source.Pos, prefix string) {
	if !isIdentText(prefix) {
		return
	}
	lib := libraryMacros(c.snap)
	for _, name := range slices.Sorted(maps.Keys(lib)) {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		forms := lib[name]
		first := forms[0]
		sigs := make([]string, len(forms))
		bare, call := false, false
		for i, m := range forms {
			sigs[i] = macroSignature(m.Decl, m.File)
			if len(m.Decl.Params) == 0 {
				bare = true
			} else {
				call = true
			}
		}
		doc := "```bpftrace\n" + strings.Join(sigs, "\n") + "\n```"
		if d := macroDocComment(first.File, first.Decl); d != "" {
			doc += "\n\n" + d
		}
		it := completionItem{Label: name, Kind: protocol.CompletionItemKindFunction, Detail: sigs[0],
			Documentation: c.doc(doc), TextEdit: c.edit(start, name), SortText: "2" + name}
		if bare && !call {
			it.Kind = protocol.CompletionItemKindVariable
		}
		if c.snippets && call && !bare {
			it.InsertTextFormat = protocol.InsertTextFormatSnippet
			it.TextEdit = c.edit(start, name+"($0)")
		}
		if len(forms) > 1 {
			it.LabelDetails = &labelDetails{Description: fmt.Sprintf("+%d overloads", len(forms)-1)}
		}
		c.add(it)
	}
}

// allowedProviders returns the providers whose rules apply to builtins
// at decl: a probe's, "" for a fn (no probe context), nil for a macro
// (expanded into probes, so anything goes).
func allowedProviders(decl ast.Decl) []string {
	switch d := decl.(type) {
	case *ast.Probe:
		var out []string
		for _, ap := range d.AttachPoints {
			if ap.Provider != "" {
				out = append(out, ap.Provider)
			}
		}
		return out
	case *ast.FnDecl:
		return []string{""}
	}
	return nil
}

// builtins offers the builtin variables and functions allowed here.
func (c *completer) builtins(decl ast.Decl, start source.Pos, prefix string) {
	if !isIdentText(prefix) {
		return
	}
	provs := allowedProviders(decl)
	for _, b := range builtins.All() {
		if b.Removed != "" || b.Kind == builtins.TypeOp {
			continue
		}
		allowed := true
		for _, p := range provs {
			if !b.AllowedIn(p) {
				allowed = false
			}
		}
		if !allowed {
			continue
		}
		names := []string{b.Name}
		if b.Numbered {
			base := strings.TrimSuffix(b.Name, "N")
			names = names[:0]
			for i := 0; i < 6; i++ {
				names = append(names, base+strconv.Itoa(i))
			}
		}
		for _, name := range names {
			if !strings.HasPrefix(name, prefix) {
				continue
			}
			it := completionItem{Label: name, Detail: b.Variants[0].String(),
				Documentation: c.doc(builtins.Markdown(b)), TextEdit: c.edit(start, name), SortText: "2" + name}
			if b.HasBare() {
				it.Kind = protocol.CompletionItemKindVariable
			} else {
				it.Kind = protocol.CompletionItemKindFunction
				if c.snippets {
					it.InsertTextFormat = protocol.InsertTextFormatSnippet
					it.TextEdit = c.edit(start, name+"($0)")
				}
			}
			if len(b.Variants) > 1 {
				it.LabelDetails = &labelDetails{Description: fmt.Sprintf("+%d overloads", len(b.Variants)-1)}
			}
			if b.Deprecated != "" {
				it.Tags = []protocol.CompletionItemTag{protocol.CompletionItemTagDeprecated}
				it.Deprecated = true
				it.SortText = "9" + name
			}
			c.add(it)
		}
	}
	for _, op := range []string{"sizeof", "offsetof", "typeof"} {
		if strings.HasPrefix(op, prefix) {
			b, _ := builtins.Lookup(op)
			it := completionItem{Label: op, Kind: protocol.CompletionItemKindKeyword, TextEdit: c.edit(start, op), SortText: "3" + op}
			if b != nil {
				it.Detail = b.Variants[0].String()
				it.Documentation = c.doc(builtins.Markdown(b))
			}
			c.add(it)
		}
	}
}

var codeKeywords = []string{"if", "else", "for", "while", "unroll", "return", "break", "continue", "let", "true", "false", "comptime"}

func (c *completer) keywords(start source.Pos, prefix string) {
	if prefix == "" || !isIdentText(prefix) {
		return // not while the user has typed nothing: names come first
	}
	for _, kw := range codeKeywords {
		if strings.HasPrefix(kw, prefix) {
			c.add(completionItem{Label: kw, Kind: protocol.CompletionItemKindKeyword, TextEdit: c.edit(start, kw), SortText: "3" + kw})
		}
	}
}

// cNames offers the functions and #define constants of the script's C
// and the C it imports.
func (c *completer) cNames(start source.Pos, prefix string) {
	if !isIdentText(prefix) {
		return
	}
	if cs := c.snap.C; cs != nil {
		for _, name := range cs.Names() {
			if !strings.HasPrefix(name, prefix) {
				continue
			}
			if f, ok := cs.Func(name); ok {
				it := completionItem{Label: name, Kind: protocol.CompletionItemKindFunction, Detail: strings.TrimSuffix(f.Decl, ";"),
					TextEdit: c.edit(start, name), SortText: "1" + name}
				if f.Loc.Path != "" {
					it.Documentation = c.doc(fmt.Sprintf("C function from `%s`", f.Loc.Path))
				}
				if c.snippets {
					it.InsertTextFormat = protocol.InsertTextFormatSnippet
					it.TextEdit = c.edit(start, name+"($0)")
				}
				c.add(it)
			} else if d, ok := cs.Define(name); ok {
				c.add(completionItem{Label: name, Kind: protocol.CompletionItemKindConstant,
					Detail: fmt.Sprintf("#define %s %v", name, d.Value), TextEdit: c.edit(start, name), SortText: "1" + name})
			}
		}
		return
	}
	// Without a C scope (not analysed yet), the script's own #defines.
	for _, d := range c.snap.AST.Decls {
		cd, ok := d.(*ast.CDecl)
		if !ok || cd.Kind != ast.CPreprocessor {
			continue
		}
		name, value, ok := defineName(cd.Text)
		if ok && strings.HasPrefix(name, prefix) {
			c.add(completionItem{Label: name, Kind: protocol.CompletionItemKindConstant, Detail: "#define " + name + " " + value,
				TextEdit: c.edit(start, name), SortText: "1" + name})
		}
	}
}

// defineName returns the name and value of an object-like #define.
func defineName(text string) (string, string, bool) {
	t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text), "#"))
	rest, ok := strings.CutPrefix(t, "define")
	if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return "", "", false
	}
	rest = strings.TrimSpace(rest)
	i := 0
	for i < len(rest) && scanner.IsIdentChar(rest[i]) {
		i++
	}
	if i == 0 || (i < len(rest) && rest[i] == '(') {
		return "", "", false
	}
	return rest[:i], strings.TrimSpace(rest[i:]), true
}

// config completes inside `config = { ... }`: keys at the start of an
// entry, values after `key =`.
func (c *completer) config(d *ast.ConfigBlock) {
	text := c.snap.File.Text
	toks := scanTokens(text, d.Pos(), c.pos)
	cur, before, ok := cursorToken(toks, c.pos)
	if !ok || (c.trigger != "" && c.trigger != "(") {
		return
	}
	start, prefix := c.pos, ""
	if cur != nil {
		if cur.Kind != scanner.IDENT {
			return
		}
		start, prefix = cur.Pos, string(text[cur.Pos:c.pos])
	}
	n := len(before)
	if n == 0 {
		return
	}
	last := before[n-1]
	switch {
	case last.Kind == scanner.LBRACE || last.Kind == scanner.SEMI:
		for _, k := range builtins.ConfigKeys {
			if k.EnvOnly || k.NoEffect || k.RenamedTo != "" || !strings.HasPrefix(k.Name, strings.ToLower(prefix)) {
				continue
			}
			md := fmt.Sprintf("**%s** (%s, default %s)\n\n%s\n\nEnvironment: `%s`", k.Name, k.Type, k.Default, k.Doc, k.Env)
			it := completionItem{Label: k.Name, Kind: protocol.CompletionItemKindProperty, Detail: k.Type.String(),
				Documentation: c.doc(md), TextEdit: c.edit(start, k.Name)}
			if c.snippets {
				it.InsertTextFormat = protocol.InsertTextFormatSnippet
				it.TextEdit = c.edit(start, k.Name+" = $0;")
			}
			c.add(it)
		}
	case last.Kind == scanner.ASSIGN && n >= 2 && before[n-2].Kind == scanner.IDENT && before[n-2].Lit != "config":
		k, ok := builtins.LookupConfig(before[n-2].Lit)
		if !ok {
			return
		}
		k = k.Current()
		var values []string
		switch k.Type {
		case builtins.ConfigBool:
			values = []string{"true", "false"}
		case builtins.ConfigEnum:
			values = k.Values
			if k.Bools {
				values = append(values, "true", "false")
			}
		}
		for _, v := range values {
			insert := v
			if strings.ContainsAny(v, " /") {
				insert = strconv.Quote(v)
			}
			if strings.HasPrefix(insert, prefix) || strings.HasPrefix(v, prefix) {
				c.add(completionItem{Label: insert, Kind: protocol.CompletionItemKindEnumMember, Detail: k.Name,
					TextEdit: c.edit(start, insert)})
			}
		}
	}
}

// mapDeclKind completes the kind of a map declaration the parser could
// not make out yet (`let @m = |` at the top level), from the tokens of
// the line; it reports whether the cursor is in one.
func (c *completer) mapDeclKind(decl ast.Decl) bool {
	text := c.snap.File.Text
	lineStart := c.snap.File.LineStart(c.snap.File.Position(c.pos).Line)
	if decl != nil && decl.Pos() > lineStart {
		lineStart = decl.Pos()
	}
	toks := scanTokens(text, lineStart, c.pos)
	cur, before, ok := cursorToken(toks, c.pos)
	if !ok || len(before) != 3 || before[0].Kind != scanner.IDENT || before[0].Lit != "let" ||
		before[1].Kind != scanner.MAP || before[2].Kind != scanner.ASSIGN || (cur != nil && cur.Kind != scanner.IDENT) {
		return false
	}
	start, prefix := c.pos, ""
	if cur != nil {
		start, prefix = cur.Pos, string(text[cur.Pos:c.pos])
	}
	c.mapKinds(start, prefix)
	return true
}

// mapDecl completes the kind in `let @m = kind(n);`.
func (c *completer) mapDecl(d *ast.MapDecl) {
	text := c.snap.File.Text
	toks := scanTokens(text, d.Pos(), c.pos)
	cur, before, ok := cursorToken(toks, c.pos)
	if !ok || len(before) == 0 || before[len(before)-1].Kind != scanner.ASSIGN || c.trigger != "" {
		return
	}
	start, prefix := c.pos, ""
	if cur != nil {
		start, prefix = cur.Pos, string(text[cur.Pos:c.pos])
	}
	c.mapKinds(start, prefix)
}

// mapKinds offers the map declaration kinds.
func (c *completer) mapKinds(start source.Pos, prefix string) {
	for _, k := range builtins.MapKinds {
		if strings.HasPrefix(k.Name, prefix) {
			it := completionItem{Label: k.Name, Kind: protocol.CompletionItemKindClass, Detail: k.BPFType,
				Documentation: c.doc(k.Doc), TextEdit: c.edit(start, k.Name)}
			if c.snippets {
				it.InsertTextFormat = protocol.InsertTextFormatSnippet
				it.TextEdit = c.edit(start, k.Name+"(${1:1024})")
			}
			c.add(it)
		}
	}
}
