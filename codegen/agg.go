package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/types"
)

// aggregate compiles `@m[keys] = count()` and the other aggregation
// functions. Values are per CPU, so updates need no atomics.
func (b *builder) aggregate(ml *MapLayout, agg *types.Aggregation, keys []ast.Expr, rhs ast.Expr, n ast.Node) {
	if blk, ok := ast.Unparen(rhs).(*ast.BlockExpr); ok && blk.Value != nil {
		// `@m = { ...; avg($x) }`: the block's statements, then its value
		for _, s := range blk.Stmts {
			b.stmt(s)
		}
		b.aggregate(ml, agg, keys, blk.Value, n)
		return
	}
	call, ok := ast.Unparen(rhs).(*ast.CallExpr)
	if !ok {
		b.fail(rhs, "an aggregation map can only be assigned an aggregation function")
	}
	f := b.save()
	defer b.restore(f)
	// the aggregated value first, in a stack slot
	val := b.allocStack(8)
	if len(call.Args) > 0 {
		b.scalar(call.Args[0])
		b.emit(asm.StoreMem(asm.RFP, val, asm.R0, asm.DWord))
	} else {
		b.emit(storeImm(asm.RFP, val, 1, asm.DWord))
	}
	keyOff := b.mapKey(ml, keys, n)
	switch agg.Kind {
	case types.AggCount, types.AggSum:
		b.addToSlot(ml, keyOff, val, 0)
	case types.AggHist, types.AggLhist:
		b.emit(asm.LoadMem(asm.R1, asm.RFP, val, asm.DWord))
		if agg.Kind == types.AggHist {
			bits := int64(0)
			if len(agg.Args) > 0 {
				bits = agg.Args[0]
			}
			b.log2Bucket(bits)
		} else {
			if len(agg.Args) < 3 || agg.Args[2] <= 0 {
				b.fail(call, "lhist needs constant min, max and step")
			}
			b.linearBucket(agg.Args[0], agg.Args[1], agg.Args[2])
		}
		bucketOff := keyOff + ml.KeySize - 8
		b.emit(asm.StoreMem(regScratch, int16(bucketOff), asm.R0, asm.DWord))
		b.emit(storeImm(asm.RFP, val, 1, asm.DWord))
		b.addToSlot(ml, keyOff, val, 0)
	case types.AggMin, types.AggMax:
		b.minMax(ml, keyOff, val, agg)
	case types.AggAvg, types.AggStats:
		b.sumCount(ml, keyOff, val)
	case types.AggTseries:
		b.tseries(ml, agg, keyOff, val, call)
	default:
		b.fail(call, "%s() is not supported yet", agg.Kind)
	}
}

// addToSlot adds the stack value at val to the uint64 at offset field of
// the element at keyOff, creating the element when missing.
func (b *builder) addToSlot(ml *MapLayout, keyOff int, val int16, field int16) {
	miss, done := b.label("new"), b.label("added")
	b.lookup(ml, keyOff)
	b.emit(asm.JEq.Imm(asm.R0, 0, miss))
	b.emit(asm.LoadMem(asm.R1, asm.R0, field, asm.DWord))
	b.emit(asm.LoadMem(asm.R2, asm.RFP, val, asm.DWord))
	b.emit(asm.Add.Reg(asm.R1, asm.R2))
	b.emit(asm.StoreMem(asm.R0, field, asm.R1, asm.DWord))
	b.jump(done)
	b.mark(miss)
	valOff := b.allocScratch(ml.ValueSize)
	b.zero(valOff, ml.ValueSize)
	b.emit(asm.LoadMem(asm.R1, asm.RFP, val, asm.DWord))
	b.emit(asm.StoreMem(regScratch, int16(valOff)+field, asm.R1, asm.DWord))
	b.update(ml, keyOff, valOff)
	b.mark(done)
}

