package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

func writeScripts(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// needKernelBTF skips tests that check against the running kernel.
func needKernelBTF(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("no kernel BTF:", err)
	}
}

// testBTF writes a small kernel's BTF, built with cilium's btf.Builder:
// vfs_read and vfs_write with their prototypes, a task_struct, and a
// function with too many parameters for fentry.
func testBTF(t *testing.T) string {
	t.Helper()
	intT := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	uintT := &btf.Int{Name: "unsigned int", Size: 4}
	charT := &btf.Int{Name: "char", Size: 1, Encoding: btf.Char}
	ulongT := &btf.Int{Name: "unsigned long", Size: 8}
	longT := &btf.Int{Name: "long", Size: 8, Encoding: btf.Signed}
	sizeT := &btf.Typedef{Name: "size_t", Type: ulongT}
	ssizeT := &btf.Typedef{Name: "ssize_t", Type: longT}
	loffT := &btf.Typedef{Name: "loff_t", Type: &btf.Int{Name: "long long", Size: 8, Encoding: btf.Signed}}
	file := &btf.Struct{Name: "file", Size: 8, Members: []btf.Member{
		{Name: "f_flags", Type: uintT, Offset: 0},
		{Name: "f_mode", Type: uintT, Offset: 32},
	}}
	task := &btf.Struct{Name: "task_struct", Size: 24, Members: []btf.Member{
		{Name: "pid", Type: &btf.Typedef{Name: "pid_t", Type: intT}, Offset: 0},
		{Name: "comm", Type: &btf.Array{Index: intT, Type: charT, Nelems: 16}, Offset: 32},
	}}
	fn := func(name string, ret btf.Type, params ...btf.FuncParam) *btf.Func {
		return &btf.Func{Name: name, Linkage: btf.GlobalFunc, Type: &btf.FuncProto{Return: ret, Params: params}}
	}
	p := func(name string, t btf.Type) btf.FuncParam { return btf.FuncParam{Name: name, Type: t} }
	rw := []btf.FuncParam{p("file", &btf.Pointer{Target: file}), p("buf", &btf.Pointer{Target: charT}), p("count", sizeT), p("pos", &btf.Pointer{Target: loffT})}
	many := []btf.FuncParam{p("a", intT), p("b", intT), p("c", intT), p("d", intT), p("e", intT), p("f", intT), p("g", intT)}
	b, err := btf.NewBuilder([]btf.Type{
		task,
		fn("vfs_read", ssizeT, rw...),
		fn("vfs_write", ssizeT, rw...),
		fn("seven_args", intT, many...),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kernel.btf")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	// Keep the index this BTF makes out of the user's cache.
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	return path
}

func TestCheckClean(t *testing.T) {
	dir := writeScripts(t, map[string]string{"ok.bt": "kprobe:vfs_read /pid > 0/ { @[comm] = count(); }\n"})
	for _, args := range [][]string{
		{"check", "--no-kernel", filepath.Join(dir, "ok.bt")},
		{"check", "--syntax-only", filepath.Join(dir, "ok.bt")},
		{"check", "--no-kernel", dir},
	} {
		code, out, errOut := run(t, "", args...)
		if code != exitOK || out != "" || errOut != "" {
			t.Errorf("%v: code %d, out %q, err %q", args, code, out, errOut)
		}
	}
	t.Run("kernel", func(t *testing.T) {
		needKernelBTF(t)
		code, out, errOut := run(t, "", "check", filepath.Join(dir, "ok.bt"))
		if code != exitOK || out != "" || errOut != "" {
			t.Errorf("code %d, out %q, err %q", code, out, errOut)
		}
	})
}

func TestCheckSyntaxErrors(t *testing.T) {
	dir := writeScripts(t, map[string]string{
		"bad.bt": "begin {\n\tprint(1) print(2);\n}\n",
		"ok.bt":  "end { }\n",
	})
	bad := filepath.Join(dir, "bad.bt")
	for _, mode := range []string{"--syntax-only", "--no-kernel"} {
		code, out, errOut := run(t, "", "check", mode, bad, filepath.Join(dir, "ok.bt"))
		if code != exitFindings || out != "" {
			t.Fatalf("%s: code %d out %q", mode, code, out)
		}
		want := bad + ":2:11: error[expected-token]: expected ';' after expression, found 'print'\n" +
			" 2 | \tprint(1) print(2);\n" +
			"   | \t         ^~~~~\n" +
			"1 error, 0 warnings in 2 files\n"
		if errOut != want {
			t.Errorf("%s: stderr:\n%s\nwant:\n%s", mode, errOut, want)
		}
		if strings.Contains(errOut, "\x1b[") {
			t.Error("colour in non-terminal output with --color=auto")
		}
	}
	// -q leaves the summary out.
	if _, _, errOut := run(t, "", "check", "-q", "--no-kernel", bad); strings.Contains(errOut, "1 error") {
		t.Errorf("-q: %q", errOut)
	}
}

func TestCheckDir(t *testing.T) {
	dir := writeScripts(t, map[string]string{
		"a.bt":              "begin { $x = ; }\n",
		"sub/b.bt":          "end { $y = ; }\n",
		"sub/notes.txt":     "begin { $z = ; }\n",
		".hidden/c.bt":      "begin { $w = ; }\n",
		"sub/deeper/ok.bt":  "begin { }\n",
		"sub/deeper/lib.bt": "macro one() { 1 }\n",
	})
	code, _, errOut := run(t, "", "check", "--no-kernel", dir)
	if code != exitFindings {
		t.Fatalf("code %d", code)
	}
	for _, want := range []string{"a.bt:1:14", filepath.Join("sub", "b.bt") + ":1:12", "2 errors, 0 warnings in 4 files"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("missing %q in:\n%s", want, errOut)
		}
	}
	for _, not := range []string{"notes.txt", ".hidden"} {
		if strings.Contains(errOut, not) {
			t.Errorf("%s checked:\n%s", not, errOut)
		}
	}
}

func TestCheckStdin(t *testing.T) {
	code, _, errOut := run(t, "begin { $x = 08; }", "check", "--no-kernel", "-")
	if code != exitFindings || !strings.HasPrefix(errOut, "<stdin>:1:14: error[bad-integer]: invalid digit '8' in octal literal 08") {
		t.Errorf("code %d err %q", code, errOut)
	}
	code, _, errOut = run(t, "begin { }", "check", "--no-kernel")
	if code != exitOK || errOut != "" {
		t.Errorf("no args reads stdin: code %d err %q", code, errOut)
	}
	// Type errors too, not only syntax.
	code, _, errOut = run(t, "begin { @x = 1; @x = \"s\"; }", "check", "--no-kernel", "-")
	if code != exitFindings || !strings.Contains(errOut, "<stdin>:1:") || !strings.Contains(errOut, "error[map-type-conflict]") {
		t.Errorf("type error on stdin: code %d err %q", code, errOut)
	}
}

func TestCheckColor(t *testing.T) {
	code, _, errOut := run(t, "k:f { $x = ; }", "check", "--color=always", "--no-kernel", "-")
	if code != exitFindings || !strings.Contains(errOut, "\x1b[1;31merror[syntax]:") {
		t.Errorf("--color=always: code %d err %q", code, errOut)
	}
	code, _, errOut = run(t, "k:f { $x = ; }", "check", "--color=never", "--no-kernel", "-")
	if code != exitFindings || strings.Contains(errOut, "\x1b[") {
		t.Errorf("--color=never: code %d err %q", code, errOut)
	}
	code, _, errOut = run(t, "", "check", "--color=sometimes", "-")
	if code != exitUsage || !strings.Contains(errOut, "invalid --color") {
		t.Errorf("bad --color: code %d err %q", code, errOut)
	}
}

func TestCheckUsage(t *testing.T) {
	code, _, errOut := run(t, "", "check", "--no-kernel", filepath.Join(t.TempDir(), "missing.bt"))
	if code != exitUsage || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: code %d err %q", code, errOut)
	}
	if code, _, _ = run(t, "", "check", "--no-such-flag"); code != exitUsage {
		t.Errorf("bad flag: code %d", code)
	}
	if code, _, errOut = run(t, "begin { }", "check", "--format=xml", "-"); code != exitUsage || !strings.Contains(errOut, "invalid --format") {
		t.Errorf("bad format: code %d err %q", code, errOut)
	}
	if code, _, errOut = run(t, "begin { }", "check", "--btf=x", "--no-kernel", "-"); code != exitUsage || !strings.Contains(errOut, "exclude") {
		t.Errorf("--btf with --no-kernel: code %d err %q", code, errOut)
	}
	// An unreadable file outranks findings in other files.
	dir := writeScripts(t, map[string]string{"bad.bt": "begin { ( }\n"})
	code, _, _ = run(t, "", "check", "--no-kernel", filepath.Join(dir, "bad.bt"), filepath.Join(dir, "nope.bt"))
	if code != exitUsage {
		t.Errorf("mixed: code %d, want %d", code, exitUsage)
	}
	// A BTF file that is not BTF is an environment error.
	notBTF := filepath.Join(dir, "not.btf")
	os.WriteFile(notBTF, []byte("not BTF at all"), 0o644)
	code, _, errOut = run(t, "begin { }", "check", "--btf", notBTF, "-")
	if code != exitUsage || !strings.Contains(errOut, "cannot read BTF from "+notBTF) {
		t.Errorf("bad BTF: code %d err %q", code, errOut)
	}
}

