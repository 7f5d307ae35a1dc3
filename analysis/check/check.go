package check

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// Config is what Check needs besides the scripts.
type Config struct {
	// Kernel answers questions about probes and kernel types; nil means
	// kernel-independent checking: attach points are checked only for
	// syntax, args/argN and kernel structs are Unknown, and nothing that
	// depends on the kernel is reported.
	Kernel Kernel
	// C is the C visible to the script (its own C definitions and
	// imported headers); nil when there is none or it was not compiled.
	C CScope
	// Unsafe allows the functions bpftrace gates behind --unsafe.
	Unsafe bool
	// Importer resolves `import "path";` of the checked files; nil means
	// the caller passes every imported .bt file in files already.
	Importer Importer
	// MaxRounds bounds the type inference fixpoint (0: 10).
	MaxRounds int
	// EnvConfig are config values from the environment (BPFTRACE_*) or
	// command line, by canonical key: max_strlen (int64) and stack_mode
	// (string) take precedence over the script's config block, as in
	// bpftrace.
	EnvConfig map[string]any
	// Positional are the values of $1, $2, ... when HasPositional is
	// set (bt check FILE -- ARGS): $N is then the constant it will be
	// when bpftrace runs the script ($# is len(Positional); a missing
	// one is 0 or ""). Without them, a positional parameter is a
	// compile-time constant of unknown value: where a constant is
	// required (unroll, an array length, comptime) nothing is reported.
	Positional    []string
	HasPositional bool
	// PID is the process the script will run against (bpftrace -p), 0
	// for none: uprobe and usdt probes may then leave out their binary.
	PID int
}

// Importer loads what an import statement names. Paths are resolved
// relative to the importing file (from), as bpftrace does.
type Importer interface {
	Import(from *source.File, path string) (*Imported, error)
}

// Imported is the result of one import: the .bt scripts it brings in
// (already parsed; a directory may bring several) and the C files (.h,
// .bpf.c) whose declarations the caller makes visible through
// Config.C.
type Imported struct {
	Scripts []*ast.File
	CFiles  []string
}

const defaultRounds = 10

