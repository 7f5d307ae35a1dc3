package check

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
)

// memImporter serves imports from memory.
type memImporter struct {
	files map[string]string
	calls []string
}

func (m *memImporter) Import(from *source.File, path string) (*Imported, error) {
	m.calls = append(m.calls, path)
	if strings.HasSuffix(path, ".h") || strings.HasSuffix(path, ".bpf.c") {
		return &Imported{CFiles: []string{path}}, nil
	}
	text, ok := m.files[path]
	if !ok {
		return nil, fmt.Errorf("no such file")
	}
	f, _ := parser.ParseFile(source.NewFile(path, []byte(text)))
	return &Imported{Scripts: []*ast.File{f}}, nil
}

func TestImports(t *testing.T) {
	imp := &memImporter{files: map[string]string{
		"helpers.bt": `import "more.bt";
macro greet() { print("hello"); }
let @shared = hash(10);
kprobe:vfs_read { @shared[tid] = 1; }
`,
		"more.bt":   "macro twice(x) { x * 2 }\nbegin { print(@nope); }\n",
		"config.bt": "config = { max_strlen = 8 }\n",
	}}
	root := `import "helpers.bt";
import "helpers.bt";
import "lib.h";
import "missing.bt";
import "config.bt";
begin { greet!(); print(twice(2)); print(@shared[1]); }
`
	src := source.NewFile("root.bt", []byte(root))
	f, pd := parser.ParseFile(src)
	if pd.HasErrors() {
		t.Fatal(pd)
	}
	prog := Check([]*ast.File{f}, Config{Kernel: newFakeKernel(), Importer: imp})
	if len(prog.Files) != 4 {
		t.Errorf("%d files, want root, helpers, more, config", len(prog.Files))
	}
	var got []string
	for _, d := range prog.Diags {
		p := d.Start()
		got = append(got, fmt.Sprintf("%s:%d:%d %s", p.Filename, p.Line, p.Column, d.Code))
	}
	want := []string{
		"config.bt:1:1 config-in-import",
		"more.bt:2:15 undefined-map",
		"root.bt:4:8 import-failed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The map declared in helpers.bt is defined there.
	m := prog.Map("@shared")
	if m == nil || m.Decl == nil || m.Symbol.File == nil || m.Symbol.File.Name != "helpers.bt" {
		t.Errorf("@shared: %+v", m)
	}
	if len(prog.Probes) != 3 {
		t.Errorf("%d probes, want 3 (root, helpers, more)", len(prog.Probes))
	}
	for _, d := range prog.Diags {
		if d.Severity == diag.Error && d.File == nil {
			t.Errorf("diagnostic without a file: %s", d.Error())
		}
	}
}