func TestCheckWerror(t *testing.T) {
	src := "BEGIN { }\n" // legacy-begin: a warning
	code, _, errOut := run(t, src, "check", "--no-kernel", "-")
	if code != exitOK || !strings.Contains(errOut, "warning[legacy-begin]") || !strings.Contains(errOut, "0 errors, 1 warning in 1 file") {
		t.Errorf("warning: code %d err %q", code, errOut)
	}
	if code, _, _ = run(t, src, "check", "--no-kernel", "--werror", "-"); code != exitFindings {
		t.Errorf("--werror: code %d", code)
	}
}

func TestCheckUnsafe(t *testing.T) {
	src := "begin { system(\"true\"); }\n"
	code, _, errOut := run(t, src, "check", "--no-kernel", "-")
	if code != exitFindings || !strings.Contains(errOut, "error[unsafe-builtin]") {
		t.Errorf("without --unsafe: code %d err %q", code, errOut)
	}
	code, _, errOut = run(t, src, "check", "--no-kernel", "--unsafe", "-")
	if code != exitOK || strings.Contains(errOut, "unsafe-builtin") {
		t.Errorf("with --unsafe: code %d err %q", code, errOut)
	}
}

// fmtScript has one error (a map typed two ways) and one warning.
const fmtScript = "BEGIN { @x = 1; @x = \"s\"; }\n"

