package printer

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/source"
)

const (
	lineWidth   = 90 // bpftrace's default maximum width
	indentWidth = 2
)

// Fprint writes f in canonical form to w. Comments and blank lines are
// taken from f.Comments and f.Source; a tree without a Source (built by
// hand) prints without them.
func Fprint(w io.Writer, f *ast.File) error {
	_, err := io.WriteString(w, Sprint(f))
	return err
}

// Sprint returns f in canonical form.
func Sprint(f *ast.File) string { return sprint(f, false) }

// sprint prints f; with compat set it also copies bpftrace's formatter
// where this printer deliberately does better (lost comments, output
// that does not parse or means something else, output that changes on
// the next run). Tests use it to check the rest of the emulation against
// bpftrace byte for byte.
func sprint(f *ast.File, compat bool) string {
	p := &printer{file: f, normalized: map[*ast.BlockExpr]bool{}, compat: compat}
	if f.Source != nil {
		p.src = f.Source.Text
	}
	entries, class := collectMeta(f)
	if compat {
		for i := range entries {
			entries[i].compat = true
		}
	}
	p.class = class
	md := &metaIndex{entries: entries}
	return p.program(md).String()
}

type printer struct {
	file  *ast.File
	src   []byte
	class []byte // byte classes of src (see collectMeta)
	// normalized holds blocks whose trailing value prints as a statement
	// (bpftrace's parser turns a trailing expression of a probe, fn or
	// loop body into a statement, recursively through nested blocks).
	normalized map[*ast.BlockExpr]bool
	// pending are comments that no node of the original would print; they
	// go in front of the next expression formatted (see expr).
	pending []metaEntry
	compat  bool // see sprint
}

// ---------------------------------------------------------------------
// Top level

func (p *printer) program(md *metaIndex) *buffer {
	buf := newBuffer()
	if f := p.file; f.Shebang != nil {
		buf.text(f.Shebang.Text).lineBreak()
	}
	for _, d := range p.file.Decls {
		begin := declBegin(d)
		pre := md.before(begin)
		comments := md.before(begin)
		item := p.decl(d, md, lineWidth)
		local := newBuffer().metadata(comments, 0).add(item).lineBreak()
		buf.metadata(pre, 0).add(local)
	}
	buf.metadata(md, 0)
	return buf
}

func declBegin(d ast.Decl) source.Pos {
	if pr, ok := d.(*ast.Probe); ok && len(pr.AttachPoints) > 0 {
		return pr.AttachPoints[0].Pos()
	}
	return d.Pos()
}

func (p *printer) decl(d ast.Decl, md *metaIndex, w width) *buffer {
	switch d := d.(type) {
	case *ast.Probe:
		return p.probe(d, md, w)
	case *ast.MacroDecl:
		return p.macro(d, md, w)
	case *ast.FnDecl:
		return p.fn(d, md, w)
	case *ast.MapDecl:
		return p.mapDecl(d, md, w)
	case *ast.ConfigBlock:
		return p.config(d, md, w)
	case *ast.ImportDecl:
		return newBuffer().text("import \"" + d.Path.Value + "\";")
	case *ast.CDecl:
		return newBuffer().text(cText(d))
	case *ast.BadDecl:
		return newBuffer().text(p.verbatim(d))
	}
	panic(fmt.Sprintf("printer: unexpected declaration %T", d))
}

// cText is a C declaration as bpftrace keeps it: a preprocessor line
// without trailing blanks, a definition ended by exactly one `;`.
func cText(d *ast.CDecl) string {
	t := strings.TrimRight(d.Text, " \t\r\n")
	if d.Kind == ast.CPreprocessor || !strings.HasPrefix(t, "struct") && !strings.HasPrefix(t, "union") && !strings.HasPrefix(t, "enum") {
		return t // bpftrace knows no other C definitions: left as written
	}
	t = strings.TrimRight(strings.TrimSuffix(t, ";"), " \t\r\n")
	return t + ";"
}

func (p *printer) verbatim(n ast.Node) string {
	if p.src == nil || n.Pos() < 0 || int(n.End()) > len(p.src) || n.Pos() > n.End() {
		return ""
	}
	return string(p.src[n.Pos():n.End()])
}

func (p *printer) probe(pr *ast.Probe, md *metaIndex, w width) *buffer {
	var aps []*buffer
	for i, ap := range pr.AttachPoints {
		b := newBuffer().text(ap.Raw)
		if i < len(pr.AttachPoints)-1 {
			b.text(",")
		}
		aps = append(aps, b)
	}
	var predMD *metaIndex
	var pred *buffer
	if pr.Predicate != nil {
		predMD = md.before(ast.Unparen(pr.Predicate).Pos())
		var lead *metaIndex
		pred, lead = p.leading(md, func() *buffer { return p.expr(pr.Predicate, md, w, true) })
		if lead != nil {
			predMD.entries = append(predMD.entries, lead.entries...)
		}
	}
	// Without a predicate bpftrace's block starts at its brace; after one
	// it starts right after the closing slash, so what lies between goes
	// into the block.
	begin := pr.Body.Pos()
	if pr.Predicate != nil {
		begin = p.prevTokenEnd(begin)
	}
	blockMD := md.before(begin)
	if pr.Predicate != nil && !p.compat {
		// Comments between the predicate and its closing slash: bpftrace
		// prints them before the brace, and the next run moves them into
		// the block. They go into the block at once.
		md.prepend(blockMD.takeComments(), begin)
	}
	body := p.block(p.view(pr.Body, false, begin), md, w-2)
	buf := newBuffer()
	for _, b := range aps {
		buf.add(b).lineBreak()
	}
	if pred != nil {
		buf.metadata(predMD, -1).text("/")
		if c := pred.firstByte(); (c == '*' || c == '/') && !p.compat {
			// `/*p == 1/` and `//* c */ x/` would start a comment.
			buf.text(" ")
		}
		buf.add(pred).text("/").lineBreak()
	}
	return buf.metadata(blockMD, -1).text("{").addIndented(body).text("}")
}