// minMax keeps the smallest or largest value: value at 0, "is set" at 8.
func (b *builder) minMax(ml *MapLayout, keyOff int, val int16, agg *types.Aggregation) {
	miss, store, done := b.label("new"), b.label("store"), b.label("mm")
	signed := agg.Elem == nil || agg.Elem.Signed
	keep := asm.JLE // max: keep the current value when the new one is not larger
	if agg.Kind == types.AggMax && signed {
		keep = asm.JSLE
	} else if agg.Kind == types.AggMin {
		keep = asm.JGE
		if signed {
			keep = asm.JSGE
		}
	}
	b.lookup(ml, keyOff)
	b.emit(asm.JEq.Imm(asm.R0, 0, miss))
	b.emit(asm.LoadMem(asm.R2, asm.RFP, val, asm.DWord))
	b.emit(asm.LoadMem(asm.R1, asm.R0, 8, asm.DWord))
	b.emit(asm.JEq.Imm(asm.R1, 0, store))
	b.emit(asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord))
	b.emit(keep.Reg(asm.R2, asm.R1, done))
	b.mark(store)
	b.emit(asm.StoreMem(asm.R0, 0, asm.R2, asm.DWord))
	b.emit(storeImm(asm.R0, 8, 1, asm.DWord))
	b.jump(done)
	b.mark(miss)
	valOff := b.allocScratch(16)
	b.emit(asm.LoadMem(asm.R1, asm.RFP, val, asm.DWord))
	b.emit(asm.StoreMem(regScratch, int16(valOff), asm.R1, asm.DWord))
	b.emit(storeImm(regScratch, int16(valOff+8), 1, asm.DWord))
	b.update(ml, keyOff, valOff)
	b.mark(done)
}

// sumCount adds the value to the total at 0 and one to the count at 8
// (avg and stats).
func (b *builder) sumCount(ml *MapLayout, keyOff int, val int16) {
	miss, done := b.label("new"), b.label("sc")
	b.lookup(ml, keyOff)
	b.emit(asm.JEq.Imm(asm.R0, 0, miss))
	b.emit(asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord))
	b.emit(asm.LoadMem(asm.R2, asm.RFP, val, asm.DWord))
	b.emit(asm.Add.Reg(asm.R1, asm.R2))
	b.emit(asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord))
	b.emit(asm.LoadMem(asm.R1, asm.R0, 8, asm.DWord))
	b.emit(asm.Add.Imm(asm.R1, 1))
	b.emit(asm.StoreMem(asm.R0, 8, asm.R1, asm.DWord))
	b.jump(done)
	b.mark(miss)
	valOff := b.allocScratch(16)
	b.emit(asm.LoadMem(asm.R1, asm.RFP, val, asm.DWord))
	b.emit(asm.StoreMem(regScratch, int16(valOff), asm.R1, asm.DWord))
	b.emit(storeImm(regScratch, int16(valOff+8), 1, asm.DWord))
	b.update(ml, keyOff, valOff)
	b.mark(done)
}

// log2Bucket computes hist()'s bucket of the value in R1 into R0, with
// bits sub-buckets per power of two: negative values go to bucket 0,
// values up to 2^bits-1 to value+1, and larger values to
// ((l+1) << bits) + (the bits after the leading one) + 1 where l is the
// leading one's position minus bits.
func (b *builder) log2Bucket(bits int64) {
	done := b.label("log2")
	mask := int32(1)<<bits - 1
	b.emit(asm.Mov.Imm(asm.R0, 0))
	b.emit(asm.JSLT.Imm(asm.R1, 0, done))
	b.emit(asm.Mov.Reg(asm.R0, asm.R1))
	b.emit(asm.Add.Imm(asm.R0, 1))
	b.emit(asm.JLE.Imm(asm.R1, mask, done))
	b.emit(asm.Mov.Reg(asm.R3, asm.R1))
	b.emit(asm.Mov.Imm(asm.R4, 0))
	for i := 5; i >= 0; i-- {
		skip := b.label("l2s")
		shift := int32(1) << i
		if shift == 32 {
			b.emit(asm.LoadImm(asm.R5, 1<<32, asm.DWord))
			b.emit(asm.JLT.Reg(asm.R1, asm.R5, skip))
		} else {
			b.emit(asm.JLT.Imm(asm.R1, int32(1)<<shift, skip))
		}
		b.emit(asm.RSh.Imm(asm.R1, shift))
		b.emit(asm.Add.Imm(asm.R4, shift))
		b.mark(skip)
	}
	b.emit(asm.Sub.Imm(asm.R4, int32(bits)))
	b.emit(asm.RSh.Reg(asm.R3, asm.R4))
	b.emit(asm.And.Imm(asm.R3, mask))
	b.emit(asm.Add.Imm(asm.R4, 1))
	b.emit(asm.LSh.Imm(asm.R4, int32(bits)))
	b.emit(asm.Mov.Reg(asm.R0, asm.R4))
	b.emit(asm.Add.Reg(asm.R0, asm.R3))
	b.emit(asm.Add.Imm(asm.R0, 1))
	b.mark(done)
}

