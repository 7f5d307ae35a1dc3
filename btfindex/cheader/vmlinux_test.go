package cheader

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
)

const vmlinuxPath = "/sys/kernel/btf/vmlinux"

var (
	vmlinuxOnce sync.Once
	vmlinuxSpec *btf.Spec
	vmlinuxErr  error
)

// kernelSpec loads the running kernel's BTF, skipping without it.
func kernelSpec(t testing.TB) *btf.Spec {
	t.Helper()
	if _, err := os.Stat(vmlinuxPath); err != nil {
		t.Skipf("no kernel BTF at %s: %v", vmlinuxPath, err)
	}
	vmlinuxOnce.Do(func() { vmlinuxSpec, vmlinuxErr = btf.LoadSpec(vmlinuxPath) })
	if vmlinuxErr != nil {
		t.Fatal(vmlinuxErr)
	}
	return vmlinuxSpec
}

var (
	vmlinuxHeaderOnce sync.Once
	vmlinuxHeader     []byte
	vmlinuxGen        *gen
)

func kernelHeader(t *testing.T) ([]byte, *gen) {
	t.Helper()
	spec := kernelSpec(t)
	vmlinuxHeaderOnce.Do(func() { vmlinuxHeader, vmlinuxGen = generate(t, spec, Options{}) })
	if vmlinuxHeader == nil {
		t.Fatal("generating the kernel header failed earlier")
	}
	return vmlinuxHeader, vmlinuxGen
}

func TestVmlinuxCompilesForBPF(t *testing.T) {
	h, _ := kernelHeader(t)
	compile(t, h, "", "bpf")
}

func TestVmlinuxCompilesForHost(t *testing.T) {
	h, _ := kernelHeader(t)
	compile(t, h, "", "")
}

// interesting records that the layout sample always includes.
var interesting = []string{
	"task_struct", "sk_buff", "file", "inode", "trace_event_raw_sched_switch",
	"bpf_map", "page", "mm_struct", "sock", "net_device", "rq", "super_block",
	"dentry", "bpf_prog", "pt_regs", "xdp_md", "__sk_buff", "perf_event",
	"cgroup", "tcp_sock", "iphdr", "ipv6hdr", "tcphdr", "bio", "request_queue",
}

// TestVmlinuxLayout checks, with static assertions compiled for BPF, the
// size of every named struct and union of the kernel and the offset of
// each of their named non-bit-field members (a superset of the sample the
// brief asks for), and that the interesting records, packed records,
// records with bit-fields, aligned members and unions are among them.
func TestVmlinuxLayout(t *testing.T) {
	h, g := kernelHeader(t)
	sel := namedRecords(g)
	have := map[string]bool{}
	var packed, bitfields, unions, aligned int
	for _, i := range sel {
		have[g.types[i].TypeName()] = true
		p := g.plan(i)
		if !p.exact {
			t.Errorf("%s: no C layout found that reproduces BTF", g.recordName(i))
		}
		if p.packed {
			packed++
		}
		if _, ok := g.types[i].(*btf.Union); ok {
			unions++
		}
		ms, _, _ := members(g.types[i])
		for j, m := range ms {
			if m.BitfieldSize > 0 {
				bitfields++
				break
			}
			if p.members[j].alignAttr > 0 {
				aligned++
			}
		}
	}
	for _, n := range interesting {
		if !have[n] {
			t.Errorf("kernel BTF has no record %s", n)
		}
	}
	if len(sel) < 200 || packed == 0 || bitfields == 0 || unions == 0 || aligned == 0 {
		t.Fatalf("sample too thin: %d records, %d packed, %d with bit-fields, %d unions, %d aligned members",
			len(sel), packed, bitfields, unions, aligned)
	}
	n := checkLayout(t, h, g, sel)
	t.Logf("%d records (%d packed, %d with bit-fields, %d unions), %d assertions hold", len(sel), packed, bitfields, unions, n)
}

// TestVmlinuxBitfields runs a host program that locates every named
// bit-field of the kernel's records and compares with BTF.
func TestVmlinuxBitfields(t *testing.T) {
	h, g := kernelHeader(t)
	_, _, bits := layoutAsserts(g, namedRecords(g))
	checkBitfields(t, h, bits)
	t.Logf("%d bit-fields in place", len(bits))
}

