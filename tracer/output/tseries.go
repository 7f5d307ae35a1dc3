package output

import (
	"fmt"
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

// tseriesMap builds a tseries map. Its Aggregation args are the interval
// in nanoseconds and the number of intervals kept; a bucket index is the
// interval number since the epoch (time / interval) and its per-CPU
// values are summed. Every key shares the window that ends at the newest
// interval of any key.
func (w *Writer) tseriesMap(m *codegen.MapLayout, agg *types.Aggregation, groups []*group) (mapValue, error) {
	if len(agg.Args) < 2 || agg.Args[0] <= 0 || agg.Args[1] <= 0 {
		return mapValue{}, fmt.Errorf("output: map %s: tseries needs an interval and a number of intervals", m.Name)
	}
	interval, num := uint64(agg.Args[0]), uint64(agg.Args[1])
	signed := agg.Elem != nil && agg.Elem.Signed
	var last uint64
	for _, g := range groups {
		for epoch := range g.buckets {
			last = max(last, epoch)
		}
	}
	first := uint64(0)
	if last >= num-1 {
		first = last - (num - 1)
	}
	out := mapValue{kind: mvMap}
	for _, g := range groups {
		ts := &timeSeries{}
		// The series starts at the key's first interval in the window; a
		// key with none there still shows the newest interval, empty.
		start := last
		for epoch := range g.buckets {
			if epoch >= first && epoch < start {
				start = epoch
			}
		}
		for epoch := start; ; epoch++ {
			ts.starts = append(ts.starts, unixNano(epoch*interval))
			c, ok := g.buckets[epoch]
			switch {
			case !ok:
				ts.points = append(ts.points, value{})
			case signed:
				ts.points = append(ts.points, intVal(int64(c)))
			default:
				ts.points = append(ts.points, uintVal(c))
			}
			if epoch == last {
				break
			}
		}
		if m.Key == nil {
			return mapValue{kind: mvTseries, ts: ts}, nil
		}
		k, err := w.dec.decode(m.Key, g.key)
		if err != nil {
			return mapValue{}, fmt.Errorf("output: map %s: %w", m.Name, err)
		}
		out.entries = append(out.entries, keyedValue{k, mapValue{kind: mvTseries, ts: ts}})
	}
	return out, nil
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

// json prints [{"interval_start":"...","value":n}, ...], leaving out
// intervals without data.
func (ts *timeSeries) json() string {
	var sb strings.Builder
	sb.WriteByte('[')
	first := true
	for i, p := range ts.points {
		if p.kind == kNone {
			continue
		}
		if !first {
			sb.WriteByte(',')
		}
		first = false
		sb.WriteString(`{"interval_start":"` + isoLocal(value{t: ts.starts[i]}) + `","value":` + text(p) + "}")
	}
	sb.WriteByte(']')
	return sb.String()
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
