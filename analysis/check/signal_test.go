package check

import (
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/diag"
)

// TestSignalNames: signal() and signal_thread() take the names of
// builtins.SignalNumber's table; any other name is an error worded as
// bpftrace words it, and numbers are not judged here.
func TestSignalNames(t *testing.T) {
	for _, c := range []struct {
		call string
		bad  string // "" when the call is fine
	}{
		{`signal("SIGKILL")`, ""},
		{`signal("term")`, ""},
		{`signal_thread("SIGPOLL")`, ""},
		{`signal(9)`, ""},
		{`signal("SIGFOO")`, "Invalid string for signal: SIGFOO"},
		{`signal_thread("SIGIO")`, "Invalid string for signal: SIGIO"},
		{`signal("SEGV")`, "Invalid string for signal: SEGV"},
	} {
		src := "tracepoint:syscalls:sys_enter_getpid { " + c.call + "; }"
		_, pd, diags := checkPermissive(t, "sig.bt", []byte(src))
		if len(pd) > 0 {
			t.Fatalf("%s: parse: %v", c.call, pd)
		}
		var msgs []string
		for _, d := range diags {
			if d.Severity == diag.Error {
				msgs = append(msgs, d.Message)
			}
		}
		got := strings.Join(msgs, "; ")
		if c.bad == "" && got != "" || c.bad != "" && !strings.Contains(got, c.bad) {
			t.Errorf("%s: errors %q, want %q", c.call, got, c.bad)
		}
	}
}
