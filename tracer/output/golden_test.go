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

func TestGoldenDump(t *testing.T) {
	maps, entries := dumpFixture()
	for _, c := range []struct {
		format Format
		file   string
	}{{Text, "dump.txt"}, {JSON, "dump.json"}} {
		var out bytes.Buffer
		w := New(&out, &out, c.format, &codegen.Object{Maps: maps}, nil)
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
