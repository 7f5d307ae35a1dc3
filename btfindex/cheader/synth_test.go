package cheader

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// A bigger synthetic spec, built in Go with cilium's btf.Builder: a few
// hundred records with layouts drawn at random (deterministically, from a
// seed) in the ways C and BTF allow — natural, with gaps, packed, with
// over-aligned members, bit-fields placed by C's rules or anywhere in packed
// records — with anonymous members, cycles through pointers, function
// prototypes, enums of every size, typedef chains and many clashing names.
// The header must compile and reproduce every size, offset and bit-field.

type synth struct {
	r        *rand.Rand
	records  []btf.Type // named records; records[:done] are complete
	done     int
	align    map[btf.Type]int64 // alignment each record was laid out with
	enums    []*btf.Enum
	typedefs []*btf.Typedef
	fwds     []*btf.Fwd
	protos   []*btf.FuncProto
	seq      int
}

var synthInts = []*btf.Int{
	{Name: "char", Size: 1, Encoding: btf.Char},
	{Name: "signed char", Size: 1, Encoding: btf.Signed},
	{Name: "unsigned char", Size: 1},
	{Name: "short int", Size: 2, Encoding: btf.Signed},
	{Name: "short unsigned int", Size: 2},
	{Name: "int", Size: 4, Encoding: btf.Signed},
	{Name: "unsigned int", Size: 4},
	{Name: "long int", Size: 8, Encoding: btf.Signed},
	{Name: "long long unsigned int", Size: 8},
	{Name: "_Bool", Size: 1, Encoding: btf.Bool},
	{Name: "u32", Size: 4}, // not a C spelling
}

var (
	synthI128   = &btf.Int{Name: "__int128", Size: 16, Encoding: btf.Signed}
	synthFloat  = &btf.Float{Name: "float", Size: 4}
	synthDouble = &btf.Float{Name: "double", Size: 8}
)

func newSynth(seed uint64) *synth {
	return &synth{r: rand.New(rand.NewPCG(seed, 0x5eed)), align: map[btf.Type]int64{}}
}

func (s *synth) sizeAlign(t btf.Type) (int64, int64) {
	size, err := btf.Sizeof(t)
	if err != nil {
		panic(err)
	}
	switch u := btf.UnderlyingType(t).(type) {
	case *btf.Array:
		_, a := s.sizeAlign(u.Type)
		return int64(size), a
	case *btf.Struct, *btf.Union:
		return int64(size), s.align[u]
	case *btf.Pointer:
		return 8, 8
	}
	return int64(size), naturalAlign(int64(size))
}

func (s *synth) name() string {
	s.seq++
	return fmt.Sprintf("m%d", s.seq)
}

func (s *synth) enum() *btf.Enum {
	size := []uint32{1, 2, 4, 4, 4, 8}[s.r.IntN(6)]
	e := &btf.Enum{Size: size, Signed: s.r.IntN(3) == 0}
	if s.r.IntN(4) != 0 {
		e.Name = fmt.Sprintf("en%d", s.r.IntN(12))
	}
	bits := uint(size * 8)
	for range 1 + s.r.IntN(4) {
		var v uint64
		if e.Signed {
			half := int64(1) << (bits - 1)
			if bits == 64 {
				v = uint64(s.r.Int64())
				if s.r.IntN(2) == 0 {
					v = -v
				}
			} else {
				v = uint64(s.r.Int64N(2*half) - half)
			}
		} else if bits == 64 {
			v = s.r.Uint64()
		} else {
			v = s.r.Uint64N(1 << bits)
		}
		if s.r.IntN(2) == 0 {
			v = uint64(s.r.IntN(10)) // small values are common
		}
		e.Values = append(e.Values, btf.EnumValue{Name: fmt.Sprintf("E%d", s.r.IntN(80)), Value: v})
	}
	s.enums = append(s.enums, e)
	return e
}

func (s *synth) scalar() btf.Type {
	switch k := s.r.IntN(20); {
	case k < 14:
		return synthInts[s.r.IntN(len(synthInts))]
	case k < 16:
		return synthFloat
	case k < 17:
		return synthDouble
	case k < 18:
		return synthI128
	default:
		if len(s.enums) > 0 && s.r.IntN(2) == 0 {
			return s.enums[s.r.IntN(len(s.enums))]
		}
		return s.enum()
	}
}

func (s *synth) pointee(depth int) btf.Type {
	switch k := s.r.IntN(10); {
	case k < 4:
		return s.records[s.r.IntN(len(s.records))] // any: cycles, later ones
	case k < 5 && len(s.fwds) > 0:
		return s.fwds[s.r.IntN(len(s.fwds))]
	case k < 6:
		return &btf.Void{}
	case k < 7:
		return s.proto(depth)
	case k < 8 && len(s.typedefs) > 0:
		return s.typedefs[s.r.IntN(len(s.typedefs))]
	case k < 9:
		return &btf.Const{Type: s.scalar()}
	}
	return s.scalar()
}

