package check

import (
	"bytes"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/stdlib"
)

// bt's standard library, as every script sees it.
//
// The library's macros (stdlib/*.bt) are in scope in every script
// without an import, as bpftrace's own library is: strerror, ppid,
// assert and the rest are macros there, not builtins of the checker,
// and the compiler expands them like the script's own. A script's macro
// of the same name and arity replaces the library's, and so does a
// script fn of that name. The C functions the macros call come from the
// library's precompiled objects (stdlib/bpf/*.bpf.o): only the
// library's own files see them, and a program records the objects whose
// functions it calls (Program.LibraryObjects) for the compiler to link.

// LibraryPrefix starts the names of the library's files in diagnostics
// and events ("stdlib/strings.bt"), as bpftrace names its own.
const LibraryPrefix = "stdlib/"

// Library is the standard library, read once per process.
type Library struct {
	// Files are the library's .bt files, parsed, named LibraryPrefix
	// plus their name.
	Files []*ast.File
	// C holds the functions of the library's objects.
	C CScope
	// Objects are the library's compiled C files, by source name.
	Objects []*LibraryObject

	objectOf map[string]*LibraryObject // C function name -> its object
	files    map[*source.File]string   // library file -> its name in the library
}

// LibraryObject is one precompiled C file of the library.
type LibraryObject struct {
	Name string // its C source in the library: "bpf/strings.bpf.c"
	Data []byte // the ELF object for this machine's architecture
}

var (
	libraryOnce sync.Once
	library     *Library
)

// TheLibrary returns the standard library. Its parts that cannot be
// read (a C object for an architecture it has no tables for) are left
// out: the macros that need them then fail to check with a diagnostic
// in the library's source.
func TheLibrary() *Library {
	libraryOnce.Do(func() { library = loadLibrary() })
	return library
}

func loadLibrary() *Library {
	lib := &Library{objectOf: map[string]*LibraryObject{}, files: map[*source.File]string{}}
	for _, name := range stdlib.Scripts() {
		text, err := stdlib.Source(name)
		if err != nil {
			continue
		}
		// The library parses cleanly (its tests say so); a file that
		// did not would still lend its well-formed macros.
		f, _ := parser.ParseFile(source.NewFile(LibraryPrefix+name, text))
		lib.Files = append(lib.Files, f)
		lib.files[f.Source] = name
	}
	var units []BTFUnit
	for _, csrc := range stdlib.CSources() {
		data, err := stdlib.Object(csrc)
		if err != nil {
			continue
		}
		spec, err := btf.LoadSpecFromReader(bytes.NewReader(data))
		if err != nil {
			continue
		}
		obj := &LibraryObject{Name: csrc, Data: data}
		lib.Objects = append(lib.Objects, obj)
		units = append(units, BTFUnit{Path: path.Join(LibraryPrefix, csrc), Spec: spec})
		for t, err := range spec.All() {
			if err != nil {
				break
			}
			if fn, ok := t.(*btf.Func); ok && fn.Linkage != btf.ExternFunc && fn.Name != "" {
				if _, dup := lib.objectOf[fn.Name]; !dup {
					lib.objectOf[fn.Name] = obj
				}
			}
		}
	}
	lib.C = NewCScopeFromBTF(units)
	return lib
}

// FileName reports whether f is one of the library's files, and its
// name in the library ("strings.bt").
func (l *Library) FileName(f *source.File) (string, bool) {
	if l == nil || f == nil {
		return "", false
	}
	name, ok := l.files[f]
	return name, ok
}

// ObjectOf is the object that defines the C function name.
func (l *Library) ObjectOf(name string) *LibraryObject {
	if l == nil {
		return nil
	}
	return l.objectOf[name]
}

// Macros are the library's macro declarations, each with its file, in
// the order of the files.
func (l *Library) Macros() []LibraryMacro {
	if l == nil {
		return nil
	}
	var out []LibraryMacro
	for _, f := range l.Files {
		for _, d := range f.Decls {
			if m, ok := d.(*ast.MacroDecl); ok && m.Name != nil {
				out = append(out, LibraryMacro{Decl: m, File: f})
			}
		}
	}
	return out
}

// LibraryMacro is a macro of the library and the file defining it.
type LibraryMacro struct {
	Decl *ast.MacroDecl
	File *ast.File
}

// MacroNames are the names of the library's macros, sorted, each once.
func (l *Library) MacroNames() []string {
	var out []string
	for _, m := range l.Macros() {
		out = append(out, m.Decl.Name.Name)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// isInternalLibraryName reports whether name is one of the library's
// helpers rather than its interface: its C functions and macros whose
// names start with "__".
func isInternalLibraryName(name string) bool { return strings.HasPrefix(name, "__") }

// userFacing moves the findings inside the library's macros to where the
// script calls them, as compilers treat system headers: an error is
// reported at the outermost call in the script's own files, with the
// library's line as a note, and a warning inside the library (a lint of
// the library's code, not of the script) is dropped. Editors show a
// script's diagnostics only in its files, and the library's files are
// not among them.
func (l *Library) userFacing(ds diag.List) diag.List {
	out := ds[:0]
	for _, d := range ds {
		if _, inLib := l.FileName(d.File); !inLib {
			out = append(out, d)
			continue
		}
		if d.Severity != diag.Error {
			continue
		}
		call := -1 // the outermost expansion note in the script's files
		for i, n := range d.Notes {
			if _, lib := l.FileName(n.File); n.Expansion && !lib {
				call = i
			}
		}
		if call < 0 {
			out = append(out, d)
			continue
		}
		site := d.Notes[call]
		notes := []diag.Note{{Location: d.Location, Message: "in bt's standard library, " + strings.TrimSuffix(site.Message, ", expanded here")}}
		for i, n := range d.Notes {
			if i != call && !n.Expansion {
				notes = append(notes, n)
			}
		}
		d.Location = site.Location
		d.Notes = notes
		out = append(out, d)
	}
	// A library macro's fail() says what is wrong with the call; the
	// errors its body would have gone on to cause are not news.
	failed := map[diag.Location]bool{}
	for _, d := range out {
		if d.Code == CodeFail {
			failed[d.Location] = true
		}
	}
	kept := out[:0]
	for _, d := range out {
		if d.Code != CodeFail && failed[d.Location] && len(d.Notes) > 0 && strings.HasPrefix(d.Notes[0].Message, "in bt's standard library") {
			continue
		}
		kept = append(kept, d)
	}
	return kept
}
