package cfront

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bt-tools/bt/analysis/types"
)

// isBasicTypeWord reports whether w is a keyword of a basic C type
// specifier.
func isBasicTypeWord(w string) bool {
	switch w {
	case "void", "char", "short", "int", "long", "signed", "unsigned",
		"_Bool", "float", "double", "__int128", "__signed__", "__signed", "__unsigned",
		"_Float16", "__fp16", "__bf16", "_Float32", "_Float64", "_Float128", "__float128":
		return true
	}
	return false
}

// basicType maps basic type specifier words (in any order, as C allows)
// to a type for the BPF target: char is signed, long is 64 bits.
func basicType(words []string) (types.Type, bool) {
	count := map[string]int{}
	for _, w := range words {
		switch w {
		case "__signed__", "__signed":
			w = "signed"
		case "__unsigned":
			w = "unsigned"
		}
		count[w]++
	}
	signedness := 0 // 0 unspecified, 1 signed, -1 unsigned
	if count["signed"] > 0 {
		signedness = 1
	}
	if count["unsigned"] > 0 {
		if signedness != 0 {
			return nil, false
		}
		signedness = -1
	}
	delete(count, "signed")
	delete(count, "unsigned")
	mk := func(bits int) types.Type {
		return &types.Int{Bits: bits, Signed: signedness >= 0}
	}
	switch {
	case len(count) == 0 && signedness != 0:
		return mk(32), true
	case count["void"] == 1 && len(count) == 1 && signedness == 0:
		return types.Void{}, true
	case count["_Bool"] == 1 && len(count) == 1 && signedness == 0:
		return types.Bool{}, true
	case count["char"] == 1 && len(count) == 1:
		return mk(8), true
	case count["short"] == 1 && len(count) <= 2 && (len(count) == 1 || count["int"] == 1):
		return mk(16), true
	case count["int"] == 1 && len(count) == 1:
		return mk(32), true
	case count["long"] >= 1 && count["long"] <= 2 && count["double"] == 0 && (len(count) == 1 || (len(count) == 2 && count["int"] == 1)):
		return mk(64), true
	case count["__int128"] == 1 && len(count) == 1:
		return mk(128), true
	case count["float"] == 1 && len(count) == 1 && signedness == 0:
		return &Float{Bits: 32}, true
	case count["double"] == 1 && len(count) == 1 && signedness == 0:
		return &Float{Bits: 64}, true
	case count["double"] == 1 && count["long"] == 1 && len(count) == 2 && signedness == 0:
		// long double is 64 bits wide on BPF.
		return &Float{Bits: 64}, true
	case (count["_Float16"] == 1 || count["__fp16"] == 1 || count["__bf16"] == 1) && len(count) == 1 && signedness == 0:
		return &Float{Bits: 16}, true
	case count["_Float32"] == 1 && len(count) == 1 && signedness == 0:
		return &Float{Bits: 32}, true
	case count["_Float64"] == 1 && len(count) == 1 && signedness == 0:
		return &Float{Bits: 64}, true
	case (count["_Float128"] == 1 || count["__float128"] == 1) && len(count) == 1 && signedness == 0:
		return &Float{Bits: 128}, true
	}
	return nil, false
}

// builtinTypedefs are the type names the fallback knows without any
// header: the kernel's and libc's fixed-width integers.
var builtinTypedefs = func() map[string]types.Type {
	m := map[string]types.Type{}
	for _, bits := range []int{8, 16, 32, 64} {
		s := fmt.Sprint(bits)
		for _, n := range []string{"u" + s, "__u" + s, "uint" + s + "_t", "__uint" + s + "_t", "u_int" + s + "_t"} {
			m[n] = &types.Typedef{Name: n, Type: &types.Int{Bits: bits}}
		}
		for _, n := range []string{"s" + s, "__s" + s, "int" + s + "_t", "__int" + s + "_t"} {
			m[n] = &types.Typedef{Name: n, Type: &types.Int{Bits: bits, Signed: true}}
		}
		if bits > 8 {
			for _, n := range []string{"__be" + s, "__le" + s} {
				m[n] = &types.Typedef{Name: n, Type: &types.Int{Bits: bits}}
			}
		}
	}
	for _, n := range []string{"size_t", "uintptr_t", "__kernel_size_t", "__kernel_ulong_t"} {
		m[n] = &types.Typedef{Name: n, Type: &types.Int{Bits: 64}}
	}
	for _, n := range []string{"ssize_t", "intptr_t", "ptrdiff_t", "__kernel_ssize_t", "__kernel_long_t"} {
		m[n] = &types.Typedef{Name: n, Type: &types.Int{Bits: 64, Signed: true}}
	}
	m["bool"] = &types.Typedef{Name: "bool", Type: types.Bool{}}
	return m
}()

