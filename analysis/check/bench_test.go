package check

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
)

// BenchmarkCheckTools parses and checks every script of bpftrace's
// tools/ directory per iteration, against the permissive fake kernel.
func BenchmarkCheckTools(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(refRoot, "tools", "*.bt"))
	if len(files) == 0 {
		b.Skip("bpftrace tools not available")
	}
	var texts [][]byte
	size := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		texts = append(texts, data)
		size += len(data)
	}
	b.Run("parse+check", func(b *testing.B) {
		defer cpuTime(b)()
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for j, text := range texts {
				f, _ := parser.ParseFile(source.NewFile(files[j], text))
				prog := Check([]*ast.File{f}, Config{Kernel: permissiveKernel{}})
				if prog.Diags.HasErrors() {
					b.Fatalf("%s: %v", files[j], prog.Diags)
				}
			}
		}
		b.ReportMetric(float64(len(files)), "scripts/op")
	})
	parsed := make([]*ast.File, len(texts))
	for j, text := range texts {
		parsed[j], _ = parser.ParseFile(source.NewFile(files[j], text))
	}
	b.Run("check", func(b *testing.B) {
		defer cpuTime(b)()
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for j, f := range parsed {
				prog := Check([]*ast.File{f}, Config{Kernel: permissiveKernel{}})
				if prog.Diags.HasErrors() {
					b.Fatalf("%s: %v", files[j], prog.Diags)
				}
			}
		}
		b.ReportMetric(float64(len(files)), "scripts/op")
	})
}

// cpuTime measures the process's CPU time (user and system, all
// threads, so the garbage collector is included) from now until the
// returned function runs, and reports it per operation: unlike ns/op it
// does not grow when the machine is shared.
func cpuTime(b *testing.B) func() {
	start := processCPU()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((processCPU()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		}
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
