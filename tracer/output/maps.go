package output

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/codegen"
)

// MapEntry is one element of a map read from the kernel: Key is the BPF
// key (for Bucketed maps the user key then the uint64 bucket index),
// Values one value per possible CPU for per-CPU maps, else one.
type MapEntry struct {
	Key    []byte
	Values [][]byte
}

// Map prints a map as print(@m[, top, div]) does: entries are combined
// per CPU, aggregated per user key for bucketed maps, sorted and laid out
// as bpftrace does (hist/lhist bars and labels, stats, avg, count
// ordering). top keeps the last top entries after sorting (0: all); div
// divides integer values and hist counts (0 or 1: none). An empty scalar
// map prints its zero value, as print(@m) does; DumpMap prints the
// end-of-run form, where it prints nothing.
func (w *Writer) Map(m *codegen.MapLayout, entries []MapEntry, top, div int) error {
	return w.printMap(m, entries, top, div, true)
}

// DumpMap prints a map as bpftrace's end-of-run dump does: like Map with
// no top or div, except that an empty scalar map prints nothing.
func (w *Writer) DumpMap(m *codegen.MapLayout, entries []MapEntry) error {
	return w.printMap(m, entries, 0, 0, false)
}

func (w *Writer) printMap(m *codegen.MapLayout, entries []MapEntry, top, div int, zeroScalar bool) error {
	mv, err := w.mapValue(m, entries, top, div)
	if err != nil {
		return err
	}
	agg, _ := types.Underlying(m.Value).(*types.Aggregation)
	bucketed := agg != nil && (agg.Kind == types.AggHist || agg.Kind == types.AggLhist || agg.Kind == types.AggTseries)
	if zeroScalar && m.Key == nil && !bucketed && mv.kind == mvMap && len(mv.entries) == 0 {
		// print(@m) of an empty scalar map prints its zero value.
		zero, err := w.zeroValue(m.Value)
		if err != nil {
			return err
		}
		mv = mapValue{kind: mvPrim, prim: zero, stats: mv.stats}
	}
	if w.format == JSON {
		return w.jsonMap(m.Name, mv)
	}
	var sb strings.Builder
	textMap(&sb, m.Name, mv)
	_, err = io.WriteString(w.stdout, sb.String())
	return err
}

func (w *Writer) zeroValue(t types.Type) (value, error) {
	if agg, ok := types.Underlying(t).(*types.Aggregation); ok {
		return aggregate(agg, [][]byte{make([]byte, agg.Size())}, 1)
	}
	return w.dec.decode(t, make([]byte, t.Size()))
}

// mvKind is what a printed map is: bpftrace's value shapes.
type mvKind uint8

const (
	mvPrim    mvKind = iota // one value (a scalar map)
	mvHist                  // one histogram (a scalar hist/lhist map)
	mvTseries               // one time series
	mvMap                   // keyed values, in print order
)

type mapValue struct {
	kind    mvKind
	stats   bool // avg and stats maps: JSON type "stats"
	prim    value
	hist    *histogram
	ts      *timeSeries
	entries []keyedValue
}

type keyedValue struct {
	key value
	val mapValue
}

// group is one user key's entries: for bucketed maps, every bucket.
type group struct {
	key     []byte
	buckets map[uint64]uint64 // bucketed maps: index -> count summed over CPUs
	values  [][]byte          // others: the per-CPU values
	sortKey value             // what the map sorts by
}

