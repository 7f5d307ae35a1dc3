package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func init() {
	commands = append(commands, func() *cobra.Command {
		var force bool
		cmd := &cobra.Command{
			Use:   "install-link DIR",
			Short: "Put a `bpftrace` link to this bt in DIR, so that bpftrace invocations run bt",
			Long: `Create DIR/bpftrace as a symbolic link to this bt executable. Run through the
link, bt takes bpftrace v0.26's command line (see bt bpftrace --help), so
scripts, wrappers and runbooks that call bpftrace run unchanged on bt.

An existing DIR/bpftrace that is not already such a link is left alone
unless --force is given (then it is replaced).`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				exe, err := os.Executable()
				if err != nil {
					return err
				}
				if exe, err = filepath.EvalSymlinks(exe); err != nil {
					return err
				}
				return installLink(cmd.OutOrStdout(), cmd.ErrOrStderr(), exe, args[0], force)
			},
		}
		cmd.Flags().BoolVar(&force, "force", false, "replace an existing DIR/bpftrace")
		return cmd
	})
}

// installLink makes dir/bpftrace a symbolic link to target, atomically
// (a temporary link renamed over the name).
func installLink(stdout, stderr io.Writer, target, dir string, force bool) error {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "bt install-link: %s is not a directory\n", dir)
		return exitError{exitUsage}
	}
	name := filepath.Join(dir, bpftraceName)
	if cur, err := os.Readlink(name); err == nil && cur == target {
		fmt.Fprintf(stdout, "%s -> %s (already)\n", name, target)
		return nil
	} else if _, err := os.Lstat(name); err == nil && !force {
		fmt.Fprintf(stderr, "bt install-link: %s exists; use --force to replace it\n", name)
		return exitError{exitUsage}
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "bt install-link: %v\n", err)
		return exitError{exitUsage}
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.bt-%d", bpftraceName, os.Getpid()))
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		fmt.Fprintf(stderr, "bt install-link: %v\n", err)
		return exitError{exitUsage}
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		fmt.Fprintf(stderr, "bt install-link: %v\n", err)
		return exitError{exitUsage}
	}
	fmt.Fprintf(stdout, "%s -> %s\n", name, target)
	return nil
}
