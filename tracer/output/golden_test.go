package output

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/codegen"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// dumpFixture is the end-of-run state of this script, as a program's
// maps would hold it on one CPU (aggregations on two):
//
//	begin {
//	  @a[1] = 1; @a[-5] = 1; @a[3] = 0;
//	  @b = 2;
//	  @c["x"] = count(); @c["y"] = count(); @c["y"] = count();
//	  @h = hist(5); @h = hist(-1); @h = hist(1024);
//	  @l = lhist(15, 0, 30, 10);
//	  @s = stats(4); @s = stats(-7);
//	  @v = avg(9);
//	  @str["k"] = "v";
//	  @t[1, "a"] = (2, "b");
//	  @mn = min(-3); @mx = max(10);
//	}
func dumpFixture() ([]*codegen.MapLayout, map[string][]MapEntry) {
	s2 := str(2)
	tk := &types.Tuple{Elems: []types.Type{types.Int64, s2}}
	tv := &types.Tuple{Elems: []types.Type{types.Int64, s2}}
	maps := []*codegen.MapLayout{
		layout("@a", types.Int64, types.Int64),
		layout("@b", nil, types.Int64),
		layout("@c", s2, agg(types.AggCount, nil)),
		layout("@h", nil, agg(types.AggHist, types.Int64, 0)),
		layout("@l", nil, agg(types.AggLhist, types.Int64, 0, 30, 10)),
		layout("@s", nil, agg(types.AggStats, types.Int64)),
		layout("@v", nil, agg(types.AggAvg, types.Int64)),
		layout("@str", s2, s2),
		layout("@t", tk, tv),
		layout("@mn", nil, agg(types.AggMin, types.Int64)),
		layout("@mx", nil, agg(types.AggMax, types.Int64)),
	}
	unset := u64s(0, 0)
	entries := map[string][]MapEntry{
		"@a":   {{u64s(1), [][]byte{u64s(1)}}, {u64s(i64(-5)), [][]byte{u64s(1)}}, {u64s(3), [][]byte{u64s(0)}}},
		"@b":   {{scalarKey, [][]byte{u64s(2)}}},
		"@c":   {{strKey("y", 2), [][]byte{u64s(1), u64s(1)}}, {strKey("x", 2), [][]byte{u64s(1), u64s(0)}}},
		"@h":   histEntries(nil, 0, 5, -1, 1024),
		"@l":   {{u64s(2), [][]byte{u64s(1), u64s(0)}}},
		"@s":   {{scalarKey, [][]byte{u64s(4, 1), u64s(i64(-7), 1)}}},
		"@v":   {{scalarKey, [][]byte{u64s(9, 1), u64s(0, 0)}}},
		"@str": {{strKey("k", 2), [][]byte{strKey("v", 2)}}},
		"@t":   {{enc(tk.Elems, 1, "a"), [][]byte{enc(tv.Elems, 2, "b")}}},
		"@mn":  {{scalarKey, [][]byte{u64s(i64(-3), 1), unset}}},
		"@mx":  {{scalarKey, [][]byte{unset, u64s(10, 1)}}},
	}
	return maps, entries
}

// histFixture is the state of this script's histograms, which first
// prints @k with top 2, then top 1 and div 2:
//
//	begin {
//	  @h2 = hist(7, 2); @h2 = hist(8, 2); @h2 = hist(9, 2); @h2 = hist(13, 2); @h2 = hist(4096, 2); @h2 = hist(5200, 2);
//	  @lk = lhist(1500, 0, 8192, 1024); @lk = lhist(5000, 0, 8192, 1024);
//	  @ln = lhist(3, 5, 20, 5); @ln = lhist(22, 5, 20, 5); @ln = lhist(1, 5, 20, 5);
//	  @l1 = lhist(3, 0, 10, 1); @l1 = lhist(5, 0, 10, 1);
//	  @big = hist(5000000000);
//	  @k[1] = hist(1); @k[2] = hist(2); @k[2] = hist(3); @k[3] = hist(100);
//	  print(@k, 2, 1);
//	  print(@k, 1, 2);
//	}
func histFixture() ([]*codegen.MapLayout, map[string][]MapEntry) {
	maps := []*codegen.MapLayout{
		layout("@h2", nil, agg(types.AggHist, types.Int64, 2)),
		layout("@lk", nil, agg(types.AggLhist, types.Int64, 0, 8192, 1024)),
		layout("@ln", nil, agg(types.AggLhist, types.Int64, 5, 20, 5)),
		layout("@l1", nil, agg(types.AggLhist, types.Int64, 0, 10, 1)),
		layout("@big", nil, agg(types.AggHist, types.Int64, 0)),
		layout("@k", types.Int64, agg(types.AggHist, types.Int64, 0)),
	}
	lin := func(idx ...uint64) []MapEntry {
		var out []MapEntry
		counts := map[uint64]uint64{}
		for _, i := range idx {
			counts[i]++
		}
		for i, c := range counts {
			out = append(out, MapEntry{u64s(i), [][]byte{u64s(c)}})
		}
		return out
	}
	var k []MapEntry
	k = append(k, histEntries(u64s(1), 0, 1)...)
	k = append(k, histEntries(u64s(2), 0, 2, 3)...)
	k = append(k, histEntries(u64s(3), 0, 100)...)
	return maps, map[string][]MapEntry{
		"@h2":  histEntries(nil, 2, 7, 8, 9, 13, 4096, 5200),
		"@lk":  lin(2, 5),
		"@ln":  lin(0, 4, 0),
		"@l1":  lin(4, 6),
		"@big": histEntries(nil, 0, 5000000000),
		"@k":   k,
	}
}

