package cheader

// Helpers that check a generated header with clang: it must compile, and
// the layout clang computes must equal BTF's. Offsets and sizes in the
// checks come straight from BTF; only the C spelling of a record's name
// (which may carry a ___N suffix) comes from the generator.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// clangPathOrEmpty returns clang-19 (or clang), or "" when neither is
// installed.
func clangPathOrEmpty() string {
	for _, name := range []string{"clang-19", "clang"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// clangPath returns clang, skipping the test when it is absent.
func clangPath(t testing.TB) string {
	t.Helper()
	p := clangPathOrEmpty()
	if p == "" {
		t.Skip("clang-19 not installed (apt-get install clang-19): skipping the compile checks")
	}
	return p
}

// generate writes the header for spec and returns it with the generator
// state used for it (for the names of records).
func generate(t testing.TB, spec *btf.Spec, opts Options) ([]byte, *gen) {
	t.Helper()
	g, err := newGen(spec, &opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := g.run()
	if err != nil {
		t.Fatal(err)
	}
	return out, g
}

// compile runs clang -fsyntax-only on the header followed by extra C text,
// for BPF (target "bpf") or the host (target ""). It fails the test with
// clang's first diagnostics on any error or warning.
func compile(t testing.TB, header []byte, extra string, target string, flags ...string) {
	t.Helper()
	clang := clangPath(t)
	dir := t.TempDir()
	h := filepath.Join(dir, "vmlinux.h")
	if err := os.WriteFile(h, header, 0o644); err != nil {
		t.Fatal(err)
	}
	c := filepath.Join(dir, "check.c")
	if err := os.WriteFile(c, []byte("#include \"vmlinux.h\"\n"+extra), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-fsyntax-only", "-x", "c", "-Werror", "-Wall", "-ferror-limit=50"}
	if target != "" {
		args = append(args, "-target", target)
	}
	args = append(args, flags...)
	args = append(args, c)
	out, err := exec.Command(clang, args...).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("clang %s: %v\n%s", strings.Join(args, " "), err, firstLines(out, 60))
	}
}

func firstLines(b []byte, n int) string {
	lines := strings.SplitN(string(b), "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
		lines = append(lines, "...")
	}
	return strings.Join(lines, "\n")
}

// recordName is the C spelling of the named struct or union at i.
func (g *gen) recordName(i int32) string {
	if _, ok := g.types[i].(*btf.Union); ok {
		return "union " + g.names[i]
	}
	return "struct " + g.names[i]
}

// layoutAsserts returns C static assertions of the size of every record in
// sel and of the offset of each of its named non-bit-field members,
// including members of anonymous and named nested records (as a.b paths).
// bits lists the bit-fields found, for runtime checks.
func layoutAsserts(g *gen, sel []int32) (src string, asserts int, bits []bitfield) {
	var b strings.Builder
	for _, i := range sel {
		t := g.types[i]
		name := g.recordName(i)
		size, _ := btf.Sizeof(t)
		fmt.Fprintf(&b, "_Static_assert(sizeof(%s) == %d, \"sizeof(%s)\");\n", name, size, name)
		asserts++
		var walk func(t btf.Type, path string, base btf.Bits, depth int)
		walk = func(t btf.Type, path string, base btf.Bits, depth int) {
			ms, _, _ := members(t)
			for _, m := range ms {
				off := base + m.Offset
				p := m.Name
				if path != "" && p != "" {
					p = path + "." + p
				} else if p == "" {
					p = path
				}
				if m.BitfieldSize > 0 {
					if m.Name != "" {
						bits = append(bits, bitfield{rec: name, path: p, off: int64(off), size: int64(m.BitfieldSize), typ: m.Type})
					}
					continue
				}
				if m.Name != "" {
					fmt.Fprintf(&b, "_Static_assert(__builtin_offsetof(%s, %s) == %d, \"%s.%s\");\n", name, p, off/8, name, p)
					asserts++
				}
				// Look into records embedded inline (anonymous
				// ones, and named ones one level deep).
				if m.Name == "" && !anonMember(m.Type) {
					continue // the generator names it; skip
				}
				inner := btf.UnderlyingType(m.Type)
				if isAnonRecord(inner) || depth == 0 && isRecord(inner) {
					if m.Name == "" || depth < 3 {
						walk(inner, p, off, depth+1)
					}
				}
			}
		}
		walk(t, "", 0, 0)
	}
	return b.String(), asserts, bits
}

func isRecord(t btf.Type) bool {
	switch t.(type) {
	case *btf.Struct, *btf.Union:
		return true
	}
	return false
}

type bitfield struct {
	rec, path string
	off, size int64
	typ       btf.Type
}

// checkBitfields builds and runs a host program that finds, for each
// bit-field, which bits of the record it occupies (by setting it to all
// ones in a zeroed record), and compares them with BTF. The host is
// little-endian x86-64 like BPF, and records have the same layout there.
func checkBitfields(t *testing.T, header []byte, bits []bitfield) {
	t.Helper()
	if len(bits) == 0 {
		t.Fatal("no bit-fields to check")
	}
	clang := clangPath(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "vmlinux.h"), header, 0o644); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	// Dropping const lets the program assign const bit-fields; it
	// changes no layout.
	b.WriteString(`#define const
#include "vmlinux.h"
int printf(const char *, ...);
void *memset(void *, int, unsigned long);
static void report(const unsigned char *p, unsigned long n) {
	long lo = -1, hi = -1;
	for (unsigned long i = 0; i < n * 8; i++)
		if (p[i / 8] >> (i % 8) & 1) { if (lo < 0) lo = i; hi = i; }
	printf("%ld %ld\n", lo, hi - lo + 1);
}
int main(void) {
`)
	for _, f := range bits {
		fmt.Fprintf(&b, "\t{ static %s v; memset(&v, 0, sizeof(v)); v.%s = -1; report((const unsigned char *)&v, sizeof(v)); }\n", f.rec, f.path)
	}
	b.WriteString("\treturn 0;\n}\n")
	src := filepath.Join(dir, "bits.c")
	if err := os.WriteFile(src, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "bits")
	if out, err := exec.Command(clang, "-O0", "-w", "-o", exe, src).CombinedOutput(); err != nil {
		t.Fatalf("clang: %v\n%s", err, firstLines(out, 40))
	}
	out, err := exec.Command(exe).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(bits) {
		t.Fatalf("got %d results for %d bit-fields", len(lines), len(bits))
	}
	bad := 0
	for i, f := range bits {
		var off, size int64
		fmt.Sscan(lines[i], &off, &size)
		want := f.size
		if isBool(f.typ) {
			want = 1 // assigning -1 to a _Bool field stores 1
		}
		if off != f.off || size != want {
			bad++
			if bad <= 20 {
				t.Errorf("%s.%s: bits [%d,+%d), BTF says [%d,+%d)", f.rec, f.path, off, size, f.off, want)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d bit-fields misplaced", bad, len(bits))
	}
}

func isBool(t btf.Type) bool {
	i, ok := btf.UnderlyingType(t).(*btf.Int)
	return ok && i.Encoding == btf.Bool
}

// checkLayout compiles static assertions over the records in sel against
// the header for BPF and returns how many were checked.
func checkLayout(t *testing.T, header []byte, g *gen, sel []int32) int {
	t.Helper()
	src, n, _ := layoutAsserts(g, sel)
	compile(t, header, src, "bpf")
	return n
}

// namedRecords lists all named structs and unions in ID order.
func namedRecords(g *gen) []int32 {
	var out []int32
	for i, t := range g.types {
		if isRecord(t) && t.TypeName() != "" {
			out = append(out, int32(i))
		}
	}
	return out
}

func mustContain(t *testing.T, header []byte, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !bytes.Contains(header, []byte(p)) {
			t.Errorf("header lacks %q", p)
		}
	}
}
