package cfront

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// clangOrSkip returns a clang to test with, or skips the test.
func clangOrSkip(t testing.TB) string {
	t.Helper()
	c := FindClang()
	if c == "" {
		t.Skip("clang is not installed (apt-get install clang-19)")
	}
	return c
}

// script makes a script whose C part is the given lines followed by a
// probe, and returns the file and its C declarations (one per line or
// definition, as the parser gives them).
func script(cparts ...string) (*source.File, []CText) {
	var b strings.Builder
	var decls []CText
	for _, p := range cparts {
		decls = append(decls, CText{Pos: source.Pos(b.Len()), Text: p})
		b.WriteString(p)
		b.WriteString("\n")
	}
	b.WriteString("BEGIN { printf(\"%d\\n\", MAX); }\n")
	return source.NewFile("test.bt", []byte(b.String())), decls
}

func modes(t *testing.T) []string {
	m := []string{""}
	if c := FindClang(); c != "" {
		m = append(m, c)
	} else {
		t.Log("clang is not installed: testing the fallback only")
	}
	return m
}

func modeName(clang string) string {
	if clang == "" {
		return "fallback"
	}
	return "clang"
}

func TestDefines(t *testing.T) {
	f, decls := script(
		"#define MAX 10",
		"#define HEX 0x1F",
		"#define NEG -5",
		"#define NEGP (-(MAX) * 2)",
		"#define EXPR ((MAX << 2) | (HEX & ~0x3))",
		"#define BIG 0xffffffffffffffffULL",
		"#define CH 'A'",
		"#define STR \"hello\" \" world\"",
		"#define ESC \"a\\tb\\n\"",
		"#define CASTU ((unsigned int)-1)",
		"#define TERN (MAX > 5 ? 1 : 2)",
		"#define EMPTY",
		"#define FN(x) ((x) + 1)",
		"#define USEFN FN(MAX)",
		"#define NOTCONST some_function()",
	)
	for _, clang := range modes(t) {
		t.Run(modeName(clang), func(t *testing.T) {
			u, err := ParseScriptC(f, decls, Options{Clang: clang, NoCache: true})
			if err != nil {
				t.Fatal(err)
			}
			if u.UsedClang != (clang != "") {
				t.Fatalf("UsedClang = %v", u.UsedClang)
			}
			ints := map[string]int64{"MAX": 10, "HEX": 31, "NEG": -5, "NEGP": -20, "EXPR": 60, "BIG": -1, "CH": 65, "CASTU": 4294967295, "TERN": 1, "USEFN": 11}
			for name, want := range ints {
				d := u.Defines[name]
				if d == nil || d.Kind != DefineInt || d.Int != want {
					t.Errorf("%s = %+v, want int %d", name, d, want)
				}
			}
			if !u.Defines["BIG"].Unsigned || !u.Defines["CASTU"].Unsigned || u.Defines["NEG"].Unsigned {
				t.Errorf("signedness wrong: BIG %v CASTU %v NEG %v", u.Defines["BIG"].Unsigned, u.Defines["CASTU"].Unsigned, u.Defines["NEG"].Unsigned)
			}
			for name, want := range map[string]string{"STR": "hello world", "ESC": "a\tb\n"} {
				if d := u.Defines[name]; d == nil || d.Kind != DefineString || d.Str != want {
					t.Errorf("%s = %+v, want string %q", name, d, want)
				}
			}
			if d := u.Defines["EMPTY"]; d == nil || d.Kind != DefineEmpty {
				t.Errorf("EMPTY = %+v", d)
			}
			if d := u.Defines["FN"]; d == nil || d.Kind != DefineFunction || len(d.Params) != 1 || d.Params[0] != "x" {
				t.Errorf("FN = %+v", d)
			}
			if d := u.Defines["NOTCONST"]; d == nil || d.Kind != DefineOther || d.Text != "some_function()" {
				t.Errorf("NOTCONST = %+v", d)
			}
			// Builtins and bpftrace's own defines are not the script's.
			for _, n := range []string{"__BPFTRACE__", "BPFTRACE_HAVE_BTF", "__bpf__"} {
				if _, ok := u.Defines[n]; ok {
					t.Errorf("predefined %s reported as the script's", n)
				}
			}
			// Positions are the script's: line 3 is NEG, name at column 9.
			if l := u.Defines["NEG"].Loc; l.File != "test.bt" || l.Line != 3 || l.Col != 9 || l.Offset != int(decls[2].Pos)+8 {
				t.Errorf("NEG at %+v", l)
			}
			if u.Diags.HasErrors() {
				t.Errorf("unexpected errors: %v", u.Diags)
			}
		})
	}
}

