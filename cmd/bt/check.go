package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/btfindex/kernelcheck"
	"github.com/bt-tools/bt/codegen/clink"
)

// checkFlags are bt check's options.
type checkFlags struct {
	syntaxOnly bool
	color      string
	btf        []string
	kernelsDir string
	noKernel   bool
	unsafe     bool
	format     string
	werror     bool
	quiet      bool
	verify     bool
	insnCounts bool
	pid        int
	// positional are the script's arguments after "--" ($1, $2, ...).
	positional    []string
	hasPositional bool
	// includeDirs are searched by the script's C #include (-I);
	// includeFiles are included before it (bpftrace --include).
	includeDirs, includeFiles []string
}

func init() {
	commands = append(commands, func() *cobra.Command {
		var f checkFlags
		cmd := &cobra.Command{
			Use:   "check [flags] [FILE | DIR | -]... [-- ARG...]",
			Short: "Check scripts against the kernel and report errors like a compiler",
			Long: `Check bpftrace scripts: parse them, resolve their imports, read their C, and
type-check them against the kernel's BTF, as bpftrace would before running
them (but without root and without bpftrace). Every problem is reported as
file:line:col: error[code]: message, with the source line and a caret.

With no FILE, or with -, bt check reads standard input. A directory stands
for every .bt file under it. Imports are resolved relative to the script
that names them.

The kernel is the running one (its BTF, kallsyms and tracefs); --btf FILE
checks against another kernel's BTF (raw BTF or a vmlinux ELF file), and
several --btf files (or --kernels DIR, every file in DIR) check each script
against each kernel and print a matrix of which probes, args fields, struct
fields and types exist on which kernel, with the first error on each
(--format json gives the same as JSON); --no-kernel checks what does not
depend on a kernel (probes and kernel
types are then not looked up). --syntax-only only parses.

--format selects the output: text (the default, on standard error, with a
summary line), json, sarif (SARIF 2.1.0, for code scanning) or github
(workflow annotations); the last three are written to standard output.

--verify (as root) also compiles every probe to BPF and submits it to the
kernel's verifier, creating the maps but attaching nothing; a rejection is
reported on the script line that produced the failing instruction. Program
kinds the kernel cannot load at all (fentry/fexit without BPF trampolines)
are named once. --insn-counts prints each program's instruction count,
compiled and as the kernel translated it.

Arguments after -- are the scripts' positional parameters ($1, $2, ..., $#),
as they would be given to bpftrace: bt check x.bt -- 100 eth0 then checks
unroll($1) and str($2) with those values. Without them, a positional
parameter is a constant whose value is not known yet.

The exit status is 0 when there is nothing to report, 1 when some script has
an error (or a warning, with --werror), and 2 for bad usage, an unreadable
file or a kernel that cannot be read.`,
			Args: cobra.ArbitraryArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				if dash := cmd.ArgsLenAtDash(); dash >= 0 {
					args, f.positional, f.hasPositional = args[:dash], args[dash:], true
				}
				return runCheck(cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args, f)
			},
		}
		fl := cmd.Flags()
		debugInfoFlag(cmd)
		fl.BoolVar(&f.syntaxOnly, "syntax-only", false, "only parse: report syntax errors")
		fl.StringVar(&f.color, "color", "auto", "colour text diagnostics: auto (when standard error is a terminal), always or never")
		fl.StringArrayVar(&f.btf, "btf", nil, "check against the kernel BTF in `FILE` (raw BTF or a vmlinux ELF) instead of the running kernel's; repeat for a matrix over several kernels")
		fl.StringVar(&f.kernelsDir, "kernels", "", "check against every BTF or vmlinux file in `DIR` and print a matrix of what exists on which kernel")
		fl.BoolVar(&f.noKernel, "no-kernel", false, "check without a kernel: probes and kernel types are not looked up")
		fl.IntVarP(&f.pid, "pid", "p", 0, "check as for bpftrace -p `PID`: uprobe and usdt probes may leave out their binary")
		fl.BoolVar(&f.unsafe, "unsafe", false, "allow the functions bpftrace only allows with --unsafe (system(), signal(), ...)")
		fl.StringVar(&f.format, "format", "text", "output format: text, json, sarif or github")
		fl.BoolVar(&f.werror, "werror", false, "count warnings as findings (exit status 1)")
		fl.BoolVarP(&f.quiet, "quiet", "q", false, "do not print the summary line")
		fl.BoolVar(&f.verify, "verify", false, "also compile every probe and submit it to the kernel's BPF verifier (needs root; nothing is attached)")
		fl.BoolVar(&f.insnCounts, "insn-counts", false, "with --verify, print the instruction count of every program (compiled, and as the kernel translated it)")
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
		return isTerminal(w), nil
	}
	return false, fmt.Errorf("invalid --color %q: use auto, always or never", mode)
}

