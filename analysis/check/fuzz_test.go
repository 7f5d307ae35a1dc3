package check

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
)

// FuzzCheck checks arbitrary scripts: the checker must never fail
// internally (a recovered panic becomes an internal-error diagnostic).
func FuzzCheck(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.bt")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		file, _ := parser.ParseFile(source.NewFile("fuzz.bt", []byte(text)))
		for _, cfg := range []Config{{}, {Kernel: newFakeKernel(), C: newFakeC()}} {
			prog := Check([]*ast.File{file}, cfg)
			for _, d := range prog.Diags {
				if d.Code == CodeInternal {
					t.Fatalf("%s\n%s\ninput:\n%s", d.Message, d.Hint, text)
				}
			}
		}
	})
}