func (w *Writer) mapValue(m *codegen.MapLayout, entries []MapEntry, top, div int) (mapValue, error) {
	if div <= 0 {
		div = 1
	}
	agg, _ := types.Underlying(m.Value).(*types.Aggregation)
	keySize := 0
	if m.Key != nil {
		keySize = m.Key.Size()
	}
	if agg != nil && agg.Kind == types.AggTseries {
		// top and div do not apply to time series, as in bpftrace.
		return w.tseriesMap(m, agg, keySize, entries)
	}
	if agg != nil && (agg.Kind == types.AggHist || agg.Kind == types.AggLhist) {
		return w.bucketedMap(m, agg, keySize, entries, top, div)
	}

	groups := make([]*group, 0, len(entries))
	store := make([]group, len(entries))
	merge := agg != nil && hasStack(m.Key)
	byKey := map[string]*group{}
	for i, e := range entries {
		if len(e.Key) < keySize {
			return mapValue{}, fmt.Errorf("output: map %s: key of %d bytes, want %d", m.Name, len(e.Key), keySize)
		}
		if agg != nil {
			for _, v := range e.Values {
				if len(v) < agg.Size() {
					return mapValue{}, fmt.Errorf("output: map %s: value of %d bytes, want %d", m.Name, len(v), agg.Size())
				}
			}
		}
		if merge {
			// Combining the per-CPU values of both entries combines the
			// aggregations (counts and totals add, min/max compare).
			ck := w.canonicalKey(m.Key, e.Key[:keySize])
			if g := byKey[ck]; g != nil {
				g.values = append(slices.Clip(g.values), e.Values...)
				continue
			}
			byKey[ck] = &store[i]
		}
		g := &store[i]
		g.key, g.values = e.Key[:keySize], e.Values
		groups = append(groups, g)
	}
	// The kernel hands entries in hash order; entries that sort equal by
	// value print in key order.
	stats := agg != nil && (agg.Kind == types.AggAvg || agg.Kind == types.AggStats)
	byValue := w.valueSortKeys(m.Value, agg, groups)
	keyCmp := keyComparer(m.Key)
	slices.SortFunc(groups, func(a, b *group) int {
		if byValue {
			if c := compare(a.sortKey, b.sortKey); c != 0 {
				return c
			}
		}
		return keyCmp(a.key, b.key)
	})
	groups = keepTop(groups, top)

	out := mapValue{kind: mvMap, stats: stats, entries: make([]keyedValue, 0, len(groups))}
	for _, g := range groups {
		var v value
		var err error
		if agg != nil {
			v, err = aggregate(agg, g.values, uint64(div))
		} else {
			v, err = w.plainValue(m.Value, g.values, div)
		}
		if err != nil {
			return mapValue{}, fmt.Errorf("output: map %s: %w", m.Name, err)
		}
		if m.Key == nil {
			return mapValue{kind: mvPrim, prim: v, stats: stats}, nil
		}
		k, err := w.dec.decode(m.Key, g.key)
		if err != nil {
			return mapValue{}, fmt.Errorf("output: map %s: %w", m.Name, err)
		}
		out.entries = append(out.entries, keyedValue{k, mapValue{kind: mvPrim, prim: v}})
	}
	return out, nil
}

// hasStack reports whether a key holds a stack. bpftrace keys such maps
// by the frames themselves; here a key holds a stack id, and two ids
// whose stacks print the same (deeper stacks cut to the same frames)
// are one key, so their entries combine.
func hasStack(t types.Type) bool {
	switch t := types.Underlying(t).(type) {
	case *types.Stack:
		return true
	case *types.Tuple:
		return slices.ContainsFunc(t.Elems, hasStack)
	case *types.Record:
		return slices.ContainsFunc(t.Elems, hasStack)
	}
	return false
}

// canonicalKey identifies a key by how it prints.
func (w *Writer) canonicalKey(t types.Type, b []byte) string {
	v, err := w.dec.decode(t, b)
	if err != nil {
		return "\x00raw:" + string(b)
	}
	return text(v)
}

// keepTop keeps the last top groups (all when top is 0).
func keepTop(groups []*group, top int) []*group {
	if top > 0 && len(groups) > top {
		return groups[len(groups)-top:]
	}
	return groups
}

// plainValue is a non-aggregation map value: integers are summed over
// CPUs (a per-CPU map) and divided by div; other values print as stored.
func (w *Writer) plainValue(t types.Type, values [][]byte, div int) (value, error) {
	if len(values) == 0 {
		return value{}, fmt.Errorf("entry has no value")
	}
	it, isInt := types.Underlying(t).(*types.Int)
	if !isInt {
		if len(values) > 1 {
			if sum, ok := sumMembers(t, values); ok {
				return w.dec.decode(t, sum)
			}
		}
		return w.dec.decode(t, values[0])
	}
	var sum uint64
	for _, b := range values {
		if len(b) < it.Size() {
			return value{}, &decodeError{t, it.Size(), len(b)}
		}
		sum += readUint(b, it.Size())
	}
	if it.Signed {
		n := signExtend(truncate(sum, it.Bits), it.Bits)
		if it.Bits < 64 {
			// bpftrace divides narrow integers in their own width.
			return intVal(signExtend(truncate(uint64(n/int64(int32(div))), it.Bits), it.Bits)), nil
		}
		return intVal(n / int64(div)), nil
	}
	return uintVal(truncate(sum, it.Bits) / uint64(div)), nil
}

