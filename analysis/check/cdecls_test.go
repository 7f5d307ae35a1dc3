package check

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/cfront"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// cfrontModes runs f with clang (skipped when it is not installed; the
// built-in reader's fast path off) and with cfront's built-in fallback.
func cfrontModes(t *testing.T, f func(t *testing.T, clang string)) {
	t.Run("clang", func(t *testing.T) {
		c := cfront.FindClang()
		if c == "" {
			t.Skip("no clang")
		}
		cscopeAlwaysClang = true
		defer func() { cscopeAlwaysClang = false }()
		f(t, c)
	})
	t.Run("fallback", func(t *testing.T) { f(t, "none") })
}

func parseScript(t testing.TB, name, src string) *ast.File {
	t.Helper()
	f, pd := parser.ParseFile(source.NewFile(name, []byte(src)))
	for _, d := range pd {
		if d.Severity == diag.Error {
			t.Fatalf("parse: %s", d.Error())
		}
	}
	return f
}

func diagsWith(l diag.List, code diag.Code) diag.List {
	var out diag.List
	for _, d := range l {
		if d.Code == code {
			out = append(out, d)
		}
	}
	return out
}

func TestCScopeScriptC(t *testing.T) {
	cfrontModes(t, func(t *testing.T, clang string) {
		src := `#define FOO 3
#define NAME "bt"
enum color { RED = 1, GREEN };
struct point { int x; long y; char tag[8]; };
typedef unsigned int myu32;
begin { $p = (struct point *)0; @[FOO + GREEN] = count(); }
`
		f := parseScript(t, "c.bt", src)
		cs, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: clang, NoCache: true})
		for _, d := range ds {
			if d.Severity <= diag.Warning {
				t.Errorf("C: %s", d.Error())
			}
		}
		if cs == nil {
			t.Fatal("no scope")
		}
		pt, ok := cs.Type("struct point")
		if !ok {
			t.Fatalf("no struct point; names %v", cs.Names())
		}
		st := pt.(*types.Struct)
		if y, _ := st.Field("y"); y.BitOffset != 64 || st.Size() != 24 {
			t.Errorf("point layout: y at %d, size %d", y.BitOffset, st.Size())
		}
		if tag, _ := st.Field("tag"); !types.Identical(tag.Type, &types.String{Len: 8}) && !types.Identical(tag.Type, &types.Array{Elem: types.Int8, Len: 8}) {
			t.Errorf("tag %v", tag.Type)
		}
		if _, ok := cs.Type("myu32"); !ok {
			t.Error("no typedef myu32")
		}
		if d, ok := cs.Define("FOO"); !ok || d.Value != int64(3) || d.Loc.Line != 1 {
			t.Errorf("FOO %+v", d)
		}
		if d, ok := cs.Define("NAME"); !ok || d.Value != "bt" {
			t.Errorf("NAME %+v", d)
		}
		if d, ok := cs.Define("GREEN"); !ok || d.Value != int64(2) || d.Loc.Line != 3 {
			t.Errorf("GREEN %+v", d)
		}
		if !slices.Contains(cs.Names(), "struct point") || !slices.Contains(cs.Names(), "FOO") {
			t.Errorf("names %v", cs.Names())
		}
		// The checker sees it.
		prog := Check([]*ast.File{f}, Config{C: cs})
		for _, d := range prog.Diags {
			if d.Severity == diag.Error {
				t.Errorf("check: %s", d.Error())
			}
		}
	})
}

// Without clang included headers are not read: the scope says it is
// partial, so that callers check without it.
func TestCScopeComplete(t *testing.T) {
	src := "#include <linux/types.h>\n#define MINE 1\nbegin { }\n"
	cfrontModes(t, func(t *testing.T, clang string) {
		cs, _ := NewCScope([]*ast.File{parseScript(t, "p.bt", src)}, nil, CScopeConfig{Clang: clang, NoCache: true})
		if got, want := CScopeComplete(cs), clang != "none"; got != want {
			t.Errorf("complete %v, want %v", got, want)
		}
		if _, ok := cs.Define("MINE"); !ok {
			t.Error("no MINE")
		}
	})
	cs, _ := NewCScope([]*ast.File{parseScript(t, "q.bt", "#define ONLY 1\nbegin { }\n")}, nil, CScopeConfig{Clang: "none"})
	if !CScopeComplete(cs) {
		t.Error("C without includes is partial")
	}
}

