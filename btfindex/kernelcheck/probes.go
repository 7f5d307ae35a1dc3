package kernelcheck

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/btfindex"
)

// ---------------------------------------------------------------------
// Tracepoints

func (r *resolution) tracepoint() {
	cat, ev := r.parts.text(probes.RoleCategory), r.parts.text(probes.RoleEvent)
	if !r.parts.has(probes.RoleCategory) {
		cat = "*" // tracepoint:*foo* (any category)
	}
	k := r.v.kernel
	src, _ := k.idx.TracepointSource()
	if wildcard(cat) || wildcard(ev) {
		var targets []btfindex.Tracepoint
		for _, tp := range k.allTracepoints() {
			// BTF-only catalogues guess categories: the event decides.
			catOK := match(cat, tp.Category) || tp.Category == "*" || (tp.CategoryGuessed && !wildcard(cat))
			if catOK && match(ev, tp.Event) {
				targets = append(targets, tp)
			}
		}
		if len(targets) == 0 {
			d := r.missing(check.CodeNoProbeMatch, r.whole(), "%s matches no tracepoint of %s", r.ap.Raw, r.v.desc)
			r.catalogueNote(d, src)
			return
		}
		if r.tooMany(len(targets)) {
			return
		}
		r.tracepointTargets(targets)
		return
	}
	tp, err := k.lookupTracepoint(cat, ev)
	if err != nil {
		var nf *btfindex.NotFoundError
		if !errors.As(err, &nf) {
			// No catalogue at all: nothing is known about tracepoints.
			return
		}
		d := r.missing(check.CodeProbeNotFound, r.spanOf(probes.RoleEvent), "tracepoint %s:%s does not exist on %s", cat, ev, r.v.desc)
		if d != nil {
			alts := nf.Suggestions
			if syn := k.syntheticSyscalls(); len(syn) > 0 && strings.HasPrefix(cat, "syscall") {
				var names []string
				for _, s := range syn {
					names = append(names, s.Event)
				}
				for _, s := range btfindex.Suggest(ev, names) {
					alts = append(alts, "syscalls:"+s)
				}
			}
			if cat == "syscall" {
				alts = append([]string{"syscalls:" + ev}, alts...)
			}
			r.suggestTracepoint(d, cat, alts)
			r.catalogueNote(d, src)
		}
		return
	}
	r.tracepointTargets([]btfindex.Tracepoint{tp})
}

// catalogueNote tells, on a tracepoint that was not found, that the
// catalogue is BTF's approximation.
func (r *resolution) catalogueNote(d *diag.Diagnostic, src btfindex.Source) {
	if d != nil && src == btfindex.SourceBTF {
		d.Notes = append(d.Notes, diag.Note{Message: "tracefs is not readable: tracepoints are known from BTF only; run `bt list` once as root to cache the kernel's own list"})
	}
}

// suggestTracepoint turns suggestions ("cat:event" or "event") into a hint
// and fixes for the category and event fields.
func (r *resolution) suggestTracepoint(d *diag.Diagnostic, cat string, alts []string) {
	if d == nil {
		return
	}
	var full []string
	for _, a := range alts {
		if !strings.Contains(a, ":") {
			if tp, err := r.v.kernel.lookupTracepoint("", a); err == nil {
				a = tp.Category + ":" + tp.Event
			} else {
				a = cat + ":" + a
			}
		}
		full = append(full, a)
	}
	full = sortedUniqueKeepOrder(full)
	if len(full) == 0 {
		return
	}
	span := r.whole()
	if r.parts.has(probes.RoleCategory) {
		span.Start = r.parts.span(probes.RoleCategory).Start
	} else {
		span.Start = r.parts.span(probes.RoleEvent).Start
	}
	span.End = r.parts.span(probes.RoleEvent).End
	r.suggest(d, span, func(s string) string { return "tracepoint:" + s }, full)
}