// sumMembers adds up a per-CPU element's values (one per CPU) member by
// member, for a struct of integers that a per-CPU map the imported C
// defines holds (check.PerCPUIntMembers).
func sumMembers(t types.Type, values [][]byte) ([]byte, bool) {
	members, ok := check.PerCPUIntMembers(t)
	if !ok {
		return nil, false
	}
	out := make([]byte, t.Size())
	for _, m := range members {
		n := m.Type.Size()
		var sum uint64
		for _, v := range values {
			if len(v) < m.Offset+n || len(out) < m.Offset+n {
				return nil, false
			}
			sum += readUint(v[m.Offset:], n)
		}
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], sum)
		copy(out[m.Offset:m.Offset+n], b[:n])
	}
	return out, true
}

// valueSortKeys sets what each group sorts by when the map sorts by
// value (integers, counts, sums, min/max, avg/stats); it reports false
// for maps ordered by key only.
func (w *Writer) valueSortKeys(vt types.Type, agg *types.Aggregation, groups []*group) bool {
	if agg == nil {
		it, ok := types.Underlying(vt).(*types.Int)
		if !ok {
			return false
		}
		for _, g := range groups {
			g.sortKey = intSortKey(g.values, it.Signed)
		}
		return true
	}
	signed := agg.Elem != nil && agg.Elem.Signed
	for _, g := range groups {
		switch agg.Kind {
		case types.AggCount:
			g.sortKey = uintVal(sumU64(g.values, 0))
		case types.AggSum:
			if signed {
				g.sortKey = intVal(int64(sumU64(g.values, 0)))
			} else {
				g.sortKey = uintVal(sumU64(g.values, 0))
			}
		case types.AggMin, types.AggMax:
			// bpftrace picks the entry's min/max for sorting with an
			// unsigned comparison, whatever the value's sign.
			u, _ := minMax(g.values, agg.Kind == types.AggMax, false)
			g.sortKey = uintVal(u)
		case types.AggAvg, types.AggStats:
			total, count := sumU64(g.values, 0), sumU64(g.values, 8)
			if signed {
				var avg int64
				if int64(count) != 0 {
					avg = int64(total) / int64(count)
				}
				g.sortKey = intVal(avg)
			} else {
				var avg uint64
				if count != 0 {
					avg = total / count
				}
				g.sortKey = uintVal(avg)
			}
		}
	}
	return true
}

// intSortKey is what bpftrace sorts integer-valued maps by: the sum of
// the entry's value bytes (every CPU's, back to back) read as 64-bit
// words. Values narrower than 8 bytes hold no whole word, so such maps
// keep the order they were read in; here, key order.
func intSortKey(values [][]byte, signed bool) value {
	var all []byte
	for _, v := range values {
		all = append(all, v...)
	}
	var sum uint64
	for i := 0; i+8 <= len(all); i += 8 {
		sum += le64(all[i:])
	}
	if signed {
		return intVal(int64(sum))
	}
	return uintVal(sum)
}

// sumU64 sums the uint64 at off of every CPU's value.
func sumU64(values [][]byte, off int) uint64 {
	var s uint64
	for _, v := range values {
		if len(v) >= off+8 {
			s += le64(v[off:])
		}
	}
	return s
}

// minMax combines min/max values: (value, is-set) per CPU; CPUs that
// never set a value are skipped; none set gives 0.
func minMax(values [][]byte, isMax, signed bool) (uint64, bool) {
	var m uint64
	set := false
	for _, v := range values {
		if len(v) < 16 || le64(v[8:]) == 0 {
			continue
		}
		x := le64(v)
		better := false
		if signed {
			better = (isMax && int64(x) > int64(m)) || (!isMax && int64(x) < int64(m))
		} else {
			better = (isMax && x > m) || (!isMax && x < m)
		}
		if !set || better {
			m, set = x, true
		}
	}
	return m, set
}

// aggregate combines the per-CPU values of a count, sum, min, max, avg
// or stats aggregation and divides the result by div.
func aggregate(t *types.Aggregation, values [][]byte, div uint64) (value, error) {
	if div == 0 {
		div = 1
	}
	signed := t.Elem != nil && t.Elem.Signed
	for _, v := range values {
		if len(v) < t.Size() {
			return value{}, &decodeError{t, t.Size(), len(v)}
		}
	}
	switch t.Kind {
	case types.AggCount:
		return uintVal(sumU64(values, 0) / div), nil
	case types.AggSum:
		if signed {
			return intVal(int64(sumU64(values, 0)) / int64(div)), nil
		}
		return uintVal(sumU64(values, 0) / div), nil
	case types.AggMin, types.AggMax:
		m, _ := minMax(values, t.Kind == types.AggMax, signed)
		if signed {
			return intVal(int64(m) / int64(div)), nil
		}
		return uintVal(m / div), nil
	case types.AggAvg, types.AggStats:
		total, count := sumU64(values, 0), sumU64(values, 8)
		var avg, cnt, tot value
		if signed {
			var a int64
			if int64(count) != 0 {
				a = int64(total) / int64(count)
			}
			avg, cnt, tot = intVal(a/int64(div)), intVal(int64(count)), intVal(int64(total))
		} else {
			var a uint64
			if count != 0 {
				a = total / count
			}
			avg, cnt, tot = uintVal(a/div), uintVal(count), uintVal(total)
		}
		if t.Kind == types.AggAvg {
			return avg, nil
		}
		return recordVal([]string{"count", "average", "total"}, []value{cnt, avg, tot}), nil
	}
	return value{}, fmt.Errorf("output: %s is not a single-value aggregation", t)
}