func (s *synth) proto(depth int) *btf.FuncProto {
	if len(s.protos) > 4 && s.r.IntN(3) == 0 {
		return s.protos[s.r.IntN(len(s.protos))]
	}
	fp := &btf.FuncProto{Return: &btf.Void{}}
	if s.r.IntN(2) == 0 {
		fp.Return = s.paramType(depth)
	}
	for range s.r.IntN(4) {
		fp.Params = append(fp.Params, btf.FuncParam{Type: s.paramType(depth)})
	}
	if len(fp.Params) > 0 && s.r.IntN(5) == 0 {
		fp.Params = append(fp.Params, btf.FuncParam{Type: &btf.Void{}}) // ...
	}
	s.protos = append(s.protos, fp)
	return fp
}

func (s *synth) paramType(depth int) btf.Type {
	if depth > 3 || s.r.IntN(2) == 0 {
		return s.scalar()
	}
	return &btf.Pointer{Target: s.pointee(depth + 1)}
}

// complete returns a complete record to embed, a small one (BTF member
// offsets have 24 bits in records with bit-fields, so sizes must stay sane).
func (s *synth) complete() btf.Type {
	for range 8 {
		r := s.records[s.r.IntN(s.done)]
		if size, _ := btf.Sizeof(r); size <= 256 {
			return r
		}
	}
	return synthInts[s.r.IntN(len(synthInts))]
}

// memberType draws a member type; bitfield reports whether it may be a
// bit-field.
func (s *synth) memberType(depth int) (t btf.Type, bitfield bool) {
	switch k := s.r.IntN(100); {
	case k < 40:
		t = s.scalar()
		switch t.(type) {
		case *btf.Int, *btf.Enum:
			bitfield = t != synthI128
		}
	case k < 55:
		t = &btf.Pointer{Target: s.pointee(depth)}
	case k < 63:
		var elem btf.Type = s.scalar()
		if s.done > 0 && s.r.IntN(3) == 0 {
			elem = s.complete()
		}
		if s.r.IntN(4) == 0 {
			elem = arr(elem, uint32(1+s.r.IntN(3)))
		}
		t = arr(elem, uint32(s.r.IntN(5)))
	case k < 73 && s.done > 0:
		t = s.complete()
	case k < 83 && depth < 2:
		t = s.record("", s.r.IntN(3) == 0, depth+1)
	case k < 93:
		t = s.typedef(depth)
		if _, ok := btf.UnderlyingType(t).(*btf.Int); ok {
			bitfield = t != synthI128
		}
	default:
		t = s.scalar()
	}
	if s.r.IntN(12) == 0 {
		t = &btf.Const{Type: t}
	} else if s.r.IntN(20) == 0 {
		t = &btf.Volatile{Type: t}
	}
	return t, bitfield
}

func (s *synth) typedef(depth int) *btf.Typedef {
	if len(s.typedefs) > 0 && s.r.IntN(3) == 0 {
		// a typedef of a typedef
		td := &btf.Typedef{Name: fmt.Sprintf("td%d", s.r.IntN(30)), Type: s.typedefs[s.r.IntN(len(s.typedefs))]}
		s.typedefs = append(s.typedefs, td)
		return td
	}
	var target btf.Type
	switch k := s.r.IntN(5); {
	case k == 0 && s.done > 0:
		target = s.complete()
	case k == 1 && depth < 2:
		target = s.record("", false, depth+1)
	case k == 2:
		target = &btf.Pointer{Target: s.pointee(depth)}
	default:
		target = s.scalar()
	}
	td := &btf.Typedef{Name: fmt.Sprintf("td%d", s.r.IntN(30)), Type: target}
	s.typedefs = append(s.typedefs, td)
	return td
}

// record makes an anonymous record laid out at random.
func (s *synth) record(name string, union bool, depth int) btf.Type {
	var t btf.Type
	if union {
		t = &btf.Union{Name: name}
	} else {
		t = &btf.Struct{Name: name}
	}
	s.fill(t, depth)
	return t
}

const (
	styleNatural = iota
	styleGaps
	stylePacked
	styleAligned
)

