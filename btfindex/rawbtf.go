package btfindex

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
)

// This file scans raw BTF without inflating it into btf.Type values: the
// index only needs names, kinds and a few counts, and a flat pass over the
// type section is an order of magnitude cheaper than decoding 126k types.
// Types are decoded (by cilium/ebpf) only when a query asks for one.

const btfMagic = 0xeB9F

// BTF kinds, as in the kernel's uapi/linux/btf.h.
const (
	kindInt       = 1
	kindPtr       = 2
	kindArray     = 3
	kindStruct    = 4
	kindUnion     = 5
	kindEnum      = 6
	kindFwd       = 7
	kindTypedef   = 8
	kindVolatile  = 9
	kindConst     = 10
	kindRestrict  = 11
	kindFunc      = 12
	kindFuncProto = 13
	kindVar       = 14
	kindDatasec   = 15
	kindFloat     = 16
	kindDeclTag   = 17
	kindTypeTag   = 18
	kindEnum64    = 19
)

// rawBTF is a parsed BTF header with its string and type sections.
type rawBTF struct {
	bo       binary.ByteOrder
	types    []byte
	strs     []byte
	base     *rawBTF // non-nil for split BTF (a module)
	firstID  uint32  // type ID of the first type in types
	numTypes uint32  // number of types in types (not counting void)
}

// parseRawBTF parses a raw BTF blob; base is the vmlinux BTF for split
// (module) BTF, nil otherwise.
func parseRawBTF(b []byte, base *rawBTF) (*rawBTF, error) {
	if len(b) < 24 {
		return nil, errors.New("BTF too short")
	}
	var bo binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint16(b) == btfMagic:
		bo = binary.LittleEndian
	case binary.BigEndian.Uint16(b) == btfMagic:
		bo = binary.BigEndian
	default:
		return nil, errors.New("not BTF (bad magic)")
	}
	hdrLen := uint64(bo.Uint32(b[4:]))
	typeOff, typeLen := uint64(bo.Uint32(b[8:])), uint64(bo.Uint32(b[12:]))
	strOff, strLen := uint64(bo.Uint32(b[16:])), uint64(bo.Uint32(b[20:]))
	if hdrLen < 24 || hdrLen > uint64(len(b)) {
		return nil, errors.New("BTF header length out of bounds")
	}
	body := b[hdrLen:]
	if typeOff+typeLen > uint64(len(body)) || strOff+strLen > uint64(len(body)) {
		return nil, errors.New("BTF sections out of bounds")
	}
	r := &rawBTF{bo: bo, types: body[typeOff : typeOff+typeLen], strs: body[strOff : strOff+strLen], base: base, firstID: 1}
	if base != nil {
		if base.bo != bo {
			return nil, errors.New("split BTF byte order differs from its base")
		}
		r.firstID = base.firstID + base.numTypes
	}
	return r, nil
}

// str returns the string at off, taking split BTF's shared offsets into
// account. A bad offset gives "".
func (r *rawBTF) str(off uint32) []byte {
	tab := r.strs
	if r.base != nil {
		if n := uint32(len(r.base.strs)); off < n {
			tab = r.base.strs
		} else {
			off -= n
		}
	}
	if off >= uint32(len(tab)) {
		return nil
	}
	s := tab[off:]
	if i := bytes.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return nil
}

// rawType is the fixed part of one BTF type.
type rawType struct {
	id      uint32
	nameOff uint32
	kind    uint8
	vlen    uint16
	kflag   bool
	sizeOrT uint32 // size or referenced type
	extra   []byte // the kind-specific data after the header
}

// walk calls fn for every type in order. It fails on truncated data.
func (r *rawBTF) walk(fn func(t *rawType)) error {
	var t rawType
	bo := r.bo
	id := r.firstID
	for off := 0; off < len(r.types); id++ {
		if off+12 > len(r.types) {
			return fmt.Errorf("BTF type %d: truncated header", id)
		}
		info := bo.Uint32(r.types[off+4:])
		t = rawType{id: id, nameOff: bo.Uint32(r.types[off:]), kind: uint8(info>>24) & 0x1f,
			vlen: uint16(info), kflag: info>>31 == 1, sizeOrT: bo.Uint32(r.types[off+8:])}
		off += 12
		var n int
		vlen := int(t.vlen)
		switch t.kind {
		case kindInt, kindVar, kindDeclTag:
			n = 4
		case kindArray:
			n = 12
		case kindStruct, kindUnion, kindDatasec, kindEnum64:
			n = 12 * vlen
		case kindEnum, kindFuncProto:
			n = 8 * vlen
		case kindPtr, kindFwd, kindTypedef, kindVolatile, kindConst, kindRestrict, kindFunc, kindFloat, kindTypeTag:
			n = 0
		default:
			return fmt.Errorf("BTF type %d: unknown kind %d", id, t.kind)
		}
		if off+n > len(r.types) {
			return fmt.Errorf("BTF type %d: truncated data", id)
		}
		t.extra = r.types[off : off+n]
		off += n
		fn(&t)
	}
	r.numTypes = id - r.firstID
	return nil
}

// btfFromELF returns the contents of the .BTF section of an ELF file, or
// nil and no error when b is not an ELF file.
func btfFromELF(b []byte) ([]byte, bool, error) {
	if len(b) < 4 || string(b[:4]) != elf.ELFMAG {
		return nil, false, nil
	}
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		return nil, true, fmt.Errorf("ELF: %w", err)
	}
	sec := f.Section(".BTF")
	if sec == nil {
		return nil, true, errors.New("ELF file has no .BTF section")
	}
	data, err := sec.Data()
	if err != nil {
		return nil, true, fmt.Errorf("ELF .BTF section: %w", err)
	}
	return data, true, nil
}
