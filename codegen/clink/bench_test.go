package clink

import (
	"testing"
)

// BenchmarkCompileWarm is the cost of a second start for one imported C
// file: a new Compiler (a new process) finding the object in the cache
// (clang identity, source and manifest hashes) and reading it into a
// Library. No clang runs.
func BenchmarkCompileWarm(b *testing.B) {
	for _, tc := range []struct {
		name, text string
		kernel     bool
	}{
		{"add_one", addOne, false},
		{"libbpf_headers", withState, false},
		{"vmlinux_kfunc", taskComm, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			needClang(b)
			path := writeC(b, "lib.bpf.c", tc.text)
			opts := Options{CacheDir: b.TempDir()}
			if tc.kernel {
				ix := benchKernel(b)
				opts.Kernel = ix
			}
			if _, diags, err := NewCompiler(opts).Compile(path); err != nil || diags.HasErrors() {
				b.Fatal(err, diags)
			}
			b.ResetTimer()
			for b.Loop() {
				c := NewCompiler(opts)
				obj, _, err := c.Compile(path)
				if err != nil || !obj.Cached {
					b.Fatalf("not cached: %v", err)
				}
				if _, err := OpenLibrary(obj.File, path, "l0"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
