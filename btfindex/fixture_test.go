package btfindex

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// A small kernel, built with cilium's btf.Builder, so that most tests run
// without the host's BTF.

type fixture struct {
	dir      string // a fake /sys/kernel/btf
	kallsyms string // a fake /proc/kallsyms
	tracefs  string // a fake tracefs root
	cache    string
}

func fixtureTypes() []btf.Type {
	intT := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	uintT := &btf.Int{Name: "unsigned int", Size: 4}
	charT := &btf.Int{Name: "char", Size: 1, Encoding: btf.Char}
	ulongT := &btf.Int{Name: "unsigned long", Size: 8}
	longT := &btf.Int{Name: "long", Size: 8, Encoding: btf.Signed}
	boolT := &btf.Int{Name: "_Bool", Size: 1, Encoding: btf.Bool}
	ushortT := &btf.Int{Name: "unsigned short", Size: 2}
	ucharT := &btf.Int{Name: "unsigned char", Size: 1}
	doubleT := &btf.Float{Name: "double", Size: 8}
	void := &btf.Void{}
	voidp := &btf.Pointer{Target: void}
	pidT := &btf.Typedef{Name: "pid_t", Type: intT}
	sizeT := &btf.Typedef{Name: "size_t", Type: ulongT}
	ssizeT := &btf.Typedef{Name: "ssize_t", Type: longT}
	loffT := &btf.Typedef{Name: "loff_t", Type: &btf.Typedef{Name: "__kernel_loff_t", Type: &btf.Int{Name: "long long", Size: 8, Encoding: btf.Signed}}}
	u32 := &btf.Typedef{Name: "u32", Type: uintT}

	file := &btf.Struct{Name: "file", Size: 8, Members: []btf.Member{
		{Name: "f_flags", Type: uintT, Offset: 0},
		{Name: "f_mode", Type: uintT, Offset: 32},
	}}
	anon := &btf.Struct{Size: 8, Members: []btf.Member{
		{Name: "a", Type: intT, Offset: 0},
		{Name: "b", Type: intT, Offset: 32},
	}}
	task := &btf.Struct{Name: "task_struct", Size: 48, Members: []btf.Member{
		{Name: "pid", Type: pidT, Offset: 0},
		{Name: "comm", Type: &btf.Array{Index: intT, Type: charT, Nelems: 16}, Offset: 32},
		{Name: "", Type: anon, Offset: 192},
		{Name: "flags", Type: uintT, Offset: 256, BitfieldSize: 3},
		{Name: "parent", Type: nil, Offset: 320}, // set below: a pointer to task_struct
	}}
	task.Members[4].Type = &btf.Pointer{Target: task}
	state := &btf.Enum{Name: "task_state", Size: 4, Signed: false, Values: []btf.EnumValue{
		{Name: "TASK_RUNNING", Value: 0}, {Name: "TASK_INTERRUPTIBLE", Value: 1},
	}}

	fn := func(name string, ret btf.Type, params ...btf.FuncParam) *btf.Func {
		return &btf.Func{Name: name, Linkage: btf.GlobalFunc, Type: &btf.FuncProto{Return: ret, Params: params}}
	}
	p := func(name string, t btf.Type) btf.FuncParam { return btf.FuncParam{Name: name, Type: t} }
	constCharP := &btf.Pointer{Target: &btf.Const{Type: charT}}

	vfsRead := fn("vfs_read", ssizeT, p("file", &btf.Pointer{Target: file}), p("buf", &btf.Pointer{Target: charT}), p("count", sizeT), p("pos", &btf.Pointer{Target: loffT}))
	vfsWrite := fn("vfs_write", ssizeT, p("file", &btf.Pointer{Target: file}), p("buf", constCharP), p("count", sizeT), p("pos", &btf.Pointer{Target: loffT}))
	inlined := fn("vfs_inlined", void, p("file", &btf.Pointer{Target: file}))
	seven := fn("seven_args", intT, p("a", intT), p("b", intT), p("c", intT), p("d", intT), p("e", intT), p("f", intT), p("g", intT))
	withFloat := fn("scale", doubleT, p("x", doubleT), p("n", intT))
	cb := &btf.Pointer{Target: &btf.FuncProto{Return: intT, Params: []btf.FuncParam{{Type: voidp}}}}
	withCB := fn("run_cb", void, p("cb", cb), p("ctx", voidp))
	varargs := fn("printk", intT, p("fmt", constCharP), p("", void))
	kf := fn("bpf_task_acquire", &btf.Pointer{Target: task}, p("p", &btf.Pointer{Target: task}))
	kf.Tags = []string{"bpf_kfunc"}

	// A tracepoint: its raw tracepoint stub, its btf_trace_ typedef and its
	// trace_event_raw_ record.
	tpProto := &btf.FuncProto{Return: void, Params: []btf.FuncParam{
		p("__data", voidp), p("preempt", boolT), p("prev", &btf.Pointer{Target: task}), p("next", &btf.Pointer{Target: task}),
	}}
	stub := &btf.Func{Name: "__probestub_sched_switch", Linkage: btf.StaticFunc, Type: tpProto}
	traceiter := &btf.Func{Name: "__traceiter_sched_switch", Linkage: btf.GlobalFunc, Type: tpProto}
	btfTrace := &btf.Typedef{Name: "btf_trace_sched_switch", Type: &btf.Pointer{Target: tpProto}}
	wakeProto := &btf.FuncProto{Return: void, Params: []btf.FuncParam{p("__data", voidp), p("p", &btf.Pointer{Target: task})}}
	btfTraceWake := &btf.Typedef{Name: "btf_trace_sched_wakeup", Type: &btf.Pointer{Target: wakeProto}}
	btfTraceKfree := &btf.Typedef{Name: "btf_trace_kfree", Type: &btf.Pointer{Target: wakeProto}}
	oldStub := &btf.Func{Name: "__traceiter_sched_wakeup", Linkage: btf.GlobalFunc, Type: wakeProto}
	entry := &btf.Struct{Name: "trace_entry", Size: 8, Members: []btf.Member{
		{Name: "type", Type: ushortT, Offset: 0},
		{Name: "flags", Type: ucharT, Offset: 16},
		{Name: "preempt_count", Type: ucharT, Offset: 24},
		{Name: "pid", Type: intT, Offset: 32},
	}}
	raw := &btf.Struct{Name: "trace_event_raw_sched_switch", Size: 40, Members: []btf.Member{
		{Name: "ent", Type: entry, Offset: 0},
		{Name: "prev_comm", Type: &btf.Array{Index: intT, Type: charT, Nelems: 16}, Offset: 64},
		{Name: "prev_pid", Type: pidT, Offset: 192},
		{Name: "__data_loc_name", Type: u32, Offset: 224},
		{Name: "prev_state", Type: longT, Offset: 256},
		{Name: "__data", Type: &btf.Array{Index: intT, Type: charT, Nelems: 0}, Offset: 320},
	}}
	// sched_wakeup has no record of its own: its class is
	// sched_wakeup_template (same prototype, longest shared prefix); kfree
	// has the same prototype too but no class sharing a prefix.
	wakeClass := &btf.Func{Name: "__bpf_trace_sched_wakeup_template", Linkage: btf.StaticFunc, Type: wakeProto}
	otherClass := &btf.Func{Name: "__bpf_trace_sched_kthread", Linkage: btf.StaticFunc, Type: wakeProto}
	wakeRaw := &btf.Struct{Name: "trace_event_raw_sched_wakeup_template", Size: 16, Members: []btf.Member{
		{Name: "ent", Type: entry, Offset: 0},
		{Name: "pid", Type: pidT, Offset: 64},
	}}
	otherRaw := &btf.Struct{Name: "trace_event_raw_sched_kthread", Size: 16, Members: []btf.Member{
		{Name: "ent", Type: entry, Offset: 0},
		{Name: "kpid", Type: pidT, Offset: 64},
	}}
	meta := &btf.Struct{Name: "bpf_iter_meta", Size: 8, Members: []btf.Member{{Name: "seq", Type: voidp}}}
	iterCtx := &btf.Struct{Name: "bpf_iter__task", Size: 16, Members: []btf.Member{
		{Name: "meta", Type: &btf.Pointer{Target: meta}}, {Name: "task", Type: &btf.Pointer{Target: task}, Offset: 64},
	}}
	iterFn := fn("bpf_iter_task", intT, p("meta", &btf.Pointer{Target: meta}), p("task", &btf.Pointer{Target: task}))

	return []btf.Type{task, state, vfsRead, vfsWrite, inlined, seven, withFloat, withCB, varargs, kf,
		stub, traceiter, btfTrace, btfTraceWake, btfTraceKfree, oldStub, raw, iterCtx, iterFn, wakeClass, otherClass, wakeRaw, otherRaw, &btf.Typedef{Name: "u64", Type: ulongT}}
}

