package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bt-tools/bt/analysis/cfront"
)

func TestBpftraceArgsParsing(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want func(a *bpftraceArgs) bool
	}{
		// Grouped short options, the last one taking the next word.
		{[]string{"-qe", "begin {}"}, func(a *bpftraceArgs) bool { return a.run.quiet && a.script == "begin {}" && a.haveScript }},
		// An argument attached to its short option.
		{[]string{"-p123", "-fjson", "x.bt"}, func(a *bpftraceArgs) bool {
			return a.pidStr == "123" && a.run.format == "json" && a.filename == "x.bt"
		}},
		// Long options with = and with the next word; unique prefixes.
		{[]string{"--output=o.txt", "--unsa", "--dry", "-e", "p"}, func(a *bpftraceArgs) bool {
			return a.run.outFile == "o.txt" && a.run.unsafe && a.run.dryRun
		}},
		{[]string{"--cmd", "ls -l", "-e", "p"}, func(a *bpftraceArgs) bool { return a.run.command == "ls -l" }},
		// Operands and options interleaved; after --, named parameters.
		{[]string{"x.bt", "1", "-q", "two", "--", "--n=3", "--flag", "4"}, func(a *bpftraceArgs) bool {
			return a.filename == "x.bt" && a.run.quiet &&
				reflect.DeepEqual(a.positional, []string{"1", "two", "4"}) &&
				reflect.DeepEqual(a.named, map[string]string{"n": "3", "flag": ""})
		}},
		// With -e every operand is a parameter.
		{[]string{"-e", "p", "a", "b"}, func(a *bpftraceArgs) bool {
			return a.filename == "" && reflect.DeepEqual(a.positional, []string{"a", "b"})
		}},
		// Bench and test mode: --mode bench or --bench, --mode test or
		// --test; the last --mode wins.
		{[]string{"--mode", "bench", "-e", "p"}, func(a *bpftraceArgs) bool { return a.run.bench && a.mode == "bench" }},
		{[]string{"--bench", "-e", "p"}, func(a *bpftraceArgs) bool { return a.run.bench }},
		{[]string{"--mode", "format", "--mode", "bench", "-e", "p"}, func(a *bpftraceArgs) bool { return a.run.bench && a.mode == "bench" }},
		{[]string{"--mode", "bench", "--mode", "format", "-e", "p"}, func(a *bpftraceArgs) bool { return a.mode == "format" && !a.run.bench }},
		{[]string{"--test", "-e", "p"}, func(a *bpftraceArgs) bool { return a.run.test && !a.run.bench && a.mode == "test" }},
		{[]string{"--mode", "test", "--mode", "bench", "-e", "p"}, func(a *bpftraceArgs) bool { return a.run.bench && !a.run.test }},
		{[]string{"--test", "--mode=codegen", "-e", "p"}, func(a *bpftraceArgs) bool { return a.mode == "codegen" && !a.run.test }},
		{[]string{"--mode", "compiler-bench", "-e", "p"}, func(a *bpftraceArgs) bool { return a.mode == "compiler-bench" }},
		// The runtime suite's flags.
		{[]string{"--verify-llvm-ir", "-q", "-f", "json", "-e", "p"}, func(a *bpftraceArgs) bool {
			return a.run.format == "json" && a.run.quiet
		}},
		{[]string{"-lv", "tracepoint:syscalls:*"}, func(a *bpftraceArgs) bool {
			return a.listing && a.verbose && reflect.DeepEqual(a.positional, []string{"tracepoint:syscalls:*"})
		}},
		{[]string{"-I", "/inc", "--include", "stdint.h", "-d", "dis", "-e", "p"}, func(a *bpftraceArgs) bool {
			return reflect.DeepEqual(a.includeDirs, []string{"/inc"}) && reflect.DeepEqual(a.includeFiles, []string{"stdint.h"}) &&
				reflect.DeepEqual(a.debugStages, []string{"dis"})
		}},
		// --debuginfo is repeatable and takes colon-separated lists.
		{[]string{"--debuginfo", "./a:/b", "--debuginfo=c", "-e", "p"}, func(a *bpftraceArgs) bool {
			return reflect.DeepEqual(a.debugInfo, []string{"./a", "/b", "c"})
		}},
		{[]string{"--no-warnings", "-B", "none", "-e", "p"}, func(a *bpftraceArgs) bool {
			return a.run.noWarnings && a.buffering == "none"
		}},
	} {
		a, err := parseBpftraceArgs(tc.args)
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if !tc.want(a) {
			t.Errorf("%q: parsed as %+v", tc.args, a)
		}
	}
}

func TestBpftraceArgsErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-x"}, "invalid option -- 'x'"},
		{[]string{"--frobnicate"}, "unrecognized option '--frobnicate'"},
		{[]string{"--d", "-e", "p"}, "is ambiguous"}, // --debug, --dry-run, --debuginfo
		{[]string{"-e"}, "option requires an argument -- 'e'"},
		{[]string{"--output"}, "option '--output' requires an argument"},
		{[]string{"--quiet=1"}, "doesn't allow an argument"},
		{[]string{"-kk", "-e", "p"}, "-kk has been deprecated"},
		{[]string{"-k", "--no-warnings"}, "conflicts with --no-warnings"},
		{[]string{"-B", "half"}, "-B must be either"},
		{[]string{"-d", "nonsense"}, "invalid option for -d: nonsense"},
		{[]string{"--mode", "x"}, "--mode can only be"},
		{[]string{"--mode", "bench", "--bench"}, "--bench conflicts with existing --mode"},
		{[]string{"--bench", "--fmt"}, "--fmt conflicts with existing --mode"},
		{[]string{"--fmt", "--bench"}, "--bench conflicts with existing --mode"},
		{[]string{"--mode", "codegen", "--test"}, "--test conflicts with existing --mode"},
		{[]string{"--test", "--test"}, "--test conflicts with existing --mode"},
		{[]string{"--emit-llvm", "f"}, "no IR"},
		{[]string{"--no-feature", "fentry"}, "--no-feature can only have values"},
		{[]string{"--probe-filter", "[x", "-e", "p"}, "Invalid --probe-filter regex"},
	} {
		_, err := parseBpftraceArgs(tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestBpftraceUint(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		err  string
	}{
		{"1234", 1234, ""},
		{"0x10", 16, ""},
		{"010", 8, ""},
		{"0b101", 5, ""},
		{"12u", 12, ""},
		{"a1111", 0, "invalid integer: a1111"},
		{"not_a_pid", 0, "invalid integer: not_a_pid"},
		{"111a1", 0, "invalid trailing bytes: 111a1"},
		{"99999999999999999999999", 0, "out of range"},
	} {
		n, err := parseBpftraceUint(tc.in)
		switch {
		case tc.err == "" && (err != nil || n != tc.want):
			t.Errorf("%s: %d, %v; want %d", tc.in, n, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
		}
	}
}

// runBpftrace runs the drop-in in process.
func runBpftrace(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := bpftraceMain(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestBpftraceMessagesAndExitCodes(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args     []string
		code     int
		out, err string
	}{
		{nil, 1, "", "USAGE:"},
		{[]string{"--version"}, 0, "bpftrace v0.26.0", ""},
		{[]string{"-V"}, 0, "bpftrace v0.26.0", ""},
		{[]string{"--help"}, 0, "--verify-llvm-ir", ""},
		{[]string{"-x"}, 1, "", "bpftrace: invalid option -- 'x'\n"},
		{[]string{"-q"}, 1, "", "ERROR: USAGE: filename or -e 'program' required.\n"},
		{[]string{filepath.Join(dir, "none.bt")}, 1, "", "ERROR: failed to open file '" + filepath.Join(dir, "none.bt") + "': No such file or directory\n"},
		{[]string{"-c", "ls", "-p", "1", "-e", "begin {}"}, 1, "", "ERROR: USAGE: Cannot use both -c and -p.\n"},
		{[]string{"-p", "a1111", "-e", "begin {}"}, 1, "", "ERROR: Failed to parse pid: invalid integer: a1111\n"},
		{[]string{"-p", "111a1", "-e", "begin {}"}, 1, "", "ERROR: Failed to parse pid: invalid trailing bytes: 111a1\n"},
		{[]string{"-p", "5000000", "-e", "begin {}"}, 1, "", "ERROR: Pid out of range: 5000000\n"},
		{[]string{"-f", "yaml", "-e", "begin {}"}, 1, "", "ERROR: Invalid output format \"yaml\"\nValid formats: 'text', 'json'\n"},
		// Named parameters the script does not read; -- --help.
		{[]string{"-e", `begin { print(getopt("aa", 1, "the aa")); print(getopt("bb")); }`, "--", "--help"}, 1, "", "HINT: expected program options:\n--aa: the aa\n--bb\n"},
		{[]string{"-e", `begin { print(getopt("aa", 1)); }`, "--", "--zz=2"}, 1, "", "ERROR: unexpected program command line options: --zz\nHINT: expected program options: --aa\n"},
		{[]string{"-e", `begin { }`, "--", "--zz"}, 1, "", "HINT: no custom program options defined.\n"},
		// Named parameters' values must fit their options' types.
		{[]string{"-e", `begin { print(getopt("aa", 10)); }`, "--", "--aa=False"}, 1, "", "ERROR: program command line option --aa invalid integer (value: False)\n"},
		{[]string{"-e", `begin { print(getopt("aa", true)); }`, "--", "--aa=maybe"}, 1, "", "ERROR: program command line option --aa expects a boolean (e.g. 'true') (value: maybe)\n"},
		{[]string{"-e", `begin { print(getopt("aa", -1)); }`, "--", "--aa"}, 1, "", "ERROR: program command line option --aa expects an integer (value: true)\n"},
		// Errors in the script: bt's diagnostics, exit 1 as bpftrace.
		{[]string{"-e", "begin { @x = 1 - \"s\"; }"}, 1, "", "stdin:1:"},
	} {
		code, out, errOut := runBpftrace(t, "", tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.err) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d, %q, %q", tc.args, code, out, errOut, tc.code, tc.out, tc.err)
		}
	}
}

func TestBpftraceFmt(t *testing.T) {
	const src = "kprobe:f{@x[pid]=count()}"
	code, out, errOut := runBpftrace(t, "", "--fmt", "-e", src)
	want, _ := runFmtString(t, src)
	if code != 0 || out != want {
		t.Fatalf("--fmt: exit %d, %q (stderr %q); want bt fmt's %q", code, out, errOut, want)
	}
	// -o writes the file instead; stdin as "-".
	file := filepath.Join(t.TempDir(), "out.bt")
	if code, out, _ := runBpftrace(t, src, "--fmt", "-o", file, "-"); code != 0 || out != "" {
		t.Fatalf("--fmt -o: exit %d, stdout %q", code, out)
	}
	if got, _ := os.ReadFile(file); string(got) != want {
		t.Errorf("-o file holds %q, want %q", got, want)
	}
	if code, _, errOut := runBpftrace(t, "", "--fmt", "-e", "kprobe:f {"); code != 1 || errOut == "" {
		t.Errorf("--fmt of a broken script: exit %d, stderr %q", code, errOut)
	}
}

// runFmtString is what bt fmt prints for src.
func runFmtString(t *testing.T, src string) (string, int) {
	t.Helper()
	code, out, _ := run(t, src, "fmt", "-")
	return out, code
}

func TestBpftraceSubcommandAndLink(t *testing.T) {
	// bt bpftrace ARGS is the drop-in.
	if code, out, _ := run(t, "", "bpftrace", "--version"); code != 0 || !strings.HasPrefix(out, "bpftrace v0.26.0") {
		t.Errorf("bt bpftrace --version: exit %d, %q", code, out)
	}
	if code, _, errOut := run(t, "", "bpftrace", "-q"); code != 1 || !strings.Contains(errOut, "filename or -e") {
		t.Errorf("bt bpftrace -q: exit %d, %q", code, errOut)
	}
	// Through the link bt install-link makes, argv[0] selects it.
	dir := t.TempDir()
	bin := btBinary(t)
	if code, out, errOut := run(t, "", "install-link", "--help"); code != 0 || errOut != "" || !strings.Contains(out, "install-link DIR") {
		t.Fatalf("install-link --help: %d %q %q", code, out, errOut)
	}
	var out, errb bytes.Buffer
	if err := installLink(&out, &errb, bin, dir, false); err != nil {
		t.Fatalf("installLink: %v (%s)", err, errb.String())
	}
	link := filepath.Join(dir, "bpftrace")
	got, err := exec.Command(link, "--version").Output()
	if err != nil || !strings.HasPrefix(string(got), "bpftrace v0.26.0") {
		t.Errorf("%s --version: %q, %v", link, got, err)
	}
	// An unknown option exits 1 with getopt's message, as bpftrace.
	cmd := exec.Command(link, "--bogus")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "unrecognized option '--bogus'") {
		t.Errorf("--bogus: %v, stderr %q", err, stderr.String())
	}
	// Installing again is a no-op; a foreign file is kept without --force.
	if err := installLink(&out, &errb, bin, dir, false); err != nil {
		t.Errorf("second install-link: %v", err)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "bpftrace"), []byte("#!/bin/sh\n"), 0o755)
	if err := installLink(&out, &errb, bin, other, false); err == nil {
		t.Errorf("install-link replaced an existing bpftrace without --force")
	}
	if err := installLink(&out, &errb, bin, other, true); err != nil {
		t.Errorf("install-link --force: %v", err)
	}
	if cur, _ := os.Readlink(filepath.Join(other, "bpftrace")); cur != bin {
		t.Errorf("after --force the link points to %q", cur)
	}
}

