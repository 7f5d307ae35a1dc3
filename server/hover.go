package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cilium/ebpf/btf"
	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/btfindex"
)

func init() {
	register("textDocument/hover", hover)
	capabilityHooks = append(capabilityHooks, func(s *Server, c *serverCapabilities) { c.HoverProvider = true })
}

// hover describes what is under the cursor: a builtin, map, variable,
// field, attach point, macro, fn, type or config key.
func hover(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p docPositionParams
	snap, pos, err := s.snapshotAt(params, &p)
	if err != nil {
		return nil, err
	}
	md, span := hoverText(snap, pos)
	if md == "" {
		return nil, nil
	}
	s.mu.Lock()
	markdown := s.clientCaps.markdown()
	s.mu.Unlock()
	content := protocol.MarkupContent{Kind: protocol.Markdown, Value: md}
	if !markdown {
		content = protocol.MarkupContent{Kind: protocol.PlainText, Value: plainText(md)}
	}
	r := lspRange(snap.File, span, s.positionEncoding())
	return protocol.Hover{Contents: content, Range: &r}, nil
}

// hoverText returns the Markdown for the node at pos and the span it
// describes.
func hoverText(snap *Snapshot, pos source.Pos) (string, source.Span) {
	path := ast.NodeAt(snap.AST, pos)
	if len(path) < 2 {
		return "", source.Span{}
	}
	n := path[len(path)-1]
	parent := path[len(path)-2]
	decl, _ := path[1].(ast.Decl)
	h := &hoverer{snap: snap, decl: decl}
	switch n := n.(type) {
	case *ast.Ident:
		return h.ident(n, path), n.Span()
	case *ast.MapExpr:
		return h.mapHover(n.Name), n.Span()
	case *ast.Variable:
		return h.variable(n, parent), n.Span()
	case *ast.AttachField:
		if ap, ok := parent.(*ast.AttachPoint); ok {
			return h.attachPoint(ap), n.Span()
		}
	case *ast.AttachPoint:
		return h.attachPoint(n), n.Span()
	case *ast.PositionalParam:
		if n.Count {
			return "`$#`: the number of positional parameters given on the command line", n.Span()
		}
		return fmt.Sprintf("`$%d`: positional parameter %d from the command line", n.N, n.N), n.Span()
	case *ast.IntLit:
		if n.Overflow {
			return "", source.Span{}
		}
		return fmt.Sprintf("```\n%d\n0x%x\n```", n.Value, n.Value), n.Span()
	case *ast.TypeExpr:
		return h.typeExpr(n), n.Span()
	case *ast.StringLit:
		if _, ok := parent.(*ast.ImportDecl); ok {
			return h.importHover(n), n.Span()
		}
		if _, ok := parent.(*ast.ImportStmt); ok {
			return h.importHover(n), n.Span()
		}
	}
	return "", source.Span{}
}

type hoverer struct {
	snap *Snapshot
	decl ast.Decl
}

// ident describes a bare identifier by what it names in context.
func (h *hoverer) ident(id *ast.Ident, path []ast.Node) string {
	parent := path[len(path)-2]
	info := h.snap.Info()
	switch p := parent.(type) {
	case *ast.FieldExpr:
		if p.Field == id {
			return h.field(p)
		}
	case *ast.CallExpr:
		if p.Fun == id {
			return h.call(p)
		}
	case *ast.MacroDecl:
		if p.Name == id {
			return h.macroDoc(p, h.fileOf(p))
		}
	case *ast.FnDecl:
		if p.Name == id {
			return h.fnDoc(p, h.fileOf(p))
		}
	case *ast.ConfigEntry:
		if p.Key == id {
			return configDoc(id.Name)
		}
	case *ast.TypeExpr:
		return h.typeExpr(p)
	case *ast.MapDecl:
		if p.Kind == id {
			if k, ok := builtins.LookupMapKind(id.Name); ok {
				return fmt.Sprintf("**%s** (`%s`)\n\n%s", k.Name, k.BPFType, k.Doc)
			}
		}
	}
	if info != nil {
		if ci := info.IdentCalls[id]; ci != nil && ci.Symbol != nil {
			return h.symbolDoc(ci.Symbol)
		}
		if sym := info.SymbolOf(id); sym != nil && sym.Kind != check.SymBuiltin {
			return h.symbolDoc(sym)
		}
	}
	if b, ok := builtins.Lookup(id.Name); ok {
		md := builtins.Markdown(b)
		if info != nil {
			if t := info.Types[id]; isKnownType(t) {
				md = fmt.Sprintf("`%s`: `%s`\n\n", id.Name, t) + md
			}
		}
		if id.Name == "args" {
			if a := newResolver(h.snap, h.decl).probeArgs(probeOf(h.decl)); a != nil {
				md += "\n\n" + argsDoc(a)
			}
		}
		return md
	}
	if m := h.macroNamed(id.Name); m != nil {
		return h.macroDoc(m, h.fileOf(m))
	}
	return ""
}

