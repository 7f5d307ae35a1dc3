package stdlib_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/btfindex"
	"github.com/bt-tools/bt/codegen/clink"
	"github.com/bt-tools/bt/stdlib"
	"github.com/bt-tools/bt/stdlib/internal/aot"
)

// The committed objects are built from the committed sources: the inputs
// recorded in objects.sum are those of today's files, and the embedded
// objects are those recorded. With the clang that built them, a rebuild
// gives the same bytes.
func TestObjectsCurrent(t *testing.T) {
	sum, err := aot.ReadSum("bpf")
	if err != nil {
		t.Fatal(err)
	}
	inputs, err := aot.Inputs("bpf")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(inputs, sum.Inputs) {
		t.Fatalf("the standard library's objects are stale: run `go generate ./stdlib`\nnow:\n%s\nbuilt from:\n%s", inputs, sum.Inputs)
	}
	units, err := aot.Units("bpf")
	if err != nil {
		t.Fatal(err)
	}
	if len(units) < len(stdlib.CSources()) || len(sum.Objects) != len(units) {
		t.Fatalf("%d C sources, %d compiles, %d objects recorded", len(stdlib.CSources()), len(units), len(sum.Objects))
	}
	for _, u := range units {
		obj, err := fs.ReadFile(stdlib.FS(), "bpf/"+u.Obj)
		if err != nil {
			t.Fatalf("%s is not embedded: %v", u.Obj, err)
		}
		if got := fmt.Sprintf("%x", sha256.Sum256(obj)); got != sum.Objects[u.Obj] {
			t.Errorf("%s: embedded object %s, recorded %s: run `go generate ./stdlib`", u.Obj, got, sum.Objects[u.Obj])
		}
	}
	clang, err := clink.FindClang("")
	if err != nil {
		t.Skipf("cannot rebuild: %v", err)
	}
	if v, err := aot.ClangVersion(clang); err != nil || v != sum.Clang {
		t.Skipf("cannot rebuild byte for byte: %s is %q, the objects were built by %q", clang, v, sum.Clang)
	}
	again, err := aot.Build(clang, "bpf", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := os.ReadFile(filepath.Join("bpf", aot.SumFile)); !bytes.Equal(again, want) {
		t.Errorf("a rebuild differs from the committed objects:\n%s\nwant:\n%s", again, want)
	}
}

// Every script parses, and a script calling every macro checks without
// a finding — against the running kernel when it has BTF, and without a
// kernel.
func TestScriptsCheckClean(t *testing.T) {
	for _, name := range stdlib.Scripts() {
		text, err := stdlib.Source(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, ds := parser.ParseFile(source.NewFile(name, text)); len(ds) != 0 {
			t.Errorf("%s: %v", name, ds)
		}
	}
	kernels := map[string]check.Kernel{"no kernel": nil}
	if ix, err := btfindex.Open(btfindex.Options{NoModules: true, CacheDir: t.TempDir()}); err == nil && ix.HasBTF() {
		kernels["running kernel"] = check.NewKernel(ix)
	}
	for name, kernel := range kernels {
		t.Run(name, func(t *testing.T) {
			path, _ := filepath.Abs(filepath.Join("testdata", "uses.bt"))
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			root, ds := parser.ParseFile(source.NewFile(path, text))
			imp := check.NewFileImporter()
			scripts, cimports := check.Gather(imp, root)
			called := map[string]bool{}
			ast.Inspect(root, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					if n.Fun != nil {
						called[n.Fun.Name] = true
					}
				case *ast.Ident:
					called[n.Name] = true
				}
				return true
			})
			for _, name := range check.TheLibrary().MacroNames() {
				if !called[name] {
					t.Errorf("uses.bt does not call the library's %s", name)
				}
			}
			files := append([]*ast.File{root}, scripts...)
			cfg := check.Config{Kernel: kernel, Importer: imp}
			cscope, cdiags := check.NewCScope(files, cimports, check.CScopeConfig{Kernel: kernel, CacheDir: t.TempDir()})
			if cscope != nil && check.CScopeComplete(cscope) {
				cfg.C = cscope
			}
			ds = append(ds, cdiags...)
			ds = append(ds, imp.Diags()...)
			ds = append(ds, check.Check([]*ast.File{root}, cfg).Diags...)
			if len(ds) != 0 {
				var b strings.Builder
				diag.RenderAll(&b, ds, diag.TextOptions{})
				t.Errorf("findings:\n%s", b.String())
			}
		})
	}
}
