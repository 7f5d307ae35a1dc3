package check

import (
	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/types"
)

// sameBytesAsString reports whether a and b are a string[N] and a C
// array of N one-byte integers (char[N]), in either order: the same
// memory, so a pointer to one may be passed where C wants a pointer to
// the other — a char[16] the C fills is then a string in the script.
func sameBytesAsString(a, b types.Type) bool {
	s, ok := types.Underlying(a).(*types.String)
	if !ok {
		a, b = b, a
		if s, ok = types.Underlying(a).(*types.String); !ok {
			return false
		}
	}
	arr, ok := types.Underlying(b).(*types.Array)
	if !ok || s.Len <= 0 || arr.Len != s.Len {
		return false
	}
	elem, ok := types.Underlying(arr.Elem).(*types.Int)
	return ok && elem.Bits == 8
}

// passedByAddress reports whether a value of type t may be passed where
// C wants the pointer want: a string to a char (or void) pointer, and an
// array to a pointer to its element type. The compiler passes the
// address of the value's fixed-size memory, as C passes arrays.
func passedByAddress(t types.Type, want *types.Pointer) bool {
	switch x := types.Underlying(t).(type) {
	case *types.String:
		if isVoid(want.Elem) {
			return true
		}
		e, ok := types.Underlying(want.Elem).(*types.Int)
		return ok && e.Bits == 8
	case *types.Array:
		return isVoid(want.Elem) || sameKind(x.Elem, want.Elem) && x.Elem.Size() == want.Elem.Size()
	}
	return false
}

// pointeeWidthsDiffer reports whether t and want are pointers to
// integers of different sizes: C would read or write through the pointer
// with its own width, past the end of the script's value or short of it.
func pointeeWidthsDiffer(t, want types.Type) bool {
	tp, wp := ptrOf(t), ptrOf(want)
	if tp == nil || wp == nil {
		return false
	}
	ti, ok1 := types.Underlying(tp.Elem).(*types.Int)
	wi, ok2 := types.Underlying(wp.Elem).(*types.Int)
	return ok1 && ok2 && ti.Bits != wi.Bits
}

// cOutArg notes that C may write a variable whose address a call passes
// (`f(&$buf)`): it then counts as assigned, for the used-before-assigned
// and never-assigned warnings.
func (c *checker) cOutArg(a ast.Expr) {
	u, ok := ast.Unparen(a).(*ast.UnaryExpr)
	if !ok || u.Op != "&" {
		return
	}
	v, ok := ast.Unparen(u.X).(*ast.Variable)
	if !ok {
		return
	}
	if sym, _ := c.lookupVar(v.Name); sym != nil && sym.Type != nil {
		c.assigned[sym] = true
		c.written[sym] = true
	}
}