// call describes the function a call names.
func (h *hoverer) call(call *ast.CallExpr) string {
	if info := h.snap.Info(); info != nil {
		if ci := info.Calls[call]; ci != nil {
			switch ci.Kind {
			case check.SymMacro, check.SymFn, check.SymCFunc:
				if ci.Symbol != nil {
					return h.symbolDoc(ci.Symbol)
				}
			}
		}
	}
	if call.Fun == nil {
		return ""
	}
	if !call.Bang {
		if b, ok := builtins.Lookup(call.Fun.Name); ok {
			return builtins.Markdown(b)
		}
	}
	if m := h.macroNamed(call.Fun.Name); m != nil {
		return h.macroDoc(m, h.fileOf(m))
	}
	for _, f := range h.snap.Files() {
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FnDecl); ok && fn.Name != nil && fn.Name.Name == call.Fun.Name {
				return h.fnDoc(fn, f)
			}
		}
	}
	return ""
}

func (h *hoverer) macroNamed(name string) *ast.MacroDecl {
	for _, f := range h.snap.Files() {
		for _, d := range f.Decls {
			if m, ok := d.(*ast.MacroDecl); ok && m.Name != nil && m.Name.Name == name {
				return m
			}
		}
	}
	return nil
}

// fileOf returns the file holding a top-level item: the program's, or
// the standard library's.
func (h *hoverer) fileOf(d ast.Node) *ast.File {
	if f := libraryFileOf(d); f != nil {
		return f
	}
	if f := declFile(h.snap.Files(), d); f != nil {
		return f
	}
	return h.snap.AST
}

func (h *hoverer) macroDoc(m *ast.MacroDecl, f *ast.File) string {
	md := "```bpftrace\n" + macroSignature(m, f) + "\n```"
	if doc := macroDocComment(f, m); doc != "" {
		md += "\n\n" + doc
	}
	if path, ok := libraryPath(f.Source); ok {
		md += libraryNote(path, f.Source.Position(m.Name.Pos()).Line)
	}
	return md
}

func (h *hoverer) fnDoc(fn *ast.FnDecl, f *ast.File) string {
	md := "```bpftrace\n" + fnSignature(fn, f) + "\n```"
	if doc := docComment(f, fn); doc != "" {
		md += "\n\n" + doc
	}
	return md
}

// symbolDoc describes a symbol the checker resolved.
func (h *hoverer) symbolDoc(sym *check.Symbol) string {
	switch sym.Kind {
	case check.SymMacro:
		if m, ok := sym.Decl.(*ast.MacroDecl); ok && m.Name != nil {
			return h.macroDoc(m, h.fileOf(m))
		}
	case check.SymFn:
		if fn, ok := sym.Decl.(*ast.FnDecl); ok && fn.Name != nil {
			return h.fnDoc(fn, h.fileOf(fn))
		}
	case check.SymMap:
		return h.mapHover(strings.TrimPrefix(sym.Name, "@"))
	case check.SymConfig:
		return configDoc(sym.Name)
	case check.SymCFunc, check.SymCType, check.SymDefine:
		md := "**" + sym.Name + "** (" + sym.Kind.String() + ")"
		if sym.Doc != "" {
			md = "```c\n" + sym.Doc + "\n```"
		}
		if d, ok := libraryCFuncDef(sym); ok {
			md += libraryNote(d.Path, d.Line) // the object's source
		} else if sym.Loc != nil {
			md += fmt.Sprintf("\n\nDefined in `%s` line %d", sym.Loc.Path, sym.Loc.Line)
		}
		return md
	}
	md := fmt.Sprintf("**%s** (%s)", sym.Name, sym.Kind)
	if isKnownType(sym.Type) {
		md = fmt.Sprintf("```bpftrace\n%s: %s\n```\n%s", sym.Name, sym.Type, sym.Kind)
	}
	if sym.Doc != "" {
		md += "\n\n" + sym.Doc
	}
	return md
}