// linearBucket computes lhist()'s bucket of the value in R1 into R0:
// 0 below min, 1 + (max-min)/step above max, else 1 + (value-min)/step.
func (b *builder) linearBucket(lo, hi, step int64) {
	done, inRange := b.label("lin"), b.label("linr")
	b.emit(asm.Mov.Imm(asm.R0, 0))
	b.loadImm(asm.R2, lo)
	b.emit(asm.JSLT.Reg(asm.R1, asm.R2, done))
	b.loadImm(asm.R2, hi)
	b.emit(asm.JSLE.Reg(asm.R1, asm.R2, inRange))
	b.loadImm(asm.R0, 1+int64(uint64(hi-lo)/uint64(step)))
	b.jump(done)
	b.mark(inRange)
	b.emit(asm.Mov.Reg(asm.R0, asm.R1))
	b.loadImm(asm.R2, lo)
	b.emit(asm.Sub.Reg(asm.R0, asm.R2))
	b.loadImm(asm.R2, step)
	b.emit(asm.Div.Reg(asm.R0, asm.R2))
	b.emit(asm.Add.Imm(asm.R0, 1))
	b.mark(done)
}

// tseriesValueSize is a tseries bucket's value: the int64 value, a
// uint64 meta word (avg: the count; min/max: whether the value is set;
// plain: the time of the last update) and the uint64 epoch (interval
// number, boot clock / interval) the bucket holds.
const tseriesValueSize = 24

// tseriesNow puts a tseries' current time in R0: the TAI clock, which
// the runtime prints as wall-clock time as bpftrace does, or the value
// of Options.TseriesClockMap (0 while it has none).
func (b *builder) tseriesNow(call *ast.CallExpr) {
	name := b.c.opts.TseriesClockMap
	if name == "" {
		b.emit(asm.FnKtimeGetTaiNs.Call())
		return
	}
	ml := b.c.maps[name]
	if ml == nil {
		b.fail(call, "tseries clock map %s not found", name)
	}
	vt, ok := types.Underlying(ml.Value).(*types.Int)
	if ml.Key != nil || ml.PerCPU || !ok || vt.Signed {
		b.fail(call, "tseries clock map %s must be a scalar map of an unsigned integer", name)
	}
	f := b.save()
	keyOff := b.allocScratch(ml.KeySize)
	b.zero(keyOff, ml.KeySize)
	b.lookup(ml, keyOff)
	b.restore(f)
	done := b.label("tsclock")
	b.emit(asm.JEq.Imm(asm.R0, 0, done))
	b.loadScalar(asm.R0, asm.R0, 0, vt)
	b.mark(done)
}

