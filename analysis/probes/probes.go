// Package probes is the project's table of bpftrace probe providers:
// their names and short names, what each attach point field means, which
// fields accept wildcards, and what a probe of each kind can read (args,
// argN, retval). The parser splits attach points with it (ParseAttachPoint);
// the checker, completion and `bt list` read the same table.
package probes

import (
	"sort"
	"strings"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/fuzzy"
)

// Diagnostic codes reported for attach points.
const (
	CodeBadAttachPoint  diag.Code = "bad-attach-point"
	CodeUnknownProvider diag.Code = "unknown-provider"
)

func init() {
	diag.Register(
		diag.CodeInfo{Code: CodeBadAttachPoint, Severity: diag.Error, Summary: "an attach point does not fit its provider's syntax (wrong number of fields, bad number, unit, offset or wildcard)"},
		diag.CodeInfo{Code: CodeUnknownProvider, Severity: diag.Error, Summary: "an attach point names a probe provider bpftrace does not have"},
	)
}

// Field roles, the labels ParseAttachPoint gives attach point fields.
const (
	RoleProvider  = "provider"  // the provider name as written (k, kprobe, BEGIN, ...)
	RoleModule    = "module"    // kernel module, or "bpf" for fentry:bpf:...
	RoleFunc      = "func"      // function or symbol name
	RoleOffset    = "offset"    // +offset after a function name
	RoleAddress   = "address"   // absolute address instead of a function
	RolePath      = "path"      // binary or library (uprobe, usdt)
	RoleLang      = "lang"      // uprobe language qualifier (cpp)
	RoleFile      = "file"      // source file of uprobe:path@file:line
	RoleLine      = "line"      // source line
	RoleColumn    = "column"    // source column
	RoleNamespace = "namespace" // USDT provider namespace
	RoleName      = "name"      // USDT probe name, test or bench name
	RoleCategory  = "category"  // tracepoint category (subsystem)
	RoleEvent     = "event"     // tracepoint, raw tracepoint, software or hardware event
	RoleUnit      = "unit"      // profile/interval unit: hz, s, ms, us
	RoleRate      = "rate"      // profile/interval rate or period
	RoleCount     = "count"     // software/hardware sample period
	RoleLength    = "length"    // watchpoint length in bytes
	RoleMode      = "mode"      // watchpoint mode: r, w, x combination
	RoleTrigger   = "trigger"   // self probe trigger kind (signal)
	RoleSignal    = "signal"    // self probe signal name
	RoleProgID    = "prog_id"   // BPF program id for fentry:bpf:id:name
	RoleIterator  = "iterator"  // iterator name
	RolePin       = "pin"       // iterator pin file
	RoleArg       = "arg"       // a field of an attach point whose provider is not known
)

// Provider is one row of the table.
type Provider struct {
	// Name is the canonical name (what AttachPoint.Provider holds).
	Name string
	// Aliases are the other accepted spellings. Matching is exact first
	// and then case-insensitive, as bpftrace does (so "U" is usdt but
	// "K" is kprobe).
	Aliases []string
	// Summary is a one-line description.
	Summary string
	// Forms are the accepted shapes, for documentation and completion;
	// [x] is optional.
	Forms []string
	// Wildcards lists the roles whose text may contain the wildcard '*'.
	// bpftrace has no other wildcard syntax: '[...]', '?' and '{a,b}'
	// are ordinary characters ('{' and ',' even end an unquoted attach
	// point).
	Wildcards []string
	// Args: the probe has the args builtin (typed arguments from BTF,
	// tracepoint formats or DWARF).
	Args bool
	// ArgN: the probe has arg0, arg1, ... (raw register arguments).
	ArgN bool
	// Retval: the probe has retval (only return probes).
	Retval bool
	// Kernel and User say under which heading `bt list` shows it.
	Kernel, User bool
	// Legacy marks providers only older bpftrace versions have.
	Legacy bool
	// Events lists the fixed events (software, hardware) with their short
	// aliases and default sample periods.
	Events []Event
	// Units are the time units of profile and interval.
	Units []string
	// Signals are the signals a self:signal probe accepts.
	Signals []string
	// Kind says where the provider's probes come from, for listing and
	// kernel lookups.
	Kind Kind

	parse func(c *apContext)
}

