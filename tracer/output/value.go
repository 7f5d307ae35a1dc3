package output

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"strings"
	"syscall"
	"time"

	"github.com/bt-tools/bt/analysis/types"
)

// kind is what a decoded value is. The set mirrors what bpftrace's
// printers distinguish: numbers keep their signedness (it decides
// ordering, JSON and printf conversions), symbolic values keep both a
// name (text) and a number (JSON, integer conversions).
type kind uint8

const (
	kNone     kind = iota // nothing (void): "null" in both formats
	kBool                 // b
	kInt                  // i, signed
	kUint                 // u
	kString               // s
	kBuffer               // bytes, from buf()
	kArray                // elems
	kTuple                // elems
	kRecord               // names and elems: records and C structs
	kSymbolic             // s printed as text, u as the number
	kDuration             // u nanoseconds
	kTime                 // t, a wall-clock instant
)

// value is one decoded value: the tree the text and JSON writers both
// render, so the two never disagree on what a value is.
type value struct {
	kind  kind
	b     bool
	i     int64
	u     uint64
	s     string
	bytes []byte
	elems []value
	names []string
	t     time.Time
}

func intVal(i int64) value                  { return value{kind: kInt, i: i} }
func uintVal(u uint64) value                { return value{kind: kUint, u: u} }
func strVal(s string) value                 { return value{kind: kString, s: s} }
func symVal(name string, n uint64) value    { return value{kind: kSymbolic, s: name, u: n} }
func tupleVal(elems ...value) value         { return value{kind: kTuple, elems: elems} }
func recordVal(n []string, e []value) value { return value{kind: kRecord, names: n, elems: e} }

// number returns the value as an integer for integer conversions and
// comparisons: ok is false for values that have no number.
func (v value) number() (u uint64, signed bool, ok bool) {
	switch v.kind {
	case kInt:
		return uint64(v.i), true, true
	case kUint, kSymbolic, kDuration:
		return v.u, false, true
	case kBool:
		if v.b {
			return 1, false, true
		}
		return 0, false, true
	}
	return 0, false, false
}

// compare orders two values as bpftrace's primitives order: integers by
// value (signed and unsigned compared as numbers), strings and buffers
// bytewise, tuples and arrays elementwise. Values of different kinds
// order by kind.
func compare(a, b value) int {
	if an, as, ok := a.number(); ok && a.kind != kSymbolic {
		if bn, bs, ok := b.number(); ok && b.kind != kSymbolic {
			return compareNumbers(an, as, bn, bs)
		}
	}
	if a.kind != b.kind {
		return int(a.kind) - int(b.kind)
	}
	switch a.kind {
	case kString:
		return strings.Compare(a.s, b.s)
	case kSymbolic:
		if c := strings.Compare(a.s, b.s); c != 0 {
			return c
		}
		return cmpU(a.u, b.u)
	case kBuffer:
		return strings.Compare(string(a.bytes), string(b.bytes))
	case kArray, kTuple, kRecord:
		for i := 0; i < len(a.elems) && i < len(b.elems); i++ {
			if c := compare(a.elems[i], b.elems[i]); c != 0 {
				return c
			}
		}
		return len(a.elems) - len(b.elems)
	case kTime:
		return a.t.Compare(b.t)
	}
	return 0
}

func compareNumbers(a uint64, as bool, b uint64, bs bool) int {
	ai, bi := int64(a), int64(b)
	switch {
	case as && bs:
		return cmpI(ai, bi)
	case as && ai < 0:
		return -1
	case bs && bi < 0:
		return 1
	}
	return cmpU(a, b)
}