func sortedUniqueKeepOrder(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func (r *resolution) tracepointTargets(tps []btfindex.Tracepoint) {
	k := r.v.kernel
	tps, sets := typeTargets(r, tps, func(tp btfindex.Tracepoint) *argSet { return k.tracepointArgs(tp, r.maxStrlen()) })
	for _, tp := range tps {
		r.ai.Targets = append(r.ai.Targets, "tracepoint:"+tp.Category+":"+tp.Event)
	}
	r.ai.Source = sets[0].source
	r.setArgs(r.ap.Raw, sets)
}

func (r *resolution) maxStrlen() int {
	if r.v.Config.MaxStrlen > 0 {
		return r.v.Config.MaxStrlen
	}
	return 1024
}

// ---------------------------------------------------------------------
// kprobe, kretprobe

func (r *resolution) kprobe() {
	k := r.v.kernel
	if r.ai.Provider == "kretprobe" {
		// bpftrace reads a kretprobe's return register as uint64.
		r.ai.Retval = types.Uint64
	}
	if r.parts.has(probes.RoleAddress) {
		r.ai.Targets = []string{r.ap.Provider + ":" + r.parts.text(probes.RoleAddress)}
		r.ai.Source = "builtin"
		return
	}
	mod, fn := r.parts.text(probes.RoleModule), r.parts.text(probes.RoleFunc)
	if wildcard(mod) || wildcard(fn) {
		r.kprobeWildcard(mod, fn)
		return
	}
	name := fn
	if mod != "" {
		name = mod + ":" + fn
	}
	r.ai.Targets = []string{r.ap.Provider + ":" + name}
	kf, found := k.btfFunc(mod, fn)
	if found {
		r.ai.Source = "btf"
		// Typed parameters from BTF, to document arg0, arg1, ...
		if sig, err := k.idx.Signature(kf); err == nil && r.ai.Provider == "kprobe" {
			for i, p := range sig.Params {
				n := p.Name
				if n == "" {
					n = fmt.Sprintf("arg%d", i)
				}
				r.ai.Args = append(r.ai.Args, check.ProbeArg{Name: n, Type: k.conv.Convert(p.Type), Offset: -1})
			}
		}
		if kf.Attachable {
			return // in kallsyms (or kallsyms unknown: assumed)
		}
		d := r.missing(check.CodeProbeNotAttachable, r.spanOf(probes.RoleFunc),
			"cannot attach %s to %s: the function is in BTF but not among the kernel's traceable functions (inlined, or marked notrace)", r.ap.Provider, fn)
		if d != nil {
			d.Hint = "attach to a caller of " + fn + ", or to a tracepoint nearby"
		}
		return
	}
	// Not a BTF function: compiler clones (f.isra.0), functions without
	// BTF, and module functions are looked up in kallsyms.
	notFound := func() { r.functionNotFound(mod, fn) }
	syms, err := k.idx.KprobeFuncs()
	if err != nil {
		// Another kernel's BTF, no kallsyms: names outside BTF cannot be
		// checked (clones are named with a '.', which BTF never has).
		if k.idx.BTFError() == nil && !strings.Contains(fn, ".") {
			notFound()
		}
		return
	}
	r.ai.Source = syms.From
	if mod != "" && mod != "vmlinux" && !syms.HasModule(mod) {
		r.missing(check.CodeProbeNotFound, r.spanOf(probes.RoleModule), "kernel module %s is not loaded on %s", mod, r.v.desc)
		return
	}
	if mod == "vmlinux" {
		mod = ""
	}
	if syms.Has(mod, fn) {
		return
	}
	notFound()
}

// btfFunc finds a BTF function by exact name (module "" for any) without
// computing suggestions on a miss.
func (k *kernel) btfFunc(mod, fn string) (btfindex.KernelFunc, bool) {
	if k.idx.BTFError() != nil {
		return btfindex.KernelFunc{}, false
	}
	for _, f := range k.idx.Funcs(fn) {
		if f.Name == fn && (mod == "" || f.Module == mod) {
			return f, true
		}
	}
	return btfindex.KernelFunc{}, false
}

// kprobeWildcard expands a kprobe wildcard: over BTF functions that are
// attachable when that finds something (the index answers without
// reading kallsyms), else, and for patterns aimed at compiler clones
// (with a '.'), over everything kprobes can attach to.
func (r *resolution) kprobeWildcard(mod, fn string) {
	k := r.v.kernel
	var targets []string
	add := func(m, name string) {
		if strings.Contains(name, ".part.") || !match(fn, name) {
			return
		}
		if mod != "" {
			if !match(mod, m) {
				return
			}
			targets = append(targets, r.ap.Provider+":"+m+":"+name)
		} else {
			targets = append(targets, r.ap.Provider+":"+name)
		}
	}
	src := "btf"
	if k.idx.BTFError() == nil && !strings.Contains(fn, ".") {
		for _, f := range k.idx.Funcs(literalPrefix(fn)) {
			if f.Attachable {
				add(f.Module, f.Name)
			}
		}
	}
	if len(targets) == 0 {
		s, ok := k.kprobeCandidates(literalPrefix(fn), add)
		if !ok {
			return // nothing to match against
		}
		src = s
	}
	targets = sortedUnique(targets)
	if len(targets) == 0 {
		r.missing(check.CodeNoProbeMatch, r.whole(), "%s matches no kernel function of %s that kprobes can attach to", r.ap.Raw, r.v.desc)
		return
	}
	// With a module wildcard bpftrace makes one program per match.
	if wildcard(mod) && r.tooMany(len(targets)) {
		return
	}
	r.ai.Targets = targets
	r.ai.Source = src
}

// functionNotFound reports an unknown kernel function with suggestions
// (looked up only when the report is not suppressed).
func (r *resolution) functionNotFound(mod, fn string) {
	where := r.v.desc
	if mod != "" {
		where = "module " + mod + " of " + r.v.desc
	}
	d := r.missing(check.CodeProbeNotFound, r.spanOf(probes.RoleFunc), "kernel function %s does not exist in %s", fn, where)
	if d == nil {
		return
	}
	_, err := r.v.idx.Func(mod, fn)
	var nf *btfindex.NotFoundError
	if errors.As(err, &nf) {
		r.suggest(d, r.spanOf(probes.RoleFunc), func(s string) string {
			if mod != "" {
				return r.ap.Provider + ":" + mod + ":" + s
			}
			return r.ap.Provider + ":" + s
		}, nf.Suggestions)
	}
}

// ---------------------------------------------------------------------
// fentry, fexit

func (r *resolution) fentry() {
	k := r.v.kernel
	mod, fn := r.parts.text(probes.RoleModule), r.parts.text(probes.RoleFunc)
	if mod == "bpf" && !r.parts.fields[probes.RoleModule].Quoted {
		// fentry:bpf:[id:]name attaches to running BPF programs, which
		// only exist when the script runs.
		r.ai.Targets = []string{strings.TrimPrefix(r.ap.Raw, r.ap.Fields[0].Text+":")}
		r.ai.Targets[0] = r.ap.Provider + ":" + r.ai.Targets[0]
		return
	}
	if r.needBTF() {
		return
	}
	r.ai.Source = "btf"
	if wildcard(mod) || wildcard(fn) {
		var fns []btfindex.KernelFunc
		for _, f := range k.idx.Funcs(literalPrefix(fn)) {
			if !f.Attachable || f.NumParams > btfindex.MaxTraceArgs || !match(fn, f.Name) {
				continue
			}
			if mod != "" && !match(mod, f.Module) {
				continue
			}
			fns = append(fns, f)
		}
		if len(fns) == 0 {
			r.missing(check.CodeNoProbeMatch, r.whole(), "%s matches no kernel function of %s that %s can attach to", r.ap.Raw, r.v.desc, r.ap.Provider)
			return
		}
		if r.tooMany(len(fns)) {
			return
		}
		r.fentryTargets(fns)
		return
	}
	var found []btfindex.KernelFunc
	for _, f := range k.idx.Funcs(fn) {
		if f.Name == fn && (mod == "" || f.Module == mod) {
			found = append(found, f)
		}
	}
	if len(found) == 0 {
		if mod != "" && !slices.Contains(k.idx.Modules(), mod) {
			r.missing(check.CodeProbeNotFound, r.spanOf(probes.RoleModule), "kernel module %s is not loaded (it has no BTF) on %s", mod, r.v.desc)
			return
		}
		r.functionNotFound(mod, fn)
		return
	}
	if mod == "" && len(found) > 1 {
		var mods []string
		for _, f := range found {
			mods = append(mods, f.Module)
		}
		mods = sortedUnique(mods)
		if len(mods) > 1 {
			d := r.errorf(check.CodeAmbiguousProbe, r.spanOf(probes.RoleFunc), "function %s is defined in %s: name the module, e.g. %s:%s:%s",
				fn, strings.Join(mods, ", "), r.ap.Provider, mods[0], fn)
			for _, m := range mods {
				d.Fixes = append(d.Fixes, fixText(r.f, r.spanOf(probes.RoleFunc), "use "+m+":"+fn, m+":"+fn))
			}
			return
		}
	}
	f := found[0]
	if !f.Attachable {
		d := r.missing(check.CodeProbeNotAttachable, r.spanOf(probes.RoleFunc),
			"cannot attach %s to %s: the function is in BTF but not among the kernel's traceable functions (inlined, or marked notrace)", r.ap.Provider, fn)
		if d != nil {
			d.Hint = "attach to a caller of " + fn + ", or to a tracepoint nearby"
		}
		return
	}
	if f.NumParams > btfindex.MaxTraceArgs {
		r.missing(check.CodeProbeNotAttachable, r.spanOf(probes.RoleFunc),
			"cannot attach %s to %s: it has %d parameters, and BPF trampolines pass at most %d", r.ap.Provider, fn, f.NumParams, btfindex.MaxTraceArgs)
		return
	}
	r.fentryTargets([]btfindex.KernelFunc{f})
}

func (r *resolution) fentryTargets(fns []btfindex.KernelFunc) {
	k := r.v.kernel
	fns, sets := typeTargets(r, fns, k.funcArgs)
	for _, f := range fns {
		r.ai.Targets = append(r.ai.Targets, r.ap.Provider+":"+f.Module+":"+f.Name)
	}
	r.setArgs(r.ap.Raw, sets)
	if r.ai.Provider == "fexit" {
		r.ai.Retval = mergeRetval(sets)
	}
}

// typeTargets types each target's arguments with args, in order, and
// returns the targets and their arguments: all of them, or for
// FirstTargetArgs the first target whose arguments are known and not
// none (or all, when no target's are).
func typeTargets[T any](r *resolution, targets []T, args func(T) *argSet) ([]T, []*argSet) {
	sets := make([]*argSet, 0, len(targets))
	for i, t := range targets {
		s := args(t)
		if r.v.firstOnly && s.described() {
			return targets[i : i+1], []*argSet{s}
		}
		sets = append(sets, s)
	}
	return targets, sets
}

func fixText(f *source.File, span source.Span, msg, text string) diag.Fix {
	return diag.Fix{Message: msg, Edits: []diag.Edit{{Location: diag.Location{File: f, Span: span}, NewText: text}}}
}

// literalPrefix is the text of a pattern before its first wildcard.
func literalPrefix(p string) string {
	if i := strings.IndexAny(p, "*["); i >= 0 {
		return p[:i]
	}
	return p
}

// ---------------------------------------------------------------------
// rawtracepoint

func (r *resolution) rawTracepoint() {
	if r.needBTF() {
		return
	}
	k := r.v.kernel
	mod, ev := r.parts.text(probes.RoleModule), r.parts.text(probes.RoleEvent)
	r.ai.Source = "btf"
	var targets []btfindex.Probe
	for _, p := range k.rawTracepoints() {
		if (mod == "" || match(mod, p.Target)) && match(ev, p.Name) {
			targets = append(targets, p)
		}
	}
	if !wildcard(mod) && !wildcard(ev) && len(targets) > 1 {
		// The same event in vmlinux and a module: vmlinux's, as bpftrace.
		targets = targets[:1]
	}
	if len(targets) == 0 {
		if wildcard(mod) || wildcard(ev) {
			r.missing(check.CodeNoProbeMatch, r.whole(), "%s matches no raw tracepoint of %s", r.ap.Raw, r.v.desc)
			return
		}
		d := r.missing(check.CodeProbeNotFound, r.spanOf(probes.RoleEvent), "raw tracepoint %s does not exist on %s", ev, r.v.desc)
		var names []string
		for _, p := range k.rawTracepoints() {
			names = append(names, p.Name)
		}
		if d != nil {
			r.suggest(d, r.spanOf(probes.RoleEvent), func(s string) string { return "rawtracepoint:" + s }, btfindex.Suggest(ev, sortedUnique(names)))
		}
		return
	}
	if (wildcard(mod) || wildcard(ev)) && r.tooMany(len(targets)) {
		return
	}
	targets, sets := typeTargets(r, targets, k.rawTracepointArgs)
	for _, p := range targets {
		r.ai.Targets = append(r.ai.Targets, "rawtracepoint:"+p.Target+":"+p.Name)
	}
	r.setArgs(r.ap.Raw, sets)
}

// ---------------------------------------------------------------------
// iter

func (r *resolution) iter() {
	if r.needBTF() {
		return
	}
	k := r.v.kernel
	name := r.parts.text(probes.RoleIterator)
	r.ai.Source = "btf"
	var found []string
	for _, it := range k.iterators() {
		if match(name, it) {
			found = append(found, it)
		}
	}
	if len(found) == 0 {
		if wildcard(name) {
			r.missing(check.CodeNoProbeMatch, r.whole(), "%s matches no BPF iterator of %s", r.ap.Raw, r.v.desc)
			return
		}
		d := r.missing(check.CodeProbeNotFound, r.spanOf(probes.RoleIterator), "BPF iterator %s does not exist on %s", name, r.v.desc)
		if d != nil {
			r.suggest(d, r.spanOf(probes.RoleIterator), func(s string) string { return "iter:" + s }, btfindex.Suggest(name, k.iterators()))
		}
		return
	}
	pin := ""
	if r.parts.has(probes.RolePin) {
		pin = ":" + r.parts.text(probes.RolePin)
	}
	for _, it := range found {
		r.ai.Targets = append(r.ai.Targets, "iter:"+it+pin)
	}
}

// ---------------------------------------------------------------------
// Kernel-side lists, read once.

func (k *kernel) allTracepoints() []btfindex.Tracepoint {
	tps := k.idx.Tracepoints()
	if syn := k.syntheticSyscalls(); len(syn) > 0 {
		tps = append(append([]btfindex.Tracepoint(nil), tps...), syn...)
	}
	return tps
}

// lookupTracepoint finds a tracepoint in the catalogue or, for syscalls
// on a BTF-only catalogue, among the synthesized ones.
func (k *kernel) lookupTracepoint(cat, ev string) (btfindex.Tracepoint, error) {
	tp, err := k.idx.LookupTracepoint(cat, ev)
	if err == nil {
		return tp, nil
	}
	if cat == "syscalls" || cat == "" || cat == "*" {
		k.syntheticSyscalls()
		k.mu.Lock()
		ok := k.synSet[ev]
		k.mu.Unlock()
		if ok {
			return btfindex.Tracepoint{Category: "syscalls", Event: ev, Source: btfindex.SourceBTF}, nil
		}
	}
	return tp, err
}

func (k *kernel) rawTracepoints() []btfindex.Probe {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.rawOnce {
		k.rawOnce = true
		k.rawTPs, _ = k.idx.List("rawtracepoint:*:*")
	}
	return k.rawTPs
}

func (k *kernel) iterators() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.iterOnce {
		k.iterOnce = true
		ps, _ := k.idx.List("iter:*")
		for _, p := range ps {
			k.iters = append(k.iters, p.Name)
		}
		sort.Strings(k.iters)
	}
	return k.iters
}
