package server

import (
	"context"
	"sync"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
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
	// ParseDiags are the syntax diagnostics of File alone (the formatter
	// refuses to print a file with syntax errors).
	ParseDiags diag.List
	// Diags are every diagnostic of the analysis, for this file and for
	// files it imports (each diagnostic names its file).
	Diags diag.List
	// Program is the checked program; nil when the checker did not run
	// (a test Analyzer, or a cancelled analysis). Program.Files[0] is AST.
	Program *check.Program
	// Kernel is the kernel index of the configuration; nil in
	// kernel-independent mode or when no index could be opened.
	Kernel *kernelIndex
	// Imports are the files the script's imports named, resolved.
	Imports []importedFile
}

// Info returns the checker's per-node record, or nil.
func (s *Snapshot) Info() *check.Info {
	if s == nil || s.Program == nil {
		return nil
	}
	return s.Program.Info
}

// Files returns the root script's tree and those of imported scripts.
func (s *Snapshot) Files() []*ast.File {
	if s.Program != nil && len(s.Program.Files) > 0 && s.Program.Files[0] == s.AST {
		return s.Program.Files
	}
	return []*ast.File{s.AST}
}

// Analyzer produces snapshots. The default runs the analysis core in
// process; tests may substitute their own.
type Analyzer interface {
	Analyze(ctx context.Context, uri string, version int32, f *source.File) *Snapshot
	// Reset drops cached state (kernel index, C results) after a
	// configuration change.
	Reset()
}

// coreAnalyzer runs the parser and the checker on a document, against
// the kernel index of the configuration, which it opens once and keeps
// until Reset.
type coreAnalyzer struct {
	config *Config
	mu     *sync.Mutex // guards config

	kmu     sync.Mutex // guards the fields below
	kernel  *kernelIndex
	kopened bool
	kconfig Config // the configuration kernel was opened for

	imports *importCache
	logf    func(string, ...any)
}

func newCoreAnalyzer(cfg *Config, mu *sync.Mutex) *coreAnalyzer {
	return &coreAnalyzer{config: cfg, mu: mu, imports: newImportCache(), logf: func(string, ...any) {}}
}

// newCheckKernel adapts a kernel index to the checker's Kernel
// interface. It is nil until package check provides the adapter; the
// checker then runs kernel-independently and the feature handlers read
// the index themselves (see kernelTypes.go).
var newCheckKernel func(*kernelIndex) check.Kernel

// kernelFor returns the kernel index for cfg, opening it on first use.
// A failure to open is remembered (and logged) until Reset, so that a
// missing BTF file is not retried on every keystroke.
func (a *coreAnalyzer) kernelFor(cfg Config) *kernelIndex {
	if cfg.NoKernel {
		return nil
	}
	a.kmu.Lock()
	defer a.kmu.Unlock()
	if a.kopened && sameKernelConfig(a.kconfig, cfg) {
		return a.kernel
	}
	k, err := openKernelIndex(cfg)
	if err != nil {
		a.logf("kernel index: %v", err)
	}
	a.kernel, a.kopened, a.kconfig = k, true, cfg
	return k
}

func sameKernelConfig(a, b Config) bool { return a.BTF == b.BTF && a.NoKernel == b.NoKernel }

func (a *coreAnalyzer) Analyze(ctx context.Context, uri string, version int32, f *source.File) *Snapshot {
	a.mu.Lock()
	cfg := *a.config
	a.mu.Unlock()
	file, pdiags := parser.ParseFile(f)
	pdiags.Sort()
	snap := &Snapshot{URI: uri, Version: version, File: f, AST: file, ParseDiags: pdiags}
	snap.Kernel = a.kernelFor(cfg)
	if ctx.Err() != nil {
		snap.Diags = pdiags
		return snap
	}
	imp := &importer{cache: a.imports}
	ccfg := check.Config{Importer: imp, Unsafe: true}
	if snap.Kernel != nil && newCheckKernel != nil {
		ccfg.Kernel = newCheckKernel(snap.Kernel)
	}
	prog := check.Check([]*ast.File{file}, ccfg)
	snap.Program = prog
	snap.Imports = imp.resolved
	diags := append(diag.List{}, pdiags...)
	diags = append(diags, imp.diags...)
	diags = append(diags, prog.Diags...)
	diags.Sort()
	snap.Diags = diags
	return snap
}

func (a *coreAnalyzer) Reset() {
	a.kmu.Lock()
	a.kernel, a.kopened = nil, false
	a.kmu.Unlock()
	a.imports.reset()
}
