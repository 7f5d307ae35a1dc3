package cfront

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bt-tools/bt/analysis/types"
)

// realisticBPF is a .bpf.c in the style of libbpf-tools: kernel types from
// vmlinux.h, its own event struct, maps, helpers and entry points.
const realisticBPF = `#include "vmlinux.h"

#define SEC(name) __attribute__((section(name), used))
#define __always_inline inline __attribute__((always_inline))
#define TASK_COMM_LEN 16
#define MAX_ENTRIES 10240

struct event {
	u32 pid;
	u32 tgid;
	u64 delta_us;
	char comm[TASK_COMM_LEN];
	struct list_head node;
	union {
		u64 raw;
		struct { u32 lo, hi; } parts;
	};
	unsigned int flags:3, kind:5;
	enum pid_type ptype;
};

struct start_key {
	pid_t pid;
	int cpu;
} __attribute__((packed));

const volatile pid_t targ_tgid = 0;
const volatile bool targ_per_thread = false;

static __always_inline u64 delta(u64 a, u64 b)
{
	return a > b ? a - b : 0;
}

static __always_inline int fill_event(struct event *e, struct task_struct *task)
{
	e->pid = task->pid;
	e->tgid = task->tgid;
	e->ptype = PIDTYPE_PID;
	return 0;
}

int bt_task_prio(const struct task_struct *task)
{
	return task->prio;
}

u64 bt_sum(u64 *vals, int n, struct start_key key)
{
	u64 s = 0;
	for (int i = 0; i < n && i < MAX_ENTRIES; i++)
		s += vals[i];
	return s + key.pid;
}

SEC("tp_btf/sched_switch")
int handle_switch(u64 *ctx)
{
	struct task_struct *prev = (struct task_struct *)ctx[1];
	struct event e = {};
	fill_event(&e, prev);
	return (int)delta(e.delta_us, 0);
}
`

var vmlinuxOnce struct {
	sync.Once
	text []byte
	err  string
}

// vmlinuxH dumps the running kernel's BTF as C with bpftool, or skips.
func vmlinuxH(t testing.TB) []byte {
	vmlinuxOnce.Do(func() {
		if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
			vmlinuxOnce.err = "the kernel has no BTF"
			return
		}
		bpftool, err := exec.LookPath("bpftool")
		if err != nil {
			vmlinuxOnce.err = "bpftool is not installed"
			return
		}
		var out bytes.Buffer
		cmd := exec.Command(bpftool, "btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c")
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			vmlinuxOnce.err = "bpftool btf dump: " + err.Error()
			return
		}
		vmlinuxOnce.text = out.Bytes()
	})
	if vmlinuxOnce.text == nil {
		t.Skip(vmlinuxOnce.err)
	}
	return vmlinuxOnce.text
}