// Check type-checks a program: files[0] is the root script, the rest
// are imported .bt files already parsed (imports named in the files are
// also resolved through cfg.Importer when it is set). It never panics:
// an internal failure becomes an internal-error diagnostic.
func Check(files []*ast.File, cfg Config) (prog *Program) {
	prog = &Program{Info: newInfo(), Config: map[string]ConfigValue{}}
	defer func() {
		if r := recover(); r != nil {
			var f *source.File
			if len(files) > 0 && files[0] != nil {
				f = files[0].Source
			}
			prog.Diags = append(prog.Diags, diag.Diagnostic{
				Severity: diag.Error, Code: CodeInternal,
				Location: diag.Location{File: f, Span: source.Span{Start: 0, End: 0}},
				Message:  fmt.Sprintf("internal error in the checker: %v", r),
				Hint:     firstLines(string(debug.Stack()), 12),
			})
			prog.Diags.Sort()
		}
	}()
	if cfg.Kernel != nil {
		prog.KernelType = cfg.Kernel.Type
	}
	c := newChecker(cfg, prog)
	c.run(files)
	return prog
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// How checking works.
//
// Check first gathers the files (resolving imports), collects the
// top-level declarations (config, map declarations, macros, fns) and
// resolves every attach point once through the Kernel. Then it walks the
// program (fns, then probes in order) repeatedly: bpftrace types a
// variable or a map from all of its assignments, widening integers,
// strings and tuples to hold every value, and a map read in one probe may
// take its type from an assignment in a later one. Each walk records the
// types it meets in symbols that persist across walks (variables keyed
// by their defining node, maps by name) and joins new values into them;
// a walk that changes no symbol's type is the last, and its Info and
// diagnostics are the result (walks are bounded by Config.MaxRounds).
//
// Integer literals are sign-flexible (a non-negative literal adopts the
// other operand's sign); the checker marks them by pointer identity with
// four dedicated *types.Int values (see typeutil.go), so the types it
// records are ordinary types for everyone else.
//
// Macros are expanded per call site: the body is cloned once per call
// (cached across walks), $variable and @map parameters alias the
// caller's, expression parameters are checked in the caller's context
// where they are used. Diagnostics inside an expansion point into the
// macro's text with a note at the call site.

// checker holds the state of one Check call. Symbols (maps, variables)
// persist across the rounds of the fixpoint; everything else is rebuilt
// by each walk.
type checker struct {
	cfg  Config
	prog *Program

	enumValues map[*types.Enum]*types.Enum // see enumValueType

	info    *Info
	diags   diag.List
	changed bool
	round   int
	final   bool

	files    []*ast.File
	fileOf   map[ast.Node]*source.File // top-level decl -> its file
	file     *source.File              // file of the node being checked
	hasCIncl bool                      // the script #includes C we may not see
	// cImportFailed: an import of C (or of a directory) failed, so calls
	// to functions it may define are not reported unknown on top.
	cImportFailed bool

	// persistent symbols
	maps       map[string]*mapState
	mapOrder   []*mapState
	varSyms    map[ast.Node]*Symbol
	macros     map[string][]*macroDef
	lib        *Library
	libMacros  map[string][]*macroDef  // the standard library's, by name
	libObjects map[*LibraryObject]bool // library objects whose C the program calls
	fns        map[string]*fnDef
	fnOrder    []*fnDef
	expands    map[expKey]*ast.BlockExpr
	probeNames map[string]namedProbe         // bench and test probes by provider:name
	defines    map[string]*scriptDefine      // the scripts' object-like #defines
	defineExps map[*ast.Ident]*ast.BlockExpr // a #define's body cloned per use
	probeCtxs  []*probeCtx
	// writtenMaps are the maps some statement assigns (found before the
	// walks, so that a read before the write is not "never assigned").
	writtenMaps map[string]bool
	configUses  []configUse
	params      *paramState
	config      map[string]ConfigValue
	maxStr      int
	stackMod    string

	// walk state
	scope        *scope
	probe        *probeCtx
	fn           *fnDef
	loops        int
	forBody      int
	macro        *expansion
	defineStack  []defineUse     // #defines being expanded
	abiNoted     map[string]bool // file+name of ABI constants noted in this walk
	assigned     map[*Symbol]bool
	closed       map[string]*Symbol // variables of ended blocks (legacy scoping)
	written      map[*Symbol]bool   // variables assigned somewhere in this walk
	declaredOnly []declaredVar
	expansions   int                    // macro expansions in this walk
	paramCond    int                    // inside an if on positional parameters
	aggValue     map[*ast.CallExpr]bool // aggregation calls that are a block's value assigned to a map
	probes       []*ProbeInfo
	mapUsed      map[string]bool
}

func newChecker(cfg Config, prog *Program) *checker {
	if cfg.MaxRounds <= 0 {
		cfg.MaxRounds = defaultRounds
	}
	c := &checker{
		cfg:        cfg,
		prog:       prog,
		fileOf:     map[ast.Node]*source.File{},
		maps:       map[string]*mapState{},
		varSyms:    map[ast.Node]*Symbol{},
		macros:     map[string][]*macroDef{},
		lib:        TheLibrary(),
		libMacros:  map[string][]*macroDef{},
		libObjects: map[*LibraryObject]bool{},
		fns:        map[string]*fnDef{},
		expands:    map[expKey]*ast.BlockExpr{},
		params:     &paramState{},
		config:     map[string]ConfigValue{},
		maxStr:     1024,
		stackMod:   "bpftrace",
	}
	if n, ok := cfg.EnvConfig["max_strlen"].(int64); ok && n > 0 {
		c.maxStr = int(n)
	}
	if m, ok := cfg.EnvConfig["stack_mode"].(string); ok && m != "" {
		c.stackMod = m
	}
	return c
}

// probeCtx is the probe whose body is being checked.
type probeCtx struct {
	info      *ProbeInfo
	providers []string // canonical providers of its attach points, deduplicated
}

func (c *checker) run(files []*ast.File) {
	var collectDiags diag.List
	c.files = c.gatherFiles(files, &collectDiags)
	c.prog.Files = c.files
	if len(c.files) == 0 {
		return
	}
	// The kernel answers under the root script's config (missing_probes
	// and the like) and knows which attach points share a probe.
	c.cfg.Kernel = KernelForScript(c.cfg.Kernel, c.cfg.PID, c.files...)
	c.diags = nil
	c.collect()
	collectDiags = append(collectDiags, c.diags...)

	for c.round = 1; ; c.round++ {
		c.final = c.round >= c.cfg.MaxRounds
		c.walk()
		if !c.changed || c.final {
			break
		}
	}
	c.checkExternCMaps()
	for _, o := range c.lib.Objects {
		if c.libObjects[o] {
			c.prog.LibraryObjects = append(c.prog.LibraryObjects, o)
		}
	}
	c.finish()
	c.prog.Diags = c.lib.userFacing(dedupe(append(collectDiags, c.diags...)))
	c.prog.Diags.Sort()
}

// gatherFiles returns the root file and every imported .bt file, each
// once, resolving imports through the Importer.
func (c *checker) gatherFiles(files []*ast.File, diags *diag.List) []*ast.File {
	var out []*ast.File
	seen := map[*ast.File]bool{}
	seenName := map[string]bool{}
	var add func(f *ast.File)
	add = func(f *ast.File) {
		if f == nil || seen[f] {
			return
		}
		if f.Source != nil && f.Source.Name != "" {
			if seenName[f.Source.Name] {
				return
			}
			seenName[f.Source.Name] = true
		}
		seen[f] = true
		out = append(out, f)
		if c.cfg.Importer == nil {
			return
		}
		for _, d := range f.Decls {
			imp, ok := d.(*ast.ImportDecl)
			if !ok || imp.Path == nil {
				continue
			}
			res, err := c.cfg.Importer.Import(f.Source, imp.Path.Value)
			if err != nil && !strings.HasSuffix(imp.Path.Value, ".bt") {
				c.cImportFailed = true
			}
			var ww *WorldWritableError
			if errors.As(err, &ww) {
				diags.Errorf(f.Source, imp.Path.Span(), CodeImportWorldWritable, "%v", ww).Hint = ww.Hint()
				continue
			}
			if err != nil {
				diags.Errorf(f.Source, imp.Path.Span(), CodeImport, "cannot import %q: %v", imp.Path.Value, err)
				continue
			}
			if res == nil {
				continue
			}
			for _, s := range res.Scripts {
				add(s)
			}
		}
	}
	for _, f := range files {
		add(f)
	}
	return out
}

// dedupe drops repeated diagnostics (a macro expanded twice reports its
// body's problems once).
func dedupe(l diag.List) diag.List {
	type key struct {
		file  *source.File
		span  source.Span
		code  diag.Code
		msg   string
		sev   diag.Severity
		notes int
	}
	seen := map[key]bool{}
	out := l[:0:0]
	for _, d := range l {
		k := key{d.File, d.Span, d.Code, d.Message, d.Severity, 0}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}

// ---------------------------------------------------------------------
// Diagnostics

func (c *checker) report(sev diag.Severity, n ast.Node, code diag.Code, format string, args ...any) *diag.Diagnostic {
	var span source.Span
	if n != nil {
		span = n.Span()
	}
	return c.reportSpan(sev, span, code, format, args...)
}

func (c *checker) reportSpan(sev diag.Severity, span source.Span, code diag.Code, format string, args ...any) *diag.Diagnostic {
	d := diag.Diagnostic{
		Severity: sev,
		Code:     code,
		Location: diag.Location{File: c.file, Span: span},
		Message:  fmt.Sprintf(format, args...),
	}
	for e := c.macro; e != nil; e = e.parent {
		d.Notes = append(d.Notes, diag.Note{
			Location:  diag.Location{File: e.callFile, Span: e.call.Span()},
			Message:   fmt.Sprintf("in macro %s, expanded here", e.def.decl.Name.Name),
			Expansion: true,
		})
	}
	for i := len(c.defineStack) - 1; i >= 0; i-- {
		u := c.defineStack[i]
		d.Notes = append(d.Notes, diag.Note{
			Location:  diag.Location{File: u.file, Span: u.use.Span()},
			Message:   fmt.Sprintf("in #define %s, expanded here", u.def.name),
			Expansion: true,
		})
	}
	c.diags = append(c.diags, d)
	return &c.diags[len(c.diags)-1]
}

func (c *checker) errorf(n ast.Node, code diag.Code, format string, args ...any) *diag.Diagnostic {
	return c.report(diag.Error, n, code, format, args...)
}

func (c *checker) warnf(n ast.Node, code diag.Code, format string, args ...any) *diag.Diagnostic {
	return c.report(diag.Warning, n, code, format, args...)
}

func noteAt(d *diag.Diagnostic, f *source.File, n ast.Node, format string, args ...any) {
	if d == nil || n == nil {
		return
	}
	d.Notes = append(d.Notes, diag.Note{
		Location: diag.Location{File: f, Span: n.Span()},
		Message:  fmt.Sprintf(format, args...),
	})
}

func fixReplace(d *diag.Diagnostic, f *source.File, span source.Span, msg, text string) {
	if d == nil {
		return
	}
	d.Fixes = append(d.Fixes, diag.Fix{
		Message: msg,
		Edits:   []diag.Edit{{Location: diag.Location{File: f, Span: span}, NewText: text}},
	})
}

// ---------------------------------------------------------------------
// Collection of top-level declarations (once, before the rounds)

type macroDef struct {
	decl *ast.MacroDecl
	file *source.File
	sym  *Symbol
}

// arity is the number of parameters (a macro without a parameter list
// takes none).
func (m *macroDef) arity() int { return len(m.decl.Params) }

type fnDef struct {
	decl   *ast.FnDecl
	file   *source.File
	sym    *Symbol
	params []types.Type
	result types.Type
	// returned is set when the body has a `return value`.
	returned bool
}

func (c *checker) collect() {
	for fi, f := range c.files {
		c.file = f.Source
		for _, d := range f.Decls {
			c.fileOf[d] = f.Source
			switch d := d.(type) {
			case *ast.CDecl:
				if d.Kind == ast.CPreprocessor && strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(d.Text), "#")), "include") {
					c.hasCIncl = true
				}
				if d.Kind == ast.CPreprocessor {
					c.collectDefine(d)
				}
			case *ast.ConfigBlock:
				if fi > 0 {
					c.errorf(d, CodeConfigInImport, "an imported script cannot have a config block")
					continue
				}
				c.checkConfig(d)
			case *ast.ImportDecl:
				if fi == 0 && c.cfg.Importer == nil && c.cfg.C == nil && d.Path != nil &&
					(strings.HasSuffix(d.Path.Value, ".h") || strings.HasSuffix(d.Path.Value, ".c")) {
					c.hasCIncl = true
				}
			case *ast.MapDecl:
				c.collectMapDecl(d)
			case *ast.MacroDecl:
				c.collectMacro(d)
			case *ast.FnDecl:
				c.collectFn(d)
			}
		}
	}
	c.prog.Config = c.config
	c.collectLibrary()
	// Probes: attach points are resolved once.
	for _, f := range c.files {
		c.file = f.Source
		for _, d := range f.Decls {
			if p, ok := d.(*ast.Probe); ok {
				c.collectProbe(p)
			}
		}
	}
	c.prog.Probes = c.probes
	c.writtenMaps = writtenMapNames(c.files)
}

