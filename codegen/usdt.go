package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/btfindex"
)

// usdtArg loads argument i of a usdt probe into R0, decoded from the
// argument spec of the probe's ELF note (a constant, a register, or
// memory at a register plus a displacement; 1 to 8 bytes, signed or
// not). Every location of every target must have the same spec: the
// program is compiled once for all of them.
func (b *builder) usdtArg(n ast.Node, i int) {
	spec, where := "", ""
	for _, t := range b.prog.Targets {
		f := map[string]string{}
		for _, fl := range probes.ParseAttachPoint(t.Name, 0).Fields {
			f[fl.Role] = fl.Text
		}
		files, err := btfindex.USDTFiles(f[probes.RolePath], b.c.opts.PID)
		if err != nil {
			b.fail(n, "%s: %v", t.Name, err)
		}
		var locs []btfindex.USDTLocation
		for _, path := range files {
			// Files without this probe (or not ELF) add no location: the
			// runtime attaches nothing there either.
			l, _ := btfindex.USDTLocations(path, f[probes.RoleNamespace], f[probes.RoleName])
			locs = append(locs, l...)
		}
		for _, l := range locs {
			if where != "" && l.Probe.Args != spec {
				b.fail(n, "the locations of %s and %s pass their arguments differently (%q, %q): not supported yet", where, t.Name, spec, l.Probe.Args)
			}
			spec, where = l.Probe.Args, t.Name
		}
	}
	if where == "" {
		b.fail(n, "no location of %s has this USDT probe", b.prog.Targets[0].Name)
	}
	args, err := btfindex.ParseUSDTArgs(spec)
	if err != nil {
		b.fail(n, "%s: %v", where, err)
	}
	if i >= len(args) {
		b.fail(n, "%s has %d arguments: there is no arg%d", where, len(args), i)
	}
	a := args[i]
	switch a.Kind {
	case btfindex.USDTConst:
		b.loadImm(asm.R0, a.Const)
		return
	case btfindex.USDTReg:
		b.emit(asm.LoadMem(asm.R0, regCtx, ptRegsByName[a.Reg], asm.DWord))
	case btfindex.USDTMem:
		slot := b.allocStack(8)
		b.emit(storeImm(asm.RFP, slot, 0, asm.DWord))
		b.emit(asm.LoadMem(asm.R3, regCtx, ptRegsByName[a.Reg], asm.DWord))
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
