package output

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/codegen"
)

func u64s(vals ...uint64) []byte {
	b := make([]byte, 8*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint64(b[8*i:], v)
	}
	return b
}

func i64(v int64) uint64 { return uint64(v) }

// scalarKey is the BPF key of a scalar map.
var scalarKey = u64s(0)

func agg(kind types.AggKind, elem *types.Int, args ...int64) *types.Aggregation {
	return &types.Aggregation{Kind: kind, Elem: elem, Args: args}
}

func layout(name string, key, val types.Type) *codegen.MapLayout {
	m := &codegen.MapLayout{Name: name, Key: key, Value: val}
	if a, ok := val.(*types.Aggregation); ok {
		m.PerCPU = true
		m.Bucketed = a.Kind == types.AggHist || a.Kind == types.AggLhist || a.Kind == types.AggTseries
	}
	return m
}

func printMap(t *testing.T, f Format, m *codegen.MapLayout, entries []MapEntry, top, div int) string {
	t.Helper()
	var out bytes.Buffer
	w := New(&out, &out, f, &codegen.Object{Maps: []*codegen.MapLayout{m}}, nil)
	if err := w.Map(m, entries, top, div); err != nil {
		t.Fatalf("Map(%s): %v", m.Name, err)
	}
	return out.String()
}

func TestScalarMaps(t *testing.T) {
	cases := []struct {
		name string
		val  types.Type
		cpus [][]byte
		json string
		want string
	}{
		{"count per CPU", agg(types.AggCount, nil), [][]byte{u64s(3), u64s(4)}, `{"type": "map", "data": {"@x": 7}}`, "@x: 7\n"},
		{"signed sum", agg(types.AggSum, types.Int64), [][]byte{u64s(i64(-10)), u64s(3)}, `{"type": "map", "data": {"@x": -7}}`, "@x: -7\n"},
		{"unsigned sum", agg(types.AggSum, types.Uint64), [][]byte{u64s(10), u64s(3)}, `{"type": "map", "data": {"@x": 13}}`, "@x: 13\n"},
		// CPUs that never set a min/max are skipped.
		{"min", agg(types.AggMin, types.Int64), [][]byte{u64s(i64(-5), 1), u64s(i64(-9), 0), u64s(2, 1)}, `{"type": "map", "data": {"@x": -5}}`, "@x: -5\n"},
		{"max", agg(types.AggMax, types.Uint64), [][]byte{u64s(5, 1), u64s(90, 0), u64s(7, 1)}, `{"type": "map", "data": {"@x": 7}}`, "@x: 7\n"},
		{"max none set", agg(types.AggMax, types.Int64), [][]byte{u64s(5, 0)}, `{"type": "map", "data": {"@x": 0}}`, "@x: 0\n"},
		{"avg", agg(types.AggAvg, types.Int64), [][]byte{u64s(i64(-10), 2), u64s(i64(-1), 1)}, `{"type": "stats", "data": {"@x": -3}}`, "@x: -3\n"},
		{"stats", agg(types.AggStats, types.Uint64), [][]byte{u64s(10, 2), u64s(2, 1)}, `{"type": "stats", "data": {"@x": {"count": 3, "average": 4, "total": 12}}}`, "@x: { .count = 3, .average = 4, .total = 12 }\n"},
		{"int", types.Int32, [][]byte{{0xfe, 0xff, 0xff, 0xff}}, `{"type": "map", "data": {"@x": -2}}`, "@x: -2\n"},
		{"string", str(16), [][]byte{append([]byte("a b \n d e"), make([]byte, 7)...)}, `{"type": "map", "data": {"@x": "a b \n d e"}}`, "@x: a b \n d e\n"},
		{"tuple", &types.Tuple{Elems: []types.Type{types.Int64, types.Int64, str(8), &types.Tuple{Elems: []types.Type{types.Int64, types.Int64}}}},
			[][]byte{enc([]types.Type{types.Int64, types.Int64, str(8), &types.Tuple{Elems: []types.Type{types.Int64, types.Int64}}}, 1, 2, "string", []any{4, 5})},
			`{"type": "map", "data": {"@x": [1,2,"string",[4,5]]}}`, "@x: (1, 2, string, (4, 5))\n"},
		{"big uint", types.Uint64, [][]byte{u64s(1<<63 + 1)}, `{"type": "map", "data": {"@x": "9223372036854775809"}}`, "@x: 9223372036854775809\n"},
	}
	for _, c := range cases {
		m := layout("@x", nil, c.val)
		entries := []MapEntry{{Key: scalarKey, Values: c.cpus}}
		if got := printMap(t, Text, m, entries, 0, 0); got != c.want {
			t.Errorf("%s: text %q, want %q", c.name, got, c.want)
		}
		if got := printMap(t, JSON, m, entries, 0, 0); got != c.json+"\n" {
			t.Errorf("%s: json %s, want %s", c.name, got, c.json)
		}
	}
}

func TestEmptyScalarMaps(t *testing.T) {
	// print(@x) of a map never written prints its zero value; the
	// end-of-run dump prints nothing.
	for _, c := range []struct {
		val  types.Type
		want string
	}{
		{agg(types.AggCount, nil), "@x: 0\n"},
		{agg(types.AggStats, types.Int64), "@x: { .count = 0, .average = 0, .total = 0 }\n"},
		{types.Int64, "@x: 0\n"},
		{str(4), "@x: \n"},
	} {
		m := layout("@x", nil, c.val)
		if got := printMap(t, Text, m, nil, 0, 0); got != c.want {
			t.Errorf("print(%s): %q, want %q", c.val, got, c.want)
		}
		var out bytes.Buffer
		w := New(&out, &out, Text, nil, nil)
		if err := w.DumpMap(m, nil); err != nil || out.Len() != 0 {
			t.Errorf("dump of empty %s printed %q (%v)", c.val, out.String(), err)
		}
	}
}
