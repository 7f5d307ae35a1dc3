// Package parser turns bpftrace source into a syntax tree (package ast)
// and a list of syntax diagnostics.
//
// It accepts the current bpftrace language and the older syntax still in
// the wild (BEGIN/END, args->field, #include, kfunc/kretfunc, ...). Like
// go/parser it always returns a tree: on a syntax error it reports the
// error with an exact range, leaves a Bad* placeholder and carries on at
// the next statement or top-level item, so one typo does not hide the
// rest of the script. It never panics, always terminates, and gives up
// with an error (not a stack overflow) on absurdly deep nesting.
package parser

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/scanner"
	"github.com/bt-tools/bt/analysis/source"
)

const (
	// maxDepth bounds the nesting of expressions, blocks and if-chains.
	maxDepth = 500
	// maxErrors bounds the number of diagnostics of one parse.
	maxErrors = 200
)

// ParseFile parses a whole script. It always returns a non-nil *ast.File
// (partial when there are errors) and the syntax diagnostics, sorted by
// position.
func ParseFile(f *source.File) (*ast.File, diag.List) {
	if f == nil {
		f = source.NewFile("", nil)
	}
	p := newParser(f)
	file := p.parseFile()
	return file, p.finish()
}

// ParseExpr parses a single expression, e.g. for tests and tools. The
// expression is always non-nil (a *ast.BadExpr when nothing parses).
func ParseExpr(text string) (ast.Expr, diag.List) {
	return ParseExprIn(source.NewFile("<expr>", []byte(text)))
}

// ParseExprIn parses f's text as one expression; nodes carry positions
// in f (a caller may blank out all but part of a file to parse that
// part in place).
func ParseExprIn(f *source.File) (ast.Expr, diag.List) {
	p := newParser(f)
	p.next()
	x := p.parseExpr()
	if p.tok.Kind != scanner.EOF {
		p.errorf(p.tok.Span(), CodeSyntax, "unexpected %s after the expression", p.tok.Describe())
	}
	p.sc.Comments = nil
	return x, p.finish()
}

type parser struct {
	file *source.File
	src  []byte
	sc   scanner.Scanner

	tok     scanner.Token     // current token (token mode)
	tokErrs []diag.Diagnostic // lexical errors of tok, reported when it is consumed
	prevEnd source.Pos        // end of the last consumed token or raw text
	ntok    int               // number of tokens consumed, to detect progress

	diags       diag.List
	lastErrLine int        // line of the last error, for suppressing follow-up syntax errors
	quietAt     source.Pos // drop syntax errors at this token (it follows an unterminated string)
	depth       int
	bailed      bool // gave up (too deep or too many errors): skip to EOF

	// Slabs for the most frequent nodes: fewer, larger allocations.
	idents   slab[ast.Ident]
	vars     slab[ast.Variable]
	maps     slab[ast.MapExpr]
	ints     slab[ast.IntLit]
	strs     slab[ast.StringLit]
	exprStms slab[ast.ExprStmt]
	assigns  slab[ast.AssignStmt]
	binaries slab[ast.BinaryExpr]
	calls    slab[ast.CallExpr]
	fields   slab[ast.FieldExpr]
	accesses slab[ast.MapAccess]
}

// slab hands out pointers into chunks of nodes. Nodes keep distinct
// addresses (the checker keys its results by node pointer); a chunk stays
// alive as long as any of its nodes, which is the tree's lifetime anyway.
type slab[T any] struct{ buf []T }

func (s *slab[T]) new() *T {
	if len(s.buf) == 0 {
		s.buf = make([]T, 32)
	}
	x := &s.buf[0]
	s.buf = s.buf[1:]
	return x
}

func (s *slab[T]) make(v T) *T {
	x := s.new()
	*x = v
	return x
}

func newParser(f *source.File) *parser {
	p := &parser{file: f, src: f.Text, lastErrLine: -1, quietAt: -1}
	p.sc.Init(f.Text)
	return p
}

func (p *parser) finish() diag.List {
	p.drainLayout()
	list := p.diags
	list.Sort()
	return list
}

// ---------------------------------------------------------------------
// Tokens