func (p *printer) macro(m *ast.MacroDecl, md *metaIndex, w width) *buffer {
	args := p.list(len(m.Params), ", ", w-10, func(i int, aw width) *buffer {
		return p.expr(m.Params[i], md, aw, true)
	})
	// bpftrace's block starts right after the parameter list, so a comment
	// between `)` and `{` goes into the block; but one inside the list
	// prints on a line between them, and the next run then moves it into
	// the block. Here it goes into the block at once.
	begin := p.prevTokenEnd(m.Body.Pos())
	blockMD := md.before(begin)
	if !p.compat {
		md.prepend(blockMD.takeComments(), begin)
	}
	body := p.block(p.view(m.Body, true, begin), md, w-indentWidth)
	return newBuffer().text("macro ").text(m.Name.Name).text("(").add(args).text(")").
		metadata(blockMD, 1).text("{").addIndented(body).text("}")
}

func (p *printer) fn(f *ast.FnDecl, md *metaIndex, w width) *buffer {
	name := f.Name.Name
	var blockMD *metaIndex
	// A plain result type swallows the blanks after it; typeof(...) does
	// not.
	begin := f.Body.Pos()
	if f.Result == nil || f.Result.Typeof != nil {
		begin = p.prevTokenEnd(begin)
		if !p.compat {
			// As for macros: the comments bpftrace would print after the
			// header move into the block on its next run; do it now.
			blockMD = md.before(begin)
			md.prepend(blockMD.takeComments(), begin)
		}
	}
	if blockMD == nil {
		blockMD = md.before(begin)
	}
	var ret *buffer
	if f.Result != nil {
		ret = p.typeExpr(f.Result, md, w-width(len(name)+7))
	}
	args := p.list(len(f.Params), ", ", w-width(len(name)+5), func(i int, aw width) *buffer {
		pa := f.Params[i]
		vn := "$" + pa.Var.Name
		b := newBuffer().text(vn)
		if pa.Type != nil {
			b.text(" : ").add(p.typeExpr(pa.Type, md, aw-width(len(vn)+3)))
		}
		return b
	})
	body := p.block(p.view(f.Body, false, begin), md, w-indentWidth)
	retw := width(0)
	if ret != nil {
		retw = ret.width()
	}
	decl := newBuffer().text("fn ").text(name).text("(")
	if args.numLines() > 1 || args.width()+retw+12 > w {
		decl.appendBuf(args, indentWidth, true)
	} else {
		decl.add(args)
	}
	decl.text(")")
	if ret != nil {
		decl.text(" : ").add(ret)
	}
	return decl.metadata(blockMD, -1).lineBreak().text("{").addIndented(body).text("}")
}

func (p *printer) mapDecl(d *ast.MapDecl, md *metaIndex, w width) *buffer {
	b := newBuffer().text("let ").text(mapName(d.Map.Name)).text(" = ").text(d.Kind.Name).text("(")
	for i, a := range d.Args {
		if i > 0 {
			b.text(", ")
		}
		if lit, ok := ast.Unparen(a).(*ast.IntLit); ok && !lit.Overflow {
			b.text(strconv.FormatUint(lit.Value, 10))
		} else {
			b.add(p.expr(a, md, w, true))
		}
	}
	return b.text(");")
}

func (p *printer) config(c *ast.ConfigBlock, md *metaIndex, w width) *buffer {
	// bpftrace's formatter never claims the comments of a config block, so
	// they would move below it; they are kept inside instead. Its blank
	// lines do move below it, as in bpftrace.
	block := newBuffer()
	for _, e := range c.Entries {
		var comments *metaIndex
		if !p.compat {
			comments = md.commentsBefore(e.Pos())
		}
		entry := newBuffer().text(e.Key.Name).text(" = ").add(p.configValue(e.Value, md, w-indentWidth)).text(";")
		if block.numLines() > 0 {
			block.lineBreak()
		}
		block.add(newBuffer().metadata(comments, 0).add(entry))
	}
	if !p.compat {
		block.metadata(md.commentsBefore(c.End()), -1)
	}
	if block.numLines() == 0 {
		return newBuffer().text("config = {}")
	}
	return newBuffer().text("config = {").addIndented(block).text("}")
}

func (p *printer) configValue(v ast.Expr, md *metaIndex, w width) *buffer {
	switch v := ast.Unparen(v).(type) {
	case *ast.BoolLit:
		return newBuffer().text(strconv.FormatBool(v.Value))
	case *ast.IntLit:
		if !v.Overflow {
			return newBuffer().text(strconv.FormatUint(v.Value, 10))
		}
	case *ast.StringLit:
		// bpftrace writes any string that needs no escaping without quotes;
		// only identifiers read back that way.
		if isIdentifier(v.Value) || p.compat && escape(v.Value) == v.Value {
			return newBuffer().text(v.Value)
		}
		return newBuffer().text(`"` + escape(v.Value) + `"`)
	case *ast.Ident:
		return newBuffer().text(v.Name)
	}
	return p.expr(v, md, w, true)
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// ---------------------------------------------------------------------
// Blocks and statements

// item is one statement of a block as bpftrace's parser produces it.
type item struct {
	stmt ast.Stmt
	// value is set for a trailing expression that became a statement.
	value ast.Expr
	// semicolon keeps the `;` after an if or block statement (see view).
	semicolon bool
}

// blockView is a block's statements and trailing value as bpftrace sees
// them.
type blockView struct {
	b *ast.BlockExpr
	// begin is where bpftrace's block node starts: its brace, or the end
	// of the token before it when the parser had not yet skipped the
	// blanks and comments in between.
	begin source.Pos
	items []item
	value ast.Expr
}

// view describes b in a context that does (allowValue) or does not keep a
// trailing value. bpftrace's parser turns a trailing value in a probe, fn
// or loop body into a statement, and does the same to the values of the
// blocks and ifs nested in it (normalize).
func (p *printer) view(b *ast.BlockExpr, allowValue bool, begin source.Pos) blockView {
	v := blockView{b: b, begin: begin}
	for _, s := range b.Stmts {
		v.items = append(v.items, item{stmt: s})
	}
	v.value = b.Value
	if v.value == nil && len(v.items) > 0 {
		// A last expression statement without `;` is the block's value.
		if es, ok := v.items[len(v.items)-1].stmt.(*ast.ExprStmt); ok && p.noSemicolonAfter(es.X, b) {
			v.value = es.X
			v.items = v.items[:len(v.items)-1]
		}
	}
	valueless := !allowValue || p.normalized[b]
	if v.value != nil && valueless {
		p.normalize(v.value)
		v.items = append(v.items, item{value: v.value})
		v.value = nil
	}
	// An if or block written as the last statement, with a `;`, would
	// read back without it as the block's value; or, where a value
	// becomes a statement, with the values of its branches made
	// statements. bpftrace drops the `;` anyway; it is kept when reading
	// back would change something.
	if n := len(v.items); n > 0 && v.value == nil && !p.compat {
		if es, ok := v.items[n-1].stmt.(*ast.ExprStmt); ok && (p.isIfLike(es.X) || isBlock(es.X)) {
			v.items[n-1].semicolon = !valueless || p.hasValues(es.X)
		}
	}
	return v
}

// hasValues reports whether normalizing e would turn a value into a
// statement.
func (p *printer) hasValues(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.BlockExpr:
		if e.Value != nil {
			return true
		}
		for i, s := range e.Stmts {
			if es, ok := s.(*ast.ExprStmt); ok {
				if i == len(e.Stmts)-1 && p.noSemicolonAfter(es.X, e) || p.hasValues(es.X) {
					return true
				}
			}
		}
	case *ast.IfExpr:
		return p.hasValues(e.Then) || e.Else != nil && p.hasValues(e.Else)
	case *ast.CondExpr:
		return e.Then != nil && p.hasValues(e.Then) || p.hasValues(e.Else)
	}
	return false
}

