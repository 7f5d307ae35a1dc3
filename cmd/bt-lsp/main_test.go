package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// pipeRWC feeds a fixed input and collects the output.
type pipeRWC struct {
	in  io.Reader
	mu  sync.Mutex // late notifications may still be written after exit
	out bytes.Buffer
}

func (p *pipeRWC) Read(b []byte) (int, error) { return p.in.Read(b) }
func (p *pipeRWC) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}
func (p *pipeRWC) Close() error { return nil }

func (p *pipeRWC) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func frame(body string) string {
	return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
}

// TestStdioSession runs a whole session through the framed stream the
// binary uses: initialize, open, shutdown, exit.
func TestStdioSession(t *testing.T) {
	pr, pw := io.Pipe()
	rwc := &pipeRWC{in: pr}
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), rwc, io.Discard) }()
	w := bufio.NewWriter(pw)
	for _, m := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,"rootUri":null,"capabilities":{}}}`,
		`{"jsonrpc":"2.0","method":"initialized","params":{}}`,
		`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///x.bt","languageId":"bpftrace","version":1,"text":"begin { @x = 1 "}}}`,
		`{"jsonrpc":"2.0","id":2,"method":"shutdown"}`,
		`{"jsonrpc":"2.0","method":"exit"}`,
	} {
		w.WriteString(frame(m))
	}
	w.Flush()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not exit")
	}
	pw.Close()
	out := rwc.output()
	for _, want := range []string{`"name":"bt-lsp"`, `"id":2`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}
