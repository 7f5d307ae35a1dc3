package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/spf13/cobra"
)

// checkFlags are bt check's options.
type checkFlags struct {
	syntaxOnly bool
	color      string
}

func init() {
	commands = append(commands, func() *cobra.Command {
		var f checkFlags
		cmd := &cobra.Command{
			Use:   "check [--syntax-only] [--color=auto|always|never] [FILE... | -]",
			Short: "Report errors in scripts like a compiler",
			Long: `Check bpftrace scripts and report every problem as
file:line:col: error[code]: message, with the source line and a caret.

With no FILE, or with -, bt check reads standard input. A directory stands
for every .bt file under it. The exit status is 0 when no script has an
error, 1 when some script has one, and 2 for bad usage or an unreadable file.

Currently bt check parses the scripts and reports syntax errors only (bad
tokens and literals, misplaced or malformed items, attach points that do not
fit their provider); --syntax-only asks for exactly that and will keep doing
so once type checking against the kernel's BTF is added to plain bt check.`,
			Args: cobra.ArbitraryArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				return runCheck(cmd.InOrStdin(), cmd.ErrOrStderr(), args, f)
			},
		}
		fl := cmd.Flags()
		fl.BoolVar(&f.syntaxOnly, "syntax-only", false, "only parse: report syntax errors (currently what bt check does anyway)")
		fl.StringVar(&f.color, "color", "auto", "colour the diagnostics: auto (when standard error is a terminal), always or never")
		return cmd
	})
}

// useColor decides whether diagnostics written to w get ANSI colours.
func useColor(mode string, w io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
			return false, nil
		}
		f, ok := w.(*os.File)
		if !ok {
			return false, nil
		}
		st, err := f.Stat()
		return err == nil && st.Mode()&os.ModeCharDevice != 0, nil
	}
	return false, fmt.Errorf("invalid --color %q: use auto, always or never", mode)
}

func runCheck(stdin io.Reader, stderr io.Writer, args []string, f checkFlags) error {
	color, err := useColor(f.color, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "bt check: %v\n", err)
		return exitError{exitUsage}
	}
	opts := diag.TextOptions{Color: color}
	if len(args) == 0 {
		args = []string{"-"}
	}
	status := exitOK
	fail := func(code int) {
		if code > status {
			status = code
		}
	}
	for _, arg := range args {
		if arg == "-" {
			src, err := io.ReadAll(stdin)
			if err != nil {
				fmt.Fprintf(stderr, "bt check: reading standard input: %v\n", err)
				fail(exitUsage)
				continue
			}
			fail(checkOne(stderr, checkStdinName, src, opts))
			continue
		}
		st, err := os.Stat(arg)
		if err != nil {
			fmt.Fprintf(stderr, "bt check: %v\n", err)
			fail(exitUsage)
			continue
		}
		if !st.IsDir() {
			fail(checkFile(stderr, arg, opts))
			continue
		}
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(stderr, "bt check: %v\n", err)
				fail(exitUsage)
				return nil
			}
			if path != arg && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), ".bt") && d.Type().IsRegular() {
				fail(checkFile(stderr, path, opts))
			}
			return nil
		})
		if err != nil {
			fmt.Fprintf(stderr, "bt check: %v\n", err)
			fail(exitUsage)
		}
	}
	if status != exitOK {
		return exitError{status}
	}
	return nil
}

func checkFile(stderr io.Writer, path string, opts diag.TextOptions) int {
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "bt check: %v\n", err)
		return exitUsage
	}
	return checkOne(stderr, path, src, opts)
}

// checkOne parses one script and prints its diagnostics.
func checkOne(stderr io.Writer, name string, src []byte, opts diag.TextOptions) int {
	_, diags := parser.ParseFile(source.NewFile(name, src))
	diag.RenderAll(stderr, diags, opts)
	if diags.HasErrors() {
		return exitFindings
	}
	return exitOK
}

// checkStdinName names standard input in diagnostics.
const checkStdinName = "<stdin>"
