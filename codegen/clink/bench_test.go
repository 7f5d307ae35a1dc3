package clink

import (
	"testing"

	"github.com/cilium/ebpf"
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

// BenchmarkWarmStartRun is what an imported C function adds to a warm
// start, end to end: find the cached object, read it, link __add_one into
// a raw tracepoint program, load it into the kernel, run it once and
// unload it (root).
func BenchmarkWarmStartRun(b *testing.B) {
	needClang(b)
	needRoot(b)
	path := writeC(b, "my_c_lib.bpf.c", addOne)
	opts := Options{CacheDir: b.TempDir()}
	if _, diags, err := NewCompiler(opts).Compile(path); err != nil || diags.HasErrors() {
		b.Fatal(err, diags)
	}
	for b.Loop() {
		obj, _, err := NewCompiler(opts).Compile(path)
		if err != nil || !obj.Cached {
			b.Fatalf("not cached: %v", err)
		}
		lib, err := OpenLibrary(obj.File, path, "l0")
		if err != nil {
			b.Fatal(err)
		}
		linked, err := Link(callProg("btclink_bench", "__add_one", 1), lib)
		if err != nil {
			b.Fatal(err)
		}
		prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{Name: "btclink_bench", Type: ebpf.RawTracepoint, License: "GPL", Instructions: linked.Insns})
		if err != nil {
			b.Fatal(err)
		}
		ret, err := prog.Run(&ebpf.RunOptions{Context: make([]byte, 8)})
		prog.Close()
		if err != nil || ret != 2 {
			b.Fatalf("ret %d err %v", ret, err)
		}
	}
}
