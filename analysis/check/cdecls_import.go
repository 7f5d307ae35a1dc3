package check

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/stdlib"
)

// FileImporter resolves `import "path";` from files, as bpftrace does: a
// relative path is relative to the importing script's directory; a .bt
// file is parsed, .h and .bpf.c files are C for the CScope, a .bpf.o is
// C described by its BTF, and a directory imports those of its entries. A file
// or directory that others may write is refused (CheckImportPermissions,
// checked for the import and for every entry of an imported directory).
// It implements Importer, reads each file once, and is safe for
// concurrent use.
type FileImporter struct {
	// ReadFile reads a file; nil reads from disk. The language server
	// passes one that prefers its open buffers.
	ReadFile func(path string) ([]byte, error)
	// Stdlib resolves `import "stdlib/NAME"` to the files of bt's
	// standard library module NAME on disk (stdlib.Module), and says
	// which object stands for a C file of the library (stdlib.ObjectFor:
	// its C is compiled ahead of time). NewFileImporter sets bt's own;
	// nil: such imports fail.
	Stdlib StdlibFiles

	mu      sync.Mutex
	scripts map[string]*ast.File
	parsed  []string // paths in the order they were parsed
	diags   map[string]diag.List
}

// StdlibFiles is bt's standard library on disk (stdlib.Files).
type StdlibFiles interface {
	Module(name string) ([]string, error)
	Modules() []string
	ObjectFor(cpath string) (string, bool)
}

// StdlibPrefix starts an import of a module of bt's standard library,
// as bpftrace's imports of its own library are written.
const StdlibPrefix = "stdlib/"

// NewFileImporter returns an importer reading from disk, with bt's
// standard library for `import "stdlib/NAME"`.
func NewFileImporter() *FileImporter {
	return &FileImporter{Stdlib: stdlib.Files{}, scripts: map[string]*ast.File{}, diags: map[string]diag.List{}}
}

// resolveImport is the file an import names, seen from the file from.
func resolveImport(from *source.File, path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	dir := "."
	if from != nil && from.Name != "" && from.Name != "-" && !strings.HasPrefix(from.Name, "<") {
		dir = filepath.Dir(from.Name)
	}
	p := filepath.Join(dir, path)
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// Import implements Importer.
func (im *FileImporter) Import(from *source.File, path string) (*Imported, error) {
	if name, ok := strings.CutPrefix(path, StdlibPrefix); ok {
		return im.importStdlib(name)
	}
	target := resolveImport(from, path)
	if err := CheckImportPermissions(target); err != nil {
		return nil, err
	}
	st, err := os.Stat(target)
	if err != nil {
		if im.ReadFile == nil {
			return nil, err
		}
		// The language server may know a file that is not saved yet.
		if _, rerr := im.ReadFile(target); rerr != nil {
			return nil, err
		}
	}
	res := &Imported{}
	if st != nil && st.IsDir() {
		ents, err := os.ReadDir(target)
		if err != nil {
			return nil, err
		}
		names := make([]string, 0, len(ents))
		for _, e := range ents {
			// Every entry is checked, subdirectories and files of other
			// types too, as bpftrace does before it looks at the kind.
			if err := CheckImportPermissions(filepath.Join(target, e.Name())); err != nil {
				return nil, err
			}
			if !e.IsDir() {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			if err := im.importFile(filepath.Join(target, n), res, true); err != nil {
				return nil, err
			}
		}
		return res, nil
	}
	if err := im.importFile(target, res, false); err != nil {
		return nil, err
	}
	return res, nil
}

// importStdlib imports the module name of bt's standard library: its .bt
// script and its C's object.
func (im *FileImporter) importStdlib(name string) (*Imported, error) {
	if im.Stdlib == nil {
		return nil, fmt.Errorf("bt's standard library is not available here")
	}
	paths, err := im.Stdlib.Module(name)
	if err != nil {
		return nil, fmt.Errorf("bt's standard library: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("bt's standard library has no module %s (it has %s)", name, strings.Join(im.Stdlib.Modules(), ", "))
	}
	res := &Imported{}
	for _, p := range paths {
		if err := CheckImportPermissions(p); err != nil {
			return nil, err
		}
		if err := im.importFile(p, res, false); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func (im *FileImporter) importFile(path string, res *Imported, inDir bool) error {
	if im.Stdlib != nil {
		// The library's C is compiled ahead of time: its object is linked.
		if obj, ok := im.Stdlib.ObjectFor(path); ok {
			path = obj
		}
	}
	switch {
	case strings.HasSuffix(path, ".bt"):
		f, err := im.parse(path)
		if err != nil {
			return err
		}
		res.Scripts = append(res.Scripts, f)
	case strings.HasSuffix(path, ".bpf.c"), strings.HasSuffix(path, ".h"), strings.HasSuffix(path, ".bpf.o"):
		// A compiled object is checked against its BTF and linked as it is.
		res.CFiles = append(res.CFiles, path)
	default:
		if !inDir {
			return fmt.Errorf("unknown import type %s (bpftrace imports .bt, .bpf.c, .h and .bpf.o files)", filepath.Base(path))
		}
	}
	return nil
}

func (im *FileImporter) parse(path string) (*ast.File, error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	if f, ok := im.scripts[path]; ok {
		return f, nil
	}
	read := im.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	text, err := read(path)
	if err != nil {
		return nil, err
	}
	f, ds := parser.ParseFile(source.NewFile(path, text))
	im.scripts[path] = f
	im.parsed = append(im.parsed, path)
	im.diags[path] = ds
	return f, nil
}

// Diags returns the syntax diagnostics of the scripts imported so far.
func (im *FileImporter) Diags() diag.List {
	im.mu.Lock()
	defer im.mu.Unlock()
	var out diag.List
	for _, p := range im.parsed {
		out = append(out, im.diags[p]...)
	}
	return out
}

// DiagsOf returns the syntax diagnostics of the imported script at path
// (as its ast.File's Source.Name spells it).
func (im *FileImporter) DiagsOf(path string) diag.List {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.diags[path]
}

// Gather follows the imports of root and of the scripts it imports, and
// returns the imported scripts (not root) and C files, each once. Imports
// that fail are skipped: Check reports them when it imports through the
// same importer.
func Gather(imp Importer, root *ast.File) ([]*ast.File, []CImport) {
	var scripts []*ast.File
	var cfiles []CImport
	seen := map[*ast.File]bool{root: true}
	seenC := map[string]bool{}
	queue := []*ast.File{root}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		if f == nil {
			continue
		}
		for _, d := range f.Decls {
			id, ok := d.(*ast.ImportDecl)
			if !ok || id.Path == nil {
				continue
			}
			res, err := imp.Import(f.Source, id.Path.Value)
			if err != nil || res == nil {
				continue
			}
			for _, s := range res.Scripts {
				if s != nil && !seen[s] {
					seen[s] = true
					scripts = append(scripts, s)
					queue = append(queue, s)
				}
			}
			for _, c := range res.CFiles {
				if !seenC[c] {
					seenC[c] = true
					cfiles = append(cfiles, CImport{Path: c, At: diag.Location{File: f.Source, Span: id.Path.Span()}})
				}
			}
		}
	}
	return scripts, cfiles
}