func TestCScopeNone(t *testing.T) {
	f := parseScript(t, "n.bt", "begin { }")
	if cs, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: "none"}); cs != nil || len(ds) != 0 {
		t.Errorf("a script without C has a C scope: %v %v", cs, ds)
	}
}

// A C error in the script is positioned in the script.
func TestCScopePositions(t *testing.T) {
	cfrontModes(t, func(t *testing.T, clang string) {
		src := "#define A 1\n\nstruct bad {\n  int x;\n  struct nosuch_type_xyz y;\n};\nbegin { }\n"
		f := parseScript(t, "pos.bt", src)
		_, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: clang, NoCache: true})
		var errs diag.List
		for _, d := range ds {
			if d.Severity == diag.Error {
				errs = append(errs, d)
			}
		}
		if len(errs) == 0 {
			t.Fatalf("no error; %v", ds)
		}
		p := errs[0].Start()
		if errs[0].File.Name != "pos.bt" || p.Line != 5 || !strings.Contains(errs[0].Message, "nosuch_type_xyz") {
			t.Errorf("error at %s:%d:%d: %s", p.Filename, p.Line, p.Column, errs[0].Message)
		}
	})
}

func TestCScopeImportedHeader(t *testing.T) {
	cfrontModes(t, func(t *testing.T, clang string) {
		dir := t.TempDir()
		h := filepath.Join(dir, "lib.h")
		os.WriteFile(h, []byte("#define LIMIT 64\nstruct rec { unsigned long long ts; int pid; };\nint lib_helper(struct rec *r, int flags);\n"), 0o644)
		script := filepath.Join(dir, "main.bt")
		src := "import \"lib.h\";\nbegin { @[LIMIT] = count(); }\n"
		os.WriteFile(script, []byte(src), 0o644)
		f := parseScript(t, script, src)
		imp := NewFileImporter()
		scripts, cimps := Gather(imp, f)
		if len(scripts) != 0 || len(cimps) != 1 || cimps[0].Path != h {
			t.Fatalf("gather: %v %v", scripts, cimps)
		}
		if cimps[0].At.File != f.Source || cimps[0].At.Start().Line != 1 {
			t.Errorf("import at %v", cimps[0].At.Start())
		}
		cs, ds := NewCScope([]*ast.File{f}, cimps, CScopeConfig{Clang: clang, NoCache: true})
		if ds.HasErrors() {
			t.Fatalf("C: %v", ds)
		}
		if d, ok := cs.Define("LIMIT"); !ok || d.Value != int64(64) || d.Loc.Path != h {
			t.Errorf("LIMIT %+v", d)
		}
		fn, ok := cs.Func("lib_helper")
		if !ok || len(fn.Params) != 2 || fn.Params[0].Name != "r" || !types.Identical(types.Underlying(fn.Result), types.Int32) {
			t.Fatalf("lib_helper %+v", fn)
		}
		if fn.Loc.Path != h || fn.Loc.Line != 3 {
			t.Errorf("lib_helper at %+v", fn.Loc)
		}
		if rt, ok := cs.Type("struct rec"); !ok || rt.Size() != 16 {
			t.Errorf("struct rec %v", rt)
		}
		// An error in the header is positioned in the header.
		os.WriteFile(h, []byte("struct broken {\n  int a;\n  undefined_type_xyz b;\n};\n"), 0o644)
		_, ds = NewCScope([]*ast.File{f}, cimps, CScopeConfig{Clang: clang, NoCache: true})
		var errs diag.List
		for _, d := range ds {
			if d.Severity == diag.Error {
				errs = append(errs, d)
			}
		}
		if len(errs) == 0 || errs[0].File == nil || errs[0].File.Name != h || errs[0].Start().Line != 3 {
			t.Errorf("header error: %v", ds)
		}
		// A missing import is an error at the import.
		_, ds = NewCScope([]*ast.File{f}, []CImport{{Path: filepath.Join(dir, "gone.h"), At: cimps[0].At}}, CScopeConfig{Clang: clang, NoCache: true})
		if len(ds) != 1 || ds[0].Code != CodeImport || ds[0].File != f.Source {
			t.Errorf("missing file: %v", ds)
		}
	})
}

