// Command bt checks, formats, lists and runs bpftrace scripts. Every
// subcommand is a thin layer over the analysis core, the compiler and the
// runtime.
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
)

func init() {
	// The begin and end probes run (BPF_PROG_TEST_RUN) from the goroutine
	// that runs the script, main's: keeping it on the process's first
	// thread makes their tid the pid, as in bpftrace.
	runtime.LockOSThread()
}

func main() {
	if invokedAsBpftrace(os.Args[0]) {
		// The drop-in: a link named bpftrace takes bpftrace's command line.
		os.Exit(bpftraceMain(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	// BT_CPUPROFILE=FILE writes a CPU profile of the whole command, for
	// finding where start-up time goes (go tool pprof FILE).
	if path := os.Getenv("BT_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				code := execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
				pprof.StopCPUProfile()
				f.Close()
				os.Exit(code)
			}
			f.Close()
		}
	}
	os.Exit(execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
