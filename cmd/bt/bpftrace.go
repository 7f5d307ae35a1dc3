package main

// The drop-in layer: bt invoked through a link named `bpftrace` (or as
// `bt bpftrace ARGS`) takes bpftrace v0.26's command line — its options
// parsed as getopt_long parses them, its messages ("ERROR: ...",
// "WARNING: ...") and its exit statuses (1 for every usage error) — and
// runs through the same code as bt run, bt list and bt fmt.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/printer"
	"github.com/bt-tools/bt/btfindex"
	"github.com/bt-tools/bt/codegen"
	"github.com/bt-tools/bt/tracer"
	"golang.org/x/sys/unix"
)

// bpftraceVersion is the bpftrace release whose command line bt accepts.
const bpftraceVersion = "v0.26.0"

// bpftraceName is the base name of argv[0] that selects the drop-in.
const bpftraceName = "bpftrace"

func init() {
	commands = append(commands, func() *cobra.Command {
		return &cobra.Command{
			Use:   "bpftrace [BPFTRACE OPTIONS] (FILE | - | -e PROGRAM) [ARG]... [-- --NAME=VALUE...]",
			Short: "Act as bpftrace v0.26: its command line, messages and exit statuses",
			Long: `Take bpftrace v0.26's command line unchanged: bt bpftrace ARGS is what a link
named bpftrace to bt runs (see bt install-link). Options are parsed as
bpftrace parses them (short options may be grouped, long ones abbreviated);
errors are printed as "ERROR: ..." and every usage error exits 1.

Options bt has no meaning for are accepted where bpftrace's own meaning is
about LLVM (--verify-llvm-ir) and refused with a message otherwise.
bt bpftrace --help lists them.`,
			DisableFlagParsing: true,
			RunE: func(cmd *cobra.Command, args []string) error {
				if code := bpftraceMain(args, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()); code != 0 {
					return exitError{code}
				}
				return nil
			},
		}
	})
}

// invokedAsBpftrace reports whether argv0 names the drop-in link.
func invokedAsBpftrace(argv0 string) bool {
	return filepath.Base(argv0) == bpftraceName
}

// bpftraceArgs are the parsed options of the bpftrace command line.
type bpftraceArgs struct {
	run          runFlags
	script       string // -e
	haveScript   bool
	filename     string
	positional   []string
	named        map[string]string
	listing      bool
	verbose      bool
	info         bool
	help         bool
	version      bool
	mode         string // --mode, --fmt, --bench, --test: "" to run the script
	pidStr       string
	includeDirs  []string
	includeFiles []string
	debugInfo    []string // --debuginfo directories, in order
	debugStages  []string
	buffering    string
	probeFilter  *regexp.Regexp // --probe-filter
	unsupported  []string       // options accepted with a warning that bt ignores them
}

// bpftraceOpt is one option of bpftrace's command line.
type bpftraceOpt struct {
	long   string // "" for a short-only option
	short  byte   // 0 for a long-only option
	hasArg bool
	// set applies the option; a non-nil error is a usage error.
	set func(a *bpftraceArgs, val string) error
}