func TestFileImporter(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "lib"), 0o755)
	os.WriteFile(filepath.Join(dir, "lib", "a.bt"), []byte("macro twice(x) { x * 2 }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "lib", "b.bt"), []byte("import \"../c.h\";\nmacro thrice(x) { x * 3 }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "lib", "notes.txt"), []byte("ignored in a directory"), 0o644)
	os.WriteFile(filepath.Join(dir, "c.h"), []byte("#define C_VALUE 7\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.bt"), []byte("begin { $x = }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "x.txt"), []byte(""), 0o644)
	main := filepath.Join(dir, "main.bt")
	src := "import \"lib\";\nbegin { @[twice(1) + thrice(2) + C_VALUE] = count(); }\n"
	f := parseScript(t, main, src)
	imp := NewFileImporter()
	scripts, cimps := Gather(imp, f)
	if len(scripts) != 2 || scripts[0].Source.Name != filepath.Join(dir, "lib", "a.bt") || scripts[1].Source.Name != filepath.Join(dir, "lib", "b.bt") {
		t.Fatalf("scripts %v", scripts)
	}
	if len(cimps) != 1 || cimps[0].Path != filepath.Join(dir, "c.h") || cimps[0].At.File != scripts[1].Source {
		t.Fatalf("C imports %v", cimps)
	}
	cs, ds := NewCScope(append([]*ast.File{f}, scripts...), cimps, CScopeConfig{Clang: "none"})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	prog := Check([]*ast.File{f}, Config{Importer: imp, C: cs})
	for _, d := range prog.Diags {
		if d.Severity == diag.Error {
			t.Errorf("check: %s", d.Error())
		}
	}
	if len(prog.Files) != 3 {
		t.Errorf("checked %d files", len(prog.Files))
	}
	// The same file parses once.
	again, _ := imp.Import(f.Source, "lib/a.bt")
	if again.Scripts[0] != scripts[0] {
		t.Error("a.bt parsed twice")
	}
	// Errors: unknown type, missing file; syntax errors of imports.
	if _, err := imp.Import(f.Source, "x.txt"); err == nil || !strings.Contains(err.Error(), "unknown import type") {
		t.Errorf("x.txt: %v", err)
	}
	if _, err := imp.Import(f.Source, "missing.bt"); err == nil {
		t.Error("missing.bt imported")
	}
	if _, err := imp.Import(f.Source, "bad.bt"); err != nil {
		t.Fatal(err)
	}
	if ds := imp.Diags(); !ds.HasErrors() || ds[0].File.Name != filepath.Join(dir, "bad.bt") {
		t.Errorf("syntax errors of imports: %v", ds)
	}
	// Absolute paths are used as they are.
	if res, err := imp.Import(source.NewFile("-", nil), filepath.Join(dir, "c.h")); err != nil || len(res.CFiles) != 1 {
		t.Errorf("absolute: %v %v", res, err)
	}
}

// A script's struct, union or enum definition needs no closing ';'
// (bpftrace adds it); a real C error in the definition is still one.
func TestCScopeDefinitionWithoutSemicolon(t *testing.T) {
	cfrontModes(t, func(t *testing.T, clang string) {
		for _, tc := range []struct {
			src    string
			errors bool
		}{
			{"struct A { int x; }\nenum E { E1 = 4, E2 } // trailing comment\nunion U { int a; long b; } /* c */\nkprobe:f { $p = (struct A *)arg0; @[$p->x, E2] = sizeof(union U); }\n", false},
			{"struct A { int x; };\nkprobe:f { $p = (struct A *)arg0; @ = $p->x; }\n", false},
			{"struct A { nosuchtype x; }\nkprobe:f { $p = (struct A *)arg0; @ = $p->x; }\n", true},
		} {
			f := parseScript(t, "semi.bt", tc.src)
			cs, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: clang, NoCache: true})
			all := append(diag.List{}, ds...)
			if cs != nil {
				all = append(all, Check([]*ast.File{f}, Config{C: cs}).Diags...)
			}
			if all.HasErrors() != tc.errors {
				t.Errorf("%q: errors %v, want %v: %v", tc.src, all.HasErrors(), tc.errors, all)
			}
		}
	})
}

// A C char array compares with a string (== and != only), as bpftrace
// allows; other arrays do not.
func TestCharArrayComparesWithString(t *testing.T) {
	cfrontModes(t, func(t *testing.T, clang string) {
		for _, tc := range []struct {
			expr string
			ok   bool
		}{
			{`$s->name == "abc"`, true},
			{`"a much longer string" != $s->name`, true},
			{`$s->ids == "abc"`, false},
			{`$s->name < "abc"`, false},
		} {
			src := "struct Named { char name[4]; int ids[4]; };\nkprobe:f { $s = (struct Named *)arg0; if (" + tc.expr + ") { print(1); } }\n"
			f := parseScript(t, "chars.bt", src)
			cs, ds := NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: clang, NoCache: true})
			all := append(diag.List{}, ds...)
			all = append(all, Check([]*ast.File{f}, Config{C: cs}).Diags...)
			if all.HasErrors() == tc.ok {
				t.Errorf("%s: errors %v, want ok=%v", tc.expr, all, tc.ok)
			}
		}
	})
}

