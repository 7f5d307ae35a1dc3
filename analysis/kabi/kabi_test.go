package kabi

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		name     string
		value    int64
		internal bool
	}{
		{"EPERM", 1, false}, {"EAGAIN", 11, false}, {"ETIMEDOUT", 110, false},
		{"SIGKILL", 9, false}, {"SIGTERM", 15, false},
		{"O_RDONLY", 0, false}, {"O_CREAT", 0o100, false},
		{"ICMPV6_ECHO_REQUEST", 128, false}, {"ICMPV6_ECHO_REPLY", 129, false},
		{"AF_UNSPEC", 0, true}, {"AF_INET", 2, true}, {"AF_INET6", 10, true}, {"PF_INET", 2, true},
		{"TASK_RUNNING", 0, true}, {"TASK_UNINTERRUPTIBLE", 2, true},
		{"DT_REG", 8, true}, {"DT_FIFO", 1, true},
	} {
		c, ok := Lookup(tc.name)
		if !ok || c.Value != tc.value || Internal(tc.name) != tc.internal || c.Header == "" {
			t.Errorf("%s = %+v %v (internal %v), want %d (internal %v)", tc.name, c, ok, Internal(tc.name), tc.value, tc.internal)
		}
	}
	for _, name := range []string{"task_struct", "NOT_A_CONSTANT", "", "_LINUX_SOCKET_H"} {
		if c, ok := Lookup(name); ok {
			t.Errorf("%s = %+v, want none", name, c)
		}
	}
}

// The table is what gen.go makes from the installed headers: regenerating
// gives the committed file (when linux-libc-dev is the one it was made
// from).
func TestTableIsGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerates the table")
	}
	if _, err := os.Stat("/usr/include/asm-generic/errno-base.h"); err != nil {
		t.Skip("linux-libc-dev is not installed")
	}
	dir := t.TempDir()
	gen, err := os.ReadFile("gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "gen.go"), gen, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", "gen.go")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen.go: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "table_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("table_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("table_gen.go differs from what gen.go makes from this machine's headers (%d vs %d bytes): run go generate ./analysis/kabi", len(got), len(want))
	}
}
