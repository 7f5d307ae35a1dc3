package tracer

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/btfindex"
	"github.com/bt-tools/bt/codegen"
)

func TestKernelSymbol(t *testing.T) {
	tab, err := btfindex.ReadKernelSymbols("/proc/kallsyms")
	if err != nil || tab.Len() == 0 {
		t.Skip("kernel symbol addresses are not readable here")
	}
	// Find vfs_read's address the slow way, then resolve inside it.
	f, _ := os.Open("/proc/kallsyms")
	defer f.Close()
	var addr uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 3 && fs[2] == "vfs_read" {
			addr, _ = strconv.ParseUint(fs[0], 16, 64)
		}
	}
	if addr == 0 {
		t.Skip("no vfs_read in kallsyms")
	}
	r := NewResolver(nil)
	name, off, ok := r.KernelSymbol(addr + 5)
	if !ok || name != "vfs_read" || off != 5 {
		t.Errorf("KernelSymbol(vfs_read+5) = %q, %d, %v", name, off, ok)
	}
}

func TestUserSymbol(t *testing.T) {
	// A child that maps libc: resolve an address inside its getppid.
	const libc = "/lib/x86_64-linux-gnu/libc.so.6"
	tab, err := btfindex.ReadELFSymbols(libc)
	if err != nil {
		t.Skip("no libc:", err)
	}
	cmd := exec.Command("/bin/sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	pid := uint32(cmd.Process.Pid)
	// The symbol's link-time address, and where the child mapped libc.
	var symAddr uint64
	for i := uint64(0x1000); i < 0x200000 && symAddr == 0; i += 0x10 {
		if s, ok := tab.Lookup(i); ok && s.Name == "getppid" {
			symAddr = s.Addr
		}
	}
	if symAddr == 0 {
		t.Skip("no getppid in libc's symbols")
	}
	var base uint64
	waitFor(t, "the child to map libc", func() {}, func() bool {
		for _, m := range readMappings(pid) {
			if m.path == libc || strings.HasSuffix(m.path, "/libc.so.6") {
				// Executable mappings map file offset m.offset at m.start;
				// libc's text has vaddr == file offset.
				base = m.start - m.offset
				return true
			}
		}
		return false
	})
	r := NewResolver(nil)
	name, off, ok := r.UserSymbol(pid, base+symAddr+3)
	if !ok || name != "getppid" || off != 3 {
		t.Errorf("UserSymbol(getppid+3) = %q, %d, %v", name, off, ok)
	}
	if path, ok := r.UserModule(pid, base+symAddr); !ok || !strings.HasSuffix(path, "/libc.so.6") {
		t.Errorf("UserModule(getppid) = %q, %v; want libc", path, ok)
	}
	if _, _, ok := r.UserSymbol(pid, 0x10); ok {
		t.Error("resolved an unmapped address")
	}
}

func TestUserNameAndCgroupPath(t *testing.T) {
	r := NewResolver(nil)
	if got := r.UserName(0); got != "root" {
		t.Errorf("UserName(0) = %q, want root", got)
	}
	if got := r.UserName(4000000); got != "4000000" {
		t.Errorf("UserName(unknown) = %q, want the number", got)
	}
	root := cgroup2Root()
	var st syscall.Stat_t
	if err := syscall.Stat(root, &st); err != nil {
		t.Skip("no cgroup2 hierarchy:", err)
	}
	if got := r.CgroupPath(st.Ino, "unified"); got != "unified:/" {
		t.Errorf("CgroupPath(root) = %q, want unified:/", got)
	}
	// Every hierarchy's root has the root's inode number: cgroup2's
	// comes first, then the v1 hierarchies by name.
	if got := r.CgroupPath(st.Ino, ""); !strings.HasPrefix(got, "unified:/") {
		t.Errorf("CgroupPath(root, all) = %q, want unified:/ first", got)
	}
	if got := r.CgroupPath(st.Ino, "no-such-hierarchy"); got != "" {
		t.Errorf("CgroupPath(filtered out) = %q, want nothing", got)
	}
	// This process's cgroup, from /proc/self/cgroup ("0::/path").
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Skip(err)
	}
	_, path, ok := strings.Cut(strings.TrimSpace(string(b)), "::")
	if !ok {
		t.Skip("not on cgroup v2")
	}
	if err := syscall.Stat(strings.TrimSuffix(root+path, "/"), &st); err != nil {
		t.Skip(err)
	}
	if got := r.CgroupPath(st.Ino, "unified"); got != "unified:"+path {
		t.Errorf("CgroupPath(own) = %q, want unified:%s", got, path)
	}
}

