// Package types is the type system of bpftrace programs as the checker
// infers it and the compiler consumes it: integers of every width, bool,
// strings and buffers with sizes, pointers with address spaces, C structs,
// unions and enums (from BTF or C definitions), arrays, tuples, records,
// stacks, the opaque runtime values (ksym, inet, timestamps, ...), map
// aggregations and maps.
//
// Types are values: two types are the same when Identical says so, and
// every type knows its size and alignment in BPF memory, so a code
// generator never recomputes a layout.
package types

import (
	"fmt"
	"strings"
	"sync"
)

// Type is any bpftrace type.
type Type interface {
	// String is the type as bpftrace users write or read it: int64,
	// string[16], struct task_struct *, (int64, string[16]) ...
	String() string
	// Size is the number of bytes a value occupies in BPF memory
	// (map values, stack slots, ring buffer records); 0 for void.
	Size() int
	// Align is the value's alignment in bytes.
	Align() int
}

// AddrSpace says where a pointer points.
type AddrSpace uint8

const (
	AddrNone AddrSpace = iota
	AddrKernel
	AddrUser
)

func (a AddrSpace) String() string {
	switch a {
	case AddrKernel:
		return "kernel"
	case AddrUser:
		return "user"
	}
	return "none"
}

// Void is the type of statements and functions that return nothing.
type Void struct{}

func (Void) String() string { return "void" }
func (Void) Size() int      { return 0 }
func (Void) Align() int     { return 1 }

// Bool is bpftrace's bool.
type Bool struct{}

func (Bool) String() string { return "bool" }
func (Bool) Size() int      { return 1 }
func (Bool) Align() int     { return 1 }

// Int is an integer of Bits (8, 16, 32, 64) with a sign.
type Int struct {
	Bits   int
	Signed bool
}

// Common integer types.
var (
	Int8   = &Int{8, true}
	Int16  = &Int{16, true}
	Int32  = &Int{32, true}
	Int64  = &Int{64, true}
	Uint8  = &Int{8, false}
	Uint16 = &Int{16, false}
	Uint32 = &Int{32, false}
	Uint64 = &Int{64, false}
)

func (t *Int) String() string {
	if t.Signed {
		return fmt.Sprintf("int%d", t.Bits)
	}
	return fmt.Sprintf("uint%d", t.Bits)
}
func (t *Int) Size() int  { return t.Bits / 8 }
func (t *Int) Align() int { return t.Bits / 8 }

// String is a NUL-terminated string stored in Len bytes.
type String struct {
	Len int
	// CharArray: the bytes of a C char[Len] read as a string. All Len
	// may be characters (no NUL), so a full buffer is the whole string,
	// not one cut short (bpftrace gives such a string a byte more).
	CharArray bool
}

func (t *String) String() string { return fmt.Sprintf("string[%d]", t.Len) }
func (t *String) Size() int      { return t.Len }
func (t *String) Align() int     { return 1 }

// Buffer is a length-prefixed byte buffer of capacity Len (from buf()).
type Buffer struct {
	Len int
}

func (t *Buffer) String() string { return fmt.Sprintf("buffer[%d]", t.Len) }
func (t *Buffer) Size() int      { return t.Len + 4 } // u32 length, then the bytes
func (t *Buffer) Align() int     { return 4 }

// Pointer points to Elem in an address space.
type Pointer struct {
	Elem  Type
	Space AddrSpace
}

func (t *Pointer) String() string {
	if _, ok := t.Elem.(*Struct); ok {
		return t.Elem.String() + " *"
	}
	return t.Elem.String() + "*"
}
func (t *Pointer) Size() int  { return 8 }
func (t *Pointer) Align() int { return 8 }

// Array is Len elements of Elem (Len 0: flexible or unknown).
type Array struct {
	Elem Type
	Len  int
}

func (t *Array) String() string { return fmt.Sprintf("%s[%d]", t.Elem, t.Len) }
func (t *Array) Size() int      { return t.Elem.Size() * t.Len }
func (t *Array) Align() int     { return t.Elem.Align() }

// Field is one member of a C struct or union.
type Field struct {
	Name      string // "" for an anonymous member
	Type      Type
	BitOffset int // from the start of the struct
	BitSize   int // 0 unless a bitfield
}

