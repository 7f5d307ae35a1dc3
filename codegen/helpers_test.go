package codegen

import (
	"fmt"
	"sync"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/btfindex/kernelcheck"
)

var (
	kernelOnce sync.Once
	kernel     check.Kernel
	kernelErr  error
	importer   = check.NewFileImporter()
)

// checkSource type-checks src against the running kernel the way bt
// check does, and fails when the checker reports an error.
func checkSource(t testing.TB, src string) (*check.Program, error) {
	return checkFile(t, "test.bt", []byte(src))
}

func checkFile(t testing.TB, name string, src []byte) (*check.Program, error) {
	t.Helper()
	kernelOnce.Do(func() { kernel, kernelErr = kernelcheck.Open("", false) })
	if kernelErr != nil {
		t.Skipf("no kernel index: %v", kernelErr)
	}
	root, diags := parser.ParseFile(source.NewFile(name, src))
	if diags.HasErrors() {
		return nil, fmt.Errorf("parse: %v", diags[0])
	}
	scripts, cimports := check.Gather(importer, root)
	files := append([]*ast.File{root}, scripts...)
	cfg := check.Config{
		Kernel:   kernel,
		Unsafe:   true,
		Importer: importer,
	}
	cscope, _ := check.NewCScope(files, cimports, check.CScopeConfig{Kernel: kernel})
	if cscope != nil && check.CScopeComplete(cscope) {
		cfg.C = cscope
	}
	prog := check.Check([]*ast.File{root}, cfg)
	var errs diag.List
	for _, d := range prog.Diags {
		if d.Severity == diag.Error {
			errs = append(errs, d)
		}
	}
	if len(errs) > 0 {
		return prog, fmt.Errorf("check: %v", errs[0])
	}
	return prog, nil
}
