package output

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bt-tools/bt/analysis/types"
)

// bpftraceBinary is the reference bpftrace to compare with: $BT_BPFTRACE,
// else the v0.26 build this project's machines keep.
func bpftraceBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("BT_BPFTRACE")
	if bin == "" {
		bin = "/work/bpftrace-v026/bin/bpftrace"
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no reference bpftrace (%s); set BT_BPFTRACE", bin)
	}
	if os.Geteuid() != 0 {
		t.Skip("running bpftrace needs root")
	}
	if testing.Short() {
		t.Skip("runs bpftrace")
	}
	return bin
}

// TestPrintfAgainstBpftrace prints every conversion with every flag,
// width and length modifier over a few integers with bpftrace and with
// this package, and requires identical bytes.
func TestPrintfAgainstBpftrace(t *testing.T) {
	bin := bpftraceBinary(t)
	var specs []string
	for _, flags := range []string{"", "-", "+", "#", "0", "-0", "+0", "#0", " "} {
		for _, width := range []string{"", "6"} {
			for _, length := range []string{"", "hh", "h", "l", "ll", "j", "z", "t"} {
				for _, conv := range []string{"d", "i", "u", "o", "x", "X", "c", "p", "s"} {
					if strings.Contains("cps", conv) && length != "" && length != "l" {
						continue
					}
					specs = append(specs, "%"+flags+width+length+conv)
				}
			}
		}
	}
	values := []int64{-300, 5000000000, 65, 0}
	var want bytes.Buffer
	var lines []string
	for _, v := range values {
		for _, s := range specs {
			lines = append(lines, fmt.Sprintf("  printf(\"%s|%s\\n\", (int64)%d);\n", strings.ReplaceAll(s, "%", "%%"), s, v))
			want.WriteString(runPrintf(t, strings.ReplaceAll(s, "%", "%%")+"|"+s+"\n", []types.Type{types.Int64}, v))
		}
	}
	// bpftrace limits a program's size: print in chunks.
	var got bytes.Buffer
	dir := t.TempDir()
	for i := 0; i < len(lines); i += 400 {
		script := "begin {\n" + strings.Join(lines[i:min(i+400, len(lines))], "") + "  exit();\n}\n"
		path := filepath.Join(dir, fmt.Sprintf("p%d.bt", i))
		if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
		out := runBpftrace(t, bin, path)
		got.Write(out)
	}
	gotLines := strings.SplitAfter(got.String(), "\n")
	wantLines := strings.SplitAfter(want.String(), "\n")
	bad := 0
	for i := range wantLines {
		if i >= len(gotLines) || gotLines[i] != wantLines[i] {
			g := ""
			if i < len(gotLines) {
				g = gotLines[i]
			}
			t.Errorf("line %d: bpftrace %q, output %q", i, g, wantLines[i])
			if bad++; bad > 20 {
				t.Fatal("too many differences")
			}
		}
	}
}

// runBpftrace runs a begin-only script quietly and returns its standard
// output without the trailing end-of-run newlines.
func runBpftrace(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-q", "--no-warnings"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("bpftrace %v: %v\n%s", args, err, stderr.String())
		}
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("bpftrace %v did not finish", args)
	}
	return bytes.TrimSuffix(stdout.Bytes(), []byte("\n\n"))
}

