package btfindex

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

func probeStrings(t testing.TB, ix *Index, pattern string) []string {
	t.Helper()
	ps, err := ix.List(pattern)
	if err != nil {
		t.Fatalf("List(%q): %v", pattern, err)
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func argDecls(t testing.TB, ix *Index, probe string) []string {
	t.Helper()
	ps, err := ix.List(probe)
	if err != nil || len(ps) != 1 {
		t.Fatalf("List(%q) = %v, %v; want one probe", probe, ps, err)
	}
	args, _, err := ix.ProbeArgs(ps[0])
	if err != nil {
		t.Fatalf("ProbeArgs(%s): %v", probe, err)
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a.Decl
	}
	return out
}

func TestFuncs(t *testing.T) {
	ix := newFixture(t).open(t, false)
	if !ix.AttachInfoKnown() {
		t.Fatal("kallsyms not read")
	}
	f, err := ix.Func("", "vfs_read")
	if err != nil {
		t.Fatal(err)
	}
	if !f.Attachable || f.Kfunc || f.NumParams != 4 || f.Module != "vmlinux" || !f.Global {
		t.Errorf("vfs_read = %+v", f)
	}
	if f, _ := ix.Func("", "vfs_inlined"); f.Attachable {
		t.Error("vfs_inlined is not in kallsyms but counts as attachable")
	}
	if f, _ := ix.Func("", "bpf_task_acquire"); !f.Kfunc {
		t.Error("bpf_task_acquire is not a kfunc")
	}
	if ks := ix.Kfuncs(""); len(ks) != 1 || ks[0].Name != "bpf_task_acquire" {
		t.Errorf("Kfuncs = %+v", ks)
	}
	if got := ix.FuncNames("vfs_"); !slices.Equal(got, []string{"vfs_inlined", "vfs_read", "vfs_write"}) {
		t.Errorf("FuncNames(vfs_) = %v", got)
	}
	_, err = ix.Func("", "vfs_raed")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, ErrNotFound) || len(nf.Suggestions) == 0 || nf.Suggestions[0] != "vfs_read" {
		t.Errorf("Func(vfs_raed) error = %v", err)
	}
}

func TestSignatures(t *testing.T) {
	ix := newFixture(t).open(t, false)
	for name, want := range map[string]string{
		"vfs_read":         "ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)",
		"vfs_write":        "ssize_t vfs_write(struct file *file, const char *buf, size_t count, loff_t *pos)",
		"run_cb":           "void run_cb(int (*cb)(void *), void *ctx)",
		"printk":           "int printk(const char *fmt, ...)",
		"bpf_task_acquire": "struct task_struct *bpf_task_acquire(struct task_struct *p)",
	} {
		f, err := ix.Func("", name)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := ix.Signature(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := sig.CDecl(); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}

func TestCDecl(t *testing.T) {
	i := &btf.Int{Name: "int", Size: 4}
	c := &btf.Int{Name: "char", Size: 1}
	arr := &btf.Array{Type: c, Nelems: 16}
	fp := &btf.Pointer{Target: &btf.FuncProto{Return: i, Params: []btf.FuncParam{{Type: i}, {Name: "p", Type: &btf.Pointer{Target: c}}}}}
	for _, tc := range []struct {
		t    btf.Type
		name string
		want string
	}{
		{i, "", "int"},
		{i, "x", "int x"},
		{&btf.Pointer{Target: &btf.Pointer{Target: c}}, "argv", "char **argv"},
		{&btf.Pointer{Target: &btf.Pointer{Target: c}}, "", "char **"},
		{&btf.Pointer{Target: &btf.Const{Type: c}}, "s", "const char *s"},
		{&btf.Const{Type: &btf.Pointer{Target: c}}, "s", "char * const s"},
		{arr, "comm", "char comm[16]"},
		{arr, "", "char[16]"},
		{&btf.Array{Type: arr, Nelems: 2}, "m", "char m[2][16]"},
		{&btf.Pointer{Target: arr}, "p", "char (*p)[16]"},
		{fp, "cb", "int (*cb)(int, char *p)"},
		{fp, "", "int (*)(int, char *p)"},
		{&btf.Pointer{Target: &btf.FuncProto{Return: &btf.Void{}}}, "f", "void (*f)(void)"},
		{&btf.Pointer{Target: &btf.Void{}}, "", "void *"},
		{&btf.Pointer{Target: &btf.Struct{Name: "file"}}, "", "struct file *"},
		{&btf.Union{Name: "u"}, "x", "union u x"},
		{&btf.Enum{Name: "e"}, "", "enum e"},
		{&btf.Struct{}, "", "struct {...}"},
		{&btf.Fwd{Name: "f", Kind: btf.FwdUnion}, "", "union f"},
		{&btf.Volatile{Type: i}, "v", "volatile int v"},
		{&btf.Pointer{Target: &btf.TypeTag{Type: c, Value: "user"}}, "buf", `char __attribute__((btf_type_tag("user"))) *buf`},
	} {
		if got := CDecl(tc.t, tc.name); got != tc.want {
			t.Errorf("CDecl(%v, %q) = %q, want %q", tc.t, tc.name, got, tc.want)
		}
	}
}

func TestTypes(t *testing.T) {
	ix := newFixture(t).open(t, false)
	task, err := ix.Type("struct task_struct")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := Members(task)
	if err != nil {
		t.Fatal(err)
	}
	var decls []string
	for _, m := range ms {
		decls = append(decls, m.CDecl())
	}
	want := []string{"pid_t pid", "char comm[16]", "struct {...}", "unsigned int flags:3", "struct task_struct *parent"}
	if !slices.Equal(decls, want) {
		t.Errorf("members = %q, want %q", decls, want)
	}
	if ms[1].ByteOffset() != 4 || ms[1].Size != 16 || ms[3].BitfieldSize != 3 || ms[4].Size != 8 {
		t.Errorf("member layout: %+v", ms)
	}
	b, ok := Field(task, "b")
	if !ok || b.Offset != 192+32 {
		t.Errorf("Field(b) = %+v, %v; want offset 224 through the anonymous struct", b, ok)
	}
	fs, err := Fields(task)
	if err != nil || len(fs) != 6 || fs[2].Name != "a" || fs[3].Name != "b" || fs[3].Offset != 224 {
		t.Errorf("Fields = %+v, %v", fs, err)
	}
	pid, err := ix.Type("pid_t")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pid.(*btf.Typedef); !ok {
		t.Errorf("pid_t is %T", pid)
	}
	if r, ok := Resolve(pid).(*btf.Int); !ok || r.Name != "int" || !IsSigned(pid) {
		t.Errorf("Resolve(pid_t) = %v", Resolve(pid))
	}
	// A plain name finds a struct when there is no typedef of that name.
	if typ, err := ix.Type("file"); err != nil || typ.TypeName() != "file" {
		t.Errorf("Type(file) = %v, %v", typ, err)
	}
	if _, err := ix.Type("union task_struct"); !errors.Is(err, ErrNotFound) {
		t.Errorf("union task_struct: %v", err)
	}
	var nf *NotFoundError
	if _, err := ix.Type("struct task_strct"); !errors.As(err, &nf) || len(nf.Suggestions) == 0 || nf.Suggestions[0] != "task_struct" {
		t.Errorf("task_strct: %v", err)
	}
	for name, want := range map[string]string{
		"struct task_struct *": "struct task_struct *",
		"char[16]":             "char[16]",
		"unsigned int[2][3]":   "unsigned int[2][3]",
		"const char *":         "const char *",
		"char * const":         "char * const",
		"struct file **":       "struct file **",
		"const char * const *": "const char * const *",
		"char *[4]":            "char *[4]",
	} {
		typ, err := ix.Type(name)
		if err != nil {
			t.Errorf("Type(%q): %v", name, err)
			continue
		}
		if got := CDecl(typ, ""); got != want {
			t.Errorf("Type(%q) = %q", name, got)
		}
	}
	if _, err := ix.Type("char[x]"); err == nil {
		t.Error("char[x] accepted")
	}
	e, v, err := ix.EnumValue("TASK_INTERRUPTIBLE")
	if err != nil || e.Name != "task_state" || v.Value != 1 {
		t.Errorf("EnumValue = %v %v %v", e, v, err)
	}
	if _, err := Members(pid); err == nil {
		t.Error("Members of an int succeeded")
	}
	names := ix.TypeNames("task", AnyKind)
	if len(names) != 2 || names[0].CName() != "enum task_state" || names[1].CName() != "struct task_struct" {
		t.Errorf("TypeNames(task) = %+v", names)
	}
	if got := ix.TypeNames("task", EnumKind); len(got) != 1 {
		t.Errorf("TypeNames(task, enum) = %+v", got)
	}
}

func TestListKernelProviders(t *testing.T) {
	ix := newFixture(t).open(t, false)
	for _, tc := range []struct {
		pattern string
		want    []string
	}{
		{"kprobe:vfs_*", []string{"kprobe:vfs_read", "kprobe:vfs_write"}},
		{"k:vfs_*", []string{"kprobe:vfs_read", "kprobe:vfs_write"}},
		{"kprobe:vmlinux:vfs_r*", []string{"kprobe:vmlinux:vfs_read"}},
		{"kretprobe:vfs_read", []string{"kretprobe:vfs_read"}},
		{"kprobe:vfs_{read,write}", []string{"kprobe:vfs_read", "kprobe:vfs_write"}},
		{"kprobe:vfs_read,kprobe:vfs_write", []string{"kprobe:vfs_read", "kprobe:vfs_write"}},
		{"fentry:vfs_read", []string{"fentry:vmlinux:vfs_read"}},
		{"kfunc:vfs_read", []string{"fentry:vmlinux:vfs_read"}},
		{"fexit:vmlinux:vfs_*", []string{"fexit:vmlinux:vfs_read", "fexit:vmlinux:vfs_write"}},
		{"fentry:seven_args", nil}, // more than 6 arguments
		{"kprobe:seven_args", []string{"kprobe:seven_args"}},
		{"fentry:*:*task*", []string{"fentry:vmlinux:bpf_iter_task", "fentry:vmlinux:bpf_task_acquire"}},
		{"rawtracepoint:*", []string{"rawtracepoint:vmlinux:sched_switch", "rawtracepoint:vmlinux:sched_wakeup"}},
		{"rt:vmlinux:sched_s*", []string{"rawtracepoint:vmlinux:sched_switch"}},
		{"iter:*", []string{"iter:task"}},
		{"tracepoint:sched:*", []string{"tracepoint:sched:sched_switch"}},
		{"tracepoint:*:sys_enter_*", []string{"tracepoint:syscalls:sys_enter_openat"}},
		{"t:*switch", []string{"tracepoint:sched:sched_switch"}},
		{"hardware:*cycles*", []string{"hardware:bus-cycles:", "hardware:cpu-cycles:", "hardware:cycles:", "hardware:ref-cycles:"}},
		{"software:cs", nil}, // like bpftrace: the fixed targets are "cs:"
		{"software:cs:", []string{"software:cs:"}},
		{"profile:*", []string{"profile:hz:", "profile:ms:", "profile:s:", "profile:us:"}},
		{"self:*", []string{"self:signal:SIGUSR1"}},
		{"vfs_read", []string{"fentry:vmlinux:vfs_read", "kprobe:vfs_read"}},
		{"*:*sched_switch", []string{"fentry:vmlinux:__probestub_sched_switch", "fentry:vmlinux:__traceiter_sched_switch", "kprobe:__probestub_sched_switch", "kprobe:__traceiter_sched_switch", "rawtracepoint:vmlinux:sched_switch", "tracepoint:sched:sched_switch"}},
		{"nosuch:*", nil},
	} {
		var got []string
		ps, err := ix.List(tc.pattern)
		if err != nil {
			if tc.want != nil {
				t.Errorf("List(%q): %v", tc.pattern, err)
			}
			continue
		}
		for _, p := range ps {
			got = append(got, p.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("List(%q) =\n %q\nwant\n %q", tc.pattern, got, tc.want)
		}
	}
	// Listing everything gives each kernel provider, sorted, and nothing
	// from userspace.
	all := probeStrings(t, ix, "")
	if !slices.IsSortedFunc(all, func(a, b string) int {
		pa, _, _ := strings.Cut(a, ":")
		pb, _, _ := strings.Cut(b, ":")
		if c := strings.Compare(pa, pb); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	}) {
		t.Error("full listing is not sorted")
	}
	provs := map[string]bool{}
	for _, p := range all {
		prov, _, _ := strings.Cut(p, ":")
		provs[prov] = true
	}
	for _, want := range []string{"fentry", "hardware", "iter", "kprobe", "rawtracepoint", "software", "tracepoint"} {
		if !provs[want] {
			t.Errorf("full listing lacks %s", want)
		}
	}
	if len(provs) != 7 {
		t.Errorf("full listing providers = %v", provs)
	}
	if _, err := ix.List("nosuch:*"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown provider: %v", err)
	}
}

func TestProbeArgs(t *testing.T) {
	ix := newFixture(t).open(t, false)
	for probe, want := range map[string][]string{
		"fentry:vfs_read":               {"struct file * file", "char * buf", "size_t count", "loff_t * pos"},
		"fexit:vfs_read":                {"struct file * file", "char * buf", "size_t count", "loff_t * pos", "ssize_t retval"},
		"fexit:vfs_inlined":             nil,
		"kprobe:vfs_read":               {"struct file * arg0", "char * arg1", "size_t arg2", "loff_t * arg3"},
		"kprobe:scale":                  {"int arg0"},
		"kretprobe:vfs_read":            {"ssize_t retval"},
		"kretprobe:run_cb":              {"void"},
		"fentry:run_cb":                 {"int (*)(void *) cb", "void * ctx"},
		"rawtracepoint:sched_switch":    {"_Bool preempt", "struct task_struct * prev", "struct task_struct * next"},
		"iter:task":                     {"struct task_struct * task"},
		"tracepoint:sched:sched_switch": {"char prev_comm[16]", "pid_t prev_pid", "__data_loc char[] name", "long prev_state"},
	} {
		if strings.HasPrefix(probe, "fexit:vfs_inlined") {
			// Not in kallsyms: not listed, but its arguments are known.
			f, _ := ix.Func("", "vfs_inlined")
			if f.Attachable {
				t.Error("vfs_inlined attachable")
			}
			args, _, err := ix.ProbeArgs(Probe{Provider: "fexit", Target: "vmlinux", Name: "vfs_inlined"})
			if err != nil || len(args) != 1 || args[0].Decl != "struct file * file" {
				t.Errorf("fexit:vfs_inlined args = %v, %v (a void function has no retval)", args, err)
			}
			continue
		}
		if got := argDecls(t, ix, probe); !slices.Equal(got, want) {
			t.Errorf("%s args =\n %q\nwant\n %q", probe, got, want)
		}
	}
	// Tracepoint fields carry layout.
	f, err := ix.TracepointFormat("sched", "sched_switch")
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != 372 || f.Source != SourceTracefs || len(f.Fields) != 8 || !f.Fields[0].Common {
		t.Errorf("format = %+v", f)
	}
	args := f.Args()
	if args[0].Name != "prev_comm" || args[0].Type != "char[16]" || args[0].Offset != 8 || args[0].Size != 16 ||
		!args[1].Signed || args[2].Name != "name" || !args[2].DataLoc || args[2].Type != "__data_loc char[]" {
		t.Errorf("args = %+v", args)
	}
}

func TestTracepointFallbacks(t *testing.T) {
	fx := newFixture(t)

	// No tracefs and no cached catalogue: BTF alone.
	ix := fx.open(t, true)
	src, why := ix.TracepointSource()
	if src != SourceBTF || why == "" {
		t.Fatalf("source = %v (%q), want btf with a reason", src, why)
	}
	got := probeStrings(t, ix, "tracepoint:*")
	want := []string{"tracepoint:*:kfree", "tracepoint:sched:sched_switch", "tracepoint:sched:sched_wakeup"}
	if !slices.Equal(got, want) {
		t.Errorf("BTF tracepoints = %q, want %q", got, want)
	}
	ps, _ := ix.List("tracepoint:sched:sched_switch")
	if len(ps) != 1 || !ps[0].CategoryGuessed || ps[0].Source != SourceBTF {
		t.Errorf("BTF tracepoint = %+v", ps)
	}
	if got := argDecls(t, ix, "tracepoint:sched:sched_switch"); !slices.Equal(got, []string{"char prev_comm[16]", "pid_t prev_pid", "__data_loc char[] name", "long prev_state"}) {
		t.Errorf("BTF fields = %q", got)
	}
	fb, err := ix.TracepointFormat("", "sched_switch")
	if err != nil || fb.Source != SourceBTF || fb.Args()[1].Offset != 24 || !fb.Args()[1].Signed {
		t.Errorf("BTF format = %+v, %v", fb, err)
	}
	// The category is a guess: any category finds the event.
	if tp, err := ix.LookupTracepoint("whatever", "sched_switch"); err != nil || tp.Event != "sched_switch" {
		t.Errorf("lookup with another category: %v %v", tp, err)
	}
	// sched_wakeup shares a class: no trace_event_raw_sched_wakeup, the
	// class is found through the prototype and the name.
	fw, err := ix.TracepointFormat("sched", "sched_wakeup")
	if err != nil || fw.Class != "sched_wakeup_template" || !fw.ClassGuessed || len(fw.Args()) != 1 || fw.Args()[0].Name != "pid" {
		t.Errorf("sched_wakeup format = %+v, %v", fw, err)
	}
	if fb.ClassGuessed || fb.Class != "sched_switch" {
		t.Errorf("sched_switch class = %q guessed=%v", fb.Class, fb.ClassGuessed)
	}
	// kfree has a prototype shared with classes, none named like it.
	if _, err := ix.TracepointFormat("*", "kfree"); err == nil {
		t.Error("kfree has a BTF format")
	}

	// A root run with tracefs saves the catalogue...
	live := fx.open(t, false)
	if src, _ := live.TracepointSource(); src != SourceTracefs {
		t.Fatalf("live source = %v", src)
	}
	if err := live.CacheTracepoints(); err != nil {
		t.Fatal(err)
	}
	path, _ := live.tpCachePath()
	st1, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !live.catalogueCurrent(live.catalogue().eventsID) {
		t.Fatal("saved catalogue is not current")
	}
	if err := live.CacheTracepoints(); err != nil { // current: not rewritten
		t.Fatal(err)
	}
	if st2, _ := os.Stat(path); !st2.ModTime().Equal(st1.ModTime()) {
		t.Error("current catalogue rewritten")
	}
	// ... which a run without tracefs then uses.
	ix = fx.open(t, true)
	if src, _ := ix.TracepointSource(); src != SourceCache {
		t.Fatalf("source = %v, want cache", src)
	}
	got = probeStrings(t, ix, "tracepoint:*")
	if want := []string{"tracepoint:sched:sched_switch", "tracepoint:syscalls:sys_enter_openat"}; !slices.Equal(got, want) {
		t.Errorf("cached tracepoints = %q, want %q", got, want)
	}
	cf, err := ix.TracepointFormat("sched", "sched_switch")
	lf, _ := live.TracepointFormat("sched", "sched_switch")
	if err != nil || cf.Source != SourceCache || cf.ID != lf.ID || len(cf.Fields) != len(lf.Fields) {
		t.Fatalf("cached format = %+v, %v", cf, err)
	}
	for i := range cf.Fields {
		a, b := cf.Fields[i], lf.Fields[i]
		a.BTF, b.BTF = nil, nil
		if a != b {
			t.Errorf("cached field %d = %+v, live %+v", i, a, b)
		}
	}
	// The syscall event has no format file in the fake tracefs: listed,
	// without a format.
	if _, err := ix.TracepointFormat("syscalls", "sys_enter_openat"); err == nil {
		t.Error("format for an event whose format could not be read")
	}
	// A corrupt catalogue is ignored: back to BTF.
	b, _ := os.ReadFile(path)
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if src, _ := fx.open(t, true).TracepointSource(); src != SourceBTF {
		t.Errorf("corrupt catalogue: source = %v, want btf", src)
	}
}

func TestTracefsMissingSaysHow(t *testing.T) {
	fx := newFixture(t)
	o := fx.opts(true)
	o.NoCache = true
	ix, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	dir, why := ix.TracefsDir()
	if dir != "" || !strings.Contains(why, "tracefs") {
		t.Errorf("TracefsDir = %q, %q", dir, why)
	}
	if err := ix.CacheTracepoints(); err == nil {
		t.Error("CacheTracepoints without tracefs succeeded")
	}
}

func TestCache(t *testing.T) {
	fx := newFixture(t)
	first := fx.open(t, false)
	if first.FromCache() || first.CacheError() != nil {
		t.Fatalf("first open: fromCache=%v err=%v", first.FromCache(), first.CacheError())
	}
	second := fx.open(t, false)
	if !second.FromCache() {
		t.Fatal("second open did not use the cache")
	}
	if !slices.Equal(first.funcTab().names, second.funcTab().names) || !slices.Equal(first.funcTab().info, second.funcTab().info) ||
		!slices.Equal(first.typeTab().names, second.typeTab().names) || !slices.Equal(first.typeTab().ids, second.typeTab().ids) || second.attachKnown != first.attachKnown {
		t.Fatal("cached index differs from the built one")
	}
	// Types decode lazily from a cached index too.
	if _, err := second.Type("struct task_struct"); err != nil {
		t.Fatal(err)
	}

	path, err := first.cachePath()
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	damage := map[string][]byte{
		"empty":     {},
		"truncated": good[:len(good)/2],
		"flipped":   append(append([]byte{}, good[:len(good)/3]...), append([]byte{good[len(good)/3] ^ 0x55}, good[len(good)/3+1:]...)...),
		"version":   append(append(append([]byte{}, good[:8]...), 0xff, 0, 0, 0), good[12:]...),
		"garbage":   []byte(strings.Repeat("btfindex", 100)),
	}
	for name, b := range damage {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ix := fx.open(t, false)
		if ix.FromCache() {
			t.Errorf("%s cache file was used", name)
		}
		if !slices.Equal(ix.funcs.names, first.funcTab().names) {
			t.Errorf("%s: rebuilt index differs", name)
		}
		// And it was rewritten whole.
		if b2, _ := os.ReadFile(path); string(b2) != string(good) {
			t.Errorf("%s: cache not rewritten", name)
		}
	}
	// Every truncation of a good file is rejected, never a panic.
	for i := 0; i < len(good); i += 1 + len(good)/200 {
		ix := &Index{identity: first.identity, mods: first.mods}
		if err := ix.decodeCache(good[:i]); err == nil {
			t.Fatalf("truncated cache (%d bytes) accepted", i)
		}
	}
	// No temporary files are left behind.
	ents, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("leftover %s", e.Name())
		}
	}
}

func TestCacheIdentityChanges(t *testing.T) {
	fx := newFixture(t)
	a := fx.open(t, false)
	// Another BTF (one type more) is another identity.
	types := append(fixtureTypes(), &btf.Typedef{Name: "extra_t", Type: &btf.Int{Name: "int", Size: 4}})
	if err := os.WriteFile(filepath.Join(fx.dir, "vmlinux"), marshalBTF(t, types), 0o644); err != nil {
		t.Fatal(err)
	}
	b := fx.open(t, false)
	if b.FromCache() || a.Identity() == b.Identity() {
		t.Error("changed BTF reused the old cache")
	}
	if len(b.TypeNames("extra_t", AnyKind)) != 1 {
		t.Error("new type missing")
	}
}

func TestNoBTF(t *testing.T) {
	fx := newFixture(t)
	o := fx.opts(false)
	o.SysBTFDir = t.TempDir() // no vmlinux
	ix, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	err = ix.BTFError()
	var nb *NoBTFError
	if !errors.Is(err, ErrNoBTF) || !errors.As(err, &nb) || !strings.Contains(err.Error(), "BTF") {
		t.Fatalf("BTFError = %v", err)
	}
	if ix.HasBTF() || ix.Identity() != "" {
		t.Error("HasBTF/Identity without BTF")
	}
	if _, err := ix.Type("struct task_struct"); !errors.Is(err, ErrNoBTF) {
		t.Errorf("Type: %v", err)
	}
	if _, err := ix.Func("", "vfs_read"); !errors.Is(err, ErrNoBTF) {
		t.Errorf("Func: %v", err)
	}
	// Tracefs and the builtin providers still work.
	if got := probeStrings(t, ix, "tracepoint:sched:*"); !slices.Equal(got, []string{"tracepoint:sched:sched_switch"}) {
		t.Errorf("tracepoints without BTF = %v", got)
	}
	if got := probeStrings(t, ix, "kprobe:*"); len(got) != 0 {
		t.Errorf("kprobes without BTF = %v", got)
	}
	if got := probeStrings(t, ix, "software:cpu*"); !slices.Equal(got, []string{"software:cpu-clock:", "software:cpu-migrations:", "software:cpu:"}) {
		t.Errorf("software = %v", got)
	}
	// A corrupt BTF file is a no-BTF error too, not a crash.
	bad := filepath.Join(t.TempDir(), "vmlinux")
	if err := os.WriteFile(bad, []byte("\x9f\xeb\x01\x00garbage garbage garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(Options{BTFFile: bad, NoCache: true})
	if err != nil || !errors.Is(ix.BTFError(), ErrNoBTF) {
		t.Errorf("corrupt BTF: %v %v", err, ix.BTFError())
	}
}

func TestSuggestProbe(t *testing.T) {
	ix := newFixture(t).open(t, false)
	for pattern, want := range map[string]string{
		"kprobe:vfs_raed":              "kprobe:vfs_read",
		"fentry:vfs_wrte":              "fentry:vmlinux:vfs_write",
		"tracepoint:sched:sched_swich": "tracepoint:sched:sched_switch",
		"kprbe:vfs_read":               "kprobe",
		"software:cpu-clok":            "software:cpu-clock:",
		"rawtracepoint:sched_swtch":    "rawtracepoint:vmlinux:sched_switch",
	} {
		got := ix.SuggestProbe(pattern)
		if len(got) == 0 || got[0] != want {
			t.Errorf("SuggestProbe(%q) = %q, want %q first", pattern, got, want)
		}
	}
}

func TestKallsymsParse(t *testing.T) {
	ks := parseKallsyms(fixtureKallsyms)
	if !ks.has("vmlinux", "vfs_read") || !ks.has("vmlinux", "seven_args") || ks.has("vmlinux", "some_data") || !ks.has("mymod", "mod_fn") || ks.has("vmlinux", "mod_fn") {
		t.Errorf("kallsyms = %v", ks.text)
	}
	if readKallsyms(filepath.Join(t.TempDir(), "none")) != nil {
		t.Error("missing kallsyms parsed")
	}
}
