package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMissingProbeRules runs scripts whose attach points name nothing
// through the drop-in: the missing_probes config decides between an
// error, a warning and nothing, a probe left empty is reported or
// removed, and kprobe functions are judged by the traceable list
// (--traceable-functions). None of them loads a program.
func TestMissingProbeRules(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("needs the running kernel's BTF")
	}
	if _, err := os.Stat("/sys/kernel/tracing/events/syscalls"); err != nil {
		t.Skip("needs tracefs's syscall tracepoints")
	}
	dir := t.TempDir()
	list := filepath.Join(dir, "traceable")
	if err := os.WriteFile(list, []byte("vfs_write\nfoo_bar [some_mod]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The warnings of a script without errors are on standard output, as
	// bpftrace prints them.
	wantOut := map[string][]string{
		"warn": {"No matches for tracepoint syscalls:nonsense. Skipping.", "No matches for tracepoint syscalls:nonsense2. Skipping.",
			"Probe has no valid attach points. It is being removed which may cause issues with program behavior."},
	}
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		out      string
		want     []string // in stderr
		wantNone []string // not in stderr
	}{
		{"error default", []string{"-e", "t:syscalls:sys_enter_read, t:syscalls:nonsense { exit(); }"}, 1, "",
			[]string{"No matches for tracepoint syscalls:nonsense."}, []string{"probe-not-found", "Probe has no valid"}},
		{"warn", []string{"--dry-run", "-e", "config = { missing_probes = \"warn\" } t:syscalls:nonsense { exit(); } t:syscalls:nonsense2 { exit(); }"}, 1, "No probes to attach",
			nil, []string{"No matches"}},
		{"ignore", []string{"-e", "config = { missing_probes = ignore } t:syscalls:nonsense { exit(); }"}, 1, "No probes to attach",
			nil, []string{"No matches", "Probe has no valid"}},
		{"wildcard silent", []string{"-e", "t:syscalls:nonsense_* { exit(); }"}, 1, "",
			[]string{"Probe has no valid attach points. If this is expected, set the 'missing_probes' config variable to 'warn'."}, []string{"No matches"}},
		{"not traceable", []string{"--traceable-functions", list, "-e", "kprobe:vfs_read { exit(); }"}, 1, "",
			[]string{`vfs_read is not traceable (either non-existing, inlined, or marked as "notrace"); attaching to it will likely fail`, "No matches for kprobe vfs_read."}, nil},
		{"kprobe wildcard keeps traceable", []string{"--traceable-functions", list, "-e", "kprobe:vfs_re* { exit(); }"}, 1, "",
			[]string{"Probe has no valid attach points."}, []string{"not traceable"}},
		{"module not loaded", []string{"--traceable-functions", list, "-e", "kprobe:no_such_module_x:vfs_write { exit(); }"}, 1, "",
			[]string{"specified module no_such_module_x in probe kprobe:no_such_module_x:vfs_write is not loaded."}, nil},
		{"raw tracepoint without module is a search", []string{"-e", "rawtracepoint:nonsense_event { exit(); }"}, 1, "",
			[]string{"Probe has no valid attach points."}, []string{"No matches"}},
		{"raw tracepoint with module", []string{"-e", "rawtracepoint:nonsense_mod:sys_exit { exit(); }"}, 1, "",
			[]string{"No matches for rawtracepoint nonsense_mod:sys_exit."}, nil},
	} {
		code, out, errOut := runBpftrace(t, "", tc.args...)
		ok := code == tc.code && strings.Contains(out, tc.out)
		for _, w := range tc.want {
			ok = ok && strings.Contains(errOut, w)
		}
		for _, w := range tc.wantNone {
			ok = ok && !strings.Contains(errOut, w)
		}
		for _, w := range wantOut[tc.name] {
			ok = ok && strings.Contains(out, w)
		}
		if !ok {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q and %q, stderr with %q and without %q", tc.name, code, out, errOut, tc.code, tc.out, wantOut[tc.name], tc.want, tc.wantNone)
		}
	}
}
