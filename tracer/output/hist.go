package output

import (
	"fmt"
	"strconv"
	"strings"
)

// histogram is a hist or lhist ready to print: labels[i] is the
// exclusive upper bound of bucket i (a missing last label: no upper
// bound), lower the lower bound of the first bucket (nil: none, the
// bucket holds everything below labels[0]).
type histogram struct {
	lower  *value
	labels []value
	counts []uint64
}

// nonZeroRange returns the first and last bucket index with a count
// above zero, ok false when every bucket is empty.
func nonZeroRange(buckets map[uint64]uint64) (lo, hi uint64, ok bool) {
	for i, c := range buckets {
		if c == 0 {
			continue
		}
		if !ok || i < lo {
			lo = i
		}
		if !ok || i > hi {
			hi = i
		}
		ok = true
	}
	return lo, hi, ok
}

// hist() bucket indexes, for k = bits: index 0 holds negative values;
// the next 2^k indexes hold 0 .. 2^k-1, one value each; after that each
// run of 2^k indexes splits one power of two into 2^k equal buckets.
// Labels up to index 2<<k are plain numbers; larger ones are powers of
// 1024 with a K, M, G, T, P or E suffix.

// histIndexLabel is the lower bound of bucket index for bits k, labelled
// with a binary-prefix suffix.
func histIndexLabel(index uint64, k uint32) value {
	n := uint64(1) << k
	interval := index & (n - 1)
	power := (index >> k) - 1
	v := (uint64(1) << power) * (n + interval)
	decade := power / 10
	power -= 10 * decade
	label := strconv.FormatUint((uint64(1)<<power)*(n+interval), 10)
	if decade > 0 && decade < 7 {
		label += string("KMGTPE"[decade-1])
	}
	return symVal(label, v)
}

func histLabel(index uint64, k uint32) value {
	if index <= 2<<k {
		return intVal(int64(index))
	}
	return histIndexLabel(index, k)
}

// buildHist makes a hist() histogram from bucket counts, dividing each
// count by div.
func buildHist(buckets map[uint64]uint64, div uint64, k uint32) *histogram {
	h := &histogram{}
	lo, hi, ok := nonZeroRange(buckets)
	if !ok || k > 5 {
		return h
	}
	if lo != 0 {
		l := histLabel(lo-1, k)
		h.lower = &l
	}
	for i := lo; i <= hi; i++ {
		if i == 0 {
			h.labels = append(h.labels, intVal(0))
		} else {
			h.labels = append(h.labels, histLabel(i, k))
		}
		h.counts = append(h.counts, buckets[i]/div)
	}
	return h
}

// lhistLabel labels a linear bucket bound: a plain number, or with a K
// or M suffix when the step is a multiple of 1024.
func lhistLabel(n, step int64) value {
	if step%1024 != 0 {
		return intVal(n)
	}
	const kilo, mega = 1024, 1024 * 1024
	var label string
	switch {
	case n == 0:
		label = "0"
	case n%mega == 0:
		label = strconv.FormatInt(n/mega, 10) + "M"
	case n%kilo == 0:
		label = strconv.FormatInt(n/kilo, 10) + "K"
	default:
		label = strconv.FormatInt(n, 10)
	}
	return symVal(label, uint64(n))
}

// buildLhist makes an lhist() histogram: index 0 holds values below min,
// index i the bucket [min+(i-1)*step, min+i*step), the last index values
// from max up.
func buildLhist(buckets map[uint64]uint64, min, max, step int64) *histogram {
	h := &histogram{}
	lo, hi, ok := nonZeroRange(buckets)
	if !ok {
		return h
	}
	if lo != 0 {
		l := lhistLabel(min+int64(lo-1)*step, step)
		h.lower = &l
	}
	for i := lo; i <= hi; i++ {
		if bound := min + int64(i)*step; bound <= max {
			h.labels = append(h.labels, lhistLabel(bound, step))
		}
		h.counts = append(h.counts, buckets[i])
	}
	return h
}

// adjacent reports whether b is a+1 with both the same kind of integer:
// such a bucket holds one value and prints as "[a]".
func adjacent(a, b value) bool {
	switch {
	case a.kind == kInt && b.kind == kInt:
		return a.i+1 == b.i
	case a.kind == kUint && b.kind == kUint:
		return a.u+1 == b.u
	}
	return false
}

const histBarWidth = 52

// bucketHeader is the label of bucket i: "[lo, hi)", "[v]" for a bucket
// of one value, "(..., hi)" below everything, "[lo, ...)" above.
func (h *histogram) bucketHeader(i int) string {
	switch {
	case i == 0 && h.lower == nil:
		return "(..., " + text(h.labels[0]) + ")"
	case i == 0 && len(h.labels) == 0:
		return "[" + text(*h.lower) + ", ...)"
	case i == 0:
		return interval(*h.lower, h.labels[0])
	case i >= len(h.labels):
		return "[" + text(h.labels[i-1]) + ", ...)"
	}
	return interval(h.labels[i-1], h.labels[i])
}

func interval(lo, hi value) string {
	if adjacent(lo, hi) {
		return "[" + text(lo) + "]"
	}
	return "[" + text(lo) + ", " + text(hi) + ")"
}

// text prints one line per bucket: the label left-aligned in 16
// columns, the count right-aligned in 8, and a bar of '@' scaled so the
// largest count fills 52 columns.
func (h *histogram) text(sb *strings.Builder) {
	var maxCount uint64
	for _, c := range h.counts {
		maxCount = max(maxCount, c)
	}
	for i, c := range h.counts {
		bar := 0
		if maxCount > 0 {
			// bpftrace scales in single precision.
			bar = int(float32(c) / float32(maxCount) * histBarWidth)
		}
		fmt.Fprintf(sb, "%-16s%8d |%-52s|\n", h.bucketHeader(i), c, strings.Repeat("@", bar))
	}
}

// json writes [{"min": lo, "max": hi, "count": n}, ...] where max is the
// inclusive upper bound and min or max is left out where unbounded.
func (h *histogram) json(j *jsonOut) {
	j.raw("[")
	for i, c := range h.counts {
		if i > 0 {
			j.raw(",")
		}
		j.raw("{")
		if i == 0 && h.lower != nil {
			j.raw(`"min": `)
			j.value(*h.lower)
			j.raw(", ")
		} else if i > 0 {
			j.raw(`"min": `)
			j.value(h.labels[i-1])
			j.raw(", ")
		}
		if i < len(h.labels) {
			j.raw(`"max": `)
			j.oneLess(h.labels[i])
			j.raw(", ")
		}
		j.raw(`"count": `)
		j.streamUint(c)
		j.raw("}")
	}
	j.raw("]")
}

// oneLess writes a label minus one, the inclusive bound JSON prints.
func (j *jsonOut) oneLess(v value) {
	switch v.kind {
	case kInt:
		j.raw(jsonInt(v.i - 1))
	case kUint, kSymbolic:
		if v.u == 0 {
			j.raw("-1")
		} else {
			j.raw(jsonInt(int64(v.u - 1)))
		}
	default:
		j.value(v)
	}
}
