package btfindex

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// splitBTF hand-encodes a module's split BTF on top of base: one function
// "int mod_fn(int arg)".
func splitBTF(t *testing.T, base []byte) []byte {
	t.Helper()
	r, err := parseRawBTF(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	intID := uint32(0)
	if err := r.walk(func(ty *rawType) {
		if ty.kind == kindInt && string(r.str(ty.nameOff)) == "int" && intID == 0 {
			intID = ty.id
		}
	}); err != nil || intID == 0 {
		t.Fatalf("base: %v, int id %d", err, intID)
	}
	baseStrLen := uint32(len(r.strs))
	strs := []byte("\x00mod_fn\x00arg\x00")
	nameFn, nameArg := baseStrLen+1, baseStrLen+8
	protoID := r.firstID + r.numTypes
	le := binary.LittleEndian
	var types []byte
	u32 := func(v uint32) { types = le.AppendUint32(types, v) }
	// FUNC_PROTO int (int arg)
	u32(0)
	u32(kindFuncProto<<24 | 1)
	u32(intID)
	u32(nameArg)
	u32(intID)
	// FUNC mod_fn, global
	u32(nameFn)
	u32(kindFunc<<24 | 1)
	u32(protoID)
	hdr := make([]byte, 24)
	le.PutUint16(hdr, btfMagic)
	hdr[2] = 1
	le.PutUint32(hdr[4:], 24)
	le.PutUint32(hdr[8:], 0)
	le.PutUint32(hdr[12:], uint32(len(types)))
	le.PutUint32(hdr[16:], uint32(len(types)))
	le.PutUint32(hdr[20:], uint32(len(strs)))
	return append(append(hdr, types...), strs...)
}

func TestModuleBTF(t *testing.T) {
	fx := newFixture(t)
	base, err := os.ReadFile(filepath.Join(fx.dir, "vmlinux"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fx.dir, "mymod"), splitBTF(t, base), 0o644); err != nil {
		t.Fatal(err)
	}
	// A broken module is skipped, not fatal.
	if err := os.WriteFile(filepath.Join(fx.dir, "broken"), []byte("nonsense"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cached := range []bool{false, true} {
		ix := fx.open(t, false)
		if ix.FromCache() != cached {
			t.Fatalf("FromCache = %v, want %v", ix.FromCache(), cached)
		}
		if got := ix.Modules(); !slices.Equal(got, []string{"vmlinux", "mymod"}) {
			t.Errorf("modules = %v", got)
		}
		f, err := ix.Func("mymod", "mod_fn")
		if err != nil || f.Module != "mymod" || !f.Attachable || f.NumParams != 1 {
			t.Fatalf("mod_fn = %+v, %v", f, err)
		}
		if _, err := ix.Func("vmlinux", "mod_fn"); err == nil {
			t.Error("mod_fn found in vmlinux")
		}
		sig, err := ix.Signature(f)
		if err != nil || sig.CDecl() != "int mod_fn(int arg)" {
			t.Errorf("signature = %v, %v", sig, err)
		}
		if got := probeStrings(t, ix, "fentry:mymod:*"); !slices.Equal(got, []string{"fentry:mymod:mod_fn"}) {
			t.Errorf("fentry:mymod:* = %q", got)
		}
		if got := probeStrings(t, ix, "kprobe:mod_*"); !slices.Equal(got, []string{"kprobe:mod_fn"}) {
			t.Errorf("kprobe:mod_* = %q", got)
		}
		if got := probeStrings(t, ix, "kprobe:mymod:*"); !slices.Equal(got, []string{"kprobe:mymod:mod_fn"}) {
			t.Errorf("kprobe:mymod:* = %q", got)
		}
		if got := argDecls(t, ix, "fexit:mymod:mod_fn"); !slices.Equal(got, []string{"int arg", "int retval"}) {
			t.Errorf("fexit args = %q", got)
		}
		if s, err := ix.Spec("mymod"); err != nil || s == nil {
			t.Errorf("Spec(mymod): %v", err)
		}
	}
}

// TestConcurrentQueries runs the queries a language server makes from
// several goroutines at once (run with -race).
func TestConcurrentQueries(t *testing.T) {
	fx := newFixture(t)
	ix := fx.open(t, true)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if _, err := ix.Type("struct task_struct"); err != nil {
					t.Error(err)
					return
				}
				f, err := ix.Func("", "vfs_read")
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := ix.Signature(f); err != nil {
					t.Error(err)
				}
				if _, err := ix.List("tracepoint:*"); err != nil {
					t.Error(err)
				}
				if _, err := ix.TracepointFormat("sched", "sched_switch"); err != nil {
					t.Error(err)
				}
				_ = ix.Funcs("vfs")
				_ = i
			}
		}()
	}
	wg.Wait()
}
