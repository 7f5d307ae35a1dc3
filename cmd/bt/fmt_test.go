package main

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const (
	messy = "BEGIN{printf(\"hi\\n\")}\nkprobe:f /pid==1/ { @[comm]=count() }\n"
	tidy  = "BEGIN\n{\n  printf(\"hi\\n\");\n}\nkprobe:f\n/pid == 1/\n{\n  @[comm] = count();\n}\n"
)

func TestFmtStdin(t *testing.T) {
	for _, args := range [][]string{{"fmt"}, {"fmt", "-"}} {
		code, out, errOut := run(t, messy, args...)
		if code != 0 || out != tidy || errOut != "" {
			t.Errorf("%v: code %d\nout:\n%s\nerr: %s", args, code, out, errOut)
		}
	}
}

func TestFmtStdinList(t *testing.T) {
	code, out, _ := run(t, messy, "fmt", "-l")
	if code != 0 || out != "<standard input>\n" {
		t.Errorf("code %d out %q", code, out)
	}
	code, out, _ = run(t, tidy, "fmt", "-l")
	if code != 0 || out != "" {
		t.Errorf("formatted input listed: code %d out %q", code, out)
	}
}

func TestFmtWriteStdinIsUsageError(t *testing.T) {
	code, _, errOut := run(t, messy, "fmt", "-w")
	if code != exitUsage || !strings.Contains(errOut, "standard input") {
		t.Errorf("code %d err %q", code, errOut)
	}
}

// tree makes files under a temporary directory and returns it.
func tree(t *testing.T, files map[string]string) string {
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

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFmtFilesToStdout(t *testing.T) {
	dir := tree(t, map[string]string{"a.bt": messy, "b.bt": tidy})
	a, b := filepath.Join(dir, "a.bt"), filepath.Join(dir, "b.bt")
	code, out, _ := run(t, "", "fmt", a, b)
	if code != 0 || out != tidy+tidy {
		t.Errorf("code %d out:\n%s", code, out)
	}
	if read(t, a) != messy {
		t.Error("a.bt changed without -w")
	}
}

func TestFmtList(t *testing.T) {
	dir := tree(t, map[string]string{"a.bt": messy, "b.bt": tidy})
	a, b := filepath.Join(dir, "a.bt"), filepath.Join(dir, "b.bt")
	code, out, _ := run(t, "", "fmt", "-l", a, b)
	if code != 0 || out != a+"\n" {
		t.Errorf("code %d out %q", code, out)
	}
	if read(t, a) != messy {
		t.Error("-l changed a file")
	}
}

func TestFmtWrite(t *testing.T) {
	dir := tree(t, map[string]string{"a.bt": messy, "b.bt": tidy})
	a, b := filepath.Join(dir, "a.bt"), filepath.Join(dir, "b.bt")
	if err := os.Chmod(a, 0o640); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(b)
	code, out, errOut := run(t, "", "fmt", "-w", a, b)
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("code %d out %q err %q", code, out, errOut)
	}
	if got := read(t, a); got != tidy {
		t.Errorf("a.bt not rewritten:\n%s", got)
	}
	st, err := os.Stat(a)
	if err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("mode of a.bt not kept: %v %v", st.Mode(), err)
	}
	after, _ := os.Stat(b)
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("an already formatted file was rewritten")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestFmtWriteThroughSymlink(t *testing.T) {
	dir := tree(t, map[string]string{"real.bt": messy})
	link := filepath.Join(dir, "link.bt")
	if err := os.Symlink("real.bt", link); err != nil {
		t.Skip(err)
	}
	if code, _, errOut := run(t, "", "fmt", "-w", link); code != 0 {
		t.Fatalf("code %d err %q", code, errOut)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the symbolic link was replaced")
	}
	if read(t, filepath.Join(dir, "real.bt")) != tidy {
		t.Error("the link's target was not formatted")
	}
}

func TestFmtSyntaxError(t *testing.T) {
	bad := "BEGIN { printf(\"x\" }\n"
	dir := tree(t, map[string]string{"bad.bt": bad, "good.bt": messy})
	badPath, good := filepath.Join(dir, "bad.bt"), filepath.Join(dir, "good.bt")
	code, _, errOut := run(t, "", "fmt", "-w", badPath, good)
	if code != exitFindings {
		t.Errorf("code %d, want %d", code, exitFindings)
	}
	if !strings.Contains(errOut, badPath+":1:") || !strings.Contains(errOut, "error[") {
		t.Errorf("no diagnostic for bad.bt:\n%s", errOut)
	}
	if read(t, badPath) != bad {
		t.Error("a file with syntax errors was changed")
	}
	if read(t, good) != tidy {
		t.Error("the good file was not formatted after the bad one")
	}
	code, out, _ := run(t, bad, "fmt")
	if code != exitFindings || out != "" {
		t.Errorf("stdin with an error: code %d out %q", code, out)
	}
}

