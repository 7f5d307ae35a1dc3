package tracer

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUprobeFileOffset checks where a uprobe goes and what is refused:
// functions and function+offset within bounds, a size-0 symbol only with
// --unsafe, addresses by the function containing them, and a non-ELF
// file only by address with --unsafe.
func TestUprobeFileOffset(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("needs gcc to build the binary")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "p.c")
	// zerosize is a function symbol with no size (as _init in crt files).
	code := `__attribute__((noinline)) int work(int a) { return a * 3 + 1; }
__asm__(".globl zerosize\n.type zerosize,@function\nzerosize:\n ret\n");
int main(int argc, char **argv) { (void)argv; return work(argc); }
`
	if err := os.WriteFile(src, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "p")
	if out, err := exec.Command("gcc", "-O1", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	syms := functionSymbols(f)
	f.Close()
	var work uprobeSym
	for _, s := range syms {
		if s.name == "work" {
			work = s
		}
	}
	if work.size == 0 {
		t.Fatalf("no sized symbol work in %v", syms)
	}
	workOff, err := uprobeFileOffset(uprobePlace{name: bin, sym: "work"}, readUprobeFile(bin), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	var warn bytes.Buffer
	for _, tc := range []struct {
		name   string
		place  uprobePlace
		unsafe bool
		want   uint64
		err    string
	}{
		{"offset inside", uprobePlace{sym: "work", offset: 1}, false, workOff + 1, ""},
		{"offset past the end", uprobePlace{sym: "work", offset: work.size}, false, 0, "Offset outside the function bounds ('work' size is"},
		{"uretprobe at an offset", uprobePlace{sym: "work", offset: 1, ret: true}, false, 0, "uretprobes cannot be attached at function offset"},
		{"size 0", uprobePlace{sym: "zerosize"}, false, 0, "Could not determine boundary for zerosize (symbol has size 0).\nUse --unsafe to force attachment."},
		{"size 0, unsafe", uprobePlace{sym: "zerosize"}, true, 0, ""},
		{"address in a function", uprobePlace{addr: work.addr + 2}, false, workOff + 2, ""},
		{"address in no function", uprobePlace{addr: 10}, false, 0, "Could not resolve address: BIN:0xa"},
		{"no such symbol", uprobePlace{sym: "nosuch"}, false, 0, "Could not resolve symbol: BIN:nosuch"},
	} {
		p := tc.place
		p.name = bin
		got, err := uprobeFileOffset(p, readUprobeFile(bin), tc.unsafe, &warn)
		wantErr := strings.ReplaceAll(tc.err, "BIN", bin)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Errorf("%s: %d, %v; want error %q", tc.name, got, err, wantErr)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err == "" && tc.name != "size 0, unsafe" && got != tc.want:
			t.Errorf("%s: offset %#x, want %#x", tc.name, got, tc.want)
		}
	}

	flat := filepath.Join(dir, "flat.bin")
	if err := os.WriteFile(flat, []byte{0xc3, 0x90, 0x90, 0x90}, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := uprobeFileOffset(uprobePlace{name: flat, addr: 2}, readUprobeFile(flat), false, &warn); err == nil || !strings.Contains(err.Error(), "Could not resolve address: "+flat+":0x2") {
		t.Errorf("non-ELF file without --unsafe: %v", err)
	}
	warn.Reset()
	if off, err := uprobeFileOffset(uprobePlace{name: flat, probe: "uprobe:" + flat + ":0x2", addr: 2}, readUprobeFile(flat), true, &warn); err != nil || off != 2 {
		t.Errorf("non-ELF file with --unsafe: %d, %v; want 2", off, err)
	}
	if !strings.Contains(warn.String(), "WARNING: Could not determine instruction boundary for uprobe:"+flat+":0x2 (binary appears stripped)") {
		t.Errorf("non-ELF file with --unsafe: warning %q", warn.String())
	}
}
