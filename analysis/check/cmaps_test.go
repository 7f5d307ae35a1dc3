package check

import (
	"bytes"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/types"
)

// mapDef is the BTF of a libbpf map definition: __uint(type, t),
// __uint(max_entries, n), __type(key, k), __type(value, v).
func mapDef(t, n uint32, k, v btf.Type) *btf.Struct {
	i32 := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	uintOf := func(name string, val uint32, off btf.Bits) btf.Member {
		return btf.Member{Name: name, Type: &btf.Pointer{Target: &btf.Array{Type: i32, Index: i32, Nelems: val}}, Offset: off}
	}
	return &btf.Struct{Size: 32, Members: []btf.Member{
		uintOf("type", t, 0), uintOf("max_entries", n, 64),
		{Name: "key", Type: &btf.Pointer{Target: k}, Offset: 128},
		{Name: "value", Type: &btf.Pointer{Target: v}, Offset: 192},
	}}
}

// The maps of a compiled object, as a warm `bt run` and an imported
// .bpf.o see them: variables of its .maps section, and extern variables
// whose type is a map definition (not other externs).
func TestCMapsFromBTF(t *testing.T) {
	u32 := &btf.Int{Name: "u32", Size: 4}
	u64 := &btf.Int{Name: "u64", Size: 8}
	s32 := &btf.Int{Name: "s32", Size: 4, Encoding: btf.Signed}
	hits := &btf.Var{Name: "hits", Type: mapDef(1, 64, u32, u64), Linkage: btf.GlobalVar}
	slots := &btf.Var{Name: "slots", Type: mapDef(2, 2, u32, s32), Linkage: btf.GlobalVar}
	percpu := &btf.Var{Name: "pc", Type: mapDef(5, 8, u32, u64), Linkage: btf.GlobalVar}
	limits := &btf.Var{Name: "limits", Type: mapDef(1, 0, u64, u64), Linkage: btf.ExternVar}
	ksym := &btf.Var{Name: "some_ksym", Type: u64, Linkage: btf.ExternVar}
	notMap := &btf.Var{Name: "counter", Type: u64, Linkage: btf.GlobalVar}
	maps := &btf.Datasec{Name: ".maps", Size: 96, Vars: []btf.VarSecinfo{
		{Type: hits, Offset: 0, Size: 32}, {Type: slots, Offset: 32, Size: 32}, {Type: percpu, Offset: 64, Size: 32}}}
	bss := &btf.Datasec{Name: ".bss", Size: 8, Vars: []btf.VarSecinfo{{Type: notMap, Size: 8}}}
	b, err := btf.NewBuilder([]btf.Type{maps, bss, limits, ksym}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := btf.LoadSpecFromReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	cs := NewCScopeFromBTF([]BTFUnit{{Path: "lib.bpf.c", Spec: spec}}).(CMapScope)
	for _, tc := range []struct {
		name, kind string
		mapType    int
		key, value types.Type
		max        int
		extern     bool
	}{
		{"hits", "hash", 1, types.Uint32, types.Uint64, 64, false},
		{"slots", "array", 2, types.Uint32, types.Int32, 2, false},
		{"pc", "percpuhash", 5, types.Uint32, types.Uint64, 8, false},
		{"limits", "hash", 1, types.Uint64, types.Uint64, 0, true},
	} {
		m, ok := cs.Map(tc.name)
		if !ok {
			t.Errorf("%s: not found", tc.name)
			continue
		}
		if m.Kind != tc.kind || m.MapType != tc.mapType || m.MaxEntries != tc.max || m.Extern != tc.extern ||
			!sameLayout(m.Key, tc.key) || !sameLayout(m.Value, tc.value) || m.Loc.Path != "lib.bpf.c" {
			t.Errorf("%s: %+v (key %v, value %v)", tc.name, m, m.Key, m.Value)
		}
	}
	for _, name := range []string{"some_ksym", "counter", "nosuch"} {
		if m, ok := cs.Map(name); ok {
			t.Errorf("%s is not a map: %+v", name, m)
		}
	}
}

// The values a per-CPU map shared with C may hold: integers and structs
// of integers, whose members the runtime sums; not unions, bitfields,
// arrays (a char[] is text) or pointers.
func TestPerCPUIntMembers(t *testing.T) {
	fields := func(fs ...types.Field) func() []types.Field { return func() []types.Field { return fs } }
	inner := types.NewStruct("inner", false, 2, fields(types.Field{Name: "odd", Type: types.Uint16}))
	pair := types.NewStruct("pair", false, 16, fields(
		types.Field{Name: "calls", Type: types.Uint64},
		types.Field{Name: "down", Type: types.Int32, BitOffset: 64},
		types.Field{Name: "inner", Type: inner, BitOffset: 96}))
	members, ok := PerCPUIntMembers(pair)
	if !ok || len(members) != 3 || members[0].Offset != 0 || members[1].Offset != 8 || members[2].Offset != 12 ||
		members[1].Type != types.Int32 || members[2].Type != types.Uint16 {
		t.Errorf("struct pair: %v, %v", members, ok)
	}
	if m, ok := PerCPUIntMembers(types.Int64); !ok || len(m) != 1 {
		t.Errorf("int64: %v, %v", m, ok)
	}
	for name, bad := range map[string]types.Type{
		"union":    types.NewStruct("u", true, 8, fields(types.Field{Name: "a", Type: types.Uint64})),
		"bitfield": types.NewStruct("b", false, 4, fields(types.Field{Name: "a", Type: types.Uint32, BitSize: 3})),
		"array":    types.NewStruct("n", false, 16, fields(types.Field{Name: "n", Type: types.Uint64}, types.Field{Name: "name", Type: &types.Array{Elem: types.Int8, Len: 8}, BitOffset: 64})),
		"pointer":  &types.Pointer{Elem: types.Uint64},
		"empty":    types.NewStruct("e", false, 0, fields()),
	} {
		if m, ok := PerCPUIntMembers(bad); ok {
			t.Errorf("%s: accepted as %v", name, m)
		}
	}
}
