package output

import (
	"bytes"
	"testing"

	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/codegen"
)

// fuzzTypes covers every kind of type the decoder reads.
func fuzzTypes() []types.Type {
	st := types.NewStruct("s", false, 8, nil)
	st.SetFields([]types.Field{
		{Name: "a", Type: types.Int32, BitOffset: 0, BitSize: 5},
		{Name: "b", Type: types.Uint16, BitOffset: 32},
		{Name: "c", Type: colorEnum, BitOffset: 48, BitSize: 3},
	})
	return []types.Type{
		types.Int8, types.Uint64, types.Bool{}, str(5), &types.Buffer{Len: 6}, colorEnum,
		&types.Pointer{Elem: types.Int8}, &types.Array{Elem: types.Int16, Len: 3}, st,
		&types.Tuple{Elems: []types.Type{types.Int8, str(3), types.Int64}},
		&types.Record{Names: []string{"x"}, Elems: []types.Type{types.Int32}},
		&types.Opaque{Kind: types.Ksym, Bytes: 8}, &types.Opaque{Kind: types.Usym, Bytes: 16},
		&types.Opaque{Kind: types.Inet, Bytes: 24}, &types.Opaque{Kind: types.MacAddr, Bytes: 6},
		&types.Opaque{Kind: types.Timestamp, Bytes: 16}, &types.Opaque{Kind: types.CgroupPath, Bytes: 16},
		&types.Opaque{Kind: types.Strerror, Bytes: 4}, &types.Opaque{Kind: types.Usym, Bytes: 4},
		&types.Stack{Mode: "perf", Limit: 3}, &types.Stack{User: true, Mode: "raw", Limit: 3},
	}
}

// FuzzOutput feeds arbitrary bytes as event payloads and map entries of
// every type: the Writer may return errors but must not panic.
func FuzzOutput(f *testing.F) {
	f.Add([]byte{1, 2, 3}, uint8(0))
	f.Add(bytes.Repeat([]byte{0xff}, 64), uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		ts := fuzzTypes()
		typ := ts[int(pick)%len(ts)]
		var out bytes.Buffer
		ev := &codegen.Event{Kind: codegen.EvPrintf, Format: "%d %s %x %r %-5c|", Args: &types.Tuple{Elems: []types.Type{typ, typ, typ, typ, typ}}}
		pv := &codegen.Event{ID: 1, Kind: codegen.EvPrintValue, Args: &types.Tuple{Elems: []types.Type{typ}}}
		obj := &codegen.Object{Events: []*codegen.Event{ev, pv}, Strings: []string{"%H"}}
		for _, format := range []Format{Text, JSON} {
			w := New(&out, &out, format, obj, fakeResolver{})
			_ = w.Event(ev, data)
			_ = w.Event(pv, data)
			for _, val := range []types.Type{agg(types.AggCount, nil), agg(types.AggStats, types.Int64), agg(types.AggHist, types.Int64, int64(pick%8)),
				agg(types.AggLhist, types.Int64, -10, 100, 7), agg(types.AggTseries, types.Int64, 1000, 4), types.Int16, typ} {
				m := layout("@m", typ, val)
				var entries []MapEntry
				for i := 0; i+24 <= len(data); i += 24 {
					entries = append(entries, MapEntry{Key: data[i : i+24], Values: [][]byte{data[i:], data[i+8:]}})
				}
				_ = w.Map(m, entries, int(pick%3), int(pick%4))
				_ = w.DumpMap(layout("@s", nil, val), entries)
			}
		}
	})
}
