package builtins

import (
	"syscall"
	"testing"
)

func TestSignalNumber(t *testing.T) {
	for _, c := range []struct {
		name string
		want syscall.Signal // 0: not a name signal() takes
	}{
		{"SIGKILL", syscall.SIGKILL}, {"kill", syscall.SIGKILL}, {"sigterm", syscall.SIGTERM},
		{"USR1", syscall.SIGUSR1}, {"SIGPOLL", syscall.SIGIO}, {"SIGSYS", syscall.SIGSYS},
		{"SEGV", 0}, {"SIGIO", 0}, {"SIGPWR", 0}, {"SIGPROF", 0}, {"SIGRTMIN", 0},
		{"SIGFOO", 0}, {"", 0}, {"SIGKILL ", 0},
	} {
		n, ok := SignalNumber(c.name)
		if ok != (c.want != 0) || n != int(c.want) {
			t.Errorf("SignalNumber(%q) = %d, %v; want %d", c.name, n, ok, int(c.want))
		}
	}
	// Every name has its kernel number.
	for _, name := range signalNames {
		if _, ok := SignalNumber(name); !ok {
			t.Errorf("%s has no number", name)
		}
	}
}