// bpftraceOpts is bpftrace v0.26's option table (src/main.cpp), with what
// each means to bt.
var bpftraceOpts = []bpftraceOpt{
	{"expr", 'e', true, func(a *bpftraceArgs, v string) error { a.script, a.haveScript = v, true; return nil }},
	{"list", 'l', false, func(a *bpftraceArgs, _ string) error { a.listing = true; return nil }},
	{"verbose", 'v', false, func(a *bpftraceArgs, _ string) error { a.verbose, a.run.verifierLog = true, true; return nil }},
	{"help", 'h', false, func(a *bpftraceArgs, _ string) error { a.help = true; return nil }},
	{"version", 'V', false, func(a *bpftraceArgs, _ string) error { a.version = true; return nil }},
	{"info", 0, false, func(a *bpftraceArgs, _ string) error { a.info = true; return nil }},
	{"pid", 'p', true, func(a *bpftraceArgs, v string) error { a.pidStr = v; return nil }},
	{"cmd", 'c', true, func(a *bpftraceArgs, v string) error { a.run.command = v; return nil }},
	{"output", 'o', true, func(a *bpftraceArgs, v string) error { a.run.outFile = v; return nil }},
	{"", 'f', true, func(a *bpftraceArgs, v string) error { a.run.format = v; return nil }},
	{"", 'B', true, func(a *bpftraceArgs, v string) error {
		switch v {
		case "line", "full", "none":
			a.buffering = v
			return nil
		}
		return errors.New("USAGE: -B must be either 'line', 'full', or 'none'.")
	}},
	{"quiet", 'q', false, func(a *bpftraceArgs, _ string) error { a.run.quiet = true; return nil }},
	{"warnings", 'k', false, func(a *bpftraceArgs, _ string) error {
		switch {
		case a.run.helperWarnings:
			return errors.New("USAGE: -kk has been deprecated. Use a single -k for runtime warnings for errors in map lookups and probe reads.")
		case a.run.noWarnings:
			return errors.New("USAGE: -k, --warnings conflicts with --no-warnings")
		}
		a.run.helperWarnings = true
		return nil
	}},
	{"no-warnings", 0, false, func(a *bpftraceArgs, _ string) error {
		if a.run.helperWarnings {
			return errors.New("USAGE: -k, --warnings conflicts with --no-warnings")
		}
		a.run.noWarnings = true
		return nil
	}},
	{"", 'I', true, func(a *bpftraceArgs, v string) error { a.includeDirs = append(a.includeDirs, v); return nil }},
	{"include", 0, true, func(a *bpftraceArgs, v string) error { a.includeFiles = append(a.includeFiles, v); return nil }},
	{"debuginfo", 0, true, func(a *bpftraceArgs, v string) error { return debugInfoValue{&a.debugInfo}.Set(v) }},
	{"unsafe", 0, false, func(a *bpftraceArgs, _ string) error { a.run.unsafe = true; return nil }},
	{"dry-run", 0, false, func(a *bpftraceArgs, _ string) error { a.run.dryRun = true; return nil }},
	{"fmt", 0, false, func(a *bpftraceArgs, _ string) error { return a.setMode("fmt", "format") }},
	{"mode", 0, true, func(a *bpftraceArgs, v string) error {
		if !bpftraceModes[v] {
			return errors.New("USAGE: --mode can only be 'codegen', 'compiler-bench', 'bench', 'test' or 'format'.")
		}
		a.applyMode(v) // the last --mode wins
		return nil
	}},
	{"test", 0, false, func(a *bpftraceArgs, _ string) error { return a.setMode("test", "test") }},
	{"bench", 0, false, func(a *bpftraceArgs, _ string) error { return a.setMode("bench", "bench") }},
	{"debug", 'd', true, func(a *bpftraceArgs, v string) error {
		for _, st := range strings.Split(v, ",") {
			if st == "" {
				continue
			}
			if _, ok := debugStages[st]; !ok && st != "all" {
				return fmt.Errorf("USAGE: invalid option for -d: %s", st)
			}
			a.debugStages = append(a.debugStages, st)
		}
		return nil
	}},
	// bt has no LLVM IR to verify: the compiler's output is checked by the
	// kernel's verifier when it is loaded, as it is for bpftrace.
	{"verify-llvm-ir", 0, false, func(*bpftraceArgs, string) error { return nil }},
	// -b / --btf has been a no-op in bpftrace since BTF became mandatory.
	{"btf", 'b', false, func(*bpftraceArgs, string) error { return nil }},
	{"emit-elf", 0, true, func(*bpftraceArgs, string) error {
		return errors.New("--emit-elf is not supported by bt: bt loads its programs without writing an ELF object")
	}},
	{"emit-llvm", 0, true, func(*bpftraceArgs, string) error {
		return errors.New("--emit-llvm is not supported by bt: bt compiles without LLVM, there is no IR")
	}},
	{"aot", 0, true, func(*bpftraceArgs, string) error {
		return errors.New("--aot is not supported by bt")
	}},
	{"no-feature", 0, true, func(a *bpftraceArgs, v string) error {
		for _, f := range strings.Split(v, ",") {
			switch f {
			case "kprobe_multi", "kprobe_session", "uprobe_multi":
			default:
				return errors.New("USAGE: --no-feature can only have values 'kprobe_multi,kprobe_session,uprobe_multi'.")
			}
		}
		// bt attaches kprobes and uprobes one by one: none of these is used.
		return nil
	}},
	{"probe-filter", 0, true, func(a *bpftraceArgs, v string) error {
		re, err := regexp.Compile(v)
		if err != nil {
			return fmt.Errorf("Invalid --probe-filter regex: %v", err)
		}
		a.probeFilter = re
		return nil
	}},
	{"usdt-file-activation", 0, false, func(a *bpftraceArgs, _ string) error {
		a.unsupported = append(a.unsupported, "--usdt-file-activation")
		return nil
	}},
	{"traceable-functions", 0, true, func(a *bpftraceArgs, v string) error {
		a.run.traceableFunctions = v
		return nil
	}},
}

