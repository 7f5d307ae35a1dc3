package tracer

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A process that has exited has no maps: its addresses are named from
// the probed binaries linked at fixed addresses, and only from those.
func TestUserSymbolOfExitedProcess(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler to build a fixed-address executable")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "p.c")
	exe := filepath.Join(dir, "p")
	code := "__attribute__((noinline)) int probed_marker(void) { return 42; }\nint main(void) { return probed_marker(); }\n"
	if err := os.WriteFile(src, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cc, "-O1", "-no-pie", "-o", exe, src).CombinedOutput(); err != nil {
		t.Skipf("cc -no-pie failed: %v\n%s", err, out)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	var addr uint64
	syms, _ := f.Symbols()
	for _, s := range syms {
		if s.Name == "probed_marker" {
			addr = s.Value + 1
		}
	}
	typ := f.Type
	f.Close()
	if typ != elf.ET_EXEC || addr == 0 {
		t.Skipf("cc -no-pie made type %v without the marker symbol", typ)
	}
	const gonePID = 1<<22 + 7 // above pid_max's ceiling: never a live process

	r := NewResolver(nil)
	if name, _, ok := r.UserSymbol(gonePID, addr); ok {
		t.Fatalf("without probed binaries an exited process's address resolved to %q", name)
	}
	if _, ok := r.UserModule(gonePID, addr); ok {
		t.Fatal("without probed binaries an exited process's address has a module")
	}

	r.addProbedBinary(exe)
	name, off, ok := r.UserSymbol(gonePID, addr)
	if !ok || name != "probed_marker" || off != 1 {
		t.Fatalf("UserSymbol = %q+%d, %v; want probed_marker+1", name, off, ok)
	}
	if mod, ok := r.UserModule(gonePID, addr); !ok || mod != exe {
		t.Fatalf("UserModule = %q, %v; want %s", mod, ok, exe)
	}
	// An address outside every executable segment stays unresolved.
	if name, _, ok := r.UserSymbol(gonePID, 8); ok {
		t.Fatalf("address 8 resolved to %q", name)
	}
}