// keyComparer orders keys as bpftrace orders maps it does not sort by
// value: integer keys as signed numbers of their size, string keys
// bytewise, tuple keys by their integer and string fields, first field
// first. Keys equal by those rules (and keys of other types) order by
// their bytes.
func keyComparer(key types.Type) func(a, b []byte) int {
	var fields []keyField
	if key != nil {
		if k, ok := types.Underlying(key).(*types.Tuple); ok {
			offs := k.Offsets()
			for i, e := range k.Elems {
				fields = append(fields, keyField{e, offs[i]})
			}
		} else {
			fields = []keyField{{key, 0}}
		}
	}
	return func(a, b []byte) int {
		for _, f := range fields {
			if c := f.compare(a, b); c != 0 {
				return c
			}
		}
		return bytes.Compare(a, b)
	}
}

type keyField struct {
	t   types.Type
	off int
}

func (f keyField) compare(a, b []byte) int {
	size := f.t.Size()
	if len(a) < f.off+size || len(b) < f.off+size {
		return 0
	}
	switch types.Underlying(f.t).(type) {
	case *types.Int, *types.Enum:
		if size != 1 && size != 2 && size != 4 && size != 8 {
			return 0
		}
		return cmpI(signExtend(readUint(a[f.off:], size), 8*size), signExtend(readUint(b[f.off:], size), 8*size))
	case *types.String:
		return bytes.Compare(a[f.off:f.off+size], b[f.off:f.off+size])
	}
	return 0
}

// bucketedMap builds hist and lhist maps: entries are grouped by user
// key, bucket counts summed over CPUs.
func (w *Writer) bucketedMap(m *codegen.MapLayout, agg *types.Aggregation, keySize int, entries []MapEntry, top, div int) (mapValue, error) {
	bucketOff := (keySize + 7) &^ 7
	byKey := map[string]*group{}
	merge := hasStack(m.Key)
	var groups []*group
	for _, e := range entries {
		if len(e.Key) < bucketOff+8 {
			return mapValue{}, fmt.Errorf("output: map %s: key of %d bytes, want %d", m.Name, len(e.Key), bucketOff+8)
		}
		uk := string(e.Key[:keySize])
		if merge {
			uk = w.canonicalKey(m.Key, e.Key[:keySize])
		}
		g := byKey[uk]
		if g == nil {
			g = &group{key: e.Key[:keySize], buckets: map[uint64]uint64{}}
			byKey[uk] = g
			groups = append(groups, g)
		}
		idx := binary.LittleEndian.Uint64(e.Key[bucketOff:])
		if idx > maxBucket(agg) {
			// No program writes such a bucket; printing up to it would
			// only print empty lines.
			continue
		}
		var sum uint64
		for _, v := range e.Values {
			if len(v) >= 8 {
				sum += le64(v)
			}
		}
		g.buckets[idx] += sum
	}
	keyCmp := keyComparer(m.Key)
	slices.SortFunc(groups, func(a, b *group) int { return bytes.Compare(a.key, b.key) })

	// Histograms print in order of their total count.
	for _, g := range groups {
		var total uint64
		for _, c := range g.buckets {
			total += c
		}
		g.sortKey = uintVal(total)
	}
	slices.SortFunc(groups, func(a, b *group) int {
		if c := compare(a.sortKey, b.sortKey); c != 0 {
			return c
		}
		return keyCmp(a.key, b.key)
	})
	groups = keepTop(groups, top)

	out := mapValue{kind: mvMap}
	for _, g := range groups {
		var h *histogram
		if agg.Kind == types.AggHist {
			bits := int64(0)
			if len(agg.Args) > 0 {
				bits = agg.Args[0]
			}
			h = buildHist(g.buckets, uint64(div), uint32(bits))
		} else {
			if len(agg.Args) < 3 || agg.Args[2] <= 0 {
				return mapValue{}, fmt.Errorf("output: map %s: lhist needs min, max and step", m.Name)
			}
			// div does not apply to linear histograms, as in bpftrace.
			h = buildLhist(g.buckets, agg.Args[0], agg.Args[1], agg.Args[2])
		}
		if m.Key == nil {
			return mapValue{kind: mvHist, hist: h}, nil
		}
		k, err := w.dec.decode(m.Key, g.key)
		if err != nil {
			return mapValue{}, fmt.Errorf("output: map %s: %w", m.Name, err)
		}
		out.entries = append(out.entries, keyedValue{k, mapValue{kind: mvHist, hist: h}})
	}
	return out, nil
}

