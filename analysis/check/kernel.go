package check

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/btftypes"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/btfindex"
)

// Diagnostic codes of the kernel adapter (attach points checked against
// the kernel, its BTF and the ELF files uprobes name).
const (
	CodeProbeNotFound      diag.Code = "probe-not-found"
	CodeNoProbeMatch       diag.Code = "no-probe-match"
	CodeProbeNotAttachable diag.Code = "probe-not-attachable"
	CodeAmbiguousProbe     diag.Code = "ambiguous-probe"
	CodeBTFRequired        diag.Code = "btf-required"
	CodeProbeTarget        diag.Code = "probe-target-not-found"
	CodeTooManyProbes      diag.Code = "too-many-probes"
)

func init() {
	diag.Register(
		diag.CodeInfo{Code: CodeProbeNotFound, Severity: diag.Error, Summary: "an attach point names a tracepoint, kernel function, raw tracepoint, iterator, symbol or USDT probe that does not exist (the missing_probes config can make it a warning)"},
		diag.CodeInfo{Code: CodeNoProbeMatch, Severity: diag.Error, Summary: "a wildcard attach point matches no probe (the missing_probes config can make it a warning)"},
		diag.CodeInfo{Code: CodeProbeNotAttachable, Severity: diag.Error, Summary: "a kernel function exists but cannot be traced: inlined or notrace (not in kallsyms), or too many parameters for fentry"},
		diag.CodeInfo{Code: CodeAmbiguousProbe, Severity: diag.Error, Summary: "a function name without a module is defined in several kernel modules"},
		diag.CodeInfo{Code: CodeBTFRequired, Severity: diag.Error, Summary: "fentry, fexit, rawtracepoint and iter probes need kernel BTF, which is not available"},
		diag.CodeInfo{Code: CodeProbeTarget, Severity: diag.Error, Summary: "the binary or library a uprobe or usdt probe names does not exist or is not a readable ELF file"},
		diag.CodeInfo{Code: CodeTooManyProbes, Severity: diag.Error, Summary: "a wildcard expands to more BPF programs than the max_bpf_progs config allows"},
	)
}

// ConfigurableKernel is implemented by a Kernel whose answers depend on
// the script's config block: missing_probes (whether a probe that does
// not exist is an error, a warning or ignored), max_bpf_progs and
// max_strlen. Check applies the checked script's config.
type ConfigurableKernel interface {
	WithConfig(cfg KernelConfig) Kernel
}

// KernelConfig is the part of a script's config the kernel adapter uses.
type KernelConfig struct {
	MissingProbes string // "error" (default), "warn" or "ignore"
	MaxBPFProgs   int    // 0: 1024
	MaxStrlen     int    // 0: 1024; sizes __data_loc strings
}

// kernelForScript returns k set up for checking one program: the root
// script files[0] and the .bt files it imports. It applies the root's
// config block (missing_probes, max_bpf_progs, max_strlen) and, for a
// Kernel made by NewKernel, learns which attach points share a probe: as
// in bpftrace, a wildcard that matches nothing is dropped silently when
// another attach point of its probe matches (`kprobe:f, kprobe:f.isra.*`
// written for several kernels). Check calls it once the program's files
// are gathered; k itself is returned when it is nil or not configurable.
func kernelForScript(k Kernel, files ...*ast.File) Kernel {
	if len(files) == 0 || files[0] == nil {
		return k
	}
	cfg, _ := scriptKernelConfig(files[0])
	if v, ok := k.(*kernelView); ok {
		nv := &kernelView{kernel: v.kernel, cfg: cfg, siblings: map[*ast.AttachPoint][]*ast.AttachPoint{},
			argsUse: map[*ast.AttachPoint]map[string]bool{}}
		for _, f := range files {
			if f == nil {
				continue
			}
			for _, d := range f.Decls {
				p, ok := d.(*ast.Probe)
				if !ok {
					continue
				}
				if len(p.AttachPoints) > 1 {
					for _, ap := range p.AttachPoints {
						nv.siblings[ap] = p.AttachPoints
					}
				}
				if used := argsFieldsRead(p); len(used) > 0 {
					for _, ap := range p.AttachPoints {
						nv.argsUse[ap] = used
					}
				}
			}
		}
		return nv
	}
	if ck, ok := k.(ConfigurableKernel); ok {
		return ck.WithConfig(cfg)
	}
	return k
}

