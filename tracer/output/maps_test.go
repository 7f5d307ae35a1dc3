package output

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

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

// strKey is a string map key of n bytes.
func strKey(s string, n int) []byte {
	b := make([]byte, n)
	copy(b, s)
	return b
}

func TestKeyedMapOrder(t *testing.T) {
	// Maps of counts print in increasing order of value; equal values in
	// key order.
	m := layout("@c", str(8), agg(types.AggCount, nil))
	entries := []MapEntry{
		{strKey("zsh", 8), [][]byte{u64s(5), u64s(0)}},
		{strKey("bash", 8), [][]byte{u64s(1), u64s(1)}},
		{strKey("curl", 8), [][]byte{u64s(9), u64s(1)}},
		{strKey("awk", 8), [][]byte{u64s(2), u64s(0)}},
	}
	want := "@c[awk]: 2\n@c[bash]: 2\n@c[zsh]: 5\n@c[curl]: 10\n"
	if got := printMap(t, Text, m, entries, 0, 0); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	wantJSON := `{"type": "map", "data": {"@c": {"awk": 2, "bash": 2, "zsh": 5, "curl": 10}}}` + "\n"
	if got := printMap(t, JSON, m, entries, 0, 0); got != wantJSON {
		t.Errorf("json:\n%s\nwant:\n%s", got, wantJSON)
	}
	// top keeps the largest; div divides.
	if got, want := printMap(t, Text, m, entries, 2, 2), "@c[zsh]: 2\n@c[curl]: 5\n"; got != want {
		t.Errorf("top 2 div 2:\n%s\nwant:\n%s", got, want)
	}
	if got := printMap(t, Text, m, entries, 10, 0); got != "@c[awk]: 2\n@c[bash]: 2\n@c[zsh]: 5\n@c[curl]: 10\n" {
		t.Errorf("top larger than the map:\n%s", got)
	}
}

func TestMapKeyOrderAndRendering(t *testing.T) {
	// Maps of non-integer values print in key order: integer keys as
	// signed numbers of their size, tuple keys field by field.
	m := layout("@s", types.Int32, str(4))
	k := func(v int32) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
	entries := []MapEntry{
		{k(10), [][]byte{strKey("ten", 4)}},
		{k(-1), [][]byte{strKey("neg", 4)}},
		{k(2), [][]byte{strKey("two", 4)}},
	}
	want := "@s[-1]: neg\n@s[2]: two\n@s[10]: ten\n"
	if got := printMap(t, Text, m, entries, 0, 0); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}

	tup := &types.Tuple{Elems: []types.Type{str(8), types.Int64}}
	m = layout("@t", tup, str(4))
	entries = []MapEntry{
		{enc(tup.Elems, "b", 1), [][]byte{strKey("b1", 4)}},
		{enc(tup.Elems, "a", 2), [][]byte{strKey("a2", 4)}},
		{enc(tup.Elems, "a", 1), [][]byte{strKey("a1", 4)}},
	}
	want = "@t[a, 1]: a1\n@t[a, 2]: a2\n@t[b, 1]: b1\n"
	if got := printMap(t, Text, m, entries, 0, 0); got != want {
		t.Errorf("tuple keys:\n%s\nwant:\n%s", got, want)
	}
	// JSON member names drop the parentheses and every space.
	wantJSON := `{"type": "map", "data": {"@t": {"a,1": "a1", "a,2": "a2", "b,1": "b1"}}}` + "\n"
	if got := printMap(t, JSON, m, entries, 0, 0); got != wantJSON {
		t.Errorf("json:\n%s\nwant:\n%s", got, wantJSON)
	}
}

