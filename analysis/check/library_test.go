package check

import (
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/diag"
)

// callSymbolFile is the file of the macro or fn the first call of name
// resolves to ("" when it is not a macro or fn call).
func (k *checked) callSymbolFile(name string) string {
	k.t.Helper()
	var file string
	ast.Inspect(k.file, func(n ast.Node) bool {
		if x, ok := n.(*ast.CallExpr); ok && x.Fun != nil && x.Fun.Name == name && file == "" {
			if ci := k.prog.Info.Calls[x]; ci != nil && ci.Symbol != nil && ci.Symbol.File != nil {
				file = ci.Symbol.File.Name
			}
		}
		return true
	})
	return file
}

func libraryObjectNames(p *Program) string {
	var names []string
	for _, o := range p.LibraryObjects {
		names = append(names, o.Name)
	}
	return strings.Join(names, ",")
}

// The library's macros are in scope without an import; a program lists
// the objects whose C its macros call, and only those.
func TestLibraryInScope(t *testing.T) {
	k := checkText(t, `begin { print(strerror(2)); print(is_err(0)); assert(1 == 1, "m"); print(strcontains("ab", "b")); }`, Config{})
	k.noErrors()
	if f := k.callSymbolFile("strerror"); f != "stdlib/strings.bt" {
		t.Errorf("strerror resolves into %q, want stdlib/strings.bt", f)
	}
	if f := k.callSymbolFile("assert"); f != "stdlib/base.bt" {
		t.Errorf("assert resolves into %q, want stdlib/base.bt", f)
	}
	if got := libraryObjectNames(k.prog); got != "bpf/strings.bpf.c" {
		t.Errorf("library objects %q, want bpf/strings.bpf.c only", got)
	}
	k = checkText(t, `begin { print(is_err(0)); }`, Config{})
	k.noErrors()
	if got := libraryObjectNames(k.prog); got != "" {
		t.Errorf("a program calling no library C links %q", got)
	}
	if len(k.prog.Macros) != 0 {
		t.Errorf("the library's macros are listed as the program's: %d", len(k.prog.Macros))
	}
}

// The script's own macro or fn of a library name replaces the library's,
// without a duplicate error; another arity keeps the library's forms.
func TestScriptReplacesLibrary(t *testing.T) {
	k := checkText(t, `macro strerror(e) { "mine" }
begin { print(strerror(2)); print(pcomm()); }`, Config{})
	k.noErrors()
	if f := k.callSymbolFile("strerror"); f != "test.bt" {
		t.Errorf("strerror resolves into %q, want the script's macro", f)
	}
	if f := k.callSymbolFile("pcomm"); f != "stdlib/task.bt" {
		t.Errorf("pcomm resolves into %q, want the library's", f)
	}
	if got := libraryObjectNames(k.prog); got != "" {
		t.Errorf("library objects %q, want none", got)
	}
	k = checkText(t, `fn is_err($p: int64): bool { return false; }
begin { print(is_err(3)); }`, Config{})
	k.noErrors()
	if f := k.callSymbolFile("is_err"); f != "test.bt" {
		t.Errorf("is_err resolves into %q, want the script's fn", f)
	}
	k = checkText(t, `macro ppid(a, b) { a + b }
begin { print(ppid(1, 2)); print(ppid()); }`, Config{})
	k.noErrors()
}

// The C behind the library is the library's own: a script cannot call
// it without importing it.
func TestLibraryCIsPrivate(t *testing.T) {
	k := checkText(t, `begin { let $t: string[64] = ""; __bt_strerror(2, (int8 *)&$t); }`, Config{})
	found := false
	for _, d := range k.prog.Diags {
		if d.Code == CodeUnknownFunction && strings.Contains(d.Message, "__bt_strerror") {
			found = true
		}
	}
	if !found {
		t.Errorf("calling the library's C from a script: %v", k.prog.Diags)
	}
}

// A wrong call of a library macro is reported at the call, with the
// library's definition as a note; so is a wrong argument found inside the
// macro, with the library's line as a note (editors show a script's
// findings in its own files), and the macro's fail() alone when it has
// one.
func TestLibraryCallErrors(t *testing.T) {
	k := checkText(t, `begin { print(strerror()); print(pcomm(1, 2)); }`, Config{})
	var msgs []string
	for _, d := range k.prog.Diags {
		if d.Severity == diag.Error {
			msgs = append(msgs, d.Location.File.Name+": "+d.Message)
		}
	}
	want := []string{"test.bt: strerror takes 1 argument (0 given)", "test.bt: pcomm takes 0 or 1 arguments (2 given)"}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	k = checkText(t, `begin { print(comm("x")); print(strerror("a")); }`, Config{})
	var errs []diag.Diagnostic
	for _, d := range k.prog.Diags {
		if d.Severity == diag.Error {
			errs = append(errs, d)
		}
	}
	if len(errs) != 2 || errs[0].Code != CodeFail || errs[1].Code != CodeInvalidCast {
		t.Fatalf("comm(\"x\"), strerror(\"a\"): %v", k.prog.Diags)
	}
	for _, d := range errs {
		if d.Location.File.Name != "test.bt" || len(d.Notes) == 0 || !strings.HasPrefix(d.Notes[0].Location.File.Name, "stdlib/") {
			t.Errorf("%s: at %s with notes %v; want the script's call, the library's line as a note", d.Message, d.Location.File.Name, d.Notes)
		}
	}
}

// One table: no call the library's macros answer is also a builtin's.
func TestLibraryAndBuiltinsDisjoint(t *testing.T) {
	lib := TheLibrary()
	if len(lib.Files) < 3 || len(lib.Objects) < 2 {
		t.Fatalf("the library has %d files and %d objects", len(lib.Files), len(lib.Objects))
	}
	for _, m := range lib.Macros() {
		b, ok := builtins.Lookup(m.Decl.Name.Name)
		if !ok {
			continue
		}
		n := len(m.Decl.Params)
		for _, v := range b.Variants {
			if v.Bare && n == 0 || !v.Bare && len(v.Params) == n {
				t.Errorf("%s with %d arguments is both a builtin and a macro of the library (%s)", b.Name, n, m.File.Source.Name)
			}
		}
	}
}

// The type tests are decided when the script is compiled, through macro
// parameters, so comptime takes one branch: fail() in the other is not
// reached.
func TestTypePredicatesFold(t *testing.T) {
	k := checkText(t, `macro f(x) { if comptime (!is_integer(x)) { fail("not an integer"); } x }
begin { print(f(pid)); print(f(1)); $a = 3; print(f($a)); @s = is_str("a"); @l = is_literal(1); @p = is_ptr(curtask); }`, Config{})
	k.noErrors()
	k = checkText(t, `macro f(x) { if comptime (!is_integer(x)) { fail("not an integer"); } x }
begin { print(f("s")); }`, Config{})
	n := 0
	for _, d := range k.prog.Diags {
		if d.Code == CodeFail && d.Message == "not an integer" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("f(\"s\"): %v", k.prog.Diags)
	}
}

// BenchmarkLoadLibrary is the cost, once per process, of reading the
// standard library: parsing its .bt files and its objects' BTF.
func BenchmarkLoadLibrary(b *testing.B) {
	for b.Loop() {
		loadLibrary()
	}
}
