package btfindex

import (
	"bytes"
	"debug/elf"
	"os"
	"slices"
	"strconv"
	"strings"
)

// SymbolTable maps addresses to the symbols that contain them: kernel
// text from kallsyms, or a binary's functions from its ELF symbol tables.
// Lookups are binary searches over symbols sorted by address.
type SymbolTable struct {
	syms []Symbol
}

// Symbol is one named address range. Size is 0 when the source does not
// give one (kallsyms): the symbol then extends to the next one.
type Symbol struct {
	Addr, Size uint64
	Name       string
	Module     string // kernel module, "" for the kernel itself
}

// ReadKernelSymbols reads the text symbols of a kallsyms file
// (/proc/kallsyms). Addresses are zero when the reader lacks the
// privilege to see them; the table is then empty.
func ReadKernelSymbols(path string) (*SymbolTable, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseKernelSymbols(string(b)), nil
}

func parseKernelSymbols(s string) *SymbolTable {
	t := &SymbolTable{syms: make([]Symbol, 0, strings.Count(s, "\n"))}
	eachKallsym(s, func(addrText string, typ byte, name, mod string) {
		if !isTextSymbol(typ) {
			return
		}
		addr, err := strconv.ParseUint(addrText, 16, 64)
		if err != nil || addr == 0 {
			return
		}
		t.syms = append(t.syms, Symbol{Addr: addr, Name: name, Module: mod})
	})
	t.sort()
	return t
}

// ReadELFSymbols reads the function symbols of an ELF file (.symtab and
// .dynsym) with their sizes, at their link-time addresses.
func ReadELFSymbols(path string) (*SymbolTable, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t := &SymbolTable{}
	add := func(syms []elf.Symbol, err error) {
		if err != nil {
			return
		}
		for _, s := range syms {
			typ := elf.ST_TYPE(s.Info)
			if typ != elf.STT_FUNC && typ != elf.STT_GNU_IFUNC {
				continue
			}
			if s.Section == elf.SHN_UNDEF || s.Value == 0 || s.Name == "" {
				continue
			}
			t.syms = append(t.syms, Symbol{Addr: s.Value, Size: s.Size, Name: s.Name})
		}
	}
	add(f.Symbols())
	add(f.DynamicSymbols())
	t.sort()
	return t, nil
}

// sort orders symbols by address; of several at one address the first
// by name is kept, so that lookups are deterministic.
func (t *SymbolTable) sort() {
	slices.SortFunc(t.syms, func(a, b Symbol) int {
		if a.Addr != b.Addr {
			if a.Addr < b.Addr {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	t.syms = slices.CompactFunc(t.syms, func(a, b Symbol) bool { return a.Addr == b.Addr })
}

// Len is the number of symbols.
func (t *SymbolTable) Len() int { return len(t.syms) }

// Lookup finds the symbol containing addr: the last one at or below it,
// if addr is within its size (or, with no size, before the next symbol).
func (t *SymbolTable) Lookup(addr uint64) (Symbol, bool) {
	i, found := slices.BinarySearchFunc(t.syms, addr, func(s Symbol, a uint64) int {
		switch {
		case s.Addr < a:
			return -1
		case s.Addr > a:
			return 1
		}
		return 0
	})
	if !found {
		i--
	}
	if i < 0 {
		return Symbol{}, false
	}
	s := t.syms[i]
	if s.Size > 0 && addr >= s.Addr+s.Size {
		return Symbol{}, false
	}
	return s, true
}

// ReadKernelAddrs reads every symbol of a kallsyms file, code and data
// alike (the kernel lists data symbols only with CONFIG_KALLSYMS_ALL), as
// kaddr() resolves them: by name, the first address listed. An address is
// 0 when the reader lacks the privilege to see it.
func ReadKernelAddrs(path string) (map[string]uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	addrs := make(map[string]uint64, bytes.Count(b, []byte("\n")))
	eachKallsym(string(b), func(addrText string, _ byte, name, _ string) {
		if _, seen := addrs[name]; seen {
			return
		}
		addr, err := strconv.ParseUint(addrText, 16, 64)
		if err == nil {
			addrs[name] = addr
		}
	})
	return addrs, nil
}
