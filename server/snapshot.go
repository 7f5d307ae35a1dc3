package server

import (
	"context"
	"sync"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
)

// Snapshot is the immutable analysis of one version of one document.
// Handlers read it without locks.
type Snapshot struct {
	URI     string
	Version int32
	File    *source.File
	AST     *ast.File
	// Diags are every diagnostic of the analysis, for this file and for
	// files it imports (each diagnostic names its file).
	Diags diag.List
}

// Analyzer produces snapshots. The default runs the analysis core in
// process; tests may substitute their own.
type Analyzer interface {
	Analyze(ctx context.Context, uri string, version int32, f *source.File) *Snapshot
	// Reset drops cached state (kernel index, C results) after a
	// configuration change.
	Reset()
}

// coreAnalyzer runs the parser (and, with the checker, the full
// analysis) on a document.
type coreAnalyzer struct {
	config *Config
	mu     *sync.Mutex // guards config
}

func newCoreAnalyzer(cfg *Config, mu *sync.Mutex) *coreAnalyzer {
	return &coreAnalyzer{config: cfg, mu: mu}
}

func (a *coreAnalyzer) Analyze(ctx context.Context, uri string, version int32, f *source.File) *Snapshot {
	file, diags := parser.ParseFile(f)
	diags.Sort()
	return &Snapshot{URI: uri, Version: version, File: f, AST: file, Diags: diags}
}

func (a *coreAnalyzer) Reset() {}