// noSemicolonAfter reports whether only layout separates x from b's
// closing brace.
func (p *printer) noSemicolonAfter(x ast.Expr, b *ast.BlockExpr) bool {
	if p.src == nil {
		return false
	}
	i, end := int(x.End()), int(b.End())-1
	if i < 0 || end > len(p.src) || i > end {
		return false
	}
	for i < end {
		switch c := p.src[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '/' && i+1 < end && p.src[i+1] == '/':
			for i < end && p.src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < end && p.src[i+1] == '*':
			j := strings.Index(string(p.src[i+2:end]), "*/")
			if j < 0 {
				return false
			}
			i += j + 4
		default:
			return false
		}
	}
	return true
}

func (p *printer) normalize(e ast.Expr) {
	switch e := ast.Unparen(e).(type) {
	case *ast.BlockExpr:
		for _, s := range e.Stmts {
			if es, ok := s.(*ast.ExprStmt); ok {
				p.normalize(es.X)
			}
		}
		if e.Value != nil {
			p.normalize(e.Value)
		}
		p.normalized[e] = true
	case *ast.IfExpr:
		p.normalize(e.Then)
		if e.Else != nil {
			p.normalize(e.Else)
		}
	case *ast.CondExpr:
		if e.Then != nil {
			p.normalize(e.Then)
		}
		p.normalize(e.Else)
	}
}

// block formats a block's contents without braces.
func (p *printer) block(v blockView, md *metaIndex, w width) *buffer {
	buf := newBuffer()
	// open is set after an if or block statement written without `;`: an
	// operator starting the next statement would continue it (`if x {}`
	// then `-1` reads as `(if x {}) - 1`), so it gets a `;` then.
	open := false
	closeOpen := func(first byte) {
		if open && !p.compat && strings.IndexByte("-+*&", first) >= 0 {
			buf.text(";")
		}
	}
	for i, it := range v.items {
		sb, first := p.stmt(it, v.begin, md, w)
		closeOpen(first)
		if sb.width() > 0 && i > 0 {
			buf.lineBreak()
		}
		buf.add(sb)
		x := it.value
		if es, ok := it.stmt.(*ast.ExprStmt); ok && !it.semicolon {
			x = es.X
		}
		open = x != nil && !p.needsSemicolon(x)
	}
	extra := md.before(v.b.End())
	if v.value != nil {
		em := extra.before(ast.Unparen(v.value).Pos())
		x, lead := p.leading(extra, func() *buffer { return p.expr(v.value, extra, w, true) })
		minv := 0
		if buf.numLines() > 0 {
			minv = 1
		}
		if lead != nil {
			em.entries = append(em.entries, lead.entries...)
		}
		if !p.compat {
			// bpftrace prints one blank line fewer than there are before a
			// value, so a second run takes another one away; none are kept.
			em = em.withoutVspace()
		}
		closeOpen(x.firstByte())
		buf.metadata(em, minv).add(x)
	}
	return buf.metadata(extra, -1)
}

// stmt formats one statement with its leading comments; first is the
// first byte of its code.
func (p *printer) stmt(it item, blockBegin source.Pos, md *metaIndex, w width) (*buffer, byte) {
	var comments *metaIndex
	if it.value != nil {
		// A trailing value turned statement starts, for bpftrace, at the
		// block's brace; what precedes the expression then goes to the
		// expression, which drops it (an if prints it). Blank lines are
		// dropped the same way here, but comments are kept.
		x := ast.Unparen(it.value)
		switch x.(type) {
		case *ast.BlockExpr:
			if p.compat {
				// What precedes it goes into the block.
				comments = md.before(blockBegin)
			} else {
				comments = md.before(x.Pos()).withoutVspace()
			}
		case *ast.IfExpr:
			comments = md.before(x.Pos())
		default:
			if c, ok := x.(*ast.CondExpr); ok && p.isIfForm(c) {
				comments = md.before(x.Pos())
			} else if !p.compat {
				comments = md.before(it.value.Pos()).withoutVspace()
			}
		}
		b, lead := p.leading(md, func() *buffer {
			b := p.expr(it.value, md, w, true)
			if p.needsSemicolon(it.value) {
				b.text(";")
			}
			return b
		})
		first := b.firstByte()
		return newBuffer().metadata(comments, 0).metadata(lead, 0).add(b), first
	}
	comments = md.before(it.stmt.Pos())
	b, lead := p.leading(md, func() *buffer {
		b := p.stmtInner(it.stmt, md, w)
		if it.semicolon {
			b.text(";")
		}
		return b
	})
	first := b.firstByte()
	return newBuffer().metadata(comments, 0).metadata(lead, 0).add(b), first
}

