package btfindex

import (
	"os"
	"runtime"
	"testing"
)

// Host benchmarks: they need /sys/kernel/btf/vmlinux. See
// docs/PERFORMANCE.md for the numbers and how they were measured.

func hostOpts(b testing.TB) Options {
	b.Helper()
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		b.Skip("no /sys/kernel/btf/vmlinux:", err)
	}
	return Options{CacheDir: b.TempDir()}
}

// BenchmarkOpenCold builds the index from BTF and kallsyms, no cache.
func BenchmarkOpenCold(b *testing.B) {
	opts := hostOpts(b)
	opts.NoCache = true
	for b.Loop() {
		ix, err := Open(opts)
		if err != nil || !ix.HasBTF() {
			b.Fatal(err, ix.BTFError())
		}
	}
}

// BenchmarkOpenWarm opens the index from the on-disk cache.
func BenchmarkOpenWarm(b *testing.B) {
	opts := hostOpts(b)
	if ix, err := Open(opts); err != nil || ix.CacheError() != nil {
		b.Fatal(err, ix.CacheError())
	}
	for b.Loop() {
		ix, err := Open(opts)
		if err != nil || !ix.FromCache() {
			b.Fatal("not from cache", err)
		}
	}
}

// BenchmarkPrefixQuery looks up every function starting with "vfs_".
func BenchmarkPrefixQuery(b *testing.B) {
	opts := hostOpts(b)
	ix, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		n = len(ix.Funcs("vfs_"))
	}
	if n == 0 {
		b.Fatal("no vfs_ functions")
	}
}

// BenchmarkStructMembers lists struct task_struct's members with their C
// declarations (the type decoded once, before the loop).
func BenchmarkStructMembers(b *testing.B) {
	opts := hostOpts(b)
	ix, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ix.Type("struct task_struct"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		t, err := ix.Type("struct task_struct")
		if err != nil {
			b.Fatal(err)
		}
		ms, err := Members(t)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range ms {
			_ = m.CDecl()
		}
	}
}

// BenchmarkListAll is bt list with no pattern, without -v.
func BenchmarkListAll(b *testing.B) {
	opts := hostOpts(b)
	ix, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ps, err := ix.List("")
		if err != nil || len(ps) == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndexMemory reports the live heap an index holds: opened warm
// (from the cache), cold (built, the raw BTF kept), and warm after its BTF
// was decoded for a type query.
func BenchmarkIndexMemory(b *testing.B) {
	opts := hostOpts(b)
	if _, err := Open(opts); err != nil {
		b.Fatal(err)
	}
	measure := func(b *testing.B, open func() *Index) {
		var ix *Index
		for b.Loop() {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			ix = open()
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-heap")
			runtime.KeepAlive(ix)
		}
	}
	b.Run("warm", func(b *testing.B) {
		measure(b, func() *Index { ix, _ := Open(opts); return ix })
	})
	b.Run("cold", func(b *testing.B) {
		o := opts
		o.NoCache = true
		measure(b, func() *Index { ix, _ := Open(o); return ix })
	})
	b.Run("warm+types", func(b *testing.B) {
		measure(b, func() *Index {
			ix, _ := Open(opts)
			if _, err := ix.Type("struct task_struct"); err != nil {
				b.Fatal(err)
			}
			return ix
		})
	})
}

// BenchmarkDebugInfoLibc reads libc's DWARF (libc6-dbg's separate debug
// file) and one function's parameters, uncached: what the first uprobe
// on libc with args costs.
func BenchmarkDebugInfoLibc(b *testing.B) {
	libc, err := ResolveBinary("libc.so.6")
	if err != nil || DWARFFile(libc) == "" {
		b.Skip("libc has no DWARF here (libc6-dbg)")
	}
	for b.Loop() {
		di, err := readDebugInfo(libc)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := di.FuncParams("malloc"); !ok {
			b.Fatal("malloc is not described")
		}
	}
}

// BenchmarkDebugInfoLibcType is the first lookup of a type by name in
// libc's DWARF (the type index is built).
func BenchmarkDebugInfoLibcType(b *testing.B) {
	libc, err := ResolveBinary("libc.so.6")
	if err != nil || DWARFFile(libc) == "" {
		b.Skip("libc has no DWARF here (libc6-dbg)")
	}
	for b.Loop() {
		di, err := readDebugInfo(libc)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := di.Type("struct malloc_chunk"); !ok {
			b.Fatal("struct malloc_chunk is not described")
		}
	}
}
