package check

import (
	"math"

	"github.com/bt-tools/bt/analysis/types"
)

// unknownType is the type of a value the checker cannot know without a
// kernel (args.x, argN and kernel structs in kernel-independent mode): it
// is accepted everywhere and never causes a diagnostic.
type unknownType struct{}

func (unknownType) String() string { return "unknown" }
func (unknownType) Size() int      { return 8 }
func (unknownType) Align() int     { return 8 }

// Unknown is the type recorded for expressions whose type depends on
// facts the checker does not have (no kernel): they are valid, untyped.
var Unknown types.Type = unknownType{}

// IsUnknown reports whether t is Unknown.
func IsUnknown(t types.Type) bool {
	_, ok := t.(unknownType)
	return ok
}

// Sign-flexible integers: a non-negative integer literal fits both a
// signed and an unsigned type, so joining it with an unsigned type keeps
// the unsigned sign. The checker marks flexible integers by pointer
// identity: these four values are the only flexible ones, and they are
// Identical to the ordinary signed types for everyone else.
var (
	flexI8  = &types.Int{Bits: 8, Signed: true}
	flexI16 = &types.Int{Bits: 16, Signed: true}
	flexI32 = &types.Int{Bits: 32, Signed: true}
	flexI64 = &types.Int{Bits: 64, Signed: true}
)

func isFlex(t types.Type) bool {
	return t == flexI8 || t == flexI16 || t == flexI32 || t == flexI64
}

func flexInt(bits int) *types.Int {
	switch bits {
	case 8:
		return flexI8
	case 16:
		return flexI16
	case 32:
		return flexI32
	}
	return flexI64
}

func mkInt(bits int, signed bool) *types.Int {
	switch {
	case bits == 8 && signed:
		return types.Int8
	case bits == 16 && signed:
		return types.Int16
	case bits == 32 && signed:
		return types.Int32
	case bits == 64 && signed:
		return types.Int64
	case bits == 8:
		return types.Uint8
	case bits == 16:
		return types.Uint16
	case bits == 32:
		return types.Uint32
	}
	return types.Uint64
}

// literalType is the type of a non-negative integer literal: the
// smallest signed type holding it (sign-flexible), or uint64 beyond
// int64.
func literalType(v uint64) *types.Int {
	switch {
	case v <= math.MaxInt8:
		return flexI8
	case v <= math.MaxInt16:
		return flexI16
	case v <= math.MaxInt32:
		return flexI32
	case v <= math.MaxInt64:
		return flexI64
	}
	return types.Uint64
}

// negLiteralType is the type of a negative integer literal -v.
func negLiteralType(v int64) *types.Int {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		return types.Int8
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return types.Int16
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return types.Int32
	}
	return types.Int64
}

// intOf returns the integer view of t: ints, enums (as ints of their
// size), through typedefs; nil for other types.
func intOf(t types.Type) *types.Int {
	switch u := types.Underlying(t).(type) {
	case *types.Int:
		return u
	case *types.Enum:
		b := u.Bytes * 8
		if b != 8 && b != 16 && b != 32 && b != 64 {
			b = 64
		}
		return mkInt(b, u.Signed)
	}
	return nil
}

func isInt(t types.Type) bool { return intOf(t) != nil }

func isBool(t types.Type) bool {
	_, ok := types.Underlying(t).(types.Bool)
	return ok
}

func isVoid(t types.Type) bool {
	_, ok := t.(types.Void)
	return ok
}

func isString(t types.Type) bool {
	_, ok := types.Underlying(t).(*types.String)
	return ok
}

func ptrOf(t types.Type) *types.Pointer {
	p, ok := types.Underlying(t).(*types.Pointer)
	if !ok {
		return nil
	}
	return p
}

func structOf(t types.Type) *types.Struct {
	s, ok := types.Underlying(t).(*types.Struct)
	if !ok {
		return nil
	}
	return s
}

func aggOf(t types.Type) *types.Aggregation {
	a, ok := t.(*types.Aggregation)
	if !ok {
		return nil
	}
	return a
}

// castableAgg reports whether an aggregation's value reads as an
// integer (count, sum, min, max, avg).
func castableAgg(t types.Type) bool {
	a := aggOf(t)
	if a == nil {
		return false
	}
	switch a.Kind {
	case types.AggCount, types.AggSum, types.AggMin, types.AggMax, types.AggAvg:
		return true
	}
	return false
}

// aggInt is the integer an integer-castable aggregation reads as.
func aggInt(a *types.Aggregation) *types.Int {
	if a.Kind == types.AggCount {
		return types.Uint64
	}
	if a.Elem != nil && !a.Elem.Signed {
		return types.Uint64
	}
	return types.Int64
}