// argsFieldsRead lists the fields of args (args.x, args->x) a probe's
// predicate and body read; "*" stands for args used whole (print(args)).
func argsFieldsRead(p *ast.Probe) map[string]bool {
	used := map[string]bool{}
	visit := func(n ast.Node) bool {
		if fe, ok := n.(*ast.FieldExpr); ok && fe.Field != nil {
			if id, ok := ast.Unparen(fe.X).(*ast.Ident); ok && id.Name == "args" {
				used[fe.Field.Name] = true
				return false
			}
		}
		if id, ok := n.(*ast.Ident); ok && id.Name == "args" {
			used["*"] = true
		}
		return true
	}
	if p.Predicate != nil {
		ast.Inspect(p.Predicate, visit)
	}
	if p.Body != nil {
		ast.Inspect(p.Body, visit)
	}
	return used
}

// scriptKernelConfig reads the keys the kernel adapter cares about from
// the config blocks of f, spelled any way bpftrace accepts. Invalid
// values are left to the checker, which reports them.
func scriptKernelConfig(f *ast.File) (KernelConfig, bool) {
	var cfg KernelConfig
	set := false
	for _, d := range f.Decls {
		b, ok := d.(*ast.ConfigBlock)
		if !ok {
			continue
		}
		for _, e := range b.Entries {
			if e == nil || e.Key == nil {
				continue
			}
			k, ok := builtins.LookupConfig(e.Key.Name)
			if !ok {
				continue
			}
			var text string
			var num int64 = -1
			switch v := ast.Unparen(e.Value).(type) {
			case *ast.StringLit:
				text = v.Value
			case *ast.Ident:
				text = v.Name
			case *ast.IntLit:
				num = int64(v.Value)
			}
			switch k.Current().Name {
			case "missing_probes":
				switch t := strings.ToLower(text); t {
				case "error", "warn", "ignore":
					cfg.MissingProbes, set = t, true
				}
			case "max_bpf_progs":
				if num > 0 {
					cfg.MaxBPFProgs, set = int(num), true
				}
			case "max_strlen":
				if num > 0 {
					cfg.MaxStrlen, set = int(num), true
				}
			}
		}
	}
	return cfg, set
}

// kernel answers the checker's questions from a btfindex.Index. It is
// safe for concurrent use: the index is, the converter locks, and every
// cache here is guarded by mu.
type kernel struct {
	idx  *btfindex.Index
	conv *btftypes.Converter
	desc string
	bins map[string]binResult // uprobe/usdt targets by name

	mu       sync.Mutex
	tpArgs   map[string]*argSet // "category:event" -> args
	fnArgs   map[string]*argSet // "module:name" -> fentry args
	rawArgs  map[string]*argSet // "module:event" -> raw tracepoint args
	rawTPs   []btfindex.Probe
	rawOnce  bool
	iters    []string
	iterOnce bool
	syn      []btfindex.Tracepoint // syscalls tracepoints synthesized from BTF
	synOnce  bool
	synSet   map[string]bool
	enums    map[string]enumerator
	elfs     map[string]*elfInfo
}

// kernelView is a kernel under one script's config.
type kernelView struct {
	*kernel
	cfg KernelConfig
	// siblings are the attach points of each multi-attach-point probe of
	// the program (kernelForScript).
	siblings map[*ast.AttachPoint][]*ast.AttachPoint
	// argsUse are the args fields each attach point's probe reads
	// (kernelForScript): a wildcard whose targets type one differently is
	// an error only when the probe reads it.
	argsUse map[*ast.AttachPoint]map[string]bool
}

func (v *kernelView) WithConfig(cfg KernelConfig) Kernel {
	return &kernelView{kernel: v.kernel, cfg: cfg}
}

// NewKernel returns the Kernel that answers from idx. Kernel functions
// count as attachable per the index (kallsyms); kprobe targets outside
// BTF are looked up in /proc/kallsyms when the index read kallsyms, that
// is when it describes the running kernel.
func NewKernel(idx *btfindex.Index) Kernel {
	return newKernel(idx, "", idx.AttachInfoKnown())
}

