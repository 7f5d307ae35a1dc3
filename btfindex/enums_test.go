package btfindex

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// TestEnumerators: named, anonymous, signed and 64-bit enumerators are
// found by name, built from BTF and read back from the cache alike, and
// the first definition of a name wins.
func TestEnumerators(t *testing.T) {
	intT := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	state := &btf.Enum{Name: "state", Size: 4, Values: []btf.EnumValue{
		{Name: "ST_IDLE", Value: 0}, {Name: "ST_BUSY", Value: 7}}}
	anon := &btf.Enum{Size: 4, Signed: true, Values: []btf.EnumValue{
		{Name: "NEG_ONE", Value: ^uint64(0)}, {Name: "ST_IDLE", Value: 99}}}
	big := &btf.Enum{Name: "big", Size: 8, Values: []btf.EnumValue{
		{Name: "BIG_TOP", Value: 1 << 40}}}
	dir := t.TempDir()
	btfDir := filepath.Join(dir, "btf")
	if err := os.MkdirAll(btfDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(btfDir, "vmlinux"), marshalBTF(t, []btf.Type{intT, state, anon, big}), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{SysBTFDir: btfDir, Kallsyms: "-", TracefsDirs: []string{filepath.Join(dir, "none")}, CacheDir: filepath.Join(dir, "cache")}
	want := []struct {
		name  string
		value int64
		enum  string
	}{
		{"ST_IDLE", 0, "state"}, // state comes first in BTF order
		{"ST_BUSY", 7, "state"},
		{"NEG_ONE", -1, ""},
		{"BIG_TOP", 1 << 40, "big"},
	}
	for _, run := range []string{"built", "cached"} {
		ix, err := Open(opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := ix.FromCache(); got != (run == "cached") {
			t.Fatalf("%s: FromCache() = %v", run, got)
		}
		for _, w := range want {
			e, err := ix.Enumerator(w.name)
			if err != nil {
				t.Errorf("%s: Enumerator(%s): %v", run, w.name, err)
				continue
			}
			if e.Value != w.value || e.Module != "vmlinux" {
				t.Errorf("%s: %s = %d in %s, want %d in vmlinux", run, w.name, e.Value, e.Module, w.value)
			}
			en, err := ix.EnumOf(e)
			if err != nil || en.Name != w.enum {
				t.Errorf("%s: EnumOf(%s) = %v, %v; want enum %q", run, w.name, en, err, w.enum)
			}
		}
		if _, err := ix.Enumerator("NO_SUCH"); err == nil {
			t.Errorf("%s: NO_SUCH found", run)
		}
	}
}

// TestHostEnumerators compares every enumerator of the running kernel's
// vmlinux BTF, as cilium/ebpf decodes it, with the index's answer.
func TestHostEnumerators(t *testing.T) {
	ix := hostIndex(t, Options{NoModules: true})
	spec, err := ix.Spec("")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	n := 0
	for typ, err := range spec.All() {
		if err != nil {
			t.Fatal(err)
		}
		en, ok := typ.(*btf.Enum)
		if !ok {
			continue
		}
		for _, v := range en.Values {
			if v.Name == "" || seen[v.Name] {
				continue
			}
			seen[v.Name] = true
			n++
			want := int64(v.Value) // signed 32-bit values come sign-extended
			got, err := ix.Enumerator(v.Name)
			if err != nil || got.Value != want {
				t.Errorf("%s = %d (%v), decoded %d", v.Name, got.Value, err, want)
				continue
			}
			if e, err := ix.EnumOf(got); err != nil || e != en {
				t.Errorf("%s: enum %v (%v), decoded %v", v.Name, e, err, en)
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d enumerators in the kernel", n)
	}
}

// TestCachedTableFallback: a cached table that does not decode is built
// from BTF instead; the other tables still come from the cache.
func TestCachedTableFallback(t *testing.T) {
	f := newFixture(t)
	f.open(t, true) // writes the cache
	ix := f.open(t, true)
	if !ix.FromCache() {
		t.Fatal("not from the cache")
	}
	ix.pending[typeTable] = []byte{0xff} // damaged
	if _, err := ix.Type("struct task_struct"); err != nil {
		t.Errorf("type after a damaged table: %v", err)
	}
	if ix.rebuilt == nil {
		t.Error("the damaged table was not rebuilt")
	}
	if _, err := ix.Func("", "vfs_read"); err != nil {
		t.Errorf("func from the cached table: %v", err)
	}
	if e, err := ix.Enumerator("TASK_RUNNING"); err != nil || e.Value != 0 {
		t.Errorf("enumerator from the cached table: %v %v", e, err)
	}
}