// sortFixture is this script's maps, which first prints @v with div 10:
//
//	begin {
//	  @s["zsh"] = stats(10); @s["curl"] = stats(-4); @s["curl"] = stats(0);
//	  @v[1] = avg(100); @v[2] = avg(30); @v[2] = avg(-6);
//	  @mn["a"] = min(5); @mn["b"] = min(-5); @mn["c"] = min(2);
//	  @mx["a"] = max(5); @mx["b"] = max(-5); @mx["c"] = max(2);
//	  @su["a"] = sum(5); @su["b"] = sum(-5); @su["c"] = sum(2);
//	  @str[2] = "b"; @str[-1] = "z"; @str[10] = "a";
//	  @tup["b", 1] = "x"; @tup["a", 2] = "y"; @tup["a", 1] = "z";
//	  print(@v, 0, 10);
//	}
//
// Min and max maps sort by an unsigned comparison, so -5 comes last.
func sortFixture() ([]*codegen.MapLayout, map[string][]MapEntry) {
	s4 := str(5)
	tk := &types.Tuple{Elems: []types.Type{str(2), types.Int64}}
	maps := []*codegen.MapLayout{
		layout("@s", s4, agg(types.AggStats, types.Int64)),
		layout("@v", types.Int64, agg(types.AggAvg, types.Int64)),
		layout("@mn", str(2), agg(types.AggMin, types.Int64)),
		layout("@mx", str(2), agg(types.AggMax, types.Int64)),
		layout("@su", str(2), agg(types.AggSum, types.Int64)),
		layout("@str", types.Int64, str(2)),
		layout("@tup", tk, str(2)),
	}
	one := func(key []byte, v ...uint64) MapEntry {
		return MapEntry{key, [][]byte{u64s(v...), make([]byte, 8*len(v))}}
	}
	return maps, map[string][]MapEntry{
		"@s":   {one(strKey("zsh", 5), 10, 1), one(strKey("curl", 5), i64(-4), 2)},
		"@v":   {one(u64s(1), 100, 1), one(u64s(2), 24, 2)},
		"@mn":  {one(strKey("a", 2), 5, 1), one(strKey("b", 2), i64(-5), 1), one(strKey("c", 2), 2, 1)},
		"@mx":  {one(strKey("a", 2), 5, 1), one(strKey("b", 2), i64(-5), 1), one(strKey("c", 2), 2, 1)},
		"@su":  {one(strKey("a", 2), 5), one(strKey("b", 2), i64(-5)), one(strKey("c", 2), 2)},
		"@str": {{u64s(2), [][]byte{strKey("b", 2)}}, {u64s(i64(-1)), [][]byte{strKey("z", 2)}}, {u64s(10), [][]byte{strKey("a", 2)}}},
		"@tup": {{enc(tk.Elems, "b", 1), [][]byte{strKey("x", 2)}}, {enc(tk.Elems, "a", 2), [][]byte{strKey("y", 2)}}, {enc(tk.Elems, "a", 1), [][]byte{strKey("z", 2)}}},
	}
}

func TestGoldenSorting(t *testing.T) {
	golden(t, "sorting", sortFixture, func(w *Writer, maps []*codegen.MapLayout, entries map[string][]MapEntry) error {
		return w.Map(maps[1], entries["@v"], 0, 10)
	})
}

func TestGoldenDump(t *testing.T) {
	golden(t, "dump", dumpFixture, nil)
}

func TestGoldenHistograms(t *testing.T) {
	golden(t, "hists", histFixture, func(w *Writer, maps []*codegen.MapLayout, entries map[string][]MapEntry) error {
		k := maps[len(maps)-1]
		if err := w.Map(k, entries[k.Name], 2, 1); err != nil {
			return err
		}
		return w.Map(k, entries[k.Name], 1, 2)
	})
}

// golden prints a fixture's maps as a run would (what before the end of
// the run, then the end-of-run dump) in both formats and compares the
// output with testdata/name.txt and name.json.
func golden(t *testing.T, name string, fixture func() ([]*codegen.MapLayout, map[string][]MapEntry),
	before func(*Writer, []*codegen.MapLayout, map[string][]MapEntry) error) {
	t.Helper()
	maps, entries := fixture()
	for _, c := range []struct {
		format Format
		file   string
	}{{Text, name + ".txt"}, {JSON, name + ".json"}} {
		var out bytes.Buffer
		w := New(&out, &out, c.format, &codegen.Object{Maps: maps}, nil)
		if before != nil {
			if err := before(w, maps, entries); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.End(); err != nil {
			t.Fatal(err)
		}
		for _, m := range DumpOrder(maps) {
			if err := w.DumpMap(m, entries[m.Name]); err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
		}
		path := filepath.Join("testdata", c.file)
		if *update {
			if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%s differs:\n%s\nwant:\n%s", c.file, out.String(), want)
		}
	}
}
