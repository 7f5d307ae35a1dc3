package codegen

import (
	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/types"
)

// BPF map update flags.
const (
	bpfAny = 0
)

// mapLayout finds the layout of the map m names.
func (b *builder) mapLayout(m *ast.MapExpr) *MapLayout {
	sym := b.info.SymbolOf(m)
	name := "@" + m.Name
	if sym != nil {
		name = sym.Name
	}
	ml := b.c.maps[name]
	if ml == nil {
		b.fail(m, "map %s has no layout", name)
	}
	return ml
}

// mapKey builds the BPF key of a map access in the scratch buffer and
// returns its offset. Bucketed maps get room for the bucket index after
// the key, which the caller fills in.
func (b *builder) mapKey(ml *MapLayout, keys []ast.Expr, n ast.Node) int {
	off := b.allocScratch(ml.KeySize)
	b.zero(off, ml.KeySize)
	if ml.Key == nil || len(keys) == 0 {
		return off
	}
	if len(keys) == 1 {
		b.storeTo(keys[0], off, ml.Key)
		return off
	}
	tup, ok := types.Underlying(ml.Key).(*types.Tuple)
	if !ok || len(tup.Elems) != len(keys) {
		b.fail(n, "map key does not match the map's key type %s", ml.Key)
	}
	offs := tup.Offsets()
	for i, k := range keys {
		b.storeTo(k, off+offs[i], tup.Elems[i])
	}
	return off
}

// lookup calls bpf_map_lookup_elem; R0 is the value pointer or NULL.
func (b *builder) lookup(ml *MapLayout, keyOff int) {
	b.emit(asm.LoadMapPtr(asm.R1, 0).WithReference(ml.SpecName))
	b.scratchPtr(asm.R2, keyOff)
	b.emit(asm.FnMapLookupElem.Call())
}

// update calls bpf_map_update_elem with the key and value in scratch.
func (b *builder) update(ml *MapLayout, keyOff, valOff int) {
	b.emit(asm.LoadMapPtr(asm.R1, 0).WithReference(ml.SpecName))
	b.scratchPtr(asm.R2, keyOff)
	b.scratchPtr(asm.R3, valOff)
	b.emit(asm.Mov.Imm(asm.R4, bpfAny))
	b.emit(asm.FnMapUpdateElem.Call())
	b.helperCheck(asm.FnMapUpdateElem)
}

// mapRead reads @m or @m[keys]; a missing element reads as zero.
func (b *builder) mapRead(m *ast.MapExpr, keys []ast.Expr, n ast.Expr) result {
	ml := b.mapLayout(m)
	if ml.Bucketed {
		b.fail(n, "reading a %s map's value is not supported", ml.Value)
	}
	var off int
	if !scalarType(ml.Value) {
		off = b.allocResult(ml.Value.Size())
	}
	f := b.save()
	keyOff := b.mapKey(ml, keys, n)
	vt := ml.Value
	if agg, ok := vt.(*types.Aggregation); ok {
		r := b.aggRead(ml, agg, keyOff, n)
		b.restore(f)
		return r
	}
	b.lookup(ml, keyOff)
	b.lookupCheck()
	b.restore(f)
	done := b.label("mapr")
	if scalarType(vt) {
		b.emit(asm.JEq.Imm(asm.R0, 0, done))
		b.loadScalar(asm.R0, asm.R0, 0, vt)
		b.mark(done)
		return inReg
	}
	miss := b.label("miss")
	b.emit(asm.JEq.Imm(asm.R0, 0, miss))
	b.copyFrom(off, asm.R0, vt.Size())
	b.jump(done)
	b.mark(miss)
	b.zero(off, vt.Size())
	b.mark(done)
	return memAt(off)
}