// bpftraceModes are the values of --mode: format (--fmt) prints the
// script formatted, bench (--bench) times the bench: probes, test
// (--test) runs the test: probes, codegen compiles without loading and
// compiler-bench times the compiler's stages (bpftrace_modes.go).
var bpftraceModes = map[string]bool{"format": true, "bench": true, "test": true, "codegen": true, "compiler-bench": true}

// setMode records --fmt, --bench or --test, which conflict with any mode
// set before them.
func (a *bpftraceArgs) setMode(flag, mode string) error {
	if a.mode != "" {
		return fmt.Errorf("USAGE: --%s conflicts with existing --mode", flag)
	}
	a.applyMode(mode)
	return nil
}

func (a *bpftraceArgs) applyMode(mode string) {
	a.mode = mode
	a.run.bench, a.run.test = mode == "bench", mode == "test"
}

// debugStages are bpftrace's -d stages and what bt prints for each; the
// empty ones are stages of bpftrace's LLVM pipeline bt does not have.
var debugStages = map[string]string{
	"ast":         "",
	"types":       "",
	"codegen":     "",
	"codegen-opt": "",
	"libbpf":      "",
	"verifier":    "",
	"parse":       "",
	"dis":         "the BPF instructions of every program",
}

// usageError is a message for "ERROR: ..." followed by exit status 1.
type usageError struct {
	msg       string
	showUsage bool
}

func (e usageError) Error() string { return e.msg }

// parseBpftraceArgs parses args as getopt_long does with bpftrace's
// option string: options and operands may be interleaved (operands keep
// their order), "--" ends the options, short options may be grouped
// ("-qe PROG") and take their argument attached or as the next word, long
// options may be abbreviated to a unique prefix and take "=VALUE" or the
// next word.
func parseBpftraceArgs(args []string) (*bpftraceArgs, error) {
	a := &bpftraceArgs{run: runFlags{format: "text"}}
	var operands, afterDash []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		next := func(name string) (string, error) {
			if i+1 >= len(args) {
				return "", usageError{msg: fmt.Sprintf("option requires an argument -- '%s'", name), showUsage: true}
			}
			i++
			return args[i], nil
		}
		switch {
		case arg == "--":
			afterDash = args[i+1:]
			i = len(args)
		case strings.HasPrefix(arg, "--"):
			name, val, hasVal := strings.Cut(arg[2:], "=")
			opt, err := lookupLongOpt(name)
			if err != nil {
				return nil, err
			}
			switch {
			case opt.hasArg && !hasVal:
				if val, err = next(opt.long); err != nil {
					return nil, usageError{msg: fmt.Sprintf("option '--%s' requires an argument", opt.long), showUsage: true}
				}
			case !opt.hasArg && hasVal:
				return nil, usageError{msg: fmt.Sprintf("option '--%s' doesn't allow an argument", opt.long), showUsage: true}
			}
			if err := opt.set(a, val); err != nil {
				return nil, err
			}
		case len(arg) > 1 && arg[0] == '-':
			for j := 1; j < len(arg); j++ {
				opt := lookupShortOpt(arg[j])
				if opt == nil {
					return nil, usageError{msg: fmt.Sprintf("invalid option -- '%c'", arg[j]), showUsage: true}
				}
				var val string
				if opt.hasArg {
					if j+1 < len(arg) {
						val = arg[j+1:]
					} else {
						var err error
						if val, err = next(string(arg[j])); err != nil {
							return nil, err
						}
					}
					j = len(arg)
				}
				if err := opt.set(a, val); err != nil {
					return nil, err
				}
			}
		default:
			operands = append(operands, arg)
		}
	}
	operands = append(operands, afterDash...)
	if a.listing {
		return a, a.setListOperands(operands)
	}
	if !a.haveScript && len(operands) > 0 {
		a.filename, operands = operands[0], operands[1:]
	}
	// After the script, "--NAME=VALUE" (or "--NAME") is a named parameter
	// and anything else a positional one.
	for _, o := range operands {
		if n, ok := strings.CutPrefix(o, "--"); ok {
			k, v, _ := strings.Cut(n, "=")
			if a.named == nil {
				a.named = map[string]string{}
			}
			a.named[k] = v
			continue
		}
		a.positional = append(a.positional, o)
	}
	return a, nil
}

