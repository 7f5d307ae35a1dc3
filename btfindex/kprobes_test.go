package btfindex

import (
	"os"
	"path/filepath"
	"testing"
)

// TestKprobeFuncsFixture: the kprobe list comes from the fixture's
// kallsyms (tracefs has no available_filter_functions), without padding
// and .cold parts, is kept on disk and read back the same, and a damaged
// copy is not trusted.
func TestKprobeFuncsFixture(t *testing.T) {
	f := newFixture(t)
	extra := "ffffffff81000100 t __pfx_vfs_read\nffffffff81000200 t helper.cold\nffffffff81000300 t helper.isra.0\nffffffff81000400 d some_data\nffffffff81000500 T modfn\t[mymod]\n"
	b, err := os.ReadFile(f.kallsyms)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.kallsyms, append(b, extra...), 0o644); err != nil {
		t.Fatal(err)
	}
	var first *KprobeFuncs
	for _, run := range []string{"built", "cached"} {
		ix := f.open(t, true)
		s, err := ix.KprobeFuncs()
		if err != nil {
			t.Fatalf("%s: %v", run, err)
		}
		if s.From != "kallsyms" || s.Len() < 3 {
			t.Fatalf("%s: %d functions from %s", run, s.Len(), s.From)
		}
		for _, c := range []struct {
			mod, name string
			want      bool
		}{
			{"", "vfs_read", true}, {"vmlinux", "vfs_read", true}, {"mymod", "vfs_read", false},
			{"", "helper.isra.0", true}, {"mymod", "modfn", true}, {"", "modfn", true},
			{"", "__pfx_vfs_read", false}, {"", "helper.cold", false}, {"", "some_data", false},
		} {
			if got := s.Has(c.mod, c.name); got != c.want {
				t.Errorf("%s: Has(%q, %q) = %v", run, c.mod, c.name, got)
			}
		}
		if !s.HasModule("mymod") || s.HasModule("othermod") {
			t.Errorf("%s: HasModule wrong", run)
		}
		lo, hi := s.PrefixRange("helper")
		if hi-lo != 1 {
			t.Errorf("%s: PrefixRange(helper) = %d..%d", run, lo, hi)
		}
		if first == nil {
			first = s
		} else if first.text != s.text || first.From != s.From {
			t.Errorf("cached list differs from the built one")
		}
	}
	// A damaged copy is not trusted.
	path := filepath.Join(f.cache, "kprobes-"+f.open(t, true).Identity()+".txt")
	if _, ok := readKprobeCache(path); !ok {
		t.Fatalf("no cached copy at %s", path)
	}
	for _, bad := range []string{kprobeCacheMagic + "kallsyms\nno-tab-here\n", kprobeCacheMagic + "kallsyms\nb\tvmlinux\na\tvmlinux\n", "bt-kprobes v1 kallsyms\n"} {
		os.WriteFile(path, []byte(bad), 0o644)
		if _, ok := readKprobeCache(path); ok {
			t.Errorf("damaged cache %q read", bad)
		}
	}
}

// TestKprobeFuncsOtherKernel: a BTF file has no kallsyms.
func TestKprobeFuncsOtherKernel(t *testing.T) {
	f := newFixture(t)
	ix, err := Open(Options{BTFFile: filepath.Join(f.dir, "vmlinux"), CacheDir: f.cache})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.KprobeFuncs(); err != ErrNoKallsyms {
		t.Errorf("KprobeFuncs() error %v, want ErrNoKallsyms", err)
	}
}

// TestHostKprobeFuncs: the running kernel's list has vfs_read and no
// padding symbols.
func TestHostKprobeFuncs(t *testing.T) {
	ix := hostIndex(t, Options{})
	s, err := ix.KprobeFuncs()
	if err != nil {
		t.Skip("no kallsyms:", err)
	}
	if s.Len() < 1000 || !s.Has("", "vfs_read") || s.Has("", "__pfx_vfs_read") {
		t.Errorf("%d functions from %s; vfs_read %v, __pfx_vfs_read %v", s.Len(), s.From, s.Has("", "vfs_read"), s.Has("", "__pfx_vfs_read"))
	}
}