func TestStatsMaps(t *testing.T) {
	m := layout("@st", str(8), agg(types.AggStats, types.Int64))
	entries := []MapEntry{
		{strKey("zsh", 8), [][]byte{u64s(10, 1)}},
		{strKey("curl", 8), [][]byte{u64s(i64(-4), 2)}},
	}
	want := "@st[curl]: { .count = 2, .average = -2, .total = -4 }\n@st[zsh]: { .count = 1, .average = 10, .total = 10 }\n"
	if got := printMap(t, Text, m, entries, 0, 0); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	wantJSON := `{"type": "stats", "data": {"@st": {"curl": {"count": 2, "average": -2, "total": -4}, "zsh": {"count": 1, "average": 10, "total": 10}}}}` + "\n"
	if got := printMap(t, JSON, m, entries, 0, 0); got != wantJSON {
		t.Errorf("json:\n%s\nwant:\n%s", got, wantJSON)
	}
	// avg maps sort by average and divide it.
	m = layout("@a", types.Int64, agg(types.AggAvg, types.Uint64))
	entries = []MapEntry{
		{u64s(1), [][]byte{u64s(100, 2), u64s(0, 0)}},
		{u64s(2), [][]byte{u64s(30, 3)}},
	}
	if got, want := printMap(t, Text, m, entries, 0, 10), "@a[2]: 1\n@a[1]: 5\n"; got != want {
		t.Errorf("avg div 10:\n%s\nwant:\n%s", got, want)
	}
}

// histIndex is the hist() bucket a value falls in: the first index
// whose label (exclusive upper bound) is above it.
func histIndex(v int64, k uint32) uint64 {
	if v < 0 {
		return 0
	}
	for i := uint64(1); ; i++ {
		if n, _, _ := histLabel(i, k).number(); n > uint64(v) {
			return i
		}
	}
}

// histEntries makes the BPF entries of a hist map (two CPUs) holding
// vals under key.
func histEntries(key []byte, k uint32, vals ...int64) []MapEntry {
	counts := map[uint64]uint64{}
	for _, v := range vals {
		counts[histIndex(v, k)]++
	}
	var out []MapEntry
	for idx, c := range counts {
		bk := append(append([]byte(nil), key...), make([]byte, (8-len(key)%8)%8)...)
		bk = append(bk, u64s(idx)...)
		out = append(out, MapEntry{bk, [][]byte{u64s(c - c/2), u64s(c / 2)}})
	}
	return out
}

func TestHistogram(t *testing.T) {
	m := layout("@h", nil, agg(types.AggHist, types.Int64, 0))
	entries := histEntries(nil, 0, -7, 0, 0, 1, 3, 3, 3, 40, 1500, 1500)
	want := "@h:\n" +
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@                                   |\n" +
		"[0]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |\n" +
		"[1]                    1 |@@@@@@@@@@@@@@@@@                                   |\n" +
		"[2, 4)                 3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
		"[4, 8)                 0 |                                                    |\n" +
		"[8, 16)                0 |                                                    |\n" +
		"[16, 32)               0 |                                                    |\n" +
		"[32, 64)               1 |@@@@@@@@@@@@@@@@@                                   |\n" +
		"[64, 128)              0 |                                                    |\n" +
		"[128, 256)             0 |                                                    |\n" +
		"[256, 512)             0 |                                                    |\n" +
		"[512, 1K)              0 |                                                    |\n" +
		"[1K, 2K)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |\n" +
		"\n"
	if got := printMap(t, Text, m, entries, 0, 0); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	wantJSON := `{"type": "hist", "data": {"@h": [{"max": -1, "count": 1},{"min": 0, "max": 0, "count": 2},{"min": 1, "max": 1, "count": 1},` +
		`{"min": 2, "max": 3, "count": 3},{"min": 4, "max": 7, "count": 0},{"min": 8, "max": 15, "count": 0},{"min": 16, "max": 31, "count": 0},` +
		`{"min": 32, "max": 63, "count": 1},{"min": 64, "max": 127, "count": 0},{"min": 128, "max": 255, "count": 0},{"min": 256, "max": 511, "count": 0},` +
		`{"min": 512, "max": 1023, "count": 0},{"min": 1024, "max": 2047, "count": 2}]}}` + "\n"
	if got := printMap(t, JSON, m, entries, 0, 0); got != wantJSON {
		t.Errorf("json:\n%s\nwant:\n%s", got, wantJSON)
	}

	// A histogram whose first bucket is above zero starts with its
	// lower bound; one that was zeroed prints no bucket.
	entries = histEntries(nil, 0, 5, 6, 300)
	want = "@h:\n" +
		"[4, 8)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
		"[8, 16)                0 |                                                    |\n" +
		"[16, 32)               0 |                                                    |\n" +
		"[32, 64)               0 |                                                    |\n" +
		"[64, 128)              0 |                                                    |\n" +
		"[128, 256)             0 |                                                    |\n" +
		"[256, 512)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n\n"
	if got := printMap(t, Text, m, entries, 0, 0); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	zeroed := []MapEntry{{u64s(3), [][]byte{u64s(0)}}}
	if got := printMap(t, Text, m, zeroed, 0, 0); got != "@h:\n\n" {
		t.Errorf("zeroed hist: %q", got)
	}
	if got := printMap(t, JSON, m, zeroed, 0, 0); got != `{"type": "hist", "data": {"@h": []}}`+"\n" {
		t.Errorf("zeroed hist json: %q", got)
	}
}

