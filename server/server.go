// Package server is bt's language server: it keeps an immutable snapshot
// of every open document version, answers each LSP request with a thin
// handler (one file per feature) that reads the analysis core's result
// for that snapshot, and publishes diagnostics after debounced
// re-analysis. It never runs a shell or any program with document text.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"runtime/debug"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// handlerFunc answers one request or notification. params is the raw
// JSON of the message's params; the result is marshalled as the reply
// (ignored for notifications).
type handlerFunc func(ctx context.Context, s *Server, params json.RawMessage) (any, error)

// methods is the table of every LSP method the server answers. Each
// feature file adds its own entries in init.
var methods = map[string]handlerFunc{}

func register(method string, h handlerFunc) {
	if _, dup := methods[method]; dup {
		panic("server: method registered twice: " + method)
	}
	methods[method] = h
}

// Options configures a Server.
type Options struct {
	// Debounce is how long to wait after a change before re-analysing;
	// zero means the default (60ms).
	Debounce time.Duration
	// Logf receives the server's log lines; nil discards them.
	Logf func(format string, args ...any)
	// Analyzer turns a document into a snapshot; nil uses the analysis
	// core (parser, checker, kernel index).
	Analyzer Analyzer
}

// Server is one client's language server session.
type Server struct {
	conn     jsonrpc2.Conn
	opts     Options
	analyzer Analyzer

	mu         sync.Mutex
	state      serverState
	docs       map[string]*document // by URI
	config     Config
	clientCaps clientCapabilities
	encoding   encodingKind
	timers     map[string]*time.Timer // pending diagnostics per URI
	exited     chan struct{}          // closed on the exit notification
	exitOnce   sync.Once
	inflight   sync.WaitGroup // messages whose reply is not yet written

	importMu sync.Mutex                                  // guards imported
	imported map[string]map[string][]protocol.Diagnostic // imported file URI -> root URI -> diagnostics
}

type serverState int

const (
	stateNew serverState = iota
	stateInitialized
	stateShutdown
)

// New makes a server that is not yet connected.
func New(opts Options) *Server {
	if opts.Debounce == 0 {
		opts.Debounce = 60 * time.Millisecond
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	s := &Server{
		opts:   opts,
		docs:   map[string]*document{},
		timers: map[string]*time.Timer{},
		config: defaultConfig(),
		exited: make(chan struct{}),
	}
	s.analyzer = opts.Analyzer
	if s.analyzer == nil {
		ca := newCoreAnalyzer(&s.config, &s.mu)
		ca.logf = opts.Logf
		ca.overlay = s.openText
		s.analyzer = ca
	}
	return s
}

// Serve runs the server over a byte stream (stdio for bt-lsp) until the
// client exits or the stream ends. It returns nil after a clean
// shutdown/exit sequence.
func (s *Server) Serve(ctx context.Context, rwc io.ReadWriteCloser) error {
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(rwc))
	s.conn = conn
	handler, cancel := jsonrpc2.CancelHandler(jsonrpc2.AsyncHandler(s.handle))
	conn.Go(ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if req.Method() == "$/cancelRequest" {
			var p struct {
				ID json.RawMessage `json:"id"`
			}
			if json.Unmarshal(req.Params(), &p) == nil {
				if id, ok := parseID(p.ID); ok {
					cancel(id)
				}
			}
			return nil
		}
		return handler(ctx, reply, req)
	})
	select {
	case <-ctx.Done():
		conn.Close()
		return ctx.Err()
	case <-s.exited:
		// Replies still being written (the async handler starts the next
		// message before the previous reply is out) get a bounded moment;
		// a blocked read of stdin cannot be interrupted, and the caller
		// exits the process, so the read loop is not waited for.
		drained := make(chan struct{})
		go func() { s.inflight.Wait(); close(drained) }()
		select {
		case <-drained:
		case <-time.After(2 * time.Second):
		}
		conn.Close()
	case <-conn.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.timers {
		t.Stop()
	}
	if s.state != stateShutdown {
		// LSP: exit without shutdown (or a vanished client) is an error.
		if err := conn.Err(); err != nil && err != io.EOF {
			return err
		}
		return errExitWithoutShutdown
	}
	return nil
}

// errExitWithoutShutdown is returned by Serve when the client went away
// without the shutdown request; bt-lsp then exits with status 1.
var errExitWithoutShutdown = errors.New("client exited without shutdown")

func parseID(raw json.RawMessage) (jsonrpc2.ID, bool) {
	var n int32
	if json.Unmarshal(raw, &n) == nil {
		return jsonrpc2.NewNumberID(n), true
	}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return jsonrpc2.NewStringID(str), true
	}
	return jsonrpc2.ID{}, false
}

// handle dispatches one message and replies exactly once, notifications
// included: the async handler releases the next message on reply. A
// panic in a handler becomes an InternalError reply, never a dead server.
func (s *Server) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	s.inflight.Add(1)
	defer s.inflight.Done()
	result, err := s.dispatch(ctx, req)
	if _, isCall := req.(*jsonrpc2.Call); !isCall && err != nil {
		s.opts.Logf("%s: %v", req.Method(), err)
	}
	return reply(ctx, result, err)
}

func (s *Server) dispatch(ctx context.Context, req jsonrpc2.Request) (result any, err error) {
	method := req.Method()
	defer func() {
		if r := recover(); r != nil {
			s.opts.Logf("panic in %s: %v\n%s", method, r, debug.Stack())
			result, err = nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "internal error in %s: %v", method, r)
		}
	}()
	s.mu.Lock()
	state := s.state
	s.mu.Unlock()
	switch {
	case method == "exit":
		s.exitOnce.Do(func() { close(s.exited) })
		return nil, nil
	case state == stateNew && method != "initialize":
		return nil, jsonrpc2.Errorf(jsonrpc2.ServerNotInitialized, "server not initialized")
	case state == stateShutdown:
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "server is shutting down")
	}
	h, ok := methods[method]
	if !ok {
		// Unknown notifications are ignored by the caller (no reply is
		// sent for them); unknown requests get MethodNotFound.
		return nil, jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "method not supported: %s", method)
	}
	if ctx.Err() != nil {
		return nil, jsonrpc2.Errorf(requestCancelled, "request cancelled")
	}
	result, err = h(ctx, s, req.Params())
	if err == nil && ctx.Err() != nil {
		return nil, jsonrpc2.Errorf(requestCancelled, "request cancelled")
	}
	return result, err
}

// requestCancelled is LSP's RequestCancelled error code.
const requestCancelled jsonrpc2.Code = -32800

// invalidParams wraps a decoding failure as an InvalidParams error.
func invalidParams(err error) error {
	return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "invalid params: %v", err)
}

// decode unmarshals params into v, reporting InvalidParams on failure.
func decode(params json.RawMessage, v any) error {
	if len(params) == 0 {
		return invalidParams(fmt.Errorf("missing params"))
	}
	if err := json.Unmarshal(params, v); err != nil {
		return invalidParams(err)
	}
	return nil
}

// notify sends a notification to the client; failures are logged.
func (s *Server) notify(ctx context.Context, method string, params any) {
	if s.conn == nil {
		return
	}
	if err := s.conn.Notify(ctx, method, params); err != nil {
		s.opts.Logf("notify %s: %v", method, err)
	}
}

// StdLogger returns a Logf that writes to w with timestamps.
func StdLogger(w io.Writer) func(string, ...any) {
	l := log.New(w, "bt-lsp: ", log.LstdFlags|log.Lmicroseconds)
	return l.Printf
}
