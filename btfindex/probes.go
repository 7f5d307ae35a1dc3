package btfindex

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// Probe is one attachable probe, spelled like bpftrace -l spells it.
type Probe struct {
	Provider string // canonical provider name: "kprobe", "tracepoint", ...
	// Target is the module (fentry, fexit, rawtracepoint, kprobe with a
	// module), category (tracepoint), ELF path (uprobe, usdt) or fixed
	// target (software, hardware, profile, interval, self); "" for none.
	Target    string
	Namespace string // usdt: the provider namespace
	Name      string // function, event, probe or iterator name
	Source    Source // where the probe's existence is known from
	// CategoryGuessed: a BTF-only tracepoint whose category is a guess.
	CategoryGuessed bool
}

// String is the probe as bpftrace -l prints it: "kprobe:vfs_read",
// "fentry:vmlinux:vfs_read", "tracepoint:sched:sched_switch",
// "software:cpu-clock:", "usdt:/bin/x:prov:name".
func (p Probe) String() string {
	var b strings.Builder
	b.WriteString(p.Provider)
	b.WriteByte(':')
	if p.Target != "" {
		b.WriteString(p.Target)
		b.WriteByte(':')
	}
	if p.Namespace != "" {
		b.WriteString(p.Namespace)
		b.WriteByte(':')
	}
	b.WriteString(p.Name)
	return b.String()
}

// ProbeArg is one argument of a probe as bpftrace -lv shows it.
type ProbeArg struct {
	Name string
	// Type is the argument's C type ("struct file *"); Decl is the line
	// bpftrace -lv prints ("struct file * file", "char comm[16]").
	Type string
	Decl string
	// BTF is the BTF type when the argument came from BTF; nil for
	// tracefs formats.
	BTF btf.Type `json:"-"`
}

// List returns the probes matching a bpftrace -l pattern, sorted as
// bpftrace prints them (by provider name, then probe). The pattern is
// "provider:target:name", "provider:name", or just a name (any kernel
// provider); several patterns may be given separated by commas; '*' is the
// wildcard and "{a,b}" alternation is expanded. An empty pattern lists
// every kernel probe.
func (ix *Index) List(pattern string) ([]Probe, error) {
	var parts [][]Probe
	for _, raw := range splitTopLevel(pattern) {
		raw = strings.Join(strings.Fields(raw), " ")
		if raw == "" && pattern != "" {
			continue
		}
		for _, p := range ExpandBraces(raw) {
			ps, err := ix.listOne(p)
			if err != nil {
				return nil, err
			}
			parts = append(parts, ps...)
		}
	}
	out := slices.Concat(parts...)
	slices.SortFunc(out, compareProbes)
	return slices.CompactFunc(out, func(a, b Probe) bool {
		return a.Provider == b.Provider && a.Target == b.Target && a.Namespace == b.Namespace && a.Name == b.Name
	}), nil
}

// compareProbes orders probes by provider, then by their spelling after
// the provider (what bpftrace sorts), without building the strings.
func compareProbes(a, b Probe) int {
	if c := strings.Compare(a.Provider, b.Provider); c != 0 {
		return c
	}
	var pa, pb [5]string
	sa, sb := a.tail(&pa), b.tail(&pb)
	i, j := 0, 0 // segment indexes
	x, y := "", ""
	for {
		for x == "" && i < len(sa) {
			x, i = sa[i], i+1
		}
		for y == "" && j < len(sb) {
			y, j = sb[j], j+1
		}
		switch {
		case x == "" && y == "":
			return 0
		case x == "":
			return -1
		case y == "":
			return 1
		}
		n := min(len(x), len(y))
		if c := strings.Compare(x[:n], y[:n]); c != 0 {
			return c
		}
		x, y = x[n:], y[n:]
	}
}

// tail returns the segments of String() after "provider:".
func (p Probe) tail(buf *[5]string) []string {
	s := buf[:0]
	if p.Target != "" {
		s = append(s, p.Target, ":")
	}
	if p.Namespace != "" {
		s = append(s, p.Namespace, ":")
	}
	return append(s, p.Name)
}

