package tracer

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/bt-tools/bt/codegen"
)

// Maps are read as raw bytes (the Output decodes them with the layouts
// of codegen.MapLayout), in batches of mapBatch elements with
// BPF_MAP_LOOKUP_BATCH, or element by element on kernels without it.

const mapBatch = 256

// mapBatchAttr is union bpf_attr for BPF_MAP_*_BATCH.
type mapBatchAttr struct {
	inBatch, outBatch uint64
	keys, values      uint64
	count, mapFD      uint32
	elemFlags, flags  uint64
}

// mapElemAttr is union bpf_attr for BPF_MAP_{LOOKUP,UPDATE,DELETE}_ELEM
// and BPF_MAP_GET_NEXT_KEY (value is next_key for the latter).
type mapElemAttr struct {
	mapFD uint32
	_     uint32
	key   uint64
	value uint64
	flags uint64
}

func bpfCall(cmd uintptr, attr unsafe.Pointer, size uintptr) error {
	_, _, errno := unix.Syscall(unix.SYS_BPF, cmd, uintptr(attr), size)
	if errno != 0 {
		return errno
	}
	return nil
}

// valueStride is the bytes one element's value takes in a lookup: per-CPU
// maps give one 8-aligned value per possible CPU.
func valueStride(m *ebpf.Map) (stride, ncpu int, err error) {
	size := int(m.ValueSize())
	if !perCPU(m.Type()) {
		return size, 1, nil
	}
	ncpu, err = ebpf.PossibleCPU()
	if err != nil {
		return 0, 0, err
	}
	return (size + 7) &^ 7 * ncpu, ncpu, nil
}

func perCPU(t ebpf.MapType) bool {
	switch t {
	case ebpf.PerCPUHash, ebpf.PerCPUArray, ebpf.LRUCPUHash:
		return true
	}
	return false
}

// readMap reads every element of a map.
func readMap(m *ebpf.Map) ([]MapEntry, error) {
	stride, ncpu, err := valueStride(m)
	if err != nil {
		return nil, err
	}
	ksize, vsize := int(m.KeySize()), int(m.ValueSize())
	var entries []MapEntry
	add := func(key, val []byte) {
		e := MapEntry{Key: slices.Clone(key)}
		if ncpu == 1 {
			e.Values = [][]byte{slices.Clone(val[:vsize])}
		} else {
			step := (vsize + 7) &^ 7
			for c := 0; c < ncpu; c++ {
				e.Values = append(e.Values, slices.Clone(val[c*step:c*step+vsize]))
			}
		}
		entries = append(entries, e)
	}
	err = batchLookup(m, ksize, stride, add)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) {
		entries = nil
		err = iterateLookup(m, ksize, stride, add)
	}
	return entries, err
}

