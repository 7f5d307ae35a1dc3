package tracer

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/codegen"
)

// The tests build codegen.Objects by hand with cilium/ebpf/asm: small
// programs that write ring buffer records and count into a map, the
// shapes the compiler produces, so that the runtime is tested without
// the compiler.

// Event IDs of the hand-built objects.
const (
	evBegin = iota
	evFire
	evEnd
	evExit
	evPrintMap
	evClear
	evZero
)

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to load BPF programs")
	}
}

// uniquePrefix names this test's kernel objects so that a leak check
// counts only them (other engineers load BPF on the machine too).
func uniquePrefix(t testing.TB) string {
	var b [3]byte
	rand.Read(b[:])
	return "t" + hex.EncodeToString(b[:]) + "_"
}

// progDef is one hand-built program.
type progDef struct {
	provider string
	targets  []string
	typ      ebpf.ProgramType
	attach   ebpf.AttachType
	body     func(b *objBuilder) asm.Instructions
}

type objBuilder struct {
	prefix string
	pid    int // the test process: firing programs filter on it
}

// Map names in the spec.
func (b *objBuilder) rb() string    { return b.prefix + "rb" }
func (b *objBuilder) lost() string  { return b.prefix + "lost" }
func (b *objBuilder) count() string { return b.prefix + "c" }

// emit writes a record: the event ID and one uint64 from src, counting a
// lost event when the ring buffer is full. Clobbers R1-R5 and R0.
func (b *objBuilder) emit(label string, id int64, src asm.Register) asm.Instructions {
	return asm.Instructions{
		asm.StoreMem(asm.RFP, -8, src, asm.DWord),
		asm.Mov.Imm(asm.R1, int32(id)),
		asm.StoreMem(asm.RFP, -16, asm.R1, asm.DWord),
		asm.LoadMapPtr(asm.R1, 0).WithReference(b.rb()),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -16),
		asm.Mov.Imm(asm.R3, 16),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnRingbufOutput.Call(),
		asm.JEq.Imm(asm.R0, 0, label+"_ok"),
		asm.StoreImm(asm.RFP, -24, 0, asm.Word),
		asm.LoadMapPtr(asm.R1, 0).WithReference(b.lost()),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -24),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, label+"_ok"),
		asm.Mov.Imm(asm.R1, 1),
		asm.StoreXAdd(asm.R0, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol(label + "_ok"),
	}
}

// countKey adds one to the per-CPU count map at the key in R6.
func (b *objBuilder) countKey(label string) asm.Instructions {
	return asm.Instructions{
		asm.StoreMem(asm.RFP, -32, asm.R6, asm.DWord),
		asm.LoadMapPtr(asm.R1, 0).WithReference(b.count()),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -32),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, label+"_new"),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord),
		asm.Add.Imm(asm.R1, 1),
		asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord),
		asm.Ja.Label(label + "_done"),
		asm.Mov.Imm(asm.R1, 1).WithSymbol(label + "_new"),
		asm.StoreMem(asm.RFP, -40, asm.R1, asm.DWord),
		asm.LoadMapPtr(asm.R1, 0).WithReference(b.count()),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -32),
		asm.Mov.Reg(asm.R3, asm.RFP),
		asm.Add.Imm(asm.R3, -40),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnMapUpdateElem.Call(),
		asm.Mov.Imm(asm.R0, 0).WithSymbol(label + "_done"),
	}
}

// onlyMe returns from the program unless the current process is the test.
func (b *objBuilder) onlyMe() asm.Instructions {
	return asm.Instructions{
		asm.FnGetCurrentPidTgid.Call(),
		asm.RSh.Imm(asm.R0, 32),
		asm.JEq.Imm(asm.R0, int32(b.pid), "me"),
		asm.Mov.Imm(asm.R0, 0),
		asm.Return(),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("me"),
	}
}

// Program bodies.

// emitConst writes event id with value v.
func emitConst(id, v int64) func(b *objBuilder) asm.Instructions {
	return func(b *objBuilder) asm.Instructions {
		ins := asm.Instructions{asm.Mov.Imm(asm.R6, int32(v))}
		ins = append(ins, b.emit("e", id, asm.R6)...)
		return append(ins, asm.Mov.Imm(asm.R0, 0), asm.Return())
	}
}

// fireBody, for the test process only, counts the attach cookie in the
// count map and writes evFire with the cookie.
func fireBody(b *objBuilder) asm.Instructions {
	ins := asm.Instructions{asm.Mov.Reg(asm.R9, asm.R1)}
	ins = append(ins, b.onlyMe()...)
	ins = append(ins, asm.Mov.Reg(asm.R1, asm.R9), asm.FnGetAttachCookie.Call())
	ins = append(ins, asm.Mov.Reg(asm.R6, asm.R0))
	ins = append(ins, b.countKey("c")...)
	ins = append(ins, b.emit("e", evFire, asm.R6)...)
	return append(ins, asm.Mov.Imm(asm.R0, 0), asm.Return())
}