// A script enum's enumerators are values of the enum, 64 bits wide as
// in bpftrace (so they print as names); mixed with plain integers in a
// variable or map they become plain integers.
func TestScriptEnumValues(t *testing.T) {
	cfrontModes(t, func(t *testing.T, clang string) {
		src := `enum Foo { ONE = 1, TWO = 2 };
begin { @e = ONE; @t = (ONE, TWO); @k[TWO] = 1; @mixed = ONE; @mixed = 5; @s = sizeof(ONE); @c = (enum Foo)2; }
`
		f := parseScript(t, "e.bt", src)
		cs, _ := NewCScope([]*ast.File{f}, nil, CScopeConfig{Clang: clang, NoCache: true})
		prog := Check([]*ast.File{f}, Config{C: cs})
		for _, d := range prog.Diags {
			if d.Severity == diag.Error {
				t.Fatalf("check: %s", d.Error())
			}
		}
		for name, want := range map[string]string{"@e": "enum Foo", "@t": "(enum Foo, enum Foo)", "@mixed": "uint64", "@c": "enum Foo"} {
			m := prog.Map(name)
			if m == nil || m.Value == nil || m.Value.String() != want {
				t.Errorf("%s: %+v, want value %s", name, m, want)
			}
		}
		if m := prog.Map("@e"); m != nil && m.Value.Size() != 8 {
			t.Errorf("@e: %d bytes, want 8", m.Value.Size())
		}
		if m := prog.Map("@k"); m == nil || m.Key == nil || m.Key.String() != "enum Foo" {
			t.Errorf("@k key: %+v", m)
		}
		var size int64 = -1
		for x, v := range prog.Info.Consts {
			if _, ok := x.(*ast.SizeofExpr); ok {
				size = v
			}
		}
		if size != 8 {
			t.Errorf("sizeof(ONE) = %d, want 8", size)
		}
	})
}
