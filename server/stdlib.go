package server

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/stdlib"
)

// bt's standard library in the editor. Its macros are in scope in every
// script (check.TheLibrary): hover shows their doc comments, and go to
// definition on one, or on a C function of the library's objects, opens
// its source in the file stdlib.Dir writes in the cache — a plain file:
// URI every editor opens. Library macros are not the program's: rename
// and references leave them alone.

// stdlibDef is where the library defines a name.
type stdlibDef struct {
	Path   string // file in stdlib.Dir()
	Offset int    // of the name
	Line   int    // 1-based
}

var (
	stdlibMu   sync.Mutex
	stdlibDir  string // the directory stdlibDefs were read from
	stdlibDefs map[string]stdlibDef
)

// cFuncDef matches the start of a C function definition at the start of
// a line: a return type, then the name and '('.
var cFuncDef = regexp.MustCompile(`(?m)^[A-Za-z_][A-Za-z0-9_ \t\*]*?\b([A-Za-z_][A-Za-z0-9_]*)\s*\(`)

// stdlibDefinitions finds the functions of the library's C, by name
// (the objects' BTF has no source positions).
func stdlibDefinitions() map[string]stdlibDef {
	stdlibMu.Lock()
	defer stdlibMu.Unlock()
	dir, err := stdlib.Dir()
	if err != nil {
		return nil
	}
	if dir == stdlibDir {
		return stdlibDefs
	}
	stdlibDir, stdlibDefs = dir, map[string]stdlibDef{}
	add := func(name, path string, text []byte, off int) {
		if _, dup := stdlibDefs[name]; !dup {
			stdlibDefs[name] = stdlibDef{Path: path, Offset: off, Line: 1 + strings.Count(string(text[:off]), "\n")}
		}
	}
	for _, name := range stdlib.CSources() {
		path := filepath.Join(dir, filepath.FromSlash(name))
		text, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		for _, m := range cFuncDef.FindAllSubmatchIndex(text, -1) {
			word := string(text[m[2]:m[3]])
			if line := string(text[m[0]:m[3]]); strings.HasPrefix(line, "struct") || strings.Contains(line, "extern") ||
				strings.HasPrefix(word, "if") || word == "return" {
				continue
			}
			add(word, path, text, m[2])
		}
	}
	return stdlibDefs
}

// stdlibDefinitionOf finds where the library defines name.
func stdlibDefinitionOf(name string) (stdlibDef, bool) {
	d, ok := stdlibDefinitions()[name]
	return d, ok
}

// libraryCFuncDef is where the library's C source defines sym when sym
// is a C function of the library's objects (an imported stdlib/NAME
// object, or the library's own); hover links to it and go to definition
// opens it.
func libraryCFuncDef(sym *check.Symbol) (stdlibDef, bool) {
	if sym == nil || sym.Kind != check.SymCFunc || sym.Loc == nil ||
		!strings.HasSuffix(sym.Loc.Path, ".bpf.o") && !strings.HasPrefix(sym.Loc.Path, check.LibraryPrefix) {
		return stdlibDef{}, false
	}
	return stdlibDefinitionOf(sym.Name)
}

// libraryNote links to line of a library file.
func libraryNote(path string, line int) string {
	return fmt.Sprintf("\n\nImplemented in bt's standard library: [%s line %d](%s#L%d)",
		filepath.Base(path), line, uriFromPath(path), line)
}

// libraryPath is the file on disk of one of the library's parsed files.
func libraryPath(f *source.File) (string, bool) {
	name, ok := check.TheLibrary().FileName(f)
	if !ok {
		return "", false
	}
	dir, err := stdlib.Dir()
	if err != nil {
		return "", false
	}
	return filepath.Join(dir, filepath.FromSlash(name)), true
}

// libraryFileOf is the library's file declaring d, nil when d is not
// the library's.
func libraryFileOf(d ast.Node) *ast.File {
	return declFile(check.TheLibrary().Files, d)
}

// isLibrarySymbol reports whether sym is one of the library's macros.
func isLibrarySymbol(sym *check.Symbol) bool {
	if sym == nil {
		return false
	}
	_, ok := check.TheLibrary().FileName(sym.File)
	return ok
}

// libraryMacros are the library's public macros (not the "__" helpers)
// the script does not replace with its own, by name, each name's forms
// in the library's order.
func libraryMacros(snap *Snapshot) map[string][]check.LibraryMacro {
	own := map[string]bool{}
	for _, f := range snap.Files() {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.MacroDecl:
				if d.Name != nil {
					own[d.Name.Name] = true
				}
			case *ast.FnDecl:
				if d.Name != nil {
					own[d.Name.Name] = true
				}
			}
		}
	}
	out := map[string][]check.LibraryMacro{}
	for _, m := range check.TheLibrary().Macros() {
		name := m.Decl.Name.Name
		if own[name] || strings.HasPrefix(name, "__") {
			continue
		}
		out[name] = append(out[name], m)
	}
	return out
}
