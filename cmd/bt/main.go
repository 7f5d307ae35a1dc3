// Command bt checks, formats, lists and (in a later release) runs bpftrace
// scripts. Every subcommand is a thin layer over the analysis core.
package main

import (
	"os"
)

func main() {
	if invokedAsBpftrace(os.Args[0]) {
		// The drop-in: a link named bpftrace takes bpftrace's command line.
		os.Exit(bpftraceMain(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
