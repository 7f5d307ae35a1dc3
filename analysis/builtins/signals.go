package builtins

import (
	"strings"

	"github.com/bt-tools/bt/analysis/kabi"
)

// signalNames are the signals signal() and signal_thread() take by name:
// the set bpftrace v0.26 accepts, which leaves out some of the kernel's
// (SIGIO, SIGPWR, SIGPROF, SIGSTKFLT, the real-time signals). Their
// numbers are the kernel's, from kabi.
var signalNames = []string{
	"SIGABRT", "SIGALRM", "SIGBUS", "SIGCHLD", "SIGCONT", "SIGFPE", "SIGHUP",
	"SIGILL", "SIGINT", "SIGKILL", "SIGPIPE", "SIGPOLL", "SIGQUIT", "SIGSEGV",
	"SIGSTOP", "SIGSYS", "SIGTERM", "SIGTRAP", "SIGTSTP", "SIGTTIN", "SIGTTOU",
	"SIGURG", "SIGUSR1", "SIGUSR2", "SIGVTALRM", "SIGWINCH", "SIGXCPU", "SIGXFSZ",
}

// SignalNumber is the number of a signal named as signal("NAME") takes
// it: any case, with or without the SIG prefix — as in bpftrace, a name
// that does not start with S gets the prefix, so "kill" is SIGKILL while
// "SEGV" is not a name.
func SignalNumber(name string) (int, bool) {
	s := strings.ToUpper(name)
	if s == "" {
		return 0, false
	}
	if s[0] != 'S' {
		s = "SIG" + s
	}
	for _, n := range signalNames {
		if n == s {
			c, ok := kabi.Lookup(n)
			return int(c.Value), ok
		}
	}
	return 0, false
}
