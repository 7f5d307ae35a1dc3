package cheader

import (
	"github.com/cilium/ebpf/btf"
)

// This file decides how a struct or union is written so that clang lays it
// out exactly as BTF says. It simulates the C layout rules (System V /
// Itanium, which clang uses for both BPF and x86-64) for the text we are
// about to emit:
//
//   - a member is placed at the next multiple of its alignment (1 in a packed
//     record; an explicit aligned(N) on the member raises it);
//   - a named bit-field of type T is placed at the current bit unless it
//     would straddle a sizeof(T)-sized, alignof(T)-aligned unit, in which
//     case it starts the next unit; it adds alignof(T) to the record;
//   - unnamed bit-fields (our padding) follow the same placement rule but
//     add nothing to the record's alignment;
//   - the record's size is its end rounded up to its alignment.
//
// The natural layout is tried first; if some BTF offset lies before where C
// would put the member, or the size is not a multiple of the alignment, the
// record is packed. Offsets beyond the natural position are reached with a
// member aligned(N) attribute when the smallest such power of two explains
// the gap exactly, and with unnamed bit-field padding otherwise; a size
// beyond the natural one likewise becomes a record aligned(N) or trailing
// padding. The smallest explaining alignment never exceeds the true one, so
// containers of the record still find their members where BTF says.

// maxAttrAlign bounds inferred aligned(N) attributes; larger gaps are padded.
const maxAttrAlign = 4096

type padChunk struct {
	typ  string // unit type of the unnamed bit-field: char, short, int or long
	bits int64
}

type memberPlan struct {
	name      string
	pad       []padChunk // unnamed bit-fields before the member
	alignAttr int64      // aligned(N) on the member, 0 if none
}

type plan struct {
	packed    bool
	alignAttr int64 // aligned(N) on the record, 0 if none
	members   []memberPlan
	tail      []padChunk // trailing padding
	unionPad  int64      // bytes of a named filler array (unions only)
	exact     bool       // the emitted layout reproduces BTF's

	size, align int64 // emitted layout, bytes
}

func roundUp(x, a int64) int64 {
	if a <= 1 {
		return x
	}
	return (x + a - 1) / a * a
}

func isPow2(x int64) bool { return x > 0 && x&(x-1) == 0 }

// naturalAlign is the alignment C gives a scalar of the given size.
func naturalAlign(size int64) int64 {
	switch {
	case size <= 0:
		return 1
	case isPow2(size):
		return size
	}
	a := int64(1)
	for size%(a*2) == 0 {
		a *= 2
	}
	return a
}

// layoutOf returns the size and alignment, in bytes, that clang gives the
// type as we spell it.
func (g *gen) layoutOf(t btf.Type) (size, align int64) {
	n := int64(1)
	for {
		switch x := t.(type) {
		case *btf.Int:
			s := int64(x.Size)
			return n * s, naturalAlign(s)
		case *btf.Float:
			s := int64(x.Size)
			return n * s, naturalAlign(s)
		case *btf.Pointer:
			return n * 8, 8
		case *btf.Enum:
			s := int64(x.Size)
			return n * s, naturalAlign(s)
		case *btf.Array:
			n *= int64(x.Nelems)
			t = x.Type
		case *btf.Typedef:
			t = x.Type
		case *btf.Const:
			t = x.Type
		case *btf.Volatile:
			t = x.Type
		case *btf.Restrict:
			t = x.Type
		case *btf.TypeTag:
			t = x.Type
		case *btf.Struct, *btf.Union:
			p := g.plan(g.index(t))
			return n * p.size, p.align
		default:
			return 0, 1
		}
	}
}

func members(t btf.Type) (ms []btf.Member, size uint32, union bool) {
	switch x := t.(type) {
	case *btf.Struct:
		return x.Members, x.Size, false
	case *btf.Union:
		return x.Members, x.Size, true
	}
	return nil, 0, false
}

// plan returns (and memoizes) how the struct or union at i is written.
func (g *gen) plan(i int32) *plan {
	if p := g.plans[i]; p != nil {
		return p
	}
	if g.lays[i].state == stBusy {
		// A record containing itself by value: not valid C, and not
		// something BTF of C code has. Give it no size to stop.
		return &plan{align: 1}
	}
	g.lays[i].state = stBusy
	ms, size, union := members(g.types[i])
	var p *plan
	var ok bool
	if union {
		if p, ok = g.simulateUnion(ms, int64(size), false); !ok {
			p, ok = g.simulateUnion(ms, int64(size), true)
		}
	} else {
		if p, ok = g.simulateStruct(ms, int64(size), false); !ok {
			p, ok = g.simulateStruct(ms, int64(size), true)
		}
	}
	p.exact = ok
	if !ok {
		// Best effort: keep what we have but report BTF's size to
		// containers so the damage stays local.
		p.size = int64(size)
	}
	g.plans[i] = p
	g.lays[i].state = stDone
	return p
}

func isAnonRecord(t btf.Type) bool {
	switch x := t.(type) {
	case *btf.Struct:
		return x.Name == ""
	case *btf.Union:
		return x.Name == ""
	}
	return false
}

// anonMember reports whether a member of type t without a name is a C11
// anonymous struct or union member: its type is an untagged record,
// possibly qualified (a typedef of one does not count).
func anonMember(t btf.Type) bool {
	for {
		switch x := t.(type) {
		case *btf.Const:
			t = x.Type
		case *btf.Volatile:
			t = x.Type
		default:
			return isAnonRecord(t)
		}
	}
}