// next consumes the current token and scans the following one.
func (p *parser) next() {
	unterminated := false
	for _, d := range p.tokErrs {
		p.add(d)
		if d.Code == scanner.CodeUnterminatedString {
			unterminated = true
		}
	}
	defer func() {
		if unterminated {
			p.quietAt = p.tok.Pos
		}
	}()
	p.tokErrs = nil
	if p.tok.End > p.prevEnd && p.tok.Kind != scanner.EOF {
		p.prevEnd = p.tok.End
	}
	p.ntok++
	if p.bailed {
		p.tok = scanner.Token{Kind: scanner.EOF, Pos: source.Pos(len(p.src)), End: source.Pos(len(p.src))}
		return
	}
	p.tok, p.tokErrs = p.sc.Scan()
	p.drainLayout()
}

// enterTokens starts token mode at the scanner's offset.
func (p *parser) enterTokens() {
	p.tokErrs = nil
	p.tok, p.tokErrs = p.sc.Scan()
	p.drainLayout()
}

// leaveTokens returns to raw mode: the current token is given back (it
// will be read again, possibly as raw text).
func (p *parser) leaveTokens() {
	p.tokErrs = nil
	if p.tok.Kind == scanner.EOF {
		p.sc.SetOffset(len(p.src))
		return
	}
	p.sc.SetOffset(int(p.tok.Pos))
}

func (p *parser) drainLayout() {
	for _, d := range p.sc.LayoutErrs {
		p.add(d)
	}
	p.sc.LayoutErrs = p.sc.LayoutErrs[:0]
}

// peek returns the token after the current one without consuming.
func (p *parser) peek() scanner.Token {
	s := p.sc
	s.Quiet = true
	s.LayoutErrs = nil
	t, _ := s.Scan()
	return t
}

// peekScanner returns a quiet scanner positioned after the current token.
func (p *parser) peekScanner() scanner.Scanner {
	s := p.sc
	s.Quiet = true
	s.LayoutErrs = nil
	return s
}

func (p *parser) is(k scanner.Kind) bool { return p.tok.Kind == k }

func (p *parser) isIdent(name string) bool {
	return p.tok.Kind == scanner.IDENT && p.tok.Lit == name
}

// got consumes the current token if it has kind k.
func (p *parser) got(k scanner.Kind) bool {
	if p.tok.Kind == k {
		p.next()
		return true
	}
	return false
}

// expect consumes a token of kind k or reports "expected 'k' <context>,
// found ...". It returns the token's position (or prevEnd when missing)
// and whether it was there.
func (p *parser) expect(k scanner.Kind, context string) (source.Pos, bool) {
	if p.tok.Kind == k {
		pos := p.tok.Pos
		p.next()
		return pos, true
	}
	msg := "expected '" + k.String() + "'"
	if context != "" {
		msg += " " + context
	}
	p.errorf(p.tok.Span(), CodeExpectedToken, "%s, found %s", msg, p.tok.Describe())
	return p.prevEnd, false
}

// atLineStart reports whether pos is the first byte of its line.
func (p *parser) atLineStart(pos source.Pos) bool {
	return pos == 0 || (int(pos) <= len(p.src) && p.src[pos-1] == '\n')
}

// ---------------------------------------------------------------------
// Errors

func (p *parser) add(d diag.Diagnostic) {
	if p.bailed && d.Code != CodeNestingTooDeep && d.Code != CodeTooManyErrors {
		return
	}
	d.File = p.file
	p.lastErrLine = p.file.Position(d.Span.Start).Line
	if len(p.diags) >= maxErrors {
		if len(p.diags) == maxErrors {
			p.diags.Add(diag.Diagnostic{Severity: diag.Error, Code: CodeTooManyErrors, Location: d.Location,
				Message: fmt.Sprintf("too many errors (%d); stopping", maxErrors)})
		}
		p.bail()
		return
	}
	p.diags.Add(d)
}

// errorf reports an error at span. Syntax errors (CodeSyntax,
// CodeExpectedToken) are dropped when they are nearly always
// consequences of an error already reported: on the line of a previous
// error, at a token that has a lexical error of its own, or right after
// an unterminated string.
func (p *parser) errorf(span source.Span, code diag.Code, format string, args ...any) *diag.Diagnostic {
	if p.bailed {
		return nil
	}
	if code == CodeSyntax || code == CodeExpectedToken {
		if span.Start == p.quietAt {
			return nil
		}
		if p.file.Position(span.Start).Line == p.lastErrLine {
			return nil
		}
		if len(p.tokErrs) > 0 && span.Start == p.tok.Pos {
			return nil
		}
	}
	n := len(p.diags)
	p.add(diag.Diagnostic{
		Severity: diag.Error,
		Code:     code,
		Location: diag.Location{Span: span},
		Message:  fmt.Sprintf(format, args...),
	})
	if len(p.diags) > n {
		return &p.diags[len(p.diags)-1]
	}
	return nil
}