// mapHover describes map @name: its key and value types, its kind, and
// where it is declared or first typed.
func (h *hoverer) mapHover(name string) string {
	var b strings.Builder
	prog := h.snap.Program
	var mi *check.MapInfo
	if prog != nil {
		mi = prog.Map("@" + name)
	}
	if mi == nil {
		return fmt.Sprintf("```bpftrace\n@%s\n```\nmap", name)
	}
	fmt.Fprintf(&b, "```bpftrace\n@%s", name)
	if mi.Key != nil {
		fmt.Fprintf(&b, "[%s]", typeOrUnknown(mi.Key))
	}
	fmt.Fprintf(&b, ": %s\n```\n", typeOrUnknown(mi.Value))
	var facts []string
	if mi.Kind != "" {
		facts = append(facts, "kind `"+mi.Kind+"`")
	}
	if mi.MaxEntries > 0 {
		facts = append(facts, fmt.Sprintf("%d entries", mi.MaxEntries))
	}
	if mi.Decl != nil {
		facts = append(facts, "declared "+h.where(mi.Decl))
	}
	if mi.Typed != nil {
		facts = append(facts, "value first typed "+h.where(mi.Typed))
	}
	if len(facts) > 0 {
		b.WriteString("map: " + strings.Join(facts, ", "))
	}
	if cm := mi.C; cm != nil {
		how := "defined in C"
		if cm.Extern {
			how = "shared with C, which declares it extern"
		}
		fmt.Fprintf(&b, "\n\n%s (`%s`)", how, cm.Loc.Path)
		if cm.Decl != "" {
			fmt.Fprintf(&b, ":\n```c\n%s\n```", cm.Decl)
		}
	}
	return b.String()
}

func typeOrUnknown(t types.Type) string {
	if !isKnownType(t) {
		return "?"
	}
	return t.String()
}

// where renders "at line N" (and the file when it is not this one).
func (h *hoverer) where(n ast.Node) string {
	for _, f := range h.snap.Files() {
		if n.Pos() < f.Pos() || n.End() > f.End() || pathTo(f, n) == nil {
			continue
		}
		p := f.Source.Position(n.Pos())
		if f == h.snap.AST {
			return fmt.Sprintf("at line %d", p.Line)
		}
		return fmt.Sprintf("at %s:%d", p.Filename, p.Line)
	}
	return "elsewhere"
}

// variable describes a scratch variable: its type and where it is
// defined.
func (h *hoverer) variable(v *ast.Variable, parent ast.Node) string {
	info := h.snap.Info()
	typ := "?"
	var def ast.Node
	if info != nil {
		if t := info.Types[v]; isKnownType(t) {
			typ = t.String()
		}
		if sym := info.SymbolOf(v); sym != nil {
			if typ == "?" && isKnownType(sym.Type) {
				typ = sym.Type.String()
			}
			def = sym.Decl
			if sym.Kind == check.SymParam {
				return fmt.Sprintf("```bpftrace\n$%s: %s\n```\nparameter", v.Name, typ)
			}
		}
	}
	if typ == "?" {
		r := newResolver(h.snap, h.decl)
		if vt := r.variable(v.Name, v.End()+1); vt.btf != nil {
			typ = btfindex.CDecl(vt.btf, "")
		}
	}
	md := fmt.Sprintf("```bpftrace\n$%s: %s\n```\nscratch variable", v.Name, typ)
	if def != nil && def != ast.Node(v) {
		md += ", defined " + h.where(def)
	}
	return md
}

// field describes the member a field access reads.
func (h *hoverer) field(fe *ast.FieldExpr) string {
	r := newResolver(h.snap, h.decl)
	base := r.typeOf(fe.X)
	m, ok := r.member(base, fe.Field.Name)
	if !ok {
		return ""
	}
	md := describeMember(m)
	if m.btfOwner != nil {
		md += "\n\n" + structExcerpt(m.btfOwner, m.Name)
	}
	return md
}

// structExcerpt prints the C definition of a struct around one member:
// a few members before and after it, the rest elided.
func structExcerpt(owner btf.Type, member string) string {
	members, err := btfindex.Members(owner)
	if err != nil {
		return ""
	}
	idx := -1
	for i, m := range members {
		if m.Name == member {
			idx = i
		}
	}
	const window = 4
	var b strings.Builder
	fmt.Fprintf(&b, "```c\n%s {\n", btfindex.CDecl(owner, ""))
	lo, hi := 0, len(members)
	if idx >= 0 {
		lo, hi = max(0, idx-window), min(len(members), idx+window+1)
	} else if hi > 2*window {
		hi = 2 * window
	}
	if lo > 0 {
		b.WriteString("    ...\n")
	}
	for _, m := range members[lo:hi] {
		decl := m.CDecl()
		if m.Name == "" {
			decl = btfindex.CDecl(m.Type, "") + " { ... }"
		}
		fmt.Fprintf(&b, "    %s; // offset %d\n", decl, m.ByteOffset())
	}
	if hi < len(members) {
		b.WriteString("    ...\n")
	}
	b.WriteString("};\n```")
	return b.String()
}

