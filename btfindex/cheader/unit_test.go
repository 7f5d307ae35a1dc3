package cheader

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// Small hand-made specs with the expected header text. Each one is also
// compiled with clang (when installed) and its layout checked.

var (
	tChar  = &btf.Int{Name: "char", Size: 1, Encoding: btf.Char}
	tU8    = &btf.Int{Name: "unsigned char", Size: 1}
	tU16   = &btf.Int{Name: "short unsigned int", Size: 2}
	tInt   = &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	tUint  = &btf.Int{Name: "unsigned int", Size: 4}
	tLong  = &btf.Int{Name: "long int", Size: 8, Encoding: btf.Signed}
	tULong = &btf.Int{Name: "long unsigned int", Size: 8}
	tBool  = &btf.Int{Name: "_Bool", Size: 1, Encoding: btf.Bool}
	tVoid  = &btf.Void{}
)

func specOf(t testing.TB, types ...btf.Type) *btf.Spec {
	t.Helper()
	b, err := btf.NewBuilder(types, nil)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := b.Spec()
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// body generates the header for types without pragma and kfuncs and
// returns the declarations between the include guard lines, after checking
// the whole header with clang.
func body(t *testing.T, opts Options, types ...btf.Type) string {
	t.Helper()
	opts.NoPreserveAccessIndex = true
	h, g := generate(t, specOf(t, types...), opts)
	checkSmall(t, h, g)
	s := strings.Replace(string(h), kfuncMacros, "", 1)
	const open = "#define __VMLINUX_H__\n\n"
	i := strings.Index(s, open)
	j := strings.LastIndex(s, "#endif /* __VMLINUX_H__ */")
	if i < 0 || j < 0 {
		t.Fatalf("no include guard in\n%s", s)
	}
	return s[i+len(open) : j]
}

// checkSmall compiles a small header for BPF and the host, with layout
// assertions over all its named records, and runs its bit-field check.
func checkSmall(t *testing.T, h []byte, g *gen) {
	t.Helper()
	if clangPathOrEmpty() == "" {
		t.Log("clang-19 not installed: expected text checked, compile and layout checks skipped")
		return
	}
	var sel []int32 // the records the header defines
	for _, i := range namedRecords(g) {
		if g.state[i] == stDone {
			sel = append(sel, i)
		}
	}
	src, _, bits := layoutAsserts(g, sel)
	compile(t, h, src, "bpf")
	compile(t, h, src, "")
	if len(bits) > 0 {
		checkBitfields(t, h, bits)
	}
}

func expect(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func arr(t btf.Type, n uint32) *btf.Array {
	return &btf.Array{Index: tUint, Type: t, Nelems: n}
}

func member(name string, typ btf.Type, off int) btf.Member {
	return btf.Member{Name: name, Type: typ, Offset: btf.Bits(off * 8)}
}

func bitfield_(name string, typ btf.Type, bitOff, bits int) btf.Member {
	return btf.Member{Name: name, Type: typ, Offset: btf.Bits(bitOff), BitfieldSize: btf.Bits(bits)}
}

func TestOrderEmbeddedBeforeUseAndFwdForPointers(t *testing.T) {
	// A is first in ID order but embeds B; C is only pointed to; D and A
	// point at each other.
	c := &btf.Struct{Name: "C", Size: 4, Members: []btf.Member{member("x", tInt, 0)}}
	b := &btf.Struct{Name: "B", Size: 8, Members: []btf.Member{member("y", tLong, 0)}}
	a := &btf.Struct{Name: "A", Size: 24}
	d := &btf.Struct{Name: "D", Size: 8, Members: []btf.Member{member("a", &btf.Pointer{Target: a}, 0)}}
	a.Members = []btf.Member{
		member("b", b, 0),
		member("c", &btf.Pointer{Target: c}, 8),
		member("d", &btf.Pointer{Target: d}, 16),
	}
	got := body(t, Options{}, a)
	expect(t, got, `struct B {
	long int y;
};

struct C;

struct D;

struct A {
	struct B b;
	struct C *c;
	struct D *d;
};

struct C {
	int x;
};

struct D {
	struct A *a;
};

`)
}

func TestOrderTypedefCycleAndSelfReference(t *testing.T) {
	node := &btf.Struct{Name: "node", Size: 16}
	td := &btf.Typedef{Name: "node_t", Type: node}
	node.Members = []btf.Member{
		member("next", &btf.Pointer{Target: td}, 0),
		member("self", &btf.Pointer{Target: node}, 8),
	}
	got := body(t, Options{}, node)
	expect(t, got, `struct node;

typedef struct node node_t;

struct node {
	node_t *next;
	struct node *self;
};

`)
}

func TestNameClashes(t *testing.T) {
	s1 := &btf.Struct{Name: "foo", Size: 4, Members: []btf.Member{member("a", tInt, 0)}}
	s2 := &btf.Struct{Name: "foo", Size: 8, Members: []btf.Member{member("b", tLong, 0)}}
	u := &btf.Union{Name: "foo", Size: 4, Members: []btf.Member{member("c", tUint, 0)}}
	e1 := &btf.Enum{Name: "foo", Size: 4, Values: []btf.EnumValue{{Name: "X", Value: 1}, {Name: "foo", Value: 2}}}
	e2 := &btf.Enum{Name: "bar", Size: 4, Values: []btf.EnumValue{{Name: "X", Value: 3}}}
	t1 := &btf.Typedef{Name: "foo", Type: tInt}
	t2 := &btf.Typedef{Name: "foo", Type: tLong}
	// a real type already named like a suffixed one
	s3 := &btf.Struct{Name: "foo___2", Size: 1, Members: []btf.Member{member("d", tChar, 0)}}
	fwd := &btf.Fwd{Name: "foo", Kind: btf.FwdStruct}
	user := &btf.Struct{Name: "user", Size: 48, Members: []btf.Member{
		member("s1", s1, 0), member("s2", s2, 8), member("u", u, 16), member("e1", e1, 20),
		member("e2", e2, 24), member("t1", t1, 28), member("t2", t2, 32), member("f", &btf.Pointer{Target: fwd}, 40),
	}}
	got := body(t, Options{}, s1, s2, u, e1, e2, t1, t2, s3, fwd, user)
	expect(t, got, `struct foo {
	int a;
};

struct foo___3 {
	long int b;
};

union foo___4 {
	unsigned int c;
};

enum foo___5 {
	X = 1,
	foo = 2,
};

enum bar {
	X___2 = 3,
};

typedef int foo___2;

typedef long int foo___3;

struct foo___2 {
	char d;
};

struct user {
	struct foo s1;
	struct foo___3 s2;
	union foo___4 u;
	enum foo___5 e1;
	enum bar e2;
	foo___2 t1;
	foo___3 t2;
	struct foo *f;
};

`)
}

func TestAnonymousTypes(t *testing.T) {
	once := &btf.Enum{Size: 4, Values: []btf.EnumValue{{Name: "ONCE_A", Value: 0}}}
	twice := &btf.Enum{Size: 4, Signed: true, Values: []btf.EnumValue{{Name: "TWICE_A", Value: 1}}}
	unused := &btf.Enum{Size: 4, Values: []btf.EnumValue{{Name: "LONE", Value: 9}}}
	inner := &btf.Union{Size: 8, Members: []btf.Member{member("i", tInt, 0), member("l", tLong, 0)}}
	anonS := &btf.Struct{Size: 8, Members: []btf.Member{member("p", tInt, 0), member("q", tInt, 4)}}
	tdS := &btf.Typedef{Name: "pair_t", Type: &btf.Struct{Size: 2, Members: []btf.Member{member("lo", tU8, 0), member("hi", tU8, 1)}}}
	outer := &btf.Struct{Name: "outer", Size: 40, Members: []btf.Member{
		member("", inner, 0),
		member("named", anonS, 8),
		member("e", once, 16),
		member("t1", twice, 20),
		member("t2", twice, 24),
		member("pair", tdS, 28),
		member("", &btf.Const{Type: &btf.Struct{Size: 8, Members: []btf.Member{member("ro", tLong, 0)}}}, 32),
	}}
	got := body(t, Options{}, outer, unused)
	expect(t, got, `typedef struct {
	unsigned char lo;
	unsigned char hi;
} pair_t;

struct outer {
	union {
		int i;
		long int l;
	};
	struct {
		int p;
		int q;
	} named;
	enum {
		ONCE_A = 0,
	} e;
	int t1;
	int t2;
	pair_t pair;
	const struct {
		long int ro;
	};
};

enum {
	LONE = 9,
};

enum {
	TWICE_A = 1,
};

`)
}

func TestBitfields(t *testing.T) {
	st := &btf.Enum{Name: "st", Size: 4, Values: []btf.EnumValue{{Name: "ST_A", Value: 0}, {Name: "ST_B", Value: 3}}}
	natural := &btf.Struct{Name: "natural", Size: 16, Members: []btf.Member{
		bitfield_("a", tUint, 0, 1),
		bitfield_("b", tUint, 1, 3),
		bitfield_("c", tUint, 32, 30), // moved to the next int: no padding needed
		bitfield_("d", tULong, 64, 40),
		bitfield_("e", tBool, 104, 1), // gap of 0 bits after d's 40 bits? no: 104 = 64+40
		bitfield_("f", st, 105, 2),
		member("g", tU8, 14),
	}}
	gapped := &btf.Struct{Name: "gapped", Size: 4, Members: []btf.Member{
		bitfield_("a", tUint, 0, 3),
		bitfield_("b", tUint, 7, 4), // a 4-bit hole before b
		member("c", tU16, 2),
	}}
	straddle := &btf.Struct{Name: "straddle", Size: 6, Members: []btf.Member{
		member("lead", tU8, 0),
		bitfield_("x", tUint, 8, 20),
		bitfield_("y", tUint, 28, 20), // crosses an int boundary: packed
	}}
	got := body(t, Options{}, natural, gapped, straddle)
	expect(t, got, `enum st {
	ST_A = 0,
	ST_B = 3,
};

struct natural {
	unsigned int a: 1;
	unsigned int b: 3;
	unsigned int c: 30;
	long unsigned int d: 40;
	_Bool e: 1;
	enum st f: 2;
	unsigned char g;
};

struct gapped {
	unsigned int a: 3;
	char: 4;
	unsigned int b: 4;
	short unsigned int c;
};

struct straddle {
	unsigned char lead;
	unsigned int x: 20;
	unsigned int y: 20;
} __attribute__((packed));

`)
}

func TestPackedAndAligned(t *testing.T) {
	pk := &btf.Struct{Name: "pk", Size: 7, Members: []btf.Member{
		member("a", tU8, 0), member("b", tUint, 1), member("c", tU16, 5),
	}}
	// packed, but its size says it is 4-aligned
	pa := &btf.Struct{Name: "pa", Size: 8, Members: []btf.Member{member("a", tU8, 0), member("b", tUint, 1)}}
	// an aligned member, and a record aligned beyond its members
	al := &btf.Struct{Name: "al", Size: 128, Members: []btf.Member{member("a", tInt, 0), member("b", tInt, 64), member("c", tLong, 72)}}
	big := &btf.Struct{Name: "big", Size: 64, Members: []btf.Member{member("x", tInt, 0)}}
	// a gap that no alignment explains (the record size is not a multiple
	// of 8): explicit padding
	holes := &btf.Struct{Name: "holes", Size: 12, Members: []btf.Member{member("a", tU8, 0), member("b", tInt, 8)}}
	// a union bigger than its members
	un := &btf.Union{Name: "un", Size: 6, Members: []btf.Member{member("a", tU16, 0), member("b", tU8, 0)}}
	bigU := &btf.Union{Name: "bigu", Size: 24, Members: []btf.Member{member("a", tU16, 0), member("b", arr(tU8, 3), 0)}}
	// holds pk at an odd offset, big at an offset only its alignment
	// explains
	user := &btf.Struct{Name: "user", Size: 192, Members: []btf.Member{
		member("c", tChar, 0), member("pk", pk, 1), member("big", big, 64), member("tail", tU8, 128),
	}}
	got := body(t, Options{}, pk, pa, al, big, holes, un, bigU, user)
	expect(t, got, `struct pk {
	unsigned char a;
	unsigned int b;
	short unsigned int c;
} __attribute__((packed));

struct pa {
	unsigned char a;
	unsigned int b;
} __attribute__((packed, aligned(4)));

struct al {
	int a;
	int b __attribute__((aligned(64)));
	long int c;
};

struct big {
	int x;
} __attribute__((aligned(64)));

struct holes {
	unsigned char a;
	char: 8;
	short: 16;
	int: 32;
	int b;
};

union un {
	short unsigned int a;
	unsigned char b;
	long: 48;
};

union bigu {
	short unsigned int a;
	unsigned char b[3];
	unsigned char __bt_pad6[24];
};

struct user {
	char c;
	struct pk pk;
	struct big big;
	unsigned char tail;
};

`)
}

func TestEnums(t *testing.T) {
	small := &btf.Enum{Name: "small", Size: 1, Values: []btf.EnumValue{{Name: "S_A", Value: 200}}}
	short := &btf.Enum{Name: "shorty", Size: 2, Signed: true, Values: []btf.EnumValue{{Name: "SH_A", Value: ^uint64(0)}}}
	wide := &btf.Enum{Name: "wide", Size: 8, Values: []btf.EnumValue{{Name: "W_A", Value: 1}}}
	w64 := &btf.Enum{Name: "w64", Size: 8, Values: []btf.EnumValue{{Name: "W64_A", Value: 1 << 40}, {Name: "W64_B", Value: ^uint64(0)}}}
	s64 := &btf.Enum{Name: "s64", Size: 8, Signed: true, Values: []btf.EnumValue{{Name: "S64_A", Value: ^uint64(0) - 1<<40}, {Name: "S64_B", Value: 5}}}
	u32 := &btf.Enum{Name: "u32", Size: 4, Values: []btf.EnumValue{{Name: "U32_MAX", Value: 0xffffffff}}}
	empty := &btf.Enum{Name: "empty", Size: 4}
	user := &btf.Struct{Name: "user", Size: 48, Members: []btf.Member{
		member("a", small, 0), member("b", short, 2), member("c", wide, 8), member("d", w64, 16),
		member("e", s64, 24), member("f", u32, 32), member("g", empty, 36), member("h", &btf.Pointer{Target: empty}, 40),
	}}
	got := body(t, Options{}, user)
	expect(t, got, `enum small {
	S_A = 200,
} __attribute__((mode(QI)));

enum shorty {
	SH_A = -1,
} __attribute__((mode(HI)));

enum wide {
	W_A = 1,
} __attribute__((mode(DI)));

enum w64 {
	W64_A = 1099511627776ULL,
	W64_B = 18446744073709551615ULL,
};

enum s64 {
	S64_A = -1099511627777LL,
	S64_B = 5,
};

enum u32 {
	U32_MAX = 4294967295,
};

struct user {
	enum small a;
	enum shorty b;
	enum wide c;
	enum w64 d;
	enum s64 e;
	enum u32 f;
	unsigned int g;
	unsigned int *h;
};

`)
}

func TestFunctionPointersAndQualifiers(t *testing.T) {
	sigFn := &btf.FuncProto{Return: tVoid, Params: []btf.FuncParam{{Type: tInt}}}
	sigPtr := &btf.Pointer{Target: sigFn}
	// void (*(*signal)(int, void (*)(int)))(int)
	signal := &btf.FuncProto{Return: sigPtr, Params: []btf.FuncParam{{Type: tInt}, {Type: sigPtr}}}
	handler := &btf.Typedef{Name: "handler_fn", Type: &btf.FuncProto{Return: tInt, Params: []btf.FuncParam{{Name: "arg", Type: tLong}}}}
	vararg := &btf.FuncProto{Return: tLong, Params: []btf.FuncParam{{Type: &btf.Pointer{Target: &btf.Const{Type: tChar}}}, {Type: tVoid}}}
	noargs := &btf.FuncProto{Return: tVoid}
	// int (*(*arr)[3])(void): pointer to an array of function pointers
	arrOfFp := &btf.Pointer{Target: arr(&btf.Pointer{Target: &btf.FuncProto{Return: tInt}}, 3)}
	ops := &btf.Struct{Name: "ops", Size: 96, Members: []btf.Member{
		member("signal", &btf.Pointer{Target: signal}, 0),
		member("handler", &btf.Pointer{Target: handler}, 8),
		member("vararg", &btf.Pointer{Target: vararg}, 16),
		member("noargs", &btf.Pointer{Target: noargs}, 24),
		member("arr", arrOfFp, 32),
		member("cvp", &btf.Const{Type: &btf.Pointer{Target: &btf.Volatile{Type: &btf.Const{Type: tInt}}}}, 40),
		member("rp", &btf.Restrict{Type: &btf.Pointer{Target: tChar}}, 48),
		member("m", arr(arr(tU8, 2), 4), 56),
		member("pp", &btf.Pointer{Target: &btf.Pointer{Target: &btf.TypeTag{Value: "user", Type: tVoid}}}, 64),
		member("fa", arr(tLong, 0), 72),
		member("pa", &btf.Pointer{Target: arr(tInt, 4)}, 72),
		member("ca", arr(&btf.Const{Type: tU16}, 8), 80),
	}}
	got := body(t, Options{}, ops)
	expect(t, got, `typedef int handler_fn(long int arg);

struct ops {
	void (*(*signal)(int, void (*)(int)))(int);
	handler_fn *handler;
	long int (*vararg)(const char *, ...);
	void (*noargs)(void);
	int (*(*arr)[3])(void);
	const volatile int *const cvp;
	char *restrict rp;
	unsigned char m[4][2];
	void __attribute__((btf_type_tag("user"))) **pp;
	long int fa[0];
	int (*pa)[4];
	const short unsigned int ca[8];
};

`)
	got = body(t, Options{NoTypeTags: true}, ops)
	if !strings.Contains(got, "\tvoid **pp;\n") {
		t.Errorf("type tag kept with NoTypeTags:\n%s", got)
	}
}

func TestKfuncsAndDeclTags(t *testing.T) {
	task := &btf.Struct{Name: "task", Size: 8, Tags: []string{"rec"}, Members: []btf.Member{{Name: "pid", Type: tLong, Tags: []string{"field"}}}}
	u32 := &btf.Typedef{Name: "u32", Type: tUint, Tags: []string{"td"}}
	acquire := &btf.Func{Name: "bpf_task_acquire", Linkage: btf.GlobalFunc, Tags: []string{"bpf_kfunc"},
		Type: &btf.FuncProto{Return: &btf.Pointer{Target: task}, Params: []btf.FuncParam{
			{Name: "p", Type: &btf.Pointer{Target: task}},
			{Name: "u32", Type: u32}, // would hide the typedef: dropped
			{Name: "flags", Type: u32},
		}},
		ParamTags: [][]string{{"nullable"}, nil, nil},
	}
	fast := &btf.Func{Name: "bpf_fast", Linkage: btf.GlobalFunc, Tags: []string{"bpf_kfunc", "bpf_fastcall"},
		Type: &btf.FuncProto{Return: tVoid}}
	notKfunc := &btf.Func{Name: "helper", Linkage: btf.GlobalFunc, Type: &btf.FuncProto{Return: tVoid}}
	got := body(t, Options{}, acquire, fast, notKfunc)
	expect(t, got, `struct task {
	long int pid;
};

typedef unsigned int u32;

/* BPF kfuncs */
#ifndef BPF_NO_KFUNC_PROTOTYPES
extern __bpf_fastcall void bpf_fast(void) __weak __ksym;
extern struct task *bpf_task_acquire(struct task *p, u32, u32 flags) __weak __ksym;
#endif

`)
	// The fastcall attribute sits before the prototype.
	h, _ := generate(t, specOf(t, acquire, fast), Options{})
	mustContain(t, h, "extern __bpf_fastcall void bpf_fast(void) __weak __ksym;", "#define __ksym ")

	got = body(t, Options{DeclTags: true, NoKfuncs: true}, acquire)
	expect(t, got, `struct task {
	long int pid __attribute__((btf_decl_tag("field")));
} __attribute__((btf_decl_tag("rec")));

typedef unsigned int u32 __attribute__((btf_decl_tag("td")));

`)
	got = body(t, Options{DeclTags: true, Roots: []string{"bpf_task_acquire"}}, acquire, fast)
	if !strings.Contains(got, `extern struct task *bpf_task_acquire(struct task *p __attribute__((btf_decl_tag("nullable"))), u32, u32 flags) __weak __ksym;`) ||
		strings.Contains(got, "bpf_fast") {
		t.Errorf("roots/decl tags on kfunc:\n%s", got)
	}
}

func TestRootsAndGuard(t *testing.T) {
	inner := &btf.Struct{Name: "inner", Size: 4, Members: []btf.Member{member("x", tInt, 0)}}
	far := &btf.Struct{Name: "far", Size: 4, Members: []btf.Member{member("y", tInt, 0)}}
	root := &btf.Struct{Name: "root", Size: 16, Members: []btf.Member{member("in", inner, 0), member("far", &btf.Pointer{Target: far}, 8)}}
	flags := &btf.Enum{Size: 4, Values: []btf.EnumValue{{Name: "F_ONE", Value: 1}}}
	other := &btf.Struct{Name: "other", Size: 4, Members: []btf.Member{member("z", tInt, 0)}}
	spec := specOf(t, root, flags, other)
	var b bytes.Buffer
	if err := Write(&b, spec, Options{Roots: []string{"root", "F_ONE"}, Guard: "SMALL_H"}); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	for _, want := range []string{"#ifndef SMALL_H\n#define SMALL_H\n", "#endif /* SMALL_H */\n", "struct inner {", "struct root {", "struct far;\n", "enum {\n\tF_ONE = 1,\n};"} {
		if !strings.Contains(h, want) {
			t.Errorf("missing %q in\n%s", want, h)
		}
	}
	for _, bad := range []string{"struct far {", "struct other"} {
		if strings.Contains(h, bad) {
			t.Errorf("unexpected %q in\n%s", bad, h)
		}
	}
	if err := Write(&b, spec, Options{Roots: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown root: err = %v", err)
	}
	if err := Write(&b, nil, Options{}); err == nil {
		t.Error("nil spec accepted")
	}
	if err := Write(&b, spec, Options{Guard: "NOT A GUARD"}); err == nil {
		t.Error("bad include guard accepted")
	}

	// A typedef asked for by name is usable by value: what it names
	// is defined, not just declared.
	td := &btf.Typedef{Name: "far_t", Type: far}
	b.Reset()
	if err := Write(&b, specOf(t, td, root), Options{Roots: []string{"far_t"}}); err != nil {
		t.Fatal(err)
	}
	if h := b.String(); !strings.Contains(h, "typedef struct far far_t;") || !strings.Contains(h, "struct far {") || strings.Contains(h, "struct root") {
		t.Errorf("typedef root:\n%s", h)
	}
}

func TestIntAndFloatSpellings(t *testing.T) {
	for _, c := range []struct {
		name string
		size uint32
		enc  btf.IntEncoding
		want string
	}{
		{"long unsigned int", 8, btf.Unsigned, "long unsigned int"},
		{"__int128 unsigned", 16, btf.Unsigned, "__int128 unsigned"},
		{"unsigned __int128", 16, btf.Unsigned, "unsigned __int128"},
		{"signed char", 1, btf.Signed, "signed char"},
		{"_Bool", 1, btf.Bool, "_Bool"},
		{"ssizetype", 8, btf.Signed, "long"}, // GCC-internal name
		{"u32", 4, btf.Unsigned, "unsigned int"},
		{"long", 4, btf.Signed, "int"}, // name and size disagree
		{"char", 1, btf.Char, "char"},
		{"wchar", 1, btf.Char, "char"},
		{"short short", 2, btf.Signed, "short"},
	} {
		if got := intName(&btf.Int{Name: c.name, Size: c.size, Encoding: c.enc}); got != c.want {
			t.Errorf("intName(%q, %d) = %q, want %q", c.name, c.size, got, c.want)
		}
	}
	if got := floatName(&btf.Float{Name: "f32", Size: 4}); got != "float" {
		t.Errorf("floatName = %q", got)
	}
	if got := sanitize("core::fmt::Arguments"); got != "core__fmt__Arguments" {
		t.Errorf("sanitize = %q", got)
	}
	if got := sanitize("9lives"); got != "_9lives" {
		t.Errorf("sanitize = %q", got)
	}
	if got := sanitize("int"); got != "int_" {
		t.Errorf("sanitize = %q", got)
	}
}

func TestPadding(t *testing.T) {
	for _, c := range []struct {
		from, to int64
		want     string
	}{
		{0, 64, "long: 64;"},
		{8, 64, "char: 8; short: 16; int: 32;"},
		{8, 16, "char: 8;"},
		{8, 32, "char: 8; short: 16;"},
		{64, 76, "char: 8; char: 4;"},
		{3, 200, "long: 61; long: 64; long: 64; char: 8;"},
		{3, 8, "char: 5;"},
		{3, 12, "short: 9;"},
		{32, 200, "int: 32; long: 64; long: 64; char: 8;"},
	} {
		var parts []string
		for _, p := range padding(c.from, c.to) {
			parts = append(parts, p.typ+": "+itoa(p.bits)+";")
		}
		if got := strings.Join(parts, " "); got != c.want {
			t.Errorf("padding(%d, %d) = %q, want %q", c.from, c.to, got, c.want)
		}
	}
}