// checkInput is one script to check.
type checkInput struct {
	name string
	src  []byte
}

// checkResult is what checking one script found.
type checkResult struct {
	diags diag.List
	// verify is what --verify found (nil without it or when the
	// script has errors).
	verify *verifyResult
	prog   *check.Program // nil when the script was only parsed
}

func runCheck(stdin io.Reader, stdout, stderr io.Writer, args []string, f checkFlags) error {
	usage := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "bt check: "+format+"\n", a...)
		return exitError{exitUsage}
	}
	color, err := useColor(f.color, stderr)
	if err != nil {
		return usage("%v", err)
	}
	format := diag.Format(f.format)
	valid := false
	for _, fm := range diag.Formats {
		valid = valid || fm == format
	}
	if !valid {
		var names []string
		for _, fm := range diag.Formats {
			names = append(names, string(fm))
		}
		return usage("invalid --format %q: use %s", f.format, strings.Join(names, ", "))
	}
	if f.noKernel && (len(f.btf) > 0 || f.kernelsDir != "") {
		return usage("--btf/--kernels and --no-kernel exclude each other")
	}
	kernelFiles := append([]string(nil), f.btf...)
	if f.kernelsDir != "" {
		ents, err := os.ReadDir(f.kernelsDir)
		if err != nil {
			return usage("--kernels: %v", err)
		}
		for _, e := range ents {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				kernelFiles = append(kernelFiles, filepath.Join(f.kernelsDir, e.Name()))
			}
		}
		if len(kernelFiles) == 0 {
			return usage("--kernels: no files in %s", f.kernelsDir)
		}
	}
	if f.verify && (f.noKernel || len(f.btf) > 0 || f.kernelsDir != "" || f.syntaxOnly) {
		return usage("--verify checks against the running kernel: it excludes --btf, --no-kernel and --syntax-only")
	}
	if f.verify && os.Geteuid() != 0 {
		fmt.Fprintln(stderr, "bt check: --verify loads BPF programs into the kernel, which needs root")
		return exitError{exitUsage}
	}

	status := exitOK
	fail := func(code int) {
		if code > status {
			status = code
		}
	}
	inputs := collectInputs(stdin, stderr, args, fail)

	if len(kernelFiles) > 1 && !f.syntaxOnly {
		if len(inputs) == 0 {
			return exitError{status}
		}
		code := runMatrix(stdout, stderr, inputs, kernelFiles, f, format, color)
		if code > status {
			status = code
		}
		if status != exitOK {
			return exitError{status}
		}
		return nil
	}
	var kernel check.Kernel
	if !f.syntaxOnly && len(inputs) > 0 {
		btfPath := ""
		if len(kernelFiles) == 1 {
			btfPath = kernelFiles[0]
		}
		kernel, err = kernelcheck.Open(btfPath, f.noKernel)
		if err != nil {
			fmt.Fprintf(stderr, "bt check: %v\n", err)
			return exitError{exitUsage}
		}
	}
	c := &checker{flags: f, kernel: kernel, importer: check.NewFileImporter()}
	results := c.checkAll(inputs)
	if f.verify {
		reportVerify(stdout, stderr, results, f.insnCounts)
	}

	// Each diagnostic once: an imported file checked on its own and
	// through its importer reports its problems once.
	type key struct {
		file string
		span source.Span
		code diag.Code
		msg  string
	}
	seen := map[key]bool{}
	var all diag.List
	opts := diag.TextOptions{Color: color}
	for _, r := range results {
		var mine diag.List
		for _, d := range r.diags {
			k := key{d.Start().Filename, d.Span, d.Code, d.Message}
			if seen[k] {
				continue
			}
			seen[k] = true
			mine = append(mine, d)
		}
		if format == diag.FormatText {
			diag.RenderAll(stderr, mine, opts)
		}
		all = append(all, mine...)
	}
	if format != diag.FormatText {
		tool := diag.ToolInfo{Name: "bt", Version: version, InformationURI: "https://github.com/bt-tools/bt"}
		if err := diag.Write(stdout, all, format, opts, tool); err != nil {
			fmt.Fprintf(stderr, "bt check: %v\n", err)
			fail(exitUsage)
		}
	}
	errs, warns := all.Count(diag.Error), all.Count(diag.Warning)
	if errs > 0 || (f.werror && warns > 0) {
		fail(exitFindings)
	}
	if format == diag.FormatText && !f.quiet && errs+warns > 0 {
		fmt.Fprintf(stderr, "%s, %s in %s\n", plural(errs, "error"), plural(warns, "warning"), plural(len(inputs), "file"))
	}
	if status != exitOK {
		return exitError{status}
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// collectInputs reads the scripts named on the command line: files,
// every .bt file under a directory (hidden ones skipped), and standard
// input for "-" or no argument.
func collectInputs(stdin io.Reader, stderr io.Writer, args []string, fail func(int)) []checkInput {
	if len(args) == 0 {
		args = []string{"-"}
	}
	var inputs []checkInput
	readFile := func(path string) {
		src, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "bt check: %v\n", err)
			fail(exitUsage)
			return
		}
		inputs = append(inputs, checkInput{name: path, src: src})
	}
	stdinRead := false
	for _, arg := range args {
		if arg == "-" {
			if stdinRead {
				continue
			}
			stdinRead = true
			src, err := io.ReadAll(stdin)
			if err != nil {
				fmt.Fprintf(stderr, "bt check: reading standard input: %v\n", err)
				fail(exitUsage)
				continue
			}
			inputs = append(inputs, checkInput{name: checkStdinName, src: src})
			continue
		}
		st, err := os.Stat(arg)
		if err != nil {
			fmt.Fprintf(stderr, "bt check: %v\n", err)
			fail(exitUsage)
			continue
		}
		if !st.IsDir() {
			readFile(arg)
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
				readFile(path)
			}
			return nil
		})
		if err != nil {
			fmt.Fprintf(stderr, "bt check: %v\n", err)
			fail(exitUsage)
		}
	}
	return inputs
}

