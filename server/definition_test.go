package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

// at returns the LSP position of the n-th (0-based) occurrence of sub in
// text (UTF-16, ASCII lines).
func at(t *testing.T, text, sub string, n int) protocol.Position {
	t.Helper()
	off := -1
	for i := 0; i <= n; i++ {
		j := strings.Index(text[off+1:], sub)
		if j < 0 {
			t.Fatalf("occurrence %d of %q not found", n, sub)
		}
		off += 1 + j
	}
	line := strings.Count(text[:off], "\n")
	col := off - (strings.LastIndex(text[:off], "\n") + 1)
	return protocol.Position{Line: uint32(line), Character: uint32(col)}
}

func defAt(t *testing.T, c *client, uri string, pos protocol.Position) []protocol.Location {
	t.Helper()
	var locs []protocol.Location
	c.mustCall("textDocument/definition", docPos(uri, pos), &locs)
	return locs
}

const defScript = `// Doubles.
macro twice(x) { x * 2 }
let @counts = hash(100);
begin { $n = 1; @counts[1] = twice($n); }
kprobe:vfs_read { $n = 2; @counts[pid] = 1; @other = $n; }
end { print(@counts); }
`

func TestDefinitionMapVariableMacro(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(testCaps, nil)
	c.open(uri1, defScript, 1)
	// The map: its declaration.
	locs := defAt(t, c, uri1, at(t, defScript, "@counts", 3))
	if len(locs) != 1 || locs[0].Range.Start != at(t, defScript, "@counts", 0) || string(locs[0].URI) != uri1 {
		t.Errorf("map definition: %+v", locs)
	}
	// A variable: its first assignment in the same probe, not the other's.
	locs = defAt(t, c, uri1, at(t, defScript, "$n", 3))
	if len(locs) != 1 || locs[0].Range.Start != at(t, defScript, "$n", 2) {
		t.Errorf("variable definition: %+v, want %+v", locs, at(t, defScript, "$n", 2))
	}
	// A macro: its name in the declaration.
	locs = defAt(t, c, uri1, at(t, defScript, "twice", 1))
	if len(locs) != 1 || locs[0].Range.Start != at(t, defScript, "twice", 0) {
		t.Errorf("macro definition: %+v", locs)
	}
	// A builtin has none.
	if locs := defAt(t, c, uri1, at(t, defScript, "pid", 0)); len(locs) != 0 {
		t.Errorf("builtin definition: %+v", locs)
	}
}

func TestDefinitionImportedFiles(t *testing.T) {
	dir := t.TempDir()
	lib := "// Says hello.\nmacro greet() { printf(\"hello\\n\") }\n"
	if err := os.WriteFile(filepath.Join(dir, "lib.bt"), []byte(lib), 0o644); err != nil {
		t.Fatal(err)
	}
	root := "import \"lib.bt\";\nbegin { greet(); }\n"
	uri := uriFromPath(filepath.Join(dir, "main.bt"))
	c := newClient(t, Options{})
	c.initialize(testCaps, nil)
	c.open(uri, root, 1)
	if d := c.waitDiagnostics(uri, 1); len(d) != 0 {
		t.Fatalf("diagnostics: %+v", d)
	}
	libURI := uriFromPath(filepath.Join(dir, "lib.bt"))
	locs := defAt(t, c, uri, at(t, root, "greet", 0))
	if len(locs) != 1 || string(locs[0].URI) != libURI || locs[0].Range.Start.Line != 1 {
		t.Errorf("macro in imported file: %+v", locs)
	}
	locs = defAt(t, c, uri, at(t, root, "lib.bt", 0))
	if len(locs) != 1 || string(locs[0].URI) != libURI {
		t.Errorf("import definition: %+v", locs)
	}
	var h *protocol.Hover
	c.mustCall("textDocument/hover", docPos(uri, at(t, root, "greet", 0)), &h)
	if h == nil || !strings.Contains(h.Contents.Value, "Says hello.") {
		t.Errorf("hover on imported macro: %+v", h)
	}
}

