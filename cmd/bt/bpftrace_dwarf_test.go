package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// dwarfTraceeSource is traced by its DWARF: dw_fn's parameters by name,
// its struct in a cast, and the line of its opening brace (line 3).
const dwarfTraceeSource = `struct pair { int a; char name[8]; };
__attribute__((noinline)) int dw_fn(struct pair *p, int n, char c)
{
  return p->a + n + c;
}
int main(void)
{
  struct pair p = { 7, "seven" };
  volatile int s = 0;
  for (int i = 0; i < 3; i++)
    s += dw_fn(&p, i, 'x');
  return 0;
}
`

// buildDWARFTracee compiles dwarfTraceeSource with -g in the flavour
// how: "in-file", "split" (-gsplit-dwarf, the binary and its .dwo moved
// away from where they were built) or "stripped" (the DWARF in
// ext/dw.debug beside the binary, found through --debuginfo). It returns
// the binary and the extra bpftrace flags it needs.
func buildDWARFTracee(t *testing.T, how string) (string, []string) {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("needs gcc to build the traced program")
	}
	run := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	build := t.TempDir()
	if err := os.WriteFile(filepath.Join(build, "dw.c"), []byte(dwarfTraceeSource), 0o644); err != nil {
		t.Fatal(err)
	}
	flags := []string{"gcc", "-g", "-O0", "-o", "dw", "dw.c"}
	if how == "split" {
		flags = append(flags, "-gsplit-dwarf")
	}
	run(build, flags...)
	bin := filepath.Join(build, "dw")
	switch how {
	case "split":
		dir := t.TempDir()
		files, _ := filepath.Glob(filepath.Join(build, "*.dwo"))
		if len(files) == 0 {
			t.Skip("gcc wrote no .dwo file")
		}
		for _, f := range append(files, bin) {
			if err := os.Rename(f, filepath.Join(dir, filepath.Base(f))); err != nil {
				t.Fatal(err)
			}
		}
		return filepath.Join(dir, "dw"), nil
	case "stripped":
		if _, err := exec.LookPath("objcopy"); err != nil {
			t.Skip("needs objcopy")
		}
		if err := os.Mkdir(filepath.Join(build, "ext"), 0o755); err != nil {
			t.Fatal(err)
		}
		run(build, "objcopy", "--only-keep-debug", "dw", "ext/dw.debug")
		run(build, "objcopy", "--strip-debug", "dw")
		return bin, []string{"--debuginfo=./ext"}
	}
	return bin, nil
}

// TestBpftraceDWARFList: -lv prints a uprobe's parameters from DWARF in
// each flavour, as bpftrace spells them; a uretprobe has none.
func TestBpftraceDWARFList(t *testing.T) {
	link := bpftraceLink(t)
	for _, how := range []string{"in-file", "split", "stripped"} {
		t.Run(how, func(t *testing.T) {
			bin, extra := buildDWARFTracee(t, how)
			out, errOut, code := runLinkBounded(t, link, append([]string{"-lv", "uprobe:" + bin + ":dw_fn"}, extra...)...)
			want := "uprobe:" + bin + ":dw_fn\n    struct pair* p\n    int n\n    char c\n"
			if code != 0 || out != want {
				t.Errorf("exit %d, stdout %q, want %q; stderr %s", code, out, want, errOut)
			}
			out, _, _ = runLinkBounded(t, link, append([]string{"-lv", "uretprobe:" + bin + ":dw_fn"}, extra...)...)
			if out != "uretprobe:"+bin+":dw_fn\n" {
				t.Errorf("uretprobe listing %q", out)
			}
		})
	}
	// Without --debuginfo the stripped binary's parameters are unknown.
	bin, extra := buildDWARFTracee(t, "stripped")
	if out, _, _ := runLinkBounded(t, link, "-lv", "uprobe:"+bin+":dw_fn"); out != "uprobe:"+bin+":dw_fn\n" {
		t.Errorf("stripped without --debuginfo: %q", out)
	}
	// bt list takes --debuginfo too.
	out, errOut, code := runLinkBounded(t, btBinary(t), append([]string{"list", "-v", "uprobe:" + bin + ":dw_fn"}, extra...)...)
	if want := "uprobe:" + bin + ":dw_fn\n    struct pair* p\n    int n\n    char c\n"; code != 0 || out != want {
		t.Errorf("bt list --debuginfo: exit %d, stdout %q, want %q; stderr %s", code, out, want, errOut)
	}
}

// TestBpftraceDWARFRun traces the program through its DWARF in each
// flavour: args by name (a pointer's field, a string field, a char),
// a cast to the DWARF's struct, and a probe on a source line.
func TestBpftraceDWARFRun(t *testing.T) {
	needRootRun(t)
	link := bpftraceLink(t)
	for _, how := range []string{"in-file", "split", "stripped"} {
		t.Run(how, func(t *testing.T) {
			bin, extra := buildDWARFTracee(t, how)
			script := strings.ReplaceAll(`
uprobe:BIN:dw_fn { printf("n=%d c=%c a=%d name=%s cast=%d\n", args.n, args.c, args.p->a, args.p->name, ((struct pair *)arg0)->a); }
uprobe:BIN@dw.c:3 { @line[probe] = count(); }`, "BIN", bin)
			args := append([]string{"-c", bin, "-e", script}, extra...)
			// The relative --debuginfo directory is the binary's, not ours.
			out, errOut, code := runLinkBounded(t, link, args...)
			if code != 0 {
				t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
			}
			for _, want := range []string{
				"n=0 c=x a=7 name=seven cast=7", "n=1 c=x a=7 name=seven cast=7", "n=2 c=x a=7 name=seven cast=7",
				// The line's probe is named by its address in decimal,
				// as bpftrace names it.
				fmt.Sprintf("@line[uprobe:%s:%d]: 3", bin, symbolValue(t, bin, "dw_fn")),
			} {
				if !strings.Contains(out, want+"\n") {
					t.Errorf("output lacks %q:\n%s\nstderr %s", want, out, errOut)
				}
			}
		})
	}
}