func hint(d *diag.Diagnostic, h string) {
	if d != nil {
		d.Hint = h
	}
}

// bail stops parsing: every further token is EOF.
func (p *parser) bail() {
	p.bailed = true
	p.tok = scanner.Token{Kind: scanner.EOF, Pos: source.Pos(len(p.src)), End: source.Pos(len(p.src))}
	p.tokErrs = nil
	p.sc.SetOffset(len(p.src))
}

// enter and leave bound the recursion depth.
func (p *parser) enter() bool {
	p.depth++
	if p.depth > maxDepth {
		if !p.bailed {
			p.add(diag.Diagnostic{Severity: diag.Error, Code: CodeNestingTooDeep,
				Location: diag.Location{File: p.file, Span: p.tok.Span()},
				Message:  fmt.Sprintf("nesting is deeper than %d levels; giving up", maxDepth)})
			p.bail()
		}
		return false
	}
	return true
}

func (p *parser) leave() { p.depth-- }

// ---------------------------------------------------------------------
// The file

// Top-level phases: bpftrace wants C definitions first, then config and
// imports, then everything else.
const (
	phaseC = iota
	phaseConfig
	phaseMain
)

func (p *parser) parseFile() *ast.File {
	file := &ast.File{Source: p.file, Range: ast.Range{Lo: 0, Hi: source.Pos(len(p.src))}}
	p.sc.SkipLayout()
	p.drainLayout()
	if off := p.sc.Offset(); p.sc.PeekByte(0) == '#' && p.sc.PeekByte(1) == '!' {
		end := p.sc.RawToLineEnd()
		file.Shebang = &ast.Shebang{Range: ast.Range{Lo: source.Pos(off), Hi: source.Pos(end)}, Text: string(p.src[off:end])}
		p.prevEnd = source.Pos(end)
	}
	phase := phaseC
	var config *ast.ConfigBlock
	for !p.bailed {
		p.sc.SkipLayout()
		p.drainLayout()
		off := p.sc.Offset()
		if off >= len(p.src) {
			break
		}
		c := p.src[off]
		var d ast.Decl
		switch {
		case c == '#':
			cd := p.parsePreprocessor()
			if phase != phaseC && !strings.HasPrefix(cd.Text, "#!") {
				p.misplacedC(cd)
			}
			d = cd
		case scanner.IsIdentStart(c):
			word := p.sc.IdentAt()
			after := p.sc.PeekByte(len(word))
			switch {
			case (word == "struct" || word == "union" || word == "enum") && p.sc.LooksLikeCDefinition():
				cd := p.parseCDefinition(false)
				if phase != phaseC {
					p.misplacedC(cd)
				}
				d = cd
			case word == "typedef" && (after == ' ' || after == '\t' || after == '\n' || after == '\r'):
				cd := p.parseCDefinition(true)
				if phase != phaseC {
					p.misplacedC(cd)
				}
				d = cd
			case word == "config" && !isAttachChar(after):
				cb := p.parseConfig()
				switch {
				case config != nil:
					e := p.errorf(source.Span{Start: cb.Lo, End: cb.Lo + 6}, CodeDuplicateConfig, "duplicate config block")
					if e != nil {
						line := p.file.Position(config.Lo).Line
						e.Notes = []diag.Note{{Location: diag.Location{File: p.file, Span: source.Span{Start: config.Lo, End: config.Lo + 6}},
							Message: fmt.Sprintf("the first config block is on line %d", line)}}
						e.Hint = "merge the settings into one config block"
					}
				case phase == phaseMain:
					e := p.errorf(source.Span{Start: cb.Lo, End: cb.Lo + 6}, CodeMisplacedConfig,
						"the config block must come before probes, macros, functions and map declarations")
					hint(e, "move it to the top of the script, after any #include lines and C definitions")
				}
				if config == nil {
					config = cb
				}
				phase = max(phase, phaseConfig)
				d = cb
			case word == "import" && !isAttachChar(after):
				id := p.parseImportDecl()
				if phase == phaseMain {
					e := p.errorf(source.Span{Start: id.Lo, End: id.Lo + 6}, CodeMisplacedImport,
						"top-level imports must come before probes, macros, functions and map declarations")
					hint(e, "move the import up, after any C definitions and the config block")
				}
				phase = max(phase, phaseConfig)
				d = id
			case word == "macro" && !isAttachChar(after):
				d = p.parseMacro()
				phase = phaseMain
			case word == "fn" && !isAttachChar(after):
				d = p.parseFn()
				phase = phaseMain
			case word == "let" && !isAttachChar(after):
				d = p.parseMapDecl()
				phase = phaseMain
			default:
				if p.isCallAt(off + len(word)) {
					d = p.parseTopLevelStatement()
					break
				}
				d = p.parseProbe()
				phase = phaseMain
			}
		case isTopLevelJunk(c, p.sc.PeekByte(1)):
			d = p.parseJunk()
		case c == '$' && scanner.IsIdentStart(p.sc.PeekByte(1)) || c == '@':
			d = p.parseTopLevelStatement()
		default:
			d = p.parseProbe()
			phase = phaseMain
		}
		if d != nil {
			file.Decls = append(file.Decls, d)
		}
		if p.sc.Offset() == off && !p.bailed {
			// Nothing consumed: skip a byte so the loop always ends.
			p.sc.SetOffset(off + 1)
		}
	}
	file.Comments = groupComments(p.src, p.sc.Comments)
	return file
}

