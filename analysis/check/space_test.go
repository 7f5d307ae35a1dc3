package check

import (
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/types"
)

// TestUserPointerToPointers: pointers read through a user pointer point
// to user memory too.
func TestUserPointerToPointers(t *testing.T) {
	k := checkText(t, `uprobe:/bin/sh:main { $pp = (int **)arg0; $q = $pp[2]; }`, Config{})
	k.noErrors()
	n := k.innermost(k.posOf("$pp[2]", 0, 1), func(n ast.Node) bool { _, ok := n.(*ast.IndexExpr); return ok })
	if p, ok := k.prog.Info.Types[n.(ast.Expr)].(*types.Pointer); !ok || p.Space != types.AddrUser {
		t.Errorf("$pp[2]: type %v, want a user pointer", k.prog.Info.Types[n.(ast.Expr)])
	}
}

// TestWithSpaceArrays: the elements of an array of pointers read from
// user memory are user pointers, whether the array's type came from the
// kernel or from the script's C (no address space).
func TestWithSpaceArrays(t *testing.T) {
	for _, sp := range []types.AddrSpace{types.AddrNone, types.AddrKernel} {
		arr := &types.Array{Elem: &types.Pointer{Elem: types.Int32, Space: sp}, Len: 4}
		got, ok := withSpace(arr, types.AddrUser).(*types.Array)
		if !ok || got.Len != 4 {
			t.Fatalf("withSpace(%v) = %v", arr, got)
		}
		if p, ok := got.Elem.(*types.Pointer); !ok || p.Space != types.AddrUser {
			t.Errorf("element of withSpace(%v): %v, want a user pointer", arr, got.Elem)
		}
		if withSpace(arr, types.AddrKernel) != arr {
			t.Errorf("withSpace(%v, kernel) changed the type", arr)
		}
	}
	if a := (&types.Array{Elem: types.Int32, Len: 2}); withSpace(a, types.AddrUser) != a {
		t.Errorf("an array of integers changed")
	}
}