func newKernel(idx *btfindex.Index, desc string, running bool) *kernelView {
	k := &kernel{
		idx:     idx,
		desc:    desc,
		tpArgs:  map[string]*argSet{},
		fnArgs:  map[string]*argSet{},
		rawArgs: map[string]*argSet{},
		elfs:    map[string]*elfInfo{},
		enums:   map[string]enumerator{},
		bins:    map[string]binResult{},
	}
	if k.desc == "" {
		if running {
			k.desc = "the running kernel" + kernelRelease()
		} else {
			k.desc = "the kernel BTF"
		}
		if idx.BTFError() == nil {
			k.desc += " (BTF)"
		}
	}
	// The spec is decoded when a type is first converted, not before.
	var once sync.Once
	var vmlinux *btf.Spec
	k.conv = btftypes.New(func(t btf.Type) (btf.TypeID, bool) {
		once.Do(func() { vmlinux, _ = idx.Spec("") })
		if vmlinux == nil {
			return 0, false
		}
		id, err := vmlinux.TypeID(t)
		return id, err == nil
	})
	return &kernelView{kernel: k}
}

func kernelRelease() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return " " + strings.TrimSpace(string(b))
}

// NewKernelFromConfig opens the kernel bt check and the language server
// check against: the running kernel by default, the BTF (or vmlinux ELF)
// file btfPath when given, and none (nil, kernel-independent checking)
// with noKernel. It fails with a clear error when there is no BTF.
func NewKernelFromConfig(btfPath string, noKernel bool) (Kernel, error) {
	if noKernel {
		return nil, nil
	}
	// The running kernel's tracepoint formats are in tracefs: as root,
	// mount it when it is not (a fresh boot), as bt list and bpftrace do.
	return openKernel(btfindex.Options{BTFFile: btfPath, NoMount: btfPath != ""})
}

// openKernel opens the index opts describe and wraps it.
func openKernel(opts btfindex.Options) (*kernelView, error) {
	btfPath := opts.BTFFile
	idx, err := btfindex.Open(opts)
	if err != nil {
		return nil, err
	}
	if err := idx.BTFError(); err != nil {
		if btfPath != "" {
			return nil, fmt.Errorf("cannot read BTF from %s: %w", btfPath, unwrapNoBTF(err))
		}
		return nil, fmt.Errorf("the running kernel's BTF is not available (%v); check against a BTF or vmlinux file with --btf FILE, or without a kernel with --no-kernel", unwrapNoBTF(err))
	}
	desc := ""
	if btfPath != "" {
		desc = "BTF file " + btfPath
	}
	return newKernel(idx, desc, btfPath == ""), nil
}

func unwrapNoBTF(err error) error {
	var nb *btfindex.NoBTFError
	if errors.As(err, &nb) && nb.Err != nil {
		return nb.Err
	}
	return err
}

// Index returns the btfindex behind a Kernel made by NewKernel or
// NewKernelFromConfig, or nil (for the C front end's vmlinux.h).
func KernelIndex(k Kernel) *btfindex.Index {
	if v, ok := k.(*kernelView); ok {
		return v.idx
	}
	return nil
}

func (v *kernelView) Describe() string { return v.desc }

// Type looks a kernel type up by its C spelling, in vmlinux and module
// BTF.
func (v *kernelView) Type(name string) (types.Type, bool) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return nil, false
	}
	t, err := v.idx.Type(name)
	if err != nil {
		return nil, false
	}
	// "struct x" must name a struct, not a typedef of the same name.
	kind, _ := btfindex.ParseTypeName(name)
	switch kind {
	case btfindex.StructKind:
		if _, ok := t.(*btf.Struct); !ok {
			if _, ok := t.(*btf.Fwd); !ok {
				return nil, false
			}
		}
	case btfindex.UnionKind:
		if _, ok := t.(*btf.Union); !ok {
			if _, ok := t.(*btf.Fwd); !ok {
				return nil, false
			}
		}
	}
	return v.conv.Convert(t), true
}

// TypeNames lists kernel type names starting with prefix, spelled as C
// does ("struct task_struct", "pid_t").
func (v *kernelView) TypeNames(prefix string, limit int) []string {
	if limit <= 0 || v.idx.BTFError() != nil {
		return nil
	}
	kind, name := btfindex.ParseTypeName(prefix)
	if kind == btfindex.AnyKind {
		// "stru" may be the start of "struct ...": only a plain prefix.
		name = prefix
	}
	seen := map[string]bool{}
	var out []string
	for _, tn := range v.idx.TypeNames(name, kind) {
		if tn.Kind == btfindex.BaseKind && kind != btfindex.AnyKind {
			continue
		}
		c := tn.CName()
		if seen[c] {
			continue
		}
		seen[c] = true
		out = append(out, c)
		if len(out) >= limit {
			break
		}
	}
	return out
}

