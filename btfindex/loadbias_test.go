package btfindex

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLoadBias: a PIE executable's load bias in a running process is the
// start of its first mapping (its first segment asks for address 0), and
// a file the process does not map has none.
func TestLoadBias(t *testing.T) {
	path, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep executable")
	}
	if f, err := elf.Open(path); err != nil || f.Type != elf.ET_DYN {
		t.Skipf("%s is not a PIE here", path)
	}
	cmd := exec.Command(path, "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	pid := cmd.Process.Pid
	var want uint64
	for i := 0; i < 100 && want == 0; i++ { // until exec has mapped it
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 6 && strings.HasSuffix(f[5], "/sleep") && f[2] == "00000000" {
				lo, _, _ := strings.Cut(f[0], "-")
				want, _ = strconv.ParseUint(lo, 16, 64)
				break
			}
		}
		if want == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if want == 0 {
		t.Fatal("sleep never mapped")
	}
	got, ok := LoadBias(pid, path)
	if !ok || got != want {
		t.Errorf("LoadBias = %#x, %v; want %#x", got, ok, want)
	}
	if _, ok := LoadBias(pid, "/bin/sh"); ok && !strings.HasSuffix(path, "/sh") {
		t.Errorf("a bias for a file the process does not map")
	}
}
