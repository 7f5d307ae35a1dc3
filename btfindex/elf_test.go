package btfindex

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// elfSection is a section for writeTestELF.
type elfSection struct {
	name  string
	typ   elf.SectionType
	data  []byte
	link  uint32
	info  uint32
	entsz uint64
}

type elfSym struct {
	name  string
	typ   elf.SymType
	value uint64
	shndx uint16
}

// writeTestELF writes a minimal little-endian ELF64 relocatable file with
// the given sections and, when syms is not nil, a .symtab.
func writeTestELF(t testing.TB, path string, secs []elfSection, syms []elfSym) {
	t.Helper()
	if syms != nil {
		var strtab bytes.Buffer
		strtab.WriteByte(0)
		var symtab bytes.Buffer
		symtab.Write(make([]byte, 24)) // the null symbol
		for _, s := range syms {
			var e [24]byte
			binary.LittleEndian.PutUint32(e[0:], uint32(strtab.Len()))
			e[4] = byte(elf.STB_GLOBAL)<<4 | byte(s.typ)
			binary.LittleEndian.PutUint16(e[6:], s.shndx)
			binary.LittleEndian.PutUint64(e[8:], s.value)
			binary.LittleEndian.PutUint64(e[16:], 16)
			symtab.Write(e[:])
			strtab.WriteString(s.name)
			strtab.WriteByte(0)
		}
		strIdx := uint32(len(secs) + 2) // null, secs..., .symtab, .strtab
		secs = append(secs,
			elfSection{name: ".symtab", typ: elf.SHT_SYMTAB, data: symtab.Bytes(), link: strIdx, info: 1, entsz: 24},
			elfSection{name: ".strtab", typ: elf.SHT_STRTAB, data: strtab.Bytes()})
	}
	var shstr bytes.Buffer
	shstr.WriteByte(0)
	nameOff := make([]uint32, len(secs)+1)
	for i, s := range secs {
		nameOff[i] = uint32(shstr.Len())
		shstr.WriteString(s.name)
		shstr.WriteByte(0)
	}
	nameOff[len(secs)] = uint32(shstr.Len())
	shstr.WriteString(".shstrtab\x00")
	secs = append(secs, elfSection{name: ".shstrtab", typ: elf.SHT_STRTAB, data: shstr.Bytes()})

	var body bytes.Buffer
	body.Write(make([]byte, 64))
	offs := make([]uint64, len(secs))
	for i, s := range secs {
		for body.Len()%8 != 0 {
			body.WriteByte(0)
		}
		offs[i] = uint64(body.Len())
		body.Write(s.data)
	}
	for body.Len()%8 != 0 {
		body.WriteByte(0)
	}
	shoff := uint64(body.Len())
	body.Write(make([]byte, 64)) // null section header
	for i, s := range secs {
		var h [64]byte
		binary.LittleEndian.PutUint32(h[0:], nameOff[i])
		binary.LittleEndian.PutUint32(h[4:], uint32(s.typ))
		binary.LittleEndian.PutUint64(h[24:], offs[i])
		binary.LittleEndian.PutUint64(h[32:], uint64(len(s.data)))
		binary.LittleEndian.PutUint32(h[40:], s.link)
		binary.LittleEndian.PutUint32(h[44:], s.info)
		binary.LittleEndian.PutUint64(h[48:], 1)
		binary.LittleEndian.PutUint64(h[56:], s.entsz)
		body.Write(h[:])
	}
	b := body.Bytes()
	copy(b, elf.ELFMAG)
	b[4], b[5], b[6] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	binary.LittleEndian.PutUint16(b[16:], uint16(elf.ET_REL))
	binary.LittleEndian.PutUint16(b[18:], uint16(elf.EM_X86_64))
	binary.LittleEndian.PutUint32(b[20:], uint32(elf.EV_CURRENT))
	binary.LittleEndian.PutUint64(b[40:], shoff)
	binary.LittleEndian.PutUint16(b[52:], 64)
	binary.LittleEndian.PutUint16(b[58:], 64)
	binary.LittleEndian.PutUint16(b[60:], uint16(len(secs)+1))
	binary.LittleEndian.PutUint16(b[62:], uint16(len(secs))) // .shstrtab is last
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// stapsdtNote encodes one .note.stapsdt entry.
func stapsdtNote(pc, base, sem uint64, provider, name, args string) []byte {
	desc := binary.LittleEndian.AppendUint64(nil, pc)
	desc = binary.LittleEndian.AppendUint64(desc, base)
	desc = binary.LittleEndian.AppendUint64(desc, sem)
	desc = append(desc, provider+"\x00"+name+"\x00"+args+"\x00"...)
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 8)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(desc)))
	b = binary.LittleEndian.AppendUint32(b, 3)
	b = append(b, "stapsdt\x00"...)
	b = append(b, desc...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func writeUSDTELF(t testing.TB, path string) {
	notes := append(stapsdtNote(0x1000, 0x2000, 0, "myapp", "start", "-4@%edi 8@%rsi"),
		stapsdtNote(0x1010, 0x2000, 0x3000, "myapp", "stop", "")...)
	text := make([]byte, 64)
	writeTestELF(t, path,
		[]elfSection{{name: ".text", typ: elf.SHT_PROGBITS, data: text}, {name: ".note.stapsdt", typ: elf.SHT_NOTE, data: notes}},
		[]elfSym{{"main", elf.STT_FUNC, 0x10, 1}, {"helper", elf.STT_FUNC, 0x20, 1}, {"a_var", elf.STT_OBJECT, 0x30, 1}, {"undefined_fn", elf.STT_FUNC, 0, uint16(elf.SHN_UNDEF)}})
}

func TestELFFunctionsAndUSDT(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app")
	writeUSDTELF(t, path)
	fns, err := ELFFunctions(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"helper", "main"}; !slices.Equal(fns, want) {
		t.Errorf("functions = %v, want %v", fns, want)
	}
	ps, err := USDTProbes(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Provider != "myapp" || ps[0].Name != "start" || ps[0].Args != "-4@%edi 8@%rsi" || ps[0].PC != 0x1000 || ps[1].Semaphore != 0x3000 || ps[1].Name != "stop" {
		t.Errorf("probes = %+v", ps)
	}

	ix, err := Open(Options{SysBTFDir: t.TempDir(), TracefsDirs: []string{}, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	got := probeStrings(t, ix, "uprobe:"+path+":*")
	if want := []string{"uprobe:" + path + ":helper", "uprobe:" + path + ":main"}; !slices.Equal(got, want) {
		t.Errorf("uprobe list = %v, want %v", got, want)
	}
	got = probeStrings(t, ix, "usdt:"+path+":*")
	if want := []string{"usdt:" + path + ":myapp:start", "usdt:" + path + ":myapp:stop"}; !slices.Equal(got, want) {
		t.Errorf("usdt list = %v, want %v", got, want)
	}
	got = probeStrings(t, ix, "usdt:"+path+":*:st*t")
	if want := []string{"usdt:" + path + ":myapp:start"}; !slices.Equal(got, want) {
		t.Errorf("usdt list = %v, want %v", got, want)
	}
	// A specific existing file as target brings in userspace providers
	// even with a wildcard provider.
	got = probeStrings(t, ix, "*:"+path+":main")
	if want := []string{"uprobe:" + path + ":main"}; !slices.Equal(got, want) {
		t.Errorf("wildcard provider list = %v, want %v", got, want)
	}
}

func TestParseStapsdtTruncated(t *testing.T) {
	n := stapsdtNote(1, 2, 3, "p", "n", "")
	for i := range len(n) {
		// Never panics; a cut note is an error or skipped.
		_, _ = parseStapsdtNotes(n[:i], binary.LittleEndian, 8, "x")
	}
}

func TestBTFFromELFFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vmlinux")
	writeTestELF(t, path, []elfSection{{name: ".BTF", typ: elf.SHT_PROGBITS, data: marshalBTF(t, fixtureTypes())}}, nil)
	ix, err := Open(Options{BTFFile: path, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.BTFError(); err != nil {
		t.Fatal(err)
	}
	if ix.BTFSource() != SourceELF {
		t.Errorf("source = %v, want elf", ix.BTFSource())
	}
	if ix.AttachInfoKnown() {
		t.Error("a BTF file must not use the host's kallsyms")
	}
	f, err := ix.Func("", "vfs_inlined")
	if err != nil || !f.Attachable {
		t.Errorf("without kallsyms every function is attachable: %+v %v", f, err)
	}
	// An ELF without .BTF is a clear no-BTF error.
	bad := filepath.Join(t.TempDir(), "nobtf")
	writeTestELF(t, bad, []elfSection{{name: ".text", typ: elf.SHT_PROGBITS, data: []byte{0}}}, nil)
	ix, err = Open(Options{BTFFile: bad, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.BTFError(); err == nil {
		t.Error("no error for an ELF without .BTF")
	}
}

// debugELFFunctions is ELFFunctions through debug/elf's symbol reader,
// the oracle for the raw symbol-table scan.
func debugELFFunctions(t *testing.T, path string) []string {
	t.Helper()
	var names []string
	for _, p := range []string{path, SeparateDebugFile(path)} {
		if p == "" {
			continue
		}
		f, err := elf.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, read := range []func() ([]elf.Symbol, error){f.Symbols, f.DynamicSymbols} {
			syms, _ := read()
			for _, s := range syms {
				typ := elf.ST_TYPE(s.Info)
				if (typ == elf.STT_FUNC || typ == elf.STT_GNU_IFUNC) && s.Section != elf.SHN_UNDEF && s.Value != 0 && s.Name != "" {
					names = append(names, s.Name)
				}
			}
		}
		f.Close()
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// TestELFFunctionsMatchDebugELF: the raw scan finds exactly the functions
// debug/elf does, on the host's own binaries and libraries.
func TestELFFunctionsMatchDebugELF(t *testing.T) {
	exe, _ := os.Executable()
	n := 0
	for _, p := range []string{exe, "/bin/bash", "/bin/sh", "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libssl.so.3", "/lib/aarch64-linux-gnu/libc.so.6"} {
		if !IsELF(p) {
			continue
		}
		n++
		got, err := ELFFunctions(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if want := debugELFFunctions(t, p); !slices.Equal(got, want) {
			t.Errorf("%s: %d functions, debug/elf finds %d", p, len(got), len(want))
		}
	}
	if n == 0 {
		t.Skip("no ELF files to compare")
	}
	if _, err := ELFFunctions("/etc/passwd"); err == nil {
		t.Error("a text file has ELF functions")
	}
}

// TestResolveBinaryLibrary: a library named without a path is its ELF
// shared object, never the linker script some distributions install
// beside it (Debian's libc.so).
func TestResolveBinaryLibrary(t *testing.T) {
	for _, name := range []string{"libc", "c"} {
		p, err := ResolveBinary(name)
		if err != nil {
			t.Skip(err)
		}
		if !IsELF(p) {
			t.Errorf("ResolveBinary(%q) = %s, not an ELF file", name, p)
		}
	}
	if p, err := ResolveBinary("sh"); err != nil || !IsELF(p) {
		t.Errorf("ResolveBinary(sh) = %s, %v", p, err)
	}
	if _, err := ResolveBinary("bt_no_such_binary_xyz"); err == nil {
		t.Error("a missing binary resolved")
	}
}