// checker checks scripts with one kernel and one importer, which they
// share (each file and the kernel's answers are read once).
type checker struct {
	flags    checkFlags
	kernel   check.Kernel
	importer *check.FileImporter
	// envConfig are BPFTRACE_* config values (bt run); they take
	// precedence over the script's config block.
	envConfig map[string]any
	// warmC, set by bt run, finds imported C in clink's cache
	// (warmCheck).
	warmC *clink.Compiler
}

// checkAll checks the inputs in parallel; results are in input order.
func (c *checker) checkAll(inputs []checkInput) []checkResult {
	results := make([]checkResult, len(inputs))
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(inputs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				results[i] = c.checkOne(inputs[i])
			}
		}()
	}
	for i := range inputs {
		work <- i
	}
	close(work)
	wg.Wait()
	return results
}

// checkOne parses one script and, unless --syntax-only or it has syntax
// errors, checks it with its imports and C.
func (c *checker) checkOne(in checkInput) checkResult {
	if c.flags.syntaxOnly {
		_, diags := parser.ParseFile(source.NewFile(in.name, in.src))
		diags.Sort()
		return checkResult{diags: diags}
	}
	prog, diags := c.checkProgram(in)
	var vr *verifyResult
	if c.flags.verify && prog != nil && !diags.HasErrors() {
		vr = verifyProgram(prog, c.flags.unsafe, c.flags.positional)
		diags = append(diags, vr.diags...)
		diags.Sort()
	}
	return checkResult{diags: diags, verify: vr, prog: prog}
}

// checkProgram parses and checks one script with its imports and C, as
// bt check and bt run both do; the program is nil when the script does
// not parse.
func (c *checker) checkProgram(in checkInput) (*check.Program, diag.List) {
	root, diags := parser.ParseFile(source.NewFile(in.name, in.src))
	if diags.HasErrors() {
		diags.Sort()
		return nil, diags
	}
	if c.flags.hasPositional {
		// The values are known: attach points take them (as bpftrace).
		diags = append(diags, expandAttachParams(root, c.flags.positional)...)
	}
	scripts, cimports := check.Gather(c.importer, root)
	files := append([]*ast.File{root}, scripts...)
	for _, s := range scripts {
		diags = append(diags, c.importer.DiagsOf(s.Source.Name)...)
	}
	cfg := check.Config{
		Kernel:   c.kernel,
		Unsafe:   c.flags.unsafe,
		Importer: c.importer,
		PID:      c.flags.pid,
		// Parameters given after -- are checked with their values, as
		// bpftrace does ($1 a string or a number by its text).
		Positional:    c.flags.positional,
		HasPositional: c.flags.hasPositional,
		EnvConfig:     c.envConfig,
	}
	if prog, ok := c.warmCheck(root, files, cimports, cfg); ok {
		diags = append(diags, prog.Diags...)
		diags.Sort()
		return prog, diags
	}
	cscope, cdiags := check.NewCScope(files, cimports, check.CScopeConfig{Kernel: c.kernel, IncludeDirs: c.flags.includeDirs, ForceIncludes: c.flags.includeFiles})
	if cscope != nil && check.CScopeComplete(cscope) {
		// A partial scope (no clang to read headers) would make the
		// names headers define look unknown: check without it.
		cfg.C = cscope
	}
	diags = append(diags, cdiags...)
	prog := check.Check([]*ast.File{root}, cfg)
	diags = append(diags, prog.Diags...)
	diags.Sort()
	return prog, diags
}

// checkStdinName names standard input in diagnostics.
const checkStdinName = "<stdin>"
