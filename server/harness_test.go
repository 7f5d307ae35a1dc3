package server

import (
	"context"
	"encoding/json"
	"net"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// client is an in-process LSP client connected to a Server over a pipe:
// every test talks real JSON-RPC, as an editor would.
type client struct {
	t    testing.TB
	conn jsonrpc2.Conn
	srv  *Server
	done chan error

	mu    sync.Mutex
	diags map[string][]protocol.PublishDiagnosticsParams
	wake  chan struct{}
}

// newClient starts a server and connects a client to it. The server is
// shut down when the test ends.
func newClient(t testing.TB, opts Options) *client {
	t.Helper()
	a, b := net.Pipe()
	if opts.Debounce == 0 {
		opts.Debounce = time.Millisecond
	}
	srv := New(opts)
	c := &client{t: t, srv: srv, done: make(chan error, 1), diags: map[string][]protocol.PublishDiagnosticsParams{}, wake: make(chan struct{}, 1)}
	go func() { c.done <- srv.Serve(context.Background(), a) }()
	c.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(b))
	c.conn.Go(context.Background(), func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if req.Method() == "textDocument/publishDiagnostics" {
			var p protocol.PublishDiagnosticsParams
			if err := json.Unmarshal(req.Params(), &p); err == nil {
				c.mu.Lock()
				c.diags[string(p.URI)] = append(c.diags[string(p.URI)], p)
				c.mu.Unlock()
				select {
				case c.wake <- struct{}{}:
				default:
				}
			}
		}
		return reply(ctx, nil, nil)
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.conn.Call(ctx, "shutdown", nil, nil)
		c.conn.Notify(ctx, "exit", nil)
		select {
		case <-c.done:
		case <-ctx.Done():
			t.Error("server did not exit after shutdown/exit")
		}
		c.conn.Close()
	})
	return c
}

// call sends a request and decodes its result into out (may be nil).
func (c *client) call(method string, params, out any) error {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.conn.Call(ctx, method, params, out)
	return err
}

// mustCall is call that fails the test on error.
func (c *client) mustCall(method string, params, out any) {
	c.t.Helper()
	if err := c.call(method, params, out); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	if err := c.conn.Notify(context.Background(), method, params); err != nil {
		c.t.Fatalf("notify %s: %v", method, err)
	}
}

// initialize performs the handshake with the given capabilities JSON and
// initializationOptions.
func (c *client) initialize(caps string, initOptions any) initializeResult {
	c.t.Helper()
	params := map[string]any{
		"processId":    nil,
		"rootUri":      nil,
		"capabilities": json.RawMessage(caps),
	}
	if initOptions != nil {
		params["initializationOptions"] = initOptions
	}
	var res initializeResult
	c.mustCall("initialize", params, &res)
	c.notify("initialized", map[string]any{})
	return res
}

// open sends didOpen.
func (c *client) open(uri, text string, version int32) {
	c.t.Helper()
	c.notify("textDocument/didOpen", map[string]any{
		"textDocument": map[string]any{"uri": uri, "languageId": "bpftrace", "version": version, "text": text},
	})
}

// waitDiagnostics waits (bounded) until diagnostics for uri at version
// arrive and returns them.
func (c *client) waitDiagnostics(uri string, version int32) []protocol.Diagnostic {
	c.t.Helper()
	// Bounded, generously: a first analysis may build the kernel header
	// and its precompiled form with clang on a loaded machine.
	deadline := time.After(60 * time.Second)
	for {
		c.mu.Lock()
		for _, p := range c.diags[uri] {
			if int32(p.Version) == version {
				c.mu.Unlock()
				return p.Diagnostics
			}
		}
		c.mu.Unlock()
		select {
		case <-c.wake:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			c.t.Fatalf("no diagnostics for %s version %d", uri, version)
		}
	}
}

const testCaps = `{"textDocument":{"hover":{"contentFormat":["markdown","plaintext"]},"publishDiagnostics":{"relatedInformation":true}}}`