// setListOperands takes -l's single operand: a search pattern, or a
// script file whose probes to list.
func (a *bpftraceArgs) setListOperands(operands []string) error {
	switch len(operands) {
	case 0:
	case 1:
		if _, err := os.Stat(operands[0]); err == nil && !a.haveScript {
			a.filename = operands[0]
		} else {
			a.positional = operands
		}
	default:
		return usageError{msg: "USAGE: -l takes at most one search pattern or script file", showUsage: true}
	}
	return nil
}

func lookupShortOpt(c byte) *bpftraceOpt {
	for i := range bpftraceOpts {
		if bpftraceOpts[i].short == c {
			return &bpftraceOpts[i]
		}
	}
	return nil
}

// lookupLongOpt finds a long option by its name or a unique prefix of it.
func lookupLongOpt(name string) (*bpftraceOpt, error) {
	var found []*bpftraceOpt
	for i := range bpftraceOpts {
		o := &bpftraceOpts[i]
		if o.long == "" {
			continue
		}
		if o.long == name {
			return o, nil
		}
		if name != "" && strings.HasPrefix(o.long, name) {
			found = append(found, o)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, usageError{msg: fmt.Sprintf("unrecognized option '--%s'", name), showUsage: true}
	}
	var names []string
	for _, o := range found {
		names = append(names, "'--"+o.long+"'")
	}
	return nil, usageError{msg: fmt.Sprintf("option '--%s' is ambiguous; possibilities: %s", name, strings.Join(names, " ")), showUsage: true}
}

// bpftraceMain runs the bpftrace command line and returns the exit status.
func bpftraceMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	errorf := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "ERROR: "+format+"\n", a...)
		return 1
	}
	if len(args) == 0 {
		bpftraceUsage(stderr)
		return 1
	}
	a, err := parseBpftraceArgs(args)
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) && ue.showUsage {
			// getopt's own messages carry the program's name.
			fmt.Fprintf(stderr, "%s: %s\n", bpftraceName, ue.msg)
			bpftraceUsage(stderr)
			return 1
		}
		return errorf("%v", err)
	}
	switch {
	case a.help:
		bpftraceUsage(stdout)
		return 0
	case a.version:
		fmt.Fprintf(stdout, "bpftrace %s (bt %s)\n", bpftraceVersion, version)
		return 0
	case a.info:
		if err := checkPrivileges(); err != nil {
			return errorf("%v", err)
		}
		writeBpftraceInfo(stdout)
		return 0
	}
	if len(a.debugInfo) > 0 {
		btfindex.SetDebugInfoDirs(a.debugInfo)
	}
	if a.run.command != "" && a.pidStr != "" {
		errorf("USAGE: Cannot use both -c and -p.")
		bpftraceUsage(stderr)
		return 1
	}
	for _, u := range a.unsupported {
		fmt.Fprintf(stderr, "WARNING: %s is not supported by bt and has no effect\n", u)
	}
	if a.buffering == "full" {
		fmt.Fprintf(stderr, "WARNING: -B full: bt writes every record as it is made; output stays line buffered\n")
	}
	if a.pidStr != "" {
		pid, err := parseBpftraceUint(a.pidStr)
		if err != nil {
			return errorf("Failed to parse pid: %v", err)
		}
		if pid > 0x400000 {
			return errorf("Pid out of range: %d", pid)
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			return errorf("Failed to attach to pid: no process %d", pid)
		}
		a.run.pid = int(pid)
	}

	if a.listing && !a.haveScript && a.filename == "" {
		pattern := ""
		if len(a.positional) > 0 {
			pattern = a.positional[0]
		}
		if pattern == "" && a.run.pid != 0 {
			// Every probe: the kernel's, and the process's own.
			if code := bpftraceList(stdout, stderr, "", a.verbose); code != 0 {
				return code
			}
			pattern = "uprobe:*,usdt:*"
		}
		return bpftraceList(stdout, stderr, pidPatterns(pattern, a.run.pid), a.verbose)
	}

	name, src, code := a.readScript(stdin, errorf)
	if src == nil {
		return code
	}
	if a.mode == "format" {
		return bpftraceFormat(stdout, stderr, name, src, a.run.outFile, errorf)
	}
	if a.listing {
		return bpftraceListProgram(stdout, stderr, name, src, a.verbose, a.run.pid)
	}
	switch a.run.format {
	case "text", "json":
	default:
		fmt.Fprintf(stderr, "ERROR: Invalid output format \"%s\"\nValid formats: 'text', 'json'\n", a.run.format)
		return 1
	}

	if !checkNamedParams(stderr, a.named, programOptions(name, src)) {
		return 1
	}
	ui := runUI{
		fail: func(format string, args ...any) error {
			return exitError{errorf(format, args...)}
		},
		notifyAttached: os.Getenv("__BPFTRACE_NOTIFY_PROBES_ATTACHED") != "",
		includeDirs:    a.includeDirs,
		includeFiles:   a.includeFiles,
		afterCompile:   a.debugOutput(stdout, stderr),
		bpftraceWords:  true,
		style:          diag.StyleBpftrace,
		// --no-warnings silences the checker's warnings too.
		bpftraceWarnings: !a.run.noWarnings,
		warningsOnStdout: true,
		// bpftrace's run returns -1 when loading or attaching fails or
		// nothing is left to run, which exits 255.
		runFailureStatus: 255,
	}
	var bench *compilerBench
	switch a.mode {
	case "codegen":
		// Compile without loading: bt needs no privileges for that.
		ui.compileOnly = true
	case "compiler-bench":
		// As bpftrace, the environment first: what was measured where.
		if err := checkPrivileges(); err != nil {
			return errorf("%v", err)
		}
		writeBpftraceInfo(stdout)
		bench = &compilerBench{}
		ui.stage, ui.compileOnly = bench.stage, true
	}
	err = runSource(stdin, stdout, stderr, runInput{name: name, src: src, params: a.positional, named: a.named}, a.run, ui)
	if bench != nil {
		if err != nil {
			fmt.Fprintln(stdout, "FAIL")
		} else if werr := bench.write(stdout); werr != nil {
			return errorf("%v", werr)
		}
	}
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	return errorf("%v", err)
}

