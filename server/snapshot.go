package server

import (
	"context"
	"os"
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
	// C is the C the script sees (its own C part, imported .h and .bpf.c
	// files); nil when there is none.
	C check.CScope
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
// the kernel index of the configuration.
type coreAnalyzer struct {
	config *Config
	mu     *sync.Mutex // guards config

	logf func(string, ...any)
	// overlay returns the text of a file open in the editor, so that
	// imports see unsaved changes; nil reads every file from disk.
	overlay func(path string) ([]byte, bool)
}

func newCoreAnalyzer(cfg *Config, mu *sync.Mutex) *coreAnalyzer {
	return &coreAnalyzer{config: cfg, mu: mu, logf: func(string, ...any) {}}
}

// readFile reads a file for an import: the editor's buffer when the file
// is open there, else the disk.
func (a *coreAnalyzer) readFile(path string) ([]byte, error) {
	if a.overlay != nil {
		if text, ok := a.overlay(path); ok {
			return text, nil
		}
	}
	return os.ReadFile(path)
}

// kernels caches the kernel index of each BTF source for the process: a
// server opens the index of its configuration once, not per keystroke,
// and the servers of one process (tests) share it. A failure to open is
// remembered too, so that a missing BTF file is not retried on every
// keystroke. Reset empties it: the next analysis opens the index again.
var kernels = struct {
	sync.Mutex
	m map[string]*kernelEntry
}{m: map[string]*kernelEntry{}}

type kernelEntry struct {
	once sync.Once
	k    *kernelIndex
}

// kernelFor returns the kernel index for cfg, opening it on first use;
// nil in kernel-independent mode or when it cannot be opened.
func (a *coreAnalyzer) kernelFor(cfg Config) *kernelIndex {
	if cfg.NoKernel {
		return nil
	}
	kernels.Lock()
	e := kernels.m[cfg.BTF]
	if e == nil {
		e = &kernelEntry{}
		kernels.m[cfg.BTF] = e
	}
	kernels.Unlock()
	e.once.Do(func() {
		k, err := openKernelIndex(cfg)
		if err != nil {
			a.logf("kernel index: %v", err)
		}
		e.k = k
	})
	return e.k
}

// resetKernels drops every cached kernel index.
func resetKernels() {
	kernels.Lock()
	kernels.m = map[string]*kernelEntry{}
	kernels.Unlock()
}

func (a *coreAnalyzer) Analyze(ctx context.Context, uri string, version int32, f *source.File) *Snapshot {
	a.mu.Lock()
	cfg := *a.config
	a.mu.Unlock()
	file, pdiags := parser.ParseFile(f)
	pdiags.Sort()
	snap := &Snapshot{URI: uri, Version: version, File: f, AST: file, ParseDiags: pdiags, Diags: pdiags}
	snap.Kernel = a.kernelFor(cfg)
	if ctx.Err() != nil {
		return snap
	}
	// Imports and C as `bt check` reads them, with the editor's buffers.
	imp := check.NewFileImporter()
	imp.ReadFile = a.readFile
	scripts, cimports := check.Gather(imp, file)
	files := append([]*ast.File{file}, scripts...)
	diags := append(diag.List{}, pdiags...)
	for _, sc := range scripts {
		snap.Imports = append(snap.Imports, importedFile{Path: sc.Source.Name, Script: sc})
		diags = append(diags, imp.DiagsOf(sc.Source.Name)...)
	}
	var ck check.Kernel
	if snap.Kernel != nil {
		ck = snap.Kernel.ck
	}
	ccfg := check.Config{Importer: imp, Unsafe: true, Kernel: ck}
	sources := map[string][]byte{}
	for _, ci := range cimports {
		snap.Imports = append(snap.Imports, importedFile{Path: ci.Path})
		if a.overlay != nil {
			if text, ok := a.overlay(ci.Path); ok {
				sources[ci.Path] = text
			}
		}
	}
	cscope, cdiags := check.NewCScope(files, cimports, check.CScopeConfig{
		Kernel: ck, Clang: cfg.Clang, IncludeDirs: cfg.IncludeDirs, Sources: sources,
	})
	if cscope != nil {
		snap.C = cscope
		ccfg.C = cscope
	}
	if ctx.Err() != nil {
		return snap
	}
	prog := check.Check([]*ast.File{file}, ccfg)
	snap.Program = prog
	if snap.Kernel != nil {
		snap.Kernel.markAnalysed()
	}
	if pdiags.HasErrors() {
		// As `bt check`: a script that does not parse gets its syntax
		// errors only (the checker still ran, for hover and completion,
		// but its findings on a partial tree would mostly be noise).
		for _, d := range append(cdiags, prog.Diags...) {
			if d.File != nil && d.File != f && d.File.Name != f.Name {
				diags = append(diags, d) // about an imported file
			}
		}
	} else {
		diags = append(diags, cdiags...)
		diags = append(diags, prog.Diags...)
	}
	diags.Sort()
	snap.Diags = diags
	return snap
}

func (a *coreAnalyzer) Reset() {
	resetKernels()
}
