package btftypes

import (
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/types"
)

func TestConvertBTF(t *testing.T) {
	char := &btf.Int{Name: "char", Size: 1, Encoding: btf.Signed | btf.Char}
	u32 := &btf.Int{Name: "unsigned int", Size: 4}
	node := &btf.Struct{Name: "node", Size: 24}
	node.Members = []btf.Member{
		{Name: "next", Type: &btf.Pointer{Target: node}, Offset: 0},
		{Name: "comm", Type: &btf.Array{Type: char, Nelems: 16}, Offset: 64},
		{Name: "flags", Type: &btf.Typedef{Name: "u32", Type: u32}, Offset: 192, BitfieldSize: 3},
	}
	user := &btf.Pointer{Target: &btf.TypeTag{Value: "user", Type: &btf.Const{Type: char}}}

	c := New(nil)
	got := c.Convert(node)
	s, ok := got.(*types.Struct)
	if !ok || s.Name != "node" || s.Size() != 24 || s.Origin != "btf" {
		t.Fatalf("struct: %#v", got)
	}
	if c.Convert(node) != got {
		t.Error("same BTF type converted twice to different values")
	}
	next, _ := s.Field("next")
	if p, ok := next.Type.(*types.Pointer); !ok || p.Elem != got || p.Space != types.AddrKernel {
		t.Errorf("next: %#v", next.Type)
	}
	comm, _ := s.Field("comm")
	if !types.Identical(comm.Type, &types.String{Len: 16}) || comm.BitOffset != 64 {
		t.Errorf("comm: %+v", comm)
	}
	flags, _ := s.Field("flags")
	if flags.BitSize != 3 || !types.Identical(types.Underlying(flags.Type), types.Uint32) {
		t.Errorf("flags: %+v", flags)
	}
	if p, ok := c.Convert(user).(*types.Pointer); !ok || p.Space != types.AddrUser || !types.Identical(p.Elem, types.Int8) {
		t.Errorf("user pointer: %#v", c.Convert(user))
	}
	if _, ok := c.Convert(&btf.Int{Name: "_Bool", Size: 1, Encoding: btf.Bool}).(types.Bool); !ok {
		t.Error("bool")
	}
	u8arr := &btf.Array{Type: &btf.Typedef{Name: "u8", Type: &btf.Int{Name: "unsigned char", Size: 1, Encoding: btf.Char}}, Nelems: 6}
	if _, ok := c.Convert(u8arr).(*types.Array); !ok {
		t.Errorf("u8[6] should stay an array: %#v", c.Convert(u8arr))
	}
}