// tseries records a value in the bucket of the current interval: bucket
// = epoch % num_intervals; a bucket holding an older epoch starts over.
func (b *builder) tseries(ml *MapLayout, agg *types.Aggregation, keyOff int, val int16, call *ast.CallExpr) {
	if len(agg.Args) < 2 || agg.Args[0] <= 0 || agg.Args[1] <= 0 {
		b.fail(call, "tseries needs a constant interval and number of intervals")
	}
	mode := ml.TseriesAgg
	now, epoch, exists := b.allocStack(8), b.allocStack(8), b.allocStack(8)
	b.tseriesNow(call)
	b.emit(asm.StoreMem(asm.RFP, now, asm.R0, asm.DWord))
	b.loadImm(asm.R1, agg.Args[0])
	b.emit(asm.Div.Reg(asm.R0, asm.R1))
	b.emit(asm.StoreMem(asm.RFP, epoch, asm.R0, asm.DWord))
	b.loadImm(asm.R1, agg.Args[1])
	b.emit(asm.Mod.Reg(asm.R0, asm.R1))
	b.emit(asm.StoreMem(regScratch, int16(keyOff+ml.KeySize-8), asm.R0, asm.DWord))
	tmp := b.allocScratch(tseriesValueSize)
	found, ready := b.label("tsfound"), b.label("tsready")
	b.lookup(ml, keyOff)
	b.emit(storeImm(asm.RFP, exists, 1, asm.DWord))
	b.emit(asm.JNE.Imm(asm.R0, 0, found))
	b.emit(storeImm(asm.RFP, exists, 0, asm.DWord))
	b.zero(tmp, tseriesValueSize)
	b.scratchPtr(asm.R0, tmp)
	b.mark(found)
	b.emit(asm.Mov.Reg(asm.R7, asm.R0))
	b.emit(asm.LoadMem(asm.R2, asm.RFP, val, asm.DWord))
	if mode != "" {
		// a bucket of an older interval starts over
		b.emit(asm.LoadMem(asm.R1, asm.R7, 16, asm.DWord))
		b.emit(asm.LoadMem(asm.R3, asm.RFP, epoch, asm.DWord))
		b.emit(asm.JEq.Reg(asm.R1, asm.R3, ready))
		b.emit(storeImm(asm.R7, 0, 0, asm.DWord))
		b.emit(storeImm(asm.R7, 8, 0, asm.DWord))
		b.mark(ready)
	}
	switch mode {
	case "sum", "avg":
		b.emit(asm.LoadMem(asm.R1, asm.R7, 0, asm.DWord))
		b.emit(asm.Add.Reg(asm.R1, asm.R2))
		b.emit(asm.StoreMem(asm.R7, 0, asm.R1, asm.DWord))
		if mode == "avg" {
			b.emit(asm.LoadMem(asm.R1, asm.R7, 8, asm.DWord))
			b.emit(asm.Add.Imm(asm.R1, 1))
			b.emit(asm.StoreMem(asm.R7, 8, asm.R1, asm.DWord))
		}
	case "min", "max":
		store, done := b.label("tsstore"), b.label("tsdone")
		keep := asm.JSLE
		if mode == "min" {
			keep = asm.JSGE
		}
		b.emit(asm.LoadMem(asm.R1, asm.R7, 8, asm.DWord))
		b.emit(asm.JEq.Imm(asm.R1, 0, store))
		b.emit(asm.LoadMem(asm.R1, asm.R7, 0, asm.DWord))
		b.emit(keep.Reg(asm.R2, asm.R1, done))
		b.mark(store)
		b.emit(asm.StoreMem(asm.R7, 0, asm.R2, asm.DWord))
		b.emit(storeImm(asm.R7, 8, 1, asm.DWord))
		b.mark(done)
	default:
		b.emit(asm.StoreMem(asm.R7, 0, asm.R2, asm.DWord))
		b.emit(asm.LoadMem(asm.R1, asm.RFP, now, asm.DWord))
		b.emit(asm.StoreMem(asm.R7, 8, asm.R1, asm.DWord))
	}
	b.emit(asm.LoadMem(asm.R1, asm.RFP, epoch, asm.DWord))
	b.emit(asm.StoreMem(asm.R7, 16, asm.R1, asm.DWord))
	done := b.label("tsput")
	b.emit(asm.LoadMem(asm.R1, asm.RFP, exists, asm.DWord))
	b.emit(asm.JNE.Imm(asm.R1, 0, done))
	b.update(ml, keyOff, tmp)
	b.mark(done)
}