// aggRead reads an aggregation's value in a program, combining every
// CPU's element as bpftrace does (bpf_map_lookup_percpu_elem for each
// possible CPU): count and sum add up, min and max compare the CPUs that
// have a value, avg divides the total by the count.
func (b *builder) aggRead(ml *MapLayout, agg *types.Aggregation, keyOff int, n ast.Node) result {
	switch agg.Kind {
	case types.AggCount, types.AggSum, types.AggMin, types.AggMax, types.AggAvg:
	default:
		b.fail(n, "reading a %s value in a probe is not supported", agg)
	}
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		b.fail(n, "cannot read the number of CPUs: %v", err)
	}
	acc, aux := b.allocStack(8), b.allocStack(8)
	b.emit(storeImm(asm.RFP, acc, 0, asm.DWord))
	b.emit(storeImm(asm.RFP, aux, 0, asm.DWord))
	loop, next, done := b.label("pcpu"), b.label("pcpun"), b.label("pcpud")
	signed := agg.Elem == nil || agg.Elem.Signed
	b.emit(asm.Mov.Imm(asm.R8, 0))
	b.mark(loop)
	b.emit(asm.JGE.Imm(asm.R8, int32(cpus), done))
	b.emit(asm.LoadMapPtr(asm.R1, 0).WithReference(ml.SpecName))
	b.scratchPtr(asm.R2, keyOff)
	b.emit(asm.Mov.Reg(asm.R3, asm.R8))
	b.emit(asm.FnMapLookupPercpuElem.Call())
	b.emit(asm.JEq.Imm(asm.R0, 0, next))
	b.emit(asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord))
	switch agg.Kind {
	case types.AggCount, types.AggSum, types.AggAvg:
		b.emit(asm.LoadMem(asm.R2, asm.RFP, acc, asm.DWord))
		b.emit(asm.Add.Reg(asm.R2, asm.R1))
		b.emit(asm.StoreMem(asm.RFP, acc, asm.R2, asm.DWord))
		if agg.Kind == types.AggAvg {
			b.emit(asm.LoadMem(asm.R1, asm.R0, 8, asm.DWord))
			b.emit(asm.LoadMem(asm.R2, asm.RFP, aux, asm.DWord))
			b.emit(asm.Add.Reg(asm.R2, asm.R1))
			b.emit(asm.StoreMem(asm.RFP, aux, asm.R2, asm.DWord))
		}
	case types.AggMin, types.AggMax:
		// aux: whether acc holds a value yet
		store := b.label("pcpus")
		keep := asm.JLE
		switch {
		case agg.Kind == types.AggMax && signed:
			keep = asm.JSLE
		case agg.Kind == types.AggMin && signed:
			keep = asm.JSGE
		case agg.Kind == types.AggMin:
			keep = asm.JGE
		}
		b.emit(asm.LoadMem(asm.R2, asm.R0, 8, asm.DWord))
		b.emit(asm.JEq.Imm(asm.R2, 0, next))
		b.emit(asm.LoadMem(asm.R2, asm.RFP, aux, asm.DWord))
		b.emit(asm.JEq.Imm(asm.R2, 0, store))
		b.emit(asm.LoadMem(asm.R2, asm.RFP, acc, asm.DWord))
		b.emit(keep.Reg(asm.R1, asm.R2, next))
		b.mark(store)
		b.emit(asm.StoreMem(asm.RFP, acc, asm.R1, asm.DWord))
		b.emit(storeImm(asm.RFP, aux, 1, asm.DWord))
	}
	b.mark(next)
	b.emit(asm.Add.Imm(asm.R8, 1))
	b.jump(loop)
	b.mark(done)
	b.emit(asm.LoadMem(asm.R0, asm.RFP, acc, asm.DWord))
	if agg.Kind == types.AggAvg {
		zero := b.label("avg0")
		b.emit(asm.LoadMem(asm.R1, asm.RFP, aux, asm.DWord))
		b.emit(asm.JEq.Imm(asm.R1, 0, zero))
		if signed {
			// Truncate toward zero, as C does, without BPF v4's sdiv
			// (older kernels lack it): divide the magnitude.
			pos := b.label("avgp")
			b.emit(asm.JSGE.Imm(asm.R0, 0, pos))
			b.emit(asm.Neg.Imm(asm.R0, 0))
			b.emit(asm.Div.Reg(asm.R0, asm.R1))
			b.emit(asm.Neg.Imm(asm.R0, 0))
			b.jump(zero)
			b.mark(pos)
		}
		b.emit(asm.Div.Reg(asm.R0, asm.R1))
		b.mark(zero)
	}
	return inReg
}

// copyFrom copies n bytes from [src] (a map value pointer) to scratch.
func (b *builder) copyFrom(dst int, src asm.Register, n int) {
	if n > 128 {
		b.emit(asm.Mov.Reg(asm.R3, src))
		b.scratchPtr(asm.R1, dst)
		b.emit(asm.Mov.Imm(asm.R2, int32(n)))
		b.emit(asm.FnProbeReadKernel.Call())
		return
	}
	if src != asm.R2 {
		b.emit(asm.Mov.Reg(asm.R2, src))
	}
	for i := 0; i < n; {
		w := 1
		switch {
		case n-i >= 8 && (dst+i)%8 == 0 && i%8 == 0:
			w = 8
		case n-i >= 4 && (dst+i)%4 == 0 && i%4 == 0:
			w = 4
		}
		b.emit(asm.LoadMem(asm.R1, asm.R2, int16(i), sizeOp(w)))
		b.emit(asm.StoreMem(regScratch, int16(dst+i), asm.R1, sizeOp(w)))
		i += w
	}
}

// assignMap compiles `@m[keys] = rhs` for plain (non-aggregation) maps.
func (b *builder) assignMap(m *ast.MapExpr, keys []ast.Expr, rhs ast.Expr, n ast.Node) {
	ml := b.mapLayout(m)
	if agg, ok := ml.Value.(*types.Aggregation); ok {
		b.aggregate(ml, agg, keys, rhs, n)
		return
	}
	f := b.save()
	defer b.restore(f)
	keyOff := b.mapKey(ml, keys, n)
	valOff := b.allocScratch(ml.ValueSize)
	b.storeTo(rhs, valOff, ml.Value)
	b.update(ml, keyOff, valOff)
}

// deleteElem deletes @m[keys]; R0 is true when the element existed.
func (b *builder) deleteElem(m *ast.MapExpr, keys []ast.Expr, n ast.Node) {
	ml := b.mapLayout(m)
	f := b.save()
	defer b.restore(f)
	if ml.Bucketed {
		b.fail(n, "delete on a %s map is not supported", ml.Value)
	}
	keyOff := b.mapKey(ml, keys, n)
	if ml.KeySize == 4 && ml.Key == nil {
		// array maps cannot delete: reset the element to zero
		valOff := b.allocScratch(ml.ValueSize)
		b.zero(valOff, ml.ValueSize)
		b.update(ml, keyOff, valOff)
		b.emit(asm.Mov.Imm(asm.R0, 1))
		return
	}
	b.emit(asm.LoadMapPtr(asm.R1, 0).WithReference(ml.SpecName))
	b.scratchPtr(asm.R2, keyOff)
	b.emit(asm.FnMapDeleteElem.Call())
	b.r0Test(asm.JEq, 0)
}
