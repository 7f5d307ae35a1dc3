package check

import (
	"testing"

	"github.com/bt-tools/bt/analysis/types"
)

// The names typeinfo() gives, as bpftrace v0.26 prints them.
func TestTypeinfoStrings(t *testing.T) {
	task := types.NewStruct("task_struct", false, 64, nil)
	for _, tc := range []struct {
		t          types.Type
		base, full string
	}{
		{types.Uint32, "int", "uint32"},
		{types.Int8, "int", "int8"},
		{types.Bool{}, "bool", "bool"},
		{&types.String{Len: 4}, "string", "string[4]"},
		{&types.Buffer{Len: 8}, "buffer", "buffer[8]"},
		{&types.Pointer{Elem: task, Space: types.AddrKernel}, "pointer", "struct task_struct *"},
		{&types.Pointer{Elem: types.Int64}, "pointer", "int64 *"},
		{&types.Array{Elem: types.Uint8, Len: 6}, "array", "uint8[6]"},
		{&types.Tuple{Elems: []types.Type{&types.String{Len: 2}, types.Int8}}, "tuple", "(string[2],int8)"},
		{&types.Record{Names: []string{"a", "b"}, Elems: []types.Type{types.Int64, types.Bool{}}}, "record", "record { .a = int64, .b = bool }"},
		{&types.Enum{Name: "color", Bytes: 4}, "int", "enum color"},
		{&types.Typedef{Name: "pid_t", Type: types.Int32}, "int", "int32"},
	} {
		base, full := TypeinfoStrings(tc.t)
		if base != tc.base || full != tc.full {
			t.Errorf("%v: (%q, %q), want (%q, %q)", tc.t, base, full, tc.base, tc.full)
		}
	}
}
