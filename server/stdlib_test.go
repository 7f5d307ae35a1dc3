package server

import (
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

// The standard library's macros are in scope in the editor as in the
// checker: completion offers them with their documentation, signature
// help shows each form, hover shows the doc comment and a link to the
// source; a script's own macro of a library name replaces it; rename
// does not reach into the library.
func TestLibraryMacrosInEditor(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)

	items := labels(completeAt(t, c, uri1, "begin { print(strer‸); }"))
	it, ok := items["strerror"]
	if !ok {
		t.Fatalf("completion lacks strerror: %v", items)
	}
	if it.Detail != "macro strerror(err)" || it.Documentation == nil || !strings.Contains(it.Documentation.Value, "errno") {
		t.Errorf("strerror item: %+v", it)
	}
	items = labels(completeAt(t, c, uri1, "begin { print(pco‸); }"))
	if it, ok := items["pcomm"]; !ok || it.LabelDetails == nil || it.LabelDetails.Description != "+1 overloads" {
		t.Errorf("pcomm item: %+v", it)
	}
	if _, ok := items["__bt_task_comm"]; ok {
		t.Error("completion offers the library's C helper")
	}
	items = labels(completeAt(t, c, uri1, "macro strerror(x, y) { x }\nbegin { print(strer‸); }"))
	if it := items["strerror"]; it.Detail != "macro strerror(x, y)" {
		t.Errorf("with the script's own strerror: %+v", it)
	}

	res := sigAt(t, c, "begin { print(ppid(‸)); }")
	if res == nil || len(res.Signatures) != 2 || res.Signatures[res.ActiveSignature].Label != "macro ppid(task)" {
		t.Fatalf("signature help in ppid(: %+v", res)
	}

	const script = "begin { print(ppid); print(comm(1)); }\n"
	openAnalysed(c, uri1, script)
	var h protocol.Hover
	c.mustCall("textDocument/hover", docPos(uri1, at(t, script, "ppid", 0)), &h)
	if !strings.Contains(h.Contents.Value, "macro ppid") || !strings.Contains(h.Contents.Value, "parent") ||
		!strings.Contains(h.Contents.Value, "Implemented in bt's standard library: [task.bt line") {
		t.Errorf("hover on ppid: %q", h.Contents.Value)
	}
	locs := defAt(t, c, uri1, at(t, script, "comm(1)", 0))
	if len(locs) != 1 || !strings.HasSuffix(string(locs[0].URI), "/task.bt") {
		t.Fatalf("definition of comm(1): %+v", locs)
	}
	// A wrong argument found inside a library macro is shown at the
	// script's call.
	c.open(uri1, "begin { print(strerror(\"a\")); }\n", 1<<22)
	ds := c.waitDiagnostics(uri1, 1<<22)
	if len(ds) != 1 || ds[0].Range.Start.Line != 0 || ds[0].Range.Start.Character != 14 {
		t.Errorf("diagnostics of strerror(\"a\"): %+v", ds)
	}
	openAnalysed(c, uri1, script)

	var we *protocol.WorkspaceEdit
	err := c.call("textDocument/rename", map[string]any{
		"textDocument": map[string]any{"uri": uri1}, "position": at(t, script, "ppid", 0), "newName": "pp",
	}, &we)
	if err == nil && we != nil && len(we.Changes) > 0 {
		t.Errorf("rename of a library macro edits %+v", we.Changes)
	}
}