// leading runs format, which claims comments from md. Comments kept in
// front of the first operand (bpftrace drops them) that end up starting
// the result are, on the next run, comments before the statement or
// value: they are taken out and returned, and format runs again without
// them so that the layout is the one the next run computes.
func (p *printer) leading(md *metaIndex, format func() *buffer) (*buffer, *metaIndex) {
	saved := md.entries
	b := format()
	if p.compat {
		return b, nil
	}
	all := &metaIndex{}
	for {
		lead := b.takeLeadComments()
		if len(lead.entries) == 0 {
			return b, all
		}
		all.entries = append(all.entries, lead.entries...)
		md.entries = withoutIDs(saved, all.entries)
		p.pending = nil
		b = format()
	}
}

func (p *printer) stmtInner(s ast.Stmt, md *metaIndex, w width) *buffer {
	switch s := s.(type) {
	case *ast.ExprStmt:
		b := p.expr(s.X, md, w, true)
		if p.needsSemicolon(s.X) {
			b.text(";")
		}
		return b
	case *ast.AssignStmt:
		return p.assign(s, md, w)
	case *ast.LetStmt:
		decl := newBuffer().text("let $" + s.Var.Name)
		if s.Type != nil {
			decl.text(" : ").add(p.typeExpr(s.Type, md, w))
		}
		if s.Value == nil {
			return decl.text(";")
		}
		op, rhs := "=", s.Value
		if p.compat { // bpftrace prints `let $x += 1`, which does not parse
			op, rhs = p.compound(s.Var, op, rhs)
		}
		return p.assignTail(decl, op, rhs, md, w)
	case *ast.WhileStmt:
		cond := p.condition(s.Cond, md, w-8, false)
		body := p.block(p.view(s.Body, false, p.prevTokenEnd(s.Body.Pos())), md, w-2)
		return newBuffer().text("while ").add(cond).text(" {").addIndented(body).text("}")
	case *ast.UnrollStmt:
		// The body is formatted first, as in bpftrace: it claims the
		// comments of the header.
		body := p.block(p.view(s.Body, false, p.prevTokenEnd(s.Body.Pos())), md, w-2)
		count := p.expr(s.Count, md, w-11, false)
		return newBuffer().text("unroll (").add(count).text(") {").addIndented(body).text("}")
	case *ast.ForStmt:
		b := newBuffer().text("for $" + s.Var.Name + " : ")
		// Reading a map name skips the blanks after it.
		begin := p.prevTokenEnd(s.Body.Pos())
		if _, ok := s.Iter.(*ast.MapExpr); ok && !s.Parens {
			begin = s.Body.Pos()
		}
		switch it := ast.Unparen(s.Iter).(type) {
		case *ast.MapExpr:
			b.text(mapName(it.Name))
		case *ast.RangeExpr:
			b.add(p.rangeBound(it.From, md, w)).text("..").add(p.rangeBound(it.To, md, w))
		default:
			b.add(p.expr(it, md, w, true))
		}
		body := p.block(p.view(s.Body, false, begin), md, w-indentWidth)
		return b.text(" {").addIndented(body).text("}")
	case *ast.JumpStmt:
		if s.Value == nil {
			return newBuffer().text(s.Keyword + ";")
		}
		// bpftrace passes a width of 1 here (a stray argument), so a call
		// with arguments breaks after its parenthesis; kept for identical
		// output.
		return newBuffer().text(s.Keyword + " ").add(p.expr(s.Value, md, 1, false)).text(";")
	case *ast.ImportStmt:
		return newBuffer().text("import \"" + s.Path.Value + "\";")
	case *ast.BadStmt:
		return newBuffer().text(p.verbatim(s))
	}
	panic(fmt.Sprintf("printer: unexpected statement %T", s))
}

func (p *printer) rangeBound(e ast.Expr, md *metaIndex, w width) *buffer {
	if isLiteral(e) {
		return p.expr(e, md, w, true)
	}
	return newBuffer().text("(").add(p.expr(e, md, w-4, true)).text(")")
}

// compoundOps are the operators with an assignment form.
var compoundOps = map[string]bool{"+": true, "-": true, "*": true, "/": true, "%": true,
	"&": true, "|": true, "^": true, "<<": true, ">>": true}

func (p *printer) assign(s *ast.AssignStmt, md *metaIndex, w width) *buffer {
	lhs := ast.Unparen(s.Lhs)
	if id, ok := lhs.(*ast.Ident); ok && id.Name == "_" && s.Op == "=" {
		return newBuffer().text("_ = ").add(p.expr(s.Rhs, md, w, true)).text(";")
	}
	var target *buffer
	switch l := lhs.(type) {
	case *ast.Variable:
		target = newBuffer().text("$" + l.Name)
	case *ast.MapExpr:
		target = newBuffer().text(mapName(l.Name))
	case *ast.MapAccess:
		target = p.mapAccess(l, md, w)
	default:
		target = p.expr(lhs, md, w, true)
	}
	op, rhs := p.compound(lhs, s.Op, s.Rhs)
	return p.assignTail(target, op, rhs, md, w)
}

// compound turns `x = x op y` into `x op= y`, as bpftrace does. It does so
// only for operators that have an assignment form (bpftrace would write
// `x === y` for `x = x == y`).
func (p *printer) compound(lhs ast.Expr, op string, rhs ast.Expr) (string, ast.Expr) {
	if op != "=" {
		return op, rhs
	}
	if bin, ok := ast.Unparen(rhs).(*ast.BinaryExpr); ok && (compoundOps[bin.Op] || p.compat) && sameExpr(lhs, bin.X) {
		return bin.Op + "=", bin.Y
	}
	return op, rhs
}

// needsSemicolon reports whether expression statement x ends with `;`:
// all but ifs, blocks and ternaries do (a ternary statement reads as an
// if; bpftrace writes none either).
func (p *printer) needsSemicolon(x ast.Expr) bool {
	if _, ok := x.(*ast.CondExpr); ok {
		return false
	}
	return !p.isIfLike(x) && !isBlock(x)
}