// maxBucket is the largest bucket index an aggregation has: hist()
// splits each of 64 powers of two into 2^bits buckets after the first
// 2^bits values and the negative bucket; lhist() has one bucket per step
// plus one below and one above; a tseries bucket is an interval number.
func maxBucket(agg *types.Aggregation) uint64 {
	switch agg.Kind {
	case types.AggHist:
		bits := int64(0)
		if len(agg.Args) > 0 {
			bits = min(max(agg.Args[0], 0), 5)
		}
		return uint64(66) << bits
	case types.AggLhist:
		if len(agg.Args) >= 3 && agg.Args[2] > 0 && agg.Args[1] >= agg.Args[0] {
			return uint64((agg.Args[1]-agg.Args[0])/agg.Args[2]) + 2
		}
		return 0
	}
	return ^uint64(0)
}

// textMap prints a map in bpftrace's text form.
func textMap(sb *strings.Builder, name string, mv mapValue) {
	switch mv.kind {
	case mvHist, mvTseries:
		sb.WriteString(name + ":\n")
		textMapValue(sb, mv)
		sb.WriteString("\n")
	case mvPrim:
		sb.WriteString(name + ": " + text(mv.prim) + "\n")
	case mvMap:
		for _, e := range mv.entries {
			sb.WriteString(name + "[" + stripParens(text(e.key)))
			if e.val.kind == mvPrim {
				sb.WriteString("]: ")
			} else {
				sb.WriteString("]:\n")
			}
			textMapValue(sb, e.val)
			sb.WriteString("\n")
		}
	}
}

func textMapValue(sb *strings.Builder, mv mapValue) {
	switch mv.kind {
	case mvPrim:
		sb.WriteString(text(mv.prim))
	case mvHist:
		mv.hist.text(sb)
	case mvTseries:
		mv.ts.text(sb)
	case mvMap:
		for _, e := range mv.entries {
			sb.WriteString("[" + text(e.key) + "]: ")
			textMapValue(sb, e.val)
			sb.WriteString("\n")
		}
	}
}

// jsonMap prints a map as one JSON line. An empty map prints nothing,
// except an avg or stats map, which prints as an empty object (bpftrace
// checks for emptiness before it looks inside the stats wrapper).
func (w *Writer) jsonMap(name string, mv mapValue) error {
	if mv.kind == mvMap && len(mv.entries) == 0 && !mv.stats {
		return nil
	}
	kind := "map"
	inner := mv
	if mv.kind == mvMap && len(mv.entries) > 0 {
		inner = mv.entries[0].val
	}
	switch {
	case mv.stats:
		kind = "stats"
	case inner.kind == mvTseries:
		kind = "tseries"
	case inner.kind == mvHist:
		kind = "hist"
	}
	return w.jsonLine(kind, name, func(j *jsonOut) { j.mapValue(mv) })
}

func (j *jsonOut) mapValue(mv mapValue) {
	switch mv.kind {
	case mvHist:
		mv.hist.json(j)
	case mvTseries:
		mv.ts.json(j)
	case mvMap:
		j.raw("{")
		for i, e := range mv.entries {
			if i > 0 {
				j.raw(", ")
			}
			j.key(e.key)
			j.raw(": ")
			j.mapValue(e.val)
		}
		j.raw("}")
	default:
		j.value(mv.prim)
	}
}

// DumpOrder returns maps in the order bpftrace's end-of-run dump prints
// them: by name, bytewise ("@" before "@a", "@B" before "@a").
func DumpOrder(maps []*codegen.MapLayout) []*codegen.MapLayout {
	out := slices.Clone(maps)
	slices.SortStableFunc(out, func(a, b *codegen.MapLayout) int { return strings.Compare(a.Name, b.Name) })
	return out
}