// fireAnyBody is fireBody for every process (perf events of timers and
// counters fire in whatever runs).
func fireAnyBody(b *objBuilder) asm.Instructions {
	ins := asm.Instructions{asm.FnGetAttachCookie.Call(), asm.Mov.Reg(asm.R6, asm.R0)}
	ins = append(ins, b.countKey("c")...)
	ins = append(ins, b.emit("e", evFire, asm.R6)...)
	return append(ins, asm.Mov.Imm(asm.R0, 0), asm.Return())
}

// exitBody, for the test process only, writes exit(code).
func exitBody(code int64) func(b *objBuilder) asm.Instructions {
	return func(b *objBuilder) asm.Instructions {
		ins := b.onlyMe()
		ins = append(ins, asm.Mov.Imm(asm.R6, int32(code)))
		ins = append(ins, b.emit("e", evExit, asm.R6)...)
		return append(ins, asm.Mov.Imm(asm.R0, 0), asm.Return())
	}
}

// floodBody, for the test process only, writes 400 records at once, more
// than a one-page ring buffer holds.
func floodBody(b *objBuilder) asm.Instructions {
	ins := b.onlyMe()
	ins = append(ins, asm.Mov.Imm(asm.R7, 0))
	ins = append(ins, asm.Mov.Reg(asm.R6, asm.R7).WithSymbol("loop"))
	ins = append(ins, b.emit("e", evFire, asm.R6)...)
	ins = append(ins, asm.Add.Imm(asm.R7, 1), asm.JLT.Imm(asm.R7, 400, "loop"))
	return append(ins, asm.Mov.Imm(asm.R0, 0), asm.Return())
}

var u64Tuple = &types.Tuple{Elems: []types.Type{types.Uint64}}
var i64Tuple = &types.Tuple{Elems: []types.Type{types.Int64}}

// newObject builds an Object of the given programs, with a ring buffer
// of rbSize bytes, the Lost counter and the per-CPU count map @c.
func newObject(t testing.TB, prefix string, rbSize uint32, defs ...progDef) *codegen.Object {
	t.Helper()
	b := &objBuilder{prefix: prefix, pid: os.Getpid()}
	spec := &ebpf.CollectionSpec{
		Maps: map[string]*ebpf.MapSpec{
			b.rb():    {Name: b.rb(), Type: ebpf.RingBuf, MaxEntries: rbSize},
			b.lost():  {Name: b.lost(), Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: 1},
			b.count(): {Name: b.count(), Type: ebpf.PerCPUHash, KeySize: 8, ValueSize: 8, MaxEntries: 1024},
		},
		Programs: map[string]*ebpf.ProgramSpec{},
	}
	count := &codegen.MapLayout{Name: "@c", SpecName: b.count(), Key: types.Uint64, Value: types.Uint64, PerCPU: true, KeySize: 8, ValueSize: 8}
	obj := &codegen.Object{
		Spec:    spec,
		Maps:    []*codegen.MapLayout{count},
		RingBuf: b.rb(),
		Lost:    b.lost(),
		Events: []*codegen.Event{
			{ID: evBegin, Kind: codegen.EvPrintf, Format: "begin", Args: u64Tuple},
			{ID: evFire, Kind: codegen.EvPrintf, Format: "fire", Args: u64Tuple},
			{ID: evEnd, Kind: codegen.EvPrintf, Format: "end", Args: u64Tuple},
			{ID: evExit, Kind: codegen.EvExit, Args: i64Tuple},
			{ID: evPrintMap, Kind: codegen.EvPrintMap, Map: count, Args: &types.Tuple{}},
			{ID: evClear, Kind: codegen.EvClear, Map: count, Args: &types.Tuple{}},
			{ID: evZero, Kind: codegen.EvZero, Map: count, Args: &types.Tuple{}},
		},
	}
	for i, d := range defs {
		name := fmt.Sprintf("%sp%d", prefix, i)
		ins := d.body(b)
		ins[0] = ins[0].WithSymbol(name)
		spec.Programs[name] = &ebpf.ProgramSpec{
			Name: name, Type: d.typ, AttachType: d.attach, License: "GPL", Instructions: ins,
		}
		p := &codegen.Prog{SpecName: name, Provider: d.provider}
		for _, tg := range d.targets {
			p.Targets = append(p.Targets, codegen.Target{Name: tg, Cookie: uint64(len(obj.ProbeNames))})
			obj.ProbeNames = append(obj.ProbeNames, tg)
		}
		obj.Progs = append(obj.Progs, p)
	}
	return obj
}

func beginDef() progDef {
	return progDef{provider: "begin", targets: []string{"begin"}, typ: ebpf.RawTracepoint, body: emitConst(evBegin, 0)}
}

func endDef() progDef {
	return progDef{provider: "end", targets: []string{"end"}, typ: ebpf.RawTracepoint, body: emitConst(evEnd, 0)}
}

func tracepointDef(body func(*objBuilder) asm.Instructions, targets ...string) progDef {
	return progDef{provider: "tracepoint", targets: targets, typ: ebpf.TracePoint, body: body}
}