func writeRealistic(t testing.TB) string {
	p := filepath.Join(t.TempDir(), "prog.bpf.c")
	if err := os.WriteFile(p, []byte(realisticBPF), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVmlinuxPrecompiled(t *testing.T) {
	clang := clangOrSkip(t)
	vm := vmlinuxH(t)
	p := writeRealistic(t)
	cache := t.TempDir()
	opt := Options{Clang: clang, NoCache: true, CacheDir: cache, VirtualHeaders: map[string][]byte{"vmlinux.h": vm}}
	u, err := ParseFile(p, opt)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(cache, "pch", "*", "header.pch")); len(m) != 1 {
		t.Fatalf("no precompiled header in the cache dir: %v", m)
	}
	checkRealistic(t, u)
	if testing.Short() {
		return
	}
	// The same file without precompiling agrees on what the main file
	// declares.
	opt.PrecompileMin = -1
	full, err := ParseFile(p, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkRealistic(t, full)
	// Enum values of the precompiled header's enums are not read (BTF
	// has them); everything else agrees.
	for _, key := range []string{"struct event", "struct start_key"} {
		if a, b := describeOpt(u.Types[key], false), describeOpt(full.Types[key], false); a != b {
			t.Errorf("%s differs:\nprecompiled: %s\nplain:       %s", key, a, b)
		}
	}
	for _, name := range sortedKeys(u.Funcs) {
		a, b := u.Funcs[name], full.Funcs[name]
		if b == nil || a.Loc != b.Loc || a.Decl != b.Decl || len(a.Params) != len(b.Params) || a.Result.String() != b.Result.String() {
			t.Errorf("func %s: %+v vs %+v", name, a, b)
			continue
		}
		for i := range a.Params {
			if describeOpt(a.Params[i].Type, false) != describeOpt(b.Params[i].Type, false) {
				t.Errorf("func %s param %d: %s vs %s", name, i, describe(a.Params[i].Type), describe(b.Params[i].Type))
			}
		}
	}
}

func checkRealistic(t *testing.T, u *Unit) {
	t.Helper()
	for _, d := range u.Diags {
		t.Errorf("diagnostic: %v", d.Error())
	}
	ev, ok := u.Types["struct event"].(*types.Struct)
	if !ok {
		t.Fatalf("struct event: %v", u.Types["struct event"])
	}
	// pid tgid delta comm[16] node(16) union(8) flags/kind ptype
	if ev.Size() != 64 || ev.Align() != 8 {
		t.Errorf("struct event size %d align %d", ev.Size(), ev.Align())
	}
	if f, ok := ev.Field("node"); !ok || f.BitOffset != 256 || f.Type.Size() != 16 {
		t.Errorf("node = %+v", f)
	} else if next, ok := types.Underlying(f.Type).(*types.Struct).Field("prev"); !ok || next.BitOffset != 64 {
		t.Errorf("list_head.prev = %+v %v", next, ok)
	}
	if f, ok := ev.Field("parts"); !ok || f.BitOffset != 384 {
		t.Errorf("parts = %+v", f)
	} else if hi, ok := types.Underlying(f.Type).(*types.Struct).Field("hi"); !ok || hi.BitOffset != 32 {
		t.Errorf("parts.hi = %+v", hi)
	}
	if f, ok := ev.Field("kind"); !ok || f.BitOffset != 451 || f.BitSize != 5 {
		t.Errorf("kind = %+v", f)
	}
	if f, ok := ev.Field("ptype"); !ok || f.Type.Size() != 4 || f.BitOffset != 480 {
		t.Errorf("ptype = %+v", f)
	}
	if f, _ := ev.Field("pid"); f.Type.String() != "u32" || types.Underlying(f.Type).(*types.Int).Bits != 32 {
		t.Errorf("pid type %s", f.Type)
	}
	if sk := u.Types["struct start_key"]; sk == nil || sk.Size() != 8 || sk.Align() != 1 {
		t.Errorf("struct start_key = %v", sk)
	}
	tp := u.Funcs["bt_task_prio"]
	if tp == nil || len(tp.Params) != 1 || tp.Loc.Line != strings.Count(realisticBPF[:strings.Index(realisticBPF, "int bt_task_prio")], "\n")+1 || tp.Loc.Col != 5 {
		t.Fatalf("bt_task_prio = %+v", tp)
	}
	task, ok := tp.Params[0].Type.(*types.Pointer).Elem.(*types.Struct)
	if !ok || task.Name != "task_struct" || task.Size() < 1000 {
		t.Fatalf("task param %v", tp.Params[0].Type)
	}
	if f, ok := task.Field("pid"); !ok || f.Type.Size() != 4 {
		t.Errorf("task_struct.pid = %+v %v", f, ok)
	}
	sum := u.Funcs["bt_sum"]
	if sum == nil || sum.Decl != "u64 bt_sum(u64 *vals, int n, struct start_key key)" || sum.Result.Size() != 8 {
		t.Errorf("bt_sum = %+v", sum)
	}
	if h := u.Funcs["handle_switch"]; h == nil || !strings.HasPrefix(h.Decl, `SEC("tp_btf/sched_switch") int handle_switch(u64 *ctx)`) {
		t.Errorf("handle_switch = %+v", h)
	}
	if g := u.Globals["targ_tgid"]; g == nil || !g.Const || g.Type.Size() != 4 {
		t.Errorf("targ_tgid = %+v", g)
	}
	if d := u.Defines["MAX_ENTRIES"]; d == nil || d.Int != 10240 {
		t.Errorf("MAX_ENTRIES = %+v", d)
	}
	if len(u.Includes) != 1 || u.Includes[0].Name != "vmlinux.h" || !u.Includes[0].Found {
		t.Errorf("includes %+v", u.Includes)
	}
}

// BenchmarkParseFileVmlinux measures ParseFile of a realistic .bpf.c that
// includes a vmlinux.h of the running kernel: cold (clang runs; the
// precompiled header already built) and cached.
func BenchmarkParseFileVmlinux(b *testing.B) {
	clang := clangOrSkip(b)
	vm := vmlinuxH(b)
	p := writeRealistic(b)
	cache := b.TempDir()
	opt := Options{Clang: clang, CacheDir: cache, VirtualHeaders: map[string][]byte{"vmlinux.h": vm}}
	b.Run("pch-build", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			o := opt
			o.NoCache = true
			o.CacheDir = b.TempDir()
			if _, err := ParseFile(p, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			o := opt
			o.NoCache = true
			if _, err := ParseFile(p, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cold-no-pch", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			o := opt
			o.NoCache = true
			o.PrecompileMin = -1
			if _, err := ParseFile(p, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		ResetCache()
		if _, err := ParseFile(p, opt); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			u, err := ParseFile(p, opt)
			if err != nil || !u.Cached {
				b.Fatal("not cached", err)
			}
		}
	})
}