// writtenMapNames lists the maps assigned, incremented or decremented
// anywhere in the files (macro bodies included: their @parameters are
// caught by the walks).
func writtenMapNames(files []*ast.File) map[string]bool {
	out := map[string]bool{}
	mark := func(x ast.Expr) {
		switch m := ast.Unparen(x).(type) {
		case *ast.MapExpr:
			out[mapName(m)] = true
		case *ast.MapAccess:
			if m.Map != nil {
				out[mapName(m.Map)] = true
			}
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				mark(n.Lhs)
			case *ast.UnaryExpr:
				if n.Op == "++" || n.Op == "--" {
					mark(n.X)
				}
			}
			return true
		})
	}
	return out
}

func (c *checker) collectMacro(d *ast.MacroDecl) {
	if d.Name == nil {
		return
	}
	name := d.Name.Name
	def := &macroDef{decl: d, file: c.file}
	for _, other := range c.macros[name] {
		if other.arity() == def.arity() {
			e := c.errorf(d.Name, CodeDuplicateMacro, "macro %s with %d parameter%s is already defined", name, def.arity(), plural(def.arity()))
			noteAt(e, other.file, other.decl.Name, "first defined here")
			return
		}
	}
	def.sym = &Symbol{Kind: SymMacro, Name: name, Decl: d, File: c.file, Data: def}
	c.macros[name] = append(c.macros[name], def)
	c.prog.Macros = append(c.prog.Macros, def.sym)
}