func TestVmlinuxDeterministic(t *testing.T) {
	h, _ := kernelHeader(t)
	// A fresh load, so that no state is shared with the first run.
	spec, err := btf.LoadSpec(vmlinuxPath)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, spec, Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(h, b.Bytes()) {
		t.Fatal("two runs over the same BTF differ")
	}
}

func TestVmlinuxContents(t *testing.T) {
	h, g := kernelHeader(t)
	mustContain(t, h,
		"struct task_struct {",
		"#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)",
		"#ifndef BPF_NO_KFUNC_PROTOTYPES",
		" __weak __ksym;",
		"typedef __u32 u32;",
	)
	if len(g.kfuncs) == 0 {
		t.Error("no kfuncs found in kernel BTF")
	}
	protos := map[string]bool{}
	lines := regexp.MustCompile(`(?m)^extern .* __weak __ksym;$`).FindAll(h, -1)
	call := regexp.MustCompile(`(\w+)\(`)
	for _, l := range lines {
		for _, m := range call.FindAllSubmatch(l, -1) {
			protos[string(m[1])] = true
		}
	}
	for _, k := range g.kfuncs {
		if !protos[g.types[k].TypeName()] {
			t.Errorf("no prototype for kfunc %s", g.types[k].TypeName())
		}
	}
	if len(lines) != len(g.kfuncs) {
		t.Errorf("%d kfunc prototypes for %d kfuncs", len(lines), len(g.kfuncs))
	}
}

// TestVmlinuxRoots checks a small header: the roots are defined, what they
// embed is defined, what they only point to is merely declared, and it
// compiles with the layout of its records intact.
func TestVmlinuxRoots(t *testing.T) {
	spec := kernelSpec(t)
	h, g := generate(t, spec, Options{Roots: []string{"trace_event_raw_sched_switch", "sk_buff", "bpf_map"}, NoKfuncs: true})
	full, _ := kernelHeader(t)
	if len(h) > len(full)/10 {
		t.Errorf("filtered header is %d bytes of %d", len(h), len(full))
	}
	mustContain(t, h, "struct trace_event_raw_sched_switch {", "struct sk_buff {", "struct bpf_map {",
		"struct trace_entry {", // embedded by value
		"struct sock;",         // only pointed to
	)
	if bytes.Contains(h, []byte("struct sock {")) || bytes.Contains(h, []byte("struct task_struct {")) {
		t.Error("filtered header defines records it only points to")
	}
	var sel []int32
	for i, t := range g.types {
		if isRecord(t) && t.TypeName() != "" && g.state[i] == stDone {
			sel = append(sel, int32(i))
		}
	}
	n := checkLayout(t, h, g, sel)
	t.Logf("%d bytes, %d records, %d assertions", len(h), len(sel), n)

	if _, err := newGen(spec, &Options{Roots: []string{"no_such_type_anywhere"}}); err == nil {
		t.Error("unknown root accepted")
	}
}

// BenchmarkWriteVmlinux reports, besides wall time, the CPU time of the
// process per operation (cpu-ms/op: user+system over all threads, GC
// included), which stays meaningful on a shared, loaded machine.
func BenchmarkWriteVmlinux(b *testing.B) {
	spec := kernelSpec(b)
	// The first pass also decodes every type (cilium decodes lazily);
	// report that separately from the steady state.
	var size int
	b.Run("warm", func(b *testing.B) {
		if err := Write(io.Discard, spec, Options{}); err != nil { // decode everything first
			b.Fatal(err)
		}
		defer cpuPerOp(b)()
		for b.Loop() {
			var cw countWriter
			if err := Write(&cw, spec, Options{}); err != nil {
				b.Fatal(err)
			}
			size = cw.n
		}
		b.ReportMetric(float64(size), "bytes")
	})
	b.Run("load+write", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			s, err := btf.LoadSpec(vmlinuxPath)
			if err != nil {
				b.Fatal(err)
			}
			if err := Write(io.Discard, s, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("roots", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			if err := Write(io.Discard, spec, Options{Roots: []string{"task_struct"}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// cpuPerOp starts measuring the process's CPU time; the function it
// returns reports it per operation.
func cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }
