package btfindex

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// ELFFunctions lists the function symbols of an ELF file (from .symtab and
// .dynsym; defined, non-zero address), sorted and without duplicates: the
// uprobe and uretprobe targets. Static functions of a stripped binary are
// named only in its separate debug file (libc6-dbg and the like), whose
// symbols are added: their addresses are the binary's.
func ELFFunctions(path string) ([]string, error) {
	names, err := appendELFFuncs(nil, path)
	if err != nil {
		return nil, err
	}
	if dbg := SeparateDebugFile(path); dbg != "" {
		if more, err := appendELFFuncs(names, dbg); err == nil {
			names = more
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// appendELFFuncs appends the names of the defined function symbols of
// the ELF file at path. The symbol tables are read straight from the
// mapped file and each string table is copied once, the names being
// substrings of it: debug/elf would copy every section and allocate every
// symbol (a debug libc has tens of thousands).
func appendELFFuncs(names []string, path string) ([]string, error) {
	b, unmap, err := mapRead(path)
	if err != nil {
		return names, err
	}
	defer unmap()
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		return names, err
	}
	entSize := 24 // Elf64_Sym
	if f.Class == elf.ELFCLASS32 {
		entSize = 16 // Elf32_Sym
	}
	bo := f.ByteOrder
	for _, sec := range f.Sections {
		if sec.Type != elf.SHT_SYMTAB && sec.Type != elf.SHT_DYNSYM || int(sec.Link) >= len(f.Sections) {
			continue
		}
		syms, ok1 := fileRange(b, sec)
		strs, ok2 := fileRange(b, f.Sections[sec.Link])
		if !ok1 || !ok2 {
			continue
		}
		strtab := string(strs)
		for off := entSize; off+entSize <= len(syms); off += entSize { // entry 0 is null
			e := syms[off : off+entSize]
			var nameOff uint32
			var info byte
			var shndx uint16
			var value uint64
			if entSize == 24 {
				nameOff, info, shndx, value = bo.Uint32(e), e[4], bo.Uint16(e[6:]), bo.Uint64(e[8:])
			} else {
				nameOff, value, info, shndx = bo.Uint32(e), uint64(bo.Uint32(e[4:])), e[12], bo.Uint16(e[14:])
			}
			if t := elf.ST_TYPE(info); t != elf.STT_FUNC && t != elf.STT_GNU_IFUNC {
				continue
			}
			if elf.SectionIndex(shndx) == elf.SHN_UNDEF || value == 0 || int(nameOff) >= len(strtab) {
				continue
			}
			name := strtab[nameOff:]
			if i := strings.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			if name != "" {
				names = append(names, name)
			}
		}
	}
	return names, nil
}

// fileRange is the bytes of a section in the file image b.
func fileRange(b []byte, sec *elf.Section) ([]byte, bool) {
	if sec.Type == elf.SHT_NOBITS || sec.Flags&elf.SHF_COMPRESSED != 0 || sec.Offset > uint64(len(b)) || sec.Size > uint64(len(b))-sec.Offset {
		return nil, false
	}
	return b[sec.Offset : sec.Offset+sec.Size], true
}

// mapRead maps a file read-only (reading it where mapping fails); unmap
// releases it. Nothing may keep a reference into the bytes after unmap.
func mapRead(path string) (b []byte, unmap func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if n := st.Size(); st.Mode().IsRegular() && n > 0 && n < 1<<40 {
		if b, err := syscall.Mmap(int(f.Fd()), 0, int(n), syscall.PROT_READ, syscall.MAP_PRIVATE); err == nil {
			return b, func() { syscall.Munmap(b) }, nil
		}
	}
	b, err = io.ReadAll(f)
	return b, func() {}, err
}

// DebugRoot is where separate debug files are installed.
var DebugRoot = "/usr/lib/debug"

// SeparateDebugFile returns the file holding path's stripped symbols and
// DWARF, found as gdb finds it: by build ID under DebugRoot/.build-id/,
// then by the .gnu_debuglink name next to the file, in its .debug/
// directory and under DebugRoot with the file's directory. A debug link
// is trusted only when the file's build ID, if any, matches. "" when
// there is none.
func SeparateDebugFile(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	id := buildID(f)
	if len(id) > 1 {
		h := fmt.Sprintf("%x", id)
		p := filepath.Join(DebugRoot, ".build-id", h[:2], h[2:]+".debug")
		if isRegular(p) {
			return p
		}
	}
	sec := f.Section(".gnu_debuglink")
	if sec == nil {
		return ""
	}
	data, err := sec.Data()
	if err != nil {
		return ""
	}
	name, _, _ := bytes.Cut(data, []byte{0})
	if len(name) == 0 || strings.ContainsRune(string(name), '/') {
		return ""
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		real = path
	}
	dir := filepath.Dir(real)
	for _, p := range []string{
		filepath.Join(dir, string(name)),
		filepath.Join(dir, ".debug", string(name)),
		filepath.Join(DebugRoot, dir, string(name)),
	} {
		if p == real || !isRegular(p) {
			continue
		}
		if id != nil {
			df, err := elf.Open(p)
			if err != nil {
				continue
			}
			match := bytes.Equal(buildID(df), id)
			df.Close()
			if !match {
				continue
			}
		}
		return p
	}
	return ""
}

// buildID returns the GNU build ID note of f, or nil.
func buildID(f *elf.File) []byte {
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOTE {
			continue
		}
		data, err := s.Data()
		if err != nil {
			continue
		}
		for len(data) >= 12 {
			nsz := f.ByteOrder.Uint32(data[0:4])
			dsz := f.ByteOrder.Uint32(data[4:8])
			typ := f.ByteOrder.Uint32(data[8:12])
			off := 12 + int(align4(nsz))
			end := off + int(align4(dsz))
			if off > len(data) || end > len(data) || off+int(dsz) > len(data) {
				break
			}
			if typ == 3 && nsz == 4 && string(data[12:15]) == "GNU" { // NT_GNU_BUILD_ID
				return data[off : off+int(dsz)]
			}
			data = data[end:]
		}
	}
	return nil
}

func align4(n uint32) uint32 { return (n + 3) &^ 3 }

func isRegular(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// USDTProbe is a statically defined tracing probe from an ELF file's
// .note.stapsdt section.
type USDTProbe struct {
	Path      string
	Provider  string
	Name      string
	Args      string // the argument spec, e.g. "-4@%edi 8@%rsi"
	PC        uint64 // probe address
	Base      uint64 // .stapsdt.base address recorded at link time
	Semaphore uint64 // 0 when the probe has none
}

// USDTProbes reads the USDT probes of an ELF file, in note order.
func USDTProbes(path string) ([]USDTProbe, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sec := f.Section(".note.stapsdt")
	if sec == nil {
		return nil, nil
	}
	data, err := sec.Data()
	if err != nil {
		return nil, err
	}
	addrSize := 8
	if f.Class == elf.ELFCLASS32 {
		addrSize = 4
	}
	return parseStapsdtNotes(data, f.ByteOrder, addrSize, path)
}

func parseStapsdtNotes(b []byte, bo binary.ByteOrder, addrSize int, path string) ([]USDTProbe, error) {
	var out []USDTProbe
	align := func(n int) int { return (n + 3) &^ 3 }
	for len(b) >= 12 {
		namesz, descsz, typ := int(bo.Uint32(b)), int(bo.Uint32(b[4:])), bo.Uint32(b[8:])
		b = b[12:]
		if namesz < 0 || descsz < 0 || align(namesz)+descsz > len(b) {
			return out, errors.New("truncated .note.stapsdt")
		}
		name := string(bytes.TrimRight(b[:namesz], "\x00"))
		desc := b[align(namesz) : align(namesz)+descsz]
		next := min(align(namesz)+align(descsz), len(b))
		b = b[next:]
		if name != "stapsdt" || typ != 3 || len(desc) < 3*addrSize {
			continue
		}
		read := func(i int) uint64 {
			if addrSize == 4 {
				return uint64(bo.Uint32(desc[i*4:]))
			}
			return bo.Uint64(desc[i*8:])
		}
		p := USDTProbe{Path: path, PC: read(0), Base: read(1), Semaphore: read(2)}
		strs := strings.Split(string(desc[3*addrSize:]), "\x00")
		if len(strs) < 2 {
			continue
		}
		p.Provider, p.Name = strs[0], strs[1]
		if len(strs) > 2 {
			p.Args = strs[2]
		}
		out = append(out, p)
	}
	return out, nil
}

// libDirs are searched for libraries named without a path ("libc").
var libDirs = []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
	"/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"}

// ResolveBinary turns a uprobe or usdt target into an ELF file: a path
// is used as it is; a name is a program in $PATH or a library ("libc" is
// libc.so.6, never the libc.so linker script beside it).
func ResolveBinary(target string) (string, error) {
	if strings.ContainsRune(target, '/') {
		if _, err := os.Stat(target); err != nil {
			return "", err
		}
		return target, nil
	}
	if p, err := exec.LookPath(target); err == nil && IsELF(p) {
		return p, nil
	}
	base := strings.TrimPrefix(target, "lib")
	for _, dir := range libDirs {
		for _, name := range []string{target, "lib" + base + ".so"} {
			if p := filepath.Join(dir, name); IsELF(p) {
				return p, nil
			}
		}
		ms, _ := filepath.Glob(filepath.Join(dir, "lib"+base+".so.*"))
		slices.Sort(ms)
		for _, m := range ms {
			if IsELF(m) {
				return m, nil
			}
		}
	}
	return "", fmt.Errorf("%s: not found in $PATH or the library directories", target)
}

// IsELF reports whether path is a regular file starting with ELF's magic
// number.
func IsELF(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return false
	}
	var magic [4]byte
	_, err = io.ReadFull(f, magic[:])
	return err == nil && string(magic[:]) == "\x7fELF"
}
