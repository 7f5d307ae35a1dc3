package server

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/stdlib"
)

// bt's standard library in the editor: hover and go to definition on a
// function the library implements (a builtin such as strerror, or a C
// function of its objects) lead to its source, the file stdlib.Dir
// writes in the cache — a plain file: URI every editor opens.

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

// stdlibDefinitions reads the macros of the library's .bt files and the
// functions of its C, by name (the first definition of a name wins: a
// macro's forms with and without arguments are one entry).
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
	for _, name := range stdlib.Scripts() {
		path := filepath.Join(dir, filepath.FromSlash(name))
		text, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		f, _ := parser.ParseFile(source.NewFile(path, text))
		for _, d := range f.Decls {
			if m, ok := d.(*ast.MacroDecl); ok && m.Name != nil {
				add(m.Name.Name, path, text, int(m.Name.Span().Start))
			}
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

// stdlibHoverNote is the line hover adds for a name the library
// implements: a link to its source.
func stdlibHoverNote(name string) string {
	d, ok := stdlibDefinitionOf(name)
	if !ok {
		return ""
	}
	return fmt.Sprintf("\n\nImplemented in bt's standard library: [%s line %d](%s#L%d)",
		filepath.Base(d.Path), d.Line, uriFromPath(d.Path), d.Line)
}
