package codegen

import (
	"strconv"

	"github.com/cilium/ebpf"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/types"
)

// mapTypes is the BPF map type of each map kind the checker records.
var mapTypes = map[string]ebpf.MapType{
	"hash":          ebpf.Hash,
	"lruhash":       ebpf.LRUHash,
	"percpuhash":    ebpf.PerCPUHash,
	"percpulruhash": ebpf.LRUCPUHash,
	"array":         ebpf.Array,
	"percpuarray":   ebpf.PerCPUArray,
}

// declareMap creates the BPF map of a script map. Bucketed maps (hist,
// lhist, tseries) are per-CPU hashes whose key ends in the bucket index;
// array maps (scalar maps the checker chose an array for) have a uint32
// key 0.
func (c *compiler) declareMap(m *check.MapInfo) {
	if m.C != nil && !m.C.Extern {
		c.declareCMap(m)
		return
	}
	specName := mapSpecName(m.Name, len(c.obj.Maps))
	value := m.Value
	if value == nil {
		// a map only ever read (bpftrace reads it as zero)
		value = types.Int64
	}
	ml := &MapLayout{Name: m.Name, SpecName: specName, Key: m.Key, Value: value, Info: m}
	agg, isAgg := value.(*types.Aggregation)
	kind := m.Kind
	if kind == "" {
		kind = "hash"
	}
	mt, ok := mapTypes[kind]
	if !ok {
		mt = ebpf.Hash
	}
	keySize := 8
	if m.Key != nil {
		keySize = max(1, m.Key.Size())
	}
	valueSize := max(1, value.Size())
	maxEntries := m.MaxEntries
	if maxEntries <= 0 {
		maxEntries = c.maxMapKeys
	}
	if isAgg {
		ml.PerCPU = true
		switch agg.Kind {
		case types.AggHist, types.AggLhist, types.AggTseries:
			ml.Bucketed = true
			keySize = bucketKeySize(m.Key)
			valueSize = 8
			if agg.Kind == types.AggTseries {
				valueSize = tseriesValueSize
				ml.TseriesAgg = c.tseriesMode(m.Name)
			}
			if mt != ebpf.LRUCPUHash {
				mt = ebpf.PerCPUHash
			}
			maxEntries *= bucketsPerKey(agg)
		default:
			if mt != ebpf.PerCPUArray && mt != ebpf.LRUCPUHash {
				mt = ebpf.PerCPUHash
			}
		}
	}
	if mt == ebpf.Array || mt == ebpf.PerCPUArray {
		if m.Key != nil {
			mt = ebpf.Hash
			if ml.PerCPU {
				mt = ebpf.PerCPUHash
			}
		} else {
			keySize = 4
			maxEntries = 1
		}
	}
	if m.Key == nil && mt != ebpf.Array && mt != ebpf.PerCPUArray && !ml.Bucketed {
		keySize = 8
	}
	ml.KeySize, ml.ValueSize = keySize, valueSize
	c.obj.Maps = append(c.obj.Maps, ml)
	c.maps[m.Name] = ml
	c.obj.Spec.Maps[specName] = &ebpf.MapSpec{
		Name: specName, Type: mt, KeySize: uint32(keySize), ValueSize: uint32(valueSize),
		MaxEntries: uint32(maxEntries),
	}
}

// bucketKeySize is the BPF key size of a bucketed map: the user key,
// aligned to 8, then a uint64 bucket index.
func bucketKeySize(key types.Type) int {
	if key == nil {
		return 8
	}
	return alignUp(key.Size(), 8) + 8
}

// bucketsPerKey is how many buckets one user key can fill, which sizes
// the map.
func bucketsPerKey(a *types.Aggregation) int {
	switch a.Kind {
	case types.AggHist:
		return 8 // typical spread; the map grows to max_map_keys × this
	case types.AggLhist:
		if len(a.Args) == 3 && a.Args[2] > 0 {
			n := (a.Args[1]-a.Args[0])/a.Args[2] + 2
			if n > 0 && n < 1<<16 {
				return int(n)
			}
		}
	case types.AggTseries:
		if len(a.Args) >= 2 && a.Args[1] > 0 && a.Args[1] < 1<<16 {
			return int(a.Args[1])
		}
	}
	return 8
}

// mapSpecName makes a kernel map name (15 bytes at most, [A-Za-z0-9_.])
// unique by index.
func mapSpecName(name string, index int) string {
	base := []byte{}
	for _, r := range name {
		if r == '@' {
			continue
		}
		if r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			base = append(base, byte(r))
		}
	}
	prefix := "m" + strconv.Itoa(index) + "_"
	n := prefix + string(base)
	if len(n) > 15 {
		n = n[:15]
	}
	return n
}

// tseriesMode finds the combining function of a tseries map ("avg",
// "max", "min", "sum" or "" for the last value), from its tseries()
// calls.
func (c *compiler) tseriesMode(name string) string {
	mode := ""
	for _, f := range c.prog.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok {
				return n != nil
			}
			var me *ast.MapExpr
			switch l := as.Lhs.(type) {
			case *ast.MapExpr:
				me = l
			case *ast.MapAccess:
				me = l.Map
			}
			call, ok := ast.Unparen(as.Rhs).(*ast.CallExpr)
			if me == nil || !ok || call.Fun.Name != "tseries" || len(call.Args) < 4 {
				return true
			}
			if sym := c.prog.Info.SymbolOf(me); sym != nil && sym.Name == name {
				if lit, ok := ast.Unparen(call.Args[3]).(*ast.StringLit); ok {
					mode = lit.Value
				}
			}
			return true
		})
	}
	return mode
}