// Struct is a C struct or union, from BTF or from C definitions. Fields
// are loaded on first use (kernel structs form large graphs).
type Struct struct {
	Name  string
	Union bool
	Bytes int
	// AlignBytes is the alignment; 0 means compute from the fields.
	AlignBytes int
	// Origin says where the definition came from: "btf", "c" (script or
	// imported C), "module:<name>".
	Origin string
	// ID identifies the type in its origin (a BTF type ID), for the
	// compiler's relocations; 0 when not from BTF.
	ID uint32

	mu     sync.Mutex // guards fields and load: snapshots are read concurrently
	fields []Field
	load   func() []Field
}

// NewStruct makes a struct whose fields are produced by load on first
// use (load may be nil when fields are set with SetFields).
func NewStruct(name string, union bool, size int, load func() []Field) *Struct {
	return &Struct{Name: name, Union: union, Bytes: size, load: load}
}

// SetFields fixes the fields of s.
func (t *Struct) SetFields(f []Field) {
	t.mu.Lock()
	t.fields, t.load = f, nil
	t.mu.Unlock()
}

// Fields returns the members, loading them on first use.
func (t *Struct) Fields() []Field {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.load != nil {
		t.fields, t.load = t.load(), nil
	}
	return t.fields
}

// Field finds a member by name, looking through anonymous struct and
// union members as C does; offset is adjusted to the outer struct.
func (t *Struct) Field(name string) (Field, bool) {
	for _, f := range t.Fields() {
		if f.Name == name {
			return f, true
		}
		if f.Name == "" {
			if inner, ok := Underlying(f.Type).(*Struct); ok {
				if g, ok := inner.Field(name); ok {
					g.BitOffset += f.BitOffset
					return g, true
				}
			}
		}
	}
	return Field{}, false
}

func (t *Struct) String() string {
	kw := "struct"
	if t.Union {
		kw = "union"
	}
	if t.Name == "" {
		return kw + " <anonymous>"
	}
	return kw + " " + t.Name
}
func (t *Struct) Size() int { return t.Bytes }
func (t *Struct) Align() int {
	if t.AlignBytes > 0 {
		return t.AlignBytes
	}
	a := 1
	for _, f := range t.Fields() {
		if fa := f.Type.Align(); fa > a {
			a = fa
		}
	}
	return a
}

// Enum is a C enum; values are kept for hover and for printing.
type Enum struct {
	Name   string
	Bytes  int
	Signed bool
	Values []EnumValue
}

// EnumValue is one enumerator.
type EnumValue struct {
	Name  string
	Value int64
}

func (t *Enum) String() string {
	if t.Name == "" {
		return "enum <anonymous>"
	}
	return "enum " + t.Name
}
func (t *Enum) Size() int  { return t.Bytes }
func (t *Enum) Align() int { return t.Bytes }

// Typedef names another type; the checker looks through it with
// Underlying but keeps the name for messages and hover.
type Typedef struct {
	Name string
	Type Type
}

func (t *Typedef) String() string { return t.Name }
func (t *Typedef) Size() int      { return t.Type.Size() }
func (t *Typedef) Align() int     { return t.Type.Align() }

// Underlying strips typedefs.
func Underlying(t Type) Type {
	for {
		td, ok := t.(*Typedef)
		if !ok {
			return t
		}
		t = td.Type
	}
}

// Tuple is an immutable sequence of differently typed values. Its layout
// is C-like: each element at its natural alignment.
type Tuple struct {
	Elems []Type
}

