package btfindex

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// TypeKind selects a kind of named type in TypeNames and in a C type
// name's tag ("struct x", "union x", "enum x").
type TypeKind uint8

const (
	AnyKind TypeKind = iota
	StructKind
	UnionKind
	EnumKind // enum and enum64
	TypedefKind
	BaseKind // int and float
)

func kindOfRaw(k uint32) TypeKind {
	switch k {
	case kindStruct:
		return StructKind
	case kindUnion:
		return UnionKind
	case kindEnum, kindEnum64:
		return EnumKind
	case kindTypedef:
		return TypedefKind
	}
	return BaseKind
}

func (k TypeKind) String() string {
	return [...]string{"any", "struct", "union", "enum", "typedef", "base"}[k]
}

// ParseTypeName splits a C type name into its tag and name: "struct
// task_struct" is (StructKind, "task_struct"); a name without a tag is
// (AnyKind, name).
func ParseTypeName(s string) (TypeKind, string) {
	s = strings.TrimSpace(s)
	for _, p := range []struct {
		tag  string
		kind TypeKind
	}{{"struct ", StructKind}, {"union ", UnionKind}, {"enum ", EnumKind}} {
		if strings.HasPrefix(s, p.tag) {
			return p.kind, strings.TrimSpace(s[len(p.tag):])
		}
	}
	return AnyKind, s
}

// TypeName is a named type found by TypeNames.
type TypeName struct {
	Name   string
	Kind   TypeKind
	Module string
	ID     btf.TypeID
}

// CName is the type's name as C spells it: "struct task_struct", "pid_t".
func (t TypeName) CName() string {
	switch t.Kind {
	case StructKind, UnionKind, EnumKind:
		return t.Kind.String() + " " + t.Name
	}
	return t.Name
}

// TypeNames lists the named types whose name starts with prefix, of the
// given kind (AnyKind for all), sorted by name. It does not decode BTF.
func (ix *Index) TypeNames(prefix string, kind TypeKind) []TypeName {
	lo, hi := ix.typeTab().prefixRange(prefix)
	var out []TypeName
	for i := lo; i < hi; i++ {
		k := kindOfRaw(ix.typeTab().info[i])
		if kind != AnyKind && k != kind {
			continue
		}
		out = append(out, TypeName{Name: ix.typeTab().names[i], Kind: k, Module: ix.mods[ix.typeTab().mods[i]].name, ID: btf.TypeID(ix.typeTab().ids[i])})
	}
	return out
}

// Type finds a type by its C name: "struct task_struct", "union bpf_attr",
// "enum bpf_cmd", or a plain name, which means a typedef or base type
// ("pid_t", "unsigned int") and failing that a struct, union or enum of
// that name. When BTF defines a name more than once, vmlinux's first
// definition wins.
//
// Pointer and array declarators and qualifiers are understood too:
// "struct file *", "char[16]", "const char *" give a *btf.Pointer,
// *btf.Array or *btf.Const around the named type (new values, not part of
// the kernel's BTF).
func (ix *Index) Type(name string) (btf.Type, error) {
	if ix.btfErr != nil {
		return nil, ix.btfErr
	}
	base, wrap, err := parseDeclarators(name)
	if err != nil {
		return nil, err
	}
	t, err := ix.namedType(base)
	if err != nil || wrap == nil {
		return t, err
	}
	return wrap(t), nil
}