// fieldSpec is one member of a struct or union being laid out.
type fieldSpec struct {
	name     string
	typ      types.Type
	bitWidth int // -1 unless a bitfield
	align    int // from __attribute__((aligned(N))) on the member, 0 if none
	off      int // position of the name (for diagnostics)
}

// recordAttrs are a record's layout attributes.
type recordAttrs struct {
	packed bool
	align  int // aligned(N); 0 if none
}

// layoutRecord computes a C record layout for the BPF target the way
// clang does for SysV-like targets: natural alignment, bitfields that do
// not straddle a unit of their declared type, zero-width bitfields that
// align to their type, unnamed bitfields that do not raise the record's
// alignment, and packed records with byte alignment.
func layoutRecord(union bool, fs []fieldSpec, attrs recordAttrs) (fields []types.Field, size, align int) {
	align = 1
	bit := 0    // struct: the next free bit
	maxEnd := 0 // union: the largest member end, in bits
	for i, f := range fs {
		tsize := f.typ.Size()
		talign := f.typ.Align()
		if talign < 1 {
			talign = 1
		}
		falign := talign
		if attrs.packed {
			falign = 1
		}
		if f.align > falign {
			falign = f.align
		}
		if f.bitWidth >= 0 {
			w := f.bitWidth
			if w == 0 {
				if !union {
					bit = alignUp(bit, talign*8)
				}
				continue
			}
			start := bit
			if union {
				start = 0
			} else if !attrs.packed && tsize > 0 {
				unit := tsize * 8
				if start%unit+w > unit {
					start = alignUp(start, talign*8)
				}
			}
			if f.align > 0 {
				start = alignUp(start, f.align*8)
			}
			if f.name != "" {
				if falign > align {
					align = falign
				}
				fields = append(fields, types.Field{Name: f.name, Type: f.typ, BitOffset: start, BitSize: w})
			}
			bit = start + w
			maxEnd = max(maxEnd, start+w)
			continue
		}
		if falign > align {
			align = falign
		}
		start := 0
		if !union {
			start = alignUp(bit, falign*8)
		}
		fields = append(fields, types.Field{Name: f.name, Type: f.typ, BitOffset: start})
		_ = i
		bit = start + tsize*8
		maxEnd = max(maxEnd, bit)
	}
	if attrs.align > align {
		align = attrs.align
	}
	end := bit
	if union {
		end = maxEnd
	}
	size = alignUp((end+7)/8, align)
	return fields, size, align
}

func alignUp(n, a int) int {
	if a <= 1 {
		return n
	}
	return (n + a - 1) / a * a
}

// enumType sizes an enum as clang does for C: int when every value fits
// in int, unsigned int when none is negative and all fit in 32 bits,
// else 64 bits; packed enums take the smallest integer that fits.
func enumType(name string, vals []types.EnumValue, packed bool) *types.Enum {
	neg := false
	minV, maxV := int64(0), uint64(0)
	for _, v := range vals {
		if v.Value < 0 {
			neg = true
			minV = min(minV, v.Value)
		} else {
			maxV = max(maxV, uint64(v.Value))
		}
	}
	fits := func(bits int) bool {
		if neg {
			lim := int64(1) << (bits - 1)
			return minV >= -lim && maxV < uint64(lim)
		}
		return bits == 64 || maxV < uint64(1)<<bits
	}
	bytes := 8
	for _, b := range []int{8, 16, 32} {
		if !packed && b < 32 {
			continue
		}
		if fits(b) {
			bytes = b / 8
			break
		}
	}
	return &types.Enum{Name: name, Bytes: bytes, Signed: neg, Values: vals}
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// collapse squeezes runs of whitespace into one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