func memberName(m btf.Member, j int) string {
	if m.Name == "" {
		if anonMember(m.Type) {
			return ""
		}
		// C has no unnamed members of other types (and an unnamed
		// bit-field would not count for alignment): name it.
		return "__unnamed_" + itoa(int64(j))
	}
	return sanitize(m.Name)
}

// padding returns unnamed bit-fields that fill bits [from, to) exactly,
// wherever they start, in packed and in naturally aligned records alike:
// each chunk stays within one aligned unit of its type, so it is never
// moved, and unnamed bit-fields do not change the record's alignment. From
// a byte boundary it uses the largest naturally aligned units that fit
// (char: 8; short: 16; ...); from inside a byte, one chunk up to the next
// 64-bit boundary in the smallest unit that holds it.
func padding(from, to int64) []padChunk {
	var out []padChunk
	for from < to {
		if from%8 == 0 {
			u := int64(64)
			for u > 8 && (from%u != 0 || from+u > to) {
				u /= 2
			}
			k := min(u, to-from)
			out = append(out, padChunk{unitName(u), k})
			from += k
			continue
		}
		end := min(to, (from/64+1)*64)
		u := int64(8)
		for u < 64 && from/u != (end-1)/u {
			u *= 2
		}
		out = append(out, padChunk{unitName(u), end - from})
		from = end
	}
	return out
}

func unitName(bits int64) string {
	switch bits {
	case 8:
		return "char"
	case 16:
		return "short"
	case 32:
		return "int"
	}
	return "long"
}

// alignFor returns the smallest power of two N > a (bytes) such that
// aligning bit offset cur to N bytes gives exactly bit offset want, and N
// divides the record size; 0 if there is none.
func alignFor(cur, want, a, size int64) int64 {
	for n := a * 2; n <= maxAttrAlign; n *= 2 {
		r := roundUp(cur, n*8)
		if r == want {
			if size%n != 0 {
				return 0
			}
			return n
		}
		if r > want {
			return 0
		}
	}
	return 0
}

func newPlan(ms []btf.Member, size int64, packed bool) *plan {
	p := &plan{packed: packed, members: make([]memberPlan, len(ms)), size: size, align: 1}
	for j, m := range ms {
		p.members[j].name = memberName(m, j)
	}
	return p
}

func (g *gen) simulateStruct(ms []btf.Member, size int64, packed bool) (*plan, bool) {
	p := newPlan(ms, size, packed)
	var cur int64
	maxAlign := int64(1)
	want := size * 8
	for j, m := range ms {
		mp := &p.members[j]
		sz, al := g.layoutOf(m.Type)
		off := int64(m.Offset)
		if w := int64(m.BitfieldSize); w > 0 {
			if !packed {
				tsz, tal := sz*8, al*8
				if tsz == 0 || w > tsz || off%tal+w > tsz {
					return p, false
				}
				nat := cur
				if cur%tal+w > tsz {
					nat = roundUp(cur, tal)
				}
				if off < nat {
					return p, false
				}
				if off > nat {
					mp.pad = padding(cur, off)
				}
				maxAlign = max(maxAlign, al)
			} else {
				if off < cur {
					return p, false
				}
				mp.pad = padding(cur, off)
			}
			cur = off + w
			continue
		}
		a := al
		if packed {
			a = 1
		}
		nat := roundUp(cur, a*8)
		if off < nat {
			return p, false
		}
		if off > nat {
			if n := int64(0); !packed {
				if n = alignFor(cur, off, a, size); n > 0 {
					mp.alignAttr, a = n, n
				}
				if n == 0 {
					if off%(a*8) != 0 {
						return p, false
					}
					mp.pad = padding(cur, off)
				}
			} else {
				mp.pad = padding(cur, off)
			}
		}
		maxAlign = max(maxAlign, a)
		cur = off + sz*8
	}
	end := roundUp(cur, maxAlign*8)
	if end > want {
		return p, false
	}
	if end < want {
		if n := alignFor(cur, want, maxAlign, size); n > 0 {
			p.alignAttr, maxAlign = n, n
		} else {
			if want%(maxAlign*8) != 0 {
				return p, false
			}
			p.tail = padding(cur, want)
		}
	}
	p.align = maxAlign
	return p, true
}

func (g *gen) simulateUnion(ms []btf.Member, size int64, packed bool) (*plan, bool) {
	p := newPlan(ms, size, packed)
	var maxSize int64
	maxAlign := int64(1)
	want := size * 8
	ok := true
	for _, m := range ms {
		sz, al := g.layoutOf(m.Type)
		if m.Offset != 0 {
			ok = false // not expressible in C
		}
		s := sz * 8
		if w := int64(m.BitfieldSize); w > 0 {
			if w > s {
				ok = false
			}
			s = w
		}
		if packed {
			al = 1
		}
		maxSize = max(maxSize, s)
		maxAlign = max(maxAlign, al)
	}
	end := roundUp(maxSize, maxAlign*8)
	if end > want {
		return p, false
	}
	if end < want {
		if n := alignFor(maxSize, want, maxAlign, size); n > 0 {
			p.alignAttr, maxAlign = n, n
		} else if want%(maxAlign*8) != 0 {
			return p, false
		} else if want <= 64 {
			// an unnamed bit-field of that width makes the union
			// that big without changing its alignment
			u := int64(8)
			for u < want {
				u *= 2
			}
			p.tail = []padChunk{{unitName(u), want}}
		} else {
			p.unionPad = size
		}
	}
	p.align = maxAlign
	return p, ok
}
