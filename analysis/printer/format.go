package printer

import (
	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
)

// Format parses src (named name in diagnostics) and returns it in
// canonical form, with the parser's diagnostics. A script with syntax
// errors is not formatted: Format returns nil and the diagnostics.
//
// Errors about what an attach point says (an unknown provider, an offset
// where the provider takes none, ...) do not stop formatting, as they do
// not stop bpftrace's formatter: attach points are printed as written.
func Format(src []byte, name string) ([]byte, diag.List) {
	f, diags := parser.ParseFile(source.NewFile(name, src))
	if !Formattable(f, diags) {
		return nil, diags
	}
	return []byte(Sprint(f)), diags
}

// Formattable reports whether tree f, parsed with diags, can be printed:
// it has no errors other than attach point ones, and those did not cost
// a probe its body.
func Formattable(f *ast.File, diags diag.List) bool {
	for _, d := range f.Decls {
		pr, ok := d.(*ast.Probe)
		if !ok {
			continue
		}
		if b := pr.Body; b == nil || f.Source == nil || b.Hi <= b.Lo || int(b.Lo) >= len(f.Source.Text) || f.Source.Text[b.Lo] != '{' {
			return !diags.HasErrors()
		}
	}
	for _, d := range diags {
		if d.Severity != diag.Error {
			continue
		}
		switch d.Code {
		case probes.CodeBadAttachPoint, probes.CodeUnknownProvider:
			continue
		}
		return false
	}
	return true
}
