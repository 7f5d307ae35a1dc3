package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/stdlib"
)

// importedFile is one file an import statement brought in.
type importedFile struct {
	Path   string
	Script *ast.File // nil for C files
}

// resolveImport turns the path of an import statement in the file named
// from into the files it names: the file itself, or the supported files
// of a directory (non-recursive), as bpftrace resolves them. (The
// checker's FileImporter does the importing; this is for hover and go to
// definition on the import's path.)
func resolveImport(from, path string) ([]string, error) {
	if path == "" {
		return nil, fmt.Errorf("empty import path")
	}
	if name, ok := strings.CutPrefix(path, check.StdlibPrefix); ok {
		paths, err := stdlib.Module(name)
		if err == nil && len(paths) == 0 {
			err = fmt.Errorf("bt's standard library has no module %s", name)
		}
		return paths, err
	}
	p := path
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(from), p)
	}
	// The checker's rule, so hover says why an import is refused.
	if err := check.CheckImportPermissions(p); err != nil {
		return nil, err
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		if importKind(p) == "" {
			return nil, fmt.Errorf("unsupported file type (want .bt, .h or .bpf.c)")
		}
		return []string{p}, nil
	}
	ents, err := os.ReadDir(p)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if err := check.CheckImportPermissions(filepath.Join(p, e.Name())); err != nil {
			return nil, err
		}
		if !e.IsDir() && importKind(e.Name()) != "" {
			out = append(out, filepath.Join(p, e.Name()))
		}
	}
	return out, nil
}

// importKind classifies an importable file by its name.
func importKind(name string) string {
	switch {
	case strings.HasSuffix(name, ".bt"):
		return "bt"
	case strings.HasSuffix(name, ".bpf.c"):
		return "bpf.c"
	case strings.HasSuffix(name, ".h"):
		return "h"
	}
	return ""
}

// publishImportedDiagnostics publishes the diagnostics the analysis of
// root found in the files it imports, one notification per file, and
// clears the files root no longer imports. Files open in the editor are
// left to their own analysis. Several roots importing one file share it:
// the file shows the union of what each root reports.
func (s *Server) publishImportedDiagnostics(ctx context.Context, root string, snap *Snapshot, enc source.Encoding, related bool) {
	byFile := map[string][]protocol.Diagnostic{}
	for _, imp := range snap.Imports {
		if imp.Script != nil {
			byFile[uriFromPath(imp.Path)] = []protocol.Diagnostic{}
		}
	}
	for _, d := range snap.Diags {
		if d.File == nil || d.File == snap.File || d.File.Name == snap.File.Name {
			continue
		}
		u := uriFromPath(d.File.Name)
		byFile[u] = append(byFile[u], toLSPDiagnostic(d, snap.File, enc, related))
	}
	s.importMu.Lock()
	if s.imported == nil {
		s.imported = map[string]map[string][]protocol.Diagnostic{}
	}
	var touched []string
	for u, roots := range s.imported {
		if _, still := byFile[u]; !still {
			if _, had := roots[root]; had {
				delete(roots, root)
				touched = append(touched, u)
			}
		}
	}
	for u, ds := range byFile {
		if s.imported[u] == nil {
			s.imported[u] = map[string][]protocol.Diagnostic{}
		}
		s.imported[u][root] = ds
		touched = append(touched, u)
	}
	out := map[string][]protocol.Diagnostic{}
	for _, u := range touched {
		all := []protocol.Diagnostic{}
		roots := make([]string, 0, len(s.imported[u]))
		for r := range s.imported[u] {
			roots = append(roots, r)
		}
		sort.Strings(roots)
		for _, r := range roots {
			all = append(all, s.imported[u][r]...)
		}
		if len(s.imported[u]) == 0 {
			delete(s.imported, u)
		}
		out[u] = all
	}
	s.importMu.Unlock()
	for u, ds := range out {
		if _, err := s.document(u); err == nil {
			continue // open: its own analysis publishes for it
		}
		s.notify(ctx, "textDocument/publishDiagnostics", protocol.PublishDiagnosticsParams{URI: protocol.DocumentURI(u), Diagnostics: ds})
	}
}

// forgetImportedDiagnostics drops what a closed root contributed.
func (s *Server) forgetImportedDiagnostics(ctx context.Context, root string) {
	s.publishImportedDiagnostics(ctx, root, &Snapshot{File: source.NewFile(pathFromURI(root), nil)}, s.positionEncoding(), false)
}

// openText returns the text of the file at path if it is open in the
// editor.
func (s *Server) openText(path string) ([]byte, bool) {
	uri := uriFromPath(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.docs[uri]; ok {
		return d.file.Text, true
	}
	return nil, false
}