// argsDoc lists a probe's arguments.
func argsDoc(a *probeArgs) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Arguments of `%s`:\n\n```c\n", a.Owner)
	for _, f := range a.Fields {
		b.WriteString("    " + f.Decl + ";")
		if f.Offset >= 0 {
			fmt.Fprintf(&b, " // offset %d", f.Offset)
		}
		b.WriteString("\n")
	}
	b.WriteString("```")
	return b.String()
}

// attachPoint describes an attach point: its provider and what the
// kernel says about its target.
func (h *hoverer) attachPoint(ap *ast.AttachPoint) string {
	p := probes.Lookup(ap.Provider)
	if p == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** — %s\n\n", p.Name, p.Summary)
	k := h.snap.Kernel
	roles := attachRoles(ap)
	if k != nil {
		r := newResolver(h.snap, h.decl)
		// first is the arguments of the first probe with some that ap
		// matches, as the checker's kernel adapter types them.
		var first *probeArgs
		switch p.Name {
		case "tracepoint":
			cat, ev := roles[probes.RoleCategory], roles[probes.RoleEvent]
			if btfindex.HasWildcard(cat) || btfindex.HasWildcard(ev) {
				// The format of that first match.
				cat, ev = "", ""
				if first = r.firstTargetArgs(ap); first != nil {
					if parts := strings.SplitN(first.Owner, ":", 3); len(parts) == 3 {
						cat, ev = parts[1], parts[2]
					}
				}
			}
			if doc := tracepointDoc(k, cat, ev); doc != "" {
				b.WriteString(doc)
				return b.String()
			}
		case "kprobe", "kretprobe", "fentry", "fexit":
			if fn := roles[probes.RoleFunc]; fn != "" && !btfindex.HasWildcard(fn) {
				if md, _ := kernelFuncDoc(k, roles[probes.RoleModule], fn); md != "" {
					b.WriteString(md)
					return b.String()
				}
			}
		}
		if first == nil {
			first = r.firstTargetArgs(ap)
		}
		if first != nil && len(first.Fields) > 0 {
			b.WriteString(argsDoc(first))
			return b.String()
		}
	}
	fmt.Fprintf(&b, "```bpftrace\n%s\n```", strings.Join(p.Forms, "\n"))
	return b.String()
}

// typeExpr describes a written type: the kernel's definition.
func (h *hoverer) typeExpr(te *ast.TypeExpr) string {
	r := newResolver(h.snap, h.decl)
	v := r.typeExpr(te)
	switch {
	case v.btf != nil:
		t := v.btf
		var b strings.Builder
		fmt.Fprintf(&b, "```c\n%s\n```\n", btfindex.CDecl(t, ""))
		if sz, err := btf.Sizeof(t); err == nil {
			fmt.Fprintf(&b, "size %d bytes", sz)
		}
		if st := derefBTF(t); st != nil && st == btfindex.Resolve(t) {
			b.WriteString("\n\n" + structExcerpt(st, ""))
		}
		return b.String()
	case v.t != nil:
		return fmt.Sprintf("```bpftrace\n%s\n```\nsize %d bytes", v.t, v.t.Size())
	}
	return ""
}

// importHover names the files an import brings in.
func (h *hoverer) importHover(lit *ast.StringLit) string {
	paths, err := resolveImport(h.snap.File.Name, lit.Value)
	if err != nil {
		return fmt.Sprintf("import %q: %v", lit.Value, err)
	}
	var b strings.Builder
	b.WriteString("Imports:\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "- `%s` (%s)\n", p, importKind(p))
	}
	return b.String()
}

// configDoc describes a config key.
func configDoc(name string) string {
	k, ok := builtins.LookupConfig(name)
	if !ok {
		return ""
	}
	md := fmt.Sprintf("**%s** (%s, default %s)\n\n%s", k.Name, k.Type, k.Default, k.Doc)
	if len(k.Values) > 0 {
		md += "\n\nValues: `" + strings.Join(k.Values, "`, `") + "`"
	}
	if k.RenamedTo != "" {
		md += "\n\nRenamed to `" + k.RenamedTo + "`."
	}
	if k.Env != "" {
		md += "\n\nEnvironment: `" + k.Env + "`"
	}
	return md
}