func TestIfdefBTF(t *testing.T) {
	f, decls := script(
		"#ifdef BPFTRACE_HAVE_BTF",
		"#define SRC 1",
		"#else",
		"#include <linux/notthere.h>",
		"#define SRC 2",
		"#endif",
		"#if defined(__BPFTRACE__) && !defined(NOPE)",
		"#define BT 1",
		"#elif 1",
		"#define BT 2",
		"#endif",
		"#ifndef BPFTRACE_HAVE_BTF",
		"#define NOBTF 1",
		"#endif",
		"#if SRC + 1 == 2",
		"#define ARITH 1",
		"#endif",
	)
	for _, clang := range modes(t) {
		t.Run(modeName(clang), func(t *testing.T) {
			u, err := ParseScriptC(f, decls, Options{Clang: clang, NoCache: true})
			if err != nil {
				t.Fatal(err)
			}
			if d := u.Defines["SRC"]; d == nil || d.Int != 1 {
				t.Errorf("SRC = %+v, want 1", d)
			}
			if d := u.Defines["BT"]; d == nil || d.Int != 1 {
				t.Errorf("BT = %+v, want 1", d)
			}
			if d := u.Defines["ARITH"]; d == nil || d.Int != 1 {
				t.Errorf("ARITH = %+v", d)
			}
			if _, ok := u.Defines["NOBTF"]; ok {
				t.Error("NOBTF defined although BTF is")
			}
			if len(u.Includes) != 0 || len(u.Diags) != 0 {
				t.Errorf("the #else branch was read: includes %v diags %v", u.Includes, u.Diags)
			}
			// Without BTF the other branch is taken.
			u, err = ParseScriptC(f, decls, Options{Clang: clang, NoCache: true, NoBTF: true})
			if err != nil {
				t.Fatal(err)
			}
			if d := u.Defines["SRC"]; d == nil || d.Int != 2 {
				t.Errorf("without BTF SRC = %+v, want 2", d)
			}
			if len(u.Includes) != 1 || u.Includes[0].Name != "linux/notthere.h" || u.Includes[0].Found {
				t.Errorf("includes %+v", u.Includes)
			}
		})
	}
}

// layoutC is C the fallback reads, for comparing layouts with clang.
var layoutC = []string{
	"#define LEN 16",
	"typedef unsigned long long u64_t;",
	"enum color { RED, GREEN = 5, BLUE };",
	"enum neg { NA = -1, NB };",
	"enum big { BA = 0x100000000ULL };",
	"struct bits { int a:3; unsigned int b:5; unsigned char c; unsigned int d:30; long e:40; int :0; char f; unsigned :4; unsigned g:2; };",
	"struct packed { char a; int b; short c; long d; } __attribute__((packed));",
	"struct __attribute__((packed)) packedbits { char a; int b:3; long long d:40; };",
	"struct aligned { char a; int b __attribute__((aligned(8))); } __attribute__((aligned(16)));",
	"union u { char c[3]; int i; short s; };",
	"struct nested {\n\tint kind;\n\tunion {\n\t\tu64_t x;\n\t\tstruct { char lo; short hi; } parts;\n\t\tvoid *ptr;\n\t};\n\tstruct { int y[LEN]; } named;\n\tstruct inner { char q; } in;\n\tenum color col;\n\tenum big bg;\n\tchar *strs[4];\n\tstruct nested *next;\n\tvoid (*cb)(int, char *);\n\t_Bool flag;\n\tunsigned char flex[];\n};",
	"typedef struct { int z; long q; } anon_t;",
	"typedef struct nested nested_t;",
	"struct usesanon { anon_t a; nested_t *n; char c; };",
}

