package check

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
)

// TestRobustCorpus checks every script the repository has (the parser's
// valid, invalid and fuzz corpora included) in every environment and
// requires that the checker never fails internally.
func TestRobustCorpus(t *testing.T) {
	var files []string
	filepath.WalkDir("../..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "../..") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".bt") || strings.Contains(path, "testdata/fuzz/")) {
			files = append(files, path)
		}
		return nil
	})
	if len(files) < 10 {
		t.Skipf("only %d scripts found", len(files))
	}
	t.Logf("%d scripts", len(files))
	cfgs := []Config{{}, {Kernel: newFakeKernel(), C: newFakeC(), Unsafe: true}, {Kernel: permissiveKernel{}}}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		text := data
		if strings.Contains(path, "testdata/fuzz/") {
			text = fuzzInput(data)
		}
		f, _ := parser.ParseFile(source.NewFile(path, text))
		for _, cfg := range cfgs {
			prog := Check([]*ast.File{f}, cfg)
			for _, d := range prog.Diags {
				if d.Code == CodeInternal {
					t.Errorf("%s: %s\n%s", path, d.Message, d.Hint)
				}
			}
		}
	}
}

// fuzzInput extracts the string of a Go fuzz corpus file
// ("go test fuzz v1" then string("...") lines).
func fuzzInput(data []byte) []byte {
	var out []byte
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "string("); ok {
			if s, err := strconv.Unquote(strings.TrimSuffix(rest, ")")); err == nil {
				out = append(out, s...)
			}
		}
		if rest, ok := strings.CutPrefix(line, "[]byte("); ok {
			if s, err := strconv.Unquote(strings.TrimSuffix(rest, ")")); err == nil {
				out = append(out, s...)
			}
		}
	}
	return out
}