func TestCheckFormatJSON(t *testing.T) {
	code, out, errOut := run(t, fmtScript, "check", "--no-kernel", "--format=json", "-")
	if code != exitFindings || errOut != "" {
		t.Fatalf("code %d err %q", code, errOut)
	}
	var got struct {
		Diagnostics []struct {
			Severity string `json:"severity"`
			Code     string `json:"code"`
			Message  string `json:"message"`
			Range    struct {
				File  string `json:"file"`
				Start struct{ Line, Column int }
			} `json:"range"`
		} `json:"diagnostics"`
		Errors, Warnings int
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if got.Errors != 1 || got.Warnings != 1 || len(got.Diagnostics) != 2 {
		t.Fatalf("%+v", got)
	}
	w, e := got.Diagnostics[0], got.Diagnostics[1]
	if w.Code != "legacy-begin" || w.Severity != "warning" || w.Range.File != "<stdin>" || w.Range.Start.Line != 1 || w.Range.Start.Column != 1 {
		t.Errorf("warning %+v", w)
	}
	if e.Code != "map-type-conflict" || e.Severity != "error" || e.Range.Start.Column != 17 {
		t.Errorf("error %+v", e)
	}
}

func TestCheckFormatSARIF(t *testing.T) {
	code, out, _ := run(t, fmtScript, "check", "--no-kernel", "--format=sarif", "-")
	if code != exitFindings {
		t.Fatalf("code %d", code)
	}
	var got struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID string `json:"ruleId"`
				Level  string `json:"level"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if got.Version != "2.1.0" || len(got.Runs) != 1 || got.Runs[0].Tool.Driver.Name != "bt" {
		t.Fatalf("%+v", got)
	}
	res := got.Runs[0].Results
	if len(res) != 2 || res[0].RuleID != "legacy-begin" || res[0].Level != "warning" || res[1].RuleID != "map-type-conflict" || res[1].Level != "error" {
		t.Errorf("results %+v", res)
	}
}

func TestCheckFormatGitHub(t *testing.T) {
	dir := writeScripts(t, map[string]string{"x.bt": fmtScript})
	path := filepath.Join(dir, "x.bt")
	code, out, errOut := run(t, "", "check", "--no-kernel", "--format=github", path)
	if code != exitFindings || errOut != "" {
		t.Fatalf("code %d err %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%q", out)
	}
	if !regexp.MustCompile(`^::warning file=[^,]*x\.bt,line=1,col=1,.*title=legacy-begin::`).MatchString(lines[0]) {
		t.Errorf("warning line %q", lines[0])
	}
	if !regexp.MustCompile(`^::error file=[^,]*x\.bt,line=1,col=17,.*title=map-type-conflict::`).MatchString(lines[1]) {
		t.Errorf("error line %q", lines[1])
	}
}

// A generated BTF file stands for a kernel: probes and args are checked
// against it, without root, tracefs or kallsyms.
func TestCheckBTFFile(t *testing.T) {
	btfFile := testBTF(t)
	dir := writeScripts(t, map[string]string{
		"ok.bt":     "fexit:vfs_read { @bytes[args.file->f_flags] = sum(retval); }\nfentry:vfs_write { @[args.count] = count(); }\n",
		"typo.bt":   "fentry:vfs_raed { }\n",
		"field.bt":  "fentry:vfs_read { $c = args.cnt; }\n",
		"seven.bt":  "fentry:seven_args { }\n",
		"struct.bt": "kprobe:vfs_read { $t = curtask; $p = $t->pid; $n = $t->nosuch; }\n",
	})
	check := func(name string) (int, string) {
		code, _, errOut := run(t, "", "check", "--btf", btfFile, filepath.Join(dir, name))
		return code, errOut
	}
	if code, errOut := check("ok.bt"); code != exitOK || errOut != "" {
		t.Errorf("ok.bt: code %d err %q", code, errOut)
	}
	code, errOut := check("typo.bt")
	want := filepath.Join(dir, "typo.bt") + ":1:8: error[probe-not-found]: kernel function vfs_raed does not exist in BTF file " + btfFile
	if code != exitFindings || !strings.HasPrefix(errOut, want) || !strings.Contains(errOut, "did you mean fentry:vfs_read?") {
		t.Errorf("typo.bt: code %d err %q", code, errOut)
	}
	if code, errOut := check("field.bt"); code != exitFindings || !strings.Contains(errOut, "error[no-such-field]") || !strings.Contains(errOut, "cnt") {
		t.Errorf("field.bt: code %d err %q", code, errOut)
	}
	if code, errOut := check("seven.bt"); code != exitFindings || !strings.Contains(errOut, "error[probe-not-attachable]: cannot attach fentry to seven_args: it has 7 parameters") {
		t.Errorf("seven.bt: code %d err %q", code, errOut)
	}
	if code, errOut := check("struct.bt"); code != exitFindings || !strings.Contains(errOut, "error[no-such-field]: struct task_struct has no field nosuch") || !strings.Contains(errOut, "1 error, 0 warnings") {
		t.Errorf("struct.bt: code %d err %q", code, errOut)
	}
	// The same scripts without a kernel: nothing kernel-dependent is
	// reported.
	code, _, errOut = run(t, "", "check", "--no-kernel", filepath.Join(dir, "typo.bt"), filepath.Join(dir, "seven.bt"))
	if code != exitOK || errOut != "" {
		t.Errorf("--no-kernel: code %d err %q", code, errOut)
	}
}

func TestCheckRunningKernel(t *testing.T) {
	needKernelBTF(t)
	code, _, errOut := run(t, "tracepoint:sched:sched_swich { }", "check", "-")
	if code != exitFindings || !strings.Contains(errOut, "<stdin>:1:18: error[probe-not-found]: tracepoint sched:sched_swich does not exist") ||
		!strings.Contains(errOut, "did you mean tracepoint:sched:sched_switch?") {
		t.Errorf("code %d err %q", code, errOut)
	}
	code, _, errOut = run(t, "tracepoint:sched:sched_switch { @[args.next_comm] = count(); }", "check", "-")
	if code != exitOK || errOut != "" {
		t.Errorf("clean: code %d err %q", code, errOut)
	}
}

func TestCheckImports(t *testing.T) {
	dir := writeScripts(t, map[string]string{
		"main.bt":        "import \"lib/helpers.bt\";\nimport \"lib/defs.h\";\nbegin { @[double(LIMIT)] = count(); }\n",
		"lib/helpers.bt": "macro double(x) { x * 2 }\n",
		"lib/defs.h":     "#define LIMIT 21\n",
		"broken.bt":      "import \"lib/bad.bt\";\nimport \"nope.bt\";\nbegin { }\n",
		"lib/bad.bt":     "macro broken( { }\n",
	})
	code, _, errOut := run(t, "", "check", "--no-kernel", filepath.Join(dir, "main.bt"))
	if code != exitOK || errOut != "" {
		t.Errorf("main.bt: code %d err %q", code, errOut)
	}
	code, _, errOut = run(t, "", "check", "--no-kernel", filepath.Join(dir, "broken.bt"))
	if code != exitFindings {
		t.Fatalf("broken.bt: code %d err %q", code, errOut)
	}
	// The syntax error is reported in the imported file, the missing
	// import at the import.
	if !strings.Contains(errOut, filepath.Join(dir, "lib", "bad.bt")+":1:") {
		t.Errorf("error in the import not positioned there:\n%s", errOut)
	}
	if !strings.Contains(errOut, filepath.Join(dir, "broken.bt")+":2:8: error[import-failed]") {
		t.Errorf("missing import:\n%s", errOut)
	}
}

func TestCheckHelp(t *testing.T) {
	_, out, _ := run(t, "", "check", "--help")
	for _, flag := range []string{"--syntax-only", "--btf", "--no-kernel", "--unsafe", "--format", "--color", "--werror", "--quiet"} {
		if !strings.Contains(out, flag) {
			t.Errorf("help lacks %s:\n%s", flag, out)
		}
	}
}

func TestCheckPositionalArgs(t *testing.T) {
	src := "begin { unroll($1) { printf(\"%s\\n\", str($2)); } }\n"
	if code, _, errOut := run(t, src, "check", "--no-kernel", "-"); code != exitOK {
		t.Errorf("without values: code %d err %q", code, errOut)
	}
	if code, _, errOut := run(t, src, "check", "--no-kernel", "-", "--", "4", "eth0"); code != exitOK {
		t.Errorf("-- 4 eth0: code %d err %q", code, errOut)
	}
	code, _, errOut := run(t, src, "check", "--no-kernel", "-", "--", "1000")
	if code != exitFindings || !strings.Contains(errOut, "error[invalid-unroll-count]") {
		t.Errorf("-- 1000: code %d err %q", code, errOut)
	}
}