// Event is a fixed event of the software or hardware provider.
type Event struct {
	Name   string
	Alias  string // "" when none
	Period uint64 // the sample period used when the probe gives none
}

// Kind classifies providers by where their probes come from.
type Kind uint8

const (
	KindInvalid       Kind = iota
	KindSpecial            // begin, end, self
	KindTest               // test, bench
	KindKprobe             // kprobe, kretprobe: kernel functions (kallsyms, BTF)
	KindFentry             // fentry, fexit: BTF functions
	KindTracepoint         // tracefs (or cached, or BTF) events
	KindRawTracepoint      // BTF raw tracepoints
	KindIter               // BTF bpf_iter__ targets
	KindUprobe             // uprobe, uretprobe: ELF symbols
	KindUSDT               // ELF .note.stapsdt notes
	KindFixed              // software, hardware, profile, interval: fixed targets
	KindWatchpoint         // an address: nothing to list
)

// Listed reports whether a wildcard listing (bt list, bpftrace -l)
// includes the provider's probes: kernel and user providers, but not
// return probes, which share their entry probes' targets.
func (p *Provider) Listed() bool { return (p.Kernel || p.User) && !p.Retval }

// Providers is the table, in the order bpftrace documents them.
var Providers = []*Provider{
	{
		Name: "begin", Kind: KindSpecial, Aliases: []string{"BEGIN"},
		Summary: "runs once when the program starts, before other probes are attached",
		Forms:   []string{"begin"},
		parse:   parseBeginEnd,
	},
	{
		Name: "end", Kind: KindSpecial, Aliases: []string{"END"},
		Summary: "runs once when the program exits, after other probes are detached",
		Forms:   []string{"end"},
		parse:   parseBeginEnd,
	},
	{
		Name: "self", Kind: KindSpecial, Signals: []string{"SIGUSR1"},
		Summary: "runs when the bpftrace process itself receives an event, such as a signal",
		Forms:   []string{"self:signal:SIGUSR1"},
		parse:   parseSelf,
	},
	{
		Name: "test", Kind: KindTest,
		Summary: "a named test case, run only in test mode",
		Forms:   []string{"test:name"},
		parse:   parseNamed,
	},
	{
		Name: "bench", Kind: KindTest,
		Summary: "a named micro-benchmark, run only in bench mode",
		Forms:   []string{"bench:name"},
		parse:   parseNamed,
	},
	{
		Name: "kprobe", Kind: KindKprobe, Aliases: []string{"k"},
		Summary:   "dynamic tracing of a kernel function's entry (or an instruction at an offset)",
		Forms:     []string{"kprobe[:module]:function[+offset]", "kprobe:address"},
		Wildcards: []string{RoleModule, RoleFunc},
		ArgN:      true, Kernel: true,
		parse: func(c *apContext) { parseKprobe(c, true) },
	},
	{
		Name: "kretprobe", Kind: KindKprobe, Aliases: []string{"kr"},
		Summary:   "dynamic tracing of a kernel function's return",
		Forms:     []string{"kretprobe[:module]:function", "kretprobe:address"},
		Wildcards: []string{RoleModule, RoleFunc},
		Retval:    true, Kernel: true,
		parse: func(c *apContext) { parseKprobe(c, false) },
	},
	{
		Name: "uprobe", Kind: KindUprobe, Aliases: []string{"u"},
		Summary: "dynamic tracing of a user-space function's entry",
		Forms: []string{"uprobe:path:[lang:]function[+offset]", "uprobe:path:address",
			"uprobe:path@file:line[:column]", "uprobe:function (with -p PID)"},
		Wildcards: []string{RolePath, RoleFunc},
		Args:      true, ArgN: true, User: true,
		parse: func(c *apContext) { parseUprobe(c, true) },
	},
	{
		Name: "uretprobe", Kind: KindUprobe, Aliases: []string{"ur"},
		Summary:   "dynamic tracing of a user-space function's return",
		Forms:     []string{"uretprobe:path:[lang:]function", "uretprobe:path:address", "uretprobe:function (with -p PID)"},
		Wildcards: []string{RolePath, RoleFunc},
		Retval:    true, User: true,
		parse: func(c *apContext) { parseUprobe(c, false) },
	},
	{
		Name: "usdt", Kind: KindUSDT, Aliases: []string{"U"},
		Summary:   "user-level statically defined tracepoints compiled into binaries and libraries",
		Forms:     []string{"usdt:path:[namespace:]name", "usdt:name (with -p PID)"},
		Wildcards: []string{RolePath, RoleNamespace, RoleName},
		ArgN:      true, User: true,
		parse: parseUsdt,
	},
	{
		Name: "tracepoint", Kind: KindTracepoint, Aliases: []string{"t"},
		Summary:   "kernel static tracepoints",
		Forms:     []string{"tracepoint:category:event"},
		Wildcards: []string{RoleCategory, RoleEvent},
		Args:      true, Kernel: true,
		parse: parseTracepoint,
	},
	{
		Name: "rawtracepoint", Kind: KindRawTracepoint, Aliases: []string{"rt"},
		Summary:   "kernel static tracepoints with their raw arguments (needs BTF)",
		Forms:     []string{"rawtracepoint[:module]:event"},
		Wildcards: []string{RoleModule, RoleEvent},
		Args:      true, ArgN: true, Kernel: true,
		parse: parseRawTracepoint,
	},
	{
		Name: "profile", Kind: KindFixed, Units: []string{"hz", "s", "ms", "us"}, Aliases: []string{"p"},
		Summary: "timed sampling on every CPU",
		Forms:   []string{"profile:hz:rate", "profile:s:count", "profile:ms:count", "profile:us:count", "profile:period"},
		parse:   parseFrequency,
	},
	{
		Name: "interval", Kind: KindFixed, Units: []string{"hz", "s", "ms", "us"}, Aliases: []string{"i"},
		Summary: "timed events on one CPU, e.g. for periodic output",
		Forms:   []string{"interval:hz:rate", "interval:s:count", "interval:ms:count", "interval:us:count", "interval:period"},
		parse:   parseFrequency,
	},
	{
		Name: "software", Kind: KindFixed, Aliases: []string{"s"},
		Summary: "kernel software events (perf), sampled every count events",
		Forms:   []string{"software:event[:count]"},
		Kernel:  true,
		Events: []Event{
			{Name: "alignment-faults", Period: 1},
			{Name: "bpf-output", Period: 1},
			{Name: "context-switches", Alias: "cs", Period: 1000},
			{Name: "cpu-clock", Alias: "cpu", Period: 1000000},
			{Name: "cpu-migrations", Period: 1},
			{Name: "dummy", Period: 1},
			{Name: "emulation-faults", Period: 1},
			{Name: "major-faults", Period: 1},
			{Name: "minor-faults", Period: 100},
			{Name: "page-faults", Alias: "faults", Period: 100},
			{Name: "task-clock", Period: 1},
		},
		parse: parsePerfEvent,
	},
	{
		Name: "hardware", Kind: KindFixed, Aliases: []string{"h"},
		Summary: "processor hardware events from performance counters, sampled every count events",
		Forms:   []string{"hardware:event[:count]"},
		Kernel:  true,
		Events: []Event{
			{Name: "backend-stalls", Period: 1000000},
			{Name: "branch-instructions", Alias: "branches", Period: 100000},
			{Name: "branch-misses", Period: 100000},
			{Name: "bus-cycles", Period: 100000},
			{Name: "cache-misses", Period: 1000000},
			{Name: "cache-references", Period: 1000000},
			{Name: "cpu-cycles", Alias: "cycles", Period: 1000000},
			{Name: "frontend-stalls", Period: 1000000},
			{Name: "instructions", Period: 1000000},
			{Name: "ref-cycles", Period: 1000000},
		},
		parse: parsePerfEvent,
	},
	{
		Name: "watchpoint", Kind: KindWatchpoint, Aliases: []string{"w"},
		Summary: "hardware memory watchpoints: read, write or execute of an address",
		Forms:   []string{"watchpoint:address:length:mode"},
		parse:   parseWatchpoint,
	},
	{
		Name: "asyncwatchpoint", Kind: KindWatchpoint,
		Summary: "memory watchpoints reported asynchronously (older bpftrace only)",
		Forms:   []string{"asyncwatchpoint:address:length:mode"},
		Legacy:  true,
		parse:   parseWatchpoint,
	},
	{
		Name: "fentry", Kind: KindFentry, Aliases: []string{"f", "kfunc"},
		Summary:   "kernel function entry through BPF trampolines, with typed args from BTF",
		Forms:     []string{"fentry[:module]:function", "fentry:bpf[:prog_id]:prog_name"},
		Wildcards: []string{RoleModule, RoleFunc},
		Args:      true, Kernel: true,
		parse: parseFentry,
	},
	{
		Name: "fexit", Kind: KindFentry, Aliases: []string{"fr", "kretfunc"},
		Summary:   "kernel function return through BPF trampolines, with typed args and retval",
		Forms:     []string{"fexit[:module]:function", "fexit:bpf[:prog_id]:prog_name"},
		Wildcards: []string{RoleModule, RoleFunc},
		Args:      true, Retval: true, Kernel: true,
		parse: parseFentry,
	},
	{
		Name: "iter", Kind: KindIter, Aliases: []string{"it"},
		Summary: "BPF iterators that walk kernel objects (tasks, files, VMAs, ...)",
		Forms:   []string{"iter:iterator[:pin]"},
		Kernel:  true,
		parse:   parseIter,
	},
}