func TestHistogramBits(t *testing.T) {
	// With 2 bits every power of two splits into four buckets.
	m := layout("@h", nil, agg(types.AggHist, types.Int64, 2))
	entries := histEntries(nil, 2, 7, 8, 9, 13, 4096, 5200)
	want := "@h:\n" +
		"[7]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n" +
		"[8, 10)                2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
		"[10, 12)               0 |                                                    |\n" +
		"[12, 14)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
	got := printMap(t, Text, m, entries, 0, 0)
	if len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("text:\n%s\nwant prefix:\n%s", got, want)
	}
	wantTail := "[4K, 5K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n" +
		"[5K, 6K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n\n"
	if len(got) < len(wantTail) || got[len(got)-len(wantTail):] != wantTail {
		t.Errorf("text:\n%s\nwant suffix:\n%s", got, wantTail)
	}
}

func TestLinearHistogram(t *testing.T) {
	m := layout("@l", str(8), agg(types.AggLhist, types.Int64, 0, 30, 10))
	key := strKey("k", 8)
	bucket := func(idx, n uint64) MapEntry {
		return MapEntry{append(append([]byte(nil), key...), u64s(idx)...), [][]byte{u64s(n)}}
	}
	// index 0: below 0; 1..3: [0,10) [10,20) [20,30); 4: 30 and up.
	entries := []MapEntry{bucket(0, 1), bucket(2, 4), bucket(4, 2)}
	want := "@l[k]:\n" +
		"(..., 0)               1 |@@@@@@@@@@@@@                                       |\n" +
		"[0, 10)                0 |                                                    |\n" +
		"[10, 20)               4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
		"[20, 30)               0 |                                                    |\n" +
		"[30, ...)              2 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n\n"
	if got := printMap(t, Text, m, entries, 0, 0); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	wantJSON := `{"type": "hist", "data": {"@l": {"k": [{"max": -1, "count": 1},{"min": 0, "max": 9, "count": 0},{"min": 10, "max": 19, "count": 4},` +
		`{"min": 20, "max": 29, "count": 0},{"min": 30, "count": 2}]}}}` + "\n"
	if got := printMap(t, JSON, m, entries, 0, 0); got != wantJSON {
		t.Errorf("json:\n%s\nwant:\n%s", got, wantJSON)
	}
	// Only the overflow bucket: "[max, ...)".
	if got, want := printMap(t, Text, m, []MapEntry{bucket(4, 3)}, 0, 0),
		"@l[k]:\n[30, ...)              3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"; got != want {
		t.Errorf("overflow only:\n%s\nwant:\n%s", got, want)
	}

	// Steps that are multiples of 1024 label with K and M.
	m = layout("@l", nil, agg(types.AggLhist, types.Int64, 0, 4<<20, 1<<20))
	sb := func(idx, n uint64) MapEntry { return MapEntry{u64s(idx), [][]byte{u64s(n)}} }
	want = "@l:\n" +
		"[0, 1M)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
		"[1M, 2M)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"
	if got := printMap(t, Text, m, []MapEntry{sb(1, 1), sb(2, 1)}, 0, 0); got != want {
		t.Errorf("M labels:\n%s\nwant:\n%s", got, want)
	}
}