// goldenScripts are the scripts whose map state the golden fixtures
// hold; bpftrace's output for them must be the golden files.
var goldenScripts = map[string]string{
	"hists": `begin {
  @h2 = hist(7, 2); @h2 = hist(8, 2); @h2 = hist(9, 2); @h2 = hist(13, 2); @h2 = hist(4096, 2); @h2 = hist(5200, 2);
  @lk = lhist(1500, 0, 8192, 1024); @lk = lhist(5000, 0, 8192, 1024);
  @ln = lhist(3, 5, 20, 5); @ln = lhist(22, 5, 20, 5); @ln = lhist(1, 5, 20, 5);
  @l1 = lhist(3, 0, 10, 1); @l1 = lhist(5, 0, 10, 1);
  @big = hist(5000000000);
  @k[1] = hist(1); @k[2] = hist(2); @k[2] = hist(3); @k[3] = hist(100);
  print(@k, 2, 1);
  print(@k, 1, 2);
  exit();
}`,
	"sorting": `begin {
  @s["zsh"] = stats(10); @s["curl"] = stats(-4); @s["curl"] = stats(0);
  @v[1] = avg(100); @v[2] = avg(30); @v[2] = avg(-6);
  @mn["a"] = min(5); @mn["b"] = min(-5); @mn["c"] = min(2);
  @mx["a"] = max(5); @mx["b"] = max(-5); @mx["c"] = max(2);
  @su["a"] = sum(5); @su["b"] = sum(-5); @su["c"] = sum(2);
  @str[2] = "b"; @str[-1] = "z"; @str[10] = "a";
  @tup["b", 1] = "x"; @tup["a", 2] = "y"; @tup["a", 1] = "z";
  print(@v, 0, 10);
  exit();
}`,
}

func TestGoldenAgainstBpftrace(t *testing.T) {
	bin := bpftraceBinary(t)
	for name, script := range goldenScripts {
		for _, c := range []struct {
			ext  string
			args []string
		}{{".txt", nil}, {".json", []string{"-f", "json"}}} {
			want, err := os.ReadFile(filepath.Join("testdata", name+c.ext))
			if err != nil {
				t.Fatal(err)
			}
			got := runBpftrace(t, bin, append(c.args, "-e", script)...)
			if c.ext == ".txt" {
				got = append(got, "\n\n"...)
			}
			if !bytes.Equal(bytes.TrimRight(got, "\n"), bytes.TrimRight(want, "\n")) {
				t.Errorf("%s%s: bpftrace printed\n%s\ngolden:\n%s", name, c.ext, got, want)
			}
		}
	}
}

// TestPrintfValuesAgainstBpftrace prints strings, tuples, bools and
// buffers with every flag and width as bpftrace does.
func TestPrintfValuesAgainstBpftrace(t *testing.T) {
	bin := bpftraceBinary(t)
	s3 := &types.String{Len: 3}
	tup := &types.Tuple{Elems: []types.Type{types.Int64, s3}}
	buf := &types.Buffer{Len: 3}
	args := []struct {
		conv  string
		expr  string
		typ   types.Type
		value any
	}{
		{"s", `"ab"`, s3, "ab"},
		{"s", `(-1, "x")`, tup, []any{-1, "x"}},
		{"s", `true`, types.Bool{}, true},
		{"r", `buf("a\x01b", 3)`, buf, []byte("a\x01b")},
		{"rx", `buf("a\x01b", 3)`, buf, []byte("a\x01b")},
		{"rh", `buf("a\x01b", 3)`, buf, []byte("a\x01b")},
	}
	var script strings.Builder
	var want bytes.Buffer
	script.WriteString("begin {\n")
	for _, a := range args {
		for _, flags := range []string{"", "-", "+", "#", "0", "-0", " "} {
			for _, width := range []string{"", "7"} {
				spec := "%" + flags + width + a.conv
				label := strings.ReplaceAll(spec, "%", "%%")
				fmt.Fprintf(&script, "  printf(\"%s|%s|\\n\", %s);\n", label, spec, a.expr)
				want.WriteString(runPrintf(t, label+"|"+spec+"|\n", []types.Type{a.typ}, a.value))
			}
		}
	}
	script.WriteString("  exit();\n}\n")
	got := runBpftrace(t, bin, "-e", script.String())
	if !bytes.Equal(got, want.Bytes()) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(want.String(), "\n")
		for i := range wl {
			if i >= len(gl) || gl[i] != wl[i] {
				g := ""
				if i < len(gl) {
					g = gl[i]
				}
				t.Errorf("line %d: bpftrace %q, output %q", i, g, wl[i])
			}
		}
	}
}
