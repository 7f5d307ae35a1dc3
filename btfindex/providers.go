package btfindex

import "strings"

// ProviderKind classifies a probe provider by where its probes come from.
type ProviderKind uint8

const (
	KindInvalid       ProviderKind = iota
	KindSpecial                    // begin, end, self
	KindTest                       // test, bench
	KindKprobe                     // kprobe, kretprobe: kernel functions via kallsyms/BTF
	KindFentry                     // fentry, fexit: BTF functions
	KindTracepoint                 // tracefs (or cache, or BTF) events
	KindRawTracepoint              // BTF __probestub_/__traceiter_ functions
	KindIter                       // BTF bpf_iter__ structs
	KindUprobe                     // uprobe, uretprobe: ELF symbols
	KindUSDT                       // ELF .note.stapsdt
	KindFixed                      // software, hardware, profile, interval: a fixed list of targets
	KindWatchpoint                 // an address, nothing to list
)

// FixedTarget is one of the fixed names a provider accepts as its target
// (a software or hardware event, a time unit), with its alias.
type FixedTarget struct {
	Name          string
	Alias         string // "" when none
	DefaultPeriod uint64 // the count used when the probe gives none (events only)
}

// Provider describes one probe provider. The whole of bpftrace's provider
// vocabulary is the single table Providers.
type Provider struct {
	Name    string
	Aliases []string
	Kind    ProviderKind
	Return  bool // a return probe (kretprobe, uretprobe, fexit): has retval
	// ListKernel and ListUser say whether a listing with a wildcard
	// provider ("*:vfs_read", bt list with no pattern) includes it: return
	// probes and aliases are left out, like bpftrace -l does.
	ListKernel bool
	ListUser   bool
	Targets    []FixedTarget // KindFixed (and self's signals): the accepted targets
}

// Providers is every probe provider bpftrace knows, with aliases and the
// fixed targets of the software, hardware, profile, interval and self
// providers. The lists follow bpftrace's own (probe_types.h and
// probe_matcher.h in bpftrace's sources).
var Providers = []Provider{
	{Name: "kprobe", Aliases: []string{"k"}, Kind: KindKprobe, ListKernel: true},
	{Name: "kretprobe", Aliases: []string{"kr"}, Kind: KindKprobe, Return: true},
	{Name: "uprobe", Aliases: []string{"u"}, Kind: KindUprobe, ListUser: true},
	{Name: "uretprobe", Aliases: []string{"ur"}, Kind: KindUprobe, Return: true},
	{Name: "usdt", Aliases: []string{"U"}, Kind: KindUSDT, ListUser: true},
	{Name: "begin", Kind: KindSpecial},
	{Name: "end", Kind: KindSpecial},
	{Name: "self", Kind: KindSpecial, Targets: []FixedTarget{{Name: "signal"}}},
	{Name: "test", Kind: KindTest},
	{Name: "bench", Kind: KindTest},
	{Name: "tracepoint", Aliases: []string{"t"}, Kind: KindTracepoint, ListKernel: true},
	{Name: "profile", Aliases: []string{"p"}, Kind: KindFixed, Targets: timeUnits},
	{Name: "interval", Aliases: []string{"i"}, Kind: KindFixed, Targets: timeUnits},
	{Name: "software", Aliases: []string{"s"}, Kind: KindFixed, ListKernel: true, Targets: []FixedTarget{
		{"alignment-faults", "", 1},
		{"bpf-output", "", 1},
		{"context-switches", "cs", 1000},
		{"cpu-clock", "cpu", 1000000},
		{"cpu-migrations", "", 1},
		{"dummy", "", 1},
		{"emulation-faults", "", 1},
		{"major-faults", "", 1},
		{"minor-faults", "", 100},
		{"page-faults", "faults", 100},
		{"task-clock", "", 1},
	}},
	{Name: "hardware", Aliases: []string{"h"}, Kind: KindFixed, ListKernel: true, Targets: []FixedTarget{
		{"backend-stalls", "", 1000000},
		{"branch-instructions", "branches", 100000},
		{"branch-misses", "", 100000},
		{"bus-cycles", "", 100000},
		{"cache-misses", "", 1000000},
		{"cache-references", "", 1000000},
		{"cpu-cycles", "cycles", 1000000},
		{"frontend-stalls", "", 1000000},
		{"instructions", "", 1000000},
		{"ref-cycles", "", 1000000},
	}},
	{Name: "watchpoint", Aliases: []string{"w"}, Kind: KindWatchpoint},
	{Name: "fentry", Aliases: []string{"f", "kfunc"}, Kind: KindFentry, ListKernel: true},
	{Name: "fexit", Aliases: []string{"fr", "kretfunc"}, Kind: KindFentry, Return: true},
	{Name: "iter", Aliases: []string{"it"}, Kind: KindIter, ListKernel: true},
	{Name: "rawtracepoint", Aliases: []string{"rt"}, Kind: KindRawTracepoint, ListKernel: true},
}

// timeUnits are the targets of profile and interval.
var timeUnits = []FixedTarget{{Name: "hz"}, {Name: "ms"}, {Name: "s"}, {Name: "us"}}

// SelfSignals are the signals a self:signal:NAME probe accepts.
var SelfSignals = []string{"SIGUSR1"}

// LookupProvider finds a provider by name or alias. Like bpftrace, the
// name is matched case-insensitively, aliases exactly as well as lowered
// ("U" is usdt, "u" uprobe).
func LookupProvider(name string) (*Provider, bool) {
	for i := range Providers {
		p := &Providers[i]
		if p.Name == name {
			return p, true
		}
		for _, a := range p.Aliases {
			if a == name {
				return p, true
			}
		}
	}
	lower := strings.ToLower(name)
	if lower != name {
		return LookupProvider(lower)
	}
	return nil, false
}

// FixedTarget looks up a target of a fixed-target provider by name or alias.
func (p *Provider) FixedTarget(name string) (FixedTarget, bool) {
	for _, t := range p.Targets {
		if t.Name == name || (t.Alias != "" && t.Alias == name) {
			return t, true
		}
	}
	return FixedTarget{}, false
}
