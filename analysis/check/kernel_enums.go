package check

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"

	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/types"
)

// enumerator is one kernel enum constant.
type enumerator struct {
	value int64
	typ   types.Type // the enum; named ones are Identical to Type("enum x")
}

// enumerators maps every enumerator of the kernel's BTF (vmlinux, then
// the running kernel's modules) to its value and enum. It is read by a
// flat pass over the raw BTF, which is much cheaper than decoding every
// type, and falls back to decoding when the raw BTF cannot be read.
func (k *kernel) enumerators() map[string]enumerator {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.enums != nil {
		return k.enums
	}
	k.enums = map[string]enumerator{}
	if k.idx.BTFError() != nil {
		return k.enums
	}
	base, err := readRawBTF(k.btfPath)
	if err == nil {
		err = scanEnums(base, nil, k.enums)
	}
	if err != nil {
		k.enums = map[string]enumerator{}
		k.decodedEnums()
		return k.enums
	}
	if k.running {
		dir := filepath.Dir(k.btfPath)
		for _, m := range k.idx.Modules() {
			if m == "vmlinux" {
				continue
			}
			if raw, err := os.ReadFile(filepath.Join(dir, m)); err == nil {
				scanEnums(raw, base, k.enums)
			}
		}
	}
	return k.enums
}

// decodedEnums fills k.enums from the decoded spec (k.mu held).
func (k *kernel) decodedEnums() {
	spec, err := k.idx.Spec("")
	if err != nil {
		return
	}
	for t, err := range spec.All() {
		if err != nil {
			break
		}
		if e, ok := t.(*btf.Enum); ok {
			te := enumType(e.Name, int(e.Size), e.Signed)
			for _, v := range e.Values {
				te.Values = append(te.Values, types.EnumValue{Name: v.Name, Value: int64(v.Value)})
			}
			for _, v := range e.Values {
				if _, dup := k.enums[v.Name]; !dup {
					k.enums[v.Name] = enumerator{value: int64(v.Value), typ: te}
				}
			}
		}
	}
}

func enumType(name string, size int, signed bool) *types.Enum {
	return &types.Enum{Name: name, Bytes: size, Signed: signed}
}

// readRawBTF reads raw BTF, from the .BTF section of an ELF file too.
func readRawBTF(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) >= 4 && string(b[:4]) == elf.ELFMAG {
		f, err := elf.NewFile(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		sec := f.Section(".BTF")
		if sec == nil {
			return nil, errors.New("no .BTF section")
		}
		return sec.Data()
	}
	return b, nil
}

var errBadBTF = errors.New("malformed BTF")

// btfSections splits raw BTF into its byte order, type and string
// sections.
func btfSections(b []byte) (binary.ByteOrder, []byte, []byte, error) {
	if len(b) < 24 {
		return nil, nil, nil, errBadBTF
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if binary.LittleEndian.Uint16(b) != 0xeB9F {
		if binary.BigEndian.Uint16(b) != 0xeB9F {
			return nil, nil, nil, errBadBTF
		}
		bo = binary.BigEndian
	}
	hdr := bo.Uint32(b[4:])
	tOff, tLen := bo.Uint32(b[8:]), bo.Uint32(b[12:])
	sOff, sLen := bo.Uint32(b[16:]), bo.Uint32(b[20:])
	if uint64(hdr)+uint64(tOff)+uint64(tLen) > uint64(len(b)) || uint64(hdr)+uint64(sOff)+uint64(sLen) > uint64(len(b)) {
		return nil, nil, nil, errBadBTF
	}
	return bo, b[hdr+tOff : hdr+tOff+tLen], b[hdr+sOff : hdr+sOff+sLen], nil
}

// BTF kinds with trailing data (uapi/linux/btf.h).
const (
	btfKindInt       = 1
	btfKindArray     = 3
	btfKindStruct    = 4
	btfKindUnion     = 5
	btfKindEnum      = 6
	btfKindFuncProto = 13
	btfKindVar       = 14
	btfKindDatasec   = 15
	btfKindDeclTag   = 17
	btfKindEnum64    = 19
)

// scanEnums adds the enumerators of raw BTF b (split BTF over base when
// base is not nil) to out; the first definition of a name wins.
func scanEnums(b, base []byte, out map[string]enumerator) error {
	bo, typesSec, strs, err := btfSections(b)
	if err != nil {
		return err
	}
	baseStrLen := 0
	var baseStrs []byte
	if base != nil {
		_, _, baseStrs, err = btfSections(base)
		if err != nil {
			return err
		}
		baseStrLen = len(baseStrs)
	}
	str := func(off uint32) string {
		s := strs
		if base != nil {
			if int(off) < baseStrLen {
				s = baseStrs
			} else {
				off -= uint32(baseStrLen)
			}
		}
		if int(off) >= len(s) {
			return ""
		}
		end := bytes.IndexByte(s[off:], 0)
		if end < 0 {
			return ""
		}
		return string(s[off : int(off)+end])
	}
	for p := 0; p+12 <= len(typesSec); {
		nameOff, info, size := bo.Uint32(typesSec[p:]), bo.Uint32(typesSec[p+4:]), bo.Uint32(typesSec[p+8:])
		kind, vlen, kflag := (info>>24)&0x1f, int(info&0xffff), info>>31 == 1
		p += 12
		var extra int
		switch kind {
		case btfKindInt, btfKindVar, btfKindDeclTag:
			extra = 4
		case btfKindArray:
			extra = 12
		case btfKindStruct, btfKindUnion, btfKindDatasec:
			extra = 12 * vlen
		case btfKindEnum, btfKindFuncProto:
			extra = 8 * vlen
		case btfKindEnum64:
			extra = 12 * vlen
		}
		if p+extra > len(typesSec) {
			return errBadBTF
		}
		if kind == btfKindEnum || kind == btfKindEnum64 {
			te := enumType(str(nameOff), int(size), kflag)
			step := 8
			if kind == btfKindEnum64 {
				step = 12
			}
			for i := 0; i < vlen; i++ {
				e := typesSec[p+i*step:]
				var v int64
				if kind == btfKindEnum {
					if kflag {
						v = int64(int32(bo.Uint32(e[4:])))
					} else {
						v = int64(bo.Uint32(e[4:]))
					}
				} else {
					v = int64(uint64(bo.Uint32(e[8:]))<<32 | uint64(bo.Uint32(e[4:])))
				}
				te.Values = append(te.Values, types.EnumValue{Name: str(bo.Uint32(e)), Value: v})
			}
			for _, ev := range te.Values {
				if _, dup := out[ev.Name]; !dup && ev.Name != "" {
					out[ev.Name] = enumerator{value: ev.Value, typ: te}
				}
			}
		}
		p += extra
	}
	return nil
}
