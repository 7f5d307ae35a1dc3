package kernelcheck

import (
	"github.com/bt-tools/bt/analysis/types"
)

// enumerator is one kernel enum constant.
type enumerator struct {
	value int64
	typ   types.Type // the enum; named ones are Identical to Type("enum x")
}

// enumerator resolves a kernel enumerator name (of vmlinux, then the
// modules) through the index's enumerator table, remembering answers,
// found or not, so each name is looked up once.
func (k *kernel) enumerator(name string) (enumerator, bool) {
	k.mu.Lock()
	e, ok := k.enums[name]
	k.mu.Unlock()
	if ok {
		return e, e.typ != nil
	}
	if ie, err := k.idx.Enumerator(name); err == nil {
		if en, err := k.idx.EnumOf(ie); err == nil {
			e = enumerator{value: ie.Value, typ: k.conv.Convert(en)}
		}
	}
	k.mu.Lock()
	k.enums[name] = e
	k.mu.Unlock()
	return e, e.typ != nil
}
