package check

import (
	"bytes"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
)

// Legacy syntax is accepted with a warning whose fix is the modern
// spelling.

// legacyProviders maps old provider spellings to the current ones.
var legacyProviders = map[string]struct {
	code diag.Code
	new  string
}{
	"BEGIN":    {CodeLegacyBegin, "begin"},
	"END":      {CodeLegacyEnd, "end"},
	"kfunc":    {CodeLegacyKfunc, "fentry"},
	"kretfunc": {CodeLegacyKfunc, "fexit"},
}

func (c *checker) legacyAttach(ap *ast.AttachPoint) {
	if len(ap.Fields) == 0 {
		return
	}
	f := ap.Fields[0]
	if f.Quoted {
		return
	}
	l, ok := legacyProviders[f.Text]
	if !ok {
		return
	}
	e := c.warnf(&f, l.code, "%s is the old name of the %s probe; write %s", f.Text, l.new, l.new)
	fixReplace(e, c.file, f.Span(), "rename to "+l.new, l.new)
}

// legacyArrow warns about `args->field`, the old spelling of
// `args.field`. (For other values `->` remains a documented alias of
// `.` and is accepted silently.)
func (c *checker) legacyArrow(x *ast.FieldExpr) {
	id, ok := x.X.(*ast.Ident)
	if !ok || id.Name != "args" || x.Field == nil || c.file == nil {
		return
	}
	span, ok := c.arrowSpan(x)
	if !ok {
		return
	}
	e := c.reportSpan(diag.Warning, span, CodeLegacyArrow, "args->%s is the old spelling of args.%s", x.Field.Name, x.Field.Name)
	fixReplace(e, c.file, span, "use .", ".")
}

// arrowSpan finds the `->` between a field expression's operand and its
// field name.
func (c *checker) arrowSpan(x *ast.FieldExpr) (source.Span, bool) {
	lo, hi := int(x.X.End()), int(x.Field.Pos())
	if lo < 0 || hi > len(c.file.Text) || lo > hi {
		return source.Span{}, false
	}
	i := bytes.Index(c.file.Text[lo:hi], []byte("->"))
	if i < 0 {
		return source.Span{}, false
	}
	start := source.Pos(lo + i)
	return source.Span{Start: start, End: start + 2}, true
}

func (c *checker) legacyWhile(s *ast.WhileStmt) {
	e := c.reportSpan(diag.Warning, source.Span{Start: s.Pos(), End: s.Pos() + 5}, CodeLegacyWhile,
		"while loops are deprecated")
	e.Hint = "use a for loop over a range, e.g. for ($i : 0..$n) { ... }, which the verifier can prove bounded"
}

// legacyDeleteFix adds the modern spelling of delete(@m[k]) as a fix:
// delete(@m, k), with several keys as one tuple.
func (c *checker) legacyDeleteFix(e *diag.Diagnostic, x *ast.CallExpr) {
	if e == nil || len(x.Args) != 1 {
		return
	}
	ma, ok := ast.Unparen(x.Args[0]).(*ast.MapAccess)
	if !ok || ma.Map == nil || len(ma.Keys) == 0 {
		return
	}
	var keys []string
	for _, k := range ma.Keys {
		keys = append(keys, string(c.textOf(k)))
	}
	key := keys[0]
	if len(keys) > 1 {
		key = "(" + strings.Join(keys, ", ") + ")"
	}
	fixReplace(e, c.file, ma.Span(), "pass the map and the key separately", string(c.textOf(ma.Map))+", "+key)
}
