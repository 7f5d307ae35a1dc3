package kernelcheck

import (
	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// TargetArgs are the typed arguments of one concrete probe.
type TargetArgs struct {
	// Target is the probe, spelled as AttachInfo.Targets spells it
	// ("tracepoint:sched:sched_switch").
	Target string
	// Args are the arguments in declaration order, each with its C
	// declaration (ProbeArg.Decl) when the kernel or binary gives one.
	Args []check.ProbeArg
	// Type is args as a struct, as the checker types `args`.
	Type *types.Struct
	// Source is where they came from: "tracefs", "cache", "btf", "dwarf".
	Source string
}

// FirstTargetArgs types the arguments of the first probe an attach
// point matches that has some (a wildcard's first such match), the way
// Resolve types each target's, for tools that describe a probe where the
// checker's answer is missing or is not one probe: the language server's
// hover on an attach point, and its completion of `args.` where the
// checker left args untyped (a wildcard beyond max_bpf_progs, one some of
// whose targets' arguments are unknown). Nothing about the attach point
// is reported. ok is false when k is not a Kernel made by this package,
// when the attach point matches nothing, and when no probe it matches
// has typed args (kprobe, usdt, a uprobe without DWARF, fixed providers)
// or they cannot be read.
func FirstTargetArgs(k check.Kernel, ap *ast.AttachPoint, f *source.File) (TargetArgs, bool) {
	v, ok := k.(*kernelView)
	if !ok || ap == nil {
		return TargetArgs{}, false
	}
	quiet := &kernelView{kernel: v.kernel, firstOnly: true, KernelScript: check.KernelScript{
		Config: check.KernelConfig{MissingProbes: "ignore", MaxStrlen: v.Config.MaxStrlen},
	}}
	ai, _ := quiet.resolve(ap, f)
	if ai == nil || len(ai.Targets) == 0 || ai.ArgsType == nil || len(ai.ArgsType.Fields()) == 0 {
		return TargetArgs{}, false
	}
	return TargetArgs{Target: ai.Targets[0], Args: ai.Args, Type: ai.ArgsType, Source: ai.Source}, true
}