// stackOutput resolves the kernel stack whose id a record carries while
// the run is live, as the output does.
type stackOutput struct {
	*fakeOutput
	r      *Resolver
	frames chan []string
}

func (o *stackOutput) Event(ev *codegen.Event, payload []byte) error {
	if ev.ID == evFire {
		var names []string
		for _, pc := range o.r.KernelStack(int64(le.Uint64(payload))) {
			name, _, _ := o.r.KernelSymbol(pc)
			names = append(names, name)
		}
		select {
		case o.frames <- names:
		default:
		}
	}
	return o.fakeOutput.Event(ev, payload)
}

func TestKernelStack(t *testing.T) {
	needRoot(t)
	prefix := uniquePrefix(t)
	stacks := prefix + "ks"
	body := func(b *objBuilder) asm.Instructions {
		ins := asm.Instructions{asm.Mov.Reg(asm.R9, asm.R1)}
		ins = append(ins, b.onlyMe()...)
		ins = append(ins,
			asm.Mov.Reg(asm.R1, asm.R9),
			asm.LoadMapPtr(asm.R2, 0).WithReference(stacks),
			asm.Mov.Imm(asm.R3, 0),
			asm.FnGetStackid.Call(),
			asm.Mov.Reg(asm.R6, asm.R0),
		)
		ins = append(ins, b.emit("e", evFire, asm.R6)...)
		return append(ins, asm.Mov.Imm(asm.R0, 0), asm.Return())
	}
	obj := newObject(t, prefix, 1<<16, tracepointDef(body, "tracepoint:syscalls:sys_enter_getppid"))
	obj.Spec.Maps[stacks] = &ebpf.MapSpec{Name: stacks, Type: ebpf.StackTrace, KeySize: 4, ValueSize: 127 * 8, MaxEntries: 128}
	obj.KernelStacks = stacks
	before := objectCounts(t, prefix)
	r := NewResolver(obj)
	out := &stackOutput{fakeOutput: newFakeOutput(), r: r, frames: make(chan []string, 1)}
	sigs := make(chan os.Signal, 1)
	ch := runAsync(obj, Options{Output: out, Signals: sigs, Resolver: r})
	waitAttached(t, out.fakeOutput, ch)
	var frames []string
	waitFor(t, "a kernel stack", func() { syscall.Getppid() }, func() bool {
		select {
		case frames = <-out.frames:
			return true
		default:
			return false
		}
	})
	sigs <- syscall.SIGINT
	if res := waitRun(t, ch); res.err != nil {
		t.Fatal(res.err)
	}
	// The syscall's entry path is on the stack.
	joined := strings.Join(frames, " ")
	if len(frames) < 2 || !strings.Contains(joined, "syscall") {
		t.Errorf("kernel stack %q: want the syscall entry path", frames)
	}
	checkNoLeak(t, prefix, before)
}

// BenchmarkCgroupPath times cgroup_path() of a known cgroup, once per
// event in a run.
func BenchmarkCgroupPath(b *testing.B) {
	root := cgroup2Root()
	var st syscall.Stat_t
	if err := syscall.Stat(root, &st); err != nil {
		b.Skip("no cgroup2 hierarchy:", err)
	}
	r := NewResolver(nil)
	want := r.CgroupPath(st.Ino, "")
	for b.Loop() {
		if got := r.CgroupPath(st.Ino, ""); got != want {
			b.Fatalf("CgroupPath = %q, want %q", got, want)
		}
	}
}