func (c *checker) collectFn(d *ast.FnDecl) {
	if d.Name == nil {
		return
	}
	name := d.Name.Name
	if other, dup := c.fns[name]; dup {
		e := c.errorf(d.Name, CodeDuplicateFn, "function %s is already defined", name)
		noteAt(e, other.file, other.decl.Name, "first defined here")
		return
	}
	def := &fnDef{decl: d, file: c.file}
	def.sym = &Symbol{Kind: SymFn, Name: name, Decl: d, File: c.file, Data: def}
	c.fns[name] = def
	c.fnOrder = append(c.fnOrder, def)
	c.prog.Fns = append(c.prog.Fns, def.sym)
}

func (c *checker) collectProbe(p *ast.Probe) {
	pi := &ProbeInfo{Node: p}
	c.checkProbeRules(p)
	seen := map[string]bool{}
	pc := &probeCtx{info: pi}
	for _, ap := range p.AttachPoints {
		if ap == nil {
			continue
		}
		c.legacyAttach(ap)
		c.checkAttachRules(ap)
		var ai *AttachInfo
		if c.cfg.Kernel != nil && ap.Provider != "" {
			var ds diag.List
			ai, ds = c.cfg.Kernel.Resolve(ap, c.file)
			c.diags = append(c.diags, ds...)
		}
		if ai == nil {
			ai = &AttachInfo{Node: ap, Provider: ap.Provider}
		}
		if ai.Node == nil {
			ai.Node = ap
		}
		if ai.Provider == "" {
			ai.Provider = ap.Provider
		}
		if c.cfg.Kernel == nil && ai.Retval == nil && ai.Provider != "" {
			if pr := probes.Lookup(ai.Provider); pr != nil && pr.Retval {
				if ai.Provider == "kretprobe" || ai.Provider == "uretprobe" {
					ai.Retval = types.Uint64
				}
			}
		}
		pi.Attach = append(pi.Attach, ai)
		if !seen[ai.Provider] {
			seen[ai.Provider] = true
			pc.providers = append(pc.providers, ai.Provider)
		}
	}
	c.probes = append(c.probes, pi)
	c.probeCtxs = append(c.probeCtxs, pc)
}

