package server

import (
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

// hoverAt opens src (with a cursor mark) and hovers there.
func hoverAt(t *testing.T, c *client, src string) *protocol.Hover {
	t.Helper()
	text, pos := withCursor(t, src)
	c.open(uri1, text, 1)
	var h *protocol.Hover
	c.mustCall("textDocument/hover", docPos(uri1, pos), &h)
	return h
}

func TestHoverBuiltinMapVariableMacro(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	h := hoverAt(t, c, "begin { prin‸tf(\"hi\\n\"); }")
	if h == nil || h.Contents.Kind != protocol.Markdown || !strings.Contains(h.Contents.Value, "printf(const string fmt") {
		t.Fatalf("printf hover: %+v", h)
	}
	if h.Range == nil || h.Range.Start.Character != 8 || h.Range.End.Character != 14 {
		t.Errorf("printf hover range: %+v", h.Range)
	}
	h = hoverAt(t, c, "begin { @x[pid] = count(); }\nend { print(@‸x); }")
	if h == nil || !strings.Contains(h.Contents.Value, "@x[uint32]: count_t") || !strings.Contains(h.Contents.Value, "line 1") {
		t.Errorf("map hover: %+v", h)
	}
	h = hoverAt(t, c, "begin { $s = comm; printf(\"%s\", $‸s); }")
	if h == nil || !strings.Contains(h.Contents.Value, "$s: string[16]") {
		t.Errorf("variable hover: %+v", h)
	}
	h = hoverAt(t, c, "// Doubles its argument.\nmacro twice(x) { x * 2 }\nbegin { print(tw‸ice(2)); }")
	if h == nil || !strings.Contains(h.Contents.Value, "macro twice(x)") || !strings.Contains(h.Contents.Value, "Doubles its argument.") {
		t.Errorf("macro hover: %+v", h)
	}
	h = hoverAt(t, c, "config = { max_str‸len = 64 }\nbegin { }")
	if h == nil || !strings.Contains(h.Contents.Value, "max_strlen") {
		t.Errorf("config hover: %+v", h)
	}
	// Nothing under the cursor: a null result, not an error.
	if h := hoverAt(t, c, "begin { }\n‸\n"); h != nil {
		t.Errorf("hover on nothing: %+v", h)
	}
}

func TestHoverKernelFieldAndProbe(t *testing.T) {
	needKernel(t)
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	h := hoverAt(t, c, "kprobe:vfs_read { $t = curtask; printf(\"%d\\n\", $t->p‸id); }")
	if h == nil {
		t.Fatal("no hover on curtask->pid")
	}
	for _, w := range []string{"pid_t pid", "offset", "size 4", "struct task_struct"} {
		if !strings.Contains(h.Contents.Value, w) {
			t.Errorf("field hover lacks %q:\n%s", w, h.Contents.Value)
		}
	}
	h = hoverAt(t, c, "kprobe:vfs_r‸ead { }")
	if h == nil || !strings.Contains(h.Contents.Value, "vfs_read(struct file *file") {
		t.Errorf("kprobe hover: %+v", h)
	}
	h = hoverAt(t, c, "tracepoint:sched:sched_sw‸itch { }")
	if h == nil || !strings.Contains(h.Contents.Value, "prev_comm") {
		t.Errorf("tracepoint hover: %+v", h)
	}
	h = hoverAt(t, c, "tracepoint:sched:sched_switch { print(args.next_p‸id); }")
	if h == nil || !strings.Contains(h.Contents.Value, "pid_t next_pid") || !strings.Contains(h.Contents.Value, "offset 56") {
		t.Errorf("args field hover: %+v", h)
	}
	h = hoverAt(t, c, "kprobe:f { $p = (struct fi‸le *)arg0; }")
	if h == nil || !strings.Contains(h.Contents.Value, "struct file") || !strings.Contains(h.Contents.Value, "size") {
		t.Errorf("cast type hover: %+v", h)
	}
}

func TestHoverUTF16(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(`{"textDocument":{"hover":{"contentFormat":["plaintext"]}}}`, nil)
	// Astral characters before the cursor take two UTF-16 units each.
	h := hoverAt(t, c, "begin { printf(\"𝄞𝄞 %d\\n\", p‸id); }")
	if h == nil || h.Contents.Kind != protocol.PlainText || !strings.Contains(h.Contents.Value, "pid") {
		t.Fatalf("hover after astral characters: %+v", h)
	}
	// "begin { printf(\"𝄞𝄞 %d\\n\", " is 28 UTF-16 units (16 + 2×2 + 8).
	if h.Range == nil || h.Range.Start.Character != 28 || h.Range.End.Character != 31 {
		t.Errorf("range in UTF-16: %+v", h.Range)
	}
}