func TestFmtMissingFile(t *testing.T) {
	code, _, errOut := run(t, "", "fmt", filepath.Join(t.TempDir(), "none.bt"))
	if code != exitUsage || !strings.Contains(errOut, "none.bt") {
		t.Errorf("code %d err %q", code, errOut)
	}
}

func TestFmtDirectory(t *testing.T) {
	dir := tree(t, map[string]string{
		"top.bt":          messy,
		"sub/deep/x.bt":   messy,
		"sub/notes.txt":   messy,
		".hidden/skip.bt": messy,
		"ok.bt":           tidy,
	})
	code, out, _ := run(t, "", "fmt", "-l", dir)
	want := filepath.Join(dir, "sub/deep/x.bt") + "\n" + filepath.Join(dir, "top.bt") + "\n"
	if code != 0 || out != want {
		t.Errorf("code %d out %q, want %q", code, out, want)
	}
	if code, _, _ := run(t, "", "fmt", "-w", dir); code != 0 {
		t.Fatalf("-w: code %d", code)
	}
	if read(t, filepath.Join(dir, "sub/deep/x.bt")) != tidy || read(t, filepath.Join(dir, "top.bt")) != tidy {
		t.Error("files under the directory not formatted")
	}
	if read(t, filepath.Join(dir, "sub/notes.txt")) != messy || read(t, filepath.Join(dir, ".hidden/skip.bt")) != messy {
		t.Error("a non-.bt or hidden file was formatted")
	}
}

func TestFmtDiff(t *testing.T) {
	dir := tree(t, map[string]string{"a.bt": messy, "b.bt": tidy})
	a, b := filepath.Join(dir, "a.bt"), filepath.Join(dir, "b.bt")
	code, out, _ := run(t, "", "fmt", "-d", a, b)
	if code != 0 {
		t.Fatalf("code %d", code)
	}
	if !strings.HasPrefix(out, "--- "+a+".orig\n+++ "+a+"\n@@ ") || strings.Contains(out, b) {
		t.Errorf("unexpected diff:\n%s", out)
	}
	got, err := applyDiff(messy, out)
	if err != nil || got != tidy {
		t.Errorf("the diff does not turn the file into its formatted form (%v):\n%s", err, got)
	}
	if read(t, a) != messy {
		t.Error("-d changed a file")
	}
}

// applyDiff applies a unified diff of one file to text.
func applyDiff(text, diff string) (string, error) {
	old := splitLines(text)
	var out []string
	pos := 0
	lines := strings.SplitAfter(diff, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !strings.HasPrefix(l, "@@ -") {
			continue
		}
		spec := strings.Fields(l)[1][1:]
		start, _, _ := strings.Cut(spec, ",")
		n, err := strconv.Atoi(start)
		if err != nil {
			return "", err
		}
		if !strings.HasSuffix(spec, ",0") {
			n-- // 1-based first line, except for an empty range
		}
		out = append(out, old[pos:n]...)
		pos = n
		for i+1 < len(lines) && lines[i+1] != "" && !strings.HasPrefix(lines[i+1], "@@") {
			i++
			h := lines[i]
			switch h[0] {
			case ' ', '-':
				if pos >= len(old) || old[pos] != h[1:] {
					return "", fmt.Errorf("context mismatch at line %d: %q", pos+1, h)
				}
				if h[0] == ' ' {
					out = append(out, old[pos])
				}
				pos++
			case '+':
				out = append(out, h[1:])
			}
		}
	}
	out = append(out, old[pos:]...)
	return strings.Join(out, ""), nil
}

func TestUnifiedDiffRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	words := []string{"a\n", "b\n", "c\n", "d\n", "e\n"}
	gen := func() string {
		var sb strings.Builder
		for i, n := 0, rng.Intn(30); i < n; i++ {
			sb.WriteString(words[rng.Intn(len(words))])
		}
		return sb.String()
	}
	for iter := 0; iter < 2000; iter++ {
		a, b := gen(), gen()
		d := unifiedDiff("a", "b", a, b)
		if (d == "") != (a == b) {
			t.Fatalf("diff emptiness wrong for %q %q", a, b)
		}
		got, err := applyDiff(a, d)
		if err != nil || got != b {
			t.Fatalf("a=%q b=%q\ndiff:\n%s\napplied: %q (%v)", a, b, d, got, err)
		}
		// The edit script is as short as an LCS says it can be.
		x, y := splitLines(a), splitLines(b)
		edits := 0
		for _, op := range diffLines(x, y) {
			if op.kind != ' ' {
				edits++
			}
		}
		if want := len(x) + len(y) - 2*lcs(x, y); edits != want {
			t.Fatalf("%d edits, shortest is %d: %q -> %q", edits, want, a, b)
		}
	}
}

func lcs(x, y []string) int {
	dp := make([][]int, len(x)+1)
	for i := range dp {
		dp[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}