func (p *printer) assignTail(target *buffer, op string, rhs ast.Expr, md *metaIndex, w width) *buffer {
	x := p.expr(rhs, md, w-(target.width()+2+width(len(op))), true)
	// bpftrace does not align the continuation lines of a block or of any
	// conditional (its ternary is an if node).
	_, cond := ast.Unparen(rhs).(*ast.CondExpr)
	align := !isBlock(rhs) && !p.isIfLike(rhs) && !cond
	return newBuffer().add(target).text(" "+op+" ").appendBuf(x, 0, align).text(";")
}

// ---------------------------------------------------------------------
// Expressions

// expr formats e where bpftrace's formatter sees a generic expression: it
// claims the comments up to e's end, and parenthesises e unless it is
// simple or the context allows it bare (a tuple never is bare).
//
// Comments the original would claim here and never print (comments inside
// an expression) are kept: they move in front of the first simple operand,
// where a second run finds and prints them the same way.
func (p *printer) expr(e ast.Expr, md *metaIndex, w width, bare bool) *buffer {
	e = ast.Unparen(e)
	local := md.before(p.claimEnd(e))
	if len(p.pending) > 0 {
		local.prepend(p.pending, e.Pos())
		p.pending = nil
	}
	var lead []metaEntry
	if p.isConsumer(e) {
		// A block or if inside an expression would print the blank lines
		// found between the expression's start and its own as blank lines
		// of its own; bpftrace does, and then finds the line breaks of its
		// own output there on the next run. They are dropped.
		if !p.compat {
			local.dropVspaceBefore(e.Pos())
		}
	} else {
		if p.compat {
			// bpftrace drops them.
		} else if kids := children(e); len(kids) == 0 {
			lead = local.takeComments()
		} else {
			end := source.Pos(-1)
			// What the children claim ends where their own nodes end,
			// not at a closing parenthesis after them.
			for _, k := range kids {
				if ke := p.claimEnd(ast.Unparen(k)); ke > end {
					end = ke
				}
			}
			p.pending = local.takeAfter(end)
		}
	}
	bareOK := (bare && !isTuple(e)) || isPrimitive(e)
	lw := w
	if !bareOK {
		lw = w - 2
	}
	buf := newBuffer()
	if !bareOK {
		buf.text("(")
	}
	for _, c := range lead {
		buf.leadComment(c)
	}
	if blk, ok := e.(*ast.BlockExpr); ok {
		b := p.block(p.view(blk, true, blk.Pos()), local, w-2)
		if b.numLines() > 1 || b.width() > lw {
			buf.text("{").addIndented(b).text("}")
		} else {
			buf.text("{ ").add(b).text(" }")
		}
	} else {
		buf.add(p.node(e, local, lw))
	}
	if len(p.pending) > 0 {
		// No operand took them (should not happen): keep them here.
		for _, c := range p.pending {
			buf.comment(c.text).lineBreak()
		}
		p.pending = nil
	}
	if !bareOK {
		buf.text(")")
	}
	return buf
}