func marshalBTF(t testing.TB, types []btf.Type) []byte {
	t.Helper()
	b, err := btf.NewBuilder(types, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, &btf.MarshalOptions{Order: binary.LittleEndian})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

const fixtureKallsyms = `ffffffff81000000 T _stext
ffffffff81000010 T vfs_read
ffffffff81000020 T vfs_write
ffffffff81000030 t seven_args
ffffffff81000040 t scale
ffffffff81000050 T run_cb
ffffffff81000060 T printk
ffffffff81000070 T bpf_task_acquire
ffffffff81000080 t __probestub_sched_switch
ffffffff81000090 T __traceiter_sched_switch
ffffffff810000a0 T __traceiter_sched_wakeup
ffffffff810000b0 T bpf_iter_task
ffffffff810000c0 d some_data
ffffffffc0000000 t mod_fn	[mymod]
`

const fixtureFormat = `name: sched_switch
ID: 372
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
	field:int common_pid;	offset:4;	size:4;	signed:1;

	field:char prev_comm[16];	offset:8;	size:16;	signed:0;
	field:pid_t prev_pid;	offset:24;	size:4;	signed:1;
	field:__data_loc char[] name;	offset:28;	size:4;	signed:0;
	field:long prev_state;	offset:32;	size:8;	signed:1;

print fmt: "prev_comm=%s", REC->prev_comm
`

func newFixture(t testing.TB) *fixture {
	t.Helper()
	root := t.TempDir()
	f := &fixture{
		dir:      filepath.Join(root, "btf"),
		kallsyms: filepath.Join(root, "kallsyms"),
		tracefs:  filepath.Join(root, "tracing"),
		cache:    filepath.Join(root, "cache"),
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(f.dir, 0o755))
	must(os.WriteFile(filepath.Join(f.dir, "vmlinux"), marshalBTF(t, fixtureTypes()), 0o644))
	must(os.WriteFile(f.kallsyms, []byte(fixtureKallsyms), 0o644))
	ev := filepath.Join(f.tracefs, "events", "sched", "sched_switch")
	must(os.MkdirAll(ev, 0o755))
	must(os.WriteFile(filepath.Join(ev, "format"), []byte(fixtureFormat), 0o644))
	must(os.WriteFile(filepath.Join(f.tracefs, "available_events"), []byte("sched:sched_switch\nsyscalls:sys_enter_openat\n"), 0o644))
	return f
}

// opts reads the fixture kernel; tracefs is the fake one unless noTracefs.
func (f *fixture) opts(noTracefs bool) Options {
	o := Options{SysBTFDir: f.dir, Kallsyms: f.kallsyms, TracefsDirs: []string{f.tracefs}, CacheDir: f.cache}
	if noTracefs {
		o.TracefsDirs = []string{filepath.Join(f.tracefs, "absent")}
	}
	return o
}

func (f *fixture) open(t testing.TB, noTracefs bool) *Index {
	t.Helper()
	ix, err := Open(f.opts(noTracefs))
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.BTFError(); err != nil {
		t.Fatal(err)
	}
	return ix
}