func TestDefinitionImportedCFunction(t *testing.T) {
	for _, clang := range []string{"", "none"} { // clang when installed, and the built-in C reader
		t.Run("clang="+clang, func(t *testing.T) {
			dir := t.TempDir()
			lib := "// helpers\nint add_one(int val)\n{\n  return val + 1;\n}\n"
			if err := os.WriteFile(filepath.Join(dir, "lib.bpf.c"), []byte(lib), 0o644); err != nil {
				t.Fatal(err)
			}
			root := "import \"lib.bpf.c\";\nbegin { print(add_one(1)); }\n"
			uri := uriFromPath(filepath.Join(dir, "main.bt"))
			c := newClient(t, Options{})
			c.initialize(fullCaps, map[string]any{"clang": clang})
			c.open(uri, root, 1)
			if d := c.waitDiagnostics(uri, 1); len(d) != 0 {
				t.Fatalf("diagnostics: %+v", d)
			}
			locs := defAt(t, c, uri, at(t, root, "add_one", 0))
			libURI := uriFromPath(filepath.Join(dir, "lib.bpf.c"))
			if len(locs) != 1 || string(locs[0].URI) != libURI || locs[0].Range.Start.Line != 1 {
				t.Fatalf("C function definition: %+v", locs)
			}
			var h *protocol.Hover
			c.mustCall("textDocument/hover", docPos(uri, at(t, root, "add_one", 0)), &h)
			if h == nil || !strings.Contains(h.Contents.Value, "add_one(int val)") {
				t.Errorf("C function hover: %+v", h)
			}
			var sig *signatureHelpResult
			c.mustCall("textDocument/signatureHelp", docPos(uri, at(t, root, "1))", 0)), &sig)
			if sig == nil || !strings.Contains(sig.Signatures[0].Label, "add_one(int val)") || len(sig.Signatures[0].Parameters) != 1 {
				t.Errorf("C function signature: %+v", sig)
			}
			l := completeAt(t, c, uri, "import \"lib.bpf.c\";\nbegin { print(add_‸) }\n")
			if it, ok := labels(l)["add_one"]; !ok || !strings.Contains(it.Detail, "int add_one(int val)") {
				t.Errorf("C function completion: %+v", labels(l))
			}
		})
	}
}

func TestReferencesAndHighlights(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(testCaps, nil)
	c.open(uri1, defScript, 1)
	var locs []protocol.Location
	c.mustCall("textDocument/references", map[string]any{
		"textDocument": map[string]any{"uri": uri1}, "position": at(t, defScript, "@counts", 2),
		"context": map[string]any{"includeDeclaration": true},
	}, &locs)
	if len(locs) != 4 {
		t.Fatalf("map references: %+v", locs)
	}
	c.mustCall("textDocument/references", map[string]any{
		"textDocument": map[string]any{"uri": uri1}, "position": at(t, defScript, "@counts", 2),
		"context": map[string]any{"includeDeclaration": false},
	}, &locs)
	if len(locs) != 3 {
		t.Errorf("map references without the declaration: %+v", locs)
	}
	var hl []protocol.DocumentHighlight
	c.mustCall("textDocument/documentHighlight", docPos(uri1, at(t, defScript, "$n", 3)), &hl)
	if len(hl) != 2 || hl[0].Kind != protocol.DocumentHighlightKindWrite || hl[1].Kind != protocol.DocumentHighlightKindRead {
		t.Errorf("variable highlights: %+v", hl)
	}
	c.mustCall("textDocument/documentHighlight", docPos(uri1, at(t, defScript, "twice", 0)), &hl)
	if len(hl) != 2 {
		t.Errorf("macro highlights: %+v", hl)
	}
}