// ---------------------------------------------------------------------
// The walk

func (c *checker) walk() {
	c.info = newInfoLike(c.info)
	c.diags = nil
	c.changed = false
	c.assigned = map[*Symbol]bool{}
	c.written = map[*Symbol]bool{}
	c.expansions = 0
	c.abiNoted = nil
	c.aggValue = map[*ast.CallExpr]bool{}
	c.declaredOnly = nil
	c.mapUsed = map[string]bool{}
	c.params.reset()
	for _, u := range c.configUses {
		c.info.Uses[u.n] = u.sym
	}
	for _, cv := range c.config {
		if cv.Node != nil && cv.Node.Value != nil {
			if t := configValueType(cv.Value); t != nil {
				c.info.Types[cv.Node.Value] = t
			}
		}
	}
	for _, m := range c.mapOrder {
		m.resetWalk()
	}
	// Declarations: symbols of maps, macros, fns.
	for _, f := range c.files {
		c.file = f.Source
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.MapDecl:
				c.checkMapDecl(d)
			case *ast.MacroDecl:
				c.defineMacro(d)
			case *ast.FnDecl:
				c.defineFn(d)
			}
		}
	}
	for _, fn := range c.fnOrder {
		c.checkFn(fn)
	}
	i := 0
	for _, f := range c.files {
		c.file = f.Source
		for _, d := range f.Decls {
			if _, ok := d.(*ast.Probe); ok {
				c.checkProbe(c.probeCtxs[i])
				i++
			}
		}
	}
	c.reportNeverAssigned()
}