func (t *Tuple) String() string {
	parts := make([]string, len(t.Elems))
	for i, e := range t.Elems {
		parts[i] = e.String()
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Offsets returns each element's byte offset.
func (t *Tuple) Offsets() []int { return layout(t.Elems) }
func (t *Tuple) Size() int      { return layoutSize(t.Elems) }
func (t *Tuple) Align() int     { return layoutAlign(t.Elems) }

// Record is an immutable set of named values `(a = 1, b = "x")`.
type Record struct {
	Names []string
	Elems []Type
}

func (t *Record) String() string {
	parts := make([]string, len(t.Elems))
	for i, e := range t.Elems {
		parts[i] = t.Names[i] + " = " + e.String()
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Index returns the position of a field name, or -1.
func (t *Record) Index(name string) int {
	for i, n := range t.Names {
		if n == name {
			return i
		}
	}
	return -1
}

// Offsets returns each field's byte offset.
func (t *Record) Offsets() []int { return layout(t.Elems) }
func (t *Record) Size() int      { return layoutSize(t.Elems) }
func (t *Record) Align() int     { return layoutAlign(t.Elems) }

func layout(elems []Type) []int {
	offs := make([]int, len(elems))
	off := 0
	for i, e := range elems {
		off = alignUp(off, e.Align())
		offs[i] = off
		off += e.Size()
	}
	return offs
}

func layoutSize(elems []Type) int {
	if len(elems) == 0 {
		return 0
	}
	offs := layout(elems)
	last := offs[len(offs)-1] + elems[len(elems)-1].Size()
	return alignUp(last, layoutAlign(elems))
}

func layoutAlign(elems []Type) int {
	a := 1
	for _, e := range elems {
		if e.Align() > a {
			a = e.Align()
		}
	}
	return a
}

func alignUp(n, a int) int {
	if a <= 1 {
		return n
	}
	return (n + a - 1) / a * a
}

// Opaque is a runtime value with a fixed representation that bpftrace
// prints specially: ksym, usym, username, inet, mac addresses, timestamps,
// cgroup paths, strerror codes, timestamp modes, stack modes.
type Opaque struct {
	Kind  OpaqueKind
	Bytes int
}

// OpaqueKind names an opaque type.
type OpaqueKind uint8

const (
	Ksym OpaqueKind = iota
	Usym
	Username
	Inet
	MacAddr
	Timestamp
	CgroupPath
	Strerror
	TimestampMode
	StackMode
)

var opaqueNames = [...]string{
	Ksym: "ksym", Usym: "usym", Username: "username", Inet: "inet",
	MacAddr: "mac_address", Timestamp: "timestamp", CgroupPath: "cgroup_path",
	Strerror: "strerror", TimestampMode: "timestamp_mode", StackMode: "stack_mode",
}

func (t *Opaque) String() string { return opaqueNames[t.Kind] }
func (t *Opaque) Size() int      { return t.Bytes }
func (t *Opaque) Align() int     { return min(8, max(1, t.Bytes)) }

// Stack is a kernel or user stack trace value (kstack/ustack), captured
// with a mode (bpftrace, perf, raw, ...) and a frame limit.
type Stack struct {
	User   bool
	Mode   string
	Limit  int
	Format string // printing format, e.g. "bpftrace"
}

func (t *Stack) String() string {
	name := "kstack"
	if t.User {
		name = "ustack"
	}
	return fmt.Sprintf("%s(%s, %d)", name, t.Mode, t.Limit)
}

// Size is the stack id plus pid/probe bookkeeping the runtime needs to
// symbolize later: a u64 stack id, and for user stacks pid and probe id.
func (t *Stack) Size() int {
	if t.User {
		return 16
	}
	return 8
}
func (t *Stack) Align() int { return 8 }

// AggKind is a map aggregation function.
type AggKind uint8

const (
	AggCount AggKind = iota
	AggSum
	AggMin
	AggMax
	AggAvg
	AggStats
	AggHist
	AggLhist
	AggTseries
)

var aggNames = [...]string{
	AggCount: "count", AggSum: "sum", AggMin: "min", AggMax: "max", AggAvg: "avg",
	AggStats: "stats", AggHist: "hist", AggLhist: "lhist", AggTseries: "tseries",
}

func (k AggKind) String() string { return aggNames[k] }

// Aggregation is the value type of a map assigned from count(), sum(),
// hist() and friends. Elem is the integer type aggregated (for sum, min,
// max, avg, stats), Args the constant arguments that shape the layout
// (hist bits; lhist min, max, step; tseries interval, num intervals).
type Aggregation struct {
	Kind AggKind
	Elem *Int
	Args []int64
}

func (t *Aggregation) String() string {
	switch t.Kind {
	case AggCount:
		return "count_t"
	case AggSum, AggMin, AggMax, AggAvg, AggStats:
		if t.Elem != nil && !t.Elem.Signed {
			return t.Kind.String() + "_t(unsigned)"
		}
	}
	return t.Kind.String() + "_t"
}

// Size is the per-CPU value size in the BPF map.
func (t *Aggregation) Size() int {
	switch t.Kind {
	case AggAvg, AggStats:
		return 16 // total and count
	case AggMin, AggMax:
		return 16 // value and whether it is set
	case AggHist:
		return 8 // one slot per bucket key; the bucket is part of the key
	case AggLhist, AggTseries:
		return 8
	}
	return 8
}
func (t *Aggregation) Align() int { return 8 }

// Map is a BPF map's type: Key nil for a scalar map `@x`.
type Map struct {
	Key   Type
	Value Type
}

func (t *Map) String() string {
	if t.Key == nil {
		return fmt.Sprintf("map[] %s", t.Value)
	}
	return fmt.Sprintf("map[%s] %s", t.Key, t.Value)
}
func (t *Map) Size() int  { return 8 } // a map is a reference
func (t *Map) Align() int { return 8 }

// Identical reports whether a and b are the same type.
func Identical(a, b Type) bool {
	if a == nil || b == nil {
		return a == b
	}
	switch x := a.(type) {
	case Void:
		_, ok := b.(Void)
		return ok
	case Bool:
		_, ok := b.(Bool)
		return ok
	case *Int:
		y, ok := b.(*Int)
		return ok && *x == *y
	case *String:
		y, ok := b.(*String)
		return ok && x.Len == y.Len
	case *Buffer:
		y, ok := b.(*Buffer)
		return ok && x.Len == y.Len
	case *Pointer:
		y, ok := b.(*Pointer)
		return ok && x.Space == y.Space && Identical(x.Elem, y.Elem)
	case *Array:
		y, ok := b.(*Array)
		return ok && x.Len == y.Len && Identical(x.Elem, y.Elem)
	case *Struct:
		y, ok := b.(*Struct)
		return ok && (x == y || (x.Name != "" && x.Name == y.Name && x.Union == y.Union && x.Bytes == y.Bytes))
	case *Enum:
		y, ok := b.(*Enum)
		return ok && (x == y || (x.Name != "" && x.Name == y.Name))
	case *Typedef:
		y, ok := b.(*Typedef)
		return ok && x.Name == y.Name && Identical(x.Type, y.Type)
	case *Tuple:
		y, ok := b.(*Tuple)
		return ok && identicalList(x.Elems, y.Elems)
	case *Record:
		y, ok := b.(*Record)
		if !ok || len(x.Names) != len(y.Names) {
			return false
		}
		for i := range x.Names {
			if x.Names[i] != y.Names[i] {
				return false
			}
		}
		return identicalList(x.Elems, y.Elems)
	case *Opaque:
		y, ok := b.(*Opaque)
		return ok && x.Kind == y.Kind && x.Bytes == y.Bytes
	case *Stack:
		y, ok := b.(*Stack)
		return ok && *x == *y
	case *Aggregation:
		y, ok := b.(*Aggregation)
		if !ok || x.Kind != y.Kind || len(x.Args) != len(y.Args) {
			return false
		}
		if (x.Elem == nil) != (y.Elem == nil) || (x.Elem != nil && *x.Elem != *y.Elem) {
			return false
		}
		for i := range x.Args {
			if x.Args[i] != y.Args[i] {
				return false
			}
		}
		return true
	case *Map:
		y, ok := b.(*Map)
		return ok && Identical(x.Key, y.Key) && Identical(x.Value, y.Value)
	}
	return false
}

func identicalList(a, b []Type) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !Identical(a[i], b[i]) {
			return false
		}
	}
	return true
}

// IsInteger reports whether t (through typedefs) is an integer or enum.
func IsInteger(t Type) bool {
	switch Underlying(t).(type) {
	case *Int, *Enum:
		return true
	}
	return false
}

// IsPointer reports whether t (through typedefs) is a pointer.
func IsPointer(t Type) bool {
	_, ok := Underlying(t).(*Pointer)
	return ok
}
