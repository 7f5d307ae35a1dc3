package btfindex

import (
	"strings"

	"github.com/bt-tools/bt/analysis/probes"
)

// ProviderKind classifies a probe provider by where its probes come
// from. It is the kind recorded in analysis/probes' provider table.
type ProviderKind = probes.Kind

// The provider kinds, as the probe table names them.
const (
	KindInvalid       = probes.KindInvalid
	KindSpecial       = probes.KindSpecial
	KindTest          = probes.KindTest
	KindKprobe        = probes.KindKprobe
	KindFentry        = probes.KindFentry
	KindTracepoint    = probes.KindTracepoint
	KindRawTracepoint = probes.KindRawTracepoint
	KindIter          = probes.KindIter
	KindUprobe        = probes.KindUprobe
	KindUSDT          = probes.KindUSDT
	KindFixed         = probes.KindFixed
	KindWatchpoint    = probes.KindWatchpoint
)

// FixedTarget is one of the fixed names a provider accepts as its target
// (a software or hardware event, a time unit, a self trigger), with its
// alias.
type FixedTarget struct {
	Name          string
	Alias         string // "" when none
	DefaultPeriod uint64 // the count used when the probe gives none (events only)
}

// Provider is the kernel index's view of one row of the project's single
// provider table (analysis/probes): what listing and lookups need.
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
	Targets    []FixedTarget // KindFixed (and self's triggers): the accepted targets
}

// Providers is derived from probes.Providers, in the same order.
var Providers = func() []Provider {
	out := make([]Provider, 0, len(probes.Providers))
	for _, p := range probes.Providers {
		if p.Legacy {
			continue // providers current bpftrace no longer has are not listed
		}
		v := Provider{
			Name: p.Name, Aliases: p.Aliases, Kind: p.Kind, Return: p.Retval,
			ListKernel: p.Listed() && p.Kernel, ListUser: p.Listed() && p.User,
		}
		for _, e := range p.Events {
			v.Targets = append(v.Targets, FixedTarget{Name: e.Name, Alias: e.Alias, DefaultPeriod: e.Period})
		}
		for _, u := range p.Units {
			v.Targets = append(v.Targets, FixedTarget{Name: u})
		}
		if len(p.Signals) > 0 {
			v.Targets = append(v.Targets, FixedTarget{Name: "signal"})
		}
		out = append(out, v)
	}
	return out
}()

// SelfSignals are the signals a self:signal:NAME probe accepts.
var SelfSignals = probes.Lookup("self").Signals

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
