// Command bt checks, formats, lists and (in a later release) runs bpftrace
// scripts. Every subcommand is a thin layer over the analysis core.
package main

import (
	"os"
)

func main() {
	os.Exit(execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
