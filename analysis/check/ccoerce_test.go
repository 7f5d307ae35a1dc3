package check

import (
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/types"
)

// cfuncScope is a CScope of given functions.
type cfuncScope map[string]*CFunc

func (f cfuncScope) Type(string) (types.Type, bool) { return nil, false }
func (f cfuncScope) Func(n string) (*CFunc, bool)   { c, ok := f[n]; return c, ok }
func (f cfuncScope) Define(string) (*CDefine, bool) { return nil, false }
func (f cfuncScope) Names() []string                { return nil }

func cfn(name string, result types.Type, params ...types.Type) *CFunc {
	f := &CFunc{Name: name, Result: result}
	for _, p := range params {
		f.Params = append(f.Params, CParam{Name: "p", Type: p})
	}
	return f
}

// The coercions at C calls: strings and arrays by address, string[N]
// for char[N], and no pointer to an integer of another width.
func TestCCallArgumentCoercions(t *testing.T) {
	ptr := func(e types.Type) types.Type { return &types.Pointer{Elem: e, Space: types.AddrKernel} }
	c := cfuncScope{
		"takes_str":   cfn("takes_str", types.Int32, ptr(types.Int8)),
		"takes_void":  cfn("takes_void", types.Int32, ptr(types.Void{})),
		"fill_comm":   cfn("fill_comm", types.Int32, ptr(&types.Array{Elem: types.Int8, Len: 16})),
		"set_int":     cfn("set_int", types.Void{}, ptr(types.Int32)),
		"takes_u64s":  cfn("takes_u64s", types.Int32, ptr(types.Uint64)),
		"takes_short": cfn("takes_short", types.Int32, ptr(types.Int16)),
	}
	for _, tc := range []struct {
		body string
		want string // a substring of the first error, "" for none
	}{
		{`print(takes_str("hello"));`, ""},
		{`print(takes_void("hello"));`, ""},
		{`let $b: string[16]; print(fill_comm(&$b)); print($b);`, ""},
		{`let $b: string[8]; print(fill_comm(&$b));`, "does not match"},
		{`let $x: int32; set_int(&$x); print($x);`, ""},
		{`let $x: int64; set_int(&$x);`, "another width"},
		{`@m[1] = (int8)1; set_int(&@m[1]);`, "another width"},
		{`let $a: uint64[2]; $a = $a; print(takes_u64s($a));`, ""},
		{`let $a: uint64[2]; $a = $a; print(takes_short($a));`, "must be"},
		{`print(takes_str(1 + 2 > 0));`, "must be"},
	} {
		src := "begin { " + tc.body + " }\n"
		prog := Check([]*ast.File{parseScript(t, "c.bt", src)}, Config{C: c})
		var errs []string
		for _, d := range prog.Diags {
			if strings.Contains(tc.body, "&$") && (d.Code == CodeUsedBeforeAssigned || d.Code == CodeNeverAssigned) {
				t.Errorf("%s: a variable passed by address to C is assigned: %s", tc.body, d.Message)
			}
			if d.Severity.String() == "error" {
				errs = append(errs, d.Message)
			}
		}
		switch {
		case tc.want == "" && len(errs) > 0:
			t.Errorf("%s: unexpected errors %q", tc.body, errs)
		case tc.want != "" && (len(errs) == 0 || !strings.Contains(errs[0], tc.want)):
			t.Errorf("%s: errors %q, want one containing %q", tc.body, errs, tc.want)
		}
	}
}