func TestBpftraceInfo(t *testing.T) {
	needRootRun(t)
	code, out, errOut := runBpftrace(t, "", "--info")
	if code != 0 {
		t.Fatalf("--info: exit %d, %s", code, errOut)
	}
	// The lines tools grep, each a yes or no; bt never claims what it
	// does not implement (dpath: no path() yet), and says yes for what it
	// uses where this kernel (6.18) has it.
	for _, want := range []string{"btf: yes", "libdw (DWARF support): yes", "uprobe_multi: yes", "lookup_percpu_elem: yes", "dpath: no", "loop: "} {
		if !strings.Contains(out, want) {
			t.Errorf("--info lacks %q:\n%s", want, out)
		}
	}
}

func TestBpftraceListing(t *testing.T) {
	needRootRun(t)
	code, out, _ := runBpftrace(t, "", "-l", "-e", `interval:ms:100 { exit(); } tracepoint:syscalls:sys_enter_openat { }`)
	if code != 0 || out != "interval:ms:\ntracepoint:syscalls:sys_enter_openat\n" {
		t.Errorf("-l -e: exit %d, %q", code, out)
	}
	code, out, _ = runBpftrace(t, "", "-lv", "struct task_struct,tracepoint:syscalls:sys_enter_openat")
	if code != 0 || !strings.Contains(out, "vmlinux: struct task_struct {\n") || !strings.Contains(out, "tracepoint:syscalls:sys_enter_openat\n    ") {
		t.Errorf("-lv struct and probe: exit %d, %.300q", code, out)
	}
	// Nothing matching is an empty list, not an error.
	if code, out, _ = runBpftrace(t, "", "-l", "tracepoint:nosuchcategory_bt:*"); code != 0 || out != "" {
		t.Errorf("-l no match: exit %d, %q", code, out)
	}
}

