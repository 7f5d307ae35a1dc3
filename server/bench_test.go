package server

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// benchScript returns a realistic script of about n lines: tracepoints
// with args, kprobe/kretprobe pairs, fentry args, curtask walks, maps of
// several kinds, printf, a macro and a config block.
func benchScript(n int) string {
	var b strings.Builder
	b.WriteString("config = { max_strlen = 128; missing_probes = warn }\n\n")
	b.WriteString("// Nanoseconds to milliseconds.\nmacro to_ms(ns) { ns / 1000000 }\n\n")
	tps := []string{"sched:sched_switch", "sched:sched_wakeup", "syscalls:sys_enter_openat", "syscalls:sys_enter_read",
		"block:block_rq_issue", "syscalls:sys_enter_write", "signal:signal_generate", "sched:sched_process_exec"}
	fns := []string{"vfs_read", "vfs_write", "do_sys_openat2", "vfs_open", "tcp_sendmsg", "do_nanosleep", "vfs_fsync", "ksys_read"}
	lines := 5
	for i := 0; lines < n; i++ {
		tp, fn := tps[i%len(tps)], fns[i%len(fns)]
		block := fmt.Sprintf(`tracepoint:%s
{
  @events_%d[comm, pid] = count();
  $task = curtask;
  @parent_%d[$task->real_parent->pid] = count();
}

kprobe:%s
{
  @start_%d[tid] = nsecs;
}

kretprobe:%s
/@start_%d[tid]/
{
  $ms = to_ms(nsecs - @start_%d[tid]);
  @latency_%d = hist($ms);
  printf("%%-16s %%6d %%d ms\n", comm, pid, $ms);
  delete(@start_%d, tid);
}

`, tp, i, i, fn, i, fn, i, i, i, i)
		b.WriteString(block)
		lines += strings.Count(block, "\n")
	}
	b.WriteString("interval:s:5 { print(@latency_0); clear(@latency_0); }\n")
	return b.String()
}

// BenchmarkFirstDiagnosticsColdStart measures a new server (kernel index
// not open, BTF not decoded) from didOpen of a 200-line script to its
// diagnostics. Besides wall time it reports the process's CPU time in
// that window (all goroutines, the background warm-up included), which a
// busy machine inflates less.
func BenchmarkFirstDiagnosticsColdStart(b *testing.B) {
	needKernel(b)
	src := benchScript(200)
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		resetKernels() // a new process: nothing open, nothing decoded
		c := newClient(b, Options{})
		c.initialize(testCaps, nil)
		c0 := cpuTime()
		b.StartTimer()
		c.open(uri1, src, 1)
		d := c.waitDiagnostics(uri1, 1)
		b.StopTimer()
		cpu += cpuTime() - c0
		for _, x := range d {
			if x.Severity == protocol.DiagnosticSeverityError {
				b.Fatalf("error in the benchmark script: %+v", x)
			}
		}
		if snap, err := c.srv.snapshot(uri1); err == nil && snap.Kernel != nil {
			snap.Kernel.waitWarm(time.Minute) // let the warm-up end before the next round
		}
		stopClient(c)
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// stopClient shuts a client's server down now rather than when the
// benchmark ends (each holds a kernel index); the harness's cleanup then
// finds it stopped.
func stopClient(c *client) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.conn.Call(ctx, "shutdown", nil, nil)
	c.conn.Notify(ctx, "exit", nil)
	select {
	case err := <-c.done:
		c.done <- err // for the cleanup
	case <-ctx.Done():
		c.t.Error("server did not exit")
	}
	c.conn.Close()
}

// percentile returns the p-th percentile of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := int(float64(len(ds)-1) * p)
	return ds[i]
}

// benchCase is one request of a latency benchmark.
type benchCase struct{ name, src string }

// latencyBench runs one sub-benchmark per case on one warm server (kernel
// index open, BTF decoded, each document analysed) and reports each
// request's p50 and p95 latency, JSON-RPC round trip included.
func latencyBench(b *testing.B, method string, cases []benchCase, check func(string, any)) {
	needKernel(b)
	c := newClient(b, Options{})
	c.initialize(fullCaps, nil)
	c.open(uri1, "begin { }", 1)
	c.waitDiagnostics(uri1, 1)
	if snap, err := c.srv.snapshot(uri1); err == nil && snap.Kernel != nil {
		snap.Kernel.waitWarm(time.Minute)
	}
	for j, bc := range cases {
		text, pos := withCursor(b, bc.src)
		uri := fmt.Sprintf("file:///tmp/bench%d.bt", j)
		c.open(uri, text, 1)
		c.waitDiagnostics(uri, 1)
		var first any
		c.mustCall(method, docPos(uri, pos), &first) // warm this case's caches
		if check != nil {
			check(bc.src, first)
		}
		b.Run(bc.name, func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				var out any
				start := time.Now()
				c.mustCall(method, docPos(uri, pos), &out)
				ds = append(ds, time.Since(start))
			}
			b.ReportMetric(float64(percentile(ds, 0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(percentile(ds, 0.95).Microseconds())/1000, "p95-ms")
		})
	}
}

