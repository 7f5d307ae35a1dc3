package cheader

//go:generate make -C testdata

import (
	"bytes"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// otherSpec loads the BTF of testdata/otherkernel.bpf.o, built by clang from
// testdata/otherkernel.c: types of a kernel other than the running one.
func otherSpec(t testing.TB) *btf.Spec {
	t.Helper()
	spec, err := btf.LoadSpec("testdata/otherkernel.bpf.o")
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func TestOtherKernelRoundTrip(t *testing.T) {
	spec := otherSpec(t)
	h, g := generate(t, spec, Options{})
	sel := namedRecords(g)
	if len(sel) < 20 {
		t.Fatalf("only %d records in the test object", len(sel))
	}
	for _, i := range sel {
		if !g.plan(i).exact {
			t.Errorf("%s: no exact layout", g.recordName(i))
		}
	}
	compile(t, h, "", "")
	src, n, bits := layoutAsserts(g, sel)
	compile(t, h, src, "bpf")
	compile(t, h, src, "", "-DBPF_NO_PRESERVE_ACCESS_INDEX")
	checkBitfields(t, h, bits)
	t.Logf("%d records, %d assertions, %d bit-fields", len(sel), n, len(bits))
}

// TestOtherKernelShapes checks how the tricky shapes come out.
func TestOtherKernelShapes(t *testing.T) {
	h, _ := generate(t, otherSpec(t), Options{})
	mustContain(t, h,
		// several distinct "dup" tags, typedefs and enumerators
		"struct dup {", "union dup___2 {", "struct dup___3 {", "struct dup___4 {",
		"typedef char dup_t;", "typedef int dup_t___2;",
		"enum dupe {\n\tDUP_X = 7,\n\tDUP_Y = 8,\n};", "enum dupe___2 {\n\tDUP_X___2 = 1,\n};",
		// fwds only seen through pointers
		"struct opaque;", "union opaque_u;",
		// bit-fields
		"\tunsigned int c: 28;", "\tbool f: 1;", "\tint g: 5;", "\tenum state st: 2;", "\tu64 h: 63;",
		// packed, packed+aligned, aligned member and record
		"} __attribute__((packed));", "} __attribute__((packed, aligned(2)));", /* smallest alignment explaining its size 12 */
		"\tint b __attribute__((aligned(64)));", "} __attribute__((aligned(32)));",
		// enums of all sizes and signs
		"\tNS_ERR = -22,", "\tBF_ALL = 18446744073709551615ULL,",
		"\tBN_MIN = (-9223372036854775807LL - 1),", "\tBN_BIG = 9223372036854775807LL,",
		"\tSS_B = 200,\n} __attribute__((mode(QI)));", "\tSN_A = -3,",
		// function pointers
		"\tsighandler_t (*signal)(int, sighandler_t);",
		"\tvoid (*(*signal_raw)(int, void (*)(int)))(int);",
		"\tint (*table[4])(struct node *);",
		"\tlong (*vararg)(const char *, ...);",
		"\tvoid (*noargs)(void);",
		"typedef int handler_fn(struct ring_a *, unsigned long);",
		// arrays
		"\tu64 data[0];", "\tint m[3][4][5];", "\tchar pad[0];",
		// qualifiers and type tags
		"\tconst volatile int *const cvp;", "\tchar *restrict rp;", "\tconst char *const names[2];",
		"\tint __attribute__((btf_type_tag(\"user\"))) *uptr;",
		// anonymous types
		"typedef struct {\n\tint a;\n\tchar b;\n} anon_t;",
		"typedef enum {\n\tAT_ONE = 1,\n\tAT_TWO = 2,\n} anon_e;",
		"\tenum {\n\t\tAE_A = 0,\n\t\tAE_B = 5,\n\t} kind;",
		"\tstruct {\n\t\tlong ro1;",
		// scalars
		"typedef _Bool bool;", "\tbool b;", "typedef __int128 s128;", "typedef unsigned __int128 u128;", "\tfloat f;", "\tdouble d;",
		// kfuncs
		"extern struct ring_a *bt_test_acquire(struct ring_b *b, u32 flags, int __attribute__((btf_type_tag(\"user\"))) *uarg) __weak __ksym;",
		"extern void bt_test_release(struct ring_a *a) __weak __ksym;",
	)
	// struct ring_a is embedded by ring_b, so it must come first even
	// though ring_b points back at it.
	if a, b := bytes.Index(h, []byte("struct ring_a {")), bytes.Index(h, []byte("struct ring_b {")); a < 0 || b < 0 || a > b {
		t.Errorf("ring_a defined at %d, ring_b at %d", a, b)
	}
}