func TestHistMapsSortByTotal(t *testing.T) {
	m := layout("@h", types.Int64, agg(types.AggHist, types.Int64, 0))
	var entries []MapEntry
	entries = append(entries, histEntries(u64s(1), 0, 1, 1, 1)...)
	entries = append(entries, histEntries(u64s(2), 0, 1)...)
	got := printMap(t, Text, m, entries, 0, 0)
	want := "@h[2]:\n[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n" +
		"@h[1]:\n[1]                    3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"
	if got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	if got := printMap(t, Text, m, entries, 1, 0); got != want[len(want)/2:] {
		t.Errorf("top 1:\n%s", got)
	}
}

func TestTimeSeries(t *testing.T) {
	old := time.Local
	time.Local = time.UTC
	defer func() { time.Local = old }()
	// 100ms intervals, 3 kept; bucket indexes are interval numbers.
	m := layout("@ts", nil, agg(types.AggTseries, types.Int64, 100_000_000, 3))
	entries := []MapEntry{
		{u64s(8), [][]byte{u64s(1)}}, // outside the window
		{u64s(10), [][]byte{u64s(2), u64s(3)}},
		{u64s(12), [][]byte{u64s(9)}},
	}
	line := "|" + strings.Repeat(" ", 51) + "|"
	want := "@ts:\n" +
		strings.Repeat(" ", 13) + "5" + strings.Repeat(" ", 20) + strings.Repeat(" ", 31) + "9\n" +
		"hh:mm:ss.ms  |" + strings.Repeat("_", 51) + "|\n" +
		"00:00:01.000 *" + line[1:] + " 5\n" +
		"00:00:01.100 " + line + " -\n" +
		"00:00:01.200 " + line[:52] + "*" + " 9\n" +
		strings.Repeat(" ", 12) + " v" + strings.Repeat("_", 51) + "v\n" +
		strings.Repeat(" ", 13) + "5" + strings.Repeat(" ", 20) + strings.Repeat(" ", 31) + "9\n" +
		"\n"
	if got := printMap(t, Text, m, entries, 0, 0); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	wantJSON := `{"type": "tseries", "data": {"@ts": [{"interval_start":"1970-01-01T00:00:01.000000000","value":5},` +
		`{"interval_start":"1970-01-01T00:00:01.200000000","value":9}]}}` + "\n"
	if got := printMap(t, JSON, m, entries, 0, 0); got != wantJSON {
		t.Errorf("json:\n%s\nwant:\n%s", got, wantJSON)
	}
	// A flat series gets room on both sides; zero inside the range is
	// marked with '.'. One point has no interval: nanosecond times.
	flat := []MapEntry{{u64s(10), [][]byte{u64s(4)}}}
	if got := printMap(t, Text, m, flat, 0, 0); !strings.Contains(got, "3"+strings.Repeat(" ", 51)+"5\n") ||
		!strings.Contains(got, "hh:mm:ss.ns        |") ||
		!strings.Contains(got, "00:00:01.000000000 |"+strings.Repeat(" ", 25)+"*"+strings.Repeat(" ", 25)+"| 4\n") {
		t.Errorf("flat series:\n%s", got)
	}
	neg := []MapEntry{{u64s(10), [][]byte{u64s(i64(-10))}}, {u64s(11), [][]byte{u64s(30)}}}
	got := printMap(t, Text, m, neg, 0, 0)
	// zero sits at 53 * 10/40 = 13.
	if !strings.Contains(got, "00:00:01.000 *"+strings.Repeat(" ", 12)+"."+strings.Repeat(" ", 38)+"| -10\n") {
		t.Errorf("series crossing zero:\n%s", got)
	}
}

func TestDumpOrder(t *testing.T) {
	maps := []*codegen.MapLayout{{Name: "@b"}, {Name: "@"}, {Name: "@a"}, {Name: "@B"}}
	var names []string
	for _, m := range DumpOrder(maps) {
		names = append(names, m.Name)
	}
	if got := strings.Join(names, " "); got != "@ @B @a @b" {
		t.Errorf("order %s", got)
	}
	if maps[0].Name != "@b" {
		t.Error("DumpOrder changed its argument")
	}
}

