package btfindex

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestKernelSymbolsLookup(t *testing.T) {
	tab := parseKernelSymbols("" +
		"ffffffff81000000 T _stext\n" +
		"ffffffff81000000 T _text\n" +
		"ffffffff81000100 t helper\n" +
		"ffffffff81000200 D some_data\n" +
		"ffffffff81000300 T vfs_read\n" +
		"ffffffffc0000000 t mod_fn\t[xfs]\n" +
		"0000000000000000 T hidden\n")
	if tab.Len() != 4 {
		t.Fatalf("Len = %d, want 4 (data, zero and duplicate addresses dropped)", tab.Len())
	}
	for _, tc := range []struct {
		addr      uint64
		name, mod string
		ok        bool
	}{
		{0xffffffff81000000, "_stext", "", true},
		{0xffffffff81000150, "helper", "", true},
		{0xffffffff81000250, "helper", "", true}, // data symbols do not end text symbols
		{0xffffffff81000300, "vfs_read", "", true},
		{0xffffffffc0000010, "mod_fn", "xfs", true},
		{0xffffffff80000000, "", "", false},
	} {
		s, ok := tab.Lookup(tc.addr)
		if ok != tc.ok || s.Name != tc.name || s.Module != tc.mod {
			t.Errorf("Lookup(%#x) = %+v, %v; want %s [%s], %v", tc.addr, s, ok, tc.name, tc.mod, tc.ok)
		}
	}
}

func TestELFSymbolsLookup(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip("no executable path:", err)
	}
	tab, err := ReadELFSymbols(exe)
	if err != nil {
		t.Fatal(err)
	}
	// A non-PIE Go test binary runs at its link-time addresses.
	pc := uint64(reflect.ValueOf(TestELFSymbolsLookup).Pointer())
	s, ok := tab.Lookup(pc + 1)
	if !ok {
		t.Skipf("address %#x not in the symbol table (PIE build?)", pc)
	}
	if !strings.HasSuffix(s.Name, "TestELFSymbolsLookup") || s.Addr != pc {
		t.Errorf("Lookup(%#x) = %+v, want TestELFSymbolsLookup at %#x", pc+1, s, pc)
	}
	if _, ok := tab.Lookup(0x10); ok {
		t.Errorf("Lookup(0x10) found a symbol")
	}
}
