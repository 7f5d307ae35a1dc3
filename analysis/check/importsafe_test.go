package check

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
)

// writeMode writes a file and sets its mode exactly (the umask would
// otherwise clear the bits under test).
func writeMode(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func mkdirMode(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestImportWorldWritable(t *testing.T) {
	root := t.TempDir()
	safe := filepath.Join(root, "safe")
	mkdirMode(t, safe, 0o755)
	writeMode(t, filepath.Join(safe, "ok.bt"), "macro one() { 1 }\n", 0o644)
	writeMode(t, filepath.Join(safe, "open.bt"), "macro two() { 2 }\n", 0o666)
	writeMode(t, filepath.Join(safe, "open.bpf.c"), "int f(int x) { return x; }\n", 0o646)
	if err := os.Symlink(filepath.Join(safe, "open.bt"), filepath.Join(safe, "link.bt")); err != nil {
		t.Fatal(err)
	}
	shared := filepath.Join(root, "shared")
	mkdirMode(t, shared, 0o777)
	writeMode(t, filepath.Join(shared, "lib.bt"), "macro three() { 3 }\n", 0o644)
	sticky := filepath.Join(root, "sticky")
	mkdirMode(t, sticky, 0o1777)
	writeMode(t, filepath.Join(sticky, "lib.bt"), "macro four() { 4 }\n", 0o644)
	// A directory import whose own mode is fine but one entry is not.
	mixed := filepath.Join(root, "mixed")
	mkdirMode(t, mixed, 0o755)
	writeMode(t, filepath.Join(mixed, "a.bt"), "macro five() { 5 }\n", 0o644)
	writeMode(t, filepath.Join(mixed, "notes.txt"), "x\n", 0o666)
	clean := filepath.Join(root, "clean")
	mkdirMode(t, clean, 0o755)
	writeMode(t, filepath.Join(clean, "a.bt"), "macro six() { 6 }\n", 0o644)

	cases := []struct {
		imp     string
		refused string // the path named as world-writable; "" accepted
	}{
		{"safe/ok.bt", ""},
		{"safe/open.bt", filepath.Join(safe, "open.bt")},
		{"safe/open.bpf.c", filepath.Join(safe, "open.bpf.c")},
		{"safe/link.bt", filepath.Join(safe, "link.bt")}, // the link's target is
		{"shared/lib.bt", shared},
		{"sticky/lib.bt", sticky}, // the sticky bit does not help, as in bpftrace
		{"shared", shared},
		{"mixed", filepath.Join(mixed, "notes.txt")},
		{"clean", ""},
	}
	for _, tc := range cases {
		t.Run(tc.imp, func(t *testing.T) {
			// A call to a function the refused C defines is not reported
			// on top of the refusal.
			text := "import \"" + tc.imp + "\";\nbegin { if (0) { f(1); } }\n"
			if !strings.HasSuffix(tc.imp, ".bpf.c") {
				text = "import \"" + tc.imp + "\";\nbegin { }\n"
			}
			f, pd := parser.ParseFile(source.NewFile(filepath.Join(root, "main.bt"), []byte(text)))
			if pd.HasErrors() {
				t.Fatal(pd)
			}
			imp := NewFileImporter()
			prog := Check([]*ast.File{f}, Config{Importer: imp})
			var found bool
			for _, d := range prog.Diags {
				if d.Code != CodeImportWorldWritable {
					continue
				}
				found = true
				p := d.Start()
				if p.Line != 1 || p.Column != 8 {
					t.Errorf("at %d:%d, want the import's path at 1:8", p.Line, p.Column)
				}
				if !strings.Contains(d.Message, tc.refused) || !strings.Contains(d.Hint, "chmod o-w "+tc.refused) {
					t.Errorf("message %q hint %q do not name %s", d.Message, d.Hint, tc.refused)
				}
			}
			if found != (tc.refused != "") {
				t.Errorf("refused=%v, want %v; diagnostics: %v", found, tc.refused != "", prog.Diags)
			}
			if tc.refused == "" && prog.Diags.HasErrors() {
				t.Errorf("unexpected errors: %v", prog.Diags)
			}
			if tc.refused != "" && len(prog.Diags) != 1 {
				t.Errorf("want only the refusal, got %v", prog.Diags)
			}
			// The C scope never sees a refused C file.
			_, cfiles := Gather(imp, f)
			if tc.refused != "" && len(cfiles) != 0 {
				t.Errorf("refused import still gathered C files %v", cfiles)
			}
		})
	}
}

func TestCheckImportPermissions(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A file that does not exist is left to the caller, in a safe
	// directory.
	if err := CheckImportPermissions(filepath.Join(dir, "missing.bt")); err != nil {
		t.Errorf("missing file: %v", err)
	}
	if err := os.Chmod(dir, 0o757); err != nil {
		t.Fatal(err)
	}
	var ww *WorldWritableError
	if err := CheckImportPermissions(filepath.Join(dir, "missing.bt")); !errors.As(err, &ww) || ww.Path != dir {
		t.Errorf("missing file in a world-writable directory: %v", err)
	}
	// A bare name is checked against the working directory.
	t.Chdir(dir)
	if err := CheckImportPermissions("x.bt"); !errors.As(err, &ww) || ww.Path != "." {
		t.Errorf("bare name in a world-writable working directory: %v", err)
	}
}
