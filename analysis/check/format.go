package check

import (
	"errors"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/source"
)

// rawOffsets maps each byte offset of a string literal's decoded value
// to the offset in its raw text (quotes included), so that a problem in
// the value can be shown at its place in the source. The result has
// len(value)+1 entries; the last is the closing quote.
func rawOffsets(raw string) []int {
	var out []int
	i := 0
	if i < len(raw) && raw[i] == '"' {
		i++
	}
	for i < len(raw) {
		ch := raw[i]
		if ch == '"' && i == len(raw)-1 {
			break
		}
		if ch != '\\' || i+1 >= len(raw) {
			out = append(out, i)
			i++
			continue
		}
		start := i
		i++ // the backslash
		switch e := raw[i]; {
		case e == 'x':
			i++
			for n := 0; n < 2 && i < len(raw) && isHex(raw[i]); n++ {
				i++
			}
		case e >= '0' && e <= '7':
			for n := 0; n < 3 && i < len(raw) && raw[i] >= '0' && raw[i] <= '7'; n++ {
				i++
			}
		default:
			i++
		}
		out = append(out, start)
	}
	out = append(out, i)
	return out
}

func isHex(b byte) bool {
	return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F')
}

// verbSpan is the source span of the format specification [start, end)
// of a string literal's value.
func verbSpan(lit *ast.StringLit, start, end int) source.Span {
	offs := rawOffsets(lit.Raw)
	if len(offs) != len(lit.Value)+1 || start < 0 || end > len(lit.Value) || start > end {
		return lit.Span()
	}
	return source.Span{Start: lit.Pos() + source.Pos(offs[start]), End: lit.Pos() + source.Pos(offs[end])}
}

// checkFormat checks the format string argument fi of a printf-like
// call against the arguments that follow it, verb by verb.
func (c *checker) checkFormat(x *ast.CallExpr, b *builtins.Builtin, fi int, args []argInfo) {
	src, srcFile := c.argSource(args[fi].x)
	lit, ok := ast.Unparen(src).(*ast.StringLit)
	if !ok {
		return
	}
	if srcFile != c.file {
		// The format comes from a macro's caller: report there.
		saved := c.file
		c.file = srcFile
		defer func() { c.file = saved }()
	}
	verbs, err := builtins.ParseFormat(lit.Value)
	var fe *builtins.FormatError
	if errors.As(err, &fe) {
		c.reportSpan(errSev, verbSpan(lit, fe.Start, fe.End), CodeFormat, "%s(): %s", b.Name, fe.Msg)
		return
	}
	rest := args[fi+1:]
	debug := b.Name == "debugf"
	for i, v := range verbs {
		if i >= len(rest) {
			c.reportSpan(errSev, verbSpan(lit, v.Start, v.End), CodeFormatArgs,
				"not enough arguments for format string (%d supplied, %d expected)", len(rest), len(verbs))
			return
		}
		a := rest[i]
		if v.Info == nil {
			continue
		}
		want := v.Info.Arg
		if debug {
			want = v.Info.Debugf
			if want == builtins.VerbNone {
				c.reportSpan(errSev, verbSpan(lit, v.Start, v.End), CodeFormat, "debugf() does not support %s", v.String())
				continue
			}
		}
		t := a.arg.Type
		if pp, ok := ast.Unparen(a.x).(*ast.PositionalParam); ok && !pp.Count {
			// A positional parameter is a string or a number depending
			// on what is passed on the command line.
			continue
		}
		if !known(t) {
			continue
		}
		if !want.Accepts(t) && !(castableAgg(t) && (want == builtins.VerbInteger || want == builtins.VerbIntOnly || want == builtins.VerbAny)) {
			d := c.reportSpan(errSev, verbSpan(lit, v.Start, v.End), CodeFormat,
				"%s(): %s expects %s, but argument %d has type %s", b.Name, v.String(), want, fi+i+2, typeName(t))
			noteAt(d, c.file, a.x, "argument %d is %s", fi+i+2, typeName(t))
		}
	}
	if len(rest) > len(verbs) {
		extra := rest[len(verbs)]
		c.errorf(extra.x, CodeFormatArgs, "too many arguments for format string (%d supplied, %d expected)", len(rest), len(verbs))
	}
}
