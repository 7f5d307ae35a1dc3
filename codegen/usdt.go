package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/btfindex"
)

// usdtSpecGroup is the targets of a program whose probe passes its
// arguments the same way (one argument spec).
type usdtSpecGroup struct {
	spec    string
	where   string   // a target's name, for messages
	cookies []uint64 // the targets' attach cookies
}

// usdtArg loads argument i of a usdt probe into R0, decoded from the
// argument spec of the probe's ELF note (a constant, a register, or
// memory at a register plus a displacement; 1 to 8 bytes, signed or
// not). The program is compiled once for all its targets: when their
// specs differ (a wildcard over several probes), the attach cookie
// selects the target's decoding. The locations of one target must share
// a spec.
func (b *builder) usdtArg(n ast.Node, i int) {
	var groups []*usdtSpecGroup
	bySpec := map[string]*usdtSpecGroup{}
	for _, t := range b.prog.Targets {
		f := map[string]string{}
		for _, fl := range probes.ParseProbeName(t.Name).Fields {
			f[fl.Role] = fl.Text
		}
		files, err := btfindex.USDTFiles(f[probes.RolePath], b.c.opts.PID)
		if err != nil {
			b.fail(n, "%s: %v", t.Name, err)
		}
		spec, found := "", false
		for _, path := range files {
			// Files without this probe (or not ELF) add no location: the
			// runtime attaches nothing there either.
			locs, _ := btfindex.USDTLocations(path, f[probes.RoleNamespace], f[probes.RoleName])
			for _, l := range locs {
				if found && l.Probe.Args != spec {
					b.fail(n, "the locations of %s pass their arguments differently (%q, %q): not supported yet", t.Name, spec, l.Probe.Args)
				}
				spec, found = l.Probe.Args, true
			}
		}
		if !found {
			continue
		}
		g := bySpec[spec]
		if g == nil {
			g = &usdtSpecGroup{spec: spec, where: t.Name}
			bySpec[spec] = g
			groups = append(groups, g)
		}
		g.cookies = append(g.cookies, t.Cookie)
	}
	if len(groups) == 0 {
		b.fail(n, "no location of %s has this USDT probe", b.prog.Targets[0].Name)
	}
	args := make([]btfindex.USDTArg, len(groups))
	for gi, g := range groups {
		as, err := btfindex.ParseUSDTArgs(g.spec)
		if err != nil {
			b.fail(n, "%s: %v", g.where, err)
		}
		if i >= len(as) {
			b.fail(n, "%s has %d arguments: there is no arg%d", g.where, len(as), i)
		}
		args[gi] = as[i]
	}
	if len(groups) == 1 {
		b.usdtLoad(args[0])
		return
	}
	// Dispatch on the attach cookie: each group's decoding, the last one
	// for any cookie not listed before it.
	slot := b.allocStack(8)
	b.emit(asm.Mov.Reg(asm.R1, regCtx))
	b.emit(asm.FnGetAttachCookie.Call())
	b.emit(asm.StoreMem(asm.RFP, slot, asm.R0, asm.DWord))
	end := b.label("usdtend")
	labels := make([]string, len(groups))
	for gi, g := range groups[:len(groups)-1] {
		labels[gi] = b.label("usdtarg")
		b.emit(asm.LoadMem(asm.R1, asm.RFP, slot, asm.DWord))
		for _, c := range g.cookies {
			b.emit(asm.JEq.Imm(asm.R1, int32(c), labels[gi]))
		}
	}
	b.usdtLoad(args[len(args)-1])
	b.jump(end)
	for gi := range groups[:len(groups)-1] {
		b.mark(labels[gi])
		b.usdtLoad(args[gi])
		b.jump(end)
	}
	b.mark(end)
}

// usdtLoad loads one decoded USDT argument into R0.
func (b *builder) usdtLoad(a btfindex.USDTArg) {
	switch a.Kind {
	case btfindex.USDTConst:
		// Compilers write the immediate signed whatever the size says.
		b.loadImm(asm.R0, a.Const)
	case btfindex.USDTReg:
		b.emit(asm.LoadMem(asm.R0, regCtx, ptRegsByName[a.Reg], asm.DWord))
	case btfindex.USDTMem:
		slot := b.allocStack(8)
		b.emit(storeImm(asm.RFP, slot, 0, asm.DWord))
		if a.Reg != "" {
			b.emit(asm.LoadMem(asm.R3, regCtx, ptRegsByName[a.Reg], asm.DWord))
		} else {
			b.emit(asm.Mov.Imm(asm.R3, 0))
		}
		if a.Index != "" {
			b.emit(asm.LoadMem(asm.R4, regCtx, ptRegsByName[a.Index], asm.DWord))
			if a.Scale > 1 {
				b.emit(asm.Mul.Imm(asm.R4, int32(a.Scale)))
			}
			b.emit(asm.Add.Reg(asm.R3, asm.R4))
		}
		if a.Disp != 0 {
			b.emit(asm.Add.Imm(asm.R3, int32(a.Disp)))
		}
		b.emit(asm.Mov.Reg(asm.R1, asm.RFP))
		b.emit(asm.Add.Imm(asm.R1, int32(slot)))
		b.emit(asm.Mov.Imm(asm.R2, int32(a.Size)))
		b.emit(asm.FnProbeReadUser.Call())
		b.emit(asm.LoadMem(asm.R0, asm.RFP, slot, asm.DWord))
	}
	// The low Size bytes are the value: sign- or zero-extend them.
	if a.Size < 8 {
		shift := int32(64 - 8*a.Size)
		b.emit(asm.LSh.Imm(asm.R0, shift))
		if a.Signed {
			b.emit(asm.ArSh.Imm(asm.R0, shift))
		} else {
			b.emit(asm.RSh.Imm(asm.R0, shift))
		}
	}
}