func TestNarrowIntValuesKeepKeyOrder(t *testing.T) {
	// bpftrace sorts integer values as 64-bit words: an int8 value holds
	// none, so the map is not sorted by value.
	m := layout("@n", types.Int64, types.Int8)
	entries := []MapEntry{{u64s(3), [][]byte{{0}}}, {u64s(1), [][]byte{{5}}}, {u64s(2), [][]byte{{0xff}}}}
	if got, want := printMap(t, Text, m, entries, 0, 0), "@n[1]: 5\n@n[2]: -1\n@n[3]: 0\n"; got != want {
		t.Errorf("int8 values:\n%s\nwant:\n%s", got, want)
	}
	m = layout("@w", types.Int64, types.Int64)
	entries = []MapEntry{{u64s(3), [][]byte{u64s(0)}}, {u64s(1), [][]byte{u64s(5)}}, {u64s(2), [][]byte{u64s(i64(-1))}}}
	if got, want := printMap(t, Text, m, entries, 0, 0), "@w[2]: -1\n@w[3]: 0\n@w[1]: 5\n"; got != want {
		t.Errorf("int64 values:\n%s\nwant:\n%s", got, want)
	}
}

func TestEmptyStatsMapJSON(t *testing.T) {
	for _, val := range []types.Type{agg(types.AggStats, types.Int64), agg(types.AggAvg, types.Uint64)} {
		var out bytes.Buffer
		w := New(&out, &out, JSON, nil, nil)
		if err := w.DumpMap(layout("@s", nil, val), nil); err != nil {
			t.Fatal(err)
		}
		if err := w.DumpMap(layout("@k", types.Int64, val), nil); err != nil {
			t.Fatal(err)
		}
		if err := w.DumpMap(layout("@c", types.Int64, agg(types.AggCount, nil)), nil); err != nil {
			t.Fatal(err)
		}
		want := `{"type": "stats", "data": {"@s": {}}}` + "\n" + `{"type": "stats", "data": {"@k": {}}}` + "\n"
		if out.String() != want {
			t.Errorf("%s: %q, want %q", val, out.String(), want)
		}
	}
}