// valueInt is the integer a value reads as in arithmetic: integers and
// enums, bools as uint8, castable aggregations.
func valueInt(t types.Type) *types.Int {
	if i := intOf(t); i != nil {
		return i
	}
	if castableAgg(t) {
		return aggInt(aggOf(t))
	}
	return nil
}

// known reports whether t carries information (not nil, not Unknown).
func known(t types.Type) bool { return t != nil && !IsUnknown(t) }

// sameKind reports whether a and b are the same kind of type with
// compatible shape, so that they may be joined: bpftrace's notion of
// compatible types.
func sameKind(a, b types.Type) bool {
	if a == nil || b == nil || IsUnknown(a) || IsUnknown(b) {
		return true
	}
	ua, ub := types.Underlying(a), types.Underlying(b)
	if isInt(ua) && isInt(ub) {
		return true
	}
	switch x := ua.(type) {
	case types.Bool:
		_, ok := ub.(types.Bool)
		return ok
	case *types.String:
		_, ok := ub.(*types.String)
		return ok
	case *types.Buffer:
		_, ok := ub.(*types.Buffer)
		return ok
	case *types.Pointer:
		y, ok := ub.(*types.Pointer)
		return ok && (sameKind(x.Elem, y.Elem) || isVoid(x.Elem) || isVoid(y.Elem))
	case *types.Array:
		y, ok := ub.(*types.Array)
		return ok && x.Len == y.Len && sameKind(x.Elem, y.Elem)
	case *types.Struct:
		y, ok := ub.(*types.Struct)
		return ok && (x == y || (x.Name == y.Name && x.Union == y.Union))
	case *types.Tuple:
		y, ok := ub.(*types.Tuple)
		if !ok || len(x.Elems) != len(y.Elems) {
			return false
		}
		for i := range x.Elems {
			if !sameKind(x.Elems[i], y.Elems[i]) {
				return false
			}
		}
		return true
	case *types.Record:
		y, ok := ub.(*types.Record)
		if !ok || len(x.Names) != len(y.Names) {
			return false
		}
		for i, n := range x.Names {
			j := y.Index(n)
			if j < 0 || !sameKind(x.Elems[i], y.Elems[j]) {
				return false
			}
		}
		return true
	case *types.Stack:
		y, ok := ub.(*types.Stack)
		return ok && *x == *y
	case *types.Aggregation:
		y, ok := ub.(*types.Aggregation)
		return ok && x.Kind == y.Kind
	case *types.Opaque:
		y, ok := ub.(*types.Opaque)
		return ok && x.Kind == y.Kind
	case types.Void:
		_, ok := ub.(types.Void)
		return ok
	}
	return types.Identical(ua, ub)
}

// joinInt widens two integers into one type holding both, following
// bpftrace: same sign keeps the larger size; a flexible (literal) side
// adopts the other's sign; otherwise a signed type twice as wide as the
// larger, int64 when that would exceed 64 bits (lossy is set then).
func joinInt(a, b *types.Int) (t *types.Int, lossy bool) {
	fa, fb := isFlex(a), isFlex(b)
	size := max(a.Bits, b.Bits)
	if a.Signed != b.Signed {
		if fa || fb {
			signed := (!fa && a.Signed) || (!fb && b.Signed)
			return mkInt(size, signed), false
		}
		if a.Signed && a.Bits > b.Bits {
			return mkInt(a.Bits, true), false
		}
		if b.Signed && b.Bits > a.Bits {
			return mkInt(b.Bits, true), false
		}
		if size*2 > 64 {
			return types.Int64, true
		}
		return mkInt(size*2, true), false
	}
	if fa && fb {
		return flexInt(size), false
	}
	return mkInt(size, a.Signed), false
}

