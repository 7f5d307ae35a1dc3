package btfindex

import (
	"debug/dwarf"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const dwarfTestSource = `struct Foo {
  int a;
  char b[10];
};

typedef unsigned long counter_t;

int get_a(struct Foo *foo, const char *label, counter_t n)
{
  return foo->a + (int)n + label[0];
}

int main(int argc, char **argv)
{
  struct Foo f = { .a = argc };
  return get_a(&f, argv[0], 1);
}
`

// getALine is the line of get_a's opening brace in dwarfTestSource.
const getALine = 9

// buildDWARF compiles dwarfTestSource in dir with gcc and extra flags.
func buildDWARF(t *testing.T, dir string, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	src := filepath.Join(dir, "prog.c")
	if err := os.WriteFile(src, []byte(dwarfTestSource), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "prog")
	args := append([]string{"-g", "-O0", "-Wl,--build-id"}, flags...)
	runIn(t, dir, append(append([]string{"gcc"}, args...), "-o", bin, src)...)
	return bin
}

func runIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

func symbolAddr(t *testing.T, bin, name string) uint64 {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, _ := f.Symbols()
	for _, s := range syms {
		if s.Name == name {
			return s.Value
		}
	}
	t.Fatalf("%s has no symbol %s", bin, name)
	return 0
}

// checkDWARF asserts what every flavour of the test program's DWARF
// must answer.
func checkDWARF(t *testing.T, bin string) {
	t.Helper()
	di, err := OpenDebugInfo(bin)
	if err != nil {
		t.Fatal(err)
	}
	ps, ok := di.FuncParams("get_a")
	if !ok {
		t.Fatal("get_a is not described")
	}
	var got []string
	for _, p := range ps {
		got = append(got, CTypeName(p.Type)+" "+p.Name)
	}
	if want := "struct Foo* foo, const char* label, counter_t n"; strings.Join(got, ", ") != want {
		t.Errorf("get_a's parameters = %q, want %q", strings.Join(got, ", "), want)
	}
	if ps, ok := di.FuncParams("main"); !ok || len(ps) != 2 || CTypeName(ps[1].Type)+" "+ps[1].Name != "char** argv" {
		t.Errorf("main's parameters = %v, %v", ps, ok)
	}
	if _, ok := di.FuncParams("no_such_function"); ok {
		t.Error("a function the DWARF does not have is described")
	}
	typ, ok := di.Type("struct  Foo")
	if !ok {
		t.Fatal("struct Foo is not found")
	}
	st, isStruct := typ.(*dwarf.StructType)
	if !isStruct || len(st.Field) != 2 || st.Field[1].Name != "b" || st.Field[1].ByteOffset != 4 || st.ByteSize != 16 {
		t.Errorf("struct Foo = %#v", typ)
	}
	if td, ok := di.Type("counter_t"); !ok || CTypeName(td) != "counter_t" {
		t.Errorf("counter_t = %v, %v", td, ok)
	}
	if _, ok := di.Type("struct Bar"); ok {
		t.Error("struct Bar is found")
	}
	addrs, err := di.LineAddresses("prog.c", getALine)
	if err != nil {
		t.Fatal(err)
	}
	if want := symbolAddr(t, bin, "get_a"); len(addrs) != 1 || addrs[0] != want {
		t.Errorf("prog.c:%d is at %#x, want get_a's entry %#x", getALine, addrs, want)
	}
	if _, err := di.LineAddresses("prog.c", 4); err == nil {
		t.Error("a line without code has an address")
	}
	if _, err := di.LineAddresses("other.c", getALine); err == nil {
		t.Error("a file that is not in the line table has an address")
	}
}

func TestDWARFInBinary(t *testing.T) {
	checkDWARF(t, buildDWARF(t, t.TempDir()))
}

// TestDWARFSplit builds with -gsplit-dwarf and moves the binary and its
// .dwo elsewhere, so the skeleton's absolute .dwo name is stale and the
// file is found next to the binary.
func TestDWARFSplit(t *testing.T) {
	build := t.TempDir()
	bin := buildDWARF(t, build, "-gsplit-dwarf")
	dwos, _ := filepath.Glob(filepath.Join(build, "*.dwo"))
	if len(dwos) == 0 {
		t.Skip("gcc wrote no .dwo file")
	}
	moved := t.TempDir()
	for _, p := range append(dwos, bin) {
		if err := os.Rename(p, filepath.Join(moved, filepath.Base(p))); err != nil {
			t.Fatal(err)
		}
	}
	bin = filepath.Join(moved, "prog")
	checkDWARF(t, bin)

	// In a --debuginfo directory instead.
	dbgDir := t.TempDir()
	bin2 := buildDWARF(t, t.TempDir(), "-gsplit-dwarf")
	dwos, _ = filepath.Glob(filepath.Join(filepath.Dir(bin2), "*.dwo"))
	for _, p := range dwos {
		if err := os.Rename(p, filepath.Join(dbgDir, filepath.Base(p))); err != nil {
			t.Fatal(err)
		}
	}
	SetDebugInfoDirs([]string{dbgDir})
	defer SetDebugInfoDirs(nil)
	checkDWARF(t, bin2)
}

func TestDWARFPackage(t *testing.T) {
	dwp := ""
	for _, p := range []string{"llvm-dwp", "/usr/lib/llvm-19/bin/llvm-dwp"} {
		if q, err := exec.LookPath(p); err == nil {
			dwp = q
			break
		}
	}
	if dwp == "" {
		t.Skip("llvm-dwp is not installed (binutils' dwp crashes on DWARF 5)")
	}
	dir := t.TempDir()
	bin := buildDWARF(t, dir, "-gsplit-dwarf")
	runIn(t, dir, dwp, "-e", bin, "-o", bin+".dwp")
	dwos, _ := filepath.Glob(filepath.Join(dir, "*.dwo"))
	for _, p := range dwos {
		os.Remove(p)
	}
	checkDWARF(t, bin)
}

// TestDWARFStripped moves the DWARF to a separate file found through the
// debug info search path: by the binary's name plus .debug, and by its
// .gnu_debuglink in the .debug subdirectory.
func TestDWARFStripped(t *testing.T) {
	if _, err := exec.LookPath("objcopy"); err != nil {
		t.Skip("objcopy is not installed")
	}
	dir := t.TempDir()
	bin := buildDWARF(t, dir)
	ext := filepath.Join(dir, "external")
	if err := os.Mkdir(ext, 0o755); err != nil {
		t.Fatal(err)
	}
	runIn(t, dir, "objcopy", "--only-keep-debug", bin, filepath.Join(ext, "prog.debug"))
	runIn(t, dir, "objcopy", "--strip-debug", bin)
	if _, err := OpenDebugInfo(bin); !errors.Is(err, ErrNoDWARF) {
		t.Fatalf("stripped binary without a search path: %v, want ErrNoDWARF", err)
	}
	SetDebugInfoDirs([]string{"./external"}) // relative to the binary
	defer SetDebugInfoDirs(nil)
	checkDWARF(t, bin)

	// A debug file of another build is not taken.
	SetDebugInfoDirs(nil)
	other := buildDWARF(t, t.TempDir(), "-O1")
	runIn(t, dir, "objcopy", "--only-keep-debug", other, filepath.Join(ext, "prog.debug"))
	SetDebugInfoDirs([]string{ext})
	if _, err := OpenDebugInfo(bin); err == nil {
		t.Error("a debug file whose build ID differs was used")
	}
}

func TestCTypeName(t *testing.T) {
	intT := &dwarf.IntType{BasicType: dwarf.BasicType{CommonType: dwarf.CommonType{Name: "int"}}}
	for _, c := range []struct {
		t    dwarf.Type
		want string
	}{
		{intT, "int"},
		{&dwarf.PtrType{Type: intT}, "int*"},
		{&dwarf.PtrType{Type: &dwarf.PtrType{Type: &dwarf.QualType{Qual: "const", Type: intT}}}, "const int**"},
		{&dwarf.PtrType{Type: &dwarf.VoidType{}}, "void*"},
		{&dwarf.ArrayType{Type: intT, Count: 3}, "int[3]"},
		{&dwarf.PtrType{Type: &dwarf.StructType{Kind: "union", StructName: "u"}}, "union u*"},
		{&dwarf.PtrType{Type: &dwarf.FuncType{ReturnType: intT, ParamType: []dwarf.Type{intT}}}, "int (*)(int)"},
	} {
		if got := CTypeName(c.t); got != c.want {
			t.Errorf("CTypeName = %q, want %q", got, c.want)
		}
	}
}

// TestDebugInfoCachePerVersion: the same file version is read once; a
// rebuilt file is read again (and then kept instead of the old one).
func TestDebugInfoCachePerVersion(t *testing.T) {
	dir := t.TempDir()
	bin := buildDWARF(t, dir)
	a, err := OpenDebugInfo(bin)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := OpenDebugInfo(bin); b != a {
		t.Error("the same version was read twice")
	}
	rebuilt := buildDWARF(t, t.TempDir(), "-O1")
	if err := os.Rename(rebuilt, bin); err != nil {
		t.Fatal(err)
	}
	c, err := OpenDebugInfo(bin)
	if err != nil || c == a {
		t.Fatalf("the rebuilt file was not read again: %v", err)
	}
	if d, _ := OpenDebugInfo(bin); d != c {
		t.Error("the rebuilt version was read twice")
	}
}

// FuzzSplitDWARFParsers feeds the hand-written parsers of split DWARF
// (package index, unit headers, split unit sections) arbitrary bytes:
// they must not panic.
func FuzzSplitDWARFParsers(f *testing.F) {
	f.Add([]byte{}, uint32(0))
	f.Add([]byte{5, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0}, uint32(20))
	f.Add([]byte{0x30, 0, 0, 0, 5, 0, 5, 8, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0}, uint32(20))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0, 0, 0, 0, 0, 5, 0, 4, 8}, uint32(24))
	f.Fuzz(func(t *testing.T, b []byte, off uint32) {
		p := &dwpPackage{sec: map[int][]byte{sectInfo: b, sectAbbrev: b, sectStrOffsets: b, 0: b}, index: map[uint64]map[int][2]uint32{}}
		if p.parseIndex(b) == nil {
			for id := range p.index {
				p.unit(id, b)
			}
		}
		dwoID(b, &dwarf.Entry{Offset: dwarf.Offset(off)})
		splitUnitID(b)
		if d, err := (dwoSections{abbrev: b, info: b, str: b, strOffsets: b}).data(b); err == nil {
			rd := d.Reader()
			for i := 0; i < 100; i++ {
				if e, err := rd.Next(); err != nil || e == nil {
					break
				}
			}
		}
	})
}