func TestLayoutsMatchClang(t *testing.T) {
	f, decls := script(layoutC...)
	fb, err := ParseScriptC(f, decls, Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(fb.Diags) != 0 {
		t.Fatalf("fallback diagnostics: %v", fb.Diags)
	}
	checkKnownLayouts(t, fb)
	clang := clangOrSkip(t)
	cl, err := ParseScriptC(f, decls, Options{Clang: clang, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(cl.Diags) != 0 {
		t.Fatalf("clang diagnostics: %v", cl.Diags)
	}
	checkKnownLayouts(t, cl)
	for _, key := range sortedKeys(fb.Types) {
		ct, ok := cl.Types[key]
		if !ok {
			t.Errorf("clang has no %s", key)
			continue
		}
		if a, b := describe(fb.Types[key]), describe(ct); a != b {
			t.Errorf("%s differs:\nfallback: %s\nclang:    %s", key, a, b)
		}
		if fb.TypeLocs[key] != cl.TypeLocs[key] {
			t.Errorf("%s defined at %v (fallback) and %v (clang)", key, fb.TypeLocs[key], cl.TypeLocs[key])
		}
	}
	for _, key := range sortedKeys(cl.Types) {
		if _, ok := fb.Types[key]; !ok {
			t.Errorf("fallback has no %s", key)
		}
	}
	for _, name := range sortedKeys(fb.Enumerators) {
		a, b := fb.Enumerators[name], cl.Enumerators[name]
		if b == nil || a.Value != b.Value || a.Loc != b.Loc || a.Enum.Name != b.Enum.Name {
			t.Errorf("enumerator %s: fallback %+v clang %+v", name, a, b)
		}
	}
}

// checkKnownLayouts checks layouts against values worked out by hand.
func checkKnownLayouts(t *testing.T, u *Unit) {
	t.Helper()
	type fl struct {
		name      string
		off, bits int
	}
	want := map[string]struct {
		size, align int
		fields      []fl
	}{
		"struct bits":       {24, 8, []fl{{"a", 0, 3}, {"b", 3, 5}, {"c", 8, 0}, {"d", 32, 30}, {"e", 64, 40}, {"f", 128, 0}, {"g", 140, 2}}},
		"struct packed":     {15, 1, []fl{{"a", 0, 0}, {"b", 8, 0}, {"c", 40, 0}, {"d", 56, 0}}},
		"struct packedbits": {7, 1, []fl{{"a", 0, 0}, {"b", 8, 3}, {"d", 11, 40}}},
		"struct aligned":    {16, 16, []fl{{"a", 0, 0}, {"b", 64, 0}}},
		"union u":           {4, 4, []fl{{"c", 0, 0}, {"i", 0, 0}, {"s", 0, 0}}},
		"struct nested":     {152, 8, []fl{{"kind", 0, 0}, {"", 64, 0}, {"named", 128, 0}, {"in", 640, 0}, {"col", 672, 0}, {"bg", 704, 0}, {"strs", 768, 0}, {"next", 1024, 0}, {"cb", 1088, 0}, {"flag", 1152, 0}, {"flex", 1160, 0}}},
		"struct usesanon":   {32, 8, []fl{{"a", 0, 0}, {"n", 128, 0}, {"c", 192, 0}}},
	}
	for key, w := range want {
		st, ok := u.Types[key].(*types.Struct)
		if !ok {
			t.Errorf("%s: missing (%T)", key, u.Types[key])
			continue
		}
		if st.Size() != w.size || st.Align() != w.align {
			t.Errorf("%s: size %d align %d, want %d %d", key, st.Size(), st.Align(), w.size, w.align)
		}
		fs := st.Fields()
		if len(fs) != len(w.fields) {
			t.Errorf("%s: %d fields, want %d: %s", key, len(fs), len(w.fields), describe(st))
			continue
		}
		for i, f := range fs {
			if f.Name != w.fields[i].name || f.BitOffset != w.fields[i].off || f.BitSize != w.fields[i].bits {
				t.Errorf("%s field %d: %s@%d:%d, want %+v", key, i, f.Name, f.BitOffset, f.BitSize, w.fields[i])
			}
		}
	}
	// Through the anonymous union: parts.hi is at 64 + 16 bits.
	nested := u.Types["struct nested"].(*types.Struct)
	if f, ok := nested.Field("parts"); !ok || f.BitOffset != 64 {
		t.Errorf("nested.parts = %+v %v", f, ok)
	} else if hi, ok := types.Underlying(f.Type).(*types.Struct).Field("hi"); !ok || hi.BitOffset != 16 {
		t.Errorf("parts.hi = %+v", hi)
	}
	if f, _ := nested.Field("cb"); !isFuncPtr(f.Type) {
		t.Errorf("cb is %s", f.Type)
	}
	if f, _ := nested.Field("next"); f.Type.(*types.Pointer).Elem != nested {
		t.Errorf("next does not point back to struct nested: %s", f.Type)
	}
	for key, w := range map[string]struct {
		bytes  int
		signed bool
		vals   []int64
	}{"enum color": {4, false, []int64{0, 5, 6}}, "enum neg": {4, true, []int64{-1, 0}}, "enum big": {8, false, []int64{1 << 32}}} {
		e, ok := u.Types[key].(*types.Enum)
		if !ok {
			t.Errorf("%s missing", key)
			continue
		}
		if e.Bytes != w.bytes || e.Signed != w.signed || len(e.Values) != len(w.vals) {
			t.Errorf("%s = %+v", key, e)
			continue
		}
		for i, v := range e.Values {
			if v.Value != w.vals[i] {
				t.Errorf("%s value %d = %d", key, i, v.Value)
			}
		}
	}
	if td, ok := u.Types["anon_t"].(*types.Typedef); !ok || td.Size() != 16 {
		t.Errorf("anon_t = %v", u.Types["anon_t"])
	}
}

func isFuncPtr(t types.Type) bool {
	p, ok := t.(*types.Pointer)
	if !ok {
		return false
	}
	ft, ok := p.Elem.(*FuncType)
	return ok && len(ft.Params) == 2 && !ft.Variadic
}

// describe renders a type's layout recursively (through anonymous and
// by-value records) for comparisons.
func describe(t types.Type) string { return describeOpt(t, true) }

// describeOpt is describe, leaving enum values out unless vals.
func describeOpt(t types.Type, vals bool) string {
	var b strings.Builder
	var walk func(t types.Type, depth int)
	walk = func(t types.Type, depth int) {
		b.WriteString(t.String())
		b.WriteString("<")
		b.WriteString(itoa(t.Size()))
		b.WriteString(",")
		b.WriteString(itoa(t.Align()))
		b.WriteString(">")
		switch u := types.Underlying(t).(type) {
		case *types.Struct:
			if depth > 3 {
				return
			}
			b.WriteString("{")
			for _, f := range u.Fields() {
				b.WriteString(f.Name + "@" + itoa(f.BitOffset) + ":" + itoa(f.BitSize) + " ")
				walk(f.Type, depth+1)
				b.WriteString("; ")
			}
			b.WriteString("}")
		case *types.Array:
			walk(u.Elem, depth+1)
		case *types.Enum:
			if !vals {
				return
			}
			for _, v := range u.Values {
				b.WriteString(v.Name + "=" + itoa(int(v.Value)) + " ")
			}
		}
	}
	walk(t, 0)
	return b.String()
}

func itoa(n int) string {
	return strings.TrimSpace(strings.Replace(string(rune('0'+0)), "0", "", 1) + fmtInt(n))
}

func fmtInt(n int) string {
	if n < 0 {
		return "-" + fmtInt(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return fmtInt(n/10) + string(rune('0'+n%10))
}

const bpfC = `#include "types.h"

struct event {
	u32 pid;
	char comm[16];
	struct task_struct *task;
};

/* A prototype, then the definition. */
static int helper(struct event *e, int n);

static int helper(struct event *e, int n)
{
	return n + e->pid;
}

int my_func(struct task_struct *t,
            const char *s, struct event ev)
{
	return helper(&ev, 1);
}

long sum(int n, ...);
void (*get_cb(void))(int);

int counter;
extern const int limit;
static char buf[64] = "x";
`

const typesH = `#ifndef TYPES_H
#define TYPES_H
typedef unsigned int u32;
typedef unsigned long long u64;
#define COUNT 4
struct task_struct;
#endif
`

func writeBPF(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "types.h"), []byte(typesH), 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "lib.bpf.c")
	if err := os.WriteFile(p, []byte(bpfC), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFuncsFromBPFC(t *testing.T) {
	p := writeBPF(t)
	for _, clang := range modes(t) {
		t.Run(modeName(clang), func(t *testing.T) {
			u, err := ParseFile(p, Options{Clang: clang, NoCache: true})
			if err != nil {
				t.Fatal(err)
			}
			if clang == "" {
				// Not followed, so u32 comes from the fallback's builtins.
				if len(u.Includes) != 1 || u.Includes[0].Followed || u.Includes[0].Name != "types.h" {
					t.Errorf("includes %+v", u.Includes)
				}
				if u.Diags.HasErrors() {
					t.Errorf("errors: %v", u.Diags)
				}
			} else {
				if len(u.Diags) != 0 {
					t.Errorf("diagnostics: %v", u.Diags)
				}
				if len(u.Includes) != 1 || !u.Includes[0].Followed || u.Includes[0].Path != filepath.Join(filepath.Dir(p), "types.h") ||
					u.Includes[0].Loc.Line != 1 || u.Includes[0].Loc.Col != 10 || !u.Includes[0].Direct {
					t.Errorf("includes %+v", u.Includes)
				}
				if d := u.Defines["COUNT"]; d == nil || d.Int != 4 || !strings.HasSuffix(d.Loc.File, "types.h") || d.Loc.Line != 5 || d.Loc.Col != 9 {
					t.Errorf("COUNT from the header = %+v", d)
				}
			}
			mf := u.Funcs["my_func"]
			if mf == nil {
				t.Fatalf("no my_func in %v", sortedKeys(u.Funcs))
			}
			if mf.Loc.File != p || mf.Loc.Line != lineOf(bpfC, "int my_func") || mf.Loc.Col != 5 || mf.Loc.Offset != strings.Index(bpfC, "my_func") {
				t.Errorf("my_func at %+v", mf.Loc)
			}
			if !mf.Defined || mf.Static || mf.Variadic || mf.Result.String() != "int32" || len(mf.Params) != 3 {
				t.Errorf("my_func = %+v", mf)
			}
			wantParams := []struct{ name, typ string }{{"t", "struct task_struct *"}, {"s", "int8*"}, {"ev", "struct event"}}
			for i, w := range wantParams {
				if i < len(mf.Params) && (mf.Params[i].Name != w.name || mf.Params[i].Type.String() != w.typ) {
					t.Errorf("param %d = %s %s, want %s %s", i, mf.Params[i].Name, mf.Params[i].Type, w.name, w.typ)
				}
			}
			if ev := mf.Params[2].Type.(*types.Struct); ev.Size() != 32 || len(ev.Fields()) != 3 {
				t.Errorf("struct event param: size %d fields %d", ev.Size(), len(ev.Fields()))
			}
			if mf.Decl != "int my_func(struct task_struct *t, const char *s, struct event ev)" {
				t.Errorf("Decl = %q", mf.Decl)
			}
			h := u.Funcs["helper"]
			if h == nil || !h.Static || !h.Defined || h.Loc.Line != lineOf(bpfC, "static int helper(struct event *e, int n)\n") || h.Loc.Col != 12 {
				t.Errorf("helper = %+v", h)
			}
			if s := u.Funcs["sum"]; s == nil || !s.Variadic || s.Defined || len(s.Params) != 1 || s.Result.String() != "int64" {
				t.Errorf("sum = %+v", s)
			}
			if g := u.Funcs["get_cb"]; g == nil || !isPtrToFunc(g.Result) || len(g.Params) != 0 {
				t.Errorf("get_cb = %+v", g)
			}
			if g := u.Globals["counter"]; g == nil || g.Type.String() != "int32" || g.Extern || g.Loc.Line != lineOf(bpfC, "int counter") || g.Loc.Col != 5 {
				t.Errorf("counter = %+v", g)
			}
			if g := u.Globals["limit"]; g == nil || !g.Extern || !g.Const {
				t.Errorf("limit = %+v", g)
			}
			if g := u.Globals["buf"]; g == nil || !g.Static || g.Type.Size() != 64 || g.Decl != "static char buf[64]" {
				t.Errorf("buf = %+v", g)
			}
		})
	}
}

// lineOf returns the 1-based line where s first occurs in text.
func lineOf(text, s string) int {
	return strings.Count(text[:strings.Index(text, s)], "\n") + 1
}

func isPtrToFunc(t types.Type) bool {
	p, ok := t.(*types.Pointer)
	if !ok {
		return false
	}
	_, ok = p.Elem.(*FuncType)
	return ok
}

func TestHeaderImport(t *testing.T) {
	p := writeBPF(t)
	h := filepath.Join(filepath.Dir(p), "types.h")
	for _, clang := range modes(t) {
		t.Run(modeName(clang), func(t *testing.T) {
			u, err := ParseFile(h, Options{Clang: clang, NoCache: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(u.Diags) != 0 {
				t.Errorf("diagnostics: %v", u.Diags)
			}
			if d := u.Defines["COUNT"]; d == nil || d.Int != 4 || d.Loc.Line != 5 {
				t.Errorf("COUNT = %+v", d)
			}
			if td, ok := u.Types["u64"].(*types.Typedef); !ok || td.Type.Size() != 8 || types.Underlying(td).(*types.Int).Signed {
				t.Errorf("u64 = %v", u.Types["u64"])
			}
			if l := u.TypeLocs["u32"]; l.Line != 3 || l.Col != 22 {
				t.Errorf("u32 at %+v", l)
			}
			if _, ok := u.Defines["TYPES_H"]; !ok {
				t.Error("include guard macro missing")
			}
		})
	}
}

func TestSyntaxErrorMapsToScriptLine(t *testing.T) {
	f, decls := script(
		"#define A 1",
		"struct ok { int a; };",
		"struct bad {\n\tint a;\n\tint b = 3;\n};",
		"struct after { int c; };",
	)
	for _, clang := range modes(t) {
		t.Run(modeName(clang), func(t *testing.T) {
			u, err := ParseScriptC(f, decls, Options{Clang: clang, NoCache: true})
			if err != nil {
				t.Fatal(err)
			}
			if !u.Diags.HasErrors() {
				t.Fatalf("no error for the missing ';'")
			}
			d := u.Diags[0]
			p := d.Start()
			// Line 5 is `\tint b = 3;`: clang points after `b`, the
			// fallback at `=`.
			if d.File != f || p.Line != 5 || (p.Column != 7 && p.Column != 8) || d.Code != CodeCError {
				t.Errorf("error at %s:%d:%d %s: %s", p.Filename, p.Line, p.Column, d.Code, d.Message)
			}
			if !strings.Contains(d.Message, "expected ';'") {
				t.Errorf("message %q", d.Message)
			}
			if _, ok := u.Types["struct after"]; !ok {
				t.Error("struct after the error was lost")
			}
		})
	}
}

func TestMissingInclude(t *testing.T) {
	f, decls := script(
		"#define A 1",
		"  #include <linux/notthere.h>",
		"#include \"also_missing.h\"",
		"struct s { int x; };",
	)
	for _, clang := range modes(t) {
		t.Run(modeName(clang), func(t *testing.T) {
			u, err := ParseScriptC(f, decls, Options{Clang: clang, NoCache: true})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := u.Types["struct s"]; !ok {
				t.Error("declarations after the missing include were lost")
			}
			if len(u.Includes) != 2 {
				t.Fatalf("includes %+v", u.Includes)
			}
			inc := u.Includes[0]
			if inc.Name != "linux/notthere.h" || !inc.System || inc.Loc.Line != 2 || inc.Loc.Col != 12 {
				t.Errorf("include %+v", inc)
			}
			want := CodeIncludeNotFound
			if clang == "" {
				want = CodeIncludeNotFollowed
			}
			var got []diag.Diagnostic
			for _, d := range u.Diags {
				if d.Code == want {
					got = append(got, d)
				}
			}
			if len(got) != 2 {
				t.Fatalf("want 2 %s diagnostics, got %v", want, u.Diags)
			}
			p := got[0].Start()
			if p.Line != 2 || p.Column != 12 || got[0].Span.Start != decls[1].Pos+11 {
				t.Errorf("diagnostic at %d:%d: %s", p.Line, p.Column, got[0].Message)
			}
			if clang != "" {
				if inc.Found || got[0].Severity != diag.Error || !strings.Contains(got[0].Message, "linux/notthere.h") {
					t.Errorf("include %+v diag %v", inc, got[0])
				}
				if d := u.Defines["A"]; d == nil || d.Int != 1 {
					t.Errorf("A = %+v", d)
				}
			}
		})
	}
}

// countingRunner counts clang invocations.
type countingRunner struct{ n atomic.Int64 }

func (r *countingRunner) Run(ctx context.Context, dir string, argv []string, stdout io.Writer) ([]byte, int, error) {
	r.n.Add(1)
	return ExecRunner{}.Run(ctx, dir, argv, stdout)
}

func TestCache(t *testing.T) {
	clang := clangOrSkip(t)
	ResetCache()
	r := &countingRunner{}
	f, decls := script("#define MAX 3", "struct s { int x; char y; };")
	opt := Options{Clang: clang, Runner: r}
	u1, err := ParseScriptC(f, decls, opt)
	if err != nil {
		t.Fatal(err)
	}
	first := r.n.Load()
	if first < 2 || u1.Cached {
		t.Fatalf("first parse ran clang %d times, cached %v", first, u1.Cached)
	}
	// The same C in a new File object (the server re-reads on every
	// keystroke): answered from the cache.
	f2 := source.NewFile(f.Name, append([]byte(nil), f.Text...))
	u2, err := ParseScriptC(f2, decls, opt)
	if err != nil {
		t.Fatal(err)
	}
	if r.n.Load() != first || !u2.Cached || u2.File != f2 || u2.Defines["MAX"].Int != 3 {
		t.Fatalf("second parse ran clang (%d -> %d), cached %v", first, r.n.Load(), u2.Cached)
	}
	// Changed C: clang runs again.
	f3, decls3 := script("#define MAX 4", "struct s { int x; char y; };")
	u3, err := ParseScriptC(f3, decls3, opt)
	if err != nil {
		t.Fatal(err)
	}
	if r.n.Load() == first || u3.Cached || u3.Defines["MAX"].Int != 4 {
		t.Fatalf("changed C was answered from the cache")
	}
	// A changed header invalidates the entry.
	p := writeBPF(t)
	before := r.n.Load()
	if _, err := ParseFile(p, opt); err != nil {
		t.Fatal(err)
	}
	mid := r.n.Load()
	if _, err := ParseFile(p, opt); err != nil || r.n.Load() != mid || mid == before {
		t.Fatalf("file parse not cached: %d %d %d %v", before, mid, r.n.Load(), err)
	}
	h := filepath.Join(filepath.Dir(p), "types.h")
	if err := os.WriteFile(h, []byte(strings.Replace(typesH, "COUNT 4", "COUNT 5", 1)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	u, err := ParseFile(p, opt)
	if err != nil || r.n.Load() == mid || u.Defines["COUNT"].Int != 5 {
		t.Fatalf("edited header not seen: %v", err)
	}
}

func TestFallbackWithoutClangBinary(t *testing.T) {
	f, decls := script("#define MAX 3")
	u, err := ParseScriptC(f, decls, Options{Clang: "/nonexistent/clang", NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if u.UsedClang || u.Defines["MAX"].Int != 3 || len(u.Diags) != 1 || u.Diags[0].Severity != diag.Warning {
		t.Fatalf("got %+v %v", u, u.Diags)
	}
}

func TestFallbackErrors(t *testing.T) {
	f, decls := script(
		"struct a { int x; } ;",
		"struct a { int y; };",
		"struct b { struct undefined u; };",
		"struct c { mystery_t m; };",
		"#if 1",
	)
	u, err := ParseScriptC(f, decls, Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, d := range u.Diags {
		msgs = append(msgs, d.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"test.bt:2:8: error[c-error]: redefinition of 'struct a'", "test.bt:3:29: error[c-error]: field 'u' has incomplete type", "test.bt:4:12: error[c-error]: unknown type name 'mystery_t'", "test.bt:5:2: error[c-error]: unterminated conditional"} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in:\n%s", want, all)
		}
	}
}

func TestVirtualHeadersAndForceIncludes(t *testing.T) {
	clang := clangOrSkip(t)
	f, decls := script(
		"#include <btf/kernel.h>",
		"struct mine { struct kstat k; kpid_t owner; char tag[FROM_FORCED]; };",
	)
	opt := Options{Clang: clang, NoCache: true,
		VirtualHeaders: map[string][]byte{
			"btf/kernel.h": []byte("#pragma once\ntypedef int kpid_t;\nstruct kstat { long a; short b; };\n"),
			"forced.h":     []byte("#define FROM_FORCED 12\n"),
		},
		ForceIncludes: []string{"forced.h"},
	}
	u, err := ParseScriptC(f, decls, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Diags) != 0 {
		t.Fatalf("diagnostics: %v", u.Diags)
	}
	m, ok := u.Types["struct mine"].(*types.Struct)
	if !ok || m.Size() != 32 {
		t.Fatalf("struct mine = %v", describe(u.Types["struct mine"]))
	}
	if k, _ := m.Field("k"); k.Type.Size() != 16 || len(types.Underlying(k.Type).(*types.Struct).Fields()) != 2 {
		t.Errorf("k = %s", describe(k.Type))
	}
	if o, _ := m.Field("owner"); o.Type.String() != "kpid_t" || o.BitOffset != 128 {
		t.Errorf("owner = %+v", o)
	}
	if len(u.Includes) != 1 || u.Includes[0].Name != "btf/kernel.h" || !u.Includes[0].Found || u.Includes[0].Path != "" {
		t.Errorf("includes %+v", u.Includes)
	}
	if l := u.TypeLocs["struct kstat"]; l.File != "btf/kernel.h" || l.Line != 3 || l.Col != 8 {
		t.Errorf("struct kstat at %+v", l)
	}
}

func TestFindClangEnv(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "my-clang")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BT_CLANG", fake)
	if got := FindClang(); got != fake {
		t.Errorf("$BT_CLANG=%s: FindClang() = %q", fake, got)
	}
	t.Setenv("BT_CLANG", filepath.Join(dir, "missing"))
	if got := FindClang(); got != "" {
		t.Errorf("$BT_CLANG naming nothing: FindClang() = %q", got)
	}
}

// One macro expansion can declare several records without a tag at the
// same location: the kernel's struct-group pattern (an anonymous union
// of an anonymous struct and a named struct, with the same members).
// Each keeps its own members.
func TestRecordsFromOneMacroExpansion(t *testing.T) {
	src := `#define GROUP(NAME, MEMBERS...) union { struct { MEMBERS }; struct { MEMBERS } NAME; }
struct hdr {
	unsigned char kind;
	GROUP(addrs, unsigned int src; unsigned int dst;);
	unsigned short tail;
};
`
	p := filepath.Join(t.TempDir(), "group.h")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, clang := range modes(t) {
		t.Run(modeName(clang), func(t *testing.T) {
			u, err := ParseFile(p, Options{Clang: clang, NoCache: true})
			if err != nil {
				t.Fatal(err)
			}
			st, ok := u.Types["struct hdr"].(*types.Struct)
			if !ok {
				t.Fatalf("struct hdr = %v", u.Types["struct hdr"])
			}
			for _, tc := range []struct {
				path []string
				off  int
			}{{[]string{"src"}, 32}, {[]string{"dst"}, 64}, {[]string{"addrs", "dst"}, 64}, {[]string{"tail"}, 96}} {
				var cur types.Type = st
				off := 0
				for _, name := range tc.path {
					s, ok := types.Underlying(cur).(*types.Struct)
					if !ok {
						t.Fatalf("%v: %v is not a record", tc.path, cur)
					}
					f, ok := s.Field(name)
					if !ok {
						t.Fatalf("%v: no member %s in %v", tc.path, name, s)
					}
					cur, off = f.Type, off+f.BitOffset
				}
				if off != tc.off {
					t.Errorf("%v at bit %d, want %d", tc.path, off, tc.off)
				}
			}
		})
	}
}
