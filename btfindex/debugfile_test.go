package btfindex

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// buildStripped compiles a small program with a static function, moves
// its symbols and DWARF to a separate debug file and strips it. how is
// "build-id" (the debug file under a .build-id tree) or "debuglink" (a
// .gnu_debuglink next to the binary).
func buildStripped(t *testing.T, how string) (bin, debugRoot string) {
	t.Helper()
	for _, tool := range []string{"gcc", "objcopy"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "app.c")
	if err := os.WriteFile(src, []byte("static int __attribute__((noinline)) hidden_helper(int x) { return x * 3; }\nint main(int argc, char **argv) { return hidden_helper(argc); }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(dir, "app")
	runTool := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	runTool("gcc", "-g", "-O1", "-Wl,--build-id", "-o", bin, src)
	dbg := filepath.Join(dir, "app.debug")
	runTool("objcopy", "--only-keep-debug", bin, dbg)
	runTool("objcopy", "--strip-all", bin)
	debugRoot = filepath.Join(dir, "debugroot")
	switch how {
	case "build-id":
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("%x", buildID(f))
		f.Close()
		if len(id) < 4 {
			t.Skip("the linker wrote no build ID")
		}
		p := filepath.Join(debugRoot, ".build-id", id[:2], id[2:]+".debug")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(dbg, p); err != nil {
			t.Fatal(err)
		}
	case "debuglink":
		runTool("objcopy", "--add-gnu-debuglink="+dbg, bin)
	}
	return bin, debugRoot
}

func TestSeparateDebugFile(t *testing.T) {
	for _, how := range []string{"build-id", "debuglink"} {
		t.Run(how, func(t *testing.T) {
			bin, root := buildStripped(t, how)
			saved := DebugRoot
			DebugRoot = root
			defer func() { DebugRoot = saved }()
			dbg := SeparateDebugFile(bin)
			if dbg == "" {
				t.Fatal("no separate debug file found")
			}
			fns, err := ELFFunctions(bin)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(fns, "hidden_helper") || !slices.Contains(fns, "main") {
				t.Errorf("functions %v lack the debug file's", fns)
			}
			// Without the debug file, the stripped binary names neither.
			DebugRoot = t.TempDir()
			if how == "debuglink" {
				if err := os.Remove(dbg); err != nil {
					t.Fatal(err)
				}
			}
			if d := SeparateDebugFile(bin); d != "" {
				t.Errorf("found %s after removing the debug file", d)
			}
			if fns, _ := ELFFunctions(bin); slices.Contains(fns, "hidden_helper") {
				t.Errorf("functions %v without a debug file", fns)
			}
		})
	}
}
