package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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

func TestCheckClean(t *testing.T) {
	dir := writeScripts(t, map[string]string{"ok.bt": "kprobe:vfs_read /pid > 0/ { @[comm] = count(); }\n"})
	for _, args := range [][]string{
		{"check", filepath.Join(dir, "ok.bt")},
		{"check", "--syntax-only", filepath.Join(dir, "ok.bt")},
		{"check", dir},
	} {
		code, out, errOut := run(t, "", args...)
		if code != exitOK || out != "" || errOut != "" {
			t.Errorf("%v: code %d, out %q, err %q", args, code, out, errOut)
		}
	}
}

func TestCheckErrors(t *testing.T) {
	dir := writeScripts(t, map[string]string{
		"bad.bt": "begin {\n\tprint(1) print(2);\n}\n",
		"ok.bt":  "end { }\n",
	})
	bad := filepath.Join(dir, "bad.bt")
	code, out, errOut := run(t, "", "check", "--syntax-only", bad, filepath.Join(dir, "ok.bt"))
	if code != exitFindings || out != "" {
		t.Fatalf("code %d out %q", code, out)
	}
	want := bad + ":2:11: error[expected-token]: expected ';' after expression, found 'print'\n" +
		" 2 | \tprint(1) print(2);\n" +
		"   | \t         ^~~~~\n"
	if errOut != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", errOut, want)
	}
	if strings.Contains(errOut, "\x1b[") {
		t.Error("colour in non-terminal output with --color=auto")
	}
	// A directory checks every .bt file under it.
	if code, _, errOut := run(t, "", "check", dir); code != exitFindings || !strings.Contains(errOut, "bad.bt:2:11") {
		t.Errorf("directory: code %d err %q", code, errOut)
	}
}

func TestCheckStdin(t *testing.T) {
	code, _, errOut := run(t, "begin { $x = 08; }", "check", "-")
	if code != exitFindings || !strings.HasPrefix(errOut, "<stdin>:1:14: error[bad-integer]: invalid digit '8' in octal literal 08") {
		t.Errorf("code %d err %q", code, errOut)
	}
	code, _, errOut = run(t, "begin { }", "check")
	if code != exitOK || errOut != "" {
		t.Errorf("no args reads stdin: code %d err %q", code, errOut)
	}
}

func TestCheckColor(t *testing.T) {
	code, _, errOut := run(t, "k:f { $x = ; }", "check", "--color=always", "-")
	if code != exitFindings || !strings.Contains(errOut, "\x1b[1;31merror[syntax]:") {
		t.Errorf("--color=always: code %d err %q", code, errOut)
	}
	code, _, errOut = run(t, "k:f { $x = ; }", "check", "--color=never", "-")
	if code != exitFindings || strings.Contains(errOut, "\x1b[") {
		t.Errorf("--color=never: code %d err %q", code, errOut)
	}
	code, _, errOut = run(t, "", "check", "--color=sometimes", "-")
	if code != exitUsage || !strings.Contains(errOut, "invalid --color") {
		t.Errorf("bad --color: code %d err %q", code, errOut)
	}
}

func TestCheckUsage(t *testing.T) {
	code, _, errOut := run(t, "", "check", filepath.Join(t.TempDir(), "missing.bt"))
	if code != exitUsage || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: code %d err %q", code, errOut)
	}
	code, _, _ = run(t, "", "check", "--no-such-flag")
	if code != exitUsage {
		t.Errorf("bad flag: code %d", code)
	}
	// An unreadable file outranks findings in other files.
	dir := writeScripts(t, map[string]string{"bad.bt": "begin { ( }\n"})
	code, _, _ = run(t, "", "check", filepath.Join(dir, "bad.bt"), filepath.Join(dir, "nope.bt"))
	if code != exitUsage {
		t.Errorf("mixed: code %d, want %d", code, exitUsage)
	}
}

func TestCheckHelpIsHonest(t *testing.T) {
	_, out, _ := run(t, "", "check", "--help")
	if !strings.Contains(out, "syntax errors only") || !strings.Contains(out, "--syntax-only") {
		t.Errorf("help does not say that only syntax is checked:\n%s", out)
	}
}
