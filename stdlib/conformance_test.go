package stdlib_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bt-tools/bt/codegen/clink"
)

// bpftraceBin is bpftrace v0.26 or later (its stdlib has strerror,
// signal_name and syscall_name): $BT_BPFTRACE_BIN, else
// /opt/ref/bin/bpftrace.
func bpftraceBin(t *testing.T) string {
	bin := os.Getenv("BT_BPFTRACE_BIN")
	if bin == "" {
		bin = "/opt/ref/bin/bpftrace"
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no bpftrace at %s (set BT_BPFTRACE_BIN): %v", bin, err)
	}
	return bin
}

// The text of strerror, signal_name and syscall_name is bpftrace's, for
// every number around the defined ones.
func TestTextMatchesBpftrace(t *testing.T) {
	needRoot(t)
	bin := bpftraceBin(t)
	script := `begin {
  for $i : 0..140 { printf("strerror|%d|%s\n", $i - 3, strerror($i - 3)); }
  for $i : 0..70 { printf("signal_name|%d|%s\n", $i - 3, signal_name($i - 3)); }
  for $i : 0..480 { printf("syscall_name|%d|%s\n", $i - 2, syscall_name($i - 2)); }
  exit();
}
`
	path := filepath.Join(t.TempDir(), "text.bt")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, path)
	var out bytes.Buffer
	cmd.Stdout = &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Skipf("%s cannot run the script (before v0.26?): %v", bin, err)
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("bpftrace did not finish")
	}
	libs := map[string]string{"strerror": "bpf/strings.bpf.c", "signal_name": "bpf/strings.bpf.c", "syscall_name": "bpf/syscalls.bpf.c"}
	loaded := map[string]*clink.Library{}
	compared := 0
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "|", 3)
		if len(parts) != 3 {
			continue
		}
		macro, want := parts[0], parts[2]
		n, err := strconv.Atoi(parts[1])
		if err != nil || libs[macro] == "" {
			continue
		}
		lib := loaded[libs[macro]]
		if lib == nil {
			lib = library(t, libs[macro], fmt.Sprintf("sc%d", len(loaded)))
			loaded[libs[macro]] = lib
		}
		got := fillString(t, lib, "__bt_"+macro, int32(n))
		if got != want {
			// bpftrace may know system calls newer than the table bt
			// was generated with; anything else is a difference.
			if macro == "syscall_name" && got == "Unknown syscall" && n > 400 {
				t.Logf("syscall %d: bpftrace knows %q, bt's table does not yet", n, want)
				continue
			}
			t.Errorf("%s(%d) = %q, bpftrace says %q", macro, n, got, want)
		}
		compared++
	}
	if compared < 600 {
		t.Errorf("only %d values compared", compared)
	}
}