// readScript reads the program of -e, a file or - (standard input). On
// failure src is nil and code the exit status.
func (a *bpftraceArgs) readScript(stdin io.Reader, errorf func(string, ...any) int) (name string, src []byte, code int) {
	switch {
	case a.haveScript:
		return "stdin", []byte(a.script), 0
	case a.filename == "":
		return "", nil, errorf("USAGE: filename or -e 'program' required.")
	case a.filename == "-":
		b, err := io.ReadAll(stdin)
		if err != nil {
			return "", nil, errorf("reading standard input: %v", err)
		}
		return "stdin", b, 0
	}
	b, err := os.ReadFile(a.filename)
	if err != nil {
		return "", nil, errorf("failed to open file '%s': %s", a.filename, strerror(err))
	}
	return a.filename, b, 0
}

// debugOutput returns what -d and -v print once the script is compiled
// (and applies --probe-filter):
// -d dis the BPF instructions; stages of bpftrace's LLVM pipeline are
// named as not available. nil when there is nothing to print.
func (a *bpftraceArgs) debugOutput(stdout, stderr io.Writer) func(*codegen.Object) error {
	if len(a.debugStages) == 0 && !a.verbose && a.probeFilter == nil {
		return nil
	}
	return func(obj *codegen.Object) error {
		if a.probeFilter != nil {
			if !filterProbes(obj, a.probeFilter) {
				// Not an error message: bpftrace says so on standard
				// output, as for a script without probes.
				if !a.run.quiet {
					fmt.Fprintln(stdout, "No probes to attach")
				}
				return exitError{1}
			}
		}
		dis := false
		for _, st := range a.debugStages {
			if st == "all" || st == "dis" {
				dis = true
			}
			if st != "all" && debugStages[st] == "" {
				fmt.Fprintf(stderr, "WARNING: -d %s: bt has no such stage (it compiles without LLVM); -d dis prints %s\n", st, debugStages["dis"])
			}
		}
		for _, p := range obj.Progs {
			spec := obj.Spec.Programs[p.SpecName]
			if spec == nil {
				continue
			}
			if a.verbose {
				fmt.Fprintf(stderr, "INFO: program %s (%s): %d instructions\n", p.SpecName, p.Provider, len(spec.Instructions))
			}
			if dis {
				fmt.Fprintf(stdout, "\nProgram %s (%s)\n", p.SpecName, p.Provider)
				fmt.Fprintf(stdout, "%v", spec.Instructions)
			}
		}
		return nil
	}
}