// node formats e itself (bpftrace's per-node visit).
func (p *printer) node(e ast.Expr, md *metaIndex, w width) *buffer {
	switch e := e.(type) {
	case *ast.Ident:
		return newBuffer().text(e.Name)
	case *ast.IntLit:
		return newBuffer().text(e.Raw)
	case *ast.StringLit:
		return newBuffer().text(`"` + escape(e.Value) + `"`)
	case *ast.BoolLit:
		return newBuffer().text(strconv.FormatBool(e.Value))
	case *ast.PositionalParam:
		if e.Count {
			return newBuffer().text("$#")
		}
		return newBuffer().text("$" + strconv.Itoa(e.N))
	case *ast.Variable:
		return newBuffer().text("$" + e.Name)
	case *ast.MapExpr:
		return newBuffer().text(mapName(e.Name))
	case *ast.MapAccess:
		return p.mapAccess(e, md, w)
	case *ast.BinaryExpr:
		return p.binary(e, md, w)
	case *ast.UnaryExpr:
		if e.Op == "&" {
			switch x := ast.Unparen(e.X).(type) {
			case *ast.Variable:
				return newBuffer().text("&$" + x.Name)
			case *ast.MapExpr:
				return newBuffer().text("&" + mapName(x.Name))
			}
		}
		x := p.expr(e.X, md, w-width(len(e.Op)), false)
		if e.Postfix {
			return newBuffer().add(x).text(e.Op)
		}
		return newBuffer().text(e.Op).add(x)
	case *ast.CondExpr:
		if p.isIfForm(e) {
			return p.ifExpr(e, md, w)
		}
		cond := p.expr(e.Cond, md, w, false)
		then := e.Then
		if then == nil { // `c ?: x` is `c ? c : x` in bpftrace
			then = e.Cond
		}
		// A block branch (outside compatibility mode, where it would print
		// as an if) needs no parentheses.
		left := p.expr(then, md, w-2, isBlock(then))
		right := p.expr(e.Else, md, w-2, isBlock(e.Else))
		if cond.width()+left.width()+right.width()+8 > w {
			return newBuffer().add(cond).lineBreak().text("? ").add(left).lineBreak().text(": ").add(right)
		}
		return newBuffer().add(cond).text(" ? ").add(left).text(" : ").add(right)
	case *ast.IfExpr:
		return p.ifExpr(e, md, w)
	case *ast.TupleExpr:
		return p.tuple(e.Elems, md, w, true)
	case *ast.RecordExpr:
		named := func(i int, aw width) *buffer {
			f := e.Fields[i]
			return newBuffer().text(f.Name.Name + "=").add(p.expr(f.Value, md, aw-width(len(f.Name.Name))-1, false))
		}
		var elems *buffer
		if len(e.Fields) == 1 {
			elems = named(0, w-2)
		} else {
			elems = p.list(len(e.Fields), ", ", w-indentWidth, named)
		}
		if elems.numLines() > 1 {
			return newBuffer().text("(").addIndented(elems).text(")")
		}
		return newBuffer().text("(").add(elems).text(")")
	case *ast.NamedExpr:
		return newBuffer().text(e.Name.Name + "=").add(p.expr(e.Value, md, w-width(len(e.Name.Name))-1, false))
	case *ast.FieldExpr:
		x := p.expr(e.X, md, w-width(len(e.Field.Name)+1), isPrimitive(ast.Unparen(e.X)))
		return x.text("." + e.Field.Name)
	case *ast.TupleIndexExpr:
		n := strconv.Itoa(e.Index)
		return newBuffer().add(p.expr(e.X, md, w-width(len(n)+1), false)).text("." + n)
	case *ast.IndexExpr:
		x := p.expr(e.X, md, w-1, false)
		idx := p.expr(e.Index, md, w-indentWidth, false)
		b := newBuffer().add(x).text("[")
		if x.width()+idx.width()+2 > w {
			b.appendBuf(idx, indentWidth, true)
		} else {
			b.add(idx)
		}
		return b.text("]")
	case *ast.CallExpr:
		name := e.Fun.Name
		if e.Bang {
			name += "!"
		}
		args := p.list(len(e.Args), ", ", w-width(len(name)+2), func(i int, aw width) *buffer {
			return p.expr(e.Args[i], md, aw, true)
		})
		b := newBuffer().text(name + "(")
		if args.width() > w {
			b.appendBuf(args, indentWidth, true)
		} else {
			b.add(args)
		}
		return b.text(")")
	case *ast.CastExpr:
		t := newBuffer().text("(").add(p.typeExpr(e.Type, md, w)).text(")")
		x := p.expr(e.X, md, w-t.width(), isPrimitive(ast.Unparen(e.X)))
		return newBuffer().add(t).add(x)
	case *ast.SizeofExpr:
		return newBuffer().text("sizeof(").add(p.typeArg(e.Type, e.X, md, w-8)).text(")")
	case *ast.OffsetofExpr:
		b := newBuffer().text("offsetof(").add(p.typeArg(e.Type, e.X, md, w)).text(", ")
		for i, f := range e.Fields {
			if i > 0 {
				b.text(".")
			}
			b.text(f.Name)
		}
		return b.text(")")
	case *ast.TypeinfoExpr:
		return newBuffer().text("typeinfo(").add(p.typeArg(e.Type, e.X, md, w-10)).text(")")
	case *ast.TypeofExpr:
		if e.X != nil {
			return newBuffer().text("typeof(").add(p.exprAsType(e.X, md, w-8)).text(")")
		}
		return newBuffer().text("typeof(").add(p.typeExpr(e.Type, md, w-8)).text(")")
	case *ast.ComptimeExpr:
		return newBuffer().text("comptime ").add(p.expr(e.X, md, w-9, false))
	case *ast.RangeExpr:
		return newBuffer().add(p.rangeBound(e.From, md, w)).text("..").add(p.rangeBound(e.To, md, w))
	case *ast.BlockExpr:
		return p.block(p.view(e, true, e.Pos()), md, w)
	case *ast.ParenExpr:
		return p.node(ast.Unparen(e), md, w)
	case *ast.BadExpr:
		return newBuffer().text(p.verbatim(e))
	}
	panic(fmt.Sprintf("printer: unexpected expression %T", e))
}

// claimEnd is where bpftrace's node for e ends. A cast's ends where its
// operand starts, so the comments inside the operand escape the cast to
// whatever claims next (or are lost); outside compatibility mode the
// cast keeps them.
func (p *printer) claimEnd(e ast.Expr) source.Pos {
	if c, ok := e.(*ast.CastExpr); ok && p.compat {
		return c.X.Pos()
	}
	return e.End()
}

func mapName(name string) string { return "@" + name }

func (p *printer) mapAccess(m *ast.MapAccess, md *metaIndex, w width) *buffer {
	var key *buffer
	keys := m.Keys
	if len(keys) == 1 {
		if t, ok := ast.Unparen(keys[0]).(*ast.TupleExpr); ok && len(t.Elems) >= 2 {
			keys = t.Elems
		}
	}
	if len(keys) >= 2 {
		key = p.tuple(keys, md, w-indentWidth, true)
	} else if len(keys) == 1 {
		key = p.expr(keys[0], md, w-indentWidth, true)
	} else {
		key = newBuffer()
	}
	name := mapName(m.Map.Name)
	b := newBuffer().text(name + "[")
	if width(len(name))+key.width()+2 > w {
		b.appendBuf(key, indentWidth, true)
	} else {
		b.add(key)
	}
	return b.text("]")
}

func (p *printer) tuple(elems []ast.Expr, md *metaIndex, w width, bare bool) *buffer {
	var b *buffer
	if len(elems) == 1 {
		b = p.expr(elems[0], md, w-3, true).text(",")
	} else {
		b = p.list(len(elems), ", ", w-indentWidth, func(i int, aw width) *buffer {
			return p.expr(elems[i], md, aw, true)
		})
	}
	if bare {
		return b
	}
	if b.numLines() > 1 {
		return newBuffer().text("(").addIndented(b).text(")")
	}
	return newBuffer().text("(").add(b).text(")")
}

// binary formats an operator chain: `a && b && c` is one list whatever
// its grouping, other operators have two operands. Operands that are not
// simple are parenthesised, except comparisons, which bpftrace leaves
// bare; this printer parenthesises a comparison where reading it back
// would group it differently.
func (p *printer) binary(e *ast.BinaryExpr, md *metaIndex, w width) *buffer {
	var entries []ast.Expr
	logical := e.Op == "&&" || e.Op == "||"
	var expand func(x ast.Expr)
	expand = func(x ast.Expr) {
		x = ast.Unparen(x)
		if b, ok := x.(*ast.BinaryExpr); ok && logical && b.Op == e.Op {
			expand(b.X)
			expand(b.Y)
			return
		}
		entries = append(entries, x)
	}
	expand(e.X)
	expand(e.Y)
	pe := precedence(e.Op)
	return p.list(len(entries), " "+e.Op+" ", w, func(i int, aw width) *buffer {
		x := entries[i]
		bare := false
		if b, ok := x.(*ast.BinaryExpr); ok && isComparison(b.Op) {
			pb := precedence(b.Op)
			switch {
			case p.compat:
				bare = true
			case i == 0:
				bare = pb >= pe
			default:
				bare = pb > pe
			}
		}
		return p.expr(x, md, aw, bare)
	})
}

