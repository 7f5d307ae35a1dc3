package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/printer"
	"github.com/spf13/cobra"
)

// fmtFlags are bt fmt's options.
type fmtFlags struct {
	write, list, diff bool
}

func init() {
	commands = append(commands, func() *cobra.Command {
		var f fmtFlags
		cmd := &cobra.Command{
			Use:   "fmt [-w] [-l] [-d] [FILE... | -]",
			Short: "Format scripts in bpftrace's canonical style",
			Long: `Format bpftrace scripts the way bpftrace --fmt does.

With no FILE, or with -, bt fmt reads standard input. A directory stands for
every .bt file under it. Without flags the formatted scripts are written to
standard output; -w rewrites the files in place instead, -l lists the files
whose formatting differs and -d prints the differences as a unified diff.

A script with syntax errors is left alone: its diagnostics go to standard
error and bt fmt exits with status 1. Unreadable files give status 2.`,
			Args: cobra.ArbitraryArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				return runFmt(cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args, f)
			},
		}
		fl := cmd.Flags()
		fl.BoolVarP(&f.write, "write", "w", false, "write the result to the file instead of standard output")
		fl.BoolVarP(&f.list, "list", "l", false, "list files whose formatting differs")
		fl.BoolVarP(&f.diff, "diff", "d", false, "print a unified diff of the changes instead of the result")
		return cmd
	})
}

const stdinName = "<standard input>"

func runFmt(stdin io.Reader, stdout, stderr io.Writer, args []string, f fmtFlags) error {
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
			if f.write {
				fmt.Fprintln(stderr, "bt fmt: cannot use -w with standard input")
				return exitError{exitUsage}
			}
			src, err := io.ReadAll(stdin)
			if err != nil {
				fmt.Fprintf(stderr, "bt fmt: reading standard input: %v\n", err)
				fail(exitUsage)
				continue
			}
			fail(fmtOne(stdout, stderr, stdinName, src, nil, f))
			continue
		}
		st, err := os.Stat(arg)
		if err != nil {
			fmt.Fprintf(stderr, "bt fmt: %v\n", err)
			fail(exitUsage)
			continue
		}
		if !st.IsDir() {
			fail(fmtFile(stdout, stderr, arg, f))
			continue
		}
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(stderr, "bt fmt: %v\n", err)
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
				fail(fmtFile(stdout, stderr, path, f))
			}
			return nil
		})
		if err != nil {
			fmt.Fprintf(stderr, "bt fmt: %v\n", err)
			fail(exitUsage)
		}
	}
	if status != exitOK {
		return exitError{status}
	}
	return nil
}

func fmtFile(stdout, stderr io.Writer, path string, f fmtFlags) int {
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "bt fmt: %v\n", err)
		return exitUsage
	}
	write := func(out []byte) error { return writeFileAtomic(path, out) }
	return fmtOne(stdout, stderr, path, src, write, f)
}

// fmtOne formats one script and does what the flags ask with the result.
func fmtOne(stdout, stderr io.Writer, name string, src []byte, write func([]byte) error, f fmtFlags) int {
	out, diags := printer.Format(src, name)
	if diags.HasErrors() {
		diag.RenderAll(stderr, diags, diag.TextOptions{})
		return exitFindings
	}
	changed := !bytes.Equal(src, out)
	if f.list && changed {
		fmt.Fprintln(stdout, name)
	}
	if f.write && changed && write != nil {
		if err := write(out); err != nil {
			fmt.Fprintf(stderr, "bt fmt: %v\n", err)
			return exitUsage
		}
	}
	if f.diff && changed {
		io.WriteString(stdout, unifiedDiff(name+".orig", name, string(src), string(out)))
	}
	if !f.list && !f.write && !f.diff {
		stdout.Write(out)
	}
	return exitOK
}