// EnumValue resolves a kernel enumerator name, of a named enum or an
// anonymous one (enum { TCP_ESTABLISHED = 1, ... }), from the index's
// table of every enumerator.
func (v *kernelView) EnumValue(name string) (int64, types.Type, bool) {
	e, ok := v.enumerator(name)
	if !ok {
		return 0, nil, false
	}
	return e.value, e.typ, true
}

// ---------------------------------------------------------------------
// Resolve

// apParts are an attach point's fields by role.
type apParts struct {
	fields map[string]ast.AttachField
	param  bool // some field holds a positional parameter
}

func (p apParts) has(role string) bool { _, ok := p.fields[role]; return ok }
func (p apParts) text(role string) string {
	return p.fields[role].Text
}
func (p apParts) span(role string) source.Span {
	f, ok := p.fields[role]
	if !ok {
		return source.Span{}
	}
	return f.Span()
}

// resolution is the state of one Resolve call.
type resolution struct {
	v     *kernelView
	ap    *ast.AttachPoint
	f     *source.File
	parts apParts
	ai    *AttachInfo
	diags diag.List
}

// Resolve expands and checks one attach point against the kernel.
func (v *kernelView) Resolve(ap *ast.AttachPoint, f *source.File) (*AttachInfo, diag.List) {
	ai := &AttachInfo{Node: ap, Provider: ap.Provider}
	if ap.Provider == "" || probes.Lookup(ap.Provider) == nil {
		return ai, nil
	}
	// An attach point the parser found wrong was reported there.
	if res := probes.ParseAttachPoint(ap.Raw, ap.Lo); len(res.Problems) > 0 {
		return ai, nil
	}
	r := &resolution{v: v, ap: ap, f: f, ai: ai}
	r.parts.fields = map[string]ast.AttachField{}
	for i, fl := range ap.Fields {
		if i == 0 {
			continue
		}
		if fl.Role == probes.RoleArg {
			return ai, nil // not split by a known grammar
		}
		r.parts.fields[fl.Role] = fl
		if !fl.Quoted && strings.Contains(fl.Text, "$") {
			r.parts.param = true
		}
	}
	if r.parts.param {
		// Positional parameters are only known when the script runs.
		return ai, nil
	}
	switch ap.Provider {
	case "tracepoint":
		r.tracepoint()
	case "kprobe", "kretprobe":
		r.kprobe()
	case "fentry", "fexit":
		r.fentry()
	case "rawtracepoint":
		r.rawTracepoint()
	case "iter":
		r.iter()
	case "uprobe", "uretprobe":
		r.uprobe()
	case "usdt":
		r.usdt()
	default:
		r.fixed()
	}
	return ai, r.diags
}

// whole is the span of the attach point.
func (r *resolution) whole() source.Span { return r.ap.Span() }

// spanOf is the span of the field with role, or of the whole attach
// point.
func (r *resolution) spanOf(roles ...string) source.Span {
	for _, role := range roles {
		if r.parts.has(role) {
			return r.parts.span(role)
		}
	}
	return r.whole()
}

// missing reports a probe that is not there, as the script's
// missing_probes config says: an error (default), a warning, or nothing.
// It returns nil when the report is suppressed.
func (r *resolution) missing(code diag.Code, span source.Span, format string, args ...any) *diag.Diagnostic {
	r.ai.Missing = true
	if code == CodeNoProbeMatch && r.siblingMatches() {
		return nil
	}
	sev := diag.Error
	switch r.v.cfg.MissingProbes {
	case "ignore":
		return nil
	case "warn":
		sev = diag.Warning
	}
	d := r.report(sev, code, span, format, args...)
	if sev == diag.Error && (code == CodeProbeNotFound || code == CodeNoProbeMatch) {
		d.Hint = "if the probe may be missing on some systems, set config = { missing_probes = \"warn\" }"
	}
	return d
}