func isComparison(op string) bool {
	switch op {
	case "==", "!=", "<", "<=", ">", ">=":
		return true
	}
	return false
}

func precedence(op string) int {
	switch op {
	case "||":
		return 1
	case "&&":
		return 2
	case "|":
		return 3
	case "^":
		return 4
	case "&":
		return 5
	case "==", "!=":
		return 6
	case "<", ">", "<=", ">=":
		return 7
	case "<<", ">>":
		return 8
	case "+", "-":
		return 9
	case "*", "/", "%":
		return 10
	}
	return 0
}

// list formats n elements separated by sep, on one line when they fit in
// w and otherwise broken where bpftrace breaks them: at the first
// arrangement, in the order it tries them, whose lines all fit.
func (p *printer) list(n int, sep string, w width, elem func(i int, w width) *buffer) *buffer {
	out := newBuffer()
	if n == 0 {
		return out
	}
	args := make([]*buffer, n)
	widths := make([]width, n)
	var total width
	for i := 0; i < n; i++ {
		aw := w
		if i < n-1 {
			aw = w - 1
		}
		a := elem(i, aw)
		if i < n-1 {
			a.text(sep)
		}
		widths[i] = a.width()
		total += widths[i]
		args[i] = a
	}
	if total < w {
		for _, a := range args {
			out.add(a)
		}
		return out
	}
	breaks := chooseBreaks(widths, w)
	for i, a := range args {
		if i > 0 && breaks[i] {
			out.lineBreak()
		}
		out.add(a)
	}
	return out
}

// chooseBreaks picks where to break a list of elements with the given
// widths: breaks[i] means element i starts a line. bpftrace tries every
// arrangement as a bit mask (bit i-1 set = break before element i) in
// increasing order and keeps the first whose widest line fits in w and
// whose (max-min)/max, in integer arithmetic, is smallest; when none
// fits, it breaks nowhere.
func chooseBreaks(widths []width, w width) []bool {
	n := len(widths)
	breaks := make([]bool, n)
	lines := func(isBreak func(i int) bool) (lo, hi width) {
		cur := widths[0]
		lo, hi = ^width(0), 0
		flush := func() {
			lo, hi = min(lo, cur), max(hi, cur)
		}
		for i := 1; i < n; i++ {
			if isBreak(i) {
				flush()
				cur = widths[i]
			} else {
				cur += widths[i]
			}
		}
		flush()
		return lo, hi
	}
	ratio := func(lo, hi width) width {
		if hi == 0 {
			return 0
		}
		return (hi - lo) / hi
	}
	if n-1 <= 16 {
		best, bestRatio := uint64(0), ^width(0)
		for mask := uint64(0); mask < 1<<(n-1); mask++ {
			lo, hi := lines(func(i int) bool { return mask&(1<<(i-1)) != 0 })
			if hi > w {
				continue
			}
			if r := ratio(lo, hi); r < bestRatio {
				best, bestRatio = mask, r
				if r == 0 {
					break
				}
			}
		}
		for i := 1; i < n; i++ {
			breaks[i] = best&(1<<(i-1)) != 0
		}
		return breaks
	}
	return greedyBreaks(widths, w)
}

// greedyBreaks finds the numerically smallest mask that fits, deciding
// bits from the most significant down (a break never widens a line, so a
// choice is feasible when it fits with breaks everywhere below it). With
// no empty element every line has a width, the ratio is always 0 and this
// is the mask the exhaustive search keeps.
func greedyBreaks(widths []width, w width) []bool {
	n := len(widths)
	breaks := make([]bool, n)
	fits := func(upTo int) bool { // breaks decided above upTo, all set below
		cur, hi := widths[0], width(0)
		for i := 1; i < n; i++ {
			if i <= upTo || breaks[i] {
				hi = max(hi, cur)
				cur = widths[i]
			} else {
				cur += widths[i]
			}
		}
		return max(hi, cur) <= w
	}
	if !fits(n - 1) {
		return breaks
	}
	for i := n - 1; i >= 1; i-- {
		breaks[i] = false
		if !fits(i - 1) {
			breaks[i] = true
		}
	}
	return breaks
}

// ifExpr formats an if/else-if/else chain (or a ternary with block
// branches, which bpftrace stores the same way).
func (p *printer) ifExpr(e ast.Expr, md *metaIndex, w width) *buffer {
	type pair struct{ cond, body *buffer }
	comments := md.before(e.Pos())
	firstCond, firstThen, firstElse := ifParts(e)
	var pairs []pair
	var final *buffer
	var total width
	cond, then, els := firstCond, firstThen, firstElse
	node := e
	for {
		// bpftrace takes the condition's comments up to the start of the
		// first branch, always the first: an else-if condition gets none,
		// its comments and line breaks go to the top of its block. Outside
		// compatibility mode each condition takes its own.
		tb := p.thenBegin(e, firstThen)
		if !p.compat {
			tb = p.thenBegin(node, then)
		}
		cm := md.before(tb)
		c := p.condition(cond, cm, w-5, isComptime(cond))
		if p.compat {
			c.metadata(cm, -1)
		} else {
			// Comments after the condition: bpftrace prints them before
			// the brace, and the next run moves them into the block.
			// They go into the block at once.
			md.prepend(cm.takeComments(), tb)
		}
		body := p.rawBlock(then, p.thenBegin(node, then), md, w-indentWidth)
		total += c.width() + 5
		total += body.width() + 3
		pairs = append(pairs, pair{c, body})
		if els != nil && p.isIfLike(els) {
			node = ast.Unparen(els)
			cond, then, els = ifParts(node)
			continue
		}
		if els != nil {
			final = p.rawBlock(els, ast.Unparen(els).Pos(), md, w-indentWidth)
		}
		break
	}
	buf := newBuffer().metadata(comments, 0)
	nonExpr := firstElse == nil
	if b, ok := ast.Unparen(firstThen).(*ast.BlockExpr); ok && p.view(b, true, b.Pos()).value == nil {
		nonExpr = true
	}
	multi := false
	for _, pr := range pairs {
		if pr.cond.numLines() > 1 || pr.body.numLines() > 1 {
			multi = true
		}
	}
	if nonExpr || total > w || len(pairs) > 1 || multi || (final != nil && final.numLines() > 1) {
		for i, pr := range pairs {
			if i > 0 {
				buf.text(" else if ")
			} else {
				buf.text("if ")
			}
			buf.add(pr.cond).text(" {").addIndented(pr.body).text("}")
		}
		if final != nil {
			buf.text(" else {").addIndented(final).text("}")
		}
		return buf
	}
	for i, pr := range pairs {
		if i > 0 {
			buf.text(" else if ")
		} else {
			buf.text("if ")
		}
		buf.add(pr.cond).text(" { ").add(pr.body).text(" }")
	}
	if final != nil {
		buf.text(" else { ").add(final).text(" }")
	}
	return buf
}