func (ix *Index) listOne(pattern string) ([][]Probe, error) {
	if pattern == "" {
		pattern = "*:*"
	} else if !strings.Contains(pattern, ":") {
		pattern = "*:" + pattern
	}
	parts := strings.Split(pattern, ":")
	_, suffix, _ := strings.Cut(pattern, ":")
	ptype := parts[0]

	specificTarget := len(parts) > 1 && parts[1] != "" && !HasWildcard(parts[1]) && fileExists(parts[1])
	includeUser := (!HasWildcard(ptype) && ptype != "") || specificTarget

	var provs []*Provider
	if HasWildcard(ptype) || len(parts) == 1 {
		pm := CompileMatcher(ptype)
		for i := range Providers {
			p := &Providers[i]
			if (p.ListKernel || (includeUser && p.ListUser)) && pm.Match(p.Name) {
				provs = append(provs, p)
			}
		}
	} else if p, ok := LookupProvider(ptype); ok {
		provs = append(provs, p)
	} else {
		names := make([]string, 0, len(Providers))
		for _, p := range Providers {
			names = append(names, p.Name)
		}
		return nil, &NotFoundError{What: "probe type", Name: ptype, Suggestions: Suggest(ptype, names)}
	}

	var out [][]Probe
	for _, prov := range provs {
		target, search := "", suffix
		switch prov.Kind {
		case KindUprobe, KindUSDT, KindTracepoint, KindFentry, KindRawTracepoint:
			if len(parts) > 2 {
				target = parts[1]
			} else {
				target, search = "*", "*:"+suffix
			}
		case KindKprobe:
			if len(parts) > 2 {
				target = parts[1]
			}
		default:
			if search == "" {
				search = "*"
			}
		}
		ps, err := ix.matchProvider(prov, target, search)
		if err != nil {
			return nil, err
		}
		out = append(out, ps)
	}
	return out, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// matchProvider lists the probes of one provider whose "target:name" (or
// "name") line matches search.
func (ix *Index) matchProvider(prov *Provider, target, search string) ([]Probe, error) {
	m := CompileMatcher(search)
	out := make([]Probe, 0, 64)
	if prov.Kind == KindKprobe || prov.Kind == KindFentry {
		out = make([]Probe, 0, ix.funcTab().len()/4)
	}
	emit := func(line string, p Probe) {
		if strings.Contains(line, ".part.") || !m.Match(line) {
			return
		}
		out = append(out, p)
	}
	mm, split := compileModMatcher(search)
	// emitMod is emit for a "module:name" line, which it only builds when
	// the pattern cannot be matched part by part.
	emitMod := func(mod, name string, p Probe) {
		if split {
			if mm.match(mod, name) && !strings.Contains(name, ".part.") {
				out = append(out, p)
			}
			return
		}
		emit(mod+":"+name, p)
	}
	switch prov.Kind {
	case KindKprobe:
		if ix.btfErr != nil {
			return nil, nil
		}
		withModule := target != ""
		for i, name := range ix.funcTab().names {
			if ix.attachKnown && ix.funcTab().info[i]&funcAttachable == 0 {
				continue
			}
			mod := ix.mods[ix.funcTab().mods[i]].name
			if withModule {
				emitMod(mod, name, Probe{Provider: prov.Name, Target: mod, Name: name, Source: SourceBTF})
			} else {
				emit(name, Probe{Provider: prov.Name, Name: name, Source: SourceBTF})
			}
		}
	case KindFentry:
		if ix.btfErr != nil || target == "bpf" {
			return nil, nil
		}
		g := m.funcPrefix()
		lo, hi := 0, ix.funcTab().len()
		if g != "" {
			lo, hi = ix.funcTab().prefixRange(g)
		}
		for i := lo; i < hi; i++ {
			info := ix.funcTab().info[i]
			if (ix.attachKnown && info&funcAttachable == 0) || info&funcParamsMask > MaxTraceArgs {
				continue
			}
			mod := ix.mods[ix.funcTab().mods[i]].name
			name := ix.funcTab().names[i]
			emitMod(mod, name, Probe{Provider: prov.Name, Target: mod, Name: name, Source: SourceBTF})
		}
	case KindRawTracepoint:
		if ix.btfErr != nil {
			return nil, nil
		}
		for _, rt := range ix.rawTracepoints() {
			emitMod(rt.module, rt.name, Probe{Provider: prov.Name, Target: rt.module, Name: rt.name, Source: SourceBTF})
		}
	case KindTracepoint:
		c := ix.catalogue()
		for _, tp := range c.events {
			emitMod(tp.Category, tp.Event, Probe{Provider: prov.Name, Target: tp.Category, Name: tp.Event, Source: tp.Source, CategoryGuessed: tp.CategoryGuessed})
		}
	case KindIter:
		for _, it := range ix.iters() {
			emit(it, Probe{Provider: prov.Name, Name: it, Source: SourceBTF})
		}
	case KindFixed:
		for _, t := range prov.Targets {
			emit(t.Name+":", Probe{Provider: prov.Name, Target: t.Name, Source: SourceBuiltin})
			if t.Alias != "" {
				emit(t.Alias+":", Probe{Provider: prov.Name, Target: t.Alias, Source: SourceBuiltin})
			}
		}
	case KindSpecial:
		if prov.Name == "self" {
			for _, sig := range SelfSignals {
				emit("signal:"+sig, Probe{Provider: prov.Name, Target: "signal", Name: sig, Source: SourceBuiltin})
			}
		}
	case KindUprobe:
		for _, path := range resolveTargets(target) {
			syms, err := ELFFunctions(path)
			if err != nil {
				if !HasWildcard(target) {
					return nil, fmt.Errorf("%s: %w", path, err)
				}
				continue
			}
			for _, s := range syms {
				emit(path+":"+s, Probe{Provider: prov.Name, Target: path, Name: s, Source: SourceELF})
			}
		}
	case KindUSDT:
		for _, path := range resolveTargets(target) {
			ps, err := USDTProbes(path)
			if err != nil {
				if !HasWildcard(target) {
					return nil, fmt.Errorf("%s: %w", path, err)
				}
				continue
			}
			for _, u := range ps {
				emit(path+":"+u.Provider+":"+u.Name, Probe{Provider: prov.Name, Target: path, Namespace: u.Provider, Name: u.Name, Source: SourceELF})
			}
		}
	}
	return out, nil
}

// funcPrefix is the literal prefix of function names matched by a
// "module:function" matcher whose module part is "*" or literal, so that
// fentry listings can binary-search the function table. "" when unknown.
func (m Matcher) funcPrefix() string {
	prefix := ""
	for i, g := range m {
		p := g.Prefix()
		first, afterStar := g.FirstPiece()
		// Module and function names have no ':', so the pattern's first
		// ':' is the line's: what follows it up to a '*' is literal.
		var fp string
		switch {
		case strings.HasPrefix(first, ":") && afterStar:
			fp = first[1:]
		case p != "" && strings.Contains(p, ":"):
			_, fp, _ = strings.Cut(p, ":")
		default:
			return ""
		}
		if i == 0 {
			prefix = fp
		} else {
			prefix = commonPrefixStr(prefix, fp)
		}
	}
	return prefix
}

func commonPrefixStr(a, b string) string {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	return a[:i]
}

// resolveTargets turns a uprobe/usdt target into ELF paths: a wildcard
// target is globbed as a path; a bare name is looked up like a program or
// library.
func resolveTargets(target string) []string {
	if target == "" || target == "*" {
		return nil
	}
	if HasWildcard(target) {
		var out []string
		for _, alt := range ExpandBraces(target) {
			ms, _ := filepath.Glob(alt)
			for _, m := range ms {
				if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() {
					out = append(out, m)
				}
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	p, err := ResolveBinary(target)
	if err != nil {
		return []string{target} // reported by the reader
	}
	return []string{p}
}

type rawTP struct {
	module, name string
	mod          uint16
	id           uint32
}

// rawTracepoints lists the raw tracepoints: BTF functions named
// __probestub_EVENT (or, on older kernels, __traceiter_EVENT), whose
// prototypes are the event's arguments after a leading void *.
func (ix *Index) rawTracepoints() []rawTP {
	var out []rawTP
	seen := map[string]bool{}
	for _, prefix := range []string{"__probestub_", "__traceiter_"} {
		lo, hi := ix.funcTab().prefixRange(prefix)
		for i := lo; i < hi; i++ {
			if ix.funcTab().info[i]&funcParamsMask > MaxTraceArgs {
				continue
			}
			mod := ix.mods[ix.funcTab().mods[i]].name
			name := ix.funcTab().names[i][len(prefix):]
			if seen[mod+":"+name] {
				continue
			}
			seen[mod+":"+name] = true
			out = append(out, rawTP{module: mod, name: name, mod: ix.funcTab().mods[i], id: ix.funcTab().ids[i]})
		}
	}
	slices.SortFunc(out, func(a, b rawTP) int {
		if c := strings.Compare(a.module, b.module); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	return out
}

// iters lists the BPF iterators: struct bpf_iter__NAME with a function
// bpf_iter_NAME.
func (ix *Index) iters() []string {
	if ix.btfErr != nil {
		return nil
	}
	const prefix = "bpf_iter__"
	var out []string
	lo, hi := ix.typeTab().prefixRange(prefix)
	for i := lo; i < hi; i++ {
		if ix.typeTab().info[i] != kindStruct {
			continue
		}
		name := ix.typeTab().names[i][len(prefix):]
		if a, b := ix.funcTab().exactRange("bpf_iter_" + name); a < b {
			out = append(out, name)
		}
	}
	return slices.Compact(out)
}

// ProbeArgs returns a probe's arguments as bpftrace -lv lists them, and
// where they came from: tracepoint fields (tracefs, cache or BTF);
// function parameters for fentry ("type name"), fexit (plus "type
// retval"), kprobe ("type argN", floating-point parameters skipped) and
// kretprobe ("type retval" or "void"); raw tracepoint and iterator
// arguments from BTF. Other providers have none.
func (ix *Index) ProbeArgs(p Probe) ([]ProbeArg, Source, error) {
	prov, ok := LookupProvider(p.Provider)
	if !ok {
		return nil, SourceNone, &NotFoundError{What: "probe type", Name: p.Provider}
	}
	switch prov.Kind {
	case KindTracepoint:
		f, err := ix.TracepointFormat(p.Target, p.Name)
		if err != nil {
			return nil, SourceNone, err
		}
		var out []ProbeArg
		for _, fl := range f.Args() {
			out = append(out, ProbeArg{Name: fl.Name, Type: fl.Type, Decl: fl.Decl, BTF: fl.BTF})
		}
		return out, f.Source, nil
	case KindFentry, KindKprobe:
		f, err := ix.Func(p.Target, p.Name)
		if err != nil {
			return nil, SourceNone, err
		}
		sig, err := ix.Signature(f)
		if err != nil {
			return nil, SourceNone, err
		}
		var out []ProbeArg
		if prov.Kind == KindKprobe {
			if prov.Return {
				if !sig.HasReturn() {
					return []ProbeArg{{Type: "void", Decl: "void", BTF: sig.Return}}, SourceBTF, nil
				}
				return []ProbeArg{retval(sig.Return)}, SourceBTF, nil
			}
			n := 0
			for _, prm := range sig.Params {
				if _, isFloat := Resolve(prm.Type).(*btf.Float); isFloat {
					continue
				}
				out = append(out, typedArg(prm.Type, fmt.Sprintf("arg%d", n)))
				n++
			}
			return out, SourceBTF, nil
		}
		for _, prm := range sig.Params {
			out = append(out, typedArg(prm.Type, prm.Name))
		}
		if prov.Return && sig.HasReturn() {
			out = append(out, retval(sig.Return))
		}
		return out, SourceBTF, nil
	case KindRawTracepoint:
		for _, rt := range ix.rawTracepoints() {
			if rt.name != p.Name || (p.Target != "" && p.Target != "*" && rt.module != p.Target) {
				continue
			}
			t, err := ix.typeByID(rt.mod, rt.id)
			if err != nil {
				return nil, SourceNone, err
			}
			proto, ok := t.(*btf.Func).Type.(*btf.FuncProto)
			if !ok {
				return nil, SourceNone, fmt.Errorf("%s: no prototype", p)
			}
			var out []ProbeArg
			for i, prm := range proto.Params {
				if i == 0 {
					continue // void *__data
				}
				out = append(out, typedArg(prm.Type, prm.Name))
			}
			return out, SourceBTF, nil
		}
		return nil, SourceNone, &NotFoundError{What: "raw tracepoint", Name: p.Name}
	case KindIter:
		f, err := ix.Func("", "bpf_iter_"+p.Name)
		if err != nil {
			return nil, SourceNone, err
		}
		sig, err := ix.Signature(f)
		if err != nil {
			return nil, SourceNone, err
		}
		var out []ProbeArg
		for i, prm := range sig.Params {
			if i == 0 {
				continue // struct bpf_iter_meta *meta
			}
			out = append(out, typedArg(prm.Type, prm.Name))
		}
		return out, SourceBTF, nil
	case KindUprobe:
		return uprobeArgs(p, prov.Return)
	}
	return nil, SourceNone, nil
}

// uprobeArgs are a user function's parameters from its binary's DWARF,
// spelled as bpftrace -lv prints them ("int* n"). A uretprobe has none,
// nor has a binary without DWARF: that is no error.
func uprobeArgs(p Probe, ret bool) ([]ProbeArg, Source, error) {
	if ret || p.Target == "" || p.Target == "*" {
		return nil, SourceNone, nil
	}
	path, err := ResolveBinary(p.Target)
	if err != nil {
		return nil, SourceNone, err
	}
	di, err := OpenDebugInfo(path)
	if err != nil {
		return nil, SourceNone, nil
	}
	params, ok := di.FuncParams(p.Name)
	if !ok {
		return nil, SourceNone, nil
	}
	out := make([]ProbeArg, 0, len(params))
	for _, prm := range params {
		ts := CTypeName(prm.Type)
		out = append(out, ProbeArg{Name: prm.Name, Type: ts, Decl: ts + " " + prm.Name})
	}
	return out, SourceDWARF, nil
}

func typedArg(t btf.Type, name string) ProbeArg {
	ts := CDecl(t, "")
	return ProbeArg{Name: name, Type: ts, Decl: ts + " " + name, BTF: t}
}

func retval(t btf.Type) ProbeArg { return typedArg(t, "retval") }

// SuggestProbe proposes probes close to a pattern that matched nothing
// ("did you mean"), spelled like List spells probes.
func (ix *Index) SuggestProbe(pattern string) []string {
	if HasWildcard(pattern) || !strings.Contains(pattern, ":") {
		return nil
	}
	parts := strings.Split(pattern, ":")
	prov, ok := LookupProvider(parts[0])
	if !ok {
		names := make([]string, 0, len(Providers))
		for _, p := range Providers {
			names = append(names, p.Name)
		}
		return Suggest(parts[0], names)
	}
	last := parts[len(parts)-1]
	var out []string
	switch prov.Kind {
	case KindKprobe, KindFentry:
		_, err := ix.Func("", last)
		if nf, ok := err.(*NotFoundError); ok {
			for _, s := range nf.Suggestions {
				p := Probe{Provider: prov.Name, Name: s}
				if prov.Kind == KindFentry || len(parts) > 2 {
					if f, err := ix.Func("", s); err == nil {
						p.Target = f.Module
					}
				}
				out = append(out, p.String())
			}
		}
	case KindTracepoint:
		cat := ""
		if len(parts) > 2 {
			cat = parts[1]
		}
		_, err := ix.LookupTracepoint(cat, last)
		if nf, ok := err.(*NotFoundError); ok {
			for _, s := range nf.Suggestions {
				if !strings.Contains(s, ":") {
					if tp, err := ix.LookupTracepoint("", s); err == nil {
						s = tp.String()
					}
				}
				out = append(out, prov.Name+":"+s)
			}
		}
	case KindRawTracepoint:
		var names []string
		mods := map[string]string{}
		for _, rt := range ix.rawTracepoints() {
			names = append(names, rt.name)
			if _, ok := mods[rt.name]; !ok {
				mods[rt.name] = rt.module
			}
		}
		for _, s := range Suggest(last, names) {
			out = append(out, prov.Name+":"+mods[s]+":"+s)
		}
	case KindFixed:
		var names []string
		for _, t := range prov.Targets {
			names = append(names, t.Name)
			if t.Alias != "" {
				names = append(names, t.Alias)
			}
		}
		if len(parts) > 1 {
			for _, s := range Suggest(parts[1], names) {
				out = append(out, prov.Name+":"+s+":")
			}
		}
	}
	return out
}

// splitTopLevel splits a pattern list on the commas outside braces.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// modMatcher matches "module:name" lines part by part: module and name
// contain no ':', so a pattern alternative with exactly one ':' matches a
// line exactly when its two sides match the two parts.
type modMatcher []struct{ mod, name Glob }

func compileModMatcher(search string) (modMatcher, bool) {
	var mm modMatcher
	for _, alt := range ExpandBraces(search) {
		mod, name, ok := strings.Cut(alt, ":")
		if !ok || strings.Contains(name, ":") {
			return nil, false
		}
		mm = append(mm, struct{ mod, name Glob }{CompileGlob(mod), CompileGlob(name)})
	}
	return mm, true
}

func (mm modMatcher) match(mod, name string) bool {
	for _, g := range mm {
		if g.mod.Match(mod) && g.name.Match(name) {
			return true
		}
	}
	return false
}
