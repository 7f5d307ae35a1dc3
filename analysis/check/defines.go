package check

import (
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// A script's object-like #define is expanded where its name is used, as
// a bpftrace expression (bpftrace parses the replacement text with its
// own grammar): `#define MS 1e6`, `#define PID (uint32)$1` work though C
// cannot evaluate them. A define C evaluates to an integer stays a
// constant (its uses are SymDefine symbols with a known value); a body
// that is not one bpftrace expression is an error where it is used.

// scriptDefine is one `#define NAME body` of a checked .bt file.
type scriptDefine struct {
	name     string
	file     *source.File
	decl     *ast.CDecl
	nameSpan source.Span
	body     ast.Expr  // nil when the body does not parse
	errs     diag.List // why it does not parse
	sym      *Symbol
}

// collectDefine records d when it is an object-like #define.
func (c *checker) collectDefine(d *ast.CDecl) {
	text := d.Text
	i := strings.IndexByte(text, '#')
	if i < 0 {
		return
	}
	j := i + 1
	for j < len(text) && (text[j] == ' ' || text[j] == '\t') {
		j++
	}
	if !strings.HasPrefix(text[j:], "define") {
		return
	}
	j += len("define")
	k := j
	for k < len(text) && (text[k] == ' ' || text[k] == '\t') {
		k++
	}
	if k == j {
		return
	}
	n := k
	for n < len(text) && isCIdentByte(text[n]) {
		n++
	}
	if n == k || (n < len(text) && text[n] == '(') {
		return // no name, or a function-like macro (C only)
	}
	name := text[k:n]
	if c.defines == nil {
		c.defines = map[string]*scriptDefine{}
	}
	if _, dup := c.defines[name]; dup {
		return // C's preprocessor reports redefinitions
	}
	base := int(d.Lo)
	sd := &scriptDefine{name: name, file: c.file, decl: d,
		nameSpan: source.Span{Start: source.Pos(base + k), End: source.Pos(base + n)}}
	// The body is parsed in a copy of the file where everything else is
	// blank, so that its nodes carry their positions in the script.
	body := strings.TrimSpace(strings.ReplaceAll(stripLineComment(text[n:]), "\\\n", "  "))
	if body == "" {
		return // an empty define is a C feature test, not a value
	}
	src := c.file.Text
	blank := make([]byte, len(src))
	for p := range blank {
		if src[p] == '\n' {
			blank[p] = '\n'
		} else {
			blank[p] = ' '
		}
	}
	lo, hi := base+n, base+len(text)
	for p := lo; p < hi && p < len(src); p++ {
		if src[p] == '\\' && p+1 < len(src) && src[p+1] == '\n' {
			continue
		}
		blank[p] = src[p]
	}
	if cut := strings.Index(string(blank[lo:hi]), "//"); cut >= 0 {
		for p := lo + cut; p < hi; p++ {
			if blank[p] != '\n' {
				blank[p] = ' '
			}
		}
	}
	x, errs := parser.ParseExprIn(source.NewFile(c.file.Name, blank))
	if errs.HasErrors() {
		sd.errs = errs
	} else {
		sd.body = x
	}
	c.defines[name] = sd
}

// stripLineComment drops a // comment at the end of a define's text.
func stripLineComment(s string) string {
	if i := strings.Index(s, "//"); i >= 0 && !strings.Contains(s[:i], `"`) {
		return s[:i]
	}
	return s
}

// defineExpr checks a use of a script #define that is not a C constant:
// its body, cloned for this use, is checked in the caller's context.
// It returns ok=false when name is no such define.
func (c *checker) defineExpr(x *ast.Ident, constant bool) (types.Type, bool) {
	sd := c.defines[x.Name]
	if sd == nil {
		return nil, false
	}
	if sd.body == nil {
		msg := "not an expression"
		if len(sd.errs) > 0 {
			msg = sd.errs[0].Message
		}
		e := c.errorf(x, CodeMacroExpansion, "cannot expand #define %s as an expression: %s", x.Name, msg)
		noteAt(e, sd.file, sd.decl, "%s is defined here", x.Name)
		return nil, true
	}
	if constant {
		return nil, false
	}
	if sd.sym == nil {
		loc := locationOf(sd.file, sd.nameSpan)
		sd.sym = &Symbol{Kind: SymDefine, Name: sd.name, Loc: &loc}
	}
	c.info.Uses[x] = sd.sym
	for _, active := range c.defineStack {
		if active.def == sd {
			e := c.errorf(x, CodeMacroRecursion, "#define %s expands to itself", x.Name)
			noteAt(e, sd.file, sd.decl, "%s is defined here", x.Name)
			return nil, true
		}
	}
	body := c.defineExps[x]
	if body == nil {
		if c.defineExps == nil {
			c.defineExps = map[*ast.Ident]*ast.BlockExpr{}
		}
		body = &ast.BlockExpr{Range: ast.RangeOf(sd.body.Span()), Value: cloneExpr(sd.body)}
		c.defineExps[x] = body
	}
	c.info.IdentCalls[x] = &CallInfo{Kind: SymMacro, Symbol: sd.sym, Expansion: body}
	c.defineStack = append(c.defineStack, defineUse{sd, x, c.file})
	saved := c.file
	c.file = sd.file
	t := c.expr(body.Value)
	c.file = saved
	c.defineStack = c.defineStack[:len(c.defineStack)-1]
	if t != nil {
		c.info.Types[body] = t
		if v, ok := c.info.Consts[body.Value]; ok {
			c.info.Consts[x] = v
		}
	}
	return t, true
}

// defineUse is a #define being expanded and the use that expands it.
type defineUse struct {
	def  *scriptDefine
	use  *ast.Ident
	file *source.File
}

// locationOf converts a span of f into a Location.
func locationOf(f *source.File, s source.Span) Location {
	p := f.Position(s.Start)
	return Location{Path: f.Name, Offset: int(s.Start), Line: p.Line, Column: p.Column}
}

func isCIdentByte(b byte) bool {
	return b == '_' || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
}
