package cheader

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// A kernel module's BTF is split BTF: its type IDs and strings continue
// those of vmlinux, and its types refer to vmlinux's. This machine has no
// module BTF, so the test encodes a small split blob by hand on top of a
// base built with btf.Builder.

const (
	kindPtr    = 2
	kindStruct = 4
	kindTydef  = 8
)

type rawBTF struct {
	types, strs bytes.Buffer
	strBase     uint32
}

func (r *rawBTF) str(s string) uint32 {
	off := r.strBase + uint32(r.strs.Len())
	r.strs.WriteString(s)
	r.strs.WriteByte(0)
	return off
}

func (r *rawBTF) u32(vs ...uint32) {
	for _, v := range vs {
		binary.Write(&r.types, binary.LittleEndian, v)
	}
}

func (r *rawBTF) bytes() []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, struct {
		Magic                uint16
		Version, Flags       uint8
		HdrLen               uint32
		TypeOff, TypeLen     uint32
		StringOff, StringLen uint32
	}{0xeB9F, 1, 0, 24, 0, uint32(r.types.Len()), uint32(r.types.Len()), uint32(r.strs.Len())})
	b.Write(r.types.Bytes())
	b.Write(r.strs.Bytes())
	return b.Bytes()
}

func TestModuleSplitBTF(t *testing.T) {
	rec := &btf.Struct{Name: "rec", Size: 8, Members: []btf.Member{member("x", tLong, 0)}}
	other := &btf.Struct{Name: "other", Size: 4, Members: []btf.Member{member("y", tInt, 0)}}
	b, err := btf.NewBuilder([]btf.Type{rec, other}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	base, err := btf.LoadSpecFromReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var nbase uint32
	for range base.All() {
		nbase++
	}
	recT, err := base.AnyTypeByName("rec")
	if err != nil {
		t.Fatal(err)
	}
	recID, _ := base.TypeID(recT)
	otherT, _ := base.AnyTypeByName("other")
	otherID, _ := base.TypeID(otherT)

	longT, err := base.AnyTypeByName("long int")
	if err != nil {
		t.Fatal(err)
	}
	longID, _ := base.TypeID(longT)

	// split types: [nbase] struct mod_rec { struct rec base; struct
	// mod_rec *next; struct other *o; }, [nbase+1] its pointer, [nbase+2]
	// struct rec { long int z; } (the module's own, clashing with
	// vmlinux's), [nbase+3] typedef struct rec mod_rec_t, [nbase+4] a
	// pointer to vmlinux's struct other.
	split := &rawBTF{strBase: binary.LittleEndian.Uint32(raw[20:24])}
	split.strs.WriteByte(0)
	split.u32(split.str("mod_rec"), kindStruct<<24|3, 24)
	split.u32(split.str("base"), uint32(recID), 0)
	split.u32(split.str("next"), nbase+1, 64)
	split.u32(split.str("o"), nbase+4, 128)
	split.u32(0, kindPtr<<24, nbase)
	split.u32(split.str("rec"), kindStruct<<24|1, 8)
	split.u32(split.str("z"), uint32(longID), 0)
	split.u32(split.str("mod_rec_t"), kindTydef<<24, nbase+2)
	split.u32(0, kindPtr<<24, uint32(otherID))

	mod, err := btf.LoadSplitSpecFromReader(bytes.NewReader(split.bytes()), base)
	if err != nil {
		t.Fatal(err)
	}
	var b2 bytes.Buffer
	if err := Write(&b2, base, Options{Modules: []*btf.Spec{mod}}); err != nil {
		t.Fatal(err)
	}
	h, g := generate(t, base, Options{Modules: []*btf.Spec{mod}})
	if !bytes.Equal(h, b2.Bytes()) {
		t.Fatal("Write and generate differ")
	}
	s := string(h)
	for _, want := range []string{
		"struct rec {\n\tlong int x;\n};",
		"struct rec___2 {\n\tlong int z;\n};",
		"struct mod_rec {\n\tstruct rec base;\n\tstruct mod_rec *next;\n\tstruct other *o;\n};",
		"typedef struct rec___2 mod_rec_t;",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in\n%s", want, s)
		}
	}
	if strings.Count(s, "struct rec {") != 1 || strings.Count(s, "struct other {") != 1 {
		t.Errorf("base types defined more than once:\n%s", s)
	}
	if strings.Index(s, "struct other {") > strings.Index(s, "struct mod_rec {") {
		t.Errorf("module types come before base types:\n%s", s)
	}
	checkSmall(t, h, g)
}
