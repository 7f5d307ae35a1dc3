package check

import (
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
)

// Folding integer literals stays within 64 bits, as in bpftrace: an
// operation on constants whose result does not fit is an error.
func TestFoldOverflow(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want string // error code, "" for none
	}{
		{"0xffffffffffffffff + 0", ""},
		{"0xffffffffffffffff - 1", ""},
		{"0 - 5", ""},
		{"-1 & 0x7fffffffffffffff", ""},
		{"1 << 63", ""},
		{"0x7fffffffffffffff + 1", ""},
		{"0xffffffffffffffff + 1", "literal-out-of-range"},
		{"0x8000000000000000 + (-1)", "literal-out-of-range"},
		{"1 - 0xffffffffffffffff", "literal-out-of-range"},
		{"0 - 0x8000000000000001", "literal-out-of-range"},
		{"0x7fffffffffffffff - (-1)", "literal-out-of-range"},
		{"-1 & 0xffffffffffffffff", "literal-out-of-range"},
		{"1 << 64", "literal-out-of-range"},
		{"1 >> 64", "literal-out-of-range"},
		{"0x8000000000000000 * 2", "literal-out-of-range"},
		{"false / false", "division-by-zero"},
		{"7 % 0", "division-by-zero"},
	} {
		src := "begin { @x = " + tc.expr + "; }"
		f, pd := parser.ParseFile(source.NewFile("fold.bt", []byte(src)))
		if pd.HasErrors() {
			t.Fatalf("%s: %v", src, pd)
		}
		var codes []string
		for _, d := range Check([]*ast.File{f}, Config{}).Diags {
			if d.Severity == diag.Error {
				codes = append(codes, string(d.Code))
			}
		}
		if got := strings.Join(codes, ","); got != tc.want {
			t.Errorf("%s: errors %q, want %q", tc.expr, got, tc.want)
		}
	}
}
