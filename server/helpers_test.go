package server

import (
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/source"
)

// cursorMark marks the cursor in test scripts.
const cursorMark = "‸"

// withCursor removes the cursor mark from src and returns the text and
// the mark's LSP position in UTF-16.
func withCursor(t testing.TB, src string) (string, protocol.Position) {
	t.Helper()
	i := strings.Index(src, cursorMark)
	if i < 0 {
		t.Fatalf("no cursor mark in %q", src)
	}
	text := src[:i] + src[i+len(cursorMark):]
	ep := source.NewFile("", []byte(text)).EditorPos(source.Pos(i), source.UTF16)
	return text, protocol.Position{Line: uint32(ep.Line), Character: uint32(ep.Character)}
}

// needKernel skips tests that need the running kernel's BTF.
func needKernel(t testing.TB) {
	t.Helper()
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("no kernel BTF at /sys/kernel/btf/vmlinux")
	}
}

func docPos(uri string, pos protocol.Position) map[string]any {
	return map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos}
}

// openAnalysed opens text as a new version of uri and waits for its
// analysis, so that requests see the checker's results.
func openAnalysed(c *client, uri, text string) {
	c.t.Helper()
	v := 1<<20 + testVersion.Add(1) // above the versions tests use themselves
	c.open(uri, text, v)
	c.waitDiagnostics(uri, v)
}

var testVersion atomic.Int32

// completeAt opens src (with a cursor mark) and asks for completion.
func completeAt(t testing.TB, c *client, uri, src string) completionList {
	t.Helper()
	text, pos := withCursor(t, src)
	openAnalysed(c, uri, text)
	var l completionList
	c.mustCall("textDocument/completion", docPos(uri, pos), &l)
	return l
}

func labels(l completionList) map[string]completionItem {
	m := map[string]completionItem{}
	for _, it := range l.Items {
		m[it.Label] = it
	}
	return m
}

const fullCaps = `{"general":{"positionEncodings":["utf-16"]},"textDocument":{
 "hover":{"contentFormat":["markdown","plaintext"]},
 "completion":{"completionItem":{"snippetSupport":true,"documentationFormat":["markdown"],"labelDetailsSupport":true}},
 "signatureHelp":{"signatureInformation":{"parameterInformation":{"labelOffsetSupport":true}}},
 "publishDiagnostics":{"relatedInformation":true}}}`