var byName = func() map[string]*Provider {
	m := map[string]*Provider{}
	for _, p := range Providers {
		m[p.Name] = p
		for _, a := range p.Aliases {
			m[a] = p
		}
	}
	return m
}()

// Lookup finds a provider by canonical name or alias: an exact match
// first, then a case-insensitive one (bpftrace accepts "BEGIN", "Kprobe").
func Lookup(name string) *Provider {
	if p, ok := byName[name]; ok {
		return p
	}
	lower := strings.ToLower(name)
	for _, p := range Providers {
		if p.Name == lower {
			return p
		}
		for _, a := range p.Aliases {
			if a == lower {
				return p
			}
		}
	}
	return nil
}

// AllowsWildcard reports whether the field role accepts wildcards.
func (p *Provider) AllowsWildcard(role string) bool {
	for _, r := range p.Wildcards {
		if r == role {
			return true
		}
	}
	return false
}

// EventNames returns the provider's fixed event names with their
// aliases, e.g. "cpu-clock" and "cpu".
func (p *Provider) EventNames() []string {
	var out []string
	for _, e := range p.Events {
		out = append(out, e.Name)
		if e.Alias != "" {
			out = append(out, e.Alias)
		}
	}
	return out
}

// Event finds a fixed event by name or alias.
func (p *Provider) Event(name string) (Event, bool) {
	for _, e := range p.Events {
		if e.Name == name || (e.Alias != "" && e.Alias == name) {
			return e, true
		}
	}
	return Event{}, false
}