// isAttachChar reports whether c right after a keyword makes the word
// part of an attach point (e.g. "config:..." would be a probe).
func isAttachChar(c byte) bool { return c == ':' }

// isTopLevelJunk reports characters that cannot start a top-level item.
func isTopLevelJunk(c, next byte) bool {
	switch c {
	case '{', '}', ')', ']', ';', ',', '(':
		return true
	case '/':
		return next != '/' && next != '*'
	}
	return false
}

// isCallAt reports whether a '(' follows at off, after spaces: a word
// followed by '(' at the top level is a call, not an attach point.
func (p *parser) isCallAt(off int) bool {
	for off < len(p.src) && (p.src[off] == ' ' || p.src[off] == '\t') {
		off++
	}
	return off < len(p.src) && p.src[off] == '('
}

// parseTopLevelStatement reports a statement outside any probe and
// skips it.
func (p *parser) parseTopLevelStatement() ast.Decl {
	p.enterTokens()
	lo := p.tok.Pos
	e := p.errorf(p.tok.Span(), CodeSyntax, "statements must be inside a probe's { }, found %s at the top level", p.tok.Describe())
	hint(e, "put it in a block such as begin { ... }")
	p.skipStmt()
	p.leaveTokens()
	return &ast.BadDecl{Range: ast.Range{Lo: lo, Hi: max(lo, p.prevEnd)}}
}

// parseJunk reports text that cannot start a top-level item and skips
// to where one might start.
func (p *parser) parseJunk() ast.Decl {
	p.enterTokens()
	lo := p.tok.Pos
	if p.is(scanner.LBRACE) {
		e := p.errorf(p.tok.Span(), CodeSyntax, "a block needs attach points before it, e.g. 'begin { ... }'")
		hint(e, "add the probes this block should run on")
	} else {
		p.errorf(p.tok.Span(), CodeSyntax, "unexpected %s at the top level", p.tok.Describe())
	}
	p.syncTop(true)
	p.leaveTokens()
	return &ast.BadDecl{Range: ast.Range{Lo: lo, Hi: max(p.prevEnd, lo)}}
}

// syncTop skips tokens to the next plausible top-level item: a token at
// the start of a line outside any braces, or just past the '}' that
// closes the braces being skipped. With force it consumes at least one
// token.
func (p *parser) syncTop(force bool) {
	depth := 0
	first := true
	for !p.is(scanner.EOF) {
		if !(first && force) && depth <= 0 && p.atLineStart(p.tok.Pos) && p.looksLikeTopLevel() {
			return
		}
		first = false
		switch p.tok.Kind {
		case scanner.LBRACE:
			depth++
		case scanner.RBRACE:
			depth--
			if depth <= 0 {
				p.next()
				return
			}
		}
		p.next()
	}
}

