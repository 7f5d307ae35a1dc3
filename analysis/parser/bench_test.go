package parser

import (
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/bt-tools/bt/analysis/source"
)

// benchScript builds a realistic script of about lines lines by cycling
// through varied constructs: C definitions, config, macros, functions,
// probes with predicates, maps, casts, loops, strings and comments.
func benchScript(lines int) []byte {
	var b strings.Builder
	b.WriteString("#!/usr/bin/env bpftrace\n#include <linux/sched.h>\n#include <net/sock.h>\n")
	b.WriteString("struct sample {\n\tint pid;\n\tchar comm[16];\n\tunsigned long ts;\n};\n")
	b.WriteString("config = {\n\tmax_map_keys = 65536;\n\tstack_mode = perf;\n}\n")
	b.WriteString("let @sizes = lruhash(4096);\n")
	for i := 0; strings.Count(b.String(), "\n") < lines; i++ {
		switch i % 6 {
		case 0:
			fmt.Fprintf(&b, `// Probe %d: latency of reads.
kprobe:vfs_read,
kprobe:vfs_readv%d
/pid != 0 && comm != "bpftrace"/
{
	@start[tid] = nsecs;
	$file = (struct file *)arg0;
	@sizes[comm, pid] = arg2 & 0xffff;
	if ($file->f_flags & 0x800) {
		@nonblock[comm] = count();
	} else if ($file->f_mode == %d) {
		@mode[%d] = sum(arg2);
	}
}

kretprobe:vfs_read
/@start[tid]/
{
	$lat = (nsecs - @start[tid]) / 1000;
	@latency_us = hist($lat);
	@by_comm[comm] = stats($lat);
	delete(@start, tid);
}
`, i, i, i%7, i)
		case 1:
			fmt.Fprintf(&b, `macro bucket_%d($v, @m) {
	$v += 1;
	@m[$v %% 16] = count();
	$v * 2
}

fn scale_%d($x: int64, $y: uint32): int64 {
	let $r: int64 = $x * (int64)$y;
	return $r > 1_000_000 ? $r / 1000 : $r;
}
`, i, i)
		case 2:
			fmt.Fprintf(&b, `tracepoint:syscalls:sys_enter_openat%d
{
	@filename[tid] = args.filename;
	printf("%%-6d %%-16s %%s\n", pid, comm, str(args.filename));
	/* tuple and record values */
	$t = (pid, comm, (1, 2));
	$r = (name = comm, count = %d);
	print(($t.0, $r.count));
}
`, i, i)
		case 3:
			fmt.Fprintf(&b, `interval:s:%d
{
	for ($kv : @by_comm) {
		printf("%%s %%d\n", $kv.0, $kv.1);
	}
	for ($i : 0..%d) {
		if ($i == 3) { continue; }
		@loop[$i] = $i << 2;
	}
	unroll(4) { @unrolled++; }
	print(@latency_us);
	clear(@latency_us);
}
`, i%60+1, i%10+4)
		case 4:
			fmt.Fprintf(&b, `uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:malloc,
uprobe:"/opt/app %d/bin/server":cpp:"Server::handle"
{
	@alloc[ustack(perf, 5)] = sum(arg0);
	$p = (uint8 *)arg1;
	$a = sizeof(struct sample) + offsetof(struct sample, ts);
	$b = (uint64)$p + %d * 2 - -1;
	_ = $a ?: $b;
}
`, i, i)
		case 5:
			fmt.Fprintf(&b, `profile:hz:99 /cpu == %d/ { @cpu[kstack] = count(); }
software:page-faults:100 { @faults[comm] = count(); }
hardware:cache-misses:1000000 { @misses[cpu] = count(); }
watchpoint:0x%x:8:rw { printf("hit\n"); }
`, i%8, 0x10000000+i*8)
		}
	}
	return []byte(b.String())
}

// BenchmarkParse10kLines parses a generated script of about 10,000
// lines (see docs/PERFORMANCE.md for the numbers).
func BenchmarkParse10kLines(b *testing.B) {
	text := benchScript(10000)
	f := source.NewFile("bench.bt", text)
	if _, diags := ParseFile(f); len(diags) > 0 {
		b.Fatalf("benchmark script has errors: %v", diags[0])
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ParseFile(f)
	}
	b.StopTimer()
	// CPU time of the process per parse (GC included): unlike ns/op it
	// does not grow when other work competes for the machine.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(strings.Count(string(text), "\n")), "lines")
}

func TestBenchScriptParses(t *testing.T) {
	text := benchScript(600)
	f, diags := ParseFile(source.NewFile("bench.bt", text))
	if len(diags) > 0 {
		t.Fatalf("generated script has errors: %v", diags)
	}
	checkTree(t, f, len(text))
}

// cpuTime returns the user+system CPU time of the process in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
