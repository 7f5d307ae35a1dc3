package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// waitPublished waits (bounded) for a publishDiagnostics of uri that
// satisfies ok, and returns it.
func (c *client) waitPublished(uri string, ok func([]protocol.Diagnostic) bool) []protocol.Diagnostic {
	c.t.Helper()
	// Bounded, generously: a first analysis may build the kernel header
	// and its precompiled form with clang on a loaded machine.
	deadline := time.After(60 * time.Second)
	seen := 0
	for {
		c.mu.Lock()
		list := c.diags[uri]
		for ; seen < len(list); seen++ {
			if ok(list[seen].Diagnostics) {
				d := list[seen].Diagnostics
				c.mu.Unlock()
				return d
			}
		}
		c.mu.Unlock()
		select {
		case <-c.wake:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			c.t.Fatalf("no matching diagnostics for %s", uri)
		}
	}
}

func TestImportedFileDiagnostics(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "lib.bt")
	if err := os.WriteFile(lib, []byte("macro bad() { $x = ; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "defs.h"), []byte("struct s { int a; };\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	uri := uriFromPath(filepath.Join(dir, "main.bt"))
	libURI := uriFromPath(lib)
	c := newClient(t, Options{})
	c.initialize(testCaps, nil)
	c.open(uri, "import \"lib.bt\";\nimport \"defs.h\";\nimport \"missing.bt\";\nbegin { }\n", 1)
	own := c.waitDiagnostics(uri, 1)
	if len(own) != 1 || own[0].Range.Start.Line != 2 {
		t.Errorf("root diagnostics: want only the missing import, got %+v", own)
	}
	got := c.waitPublished(libURI, func(d []protocol.Diagnostic) bool { return len(d) > 0 })
	if got[0].Range.Start.Line != 0 || got[0].Severity != protocol.DiagnosticSeverityError {
		t.Errorf("lib diagnostics: %+v", got)
	}
	// No longer imported: the file's diagnostics are cleared.
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": 2},
		"contentChanges": []any{map[string]any{"text": "begin { }\n"}},
	})
	c.waitDiagnostics(uri, 2)
	c.waitPublished(libURI, func(d []protocol.Diagnostic) bool { return len(d) == 0 })
}

// An import from a world-writable directory is refused by the language
// server with the checker's diagnostic, and hover on its path says why.
func TestImportWorldWritableRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lib.bt"), []byte("macro greet() { 1 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := "import \"lib.bt\";\nbegin { }\n"
	uri := uriFromPath(filepath.Join(dir, "main.bt"))
	c := newClient(t, Options{})
	c.initialize(testCaps, nil)
	c.open(uri, root, 1)
	d := c.waitDiagnostics(uri, 1)
	if len(d) != 1 || d[0].Code != "import-world-writable" || d[0].Range.Start.Line != 0 || d[0].Range.Start.Character != 7 {
		t.Fatalf("diagnostics: %+v", d)
	}
	var h *protocol.Hover
	c.mustCall("textDocument/hover", docPos(uri, at(t, root, "lib.bt", 0)), &h)
	if h == nil || !strings.Contains(h.Contents.Value, "writable by every user") {
		t.Errorf("hover on the refused import: %+v", h)
	}
	if locs := defAt(t, c, uri, at(t, root, "lib.bt", 0)); len(locs) != 0 {
		t.Errorf("definition into a refused import: %+v", locs)
	}
}

// Editing an imported file re-analyses the open files that import it.
func TestImporterReanalysed(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "lib.bt")
	if err := os.WriteFile(lib, []byte("macro twice(x) { x * 2 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	uri := uriFromPath(filepath.Join(dir, "main.bt"))
	libURI := uriFromPath(lib)
	c := newClient(t, Options{})
	c.initialize(testCaps, nil)
	c.open(uri, "import \"lib.bt\";\nbegin { @ = twice(3); }\n", 1)
	if d := c.waitDiagnostics(uri, 1); len(d) != 0 {
		t.Fatalf("main: want clean, got %+v", d)
	}
	// The library is opened and its macro renamed (unsaved): main now
	// calls an unknown macro.
	c.open(libURI, "macro twice(x) { x * 2 }\n", 1)
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": libURI, "version": 2},
		"contentChanges": []any{map[string]any{"text": "macro double(x) { x * 2 }\n"}},
	})
	c.waitPublished(uri, func(d []protocol.Diagnostic) bool { return len(d) > 0 })
	// And back: main is clean again (a publication after the error's).
	c.mu.Lock()
	before := len(c.diags[uri])
	c.mu.Unlock()
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": libURI, "version": 3},
		"contentChanges": []any{map[string]any{"text": "macro twice(x) { x * 2 }\n"}},
	})
	n := 0
	c.waitPublished(uri, func(d []protocol.Diagnostic) bool { n++; return n > before && len(d) == 0 })
}