// bpftraceFormat is --fmt: bt fmt's printer, to standard output or
// atomically to -o FILE.
func bpftraceFormat(stdout, stderr io.Writer, name string, src []byte, outFile string, errorf func(string, ...any) int) int {
	out, diags := printer.Format(src, name)
	if diags.HasErrors() {
		diag.RenderAll(stderr, diags, diag.TextOptions{Style: diag.StyleBpftrace})
		return 1
	}
	if outFile == "" {
		stdout.Write(out)
		return 0
	}
	if err := writeNewFileAtomic(outFile, out); err != nil {
		return errorf("%v", err)
	}
	return 0
}

// writeNewFileAtomic writes data to path through a temporary file in the
// same directory, renamed over path when complete.
func writeNewFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// bpftraceUsage prints the option summary.
func bpftraceUsage(w io.Writer) {
	fmt.Fprint(w, `bt, running as bpftrace `+bpftraceVersion+`: bpftrace's command line over bt's compiler

USAGE:
    bpftrace [options] FILE [ARG]... [-- --NAME=VALUE...]
    bpftrace [options] - [ARG]...            (the program on standard input)
    bpftrace [options] -e 'PROGRAM' [ARG]...

OPTIONS:
    -e PROGRAM          run PROGRAM
    -l, --list [PATTERN]
                        list probes matching PATTERN (all with none); -v adds their arguments
    -v, --verbose       more messages; with -l, probe arguments
    -h, --help          this summary
    -V, --version       the bpftrace version bt stands in for, and bt's
    --info              what this kernel and bt support
    -p, --pid PID       trace the process PID; end when it exits
    -c, --cmd CMD       start CMD once probes are attached; end when it exits
    -o, --output FILE   write the program's output to FILE
    -f FORMAT           output format: text or json
    -B MODE             line, full or none: bt writes every record as it is made,
                        so all three behave as line (full says so)
    -q, --quiet         do not print "Attached N probes"
    -k, --warnings      also warn at run time when a probe read or map lookup fails
    --no-warnings       no warning messages
    -I DIR              search DIR for the script's #include files
    --include FILE      include FILE before the script's C (as #include <FILE>)
    --debuginfo DIR[:DIR]
                        search these directories first for separate debug files
                        and split DWARF (.dwo, .dwp); relative ones from the binary's
    --unsafe            allow unsafe functions such as system()
    --dry-run           load and attach, then end without running
    --fmt               print the script in canonical format (to -o FILE if given)
    --test              run the test: probes once each and report which pass (exit 1 if one fails)
    --bench             time the bench: probes
    --mode MODE         format (--fmt), test (--test), bench (--bench), codegen (compile
                        without loading) or compiler-bench (time bt's compiler stages)
    --verify-llvm-ir    accepted; bt has no LLVM IR (the kernel verifies the programs)
    -d, --debug STAGE   dis: print the BPF instructions; bpftrace's LLVM stages do not exist in bt

CONFIGURATION:
    BPFTRACE_* environment variables and the script's config block, as in bpftrace.
`)
}