var completionCases = []benchCase{
	{"members-curtask", "kprobe:f { $t = curtask; $t->‸ }"},               // struct task_struct, 200+ members
	{"members-nested", "fentry:vfs_read { args.file->f_path.dentry->‸ }"}, // through fentry args
	{"args-tracepoint", "tracepoint:sched:sched_switch { printf(\"%d\", args.‸) }"},
	{"kernel-funcs-prefix", "kprobe:vfs_‸"}, // 77 functions
	{"kernel-funcs-all", "kprobe:‸"},        // 56k functions, capped
	{"fentry-funcs-all", "fentry:‸"},        // the same for fentry
	{"tracepoint-events", "tracepoint:sched:‸"},
	{"body-names", "kprobe:vfs_read { @x[pid] = count(); $v = 1; pr‸ }"}, // builtins, maps, variables
}

func BenchmarkCompletion(b *testing.B) {
	latencyBench(b, "textDocument/completion", completionCases, func(src string, out any) {
		m, _ := out.(map[string]any)
		if items, _ := m["items"].([]any); len(items) == 0 {
			b.Errorf("no completion for %q", src)
		}
	})
}

var hoverCases = []benchCase{
	{"builtin", "kprobe:vfs_read { prin‸tf(\"x\"); }"},
	{"map", "kprobe:vfs_read { @x[pid] = count(); print(@‸x); }"},
	{"field", "kprobe:vfs_read { $t = curtask; print($t->real_parent->p‸id); }"},
	{"args-field", "tracepoint:sched:sched_switch { print(args.prev_p‸id); }"},
	{"attach-point", "kprobe:vfs_r‸ead { }"},
}

func BenchmarkHover(b *testing.B) {
	latencyBench(b, "textDocument/hover", hoverCases, func(src string, out any) {
		if out == nil {
			b.Errorf("no hover for %q", src)
		}
	})
}

// BenchmarkEditingSessionMemory simulates a long editing session on a
// 200-line script — thousands of incremental edits, each followed by
// diagnostics, with completions and hovers in between — and reports the
// live heap afterwards.
func BenchmarkEditingSessionMemory(b *testing.B) {
	needKernel(b)
	const edits = 3000
	for i := 0; i < b.N; i++ {
		c := newClient(b, Options{Debounce: time.Millisecond})
		c.initialize(fullCaps, nil)
		text := benchScript(200)
		c.open(uri1, text, 1)
		c.waitDiagnostics(uri1, 1)
		line := strings.Count(text, "\n") - 3
		for e := 0; e < edits; e++ {
			// Type a statement into the last probe one character at a
			// time, then delete it again.
			stmt := "@typed = count(); "
			k := e % (2 * len(stmt))
			var change map[string]any
			if k < len(stmt) {
				change = map[string]any{"range": rng(line, k, line, k), "text": stmt[k : k+1]}
			} else {
				j := 2*len(stmt) - k - 1
				change = map[string]any{"range": rng(line, j, line, j+1), "text": ""}
			}
			c.notify("textDocument/didChange", map[string]any{
				"textDocument":   map[string]any{"uri": uri1, "version": e + 2},
				"contentChanges": []any{change},
			})
			if e%10 == 0 {
				// A pause in typing: the edit is analysed.
				c.waitDiagnostics(uri1, int32(e+2))
			}
			if e%50 == 0 {
				var out any
				c.mustCall("textDocument/completion", docPos(uri1, protocol.Position{Line: uint32(line), Character: uint32(k % len(stmt))}), &out)
				c.mustCall("textDocument/hover", docPos(uri1, protocol.Position{Line: 8, Character: 14}), &out)
			}
		}
		c.waitDiagnostics(uri1, edits+1)
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
		b.ReportMetric(float64(ms.Sys)/(1<<20), "sys-MB")
		b.ReportMetric(float64(residentKB())/1024, "rss-MB")
		stopClient(c)
	}
}

func rng(l1, c1, l2, c2 int) map[string]any {
	return map[string]any{"start": map[string]any{"line": l1, "character": c1}, "end": map[string]any{"line": l2, "character": c2}}
}

// residentKB is the process's resident set (VmRSS), 0 when unknown.
func residentKB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb
		}
	}
	return 0
}
