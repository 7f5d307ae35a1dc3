package check

import (
	"os"
	"path/filepath"
	"testing"

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
