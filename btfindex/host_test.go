package btfindex

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Host tests: they read the running kernel and skip without its BTF (or,
// for tracefs, without root).

func hostIndex(t *testing.T, o Options) *Index {
	t.Helper()
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("no /sys/kernel/btf/vmlinux:", err)
	}
	if o.CacheDir == "" {
		o.CacheDir = t.TempDir()
	}
	ix, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.BTFError(); err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestHostIndex(t *testing.T) {
	ix := hostIndex(t, Options{})
	if n := ix.NumFuncs(); n < 10000 {
		t.Errorf("only %d BTF functions", n)
	}
	f, err := ix.Func("", "vfs_read")
	if err != nil {
		t.Fatal(err)
	}
	sig, err := ix.Signature(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := sig.CDecl(); got != "ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)" {
		t.Errorf("vfs_read = %s", got)
	}
	if ks := ix.Kfuncs(""); len(ks) == 0 {
		t.Error("no kfuncs")
	}
	task, err := ix.Type("struct task_struct")
	if err != nil {
		t.Fatal(err)
	}
	pid, ok := Field(task, "pid")
	if !ok || pid.Size != 4 || !IsSigned(pid.Type) {
		t.Errorf("task_struct.pid = %+v", pid)
	}
	if _, ok := Field(task, "comm"); !ok {
		t.Error("no task_struct.comm")
	}
	// The index from the cache is the same.
	again := hostIndex(t, Options{CacheDir: filepath.Dir(mustCachePath(t, ix))})
	if !again.FromCache() || !slices.Equal(again.FuncNames("vfs_"), ix.FuncNames("vfs_")) {
		t.Error("cached host index differs")
	}
	if ps, err := ix.List("iter:task"); err != nil || len(ps) != 1 {
		t.Errorf("iter:task = %v %v", ps, err)
	}
}

func mustCachePath(t *testing.T, ix *Index) string {
	t.Helper()
	p, err := ix.cachePath()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHostBTFTracepointFormats compares the formats derived from BTF with
// tracefs's for every event that has one in both.
func TestHostBTFTracepointFormats(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to read tracefs")
	}
	live := hostIndex(t, Options{NoCache: true})
	if src, why := live.TracepointSource(); src != SourceTracefs {
		t.Skip("tracefs not readable:", why)
	}
	btfOnly := hostIndex(t, Options{NoCache: true, TracefsDirs: []string{}})
	if src, _ := btfOnly.TracepointSource(); src != SourceBTF {
		t.Fatalf("source = %v", src)
	}
	var direct, guessed, badDirect, badGuessed, none int
	for _, tp := range live.Tracepoints() {
		lf, err := live.TracepointFormat(tp.Category, tp.Event)
		if err != nil {
			continue
		}
		bf, err := btfOnly.TracepointFormat("", tp.Event)
		if err != nil {
			none++
			continue
		}
		la, ba := lf.Args(), bf.Args()
		same := len(la) == len(ba)
		for i := 0; same && i < len(la); i++ {
			same = la[i].Name == ba[i].Name && la[i].Offset == ba[i].Offset && la[i].Size == ba[i].Size
		}
		if bf.ClassGuessed {
			guessed++
			if !same {
				badGuessed++
			}
		} else {
			direct++
			if !same {
				badDirect++
				if badDirect <= 5 {
					t.Errorf("%s: BTF fields differ from tracefs", tp)
				}
			}
		}
	}
	t.Logf("BTF formats: %d from the event's own struct (%d differ), %d from a guessed class (%d differ), %d without", direct, badDirect, guessed, badGuessed, none)
	if direct == 0 {
		t.Error("no BTF formats")
	}
	// A guessed class may be wrong, but rarely.
	if guessed > 0 && badGuessed*10 > guessed {
		t.Errorf("%d of %d guessed classes give wrong fields", badGuessed, guessed)
	}
}
