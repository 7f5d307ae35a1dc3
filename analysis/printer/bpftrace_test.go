package printer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// bpftraceBin is a bpftrace with a formatter (0.25 or later).
func bpftraceBin(t *testing.T) string {
	bin := os.Getenv("BT_BPFTRACE_BIN")
	if bin == "" {
		bin = "/opt/ref/bin/bpftrace"
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no bpftrace with --fmt at %s (set BT_BPFTRACE_BIN): %v", bin, err)
	}
	probe := filepath.Join(t.TempDir(), "probe.bt")
	if err := os.WriteFile(probe, []byte("BEGIN { exit() }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "--fmt", probe).CombinedOutput(); err != nil {
		t.Skipf("%s --fmt does not work (bpftrace before 0.25?): %v: %s", bin, err, out)
	}
	return bin
}

// fmtRunner runs `bpftrace --fmt`, remembering results in the user's
// cache directory by binary and input (bpftrace takes about half a
// second to start, and does not run faster in parallel).
type fmtRunner struct {
	bin, cache, id string
}

func newFmtRunner(t *testing.T, bin string) *fmtRunner {
	r := &fmtRunner{bin: bin}
	if st, err := os.Stat(bin); err == nil {
		r.id = fmt.Sprintf("%s|%d|%d", bin, st.Size(), st.ModTime().UnixNano())
	}
	if dir, err := os.UserCacheDir(); err == nil {
		r.cache = filepath.Join(dir, "bt", "bpftrace-fmt")
		if err := os.MkdirAll(r.cache, 0o755); err != nil {
			r.cache = ""
		}
	}
	return r
}

// format returns bpftrace's output for src; ok is false when bpftrace
// cannot parse it.
func (r *fmtRunner) format(src []byte) (out []byte, ok bool, err error) {
	sum := sha256.Sum256(append([]byte(r.id+"\x00"), src...))
	key := hex.EncodeToString(sum[:])
	if r.cache != "" {
		if b, err := os.ReadFile(filepath.Join(r.cache, key)); err == nil && len(b) > 0 {
			return b[1:], b[0] == '1', nil
		}
	}
	tmp, err := os.CreateTemp("", "bt-fmt-*.bt")
	if err != nil {
		return nil, false, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(src); err != nil {
		return nil, false, err
	}
	tmp.Close()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(r.bin, "--fmt", tmp.Name())
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if _, isExit := runErr.(*exec.ExitError); runErr != nil && !isExit {
		return nil, false, runErr
	}
	ok = runErr == nil
	if r.cache != "" {
		flag := byte('0')
		if ok {
			flag = '1'
		}
		_ = os.WriteFile(filepath.Join(r.cache, key), append([]byte{flag}, stdout.Bytes()...), 0o644)
	}
	return stdout.Bytes(), ok, nil
}

// TestBpftraceAgreement formats every script of the corpus with this
// printer and with `bpftrace --fmt`. In compatibility mode (every
// deliberate difference switched off) the output must be identical for
// every script both can read; the normal output's agreement is reported.
func TestBpftraceAgreement(t *testing.T) {
	r := newFmtRunner(t, bpftraceBin(t))
	files := corpus(t)
	type result struct {
		out []byte
		ok  bool
		err error
	}
	results := make([]result, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.NumCPU())
	for i, path := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			src, err := os.ReadFile(path)
			if err != nil {
				results[i].err = err
				return
			}
			out, ok, err := r.format(src)
			results[i] = result{out, ok, err}
		}()
	}
	wg.Wait()
	compared, same, notBpftrace, notHere := 0, 0, 0, 0
	var differing []string
	for i, path := range files {
		res := results[i]
		if res.err != nil {
			t.Fatalf("%s: %v", path, res.err)
		}
		if !res.ok {
			notBpftrace++
			t.Logf("bpftrace cannot format %s", path)
			continue
		}
		src, _ := os.ReadFile(path)
		f, diags := parse(t, path, src)
		if diags.HasErrors() {
			notHere++
			t.Logf("bpftrace formats %s but it does not parse here:\n%s", path, render(diags))
			continue
		}
		compared++
		if compat := sprint(f, true); compat != string(res.out) {
			t.Errorf("%s: compatibility output differs from bpftrace --fmt:\n%s", path, lineDiff(string(res.out), compat))
		}
		f, _ = parse(t, path, src)
		if Sprint(f) == string(res.out) {
			same++
		} else {
			differing = append(differing, path)
		}
	}
	t.Logf("bpftrace --fmt agreement over %d scripts: %d identical; %d differ only by this printer's deliberate changes: %s",
		compared, same, len(differing), strings.Join(differing, ", "))
	t.Logf("%d scripts bpftrace cannot format, %d it formats that do not parse here", notBpftrace, notHere)
	if compared < 10 {
		t.Errorf("only %d scripts compared", compared)
	}
}

// TestDeviationsDifferFromBpftrace checks that each small case of
// TestDeviations really is a difference from bpftrace, and that the
// compatibility mode prints what bpftrace prints.
func TestDeviationsDifferFromBpftrace(t *testing.T) {
	r := newFmtRunner(t, bpftraceBin(t))
	for _, c := range deviationCases {
		want, ok, err := r.format([]byte(c.in))
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue // bpftrace cannot read it: a difference indeed
		}
		if string(want) == c.want {
			t.Errorf("%s: bpftrace prints the same; not a deviation", c.name)
		}
		f, _ := parse(t, c.name, []byte(c.in))
		if got := sprint(f, true); got != string(want) {
			t.Errorf("%s: compatibility output differs from bpftrace --fmt:\n%s", c.name, lineDiff(string(want), got))
		}
	}
}