// strerror words an error from the operating system as C's strerror does
// ("No such file or directory"): the errno's text, capitalised.
func strerror(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	msg := err.Error()
	if msg != "" && msg[0] >= 'a' && msg[0] <= 'z' {
		msg = string(msg[0]-'a'+'A') + msg[1:]
	}
	return msg
}

// parseBpftraceUint reads an unsigned integer as bpftrace reads numbers
// on its command line: decimal, 0x hex, 0b binary or 0-led octal, an
// optional integer suffix (u, l, ul, ll, ull); its errors name the
// problem and the text as bpftrace's do.
func parseBpftraceUint(s string) (uint64, error) {
	base, digits := 10, s
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, digits = 16, s[2:]
	case len(s) > 2 && (s[:2] == "0b" || s[:2] == "0B"):
		base, digits = 2, s[2:]
	case len(s) > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '7':
		base, digits = 8, s[1:]
	}
	end := 0
	for end < len(digits) {
		c := digits[end]
		var d int
		switch {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case c >= 'a' && c <= 'f':
			d = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = int(c-'A') + 10
		default:
			d = base
		}
		if d >= base {
			break
		}
		end++
	}
	if end == 0 {
		return 0, fmt.Errorf("invalid integer: %s", s)
	}
	n, err := strconv.ParseUint(digits[:end], base, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is out of range", s)
	}
	switch strings.ToLower(digits[end:]) {
	case "", "u", "l", "ul", "ll", "ull":
		return n, nil
	}
	return 0, fmt.Errorf("invalid trailing bytes: %s", s)
}

// attachNotifier passes the attachment report on (unless quiet) and then
// prints the line bpftrace's runtime test engine waits for. The engine
// reads its pipe line by line only while bpftrace runs, and treats the
// line as the start of the output to compare: a short script could end
// (and the engine read everything in one go, line and all) before it
// sees the line. So, when standard output is a pipe, each of the two
// reports waits (bounded) until the reader has taken everything from the
// pipe, as it would have while bpftrace tears its LLVM state down.
type attachNotifier struct {
	tracer.Output
	quiet  bool
	stdout io.Writer
}

func (a *attachNotifier) AttachedProbes(n int) error {
	if !a.quiet {
		if err := a.Output.AttachedProbes(n); err != nil {
			return err
		}
		waitPipeDrained(a.stdout, time.Second)
	}
	if _, err := io.WriteString(a.stdout, "__BPFTRACE_NOTIFY_PROBES_ATTACHED\n"); err != nil {
		return err
	}
	waitPipeDrained(a.stdout, time.Second)
	return nil
}

// waitPipeDrained waits until the pipe w writes to holds no unread bytes
// (FIONREAD), for at most limit; it returns at once when w is not a pipe.
func waitPipeDrained(w io.Writer, limit time.Duration) {
	f, ok := w.(*os.File)
	if !ok {
		return
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		return
	}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		n, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCINQ) // TIOCINQ is FIONREAD
		if err != nil || n == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// filterProbes keeps the attach points whose full name re matches
// (--probe-filter); programs run from user space (begin, end, self) are
// kept whatever their name. It reports whether anything is left to run.
func filterProbes(obj *codegen.Object, re *regexp.Regexp) bool {
	var kept []*codegen.Prog
	for _, p := range obj.Progs {
		switch p.Provider {
		case "begin", "end", "self":
			kept = append(kept, p)
			continue
		}
		var ts []codegen.Target
		for _, t := range p.Targets {
			if re.MatchString(t.Name) {
				ts = append(ts, t)
			}
		}
		if len(ts) == 0 {
			delete(obj.Spec.Programs, p.SpecName)
			continue
		}
		p.Targets = ts
		kept = append(kept, p)
	}
	obj.Progs = kept
	return len(kept) > 0
}
