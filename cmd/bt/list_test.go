package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// writeTestBTF writes a tiny raw BTF file with one function and one
// tracepoint's types.
func writeTestBTF(t *testing.T) string {
	t.Helper()
	intT := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	charT := &btf.Int{Name: "char", Size: 1, Encoding: btf.Char}
	file := &btf.Struct{Name: "file", Size: 4, Members: []btf.Member{{Name: "f_flags", Type: intT}}}
	read := &btf.Func{Name: "vfs_read", Linkage: btf.GlobalFunc, Type: &btf.FuncProto{Return: intT, Params: []btf.FuncParam{
		{Name: "file", Type: &btf.Pointer{Target: file}}, {Name: "buf", Type: &btf.Pointer{Target: charT}},
	}}}
	kf := &btf.Func{Name: "bpf_obj_drop", Linkage: btf.GlobalFunc, Tags: []string{"bpf_kfunc"}, Type: &btf.FuncProto{Return: &btf.Void{}, Params: []btf.FuncParam{{Name: "p", Type: &btf.Pointer{Target: &btf.Void{}}}}}}
	tp := &btf.Typedef{Name: "btf_trace_sched_switch", Type: &btf.Pointer{Target: &btf.FuncProto{Return: &btf.Void{}, Params: []btf.FuncParam{{Type: &btf.Pointer{Target: &btf.Void{}}}}}}}
	b, err := btf.NewBuilder([]btf.Type{read, kf, tp}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "test.btf")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestListWithBTFFile(t *testing.T) {
	path := writeTestBTF(t)
	cache := t.TempDir()
	base := []string{"list", "--btf", path, "--cache-dir", cache}

	code, out, errOut := run(t, "", append(base, "fentry:*")...)
	if code != exitOK || out != "fentry:vmlinux:bpf_obj_drop\nfentry:vmlinux:vfs_read\n" {
		t.Fatalf("fentry list: code %d out %q err %q", code, out, errOut)
	}
	code, out, _ = run(t, "", append(base, "-v", "fentry:vfs_read")...)
	if code != exitOK || out != "fentry:vmlinux:vfs_read\n    struct file * file\n    char * buf\n" {
		t.Errorf("fentry -v: code %d out %q", code, out)
	}
	code, out, _ = run(t, "", append(base, "-v", "fexit:vfs_read")...)
	if code != exitOK || !strings.HasSuffix(out, "    int retval\n") {
		t.Errorf("fexit -v: code %d out %q", code, out)
	}
	// Several patterns.
	code, out, _ = run(t, "", append(base, "kprobe:vfs_read", "fentry:bpf_obj_drop")...)
	if code != exitOK || out != "fentry:vmlinux:bpf_obj_drop\nkprobe:vfs_read\n" {
		t.Errorf("two patterns: code %d out %q", code, out)
	}
	// Tracepoints come from BTF alone, and bt says so once.
	code, out, errOut = run(t, "", append(base, "tracepoint:*")...)
	if code != exitOK || out != "tracepoint:sched:sched_switch\n" && out != "tracepoint:*:sched_switch\n" {
		t.Errorf("tracepoints: code %d out %q", code, out)
	}
	if strings.Count(errOut, "BTF alone") != 1 {
		t.Errorf("stderr does not say (once) where tracepoints come from: %q", errOut)
	}
	// JSON.
	code, out, _ = run(t, "", append(base, "--json", "-v", "kprobe:vfs_read")...)
	var js []map[string]any
	if code != exitOK || json.Unmarshal([]byte(out), &js) != nil || len(js) != 1 || js[0]["probe"] != "kprobe:vfs_read" || js[0]["source"] != "btf" {
		t.Fatalf("json: code %d out %s", code, out)
	}
	if args, _ := js[0]["args"].([]any); len(args) != 2 {
		t.Errorf("json args = %v", js[0]["args"])
	}
	// kfuncs.
	code, out, _ = run(t, "", append(base, "--kfuncs", "-v")...)
	if code != exitOK || out != "vmlinux:bpf_obj_drop\n    void bpf_obj_drop(void *p)\n" {
		t.Errorf("kfuncs: code %d out %q", code, out)
	}
	// Types.
	code, out, _ = run(t, "", append(base, "-v", "struct fi*")...)
	if code != exitOK || out != "struct file\n    int f_flags; // offset 0, size 4\n" {
		t.Errorf("types: code %d out %q", code, out)
	}
	// Nothing matches: exit 1 with a suggestion.
	code, _, errOut = run(t, "", append(base, "kprobe:vfs_raed")...)
	if code != exitFindings || !strings.Contains(errOut, "did you mean kprobe:vfs_read?") {
		t.Errorf("no match: code %d err %q", code, errOut)
	}
	code, _, errOut = run(t, "", append(base, "kprbe:vfs_read")...)
	if code != exitUsage || !strings.Contains(errOut, "kprobe") {
		t.Errorf("bad provider: code %d err %q", code, errOut)
	}
}

func TestListWithoutBTF(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.btf")
	code, out, errOut := run(t, "", "list", "--btf", missing, "--no-cache", "software:*")
	if code != exitOK || !strings.Contains(out, "software:cpu-clock:\n") {
		t.Errorf("software without BTF: code %d out %q err %q", code, out, errOut)
	}
	code, _, errOut = run(t, "", "list", "--btf", missing, "--no-cache", "kprobe:*")
	if code != exitFindings || strings.Count(errOut, "no kernel BTF") != 1 {
		t.Errorf("kprobe without BTF: code %d err %q", code, errOut)
	}
}

func TestListUprobeOfBinary(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash:", err)
	}
	code, out, errOut := run(t, "", "list", "--no-cache", "--btf", filepath.Join(t.TempDir(), "none"), "uprobe:"+bash+":*")
	if code != exitOK {
		t.Fatalf("code %d err %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 10 || !slices.IsSorted(lines) || !slices.Contains(lines, "uprobe:"+bash+":main") {
		t.Errorf("uprobe listing of %s: %d lines, first %q", bash, len(lines), lines[:min(3, len(lines))])
	}
}

// hostList runs bt list against the running kernel with a private cache.
func hostList(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return run(t, "", append([]string{"list", "--cache-dir", t.TempDir()}, args...)...)
}

func requireHostTracefs(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to read tracefs")
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("no kernel BTF:", err)
	}
	bpftrace, err := exec.LookPath("bpftrace")
	if err != nil {
		t.Skip("bpftrace not installed")
	}
	// Opening the index mounts tracefs when it is not mounted.
	if code, _, errOut := hostList(t, "tracepoint:sched:sched_switch"); code != exitOK {
		t.Skipf("tracefs not usable: %s", errOut)
	}
	return bpftrace
}