func TestRename(t *testing.T) {
	c := newClient(t, Options{})
	res := c.initialize(`{"textDocument":{"rename":{"prepareSupport":true}}}`, nil)
	if b, _ := json.Marshal(res.Capabilities.RenameProvider); string(b) != `{"prepareProvider":true}` {
		t.Errorf("rename capability: %s", b)
	}
	c.open(uri1, defScript, 1)
	var prep struct {
		Range       protocol.Range `json:"range"`
		Placeholder string         `json:"placeholder"`
	}
	c.mustCall("textDocument/prepareRename", docPos(uri1, at(t, defScript, "$n", 1)), &prep)
	if prep.Placeholder != "$n" || prep.Range.Start != at(t, defScript, "$n", 1) {
		t.Errorf("prepareRename: %+v", prep)
	}
	var none any
	c.mustCall("textDocument/prepareRename", docPos(uri1, at(t, defScript, "pid", 0)), &none)
	if none != nil {
		t.Errorf("prepareRename on a builtin: %v", none)
	}
	rename := func(sub string, n int, newName string) (protocol.WorkspaceEdit, error) {
		var we protocol.WorkspaceEdit
		err := c.call("textDocument/rename", map[string]any{
			"textDocument": map[string]any{"uri": uri1}, "position": at(t, defScript, sub, n), "newName": newName,
		}, &we)
		return we, err
	}
	we, err := rename("@counts", 1, "@hits")
	if err != nil {
		t.Fatal(err)
	}
	edits := we.Changes[protocol.DocumentURI(uri1)]
	if len(edits) != 4 {
		t.Fatalf("map rename edits: %+v", we)
	}
	if got := applyEdits(defScript, edits); strings.Contains(got, "@counts") || strings.Count(got, "@hits") != 4 {
		t.Errorf("after map rename:\n%s", got)
	}
	// Without the sigil the sigil is kept.
	if we, err := rename("$n", 0, "num"); err != nil || len(we.Changes[protocol.DocumentURI(uri1)]) != 2 ||
		!strings.Contains(applyEdits(defScript, we.Changes[protocol.DocumentURI(uri1)]), "begin { $num = 1; @counts[1] = twice($num); }") {
		t.Errorf("variable rename: %+v %v", we, err)
	}
	if we, err := rename("twice", 0, "double"); err != nil || len(we.Changes[protocol.DocumentURI(uri1)]) != 2 {
		t.Errorf("macro rename: %+v %v", we, err)
	}
	for _, bad := range []struct{ sub, name string }{
		{"@counts", "@1x"}, {"@counts", "$x"}, {"@counts", "@a-b"}, {"@counts", "@other"},
		{"$n", ""}, {"twice", "printf"}, {"twice", "if"},
	} {
		if _, err := rename(bad.sub, 0, bad.name); err == nil {
			t.Errorf("rename %s to %q accepted", bad.sub, bad.name)
		}
	}
}

// applyEdits applies non-overlapping single-line edits (ASCII text).
func applyEdits(text string, edits []protocol.TextEdit) string {
	lines := strings.Split(text, "\n")
	sort.Slice(edits, func(i, j int) bool {
		a, b := edits[i].Range.Start, edits[j].Range.Start
		return a.Line > b.Line || a.Line == b.Line && a.Character > b.Character
	})
	for _, e := range edits {
		l := lines[e.Range.Start.Line]
		lines[e.Range.Start.Line] = l[:e.Range.Start.Character] + e.NewText + l[e.Range.End.Character:]
	}
	return strings.Join(lines, "\n")
}

// A builtin the standard library implements and a C function of its
// objects lead to the library's source, written to the cache; so does
// an import of one of its modules. Hover links to the source.
func TestDefinitionIntoStdlib(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	const script = "import \"stdlib/test\";\nbegin { print(strerror(2)); print(__always_true()); }\n"
	c := newClient(t, Options{})
	c.initialize(testCaps, nil)
	c.open(uri1, script, 1)
	for _, tc := range []struct{ name, file, line string }{
		{"strerror", "strings.bt", "macro strerror("},
		{"__always_true", "test.bpf.c", "int __always_true(void)"},
	} {
		locs := defAt(t, c, uri1, at(t, script, tc.name, 0))
		if len(locs) != 1 || !strings.HasSuffix(string(locs[0].URI), "/"+tc.file) {
			t.Fatalf("%s: definition %+v, want a location in the library's %s", tc.name, locs, tc.file)
		}
		path := strings.TrimPrefix(string(locs[0].URI), "file://")
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(text), "\n")
		if l := int(locs[0].Range.Start.Line); l >= len(lines) || !strings.HasPrefix(lines[l], tc.line) {
			t.Errorf("%s: definition at line %d of %s, want the line starting %q", tc.name, l+1, path, tc.line)
		}
	}
	locs := defAt(t, c, uri1, at(t, script, "stdlib/test", 0))
	if len(locs) != 1 || !strings.HasSuffix(string(locs[0].URI), "/bpf/test.bpf.o") {
		t.Errorf("import definition: %+v", locs)
	}
	var h protocol.Hover
	c.mustCall("textDocument/hover", docPos(uri1, at(t, script, "strerror", 0)), &h)
	if !strings.Contains(h.Contents.Value, "Implemented in bt's standard library: [strings.bt line") {
		t.Errorf("hover: %q", h.Contents.Value)
	}
}
