// Package btftypes converts BTF types, the kernel's or a compiled C
// object's, into bpftrace types (analysis/types): one Converter per BTF
// keeps a type reached from many places one value, converted once.
package btftypes

import (
	"sync"

	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/types"
)

// Converter turns BTF types into bpftrace types. It caches by BTF
// type identity so that a struct reached from many places is one
// *types.Struct (pointer-identical, and converted once), and it converts
// struct members lazily: task_struct reaches half the kernel.
type Converter struct {
	mu    sync.Mutex
	cache map[btf.Type]types.Type
	// ids gives a type's BTF ID, for the compiler's relocations; nil when
	// unknown.
	ids func(btf.Type) (btf.TypeID, bool)
}

// New returns a converter; ids, when not nil, gives a type's BTF ID
// (Struct.ID, for the compiler's relocations).
func New(ids func(btf.Type) (btf.TypeID, bool)) *Converter {
	return &Converter{cache: map[btf.Type]types.Type{}, ids: ids}
}

// Convert returns the bpftrace view of t. Pointers whose target carries
// the `user` type tag point to user memory; all other pointers are
// kernel pointers.
func (c *Converter) Convert(t btf.Type) types.Type {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.convert(t)
}

func (c *Converter) convert(t btf.Type) types.Type {
	if t == nil {
		return types.Void{}
	}
	if got, ok := c.cache[t]; ok {
		return got
	}
	var out types.Type
	switch t := t.(type) {
	case *btf.Void:
		out = types.Void{}
	case *btf.Int:
		out = convertInt(t)
	case *btf.Float:
		// BPF has no floating point; bpftrace treats floats as opaque
		// integers of their size.
		out = &types.Int{Bits: int(t.Size) * 8, Signed: true}
	case *btf.Pointer:
		space := types.AddrKernel
		if UserTagged(t.Target) {
			space = types.AddrUser
		}
		// Cache before converting the target: self-referential pointers
		// (struct list_head *next) must terminate.
		p := &types.Pointer{Space: space}
		c.cache[t] = p
		p.Elem = c.convert(t.Target)
		return p
	case *btf.Array:
		elem := c.convert(t.Type)
		if isCharLike(t.Type) {
			// bpftrace reads char arrays as strings.
			out = &types.String{Len: int(t.Nelems), CharArray: true}
		} else {
			out = &types.Array{Elem: elem, Len: int(t.Nelems)}
		}
	case *btf.Struct:
		out = c.convertComposite(t, t.Name, false, t.Size, t.Members)
	case *btf.Union:
		out = c.convertComposite(t, t.Name, true, t.Size, t.Members)
	case *btf.Enum:
		e := &types.Enum{Name: t.Name, Bytes: int(t.Size), Signed: t.Signed}
		for _, v := range t.Values {
			e.Values = append(e.Values, types.EnumValue{Name: v.Name, Value: int64(v.Value)})
		}
		out = e
	case *btf.Fwd:
		// An opaque forward declaration: a struct of unknown size.
		out = types.NewStruct(t.Name, t.Kind == btf.FwdUnion, 0, func() []types.Field { return nil })
	case *btf.Typedef:
		td := &types.Typedef{Name: t.Name}
		c.cache[t] = td
		td.Type = c.convert(t.Type)
		return td
	case *btf.Volatile:
		out = c.convert(t.Type)
	case *btf.Const:
		out = c.convert(t.Type)
	case *btf.Restrict:
		out = c.convert(t.Type)
	case *btf.TypeTag:
		out = c.convert(t.Type)
	case *btf.FuncProto:
		// Function values are only ever seen through pointers; model the
		// pointee as an opaque byte so pointer arithmetic stays defined.
		out = types.Uint8
	default:
		out = types.Uint8
	}
	c.cache[t] = out
	return out
}

func (c *Converter) convertComposite(t btf.Type, name string, union bool, size uint32, members []btf.Member) types.Type {
	// Members convert on first use, under the converter's lock.
	s := types.NewStruct(name, union, int(size), func() []types.Field {
		c.mu.Lock()
		defer c.mu.Unlock()
		fields := make([]types.Field, len(members))
		for i, m := range members {
			fields[i] = types.Field{
				Name:      m.Name,
				Type:      c.convert(m.Type),
				BitOffset: int(m.Offset),
				BitSize:   int(m.BitfieldSize),
			}
		}
		return fields
	})
	s.Origin = "btf"
	if c.ids != nil {
		if id, ok := c.ids(t); ok {
			s.ID = uint32(id)
		}
	}
	return s
}

func convertInt(t *btf.Int) types.Type {
	switch {
	case t.Encoding&btf.Bool != 0:
		return types.Bool{}
	case t.Size == 16:
		// __int128: bpftrace has no 128-bit integers; an array of two
		// u64 keeps its layout.
		return &types.Array{Elem: types.Uint64, Len: 2}
	}
	bits := int(t.Size) * 8
	if bits != 8 && bits != 16 && bits != 32 && bits != 64 {
		bits = 64
	}
	return &types.Int{Bits: bits, Signed: t.Encoding&btf.Signed != 0}
}

// isCharLike reports whether an array of t is a string to bpftrace: char,
// signed char and unsigned char (int8/uint8 with the char encoding), seen
// through qualifiers but not through typedefs such as u8.
func isCharLike(t btf.Type) bool {
	for {
		switch q := t.(type) {
		case *btf.Const:
			t = q.Type
		case *btf.Volatile:
			t = q.Type
		case *btf.Restrict:
			t = q.Type
		case *btf.Int:
			return q.Size == 1 && (q.Encoding&btf.Char != 0 || q.Name == "char" || q.Name == "signed char" || q.Name == "unsigned char")
		default:
			return false
		}
	}
}

// UserTagged reports whether a pointer target carries the `user` type
// tag (the kernel's __user annotation), through qualifiers.
func UserTagged(t btf.Type) bool {
	for {
		switch q := t.(type) {
		case *btf.TypeTag:
			if q.Value == "user" {
				return true
			}
			t = q.Type
		case *btf.Const:
			t = q.Type
		case *btf.Volatile:
			t = q.Type
		case *btf.Restrict:
			t = q.Type
		default:
			return false
		}
	}
}