// fakeOutput records what the runtime hands to the output, one line per
// call, and signals when probes are attached.
type fakeOutput struct {
	mu       sync.Mutex
	lines    []string
	fires    map[uint64]int
	attached chan int
	maps     map[string][]MapEntry // the last print of each map
	prints   [][]MapEntry          // every print, in order
}

func newFakeOutput() *fakeOutput {
	return &fakeOutput{fires: map[uint64]int{}, attached: make(chan int, 1), maps: map[string][]MapEntry{}}
}

func (f *fakeOutput) Event(ev *codegen.Event, payload []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := le.Uint64(payload)
	if ev.ID == evFire {
		f.fires[v]++
		if f.fires[v] > 1 {
			return nil // one line per cookie keeps the log short
		}
	}
	f.lines = append(f.lines, fmt.Sprintf("%s %d", ev.Format, v))
	return nil
}

func (f *fakeOutput) Map(m *codegen.MapLayout, entries []MapEntry, top, div int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines = append(f.lines, fmt.Sprintf("map %s %d", m.Name, len(entries)))
	f.maps[m.Name] = entries
	f.prints = append(f.prints, entries)
	return nil
}

func (f *fakeOutput) DumpMap(m *codegen.MapLayout, entries []MapEntry) error {
	return f.Map(m, entries, 0, 0)
}

func (f *fakeOutput) TotalLost(n uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n > 0 {
		f.lines = append(f.lines, fmt.Sprintf("total lost %d", n))
	}
	return nil
}

func (f *fakeOutput) End() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines = append(f.lines, "end of run")
	return nil
}

func (f *fakeOutput) FormatCommand(ev *codegen.Event, payload []byte) (string, error) {
	return ev.Format, nil
}

func (f *fakeOutput) SystemOutput(out string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines = append(f.lines, "system "+out)
	return nil
}

func (f *fakeOutput) BenchResult(names []string, i int, average time.Duration, iters uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines = append(f.lines, fmt.Sprintf("bench %s %d", names[i], iters))
	return nil
}

func (f *fakeOutput) TestResult(names []string, i int, duration time.Duration, passed []bool, output string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines = append(f.lines, fmt.Sprintf("test %s %v %q", names[i], passed[i], output))
	return nil
}

func (f *fakeOutput) AttachedProbes(n int) error {
	f.mu.Lock()
	f.lines = append(f.lines, fmt.Sprintf("attached %d", n))
	f.mu.Unlock()
	f.attached <- n
	return nil
}

func (f *fakeOutput) Lost(n uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines = append(f.lines, fmt.Sprintf("lost %d", n))
	return nil
}

func (f *fakeOutput) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lines...)
}

func (f *fakeOutput) fired(cookie uint64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fires[cookie]
}

// waitFor calls trigger and then checks cond, up to about two seconds.
func waitFor(t testing.TB, what string, trigger func(), cond func() bool) {
	t.Helper()
	for i := 0; i < 200; i++ {
		trigger()
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// objectCounts counts the kernel programs and maps whose names start
// with prefix, and this process's BPF and perf event descriptors.
func objectCounts(t testing.TB, prefix string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	var pid ebpf.ProgramID
	for {
		next, err := ebpf.ProgramGetNextID(pid)
		if err != nil {
			break
		}
		pid = next
		p, err := ebpf.NewProgramFromID(next)
		if err != nil {
			continue
		}
		if info, err := p.Info(); err == nil && strings.HasPrefix(info.Name, prefix[:min(len(prefix), 15)]) {
			counts["prog"]++
		}
		p.Close()
	}
	var mid ebpf.MapID
	for {
		next, err := ebpf.MapGetNextID(mid)
		if err != nil {
			break
		}
		mid = next
		m, err := ebpf.NewMapFromID(next)
		if err != nil {
			continue
		}
		if info, err := m.Info(); err == nil && strings.HasPrefix(info.Name, prefix[:min(len(prefix), 15)]) {
			counts["map"]++
		}
		m.Close()
	}
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err != nil {
			continue
		}
		for _, kind := range []string{"bpf-prog", "bpf-map", "bpf_link", "bpf-link", "perf_event", "bpf-ringbuf"} {
			if strings.Contains(target, kind) {
				counts["fd "+kind]++
			}
		}
	}
	return counts
}

// checkNoLeak fails when objects counted by objectCounts remain beyond
// those of before. The kernel frees a program's maps after an RCU grace
// period, so kernel-side counts get a bounded while to drop.
func checkNoLeak(t testing.TB, prefix string, before map[string]int) {
	t.Helper()
	var after map[string]int
	for i := 0; i < 100; i++ {
		after = objectCounts(t, prefix)
		if after["prog"] <= before["prog"] && after["map"] <= before["map"] {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for k, n := range after {
		if n > before[k] {
			t.Errorf("leaked %d %s (before %d, after %d)", n-before[k], k, before[k], n)
		}
	}
}

// sumValues adds up an entry's per-CPU uint64 values.
func sumValues(e MapEntry) uint64 {
	var sum uint64
	for _, v := range e.Values {
		sum += le.Uint64(v)
	}
	return sum
}