func bpftraceLines(t *testing.T, bpftrace string, args ...string) []string {
	t.Helper()
	cmd := exec.Command(bpftrace, args...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		t.Skipf("bpftrace %v: %v", args, err)
	}
	var lines []string
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// TestTracepointsMatchBpftrace compares bt list 'tracepoint:*' with
// bpftrace -l 'tracepoint:*' as root.
func TestTracepointsMatchBpftrace(t *testing.T) {
	bpftrace := requireHostTracefs(t)
	want := bpftraceLines(t, bpftrace, "-l", "tracepoint:*")
	slices.Sort(want)
	code, out, errOut := hostList(t, "tracepoint:*")
	if code != exitOK {
		t.Fatalf("bt list: %d %s", code, errOut)
	}
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if !slices.Equal(got, want) {
		t.Errorf("bt list 'tracepoint:*' has %d probes, bpftrace -l %d", len(got), len(want))
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("missing %s", w)
			}
		}
	}
}

// TestTracepointFieldsMatchBpftrace compares -v output for a sample of
// events.
func TestTracepointFieldsMatchBpftrace(t *testing.T) {
	bpftrace := requireHostTracefs(t)
	for _, ev := range []string{
		"tracepoint:sched:sched_switch", "tracepoint:syscalls:sys_enter_openat", "tracepoint:raw_syscalls:sys_enter",
		"tracepoint:block:block_rq_issue", "tracepoint:irq:irq_handler_entry", "tracepoint:sched:sched_process_exec",
		"tracepoint:kmem:kmalloc", "tracepoint:net:netif_receive_skb",
	} {
		want := bpftraceLines(t, bpftrace, "-lv", ev)
		if len(want) == 0 {
			continue // not on this kernel
		}
		code, out, errOut := hostList(t, "-v", ev)
		if code != exitOK {
			t.Errorf("%s: %d %s", ev, code, errOut)
			continue
		}
		got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", ev, got, want)
		}
	}
}

// TestHostFentryMatchesBTF checks fentry/kprobe listings and types against
// the kernel's BTF as read by cilium/ebpf directly.
func TestHostFentryMatchesBTF(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("no kernel BTF:", err)
	}
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		t.Skip(err)
	}
	var fn *btf.Func
	if err := spec.TypeByName("vfs_read", &fn); err != nil {
		t.Skip("no vfs_read in BTF:", err)
	}
	proto := fn.Type.(*btf.FuncProto)
	code, out, errOut := hostList(t, "-v", "fentry:vfs_read")
	if code != exitOK {
		t.Fatalf("%d %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if lines[0] != "fentry:vmlinux:vfs_read" || len(lines) != 1+len(proto.Params) {
		t.Fatalf("fentry:vfs_read = %q", lines)
	}
	for i, p := range proto.Params {
		if !strings.HasSuffix(lines[1+i], " "+p.Name) {
			t.Errorf("param %d: %q, BTF name %s", i, lines[1+i], p.Name)
		}
	}
	if lines[1] != "    struct file * file" {
		t.Errorf("first parameter = %q", lines[1])
	}
	code, out, _ = hostList(t, "-v", "kprobe:vfs_read")
	if code != exitOK || !strings.HasPrefix(out, "kprobe:vfs_read\n    struct file * arg0\n") {
		t.Errorf("kprobe -v: %q", out)
	}
	code, out, _ = hostList(t, "--kfuncs", "bpf_*")
	if code != exitOK || strings.Count(out, "\n") < 10 {
		t.Errorf("kfuncs: %d %q", code, out)
	}
}

// BenchmarkListAllCLI is the whole of `bt list` (no pattern) on the host,
// with a warm cache.
func BenchmarkListAllCLI(b *testing.B) {
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		b.Skip("no kernel BTF:", err)
	}
	cache := b.TempDir()
	var out, errb bytes.Buffer
	execute([]string{"list", "--cache-dir", cache}, nil, &out, &errb)
	for b.Loop() {
		out.Reset()
		if code := execute([]string{"list", "--cache-dir", cache}, nil, &out, &errb); code != 0 {
			b.Fatal(errb.String())
		}
	}
}
