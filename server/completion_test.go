package server

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

func TestCompletionTracepointEvents(t *testing.T) {
	needKernel(t)
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	l := completeAt(t, c, uri1, "tracepoint:sched:‸")
	got := labels(l)
	it, ok := got["sched_switch"]
	if !ok {
		t.Fatalf("sched_switch missing from %d items", len(l.Items))
	}
	if it.Kind != protocol.CompletionItemKindEvent || it.TextEdit == nil || it.TextEdit.Range.Start.Character != 17 {
		t.Errorf("sched_switch item: %+v", it)
	}
	for label := range got {
		if !strings.HasPrefix(label, "sched_") {
			t.Errorf("event of another category: %s", label)
		}
	}
	// Resolving the item fills in the tracepoint's fields.
	var res completionItem
	c.mustCall("completionItem/resolve", it, &res)
	if res.Documentation == nil || !strings.Contains(res.Documentation.Value, "prev_pid") {
		t.Errorf("resolved documentation: %+v", res.Documentation)
	}
	// Categories after "tracepoint:", with a prefix, and through the alias.
	l = completeAt(t, c, uri1, "t:sc‸")
	if _, ok := labels(l)["sched"]; !ok {
		t.Errorf("categories: %v", labels(l))
	}
}

func TestCompletionKernelFunctions(t *testing.T) {
	needKernel(t)
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	text, pos := withCursor(t, "kprobe:vfs_‸\n{\n}\n")
	openAnalysed(c, uri1, text)
	start := time.Now()
	var l completionList
	c.mustCall("textDocument/completion", docPos(uri1, pos), &l)
	took := time.Since(start)
	got := labels(l)
	if _, ok := got["vfs_read"]; !ok {
		t.Fatalf("vfs_read missing: %d items", len(l.Items))
	}
	for label := range got {
		if !strings.HasPrefix(label, "vfs_") {
			t.Errorf("%s does not start with vfs_", label)
		}
	}
	if took > 5*time.Second {
		t.Errorf("completion took %v", took)
	}
	var res completionItem
	c.mustCall("completionItem/resolve", got["vfs_read"], &res)
	if !strings.Contains(res.Detail, "vfs_read(struct file *") {
		t.Errorf("resolved detail: %q", res.Detail)
	}
	// The whole list is capped and marked incomplete.
	l = completeAt(t, c, uri1, "fentry:‸")
	if !l.IsIncomplete || len(l.Items) > maxKernelItems+20 || len(l.Items) < maxKernelItems/2 {
		t.Errorf("empty prefix: incomplete=%v, %d items", l.IsIncomplete, len(l.Items))
	}
}

func TestCompletionMembersOfCurtask(t *testing.T) {
	needKernel(t)
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	for _, src := range []string{
		"kprobe:vfs_read { $t = curtask->‸ }",
		"kprobe:vfs_read { @x = curtask.‸\n}",
		"kprobe:vfs_read { $t = curtask; printf(\"%d\\n\", $t->‸); }",
		"kprobe:vfs_read { $p = (struct task_struct *)arg0; $p.co‸ }",
	} {
		l := completeAt(t, c, uri1, src)
		got := labels(l)
		want := []string{"pid", "comm"}
		if strings.Contains(src, ".co") {
			want = []string{"comm"}
		}
		for _, w := range want {
			it, ok := got[w]
			if !ok {
				t.Errorf("%q: %s missing (%d items)", src, w, len(l.Items))
				continue
			}
			if it.Kind != protocol.CompletionItemKindField || it.Detail == "" {
				t.Errorf("%q: %s item: %+v", src, w, it)
			}
			// task_struct is big: the documentation comes on resolve.
			var res completionItem
			c.mustCall("completionItem/resolve", it, &res)
			if res.Documentation == nil || !strings.Contains(res.Documentation.Value, "offset") || !strings.Contains(res.Documentation.Value, "struct task_struct") {
				t.Errorf("%q: %s resolved: %+v", src, w, res.Documentation)
			}
		}
		if _, ok := got["printf"]; ok {
			t.Errorf("%q: builtins offered after a member operator", src)
		}
	}
}