// isEvent reports whether name is one of the provider's event names or
// aliases.
func (p *Provider) isEvent(name string) bool {
	_, ok := p.Event(name)
	return ok
}

// HasWildcard reports whether s contains a bpftrace wildcard. '*' is the
// only one: bpftrace v0.26 matches no probe for '[...]', '?' or '{a,b}'
// ('{' and ',' even end an unquoted attach point).
func HasWildcard(s string) bool { return strings.Contains(s, "*") }

// MatchWildcard matches the whole of s against a pattern in which '*'
// matches any run of characters, ':' included.
func MatchWildcard(pattern, s string) bool { return CompileGlob(pattern).Match(s) }

// Suggest returns the canonical provider name closest to name (by edit
// distance over names and aliases), or "" when nothing is close.
func Suggest(name string) string {
	lower := strings.ToLower(name)
	best, bestD := "", 1<<30
	var cands []string
	for _, p := range Providers {
		cands = append(cands, p.Name)
		cands = append(cands, p.Aliases...)
	}
	sort.Strings(cands)
	for _, c := range cands {
		if len(c) < 3 { // short names are too easy to hit by accident
			continue
		}
		d := fuzzy.Distance(lower, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if len(lower) <= 4 {
		limit = 1
	}
	if bestD > limit {
		return ""
	}
	return Lookup(best).Name
}
