package types

import "testing"

func TestTupleLayout(t *testing.T) {
	tup := &Tuple{Elems: []Type{Int8, Int64, &String{Len: 5}, Int32}}
	if got, want := tup.Offsets(), []int{0, 8, 16, 24}; !equalInts(got, want) {
		t.Errorf("offsets %v, want %v", got, want)
	}
	if tup.Size() != 32 || tup.Align() != 8 {
		t.Errorf("size %d align %d", tup.Size(), tup.Align())
	}
	if s := tup.String(); s != "(int8, int64, string[5], int32)" {
		t.Errorf("String %q", s)
	}
	if s := (&Tuple{Elems: []Type{Int8}}).String(); s != "(int8,)" {
		t.Errorf("1-tuple %q", s)
	}
}

func TestStructFieldThroughAnonymousMember(t *testing.T) {
	inner := NewStruct("", true, 8, nil)
	inner.SetFields([]Field{{Name: "a", Type: Int64}, {Name: "b", Type: Int32}})
	loads := 0
	outer := NewStruct("s", false, 16, func() []Field {
		loads++
		return []Field{{Name: "x", Type: Int64}, {Name: "", Type: inner, BitOffset: 64}}
	})
	f, ok := outer.Field("b")
	if !ok || f.BitOffset != 64 || !Identical(f.Type, Int32) {
		t.Fatalf("Field(b) = %+v, %v", f, ok)
	}
	outer.Fields()
	if loads != 1 {
		t.Errorf("fields loaded %d times, want once", loads)
	}
	if _, ok := outer.Field("nope"); ok {
		t.Error("found a missing field")
	}
	if outer.Align() != 8 {
		t.Errorf("align %d", outer.Align())
	}
}

func TestIdentical(t *testing.T) {
	cases := []struct {
		a, b Type
		want bool
	}{
		{Int64, &Int{64, true}, true},
		{Int64, Uint64, false},
		{&String{Len: 16}, &String{Len: 16}, true},
		{&String{Len: 16}, &String{Len: 8}, false},
		{&Pointer{Elem: Int8, Space: AddrKernel}, &Pointer{Elem: Int8, Space: AddrUser}, false},
		{&Tuple{Elems: []Type{Int8, Bool{}}}, &Tuple{Elems: []Type{Int8, Bool{}}}, true},
		{&Record{Names: []string{"a"}, Elems: []Type{Int8}}, &Record{Names: []string{"b"}, Elems: []Type{Int8}}, false},
		{&Aggregation{Kind: AggSum, Elem: Int64}, &Aggregation{Kind: AggSum, Elem: Uint64}, false},
		{&Map{Key: Int64, Value: Int64}, &Map{Key: Int64, Value: Int64}, true},
		{&Typedef{Name: "u32", Type: Uint32}, Uint32, false},
		{nil, nil, true},
	}
	for _, c := range cases {
		if got := Identical(c.a, c.b); got != c.want {
			t.Errorf("Identical(%v, %v) = %v", c.a, c.b, got)
		}
	}
	if Underlying(&Typedef{Name: "u32", Type: Uint32}) != Uint32 {
		t.Error("Underlying did not strip the typedef")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