// writeFileAtomic replaces the file at path (following a symbolic link)
// with data: it writes a temporary file in the same directory with the
// same permissions and renames it over the original.
func writeFileAtomic(path string, data []byte) error {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".bt-fmt-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Chmod(st.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky))
	}
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return werr
	}
	return os.Rename(tmp.Name(), path)
}

// unifiedDiff returns the differences between a and b as a unified diff
// with three lines of context, labelled with the names aName and bName;
// it is empty when a and b are equal.
func unifiedDiff(aName, bName, a, b string) string {
	if a == b {
		return ""
	}
	x, y := splitLines(a), splitLines(b)
	ops := diffLines(x, y)
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", aName, bName)
	const context = 3
	// Walk the edit script, cutting it into hunks of changes separated by
	// more than 2*context unchanged lines.
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-context, 0)
		for start < i && ops[start].kind != ' ' {
			start++
		}
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, run)
				break
			}
			end = run
		}
		aStart, bStart := ops[start].ai, ops[start].bi
		var aLen, bLen int
		for _, op := range ops[start:end] {
			if op.kind != '+' {
				aLen++
			}
			if op.kind != '-' {
				bLen++
			}
		}
		fmt.Fprintf(&sb, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
		for _, op := range ops[start:end] {
			sb.WriteByte(op.kind)
			sb.WriteString(op.text)
			if !strings.HasSuffix(op.text, "\n") {
				sb.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = end
	}
	return sb.String()
}

func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start) // the line before an insertion
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// splitLines splits s after each newline; a last line without one is
// kept as is.
func splitLines(s string) []string {
	var lines []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// diffOp is one line of an edit script: kept (' '), deleted ('-') or
// inserted ('+'); ai and bi count the lines of a and b before it.
type diffOp struct {
	kind   byte
	text   string
	ai, bi int
}

// diffLines returns a shortest edit script turning x into y (Myers'
// O(ND) algorithm).
func diffLines(x, y []string) []diffOp {
	n, m := len(x), len(y)
	maxD := n + m
	v := make([]int, 2*maxD+3)
	var trace [][]int
	off := maxD + 1
	for d := 0; d <= maxD; d++ {
		trace = append(trace, append([]int(nil), v...))
		done := false
		for k := -d; k <= d; k += 2 {
			var i int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				i = v[off+k+1] // down: insertion
			} else {
				i = v[off+k-1] + 1 // right: deletion
			}
			j := i - k
			for i < n && j < m && x[i] == y[j] {
				i++
				j++
			}
			v[off+k] = i
			if i >= n && j >= m {
				done = true
				break
			}
		}
		if done {
			trace = append(trace, v)
			break
		}
	}
	// Walk back through the trace to recover the path.
	var rev []diffOp
	i, j := n, m
	for d := len(trace) - 2; d >= 0 && (i > 0 || j > 0); d-- {
		vd := trace[d]
		k := i - j
		var pk int
		if k == -d || k != d && vd[off+k-1] < vd[off+k+1] {
			pk = k + 1
		} else {
			pk = k - 1
		}
		pi := vd[off+pk]
		pj := pi - pk
		for i > pi && j > pj && i > 0 && j > 0 && x[i-1] == y[j-1] {
			i--
			j--
			rev = append(rev, diffOp{kind: ' ', text: x[i], ai: i, bi: j})
		}
		if d == 0 {
			break
		}
		if pk == k+1 { // insertion of y[j-1]
			j--
			rev = append(rev, diffOp{kind: '+', text: y[j], ai: i, bi: j})
		} else { // deletion of x[i-1]
			i--
			rev = append(rev, diffOp{kind: '-', text: x[i], ai: i, bi: j})
		}
	}
	for i > 0 && j > 0 {
		i--
		j--
		rev = append(rev, diffOp{kind: ' ', text: x[i], ai: i, bi: j})
	}
	ops := make([]diffOp, len(rev))
	for k := range rev {
		ops[k] = rev[len(rev)-1-k]
	}
	return ops
}