// join returns the type that holds values of both cur and next, the way
// variables, map keys and map values widen over all their assignments.
// cur may be nil (no type yet). ok is false when the types cannot be
// joined.
func join(cur, next types.Type) (types.Type, bool) {
	if next == nil {
		return cur, true
	}
	if cur == nil {
		if castableAgg(next) {
			return aggInt(aggOf(next)), true
		}
		return next, true
	}
	if IsUnknown(cur) || IsUnknown(next) {
		if IsUnknown(cur) {
			return next, true
		}
		return cur, true
	}
	if cur == next {
		return cur, true
	}
	if ca, na := aggOf(cur), aggOf(next); ca != nil && na != nil {
		if ca.Kind != na.Kind {
			return nil, false
		}
		if ca.Elem != nil && na.Elem != nil && ca.Elem.Signed != na.Elem.Signed {
			if ca.Elem.Signed {
				return cur, true
			}
			return next, true
		}
		if ca.Elem == nil && na.Elem != nil {
			return next, true
		}
		return cur, true
	}
	ci, ni := intOf(cur), intOf(next)
	if ci == nil && castableAgg(cur) {
		ci = aggInt(aggOf(cur))
	}
	if ni == nil && castableAgg(next) {
		ni = aggInt(aggOf(next))
	}
	if ci != nil && ni != nil {
		if _, isAgg := cur.(*types.Aggregation); isAgg {
			return nil, false
		}
		if types.Identical(cur, next) && !isFlex(cur) && !isFlex(next) {
			return cur, true
		}
		j, _ := joinInt(ci, ni)
		// Keep a typedef when nothing widened. An enum mixed with other
		// integers is an integer (bpftrace prints it as a number then).
		_, isEnum := types.Underlying(cur).(*types.Enum)
		if !isEnum && types.Identical(j, ci) && isFlex(j) == isFlex(ci) {
			return cur, true
		}
		return j, true
	}
	if !sameKind(cur, next) {
		return nil, false
	}
	uc, un := types.Underlying(cur), types.Underlying(next)
	switch x := uc.(type) {
	case *types.String:
		y := un.(*types.String)
		if y.Len > x.Len {
			return next, true
		}
		return cur, true
	case *types.Buffer:
		y := un.(*types.Buffer)
		if y.Len > x.Len {
			return next, true
		}
		return cur, true
	case *types.Tuple:
		y := un.(*types.Tuple)
		elems := make([]types.Type, len(x.Elems))
		same := true
		for i := range x.Elems {
			e, ok := join(x.Elems[i], y.Elems[i])
			if !ok {
				return nil, false
			}
			elems[i] = e
			if e != x.Elems[i] {
				same = false
			}
		}
		if same {
			return cur, true
		}
		return &types.Tuple{Elems: elems}, true
	case *types.Record:
		y := un.(*types.Record)
		elems := make([]types.Type, len(x.Elems))
		same := true
		for i, n := range x.Names {
			e, ok := join(x.Elems[i], y.Elems[y.Index(n)])
			if !ok {
				return nil, false
			}
			elems[i] = e
			if e != x.Elems[i] {
				same = false
			}
		}
		if same {
			return cur, true
		}
		return &types.Record{Names: x.Names, Elems: elems}, true
	case *types.Pointer:
		y := un.(*types.Pointer)
		if isVoid(x.Elem) {
			return cur, true
		}
		if isVoid(y.Elem) {
			return cur, true
		}
		e, ok := join(x.Elem, y.Elem)
		if !ok {
			return nil, false
		}
		if e == x.Elem && x.Space == y.Space {
			return cur, true
		}
		return &types.Pointer{Elem: e, Space: y.Space}, true
	case *types.Aggregation:
		y := un.(*types.Aggregation)
		if x.Kind != y.Kind {
			return nil, false
		}
		if x.Elem != nil && y.Elem != nil && x.Elem.Signed != y.Elem.Signed {
			if x.Elem.Signed {
				return cur, true
			}
			return next, true
		}
		if x.Elem == nil && y.Elem != nil {
			return next, true
		}
		return cur, true
	}
	return cur, true
}

// fits reports whether a value of type src can be stored in dst without
// losing information (bpftrace's FitsInto); flex marks a sign-flexible
// literal source.
func fits(src, dst types.Type) bool {
	if !known(src) || !known(dst) {
		return true
	}
	si, di := valueInt(src), intOf(dst)
	if si != nil && di != nil {
		if si.Signed == di.Signed || isFlex(src) {
			return si.Bits <= di.Bits
		}
		if !si.Signed {
			return si.Bits < di.Bits
		}
		return false
	}
	if !sameKind(src, dst) {
		return false
	}
	switch s := types.Underlying(src).(type) {
	case *types.String:
		return s.Len <= types.Underlying(dst).(*types.String).Len
	case *types.Buffer:
		return s.Len <= types.Underlying(dst).(*types.Buffer).Len
	case *types.Tuple:
		d := types.Underlying(dst).(*types.Tuple)
		for i := range s.Elems {
			if !fits(s.Elems[i], d.Elems[i]) {
				return false
			}
		}
		return true
	case *types.Record:
		d := types.Underlying(dst).(*types.Record)
		for i, n := range s.Names {
			if !fits(s.Elems[i], d.Elems[d.Index(n)]) {
				return false
			}
		}
		return true
	}
	return true
}

// literalFits reports whether the constant v fits in the integer type t.
func literalFits(v int64, neg bool, u uint64, t *types.Int) bool {
	if neg {
		if !t.Signed {
			return false
		}
		lo := int64(-1) << (t.Bits - 1)
		return v >= lo
	}
	if t.Signed {
		return u <= uint64(1)<<(t.Bits-1)-1
	}
	if t.Bits == 64 {
		return true
	}
	return u <= uint64(1)<<t.Bits-1
}

// typeName renders t for messages.
func typeName(t types.Type) string {
	if t == nil {
		return "unknown"
	}
	return t.String()
}