func cmpI(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// decodeError is a value whose bytes do not fit its type.
type decodeError struct {
	typ  types.Type
	need int
	have int
}

func (e *decodeError) Error() string {
	return fmt.Sprintf("output: %s needs %d bytes, record has %d", e.typ, e.need, e.have)
}

// decoder turns (type, bytes) into values. It holds what decoding needs
// from outside the bytes: symbols, stacks, user names, constant strings.
type decoder struct {
	w *Writer
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// readUint reads an unsigned little-endian integer of n bytes.
func readUint(b []byte, n int) uint64 {
	switch n {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	}
	return binary.LittleEndian.Uint64(b)
}

// signExtend widens the low bits of u as a signed integer.
func signExtend(u uint64, bits int) int64 {
	if bits >= 64 {
		return int64(u)
	}
	shift := 64 - bits
	return int64(u<<shift) >> shift
}

// decode turns b, laid out as t, into a value.
func (d *decoder) decode(t types.Type, b []byte) (value, error) {
	if t == nil {
		return value{}, nil
	}
	if need := t.Size(); len(b) < need {
		return value{}, &decodeError{t, need, len(b)}
	}
	switch t := t.(type) {
	case *types.Typedef:
		return d.decode(t.Type, b)
	case types.Void:
		return value{}, nil
	case types.Bool:
		return value{kind: kBool, b: b[0] != 0}, nil
	case *types.Int:
		return intValue(t, readUint(b, t.Size())), nil
	case *types.Enum:
		return enumValue(t, readUint(b, t.Size())), nil
	case *types.Pointer:
		n := le64(b)
		return symVal(fmt.Sprintf("0x%x", n), n), nil
	case *types.String:
		if t.CharArray {
			return strVal(cArrayString(b[:t.Len])), nil
		}
		return strVal(d.cString(b[:t.Len])), nil
	case *types.Buffer:
		n := int(binary.LittleEndian.Uint32(b))
		n = min(n, t.Len)
		return value{kind: kBuffer, bytes: append([]byte(nil), b[4:4+n]...)}, nil
	case *types.Array:
		elems := make([]value, t.Len)
		sz := t.Elem.Size()
		for i := range elems {
			v, err := d.decode(t.Elem, b[i*sz:])
			if err != nil {
				return value{}, err
			}
			elems[i] = v
		}
		return value{kind: kArray, elems: elems}, nil
	case *types.Tuple:
		elems, err := d.decodeList(t.Elems, t.Offsets(), b)
		return value{kind: kTuple, elems: elems}, err
	case *types.Record:
		elems, err := d.decodeList(t.Elems, t.Offsets(), b)
		return recordVal(t.Names, elems), err
	case *types.Struct:
		return d.decodeStruct(t, b)
	case *types.Opaque:
		return d.decodeOpaque(t, b)
	case *types.Stack:
		return strVal(d.w.stackString(t, b)), nil
	case *types.Aggregation:
		// A single aggregation value read as one CPU's element.
		return aggregate(t, [][]byte{b}, 1)
	}
	if rt := reflect.TypeOf(t); rt.PkgPath() != typesPkg && (rt.Kind() != reflect.Pointer || rt.Elem().PkgPath() != typesPkg) {
		// A C type no bpftrace value has (floating point, functions,
		// from script C) prints as null, bpftrace's none type.
		return value{kind: kNone}, nil
	}
	return value{}, fmt.Errorf("output: cannot print a value of type %s", t)
}

// typesPkg is the package of the value types the decoder knows.
var typesPkg = reflect.TypeOf(types.Int{}).PkgPath()

func (d *decoder) decodeList(elems []types.Type, offs []int, b []byte) ([]value, error) {
	out := make([]value, len(elems))
	for i, e := range elems {
		v, err := d.decode(e, b[offs[i]:])
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// decodeStruct prints a C struct or union as a record of its named
// fields; bitfields are extracted and sign-extended as C reads them.
// Anonymous members print under an empty name, as bpftrace does.
func (d *decoder) decodeStruct(t *types.Struct, b []byte) (value, error) {
	fields := t.Fields()
	names := make([]string, 0, len(fields))
	elems := make([]value, 0, len(fields))
	for _, f := range fields {
		off := f.BitOffset / 8
		var v value
		if f.BitSize > 0 {
			u, ok := bitfield(b, f.BitOffset, f.BitSize)
			if !ok {
				return value{}, &decodeError{t, (f.BitOffset + f.BitSize + 7) / 8, len(b)}
			}
			switch ft := types.Underlying(f.Type).(type) {
			case *types.Enum:
				v = enumValue(ft, u)
			case *types.Int:
				if ft.Signed {
					v = intVal(signExtend(u, f.BitSize))
				} else {
					v = uintVal(u)
				}
			case types.Bool:
				v = value{kind: kBool, b: u != 0}
			default:
				v = uintVal(u)
			}
		} else {
			if off > len(b) {
				return value{}, &decodeError{t, off + f.Type.Size(), len(b)}
			}
			var err error
			if v, err = d.decode(f.Type, b[off:]); err != nil {
				return value{}, err
			}
		}
		names = append(names, f.Name)
		elems = append(elems, v)
	}
	return recordVal(names, elems), nil
}

// bitfield reads size bits starting at bit off (little-endian bit order).
func bitfield(b []byte, off, size int) (uint64, bool) {
	if size > 64 || (off+size+7)/8 > len(b) {
		return 0, false
	}
	var u uint64
	for i := 0; i < size; i++ {
		bit := off + i
		if b[bit/8]&(1<<(bit%8)) != 0 {
			u |= 1 << i
		}
	}
	return u, true
}

func intValue(t *types.Int, u uint64) value {
	if t.Signed {
		return intVal(signExtend(u, t.Bits))
	}
	return uintVal(u)
}

// enumValue prints an enumerator by name, or its number when no
// enumerator has the value.
func enumValue(t *types.Enum, u uint64) value {
	m := mask(t.Bytes)
	for _, ev := range t.Values {
		if uint64(ev.Value)&m == u&m {
			return symVal(ev.Name, u)
		}
	}
	return symVal(fmt.Sprint(u), u)
}

func mask(bytes int) uint64 {
	if bytes >= 8 {
		return math.MaxUint64
	}
	return 1<<(8*bytes) - 1
}

// cArrayString reads a C char array: up to its first NUL, else all of it.
func cArrayString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

// cString reads a NUL-terminated string; one that fills its whole
// buffer was cut short and gets the truncation trailer.
func (d *decoder) cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b) + d.w.truncTrailer
}

// Opaque layouts (little-endian):
//
//	ksym:        u64 address
//	usym:        u64 address, i32 pid, i32 probe index
//	username:    u64 uid
//	inet:        u64 address family, then 16 address bytes
//	mac_address: 6 bytes
//	timestamp:   u64 format index (Object.Strings), u64 boot-clock nsecs
//	cgroup_path: u64 cgroup id, u64 filter index in Object.Strings + 1 (0: none)
//	strerror:    an errno integer of Bytes bytes
func (d *decoder) decodeOpaque(t *types.Opaque, b []byte) (value, error) {
	if need := opaqueSizes[t.Kind]; len(b) < need {
		return value{}, &decodeError{t, need, len(b)}
	}
	r := d.w.res
	switch t.Kind {
	case types.Ksym:
		addr := le64(b)
		if name, _, ok := r.KernelSymbol(addr); ok {
			return strVal(name), nil
		}
		return strVal(pointerString(addr)), nil
	case types.Usym:
		addr := le64(b)
		pid := binary.LittleEndian.Uint32(b[8:])
		if name, _, ok := r.UserSymbol(pid, addr); ok {
			return strVal(name), nil
		}
		return strVal(pointerString(addr)), nil
	case types.Username:
		return strVal(r.UserName(uint32(le64(b)))), nil
	case types.Inet:
		return strVal(inetString(b)), nil
	case types.MacAddr:
		return strVal(macString(b)), nil
	case types.Timestamp:
		idx, nsecs := le64(b), le64(b[8:])
		format := "%H:%M:%S"
		if idx < uint64(len(d.w.strings)) {
			format = d.w.strings[idx]
		}
		return strVal(d.w.formatTimestamp(nsecs, format)), nil
	case types.CgroupPath:
		filter := ""
		if i := le64(b[8:]); i > 0 && i <= uint64(len(d.w.strings)) {
			filter = d.w.strings[i-1]
		}
		return strVal(r.CgroupPath(le64(b), filter)), nil
	case types.Strerror:
		n := signExtend(readUint(b, min(8, t.Bytes)), 8*min(8, t.Bytes))
		return strVal(strerror(n)), nil
	case types.TimestampMode, types.StackMode:
		return uintVal(readUint(b, min(8, t.Bytes))), nil
	}
	return value{}, fmt.Errorf("output: cannot print a value of type %s", t)
}

// opaqueSizes are the bytes each opaque layout reads.
var opaqueSizes = map[types.OpaqueKind]int{
	types.Ksym: 8, types.Usym: 12, types.Username: 8, types.Inet: 24, types.MacAddr: 6,
	types.Timestamp: 16, types.CgroupPath: 16, types.Strerror: 1, types.TimestampMode: 1, types.StackMode: 1,
}

// pointerString prints an address as C++ streams print a void*: hex with
// 0x, and a bare 0 for null.
func pointerString(addr uint64) string {
	if addr == 0 {
		return "0"
	}
	return fmt.Sprintf("0x%x", addr)
}

const (
	afInet  = 2
	afInet6 = 10
)

// inetString prints an address from ntop(): IPv4 dotted, IPv6 in its
// shortest form; any other family prints empty.
func inetString(b []byte) string {
	switch le64(b) {
	case afInet:
		return netip.AddrFrom4([4]byte(b[8:12])).String()
	case afInet6:
		a := netip.AddrFrom16([16]byte(b[8:24]))
		if a.Is4In6() {
			// inet_ntop writes ::ffff:a.b.c.d, as netip does.
			return a.String()
		}
		return a.String()
	}
	return ""
}

// macString prints six bytes as bpftrace does: upper-case hex pairs. The
// bytes are C chars (signed on the machines bpftrace runs on), so a byte
// of 0x80 and up is widened with its sign and the 17-character buffer
// cuts the result.
func macString(b []byte) string {
	var sb strings.Builder
	for i := 0; i < 6; i++ {
		if i > 0 {
			sb.WriteByte(':')
		}
		fmt.Fprintf(&sb, "%02X", uint32(int32(int8(b[i]))))
	}
	s := sb.String()
	if len(s) > 17 {
		s = s[:17]
	}
	return s
}

// strerror is the C library's message for errno n ("Bad address",
// "Success" for 0, "Unknown error N" for a number without one), as
// bpftrace prints helper errors and errno values.
func strerror(n int64) string {
	if n == 0 {
		return "Success"
	}
	if n < 0 || n > 4095 {
		return fmt.Sprintf("Unknown error %d", n)
	}
	s := syscall.Errno(n).Error()
	if strings.HasPrefix(s, "errno ") {
		return fmt.Sprintf("Unknown error %d", n)
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
