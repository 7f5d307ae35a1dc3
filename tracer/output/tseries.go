package output

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/codegen"
)

// timeSeries is a tseries() map's value for one key: one point per
// interval from the first interval with data to the newest, a point
// without data has kind kNone.
type timeSeries struct {
	starts []time.Time
	points []value
}

// tseriesAgg is how a tseries combines the values of one interval
// (MapLayout.TseriesAgg; "": none, the last value wins).
type tseriesAgg int64

const (
	tsLast tseriesAgg = iota
	tsAvg
	tsMax
	tsMin
	tsSum
)

// tseriesAggs are the combining functions by MapLayout.TseriesAgg.
var tseriesAggs = map[string]tseriesAgg{"": tsLast, "avg": tsAvg, "max": tsMax, "min": tsMin, "sum": tsSum}

// tseriesMap builds a tseries map. Its Aggregation args are the interval
// in nanoseconds, the number of intervals kept and optionally the
// aggregation (tseriesAgg). Two value layouts are read:
//
//   - bpftrace's: per CPU 24 bytes {value, meta, epoch}, where epoch is
//     the interval number since the epoch (0: never written) and meta the
//     write time (last-value series) or the count (avg); the key's bucket
//     index is only a slot. CPUs' values for the same epoch combine by
//     the aggregation, and a slot keeps its newest epoch.
//   - a plain 8-byte value per CPU, summed, whose bucket index is the
//     interval number.
//
// Every key shares the window that ends at the newest interval of any
// key; keys print in key order.
func (w *Writer) tseriesMap(m *codegen.MapLayout, agg *types.Aggregation, keySize int, entries []MapEntry) (mapValue, error) {
	if len(agg.Args) < 2 || agg.Args[0] <= 0 || agg.Args[1] <= 0 {
		return mapValue{}, fmt.Errorf("output: map %s: tseries needs an interval and a number of intervals", m.Name)
	}
	interval, num := uint64(agg.Args[0]), uint64(agg.Args[1])
	fn, ok := tseriesAggs[m.TseriesAgg]
	if !ok {
		return mapValue{}, fmt.Errorf("output: map %s: unknown tseries aggregation %q", m.Name, m.TseriesAgg)
	}
	signed := agg.Elem != nil && agg.Elem.Signed
	bucketOff := (keySize + 7) &^ 7
	type series struct {
		key    []byte
		points map[uint64]value
	}
	byKey := map[string]*series{}
	var keys []*series
	var last uint64
	for _, e := range entries {
		if len(e.Key) < bucketOff+8 {
			return mapValue{}, fmt.Errorf("output: map %s: key of %d bytes, want %d", m.Name, len(e.Key), bucketOff+8)
		}
		s := byKey[string(e.Key[:keySize])]
		if s == nil {
			s = &series{key: e.Key[:keySize], points: map[uint64]value{}}
			byKey[string(s.key)] = s
			keys = append(keys, s)
		}
		epoch, v := reduceTseries(e.Values, le64(e.Key[bucketOff:]), fn, signed)
		s.points[epoch] = v
		last = max(last, epoch)
	}
	slices.SortFunc(keys, func(a, b *series) int { return bytes.Compare(a.key, b.key) })

	// The window is the num intervals that end with the newest. As in
	// bpftrace, a window that would start before interval 0 holds
	// nothing (only a clock started at 0 gets there:
	// BPFTRACE_DUMMY_TS_MAP), and every series prints empty.
	empty := last < num-1
	first := last - (num - 1)
	out := mapValue{kind: mvMap}
	for _, s := range keys {
		ts := &timeSeries{}
		// The series starts at the key's first interval in the window; a
		// key with none there still shows the newest interval, empty.
		start := last
		for epoch := range s.points {
			if epoch >= first && epoch < start {
				start = epoch
			}
		}
		for epoch := start; !empty; epoch++ {
			ts.starts = append(ts.starts, unixNano(epoch*interval))
			ts.points = append(ts.points, s.points[epoch]) // kNone when missing
			if epoch == last {
				break
			}
		}
		if m.Key == nil {
			return mapValue{kind: mvTseries, ts: ts}, nil
		}
		k, err := w.dec.decode(m.Key, s.key)
		if err != nil {
			return mapValue{}, fmt.Errorf("output: map %s: %w", m.Name, err)
		}
		out.entries = append(out.entries, keyedValue{k, mapValue{kind: mvTseries, ts: ts}})
	}
	return out, nil
}

// reduceTseries combines one bucket's per-CPU values into the value of
// its newest interval.
func reduceTseries(values [][]byte, bucket uint64, fn tseriesAgg, signed bool) (epoch uint64, v value) {
	mk := func(u uint64) value {
		if signed {
			return intVal(int64(u))
		}
		return uintVal(u)
	}
	full := len(values) > 0
	for _, b := range values {
		full = full && len(b) >= 24
	}
	if !full {
		return bucket, mk(sumU64(values, 0))
	}
	type slot struct{ val, meta uint64 }
	byEpoch := map[uint64]*slot{}
	less := func(a, b uint64) bool {
		if signed {
			return int64(a) < int64(b)
		}
		return a < b
	}
	for _, b := range values {
		val, meta, e := le64(b), le64(b[8:]), le64(b[16:])
		if e == 0 {
			continue // never used
		}
		epoch = max(epoch, e)
		cur := byEpoch[e]
		if cur == nil {
			byEpoch[e] = &slot{val, meta}
			continue
		}
		switch fn {
		case tsLast:
			if less(cur.meta, meta) {
				cur.val, cur.meta = val, meta
			}
		case tsAvg:
			cur.val += val
			cur.meta += meta
		case tsMax:
			if less(cur.val, val) {
				cur.val = val
			}
		case tsMin:
			if less(val, cur.val) {
				cur.val = val
			}
		case tsSum:
			cur.val += val
		}
	}
	if epoch == 0 {
		// A bucket whose key exists but that no CPU wrote an epoch
		// into reads as interval 0 holding 0, as in bpftrace (it shows
		// only when the clock starts at 0: BPFTRACE_DUMMY_TS_MAP).
		return 0, mk(0)
	}
	latest := byEpoch[epoch]
	if fn == tsAvg && latest.meta != 0 {
		if signed {
			latest.val = uint64(int64(latest.val) / int64(latest.meta))
		} else {
			latest.val /= latest.meta
		}
	}
	return epoch, mk(latest.val)
}