// batchLookup reads a map with BPF_MAP_LOOKUP_BATCH.
func batchLookup(m *ebpf.Map, ksize, stride int, add func(key, val []byte)) error {
	keys := make([]byte, mapBatch*ksize)
	vals := make([]byte, mapBatch*stride)
	// The batch cursor is a u32 for hash maps and a key for arrays.
	cursorIn := make([]byte, max(ksize, 4))
	cursorOut := make([]byte, max(ksize, 4))
	first := true
	for {
		attr := mapBatchAttr{
			outBatch: uint64(uintptr(unsafe.Pointer(&cursorOut[0]))),
			keys:     uint64(uintptr(unsafe.Pointer(&keys[0]))),
			values:   uint64(uintptr(unsafe.Pointer(&vals[0]))),
			count:    mapBatch,
			mapFD:    uint32(m.FD()),
		}
		if !first {
			attr.inBatch = uint64(uintptr(unsafe.Pointer(&cursorIn[0])))
		}
		err := bpfCall(unix.BPF_MAP_LOOKUP_BATCH, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
		for i := 0; i < int(attr.count); i++ {
			add(keys[i*ksize:(i+1)*ksize], vals[i*stride:(i+1)*stride])
		}
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		if errors.Is(err, unix.ENOSPC) {
			// A hash bucket holds more than a batch: fall back.
			return unix.EOPNOTSUPP
		}
		if err != nil {
			return err
		}
		copy(cursorIn, cursorOut)
		first = false
	}
}

// iterateLookup reads a map key by key.
func iterateLookup(m *ebpf.Map, ksize, stride int, add func(key, val []byte)) error {
	key := make([]byte, max(ksize, 1))
	next := make([]byte, max(ksize, 1))
	val := make([]byte, max(stride, 1))
	var prev unsafe.Pointer
	for range m.MaxEntries() + 1 {
		attr := mapElemAttr{mapFD: uint32(m.FD()), key: uint64(uintptr(prev)), value: uint64(uintptr(unsafe.Pointer(&next[0])))}
		err := bpfCall(unix.BPF_MAP_GET_NEXT_KEY, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("map %s: next key: %w", m.String(), err)
		}
		copy(key, next)
		prev = unsafe.Pointer(&key[0])
		attr = mapElemAttr{mapFD: uint32(m.FD()), key: uint64(uintptr(prev)), value: uint64(uintptr(unsafe.Pointer(&val[0])))}
		err = bpfCall(unix.BPF_MAP_LOOKUP_ELEM, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
		if errors.Is(err, unix.ENOENT) {
			continue // deleted meanwhile
		}
		if err != nil {
			return fmt.Errorf("map %s: lookup: %w", m.String(), err)
		}
		add(key[:ksize], val[:stride])
	}
	return nil
}

// printMap reads a map and hands it to the Output.
func (s *session) printMap(l *codegen.MapLayout, top, div int) error {
	entries, err := readMap(s.maps[l])
	if err != nil {
		return fmt.Errorf("reading %s: %w", l.Name, err)
	}
	return s.opts.Output.Map(l, entries, top, div)
}

// printAllMaps prints every script map at the end of a run, ordered by
// name as bpftrace does.
func (s *session) printAllMaps() error {
	maps := slices.Clone(s.obj.Maps)
	slices.SortStableFunc(maps, func(a, b *codegen.MapLayout) int {
		return strings.Compare(strings.TrimPrefix(a.Name, "@"), strings.TrimPrefix(b.Name, "@"))
	})
	var errs []error
	for _, l := range maps {
		entries, err := readMap(s.maps[l])
		if err != nil {
			errs = append(errs, fmt.Errorf("reading %s: %w", l.Name, err))
			continue
		}
		errs = append(errs, s.opts.Output.DumpMap(l, entries))
	}
	return errors.Join(errs...)
}

// clearMap empties a map (clear(@m)): hash maps lose their elements,
// arrays, which cannot, are zeroed.
func (s *session) clearMap(l *codegen.MapLayout) error {
	m := s.maps[l]
	if m.Type() == ebpf.Array || m.Type() == ebpf.PerCPUArray {
		return s.zeroMap(l)
	}
	entries, err := readMap(m)
	if err != nil {
		return fmt.Errorf("clearing %s: %w", l.Name, err)
	}
	for _, e := range entries {
		if err := m.Delete(e.Key); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return fmt.Errorf("clearing %s: %w", l.Name, err)
		}
	}
	return nil
}

// zeroMap sets every value of a map to zero, keeping its keys (zero(@m)).
func (s *session) zeroMap(l *codegen.MapLayout) error {
	m := s.maps[l]
	stride, _, err := valueStride(m)
	if err != nil {
		return err
	}
	entries, err := readMap(m)
	if err != nil {
		return fmt.Errorf("zeroing %s: %w", l.Name, err)
	}
	zero := make([]byte, stride)
	for _, e := range entries {
		attr := mapElemAttr{
			mapFD: uint32(m.FD()),
			key:   uint64(uintptr(unsafe.Pointer(&e.Key[0]))),
			value: uint64(uintptr(unsafe.Pointer(&zero[0]))),
			flags: unix.BPF_EXIST,
		}
		err := bpfCall(unix.BPF_MAP_UPDATE_ELEM, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("zeroing %s: %w", l.Name, err)
		}
	}
	return nil
}
