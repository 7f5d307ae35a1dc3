package main

import (
	"strings"
	"testing"
)

// TestProbeOrder: the probes of a script on one event run in the order
// written, whether the kernel runs that provider's programs in attach
// order (software, tracepoint) or last-attached first (uprobe, uretprobe,
// usdt); a count may be written 1e6.
func TestProbeOrder(t *testing.T) {
	needRootRun(t)
	bin := buildTracee(t)
	link := bpftraceLink(t)
	for _, tc := range []struct{ name, script string }{
		{"uprobe", `uprobe:BIN:bt_add { printf("first "); } uprobe:BIN:bt_add { printf("second "); } uprobe:BIN:bt_add { printf("third\n"); }`},
		{"uretprobe", `uretprobe:BIN:bt_add { printf("first "); } uretprobe:BIN:bt_add { printf("second "); } uretprobe:BIN:bt_add { printf("third\n"); }`},
		{"usdt", `usdt:BIN:btt:args { printf("first "); } usdt:BIN:btt:args { printf("second "); } usdt:BIN:btt:args { printf("third\n"); }`},
		{"mixed", `uprobe:BIN:bt_add { printf("first "); } tracepoint:syscalls:sys_enter_getpid { } uprobe:BIN:bt_add { printf("second "); } uprobe:BIN:bt_add { printf("third\n"); }`},
	} {
		out, errOut, code := runLinkBounded(t, link, "-c", bin, "-e", strings.ReplaceAll(tc.script, "BIN", bin))
		if code != 0 || !strings.Contains(out, "first second third\n") || strings.Contains(out, "second first") || strings.Contains(out, "third first") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want every line first second third", tc.name, code, out, errOut)
		}
	}
	out, errOut, code := runLinkBounded(t, link, "-e", `software:cpu-clock:1e6 { printf("first"); } software:cpu-clock:1e6 { printf(" second\n"); exit(); }`)
	if code != 0 || !strings.Contains(out, "first second\n") {
		t.Errorf("software: exit %d, stdout %q, stderr %q; want first second", code, out, errOut)
	}
}