// looksLikeTopLevel reports whether the current token, which starts a
// line, looks like the start of a probe or other top-level item rather
// than a statement: `provider:...`, begin/end/BEGIN/END followed by '{'
// or '/', fn/macro followed by a name, `config =`, `let @`, a '#'
// directive, or a C definition. A statement never starts this way, so
// the parser uses it to recover from a missing '}'.
func (p *parser) looksLikeTopLevel() bool {
	t := p.tok
	switch t.Kind {
	case scanner.HASH:
		return true
	case scanner.IDENT:
	default:
		return false
	}
	end := int(t.End)
	at := func(i int) byte {
		if i < len(p.src) {
			return p.src[i]
		}
		return 0
	}
	if at(end) == ':' && at(end+1) != ':' {
		return true
	}
	nx := p.peek()
	switch t.Lit {
	case "begin", "end", "BEGIN", "END":
		return nx.Kind == scanner.LBRACE || nx.Kind == scanner.QUO || nx.Kind == scanner.COMMA
	case "fn", "macro":
		return nx.Kind == scanner.IDENT
	case "config":
		return nx.Kind == scanner.ASSIGN
	case "let":
		return nx.Kind == scanner.MAP
	case "struct", "union", "enum":
		s := p.sc
		s.Quiet = true
		s.SetOffset(int(t.Pos))
		return s.LooksLikeCDefinition()
	}
	return false
}

// groupComments groups comments separated only by white space with at
// most one line break.
func groupComments(src []byte, list []*ast.Comment) []*ast.CommentGroup {
	sort.SliceStable(list, func(i, j int) bool { return list[i].Lo < list[j].Lo })
	var groups []*ast.CommentGroup
	var cur *ast.CommentGroup
	for _, c := range list {
		if cur != nil {
			gap := string(src[cur.Hi:c.Lo])
			if strings.TrimSpace(gap) == "" && strings.Count(gap, "\n") <= 1 {
				cur.List = append(cur.List, c)
				cur.Hi = c.Hi
				continue
			}
		}
		cur = &ast.CommentGroup{Range: c.Range, List: []*ast.Comment{c}}
		groups = append(groups, cur)
	}
	return groups
}

// ---------------------------------------------------------------------
// C text

func (p *parser) parsePreprocessor() *ast.CDecl {
	start := p.sc.Offset()
	end := p.sc.RawLine()
	p.prevEnd = source.Pos(end)
	cd := &ast.CDecl{Range: ast.Range{Lo: source.Pos(start), Hi: source.Pos(end)}, Kind: ast.CPreprocessor, Text: string(p.src[start:end])}
	if start+1 < len(p.src) && p.src[start+1] == '!' {
		e := p.errorf(source.Span{Start: source.Pos(start), End: source.Pos(start + 2)}, CodeSyntax, "a '#!' line is only allowed as the first line of a script")
		hint(e, "remove it or move it to the top")
	}
	return cd
}

func (p *parser) parseCDefinition(typedef bool) *ast.CDecl {
	start := p.sc.Offset()
	var end int
	var errs []diag.Diagnostic
	if typedef {
		end, errs = p.sc.RawTypedef()
	} else {
		end, errs = p.sc.RawCDefinition()
	}
	for _, e := range errs {
		p.add(e)
	}
	p.prevEnd = source.Pos(end)
	return &ast.CDecl{Range: ast.Range{Lo: source.Pos(start), Hi: source.Pos(end)}, Kind: ast.CDefinition, Text: string(p.src[start:end])}
}

func (p *parser) misplacedC(cd *ast.CDecl) {
	span := cd.Span()
	if i := strings.IndexByte(cd.Text, '\n'); i >= 0 {
		span.End = span.Start + source.Pos(i)
	}
	e := p.errorf(span, CodeMisplacedCDefinition, "C definitions must come before the config block, imports and probes")
	hint(e, "move #include/#define lines and struct, union and enum definitions to the top of the script")
}

// ---------------------------------------------------------------------
// Probes