// fill lays out the members of a struct or union.
func (s *synth) fill(t btf.Type, depth int) {
	_, union := t.(*btf.Union)
	style := s.r.IntN(4)
	var ms []btf.Member
	var cur, maxSize int64 // bits
	maxAlign := int64(1)
	for range 1 + s.r.IntN(7) {
		mt, bitfield := s.memberType(depth)
		size, align := s.sizeAlign(mt)
		m := btf.Member{Name: s.name(), Type: mt}
		if anonMember(mt) && s.r.IntN(2) == 0 {
			m.Name = ""
		}
		if bitfield && m.Name != "" && s.r.IntN(3) == 0 {
			w := 1 + s.r.Int64N(size*8)
			if _, ok := btf.UnderlyingType(mt).(*btf.Int); ok && btf.UnderlyingType(mt).(*btf.Int).Encoding == btf.Bool {
				w = 1
			}
			m.BitfieldSize = btf.Bits(w)
			off := cur
			if union {
				off = 0
			} else if style == stylePacked {
				off += s.r.Int64N(3)
			} else {
				if style == styleGaps && s.r.IntN(3) == 0 {
					off += s.r.Int64N(6)
				}
				if off%(align*8)+w > size*8 {
					off = roundUp(off, align*8)
				}
			}
			if style != stylePacked {
				maxAlign = max(maxAlign, align)
			}
			m.Offset = btf.Bits(off)
			cur = max(cur, off+w)
			maxSize = max(maxSize, w)
			ms = append(ms, m)
			continue
		}
		a := align
		switch style {
		case stylePacked:
			a = 1
		case styleAligned:
			if s.r.IntN(3) == 0 && a < 64 {
				a <<= 1 + s.r.IntN(3)
			}
		}
		var off int64
		if !union {
			off = roundUp(cur, a*8)
			switch style {
			case styleGaps:
				off += a * 8 * s.r.Int64N(3)
			case stylePacked:
				off += 8 * s.r.Int64N(2)
			}
		}
		maxAlign = max(maxAlign, a)
		m.Offset = btf.Bits(off)
		cur = off + size*8
		maxSize = max(maxSize, size*8)
		ms = append(ms, m)
	}
	end := cur
	if union {
		end = maxSize
	}
	if style == stylePacked && s.r.IntN(3) == 0 {
		maxAlign = 2 << s.r.IntN(2) // packed and aligned
	}
	size := roundUp(end, maxAlign*8) / 8
	if style == styleGaps && s.r.IntN(3) == 0 {
		size += maxAlign * s.r.Int64N(3)
	}
	switch x := t.(type) {
	case *btf.Struct:
		x.Members, x.Size = ms, uint32(size)
	case *btf.Union:
		x.Members, x.Size = ms, uint32(size)
	}
	s.align[t] = maxAlign
}

func buildSynth(seed uint64, n int) []btf.Type {
	s := newSynth(seed)
	for i := range n {
		name := fmt.Sprintf("rec%d", s.r.IntN(n/2))
		if i%4 == 3 {
			s.records = append(s.records, &btf.Union{Name: name})
		} else {
			s.records = append(s.records, &btf.Struct{Name: name})
		}
	}
	for i := range 8 {
		name := fmt.Sprintf("rec%d", s.r.IntN(n))
		if i%2 == 0 {
			name = fmt.Sprintf("opaque%d", i)
		}
		s.fwds = append(s.fwds, &btf.Fwd{Name: name, Kind: btf.FwdKind(i % 3 / 2)})
	}
	for i, r := range s.records {
		s.fill(r, 0)
		s.done = i + 1
	}
	roots := append([]btf.Type{}, s.records...)
	for _, e := range s.enums {
		roots = append(roots, e)
	}
	for _, td := range s.typedefs {
		roots = append(roots, td)
	}
	for _, f := range s.fwds {
		roots = append(roots, f)
	}
	// a few kfuncs
	for i := range 3 {
		roots = append(roots, &btf.Func{Name: fmt.Sprintf("bpf_synth_kfunc%d", i), Linkage: btf.GlobalFunc,
			Tags: []string{kfuncTag}, Type: s.proto(0)})
	}
	return roots
}

func TestSynthetic(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			spec := specOf(t, buildSynth(seed, 240)...)
			h, g := generate(t, spec, Options{})
			sel := namedRecords(g)
			var packed, aligned, padded int
			for _, i := range sel {
				p := g.plan(i)
				if !p.exact {
					t.Errorf("%s: no exact layout", g.recordName(i))
				}
				if p.packed {
					packed++
				}
				if p.alignAttr > 0 {
					aligned++
				}
				if len(p.tail) > 0 {
					padded++
				}
				for _, m := range p.members {
					if m.alignAttr > 0 {
						aligned++
					}
					if len(m.pad) > 0 {
						padded++
					}
				}
			}
			compile(t, h, "", "")
			src, n, bits := layoutAsserts(g, sel)
			compile(t, h, src, "bpf")
			compile(t, h, src, "", "-DBPF_NO_PRESERVE_ACCESS_INDEX")
			checkBitfields(t, h, bits)
			if packed == 0 || aligned == 0 || padded == 0 {
				t.Errorf("synthetic spec too tame: %d packed, %d aligned, %d padded", packed, aligned, padded)
			}
			t.Logf("%d records (%d packed, %d aligned attributes, %d paddings), %d assertions, %d bit-fields, %d bytes",
				len(sel), packed, aligned, padded, n, len(bits), len(h))
		})
	}
}