// parseDeclarators splits "const char *[4]"-style names into the base
// name and a function that wraps the base type; wrap is nil when there is
// nothing to wrap.
func parseDeclarators(name string) (string, func(btf.Type) btf.Type, error) {
	s := strings.TrimSpace(name)
	type wrapFn = func(btf.Type) btf.Type
	ptr := func(t btf.Type) btf.Type { return &btf.Pointer{Target: t} }
	cnst := func(t btf.Type) btf.Type { return &btf.Const{Type: t} }
	vol := func(t btf.Type) btf.Type { return &btf.Volatile{Type: t} }
	// Array dimensions, scanned right to left: innermost first ("char[2][3]"
	// is 2 arrays of 3 chars).
	var dims []wrapFn
	for strings.HasSuffix(s, "]") {
		i := strings.LastIndexByte(s, '[')
		if i < 0 {
			return "", nil, fmt.Errorf("bad type name %q", name)
		}
		n, err := strconv.ParseUint(strings.TrimSpace(s[i+1:len(s)-1]), 0, 32)
		if err != nil {
			return "", nil, fmt.Errorf("bad array size in %q", name)
		}
		dims = append(dims, func(t btf.Type) btf.Type {
			return &btf.Array{Type: t, Nelems: uint32(n), Index: &btf.Int{Name: "unsigned int", Size: 4}}
		})
		s = strings.TrimSpace(s[:i])
	}
	// Pointers and their qualifiers, scanned right to left: outermost first.
	var ptrs []wrapFn
	for {
		switch {
		case strings.HasSuffix(s, "*"):
			s = strings.TrimSpace(s[:len(s)-1])
			ptrs = append(ptrs, ptr)
			continue
		case strings.Contains(s, "*") && strings.HasSuffix(s, " const"):
			s = strings.TrimSpace(s[:len(s)-len(" const")])
			ptrs = append(ptrs, cnst)
			continue
		case strings.Contains(s, "*") && strings.HasSuffix(s, " volatile"):
			s = strings.TrimSpace(s[:len(s)-len(" volatile")])
			ptrs = append(ptrs, vol)
			continue
		}
		break
	}
	// Qualifiers of the base type, either side of it.
	var quals []wrapFn
	for {
		switch {
		case strings.HasPrefix(s, "const "):
			s, quals = strings.TrimSpace(s[len("const "):]), append(quals, cnst)
			continue
		case strings.HasPrefix(s, "volatile "):
			s, quals = strings.TrimSpace(s[len("volatile "):]), append(quals, vol)
			continue
		case strings.HasSuffix(s, " const"):
			s, quals = strings.TrimSpace(s[:len(s)-len(" const")]), append(quals, cnst)
			continue
		}
		break
	}
	wraps := quals
	for i := len(ptrs) - 1; i >= 0; i-- {
		wraps = append(wraps, ptrs[i])
	}
	wraps = append(wraps, dims...)
	if len(wraps) == 0 {
		return s, nil, nil
	}
	return s, func(t btf.Type) btf.Type {
		for _, w := range wraps {
			t = w(t)
		}
		return t
	}, nil
}

func (ix *Index) namedType(name string) (btf.Type, error) {
	kind, n := ParseTypeName(name)
	lo, hi := ix.typeTab().exactRange(n)
	pick := -1
	for _, want := range kindsFor(kind) {
		for i := lo; i < hi; i++ {
			if kindOfRaw(ix.typeTab().info[i]) == want {
				pick = i
				break
			}
		}
		if pick >= 0 {
			break
		}
	}
	if pick < 0 {
		return nil, &NotFoundError{What: "type", Name: name, Suggestions: ix.suggestIn(ix.typeTab(), n)}
	}
	return ix.typeByID(ix.typeTab().mods[pick], ix.typeTab().ids[pick])
}

func kindsFor(k TypeKind) []TypeKind {
	if k == AnyKind {
		return []TypeKind{TypedefKind, BaseKind, StructKind, UnionKind, EnumKind}
	}
	return []TypeKind{k}
}

// Resolve strips typedefs and qualifiers (const, volatile, restrict, type
// tags) from t.
func Resolve(t btf.Type) btf.Type {
	for range 64 {
		switch x := t.(type) {
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
		default:
			return t
		}
	}
	return t
}

// Member is a field of a struct or union.
type Member struct {
	Name string   // "" for an anonymous struct or union member
	Type btf.Type // as declared (typedefs kept)
	// Offset is in bits from the start of the struct Members was called
	// on (anonymous members flattened by Field add their own offset).
	Offset btf.Bits
	// BitfieldSize is the width in bits of a bitfield, else 0.
	BitfieldSize btf.Bits
	// Size is the member's size in bytes (0 for a flexible array).
	Size uint32
}

// ByteOffset is Offset in bytes (rounded down for bitfields).
func (m Member) ByteOffset() uint32 { return uint32(m.Offset / 8) }

// CDecl is the member's C declaration: "char comm[16]", "int x:3".
func (m Member) CDecl() string {
	d := CDecl(m.Type, m.Name)
	if m.BitfieldSize != 0 {
		d += ":" + strconv.Itoa(int(m.BitfieldSize))
	}
	return d
}

// Members lists the members of struct or union t (after Resolve), in
// order; anonymous struct/union members are listed as themselves (Name
// ""). Use Field to look a name up through them.
func Members(t btf.Type) ([]Member, error) {
	var ms []btf.Member
	switch x := Resolve(t).(type) {
	case *btf.Struct:
		ms = x.Members
	case *btf.Union:
		ms = x.Members
	default:
		return nil, fmt.Errorf("%s is not a struct or union", CDecl(t, ""))
	}
	out := make([]Member, len(ms))
	for i, m := range ms {
		out[i] = Member{Name: m.Name, Type: m.Type, Offset: m.Offset, BitfieldSize: m.BitfieldSize, Size: sizeof(m.Type)}
	}
	return out, nil
}