// distance is a - b for integer values (two's complement).
func distance(a, b value) int64 {
	an, _, _ := a.number()
	bn, _, _ := b.number()
	return int64(an - bn)
}

const tseriesWidth = 53

// text draws the series as bpftrace does: a header with the minimum and
// maximum, one row per interval with its time, a '*' placed between the
// minimum (left) and maximum (right), '.' marking zero when it lies
// inside the range, and the value; a footer repeats the range.
func (ts *timeSeries) text(sb *strings.Builder) {
	if len(ts.points) == 0 {
		sb.WriteString("<no data>")
		return
	}
	lo, hi := ts.points[0], ts.points[0]
	for _, p := range ts.points {
		if p.kind == kNone {
			continue
		}
		if lo.kind == kNone || compare(p, lo) < 0 {
			lo = p
		}
		if hi.kind == kNone || compare(p, hi) > 0 {
			hi = p
		}
	}
	if compare(lo, hi) == 0 {
		// Leave room on both sides of a flat line.
		lo, hi = step(lo, -1), step(hi, 1)
	}
	var span time.Duration
	if n := len(ts.starts); n > 1 {
		span = ts.starts[n-1].Sub(ts.starts[0]) / time.Duration(n-1)
	}
	unit, _ := durationUnit(uint64(span))
	timeFmt := "hh:mm:ss"
	if unit > unitS {
		timeFmt += "." + unitNames[unit]
	}
	timeSize := 8
	if unit > unitS {
		timeSize += 1 + 3*int(unit)
	}
	const padding = 21
	sb.WriteString(strings.Repeat(" ", timeSize+1) + padRight(text(lo), padding) + padLeft(text(hi), tseriesWidth-padding) + "\n")
	sb.WriteString(padRight(timeFmt, timeSize+1) + "|" + strings.Repeat("_", tseriesWidth-2) + "|\n")
	zero := 0
	if distance(lo, intVal(0)) < 0 && distance(intVal(0), hi) < 0 {
		zero = int(float32(tseriesWidth) * float32(distance(lo, intVal(0))) / float32(distance(lo, hi)))
	}
	for i, p := range ts.points {
		line := []byte(strings.Repeat(" ", tseriesWidth))
		line[0], line[tseriesWidth-1] = '|', '|'
		if zero > 0 {
			line[zero] = '.'
		}
		t := ts.starts[i].Local()
		sb.WriteString(t.Format("15:04:05") + fraction(t, unit) + " ")
		if p.kind == kNone {
			sb.WriteString(string(line) + " -\n")
			continue
		}
		at := tseriesWidth / 2
		if compare(lo, hi) != 0 {
			at = int(float32(tseriesWidth-1) * float32(distance(lo, p)) / float32(distance(lo, hi)))
		}
		line[max(0, min(tseriesWidth-1, at))] = '*'
		sb.WriteString(string(line) + " " + text(p) + "\n")
	}
	bottom := []byte(strings.Repeat("_", tseriesWidth))
	bottom[0], bottom[tseriesWidth-1] = 'v', 'v'
	pad := strings.Repeat(" ", timeSize)
	sb.WriteString(pad + " " + string(bottom) + "\n")
	sb.WriteString(pad + " " + padRight(text(lo), padding) + padLeft(text(hi), tseriesWidth-padding) + "\n")
}

// step moves an integer value by one unless that would overflow.
func step(v value, d int) value {
	switch v.kind {
	case kInt:
		if (d < 0 && v.i > -1<<63) || (d > 0 && v.i < 1<<63-1) {
			v.i += int64(d)
		}
	case kUint:
		if (d < 0 && v.u > 0) || (d > 0 && v.u < 1<<64-1) {
			v.u = uint64(int64(v.u) + int64(d))
		}
	}
	return v
}

// json writes [{"interval_start":"...","value":n}, ...], leaving out
// intervals without data.
func (ts *timeSeries) json(j *jsonOut) {
	j.raw("[")
	first := true
	for i, p := range ts.points {
		if p.kind == kNone {
			continue
		}
		if !first {
			j.raw(",")
		}
		first = false
		j.raw(`{"interval_start":"` + isoLocal(value{t: ts.starts[i]}) + `","value":`)
		j.streamText(p)
		j.raw("}")
	}
	j.raw("]")
}

// padRight and padLeft pad to a width in bytes, as C++ streams count.
func padRight(s string, width int) string {
	if n := width - len(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

func padLeft(s string, width int) string {
	if n := width - len(s); n > 0 {
		return strings.Repeat(" ", n) + s
	}
	return s
}