func (c *checker) defineMacro(d *ast.MacroDecl) {
	if d.Name == nil {
		return
	}
	for _, m := range c.macros[d.Name.Name] {
		if m.decl == d {
			c.info.Defs[d.Name] = m.sym
		}
	}
}

func (c *checker) defineFn(d *ast.FnDecl) {
	if d.Name == nil {
		return
	}
	if fn := c.fns[d.Name.Name]; fn != nil && fn.decl == d {
		c.info.Defs[d.Name] = fn.sym
		// A parameter's type may name another parameter (typeof($y)),
		// declared before or after it: each is resolved once the ones it
		// names are, with those in scope; what is left (a cycle) is
		// resolved last and reports the undefined variable.
		saved := c.scope
		c.scope = newScope(nil, d)
		fn.params = make([]types.Type, len(d.Params))
		done := make([]bool, len(d.Params))
		for pass := 0; pass <= len(d.Params); pass++ {
			for i, p := range d.Params {
				if done[i] {
					continue
				}
				if pass < len(d.Params) && p != nil && namesPending(p.Type, d.Params, done) {
					continue
				}
				done[i] = true
				if p == nil {
					continue
				}
				if p.Type != nil {
					fn.params[i] = c.sizedForStorage(c.resolveType(p.Type))
				}
				if p.Var != nil {
					sym := c.varSym(p.Var, SymParam)
					sym.Type = fn.params[i]
					c.scope.define(p.Var.Name, sym)
					c.assigned[sym] = true
				}
			}
		}
		fn.result = types.Void{}
		if d.Result != nil {
			fn.result = c.sizedForStorage(c.resolveType(d.Result))
		}
		c.scope = saved
		fn.sym.Type = fn.result
	}
}

// sizedForStorage gives an unsized `string` in a fn signature the
// max_strlen capacity it has in BPF memory (any string fits in it).
func (c *checker) sizedForStorage(t types.Type) types.Type {
	if s, ok := t.(*types.String); ok && s.Len == 0 {
		return &types.String{Len: c.maxStr}
	}
	return t
}

// namesPending reports whether type expression te names a parameter whose
// type is not resolved yet.
func namesPending(te *ast.TypeExpr, params []*ast.Param, done []bool) bool {
	if te == nil {
		return false
	}
	pending := false
	ast.Inspect(te, func(n ast.Node) bool {
		if v, ok := n.(*ast.Variable); ok {
			for i, p := range params {
				if !done[i] && p != nil && p.Var != nil && p.Var.Name == v.Name {
					pending = true
				}
			}
		}
		return !pending
	})
	return pending
}

func (c *checker) checkProbe(pc *probeCtx) {
	p := pc.info.Node
	c.probe = pc
	c.fn = nil
	c.loops, c.forBody = 0, 0
	c.scope = newScope(nil, p)
	c.closed = nil
	if p.Predicate != nil {
		t := c.expr(p.Predicate)
		c.checkCondition(p.Predicate, t, "a predicate")
	}
	if p.Body != nil {
		c.block(p.Body, false)
	}
	c.scope = nil
	c.probe = nil
}

