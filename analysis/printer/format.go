package printer

import (
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
)

// Format parses src (named name in diagnostics) and returns it in
// canonical form, with the parser's diagnostics. A script with errors is
// not formatted: Format returns nil and the diagnostics.
func Format(src []byte, name string) ([]byte, diag.List) {
	f, diags := parser.ParseFile(source.NewFile(name, src))
	if diags.HasErrors() {
		return nil, diags
	}
	return []byte(Sprint(f)), diags
}
