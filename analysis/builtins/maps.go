package builtins

import "github.com/bt-tools/bt/analysis/types"

// MapKind is a BPF map type a map declaration may ask for:
// `let @m = lruhash(1000);`. The one argument is the maximum number of
// entries, a positive integer literal.
type MapKind struct {
	Name    string // as written in the declaration
	BPFType string // the kernel's map type
	PerCPU  bool   // one value per CPU (what aggregations need)
	LRU     bool   // evicts roughly least recently used entries when full
	Doc     string
}

// MapKinds is every map declaration kind bpftrace accepts.
var MapKinds = []MapKind{
	{"hash", "BPF_MAP_TYPE_HASH", false, false, "A hash table; updates fail when it is full."},
	{"lruhash", "BPF_MAP_TYPE_LRU_HASH", false, true, "A hash table that evicts roughly the least recently used entries when full."},
	{"percpuhash", "BPF_MAP_TYPE_PERCPU_HASH", true, false, "A hash table with one value per CPU, required by aggregations such as count() and hist()."},
	{"percpulruhash", "BPF_MAP_TYPE_LRU_PERCPU_HASH", true, true, "A per-CPU hash table that evicts roughly the least recently used entries when full."},
}

// LookupMapKind finds a declaration kind by name.
func LookupMapKind(name string) (*MapKind, bool) {
	for i := range MapKinds {
		if MapKinds[i].Name == name {
			return &MapKinds[i], true
		}
	}
	return nil, false
}

// Accepts reports whether a map of this kind can hold values of type v:
// aggregations (count, sum, hist, ...) need a per-CPU kind, every other
// value a plain one. A nil v (not yet known) is accepted.
func (k *MapKind) Accepts(v types.Type) bool {
	if v == nil {
		return true
	}
	_, isAgg := types.Underlying(v).(*types.Aggregation)
	return isAgg == k.PerCPU
}
