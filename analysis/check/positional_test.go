package check

import (
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
)

// Positional parameters fill constant positions: with values (bt check
// FILE -- ARGS) they are checked as those constants; without, what needs
// their value is not reported.
func TestPositionalConstants(t *testing.T) {
	for _, tc := range []struct {
		src  string
		args []string // nil: no values given
		want string   // code of the expected error, "" for none
	}{
		{"begin { unroll($1) { print(1); } }", nil, ""},
		{"begin { unroll($1 * 2) { print(1); } }", nil, ""},
		{"begin { unroll($#) { print(1); } }", nil, ""},
		{"begin { if comptime ($1 > 2) { print(1); } }", nil, ""},
		{"begin { unroll(pid) { print(1); } }", nil, "invalid-unroll-count"},
		{"begin { unroll($1) { print(1); } }", []string{"5"}, ""},
		{"begin { unroll($1) { print(1); } }", []string{"0x10"}, ""},
		{"begin { unroll($1) { print(1); } }", []string{"500"}, "invalid-unroll-count"},
		{"begin { unroll($1) { print(1); } }", []string{"0"}, "invalid-unroll-count"},
		{"begin { unroll($#) { print(1); } }", []string{"a", "b"}, ""},
		{"begin { unroll($2) { print(1); } }", []string{"3"}, "invalid-unroll-count"},
		{"begin { @h = lhist(1, 0, $1, 1); }", []string{"eth0"}, "wrong-argument-type"},
		{"begin { @h = lhist(1, 0, $1, 1); }", []string{"100"}, ""},
		{"begin { $t = (1, \"a\"); print($t.1); unroll($1) { print($1); } }", []string{"2"}, ""},
		// A positional that is not a number is a string literal: where a
		// literal is needed, through str() and with a constant offset.
		{"begin { @ = lhist(0, $1, $2, $3); }", []string{"0", "10000", "1000"}, ""},
		{"begin { @ = lhist(0, $1, $2, $3); }", nil, ""},
		{"begin { @ = lhist(0, $1, $2, $3); }", []string{"0", "10000", "0"}, "wrong-argument-type"},
		{"begin { @ = kaddr($1); }", []string{"vfs_read"}, ""},
		{"begin { @ = kaddr(str($1)); }", []string{"vfs_read"}, ""},
		{"begin { @ = kaddr(str($1 + 1)); }", []string{"vfs_read"}, ""},
		{"begin { @ = kaddr(str($1)); }", []string{"5"}, ""},
		{"begin { printf(\"%s\", str($1 + 1)); }", []string{"hello"}, ""},
		{"begin { $a = 1; printf(\"%s\", $1 + $a); }", []string{"hello"}, "invalid-operands"},
	} {
		f, pd := parser.ParseFile(source.NewFile("pos.bt", []byte(tc.src)))
		if pd.HasErrors() {
			t.Fatalf("%s: %v", tc.src, pd)
		}
		prog := Check([]*ast.File{f}, Config{Positional: tc.args, HasPositional: tc.args != nil})
		var codes []string
		for _, d := range prog.Diags {
			if d.Severity == diag.Error {
				codes = append(codes, string(d.Code))
			}
		}
		got := strings.Join(codes, ",")
		if got != tc.want {
			t.Errorf("%s -- %q: errors %q, want %q", tc.src, tc.args, got, tc.want)
		}
	}
}
