// Package kernelcheck answers the type checker's questions about the
// kernel (check.Kernel) from btfindex: it resolves attach points against
// the kernel's tracepoints, functions, raw tracepoints and iterators and
// the ELF files uprobes and USDT probes name, types probe arguments from
// tracepoint formats, BTF and DWARF, looks kernel types and enumerators
// up, and gives the program's C the kernel's BTF as C headers. Tools
// that describe one probe's arguments (the language server's hover and
// completion) take them from here too (FirstTargetArgs). The
// checker (analysis/check) declares the interfaces and knows nothing of
// btfindex; bt check, bt run, the language server and the tests make
// their Kernel here (Open, New).
package kernelcheck

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
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/btfindex"
)

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

// kernelView is a kernel checking one program (check.KernelScript): its
// config, the attach points sharing a probe, the args fields each probe
// reads and the process it is checked for.
type kernelView struct {
	*kernel
	check.KernelScript
	// firstOnly keeps, of a wildcard's targets, the first whose
	// arguments are typed, and checks nothing about the whole expansion
	// (FirstTargetArgs).
	firstOnly bool
}

// The checker finds the optional interfaces by type assertion: a method
// that stopped matching would silently switch a feature off.
var (
	_ check.Kernel       = (*kernelView)(nil)
	_ check.ScriptKernel = (*kernelView)(nil)
	_ check.KernelC      = (*kernelView)(nil)
	_ check.KernelEnums  = (*kernelView)(nil)
	_ check.UserTypes    = (*kernelView)(nil)
)

// ForScript returns the kernel set up for checking one program.
func (v *kernelView) ForScript(s check.KernelScript) check.Kernel {
	return &kernelView{kernel: v.kernel, KernelScript: s}
}

// New returns the Kernel that answers from idx. Kernel functions count
// as attachable per the index (kallsyms); kprobe targets outside BTF are
// looked up in /proc/kallsyms when the index read kallsyms, that is when
// it describes the running kernel.
func New(idx *btfindex.Index) check.Kernel {
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

// Open opens the kernel bt check, bt run and the language server check
// against: the running kernel by default, the BTF (or vmlinux ELF) file
// btfPath when given, and none (nil, kernel-independent checking) with
// noKernel. It fails with a clear error when there is no BTF.
func Open(btfPath string, noKernel bool) (check.Kernel, error) {
	if noKernel {
		return nil, nil
	}
	// The running kernel's tracepoint formats are in tracefs: as root,
	// mount it when it is not (a fresh boot), as bt list and bpftrace do.
	k, err := openKernel(btfindex.Options{BTFFile: btfPath, NoMount: btfPath != ""})
	if err != nil {
		return nil, err // not a Kernel holding a nil *kernelView
	}
	return k, nil
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

// Index returns the btfindex behind a Kernel made by New or Open, or nil
// (for the compiler and clink, which read BTF themselves).
func Index(k check.Kernel) *btfindex.Index {
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
	ai    *check.AttachInfo
	diags diag.List
}

// Resolve expands and checks one attach point against the kernel. For a
// program checked for a process (KernelScript.PID), uprobe and usdt
// attach points name the files that process sees and maps.
func (v *kernelView) Resolve(ap *ast.AttachPoint, f *source.File) (*check.AttachInfo, diag.List) {
	processPaths(ap, v.PID)
	ai, diags := v.resolve(ap, f)
	if ai != nil {
		v.expandProcessUSDT(ai, v.PID)
		v.expandProcessUprobes(ai, v.PID)
		usdtOutsideProcess(ai, v.PID)
	}
	return ai, diags
}

// resolve expands and checks one attach point against the kernel and
// the files it names, as they are in this mount namespace.
func (v *kernelView) resolve(ap *ast.AttachPoint, f *source.File) (*check.AttachInfo, diag.List) {
	ai := &check.AttachInfo{Node: ap, Provider: ap.Provider}
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
	if code == check.CodeNoProbeMatch && r.siblingMatches() {
		return nil
	}
	sev := diag.Error
	switch r.v.Config.MissingProbes {
	case "ignore":
		return nil
	case "warn":
		sev = diag.Warning
	}
	d := r.report(sev, code, span, format, args...)
	if sev == diag.Error && (code == check.CodeProbeNotFound || code == check.CodeNoProbeMatch) {
		d.Hint = "if the probe may be missing on some systems, set config = { missing_probes = \"warn\" }"
	}
	return d
}

// siblingMatches reports whether another attach point of the probe
// matches something (or cannot be known before the script runs).
func (r *resolution) siblingMatches() bool {
	for _, s := range r.v.Siblings[r.ap] {
		if s == r.ap || s == nil {
			continue
		}
		for _, f := range s.Fields {
			if !f.Quoted && strings.Contains(f.Text, "$") {
				return true
			}
		}
		quiet := &kernelView{kernel: r.v.kernel, KernelScript: check.KernelScript{Config: r.v.Config}}
		if ai, _ := quiet.resolve(s, r.f); len(ai.Targets) > 0 {
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
	if r.v.Config.MaxBPFProgs > 0 {
		return r.v.Config.MaxBPFProgs
	}
	return 1024
}

// tooMany reports a wildcard whose full expansion (one BPF program per
// match) exceeds max_bpf_progs, and says whether it did.
func (r *resolution) tooMany(n int) bool {
	if r.v.firstOnly {
		return false // only the first is typed
	}
	if max := r.maxProgs(); n > max {
		d := r.errorf(check.CodeTooManyProbes, r.whole(), "%s expands to %d probes, more than max_bpf_progs (%d) allows", r.ap.Raw, n, max)
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
	r.errorf(check.CodeBTFRequired, r.whole(), "%s probes need kernel BTF: %v", r.ap.Provider, unwrapNoBTF(err))
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
