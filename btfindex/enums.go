package btfindex

import (
	"fmt"

	"github.com/cilium/ebpf/btf"
)

// Enumerator is one constant of a kernel enum, named or anonymous
// (enum { TCP_ESTABLISHED = 1, ... }).
type Enumerator struct {
	Name   string
	Value  int64
	Module string // "vmlinux" or the module whose BTF defines it

	mod    uint16
	enumID uint32
}

// Enumerator looks an enumerator up by name. When several enums define
// the name, vmlinux's first definition (in BTF order) wins, then the
// modules' in the order the index lists them. It answers from the name
// tables alone, without decoding BTF.
func (ix *Index) Enumerator(name string) (Enumerator, error) {
	if ix.btfErr != nil {
		return Enumerator{}, ix.btfErr
	}
	t := ix.enumTab()
	lo, hi := t.exactRange(name)
	if lo == hi {
		return Enumerator{}, &NotFoundError{What: "enumerator", Name: name}
	}
	// The table is sorted by name, module, then type ID: lo is the first
	// definition.
	return Enumerator{Name: name, Value: t.vals[lo], Module: ix.mods[t.mods[lo]].name,
		mod: t.mods[lo], enumID: t.ids[lo]}, nil
}

// EnumOf decodes the enum e belongs to.
func (ix *Index) EnumOf(e Enumerator) (*btf.Enum, error) {
	t, err := ix.typeByID(e.mod, e.enumID)
	if err != nil {
		return nil, err
	}
	en, ok := t.(*btf.Enum)
	if !ok {
		return nil, fmt.Errorf("BTF type %d is %T, not an enum", e.enumID, t)
	}
	return en, nil
}