// TestBpftraceNotifyAndExit runs the drop-in as a process, as the runtime
// suite's engine does: with __BPFTRACE_NOTIFY_PROBES_ATTACHED set, the
// notification line comes on stdout after attaching (and before the
// begin probe's output); -q silences "Attached N probes" only; exit()'s
// code is the exit status; -c's pid is cpid.
func TestBpftraceNotifyAndExit(t *testing.T) {
	needRootRun(t)
	bin := btBinary(t)
	dir := t.TempDir()
	link := filepath.Join(dir, "bpftrace")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	runLink := func(env []string, args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(link, args...)
		cmd.Env = append(os.Environ(), env...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Fatalf("%q did not end", args)
		}
		return o.String(), e.String(), cmd.ProcessState.ExitCode()
	}
	notify := []string{"__BPFTRACE_NOTIFY_PROBES_ATTACHED=1"}
	out, errOut, code := runLink(notify, "--verify-llvm-ir", "-e", `begin { printf("hello\n"); exit(3); }`)
	if code != 3 || !strings.HasPrefix(out, "__BPFTRACE_NOTIFY_PROBES_ATTACHED\nhello\n") || !strings.Contains(errOut, "Attached 1 probe\n") {
		t.Errorf("notify run: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, errOut, code = runLink(notify, "-q", "-e", `begin { exit(); }`)
	if code != 0 || !strings.HasPrefix(out, "__BPFTRACE_NOTIFY_PROBES_ATTACHED\n") || strings.Contains(errOut, "Attached") {
		t.Errorf("-q notify run: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, _, code = runLink(nil, "-q", "-e", `begin { exit(); }`)
	if code != 0 || strings.Contains(out, "NOTIFY") {
		t.Errorf("run without the variable printed %q (exit %d)", out, code)
	}
	// --probe-filter keeps the matching attach points, and begin/end.
	out, errOut, code = runLink(nil, "-q", "--probe-filter", "ms:(200|300)$", "-e",
		`begin { printf("b\n"); } interval:ms:100 { printf("bad\n"); exit(); } interval:ms:200 { printf("ok\n"); exit(); }`)
	if code != 0 || !strings.HasPrefix(out, "b\nok\n") || strings.Contains(out, "bad") {
		t.Errorf("--probe-filter: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if out, errOut, code = runLink(nil, "--probe-filter", "nomatch", "-e", `interval:ms:100 { exit(); }`); code != 1 || out != "No probes to attach\n" || errOut != "" {
		t.Errorf("--probe-filter matching nothing: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, errOut, code = runLink(nil, "-q", "-c", "/bin/sleep 0.2", "-e", `begin { printf("child %d\n", cpid); }`)
	var pid int
	if _, err := fmt.Sscanf(out, "child %d", &pid); err != nil || pid <= 0 || code != 0 {
		t.Errorf("-c cpid: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestBpftraceDiagnostics: the drop-in prints the script's diagnostics in
// bpftrace's layout, errors before warnings, the warnings bpftrace has
// too (not bt check's other lints), none of them with --no-warnings.
func TestBpftraceDiagnostics(t *testing.T) {
	const script = "let @a = hash(1); begin { @x = 1; @x = 1 / 2; 1 + 1; exit(); print(\"dead\"); @x = \"s\"; }"
	want := "stdin:1:77-85: ERROR: Type mismatch for @x: trying to assign value of type 'string[2]' when map already has a type 'int8'\n" +
		script + "\n" +
		"                                                                            ~~~~~~~~\n"
	code, _, errOut := runBpftrace(t, "", "-e", script)
	if code != 1 || !strings.HasPrefix(errOut, want) {
		t.Fatalf("exit %d, stderr:\n%s\nwant it to start with:\n%s", code, errOut, want)
	}
	for _, w := range []string{
		"\nstdin:1:1-18: WARNING: Unused map: @a\n",
		"\nstdin:1:62-75: WARNING: Unreachable statement.\n",
	} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
	// bt check's lints (a discarded value, signed division) stay out.
	if n := strings.Count(errOut, "WARNING:"); n != 2 {
		t.Errorf("%d warnings, want 2:\n%s", n, errOut)
	}
	_, _, quiet := runBpftrace(t, "", "--no-warnings", "-e", script)
	if strings.Contains(quiet, "WARNING") || !strings.HasPrefix(quiet, want) {
		t.Errorf("--no-warnings: stderr:\n%s", quiet)
	}
}

// TestBpftraceClangDiagnostics: clang's findings in the script's C are
// printed as bpftrace passes them on, placed in its definitions.h (one
// line of its own, then each C statement on a line of its own).
func TestBpftraceClangDiagnostics(t *testing.T) {
	_, _, errOut := runBpftrace(t, "", "-e", "#include <lol/no.h>\nbegin { }")
	if want := "definitions.h:2:10: fatal error: 'lol/no.h' file not found\n"; !strings.Contains(errOut, want) {
		t.Errorf("stderr:\n%s\nwant %q", errOut, want)
	}
	if cfront.FindClang() == "" {
		t.Skip("no clang: bt reads the script's C without it, and words its errors its own way")
	}
	_, _, errOut = runBpftrace(t, "", "-e", "struct foo { int x; }; struct foo2 { struct bar x; }\nbegin { }")
	want := "definitions.h:3:26: error: field has incomplete type 'struct bar'\n" +
		"definitions.h:3:22: note: forward declaration of 'struct bar'\n"
	if !strings.HasPrefix(errOut, want) {
		t.Errorf("stderr:\n%s\nwant it to start with:\n%s", errOut, want)
	}
	// Redefining a kernel struct: no type of the script's C comes from
	// BTF any more (bpftrace's rule), so thread_info is incomplete.
	_, _, errOut = runBpftrace(t, "", "-e", "struct task_struct { struct thread_info x; } begin { printf(\"%d\\n\", curtask.x.status); }")
	if want := "definitions.h:2:41: error: field has incomplete type 'struct thread_info'\n"; !strings.HasPrefix(errOut, want) {
		t.Errorf("stderr:\n%s\nwant it to start with %q", errOut, want)
	}
}
