package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/codegen"
	"github.com/bt-tools/bt/tracer"
)

const logSizeScript = `begin { if (str($1) == str($2)) { printf("%s\n", str($1)); exit() } }`

var trimmedWarning = regexp.MustCompile(`(?m)^WARNING: Kernel log seems to be trimmed\. .* the current value of 2 bytes\. Or, add the configuration ` + "`config = \\{ log_size = N; \\}`" + ` to the script\.$`)

// TestBpftraceLogSize: with -v the verifier's log is on for every load
// and limited to log_size bytes (BPFTRACE_LOG_SIZE, else the script's
// config); a log that does not fit fails the load as in bpftrace, named
// as bpftrace names the program.
func TestBpftraceLogSize(t *testing.T) {
	needRootRun(t)
	t.Setenv("BPFTRACE_LOG_SIZE", "2")
	code, _, errOut := runBpftrace(t, "", "-v", "-e", logSizeScript, "hello", "hello")
	if code == 0 || !strings.Contains(errOut, "ERROR: Error loading BPF program for begin_1. Error code: -28 (No space left on device).\nKernel error log: \n") ||
		!trimmedWarning.MatchString(errOut) {
		t.Errorf("log_size 2 with -v: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runBpftrace(t, "", "-v", "-e", `interval:s:1 { exit() } begin { exit() }`)
	if code == 0 || !strings.Contains(errOut, "ERROR: Error loading BPF program for interval_s_1_1. Error code: -28") {
		t.Errorf("log_size 2, interval first: exit %d, stderr %q", code, errOut)
	}
	// Without -v a valid program loads without a log.
	code, out, errOut := runBpftrace(t, "", "-e", logSizeScript, "hello", "hello")
	if code != 0 || !strings.HasPrefix(out, "hello\n") {
		t.Errorf("log_size 2 without -v: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	t.Setenv("BPFTRACE_LOG_SIZE", "10000000")
	if code, out, errOut := runBpftrace(t, "", "-v", "-e", logSizeScript, "hello", "hello"); code != 0 || !strings.HasPrefix(out, "hello\n") {
		t.Errorf("log_size 10000000 with -v: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// The environment's value takes precedence over the config block's.
	if code, _, errOut := runBpftrace(t, "", "-v", "-e", `config = { log_size = 2 } begin { exit() }`); code != 0 {
		t.Errorf("environment 10000000, config 2: exit %d, stderr %q", code, errOut)
	}
	os.Unsetenv("BPFTRACE_LOG_SIZE") // t.Setenv restores it
	code, _, errOut = runBpftrace(t, "", "-v", "-e", `config = { log_size = 2 } begin { exit() }`)
	if code == 0 || !trimmedWarning.MatchString(errOut) {
		t.Errorf("config log_size 2 with -v: exit %d, stderr %q", code, errOut)
	}
}

// TestRenderLoadError: without the verifier's log requested, a failed
// load is a diagnostic, noting a log cut to log_size; with it, bpftrace's
// message with the whole log.
func TestRenderLoadError(t *testing.T) {
	obj := &codegen.Object{Spec: &ebpf.CollectionSpec{Programs: map[string]*ebpf.ProgramSpec{}}}
	ve := &ebpf.VerifierError{Cause: syscall.ENOSPC, Log: []string{"R5 !read_ok"}}
	le := &tracer.LoadError{Err: ve, Program: "bt_kprobe_0", Errno: syscall.ENOSPC, Log: "R5 !read_ok\n", LogSize: 12, Trimmed: true}

	var b bytes.Buffer
	renderLoadError(&b, obj, le, false, diag.TextOptions{})
	if s := b.String(); !strings.Contains(s, "R5 !read_ok") || !strings.Contains(s, "longer than log_size (12 bytes)") {
		t.Errorf("diagnostic:\n%s", s)
	}

	b.Reset()
	renderLoadError(&b, obj, le, true, diag.TextOptions{})
	want := "ERROR: Error loading BPF program for bt_kprobe_0. Error code: -28 (No space left on device).\nKernel error log: \nR5 !read_ok\n\n" +
		"WARNING: Kernel log seems to be trimmed. This may be due to buffer not being big enough, try increasing the BPFTRACE_LOG_SIZE environment variable beyond the current value of 12 bytes. Or, add the configuration `config = { log_size = N; }` to the script.\n"
	if b.String() != want {
		t.Errorf("with the log:\n%q\nwant\n%q", b.String(), want)
	}

	// A whole log (it ends with the verifier's statistics) of a
	// rejection: no warning.
	b.Reset()
	le = &tracer.LoadError{Err: ve, Program: "bt_kprobe_0", Errno: syscall.EACCES, Log: "R5 !read_ok\nprocessed 1 insns (limit 1000000)\n", LogSize: 1000000}
	renderLoadError(&b, obj, le, true, diag.TextOptions{})
	if s := b.String(); !strings.HasPrefix(s, "ERROR: Error loading BPF program for bt_kprobe_0. Error code: -13 (Permission denied).\n") || strings.Contains(s, "WARNING") {
		t.Errorf("rejection with the whole log:\n%s", s)
	}
}
