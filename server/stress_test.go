package server

import (
	"encoding/json"
	"math/rand"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/source"
)

// TestStress sends random edits and random requests — positions inside
// and far outside the text, malformed params, closed documents — from
// several goroutines, and checks that the server never panics, never
// hangs, and keeps the same text as the client.
func TestStress(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d, %d operations", seed, n)
	rng := rand.New(rand.NewSource(seed))

	var panics atomic.Int32
	logf := func(format string, args ...any) {
		if strings.HasPrefix(format, "panic") {
			panics.Add(1)
			t.Errorf(format, args...)
		}
	}
	c := newClient(t, Options{Logf: logf, Debounce: time.Millisecond})
	// C in the random text is read by the built-in reader: a clang run per
	// edit of an #include line would make this a test of clang's speed.
	c.initialize(fullCaps, map[string]any{"clang": "none"})
	text := benchScript(60)
	c.open(uri1, text, 1)
	const uri2 = "file:///tmp/b.bt"

	deadline := time.AfterFunc(10*time.Minute, func() { panic("stress test did not finish: deadlock?") })
	defer deadline.Stop()

	var internal atomic.Int32
	jobs := make(chan func(), 64)
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				job()
			}
		}()
	}
	call := func(method string, params any) {
		var out json.RawMessage
		err := c.call(method, params, &out)
		if err != nil && strings.Contains(err.Error(), "internal error") {
			internal.Add(1)
			t.Errorf("%s: %v", method, err)
		}
	}

	fragments := []string{"", "x", "$", "@", ".", "->", ":", "(", ")", "{", "}", "[", "]", ";", ",", "\"", "/", "\n", "  ",
		"kprobe:", "tracepoint:sched:", "curtask->", "args.", "printf(\"%d\\n\", ", "@m[pid] = count();", "$x = 1;",
		"𝄞", "é", "\t", "/*", "*/", "//", "#include <linux/sched.h>\n", "config = {", "macro m($a) { $a }", "fn f(): int64 { return 1; }",
		"import \"x.bt\";", "BEGIN", "if (", "} else {", "for ($k : @m) {", "sizeof(", "(struct task_struct *)", "\\", "0x", "1e3"}
	methods := []string{"textDocument/completion", "textDocument/hover", "textDocument/signatureHelp", "textDocument/definition",
		"textDocument/references", "textDocument/documentHighlight", "textDocument/prepareRename", "textDocument/rename",
		"textDocument/semanticTokens/full", "textDocument/semanticTokens/range", "textDocument/formatting", "textDocument/codeAction",
		"textDocument/inlayHint", "textDocument/documentSymbol", "textDocument/foldingRange", "completionItem/resolve"}
	malformed := []string{`null`, `[]`, `"x"`, `42`, `{}`, `{"textDocument":5}`, `{"textDocument":{"uri":5}}`,
		`{"textDocument":{"uri":"file:///tmp/a.bt"},"position":{"line":-1,"character":0}}`,
		`{"textDocument":{"uri":"file:///tmp/a.bt"},"position":"here"}`, `{"textDocument":{"uri":"file:///tmp/a.bt"},"range":[1,2]}`,
		`{"textDocument":{"uri":"file:///tmp/a.bt"},"position":{"line":0,"character":0},"newName":7}`,
		`{"label":"x","data":{"u":"file:///tmp/a.bt","k":"func","n":"\u0000"}}`}

	pos := func() protocol.Position {
		f := source.NewFile("", []byte(text))
		switch rng.Intn(10) {
		case 0:
			return protocol.Position{Line: uint32(rng.Intn(1 << 30)), Character: uint32(rng.Intn(1 << 30))}
		case 1:
			return protocol.Position{Line: uint32(rng.Intn(f.LineCount() + 3)), Character: uint32(rng.Intn(200))}
		}
		p := source.Pos(rng.Intn(len(text) + 1))
		ep := f.EditorPos(p, source.UTF16)
		return protocol.Position{Line: uint32(ep.Line), Character: uint32(ep.Character)}
	}
	version := int32(1)
	open2 := false
	for i := 0; i < n; i++ {
		switch r := rng.Intn(100); {
		case r < 40: // an edit
			a, b := pos(), pos()
			ch := changeEvent{Range: &protocol.Range{Start: a, End: b}, Text: fragments[rng.Intn(len(fragments))]}
			if rng.Intn(200) == 0 {
				ch = changeEvent{Text: benchScript(40 + rng.Intn(40))}
			}
			text = string(applyChange([]byte(text), ch, source.UTF16))
			version++
			c.notify("textDocument/didChange", map[string]any{
				"textDocument": map[string]any{"uri": uri1, "version": version}, "contentChanges": []any{ch},
			})
			if len(text) > 64<<10 {
				text = benchScript(60)
				version++
				c.notify("textDocument/didChange", map[string]any{
					"textDocument": map[string]any{"uri": uri1, "version": version}, "contentChanges": []any{changeEvent{Text: text}},
				})
			}
		case r < 90: // a request at a random place
			method := methods[rng.Intn(len(methods))]
			uri := uri1
			if rng.Intn(20) == 0 {
				uri = uri2 // possibly closed
			}
			a, b := pos(), pos()
			params := map[string]any{
				"textDocument": map[string]any{"uri": uri}, "position": a,
				"range":   map[string]any{"start": a, "end": b},
				"context": map[string]any{"includeDeclaration": rng.Intn(2) == 0, "diagnostics": []any{}, "triggerKind": 1 + rng.Intn(2), "triggerCharacter": fragments[rng.Intn(len(fragments))]},
				"newName": []string{"@y", "$z", "w", "", "1bad", "@", "if"}[rng.Intn(7)],
				"options": map[string]any{"tabSize": 2, "insertSpaces": true},
			}
			if method == "completionItem/resolve" {
				params = map[string]any{"label": "vfs_read", "data": map[string]any{"u": uri, "k": []string{"func", "tracepoint", "member", "x"}[rng.Intn(4)], "m": []string{"sched", "struct task_struct", "union x", ""}[rng.Intn(4)], "n": []string{"vfs_read", "sched_switch", "pid", "nope"}[rng.Intn(4)]}}
			}
			jobs <- func() { call(method, params) }
		case r < 95: // malformed params
			method := methods[rng.Intn(len(methods))]
			raw := json.RawMessage(malformed[rng.Intn(len(malformed))])
			jobs <- func() { call(method, raw) }
		default: // another document comes and goes
			if open2 {
				c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri2}})
			} else {
				c.open(uri2, fragments[rng.Intn(len(fragments))]+text[:rng.Intn(len(text)+1)], 1)
			}
			open2 = !open2
		}
	}
	close(jobs)
	wg.Wait()
	// The server applied every edit as the client did.
	var syms json.RawMessage
	c.mustCall("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": uri1}}, &syms)
	doc, err := c.srv.document(uri1)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(doc.file.Text); got != text {
		t.Errorf("server text differs from the client's after %d operations", n)
	}
	if panics.Load() > 0 || internal.Load() > 0 {
		t.Errorf("%d panics, %d internal errors", panics.Load(), internal.Load())
	}
}
