package codegen

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkCompile measures Compile alone (the checked program is made
// once) on a real tool.
func BenchmarkCompile(b *testing.B) {
	src := os.Getenv("BT_BPFTRACE_SRC")
	if src == "" {
		src = "/work/bpftrace-v026/bpftrace-src"
	}
	path := filepath.Join(src, "tools", "tcplife.bt")
	text, err := os.ReadFile(path)
	if err != nil {
		b.Skip(err)
	}
	p, err := checkFile(b, path, text)
	if err != nil {
		b.Skip(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := Compile(p, Options{}); diags.HasErrors() {
			b.Fatal(diags[0])
		}
	}
}
