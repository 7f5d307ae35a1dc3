package check

import "github.com/bt-tools/bt/analysis/types"

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
