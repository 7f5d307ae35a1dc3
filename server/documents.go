package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/source"
)

// document is one open text document. Its fields are replaced, never
// mutated, on each change: handlers that hold a *Snapshot keep reading
// the version they started with.
type document struct {
	uri     string
	version int32
	file    *source.File
	snap    *lazySnapshot
}

// lazySnapshot computes a document version's analysis once, on first
// demand, and shares it between the diagnostics publisher and requests.
type lazySnapshot struct {
	once sync.Once
	snap *Snapshot
	make func() *Snapshot
	mu   sync.Mutex
	done bool // snap is computed
}

func (l *lazySnapshot) get() *Snapshot {
	l.once.Do(func() { l.snap = l.make() })
	l.mu.Lock()
	l.done = true
	l.mu.Unlock()
	return l.snap
}

// peek returns the analysis if it has been computed, without computing it.
func (l *lazySnapshot) peek() *Snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		return nil
	}
	return l.snap
}

// pathFromURI returns the file system path of a file: URI, or the URI
// itself for other schemes (untitled buffers), so diagnostics still have
// a name.
func pathFromURI(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return uri
	}
	return filepath.FromSlash(u.Path)
}

// uriFromPath returns the file: URI of an absolute path.
func uriFromPath(path string) string {
	abs, err := filepath.Abs(path)
	if err == nil {
		path = abs
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// setDocument installs a new version and schedules publishing its
// diagnostics: at once for a newly opened document, after the debounce
// delay for a change (a newer change cancels the pending one).
func (s *Server) setDocument(ctx context.Context, uri string, version int32, text []byte, immediate bool) {
	s.installDocument(ctx, uri, version, text, immediate, nil)
	s.reanalyzeImporters(ctx, uri)
}

// reanalyzeImporters schedules a new analysis of every other open
// document whose last analysis imported the file of uri: what that file
// defines (macros, maps, fns, C types) changes their diagnostics.
func (s *Server) reanalyzeImporters(ctx context.Context, uri string) {
	path := pathFromURI(uri)
	s.mu.Lock()
	var importers []*document
	for other, d := range s.docs {
		if other == uri {
			continue
		}
		snap := d.snap.peek()
		if snap == nil {
			continue // not analysed yet: its analysis will read the new text
		}
		for _, imp := range snap.Imports {
			if imp.Path == path {
				importers = append(importers, d)
				break
			}
		}
	}
	s.mu.Unlock()
	for _, d := range importers {
		s.installDocument(ctx, d.uri, d.version, d.file.Text, false, d)
	}
}

// installDocument makes text the current version of uri and schedules
// its diagnostics; with replace set, only while replace is still the
// current document (a newer edit wins over a re-analysis).
func (s *Server) installDocument(ctx context.Context, uri string, version int32, text []byte, immediate bool, replace *document) {
	file := source.NewFile(pathFromURI(uri), text)
	d := &document{uri: uri, version: version, file: file}
	d.snap = &lazySnapshot{make: func() *Snapshot {
		return s.analyzer.Analyze(context.Background(), uri, version, file)
	}}
	delay := s.opts.Debounce
	if immediate {
		delay = 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if replace != nil && s.docs[uri] != replace {
		return
	}
	s.docs[uri] = d
	if t := s.timers[uri]; t != nil {
		t.Stop()
	}
	s.timers[uri] = time.AfterFunc(delay, func() { s.publishDiagnostics(ctx, uri, d) })
}

// document returns the open document for uri.
func (s *Server) document(uri string) (*document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[uri]
	if !ok {
		return nil, fmt.Errorf("document not open: %s", uri)
	}
	return d, nil
}

// snapshot returns the analysis of the current version of uri.
func (s *Server) snapshot(uri string) (*Snapshot, error) {
	d, err := s.document(uri)
	if err != nil {
		return nil, err
	}
	return d.snap.get(), nil
}

func init() {
	register("textDocument/didOpen", didOpen)
	register("textDocument/didChange", didChange)
	register("textDocument/didClose", didClose)
	register("textDocument/didSave", func(context.Context, *Server, json.RawMessage) (any, error) { return nil, nil })
}

func didOpen(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p protocol.DidOpenTextDocumentParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	s.setDocument(ctx, string(p.TextDocument.URI), p.TextDocument.Version, []byte(p.TextDocument.Text), true)
	return nil, nil
}

// changeEvent is TextDocumentContentChangeEvent with the range optional,
// which protocol v0.12 models as a value type.
type changeEvent struct {
	Range *protocol.Range `json:"range,omitempty"`
	Text  string          `json:"text"`
}

type didChangeParams struct {
	TextDocument   protocol.VersionedTextDocumentIdentifier `json:"textDocument"`
	ContentChanges []changeEvent                            `json:"contentChanges"`
}

func didChange(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p didChangeParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	uri := string(p.TextDocument.URI)
	d, err := s.document(uri)
	if err != nil {
		return nil, err
	}
	enc := s.positionEncoding()
	text := d.file.Text
	for _, ch := range p.ContentChanges {
		text = applyChange(text, ch, enc)
	}
	// Versions may jump (clients batch changes); only going backwards is
	// suspicious, and even then the newest text wins.
	s.setDocument(ctx, uri, p.TextDocument.Version, text, false)
	return nil, nil
}

// applyChange applies one content change to text. Positions beyond the
// end of a line or of the document clamp, as the specification asks.
func applyChange(text []byte, ch changeEvent, enc source.Encoding) []byte {
	if ch.Range == nil {
		return []byte(ch.Text)
	}
	f := source.NewFile("", text)
	start := f.PosOf(source.EditorPosition{Line: int(ch.Range.Start.Line), Character: int(ch.Range.Start.Character)}, enc)
	end := f.PosOf(source.EditorPosition{Line: int(ch.Range.End.Line), Character: int(ch.Range.End.Character)}, enc)
	if end < start {
		start, end = end, start
	}
	var b strings.Builder
	b.Grow(len(text) - int(end-start) + len(ch.Text))
	b.Write(text[:start])
	b.WriteString(ch.Text)
	b.Write(text[end:])
	return []byte(b.String())
}

func didClose(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p protocol.DidCloseTextDocumentParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	uri := string(p.TextDocument.URI)
	s.mu.Lock()
	delete(s.docs, uri)
	if t := s.timers[uri]; t != nil {
		t.Stop()
		delete(s.timers, uri)
	}
	s.mu.Unlock()
	// Clear the closed file's diagnostics, as editors expect.
	s.notify(ctx, "textDocument/publishDiagnostics", protocol.PublishDiagnosticsParams{
		URI: protocol.DocumentURI(uri), Diagnostics: []protocol.Diagnostic{},
	})
	s.forgetImportedDiagnostics(ctx, uri)
	return nil, nil
}