// condition formats the condition of an if or while. A parenthesised
// condition is read as `(` expression `)`, so a tuple there needs a
// second pair (bpftrace writes one, which does not parse).
func (p *printer) condition(e ast.Expr, md *metaIndex, w width, bare bool) *buffer {
	if isTuple(e) && !p.compat {
		return newBuffer().text("(").add(p.expr(e, md, w-2, bare)).text(")")
	}
	return p.expr(e, md, w, bare)
}

// rawBlock formats an if branch without its braces.
func (p *printer) rawBlock(e ast.Expr, begin source.Pos, md *metaIndex, w width) *buffer {
	if b, ok := ast.Unparen(e).(*ast.BlockExpr); ok {
		return p.block(p.view(b, true, begin), md, w)
	}
	return p.expr(e, md, w, true)
}

// thenBegin is where bpftrace's then-branch of if-like e starts: an if's
// block right after the condition, a ternary's branch at its first token.
func (p *printer) thenBegin(e, then ast.Expr) source.Pos {
	if _, ok := e.(*ast.IfExpr); ok {
		return p.prevTokenEnd(then.Pos())
	}
	return ast.Unparen(then).Pos()
}

// prevTokenEnd returns the end of the last token before pos, skipping
// blanks and comments.
func (p *printer) prevTokenEnd(pos source.Pos) source.Pos {
	if p.src == nil {
		return pos
	}
	i := int(pos) - 1
	for i >= 0 && i < len(p.src) && (p.class[i] == classComment || isSpace(string(p.src[i:i+1]))) {
		i--
	}
	return source.Pos(i + 1)
}

// ifParts returns the condition and branches of an if-like expression.
func ifParts(e ast.Expr) (cond, then, els ast.Expr) {
	switch e := e.(type) {
	case *ast.IfExpr:
		if e.Else != nil {
			return e.Cond, e.Then, e.Else
		}
		return e.Cond, e.Then, nil
	case *ast.CondExpr:
		then := e.Then
		if then == nil {
			then = e.Cond
		}
		return e.Cond, then, e.Else
	}
	return nil, nil, nil
}

// typeArg formats the argument of sizeof, offsetof and typeinfo.
func (p *printer) typeArg(t *ast.TypeExpr, x ast.Expr, md *metaIndex, w width) *buffer {
	t, x = unwrapTypeof(t, x)
	if x != nil {
		return p.exprAsType(x, md, w)
	}
	if t == nil {
		return newBuffer()
	}
	return p.typeExpr(t, md, w)
}

// exprAsType formats an expression where a type may also stand. An index
// into a bare name is parenthesised: `typeof(a[0])` would read as a type.
func (p *printer) exprAsType(x ast.Expr, md *metaIndex, w width) *buffer {
	b := p.expr(x, md, w, true)
	if isIndexOfName(x) {
		return newBuffer().text("(").add(b).text(")")
	}
	return b
}

func isIndexOfName(x ast.Expr) bool {
	ix, ok := ast.Unparen(x).(*ast.IndexExpr)
	if !ok {
		return false
	}
	base := ast.Unparen(ix.X)
	for {
		inner, ok := base.(*ast.IndexExpr)
		if !ok {
			break
		}
		base = ast.Unparen(inner.X)
	}
	_, ok = base.(*ast.Ident)
	return ok
}

// typeExpr formats a written type; `typeof(T)` of a plain type T prints
// as T.
func (p *printer) typeExpr(t *ast.TypeExpr, md *metaIndex, w width) *buffer {
	b := newBuffer()
	switch {
	case t.Typeof != nil && t.Typeof.X != nil:
		b.text("typeof(").add(p.exprAsType(t.Typeof.X, md, w-8)).text(")")
	case t.Typeof != nil && t.Typeof.Type != nil:
		b.add(p.typeExpr(t.Typeof.Type, md, w))
	default:
		name := ""
		if t.Name != nil {
			name = t.Name.Name
		}
		if t.Keyword != "" {
			name = t.Keyword + " " + name
		}
		b.text(name)
	}
	for _, s := range t.Suffixes {
		if s.Pointer {
			b.text("*")
			continue
		}
		b.text("[")
		if s.Len != nil {
			if lit, ok := ast.Unparen(s.Len).(*ast.IntLit); ok && !lit.Overflow {
				if lit.Value != 0 {
					b.text(strconv.FormatUint(lit.Value, 10))
				}
			} else {
				b.add(p.expr(s.Len, md, w, true))
			}
		}
		b.text("]")
	}
	return b
}

// escape spells a string's bytes the way bpftrace's formatter does:
// printable ASCII as is (with \\ and \"), \n \t \r, and \xHH otherwise.
func escape(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			sb.WriteString(`\\`)
		case c == '"':
			sb.WriteString(`\"`)
		case c >= 0x20 && c < 0x7f:
			sb.WriteByte(c)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\r':
			sb.WriteString(`\r`)
		default:
			fmt.Fprintf(&sb, `\x%02x`, c)
		}
	}
	return sb.String()
}