func (p *parser) parseProbe() ast.Decl {
	probe := &ast.Probe{}
	for {
		start := p.sc.Offset()
		end := p.sc.RawAttachPoint()
		if end == start {
			// Nothing readable as an attach point, e.g. ", ," or a stray
			// character; report it and let the caller skip.
			p.enterTokens()
			p.errorf(p.tok.Span(), CodeSyntax, "expected an attach point, found %s", p.tok.Describe())
			break
		}
		if cut := p.slashCut(start, end); cut > start {
			end = cut
			p.sc.SetOffset(end)
			span := source.Span{Start: source.Pos(end), End: source.Pos(end + 1)}
			if n := p.sc.PeekByte(1); n == '/' || n == '*' {
				e := p.errorf(span, probes.CodeBadAttachPoint, "missing white space between the attach point and the comment")
				hint(e, "bpftrace reads a comment glued to an attach point as part of it; put a space before it")
			} else {
				e := p.errorf(span, probes.CodeBadAttachPoint, "missing white space between the attach point and the predicate")
				hint(e, "a '/' right after an attach point is read as part of it; write e.g. 'kprobe:f /pid == 1/ { }'")
			}
		}
		p.prevEnd = source.Pos(end)
		probe.AttachPoints = append(probe.AttachPoints, p.attachPoint(start, end))
		p.sc.SkipLayout()
		p.drainLayout()
		if p.sc.PeekByte(0) != ',' {
			p.enterTokens()
			break
		}
		p.sc.SetOffset(p.sc.Offset() + 1)
		p.prevEnd = source.Pos(p.sc.Offset())
		p.sc.SkipLayout()
		p.drainLayout()
		c, n := p.sc.PeekByte(0), p.sc.PeekByte(1)
		if c == '{' || c == '/' && n != '/' && n != '*' || p.sc.Offset() >= len(p.src) {
			// Trailing comma.
			p.enterTokens()
			break
		}
	}
	if len(probe.AttachPoints) == 0 {
		lo := p.tok.Pos
		p.syncTop(true)
		p.leaveTokens()
		return &ast.BadDecl{Range: ast.Range{Lo: lo, Hi: max(lo, p.prevEnd)}}
	}
	probe.Lo = probe.AttachPoints[0].Lo
	if p.is(scanner.QUO) {
		lo := p.tok.Pos
		p.next()
		probe.Predicate = p.parseExpr()
		if !p.is(scanner.QUO) {
			e := p.errorf(p.tok.Span(), CodeExpectedToken, "expected '/' to end the predicate, found %s", p.tok.Describe())
			if p.is(scanner.ASSIGN) {
				hint(e, "use '==' to compare")
			} else {
				hint(e, "a predicate is written /condition/ between the attach points and the '{'")
			}
		} else {
			p.next()
		}
		probe.PredRange = ast.Range{Lo: lo, Hi: p.prevEnd}
	}
	if p.is(scanner.LBRACE) {
		probe.Body = p.parseBlock(false)
	} else {
		what := "after the attach points"
		if probe.Predicate != nil {
			what = "after the predicate"
		}
		e := p.errorf(p.tok.Span(), CodeExpectedToken, "expected '{' %s, found %s", what, p.tok.Describe())
		if p.is(scanner.IDENT) && !p.atLineStart(p.tok.Pos) && probe.Predicate == nil {
			hint(e, "attach points end at white space; separate several with ','")
		}
		probe.Body = &ast.BlockExpr{Range: ast.Range{Lo: p.prevEnd, Hi: p.prevEnd}}
		p.syncTop(false)
	}
	probe.Hi = p.prevEnd
	p.leaveTokens()
	return probe
}

// slashCut finds where an attach point read by RawAttachPoint really
// ends when a '/' is glued to it: "//" or "/*" before the provider's ':'
// (bpftrace reads the comment as part of the attach point), or any '/'
// after the ':' of a provider whose fields never hold a path
// (`kprobe:f/pred/` is a predicate without the white space before it).
// It returns the offset of that '/', or 0 when the attach point is fine.
func (p *parser) slashCut(start, end int) int {
	raw := p.src[start:end]
	colon := -1
	for i, c := range raw {
		if c == '"' {
			return 0
		}
		if c == '/' {
			return start + i // before any ':', always "//" or "/*"
		}
		if c == ':' {
			colon = i
			break
		}
	}
	if colon < 0 {
		return 0
	}
	name := string(raw[:colon])
	if i := strings.IndexByte(name, '='); i >= 0 {
		name = name[i+1:]
	}
	prov := probes.Lookup(name)
	if prov == nil {
		return 0
	}
	switch prov.Name {
	case "uprobe", "uretprobe", "usdt", "iter":
		return 0
	}
	quoted := false
	for i := colon; i < len(raw); i++ {
		switch raw[i] {
		case '"':
			quoted = !quoted
		case '/':
			if !quoted && i > colon+1 {
				return start + i
			}
		}
	}
	return 0
}

func (p *parser) attachPoint(start, end int) *ast.AttachPoint {
	raw := string(p.src[start:end])
	res := probes.ParseAttachPoint(raw, source.Pos(start))
	for _, d := range res.Problems {
		p.add(d)
	}
	return &ast.AttachPoint{
		Range:    ast.Range{Lo: source.Pos(start), Hi: source.Pos(end)},
		Raw:      raw,
		Name:     res.Name,
		Provider: res.Provider,
		Fields:   res.Fields,
	}
}
