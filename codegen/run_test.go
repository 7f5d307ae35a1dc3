package codegen

import (
	"encoding/binary"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
)

// record is one ring buffer record read back from a program.
type record struct {
	ev      *Event
	payload []byte
}

// harness is a compiled and loaded script.
type harness struct {
	t    *testing.T
	obj  *Object
	coll *ebpf.Collection
	rb   *ringbuf.Reader
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("loading BPF programs needs root")
	}
}

// compileSrc checks and compiles a script, failing the test on any
// error.
func compileSrc(t *testing.T, src string, opts Options) *Object {
	t.Helper()
	p, err := checkSource(t, src)
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	obj, diags := Compile(p, opts)
	if diags.HasErrors() {
		t.Fatalf("compile: %v", diags[0])
	}
	return obj
}

// load compiles and loads src; everything is closed when the test ends.
func load(t *testing.T, src string) *harness {
	t.Helper()
	return loadWith(t, src, Options{})
}

// loadWith is load with compiler options.
func loadWith(t *testing.T, src string, opts Options) *harness {
	t.Helper()
	needRoot(t)
	ensureTracefs(t)
	obj := compileSrc(t, src, opts)
	coll, err := ebpf.NewCollectionWithOptions(obj.Spec, ebpf.CollectionOptions{})
	if err != nil {
		t.Fatalf("load: %v\n%v", LoadDiag(obj, err), err)
	}
	t.Cleanup(coll.Close)
	rb, err := ringbuf.NewReader(coll.Maps[obj.RingBuf])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rb.Close() })
	return &harness{t: t, obj: obj, coll: coll, rb: rb}
}

// runBegin runs every begin program once with BPF_PROG_TEST_RUN and
// returns their results, in order.
func (h *harness) runBegin() []uint32 {
	h.t.Helper()
	var results []uint32
	for _, p := range h.obj.Progs {
		if p.Provider != "begin" {
			continue
		}
		ret, err := h.coll.Programs[p.SpecName].Run(&ebpf.RunOptions{})
		if err != nil {
			h.t.Fatalf("running %s: %v", p.SpecName, err)
		}
		results = append(results, ret)
	}
	return results
}

// checkBeginResults runs every begin program once and checks their
// results against want, in order.
func (h *harness) checkBeginResults(want []uint32) {
	h.t.Helper()
	got := h.runBegin()
	if len(got) != len(want) {
		h.t.Fatalf("%d begin programs ran, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			h.t.Errorf("begin #%d returned %d, want %d", i, got[i], want[i])
		}
	}
}

// records reads the records produced so far.
func (h *harness) records() []record {
	h.t.Helper()
	var out []record
	for {
		h.rb.SetDeadline(time.Now().Add(20 * time.Millisecond))
		r, err := h.rb.Read()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return out
		}
		if err != nil {
			h.t.Fatal(err)
		}
		if len(r.RawSample) < 8 {
			h.t.Fatalf("short record %x", r.RawSample)
		}
		id := binary.LittleEndian.Uint64(r.RawSample)
		if id >= uint64(len(h.obj.Events)) {
			h.t.Fatalf("record with unknown event %d", id)
		}
		out = append(out, record{ev: h.obj.Events[id], payload: r.RawSample[8:]})
	}
}

// mapLayout finds a script map's layout.
func (h *harness) mapLayout(name string) *MapLayout {
	for _, m := range h.obj.Maps {
		if m.Name == name {
			return m
		}
	}
	h.t.Fatalf("no map %s", name)
	return nil
}

// scalarValue reads a scalar map's value bytes (summed per CPU for
// aggregations as uint64 slots).
func (h *harness) lookupRaw(name string, key []byte) ([]byte, bool) {
	h.t.Helper()
	ml := h.mapLayout(name)
	m := h.coll.Maps[ml.SpecName]
	if key == nil {
		key = make([]byte, ml.KeySize)
	}
	if ml.PerCPU {
		var vals [][]byte
		if err := m.Lookup(key, &vals); err != nil {
			if errors.Is(err, ebpf.ErrKeyNotExist) {
				return nil, false
			}
			h.t.Fatal(err)
		}
		// sum 8-byte slots except for min/max whose second slot is a flag
		sum := make([]byte, ml.ValueSize)
		for _, v := range vals {
			for i := 0; i+8 <= len(v); i += 8 {
				s := binary.LittleEndian.Uint64(sum[i:]) + binary.LittleEndian.Uint64(v[i:])
				binary.LittleEndian.PutUint64(sum[i:], s)
			}
		}
		return sum, true
	}
	var v []byte
	if err := m.Lookup(key, &v); err != nil {
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return nil, false
		}
		h.t.Fatal(err)
	}
	return v, true
}

// int64Value reads the first 8 bytes (or fewer) of a map value as a
// signed integer.
func (h *harness) intValue(name string, key []byte) int64 {
	h.t.Helper()
	v, ok := h.lookupRaw(name, key)
	if !ok {
		h.t.Fatalf("%s%x: no element", name, key)
	}
	return leInt(v)
}

func leInt(v []byte) int64 {
	switch {
	case len(v) >= 8:
		return int64(binary.LittleEndian.Uint64(v))
	case len(v) >= 4:
		return int64(int32(binary.LittleEndian.Uint32(v)))
	case len(v) >= 2:
		return int64(int16(binary.LittleEndian.Uint16(v)))
	case len(v) == 1:
		return int64(int8(v[0]))
	}
	return 0
}

// cstr is the NUL-terminated string at the start of b.
func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// ensureTracefs mounts tracefs when it is not mounted (tracepoint
// formats and attachment need it).
func ensureTracefs(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/sys/kernel/tracing/events"); err == nil {
		return
	}
	if err := syscall.Mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, ""); err != nil {
		t.Skipf("tracefs is not mounted and cannot be: %v", err)
	}
}

// attachTracepoint attaches the program for target (category:name).
func (h *harness) attachTracepoint(prog *Prog, group, name string) {
	h.t.Helper()
	l, err := link.Tracepoint(group, name, h.coll.Programs[prog.SpecName], nil)
	if err != nil {
		h.t.Fatalf("attach %s:%s: %v", group, name, err)
	}
	h.t.Cleanup(func() { l.Close() })
}

// waitABit yields for a few milliseconds between bounded retries.
func waitABit() { time.Sleep(5 * time.Millisecond) }
