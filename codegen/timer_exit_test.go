package codegen

import (
	"testing"

	"github.com/cilium/ebpf/asm"
)

// TestTimerProbesStopAtExit: interval and profile programs test the exit
// flag before their body (a timer firing between exit() and the detach
// does nothing); event probes do not, so they run until the detach as in
// bpftrace.
func TestTimerProbesStopAtExit(t *testing.T) {
	obj := compileSrc(t, `interval:ms:1 { @i = 1; } profile:hz:99 { @p = 1; } tracepoint:syscalls:sys_enter_getpid { @t = 1; }`, Options{})
	for _, p := range obj.Progs {
		spec := obj.Spec.Programs[p.SpecName]
		if spec == nil {
			t.Fatalf("no program %s", p.SpecName)
		}
		// The state flag is read before the first map update.
		checked := false
		for _, ins := range spec.Instructions {
			if ins.Reference() == stateName {
				checked = true
				break
			}
			if ins.IsBuiltinCall() && ins.Constant == int64(asm.FnMapUpdateElem) {
				break
			}
		}
		if want := p.Provider == "interval" || p.Provider == "profile"; checked != want {
			t.Errorf("%s (%s): exit flag read first = %v, want %v", p.SpecName, p.Provider, checked, want)
		}
	}
}