func TestCompletionArgsOfTracepoint(t *testing.T) {
	needKernel(t)
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	l := completeAt(t, c, uri1, "tracepoint:sched:sched_switch { printf(\"%s\\n\", args.‸) }")
	got := labels(l)
	for _, w := range []string{"prev_comm", "prev_pid", "next_pid"} {
		if _, ok := got[w]; !ok {
			t.Errorf("args.%s missing: %v", w, got)
		}
	}
	if _, ok := got["common_pid"]; ok {
		t.Error("common fields are not args")
	}
	// fentry args are the function's parameters.
	l = completeAt(t, c, uri1, "fentry:vfs_read { args.‸ }")
	if _, ok := labels(l)["count"]; !ok {
		t.Errorf("fentry args: %v", labels(l))
	}
}

// TestCompletionArgsOfUprobe: a uprobe's args are its function's
// parameters from the binary's DWARF.
func TestCompletionArgsOfUprobe(t *testing.T) {
	needKernel(t)
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("needs gcc")
	}
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "p.c"), filepath.Join(dir, "p")
	if err := os.WriteFile(src, []byte("int pick(int count, const char *label) { return count + label[0]; }\nint main(void) { return pick(1, \"x\"); }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-g", "-O0", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	got := labels(completeAt(t, c, uri1, "uprobe:"+bin+":pick { args.‸ }"))
	for _, w := range []string{"count", "label"} {
		if _, ok := got[w]; !ok {
			t.Errorf("args.%s missing: %v", w, got)
		}
	}
}

func TestCompletionBuiltinsInProbeBody(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	l := completeAt(t, c, uri1, "begin { @start = 1 }\nkprobe:vfs_read { $x = 1; pr‸ }")
	got := labels(l)
	pf, ok := got["printf"]
	if !ok || pf.Kind != protocol.CompletionItemKindFunction || !strings.Contains(pf.Detail, "printf(") ||
		pf.Documentation == nil || pf.Documentation.Kind != protocol.Markdown || pf.InsertTextFormat != protocol.InsertTextFormatSnippet {
		t.Fatalf("printf item: %+v", pf)
	}
	if _, ok := got["probe"]; !ok {
		t.Error("probe builtin missing")
	}
	// Everything in scope when nothing is typed: maps, variables, builtins.
	l = completeAt(t, c, uri1, "begin { @start = 1 }\nkprobe:vfs_read { $x = 1; ‸ }")
	got = labels(l)
	for _, w := range []string{"@start", "$x", "pid", "comm", "arg0", "count"} {
		if _, ok := got[w]; !ok {
			t.Errorf("%s missing", w)
		}
	}
	if _, ok := got["retval"]; ok {
		t.Error("retval offered in a kprobe")
	}
	if it := got["@start"]; it.Detail != "int64" && it.Detail != "int8" && !strings.Contains(it.Detail, "int") {
		t.Errorf("@start detail %q", it.Detail)
	}
	// args is not in kprobe, arg0 is not in tracepoint.
	l = completeAt(t, c, uri1, "tracepoint:sched:sched_switch { ar‸ }")
	got = labels(l)
	if _, ok := got["args"]; !ok {
		t.Error("args missing in a tracepoint")
	}
	if _, ok := got["arg0"]; ok {
		t.Error("arg0 offered in a tracepoint")
	}
	// '@' and '$' narrow to maps and variables.
	l = completeAt(t, c, uri1, "begin { @start = 1; $v = 2; @‸ }")
	for label := range labels(l) {
		if !strings.HasPrefix(label, "@") {
			t.Errorf("@: offered %s", label)
		}
	}
	// Clients without snippet support get plain insertions and text docs.
	c2 := newClient(t, Options{})
	c2.initialize(`{}`, nil)
	l = completeAt(t, c2, uri1, "begin { prin‸ }")
	pf = labels(l)["printf"]
	if pf.InsertTextFormat == protocol.InsertTextFormatSnippet || pf.TextEdit == nil || pf.TextEdit.NewText != "printf" ||
		pf.Documentation == nil || pf.Documentation.Kind != protocol.PlainText || strings.Contains(pf.Documentation.Value, "```") {
		t.Errorf("plain client printf: %+v", pf)
	}
}

func TestCompletionConfig(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	l := completeAt(t, c, uri1, "config = {\n  max_‸\n}\nbegin { }")
	got := labels(l)
	if _, ok := got["max_strlen"]; !ok {
		t.Fatalf("max_strlen missing: %v", got)
	}
	if _, ok := got["btf"]; ok {
		t.Error("environment-only key offered")
	}
	l = completeAt(t, c, uri1, "config = {\n  stack_mode = ‸\n}\nbegin { }")
	got = labels(l)
	for _, w := range []string{"perf", "raw", "bpftrace"} {
		if _, ok := got[w]; !ok {
			t.Errorf("stack_mode value %s missing: %v", w, got)
		}
	}
}

func TestCompletionTopLevelAndProbeTargets(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	got := labels(completeAt(t, c, uri1, "kpr‸"))
	if it, ok := got["kprobe"]; !ok || it.TextEdit.NewText != "kprobe:" {
		t.Errorf("kprobe provider: %+v", got["kprobe"])
	}
	if _, ok := got["kprobe-latency"]; !ok {
		t.Errorf("latency snippet missing: %v", got)
	}
	got = labels(completeAt(t, c, uri1, "‸"))
	for _, w := range []string{"tracepoint", "begin", "k", "config", "interval-print"} {
		if _, ok := got[w]; !ok {
			t.Errorf("top level: %s missing", w)
		}
	}
	if _, ok := got["BEGIN"]; ok {
		t.Error("legacy BEGIN offered")
	}
	got = labels(completeAt(t, c, uri1, "software:c‸"))
	for _, w := range []string{"cpu-clock", "cs", "context-switches"} {
		if _, ok := got[w]; !ok {
			t.Errorf("software events: %s missing: %v", w, got)
		}
	}
	got = labels(completeAt(t, c, uri1, "interval:‸"))
	for _, w := range []string{"s", "ms", "hz", "us"} {
		if _, ok := got[w]; !ok {
			t.Errorf("interval units: %s missing", w)
		}
	}
	got = labels(completeAt(t, c, uri1, "let @m = ‸"))
	if _, ok := got["lruhash"]; !ok || len(got) != 4 {
		t.Errorf("map declaration kinds: %v", got)
	}
	// uprobe: paths from the file system, then the binary's functions.
	got = labels(completeAt(t, c, uri1, "uprobe:/usr/bi‸"))
	if it, ok := got["bin/"]; !ok || it.TextEdit.NewText != "/usr/bin/" {
		t.Errorf("uprobe path: %+v", got)
	}
	got = labels(completeAt(t, c, uri1, "uprobe:/bin/bash:readl‸"))
	if _, ok := got["readline"]; !ok {
		t.Skipf("no readline in /bin/bash (%d items)", len(got))
	}
}

// Completion answers from the syntax tree when the full analysis of the
// current version is slow (the checker's first look at the kernel).
func TestCompletionDoesNotWaitForSlowAnalysis(t *testing.T) {
	needKernel(t)
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	text, pos := withCursor(t, "kprobe:vfs_read { $t = curtask; $t->‸ }")
	c.open(uri1, text, 1)
	c.waitDiagnostics(uri1, 1)
	// Replace the analysis of the current version by one that never ends.
	block := make(chan struct{})
	defer close(block)
	c.srv.mu.Lock()
	d := c.srv.docs[uri1]
	slow := &document{uri: d.uri, version: d.version, file: d.file,
		snap: &lazySnapshot{make: func() *Snapshot { <-block; return nil }}}
	c.srv.docs[uri1] = slow
	c.srv.mu.Unlock()
	start := time.Now()
	var l completionList
	c.mustCall("textDocument/completion", docPos(uri1, pos), &l)
	if _, ok := labels(l)["comm"]; !ok {
		t.Errorf("no members without the checker: %d items", len(l.Items))
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("completion waited %v", took)
	}
}

func TestCompletionOtherKernelTargets(t *testing.T) {
	needKernel(t)
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	for _, tc := range []struct{ src, want string }{
		{"rawtracepoint:sched_sw‸", "sched_switch"},
		{"iter:ta‸", "task"},
		{"fentry:vmlinux:vfs_rea‸", "vfs_read"},
		{"self:signal:‸", "SIGUSR1"},
		{"begin { $x = (struct task_s‸", "task_struct"},
	} {
		if _, ok := labels(completeAt(t, c, uri1, tc.src))[tc.want]; !ok {
			t.Errorf("%q: %s missing", tc.src, tc.want)
		}
	}
}

// Completion ranges count characters in the negotiated encoding.
func TestCompletionRangesInNegotiatedEncoding(t *testing.T) {
	const src = "begin { printf(\"𝄞é\"); $x = 1; @m = \"ü\"; pr‸ }"
	for _, tc := range []struct {
		caps  string
		start uint32
	}{
		// "begin { printf(\"𝄞é\"); $x = 1; @m = \"ü\"; " in UTF-16 units
		// (𝄞 is two) and in UTF-8 bytes (𝄞 four, é and ü two).
		{`{"general":{"positionEncodings":["utf-16"]}}`, 41},
		{`{"general":{"positionEncodings":["utf-8"]}}`, 45},
	} {
		c := newClient(t, Options{})
		c.initialize(tc.caps, nil)
		text, pos := withCursor(t, src)
		if strings.Contains(tc.caps, "utf-8") {
			pos.Character = 47 // withCursor counts UTF-16
		}
		openAnalysed(c, uri1, text)
		var l completionList
		c.mustCall("textDocument/completion", docPos(uri1, pos), &l)
		it, ok := labels(l)["printf"]
		if !ok {
			t.Fatalf("%s: printf missing", tc.caps)
		}
		if r := it.TextEdit.Range; r.Start.Character != tc.start || r.End.Character != tc.start+2 {
			t.Errorf("%s: range %+v, want %d-%d", tc.caps, r, tc.start, tc.start+2)
		}
	}
}

// After '%' in a format string, the conversions bpftrace supports.
func TestCompletionFormatVerbs(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	got := labels(completeAt(t, c, uri1, `begin { printf("pid %‸") }`))
	for _, w := range []string{"%d", "%s", "%x", "%u", "%r"} {
		if _, ok := got[w]; !ok {
			t.Errorf("%s missing from %d items", w, len(got))
		}
	}
	if _, ok := got["%f"]; ok {
		t.Errorf("%s offered: bpftrace rejects floating point conversions", "%f")
	}
	if it := got["%s"]; it.TextEdit == nil || it.TextEdit.NewText != "s" {
		t.Errorf("%%s edit %+v", it.TextEdit)
	}
	// Flags and width are kept; a typed letter narrows.
	got = labels(completeAt(t, c, uri1, `begin { printf("%-16‸", comm) }`))
	if _, ok := got["%-16s"]; !ok {
		t.Errorf("%%-16s missing: %v", got)
	}
	got = labels(completeAt(t, c, uri1, `begin { printf("%l‸", 1) }`))
	if _, ok := got["%ld"]; !ok {
		t.Errorf("%%ld missing: %v", got)
	}
	// Not after "%%", not outside a format string, not in other strings.
	for _, src := range []string{`begin { printf("100%%‸") }`, `begin { $s = "a %‸"; }`, `begin { print("%‸") }`} {
		for label := range labels(completeAt(t, c, uri1, src)) {
			if strings.HasPrefix(label, "%") {
				t.Errorf("%s: offered %s", src, label)
			}
		}
	}
}