func sizeof(t btf.Type) uint32 {
	n, err := btf.Sizeof(t)
	if err != nil || n < 0 {
		return 0
	}
	return uint32(n)
}

// Field finds member name of struct or union t, looking through anonymous
// struct and union members as C does; Offset is from the start of t.
func Field(t btf.Type, name string) (Member, bool) {
	ms, err := Members(t)
	if err != nil {
		return Member{}, false
	}
	for _, m := range ms {
		if m.Name == name {
			return m, true
		}
	}
	for _, m := range ms {
		if m.Name != "" {
			continue
		}
		if f, ok := Field(m.Type, name); ok {
			f.Offset += m.Offset
			return f, true
		}
	}
	return Member{}, false
}

// Fields lists every member name reachable from t as C sees them: the
// members of anonymous structs and unions are flattened into t, with
// offsets from the start of t.
func Fields(t btf.Type) ([]Member, error) {
	ms, err := Members(t)
	if err != nil {
		return nil, err
	}
	var out []Member
	for _, m := range ms {
		if m.Name != "" {
			out = append(out, m)
			continue
		}
		inner, err := Fields(m.Type)
		if err != nil {
			continue
		}
		for _, f := range inner {
			f.Offset += m.Offset
			out = append(out, f)
		}
	}
	return out, nil
}

// EnumValue finds an enumerator by name in every enum of the BTF
// (vmlinux first), decoding enums on demand.
func (ix *Index) EnumValue(name string) (*btf.Enum, btf.EnumValue, error) {
	if ix.btfErr != nil {
		return nil, btf.EnumValue{}, ix.btfErr
	}
	for i, n := range ix.typeTab().names {
		if k := ix.typeTab().info[i]; k != kindEnum && k != kindEnum64 {
			continue
		}
		_ = n
		t, err := ix.typeByID(ix.typeTab().mods[i], ix.typeTab().ids[i])
		if err != nil {
			continue
		}
		if e, ok := t.(*btf.Enum); ok {
			for _, v := range e.Values {
				if v.Name == name {
					return e, v, nil
				}
			}
		}
	}
	return nil, btf.EnumValue{}, &NotFoundError{What: "enum value", Name: name}
}

// CDecl formats a declaration of name with type t the way C (and libbpf's
// btf_dump, which bpftrace -lv uses) writes it: CDecl(char*, "s") is
// "char *s", CDecl([16]char, "comm") "char comm[16]", CDecl(ptr to func
// proto, "") "int (*)(void *)". With name "" it is the type name alone.
func CDecl(t btf.Type, name string) string {
	var b strings.Builder
	b.Grow(32 + len(name))
	writeDecl(&b, t, name, 0)
	return b.String()
}

func writeDecl(b *strings.Builder, t btf.Type, name string, depth int) {
	var buf [8]btf.Type
	stack := buf[:0]
	for range 256 {
		stack = append(stack, t)
		switch x := t.(type) {
		case *btf.Pointer:
			t = x.Target
			continue
		case *btf.Const:
			t = x.Type
			continue
		case *btf.Volatile:
			t = x.Type
			continue
		case *btf.Restrict:
			t = x.Type
			continue
		case *btf.TypeTag:
			t = x.Type
			continue
		case *btf.FuncProto:
			t = x.Return
			continue
		case *btf.Array:
			t = x.Type
			continue
		}
		break
	}
	writeChain(b, &stack, name, depth)
}

func isMod(t btf.Type) bool {
	switch t.(type) {
	case *btf.Const, *btf.Volatile, *btf.Restrict:
		return true
	}
	return false
}

// writeMods writes the qualifiers just above the base type as a prefix
// ("const char *"), popping them.
func writeMods(b *strings.Builder, s *[]btf.Type) {
	for len(*s) > 0 {
		switch (*s)[len(*s)-1].(type) {
		case *btf.Const:
			b.WriteString("const ")
		case *btf.Volatile:
			b.WriteString("volatile ")
		case *btf.Restrict:
			b.WriteString("restrict ")
		default:
			return
		}
		*s = (*s)[:len(*s)-1]
	}
}