func TestJSONStreamTurnsHex(t *testing.T) {
	// Once a control character was escaped, bpftrace's stream writes its
	// own numbers (hist counts, lost and probe counts) in hex.
	var out bytes.Buffer
	ev := &codegen.Event{Kind: codegen.EvPrintf, Format: "\x01"}
	w := New(&out, &out, JSON, &codegen.Object{Events: []*codegen.Event{ev}}, nil)
	h := layout("@h", nil, agg(types.AggHist, types.Int64, 0))
	c := layout("@c", nil, agg(types.AggCount, nil))
	if err := w.DumpMap(h, histEntries(nil, 0, 3, 3)); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		w.Event(ev, nil),
		w.DumpMap(c, []MapEntry{{scalarKey, [][]byte{u64s(20)}}}),
		w.DumpMap(h, histEntries(nil, 0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3)),
		w.Lost(26),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := `{"type": "hist", "data": {"@h": [{"min": 2, "max": 3, "count": 2}]}}` + "\n" +
		`{"type": "printf", "data": "\u0001"}` + "\n" +
		`{"type": "map", "data": {"@c": 20}}` + "\n" +
		`{"type": "hist", "data": {"@h": [{"min": 2, "max": 3, "count": 14}]}}` + "\n" +
		`{"type": "lost_events", "count": 1a, "data": {"events": 1a}}` + "\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestTimeSeriesBpftraceLayout(t *testing.T) {
	old := time.Local
	time.Local = time.UTC
	defer func() { time.Local = old }()
	// Per CPU {value, meta, epoch}; the bucket index is a ring slot.
	slot := func(idx uint64, cpus ...[]byte) MapEntry { return MapEntry{u64s(idx), cpus} }
	for _, c := range []struct {
		fn   string
		want string
	}{
		{"", `[{"interval_start":"1970-01-01T00:00:07.000000000","value":4},{"interval_start":"1970-01-01T00:00:10.000000000","value":5}]`}, // newest write wins
		{"avg", `[{"interval_start":"1970-01-01T00:00:07.000000000","value":4},{"interval_start":"1970-01-01T00:00:10.000000000","value":40}]`},
		{"max", `[{"interval_start":"1970-01-01T00:00:07.000000000","value":4},{"interval_start":"1970-01-01T00:00:10.000000000","value":7}]`},
		{"min", `[{"interval_start":"1970-01-01T00:00:07.000000000","value":4},{"interval_start":"1970-01-01T00:00:10.000000000","value":5}]`},
		{"sum", `[{"interval_start":"1970-01-01T00:00:07.000000000","value":4},{"interval_start":"1970-01-01T00:00:10.000000000","value":12}]`},
	} {
		m := layout("@ts", nil, agg(types.AggTseries, types.Int64, 1_000_000_000, 5))
		m.TseriesAgg = c.fn
		entries := []MapEntry{
			// Slot 0: CPU 0 wrote epoch 10 (value 5, meta 100), CPU 1 epoch
			// 10 too (value 7, meta 50); CPU 2 still holds epoch 5.
			slot(0, u64s(5, 100, 10), u64s(7, 50, 10), u64s(9, 1, 5)),
			// Slot 2: only epoch 7; slot 3 never written.
			slot(2, u64s(4, 1, 7), u64s(0, 0, 0), u64s(0, 0, 0)),
			slot(3, u64s(0, 0, 0), u64s(0, 0, 0), u64s(0, 0, 0)),
		}
		if c.fn == "avg" {
			// avg: meta counts; (60+60)/3 = 40 for epoch 10.
			entries[0] = slot(0, u64s(60, 1, 10), u64s(60, 2, 10), u64s(9, 1, 5))
		}
		want := `{"type": "tseries", "data": {"@ts": ` + c.want + "}}\n"
		if got := printMap(t, JSON, m, entries, 0, 0); got != want {
			t.Errorf("agg %q:\n%s\nwant:\n%s", c.fn, got, want)
		}
	}
}

// With a clock that starts at 0 (bpftrace's BPFTRACE_DUMMY_TS_MAP), a
// bucket no CPU wrote an epoch into reads as interval 0 holding 0, and a
// window that would start before interval 0 is empty: bpftrace's rules.
func TestTimeSeriesFromZero(t *testing.T) {
	old := time.Local
	time.Local = time.UTC
	defer func() { time.Local = old }()
	slot := func(idx uint64, cpus ...[]byte) MapEntry { return MapEntry{u64s(idx), cpus} }
	m := layout("@ts", nil, agg(types.AggTseries, types.Int64, 100_000_000, 3))
	entries := []MapEntry{
		slot(0, u64s(5, 1, 0), u64s(0, 0, 0)), // written in interval 0
		slot(1, u64s(5, 1, 1), u64s(0, 0, 0)),
		slot(2, u64s(6, 1, 2), u64s(0, 0, 0)),
	}
	want := `{"type": "tseries", "data": {"@ts": [{"interval_start":"1970-01-01T00:00:00.000000000","value":0},` +
		`{"interval_start":"1970-01-01T00:00:00.100000000","value":5},{"interval_start":"1970-01-01T00:00:00.200000000","value":6}]}}` + "\n"
	if got := printMap(t, JSON, m, entries, 0, 0); got != want {
		t.Errorf("from zero:\n%s\nwant:\n%s", got, want)
	}
	// Newest interval 1 with 3 kept: the window would start at -1.
	if got, want := printMap(t, JSON, m, entries[:2], 0, 0), `{"type": "tseries", "data": {"@ts": []}}`+"\n"; got != want {
		t.Errorf("short window:\n%s\nwant:\n%s", got, want)
	}
	if got, want := printMap(t, Text, m, entries[:2], 0, 0), "@ts:\n<no data>\n"; !strings.HasPrefix(got, want) {
		t.Errorf("short window text:\n%q\nwant prefix %q", got, want)
	}
}