func (c *checker) checkFn(fn *fnDef) {
	c.file = fn.file
	c.fn = fn
	c.probe = nil
	c.loops, c.forBody = 0, 0
	d := fn.decl
	c.scope = newScope(nil, d)
	c.closed = nil
	for i, p := range d.Params {
		if p == nil || p.Var == nil {
			continue
		}
		sym := c.varSym(p.Var, SymParam)
		sym.Type = fn.params[i]
		if prev := c.scope.vars[p.Var.Name]; prev != nil {
			e := c.errorf(p.Var, CodeDuplicateParam, "parameter $%s is declared twice", p.Var.Name)
			noteAt(e, c.file, prev.Decl, "first declared here")
		}
		c.scope.define(p.Var.Name, sym)
		c.assigned[sym] = true
		c.info.Defs[p.Var] = sym
		if sym.Type != nil {
			c.info.Types[p.Var] = sym.Type
		}
	}
	fn.returned = false
	if d.Body != nil {
		c.block(d.Body, false)
		if !isVoid(fn.result) && fn.result != nil && !alwaysReturns(d.Body) {
			c.errorf(d.Name, CodeMissingReturn, "function %s must return a %s on every path", d.Name.Name, typeName(fn.result))
		}
	}
	c.scope = nil
	c.fn = nil
}

// alwaysReturns reports whether a block ends every path with return.
func alwaysReturns(b *ast.BlockExpr) bool {
	if b == nil {
		return false
	}
	if b.Value != nil {
		if ifx, ok := b.Value.(*ast.IfExpr); ok {
			return ifAlwaysReturns(ifx)
		}
		return false
	}
	for i := len(b.Stmts) - 1; i >= 0; i-- {
		switch s := b.Stmts[i].(type) {
		case *ast.JumpStmt:
			return s.Keyword == "return"
		case *ast.ExprStmt:
			switch x := s.X.(type) {
			case *ast.IfExpr:
				return ifAlwaysReturns(x)
			case *ast.BlockExpr:
				return alwaysReturns(x)
			case *ast.CallExpr:
				if x.Fun != nil && x.Fun.Name == "exit" {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}

func ifAlwaysReturns(x *ast.IfExpr) bool {
	if x.Else == nil || !alwaysReturns(x.Then) {
		return false
	}
	switch e := x.Else.(type) {
	case *ast.BlockExpr:
		return alwaysReturns(e)
	case *ast.IfExpr:
		return ifAlwaysReturns(e)
	}
	return false
}

// varSym returns the persistent symbol of the variable declared at n.
func (c *checker) varSym(n *ast.Variable, kind SymbolKind) *Symbol {
	if s, ok := c.varSyms[n]; ok {
		return s
	}
	s := &Symbol{Kind: kind, Name: "$" + n.Name, Decl: n, File: c.file}
	c.varSyms[n] = s
	return s
}

// ---------------------------------------------------------------------
// Finishing: program-wide facts

func (c *checker) finish() {
	for _, m := range c.mapOrder {
		mi := m.info
		mi.Key = m.keyType()
		mi.Value = m.value
		if castableAgg(m.value) || aggOf(m.value) != nil {
			// value stays the aggregation
		}
		if mi.Kind == "" {
			mi.Kind = m.impliedKind()
		}
		m.sym.Type = &types.Map{Key: mi.Key, Value: mi.Value}
		c.prog.Maps = append(c.prog.Maps, mi)
		if m.decl != nil && !c.mapUsed[m.name] && m.info.C == nil { // the C may use it
			c.file = m.declFile
			c.warnf(m.decl, CodeUnusedMap, "Unused map: %s", m.name)
		}
	}
	c.prog.Info = c.info
	c.params.publish(c.prog)
	for _, pc := range c.probeCtxs {
		c.probe = pc
		if p := ptrOf(c.ctxType()); p != nil && known(p.Elem) {
			pc.info.Context = p
		}
	}
	c.probe = nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