func dropMods(s *[]btf.Type) {
	for len(*s) > 0 && isMod((*s)[len(*s)-1]) {
		*s = (*s)[:len(*s)-1]
	}
}

func writeName(b *strings.Builder, name string, lastWasPtr bool) {
	if name != "" && !lastWasPtr {
		b.WriteByte(' ')
	}
	b.WriteString(name)
}

func writeChain(b *strings.Builder, s *[]btf.Type, name string, depth int) {
	lastWasPtr := true
	for len(*s) > 0 {
		t := (*s)[len(*s)-1]
		*s = (*s)[:len(*s)-1]
		switch x := t.(type) {
		case *btf.Void:
			writeMods(b, s)
			b.WriteString("void")
		case *btf.Int:
			writeMods(b, s)
			b.WriteString(x.Name)
		case *btf.Float:
			writeMods(b, s)
			b.WriteString(x.Name)
		case *btf.Struct:
			writeMods(b, s)
			writeTagged(b, "struct", x.Name)
		case *btf.Union:
			writeMods(b, s)
			writeTagged(b, "union", x.Name)
		case *btf.Enum:
			writeMods(b, s)
			writeTagged(b, "enum", x.Name)
		case *btf.Fwd:
			writeMods(b, s)
			if x.Kind == btf.FwdUnion {
				writeTagged(b, "union", x.Name)
			} else {
				writeTagged(b, "struct", x.Name)
			}
		case *btf.Typedef:
			writeMods(b, s)
			b.WriteString(x.Name)
		case *btf.Pointer:
			if lastWasPtr {
				b.WriteByte('*')
			} else {
				b.WriteString(" *")
			}
		case *btf.Const:
			b.WriteString(" const")
		case *btf.Volatile:
			b.WriteString(" volatile")
		case *btf.Restrict:
			b.WriteString(" restrict")
		case *btf.TypeTag:
			writeMods(b, s)
			fmt.Fprintf(b, " __attribute__((btf_type_tag(%q)))", x.Value)
		case *btf.Array:
			dropMods(s)
			if len(*s) == 0 {
				writeName(b, name, lastWasPtr)
				writeDim(b, x.Nelems)
				return
			}
			_, multidim := (*s)[len(*s)-1].(*btf.Array)
			if name != "" && !lastWasPtr {
				b.WriteByte(' ')
			}
			if !multidim {
				b.WriteByte('(')
			}
			writeChain(b, s, name, depth)
			if !multidim {
				b.WriteByte(')')
			}
			writeDim(b, x.Nelems)
			return
		case *btf.FuncProto:
			dropMods(s)
			if len(*s) > 0 {
				b.WriteString(" (")
				writeChain(b, s, name, depth)
				b.WriteByte(')')
			} else {
				writeName(b, name, lastWasPtr)
			}
			b.WriteByte('(')
			ps := x.Params
			if len(ps) == 0 || (len(ps) == 1 && isVoid(ps[0].Type)) {
				b.WriteString("void)")
				return
			}
			for i, p := range ps {
				if i > 0 {
					b.WriteString(", ")
				}
				if i == len(ps)-1 && isVoid(p.Type) {
					b.WriteString("...")
					break
				}
				if depth > 16 {
					b.WriteString("...")
					break
				}
				writeDecl(b, p.Type, p.Name, depth+1)
			}
			b.WriteByte(')')
			return
		default:
			fmt.Fprintf(b, "<%T>", t)
		}
		_, lastWasPtr = t.(*btf.Pointer)
	}
	writeName(b, name, lastWasPtr)
}

func writeDim(b *strings.Builder, n uint32) {
	var num [12]byte
	b.WriteByte('[')
	b.Write(strconv.AppendUint(num[:0], uint64(n), 10))
	b.WriteByte(']')
}

func writeTagged(b *strings.Builder, tag, name string) {
	b.WriteString(tag)
	if name != "" {
		b.WriteByte(' ')
		b.WriteString(name)
	} else {
		b.WriteString(" {...}")
	}
}

func isVoid(t btf.Type) bool {
	if t == nil {
		return true
	}
	_, ok := t.(*btf.Void)
	return ok
}

// IsSigned says whether an integer-like type (after Resolve; enums
// included) is signed.
func IsSigned(t btf.Type) bool {
	switch x := Resolve(t).(type) {
	case *btf.Int:
		return x.Encoding&btf.Signed != 0
	case *btf.Enum:
		return x.Signed
	}
	return false
}

var errNotFunc = errors.New("not a function")
