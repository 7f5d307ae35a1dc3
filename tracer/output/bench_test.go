package output

import (
	"io"
	"testing"

	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/codegen"
)

// BenchmarkPrintf measures one printf record with an integer, a string
// and a hex conversion, the common tracing line.
func BenchmarkPrintf(b *testing.B) {
	elems := []types.Type{types.Int32, str(16), types.Uint64}
	ev := &codegen.Event{Kind: codegen.EvPrintf, Format: "pid %d comm %-16s addr %lx\n", Args: &types.Tuple{Elems: elems}}
	w := New(io.Discard, io.Discard, Text, &codegen.Object{Events: []*codegen.Event{ev}}, nil)
	payload := enc(elems, 1234, "bash", uint64(0xffffffff81000000))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Event(ev, payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMapCount measures printing a 10,000-key count map read from
// 2 CPUs, as the end-of-run dump does.
func BenchmarkMapCount(b *testing.B) {
	m := layout("@c", str(16), agg(types.AggCount, nil))
	entries := make([]MapEntry, 10000)
	for i := range entries {
		entries[i] = MapEntry{strKey("comm"+string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676)), 16),
			[][]byte{u64s(uint64(i * 7 % 1000)), u64s(1)}}
	}
	w := New(io.Discard, io.Discard, Text, nil, nil)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.DumpMap(m, entries); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHist measures printing a keyed hist map of 100 keys.
func BenchmarkHist(b *testing.B) {
	m := layout("@h", types.Int64, agg(types.AggHist, types.Int64, 0))
	var entries []MapEntry
	for k := 0; k < 100; k++ {
		entries = append(entries, histEntries(u64s(uint64(k)), 0, 1, 5, 100, 1000, int64(k*k))...)
	}
	w := New(io.Discard, io.Discard, Text, nil, nil)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.DumpMap(m, entries); err != nil {
			b.Fatal(err)
		}
	}
}
