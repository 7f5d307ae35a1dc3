package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// exitError carries a process exit status out of a command without
// printing anything more (the command has already said what is wrong).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Exit statuses shared by every subcommand.
const (
	exitOK       = 0
	exitFindings = 1 // the input has errors (or warnings with --werror)
	exitUsage    = 2 // bad flags, unreadable files, missing environment
)

// newRoot builds the command tree; subcommands register themselves in
// their own files through the commands list.
func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "bt",
		Short:         "bt checks, formats and lists bpftrace scripts",
		Long:          "bt is a toolchain for the bpftrace language: a checker that knows the kernel's BTF,\na formatter, a probe lister and a language server (bt-lsp).",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	for _, mk := range commands {
		root.AddCommand(mk())
	}
	return root
}

// commands lists the constructors of every subcommand; each file appends
// its own in init so that registering a command is one line next to it.
var commands []func() *cobra.Command

func execute(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(stderr, "bt: %v\n", err)
	return exitUsage
}