// siblingMatches reports whether another attach point of the probe
// matches something (or cannot be known before the script runs).
func (r *resolution) siblingMatches() bool {
	for _, s := range r.v.siblings[r.ap] {
		if s == r.ap || s == nil {
			continue
		}
		for _, f := range s.Fields {
			if !f.Quoted && strings.Contains(f.Text, "$") {
				return true
			}
		}
		quiet := &kernelView{kernel: r.v.kernel, cfg: r.v.cfg}
		if ai, _ := quiet.Resolve(s, r.f); len(ai.Targets) > 0 {
			return true
		}
	}
	return false
}

func (r *resolution) errorf(code diag.Code, span source.Span, format string, args ...any) *diag.Diagnostic {
	return r.report(diag.Error, code, span, format, args...)
}

func (r *resolution) report(sev diag.Severity, code diag.Code, span source.Span, format string, args ...any) *diag.Diagnostic {
	r.diags = append(r.diags, diag.Diagnostic{
		Severity: sev,
		Code:     code,
		Location: diag.Location{File: r.f, Span: span},
		Message:  fmt.Sprintf(format, args...),
	})
	return &r.diags[len(r.diags)-1]
}

// suggest adds "did you mean" to d: a hint naming the alternatives and,
// for each, a fix replacing the field at span.
func (r *resolution) suggest(d *diag.Diagnostic, span source.Span, spelled func(string) string, alts []string) {
	if d == nil || len(alts) == 0 {
		return
	}
	if len(alts) > 3 {
		alts = alts[:3]
	}
	var names []string
	for _, a := range alts {
		names = append(names, spelled(a))
	}
	hint := "did you mean " + strings.Join(names, " or ") + "?"
	if d.Hint != "" {
		hint += " (" + d.Hint + ")"
	}
	d.Hint = hint
	for i, a := range alts {
		d.Fixes = append(d.Fixes, diag.Fix{
			Message: "use " + names[i],
			Edits:   []diag.Edit{{Location: diag.Location{File: r.f, Span: span}, NewText: a}},
		})
	}
}

// maxProgs is the max_bpf_progs in effect.
func (r *resolution) maxProgs() int {
	if r.v.cfg.MaxBPFProgs > 0 {
		return r.v.cfg.MaxBPFProgs
	}
	return 1024
}

// tooMany reports a wildcard whose full expansion (one BPF program per
// match) exceeds max_bpf_progs, and says whether it did.
func (r *resolution) tooMany(n int) bool {
	if max := r.maxProgs(); n > max {
		d := r.errorf(CodeTooManyProbes, r.whole(), "%s expands to %d probes, more than max_bpf_progs (%d) allows", r.ap.Raw, n, max)
		d.Hint = "narrow the wildcard, or raise the limit with config = { max_bpf_progs = N }"
		return true
	}
	return false
}

// needBTF reports a provider that cannot work without BTF and says
// whether BTF is missing.
func (r *resolution) needBTF() bool {
	err := r.v.idx.BTFError()
	if err == nil {
		return false
	}
	r.errorf(CodeBTFRequired, r.whole(), "%s probes need kernel BTF: %v", r.ap.Provider, unwrapNoBTF(err))
	return true
}

// wildcard reports whether a field's text has a wildcard.
func wildcard(s string) bool { return probes.HasWildcard(s) }

// match reports whether s matches a pattern that may be a wildcard.
func match(pattern, s string) bool {
	if !wildcard(pattern) {
		return pattern == s
	}
	return probes.MatchWildcard(pattern, s)
}

func sortedUnique(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// ---------------------------------------------------------------------
// Fixed providers: begin, end, self, test, bench, profile, interval,
// software, hardware, watchpoint. The parser checked their syntax (units,
// event names, watchpoint forms) against the probe table; the kernel has
// nothing to add but their canonical target.

func (r *resolution) fixed() {
	parts := []string{r.ap.Provider}
	for i, f := range r.ap.Fields {
		if i == 0 {
			continue
		}
		parts = append(parts, f.Text)
	}
	switch r.ap.Provider {
	case "software", "hardware":
		// Aliases become the event's name ("cpu" is cpu-clock).
		if p, ok := btfindex.LookupProvider(r.ap.Provider); ok && len(parts) > 1 {
			if t, ok := p.FixedTarget(parts[1]); ok {
				parts[1] = t.Name
			}
		}
	}
	r.ai.Targets = []string{strings.Join(parts, ":")}
	r.ai.Source = "builtin"
}
