package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/btfindex"
	"github.com/bt-tools/bt/btfindex/kernelcheck"
	"github.com/bt-tools/bt/codegen"
	"github.com/bt-tools/bt/codegen/clink"
	"github.com/bt-tools/bt/tracer"
	"github.com/bt-tools/bt/tracer/output"
)

// runFlags are bt run's options.
type runFlags struct {
	expr       string
	format     string
	outFile    string
	quiet      bool
	unsafe     bool
	command    string
	pid        int
	dryRun     bool
	noWarnings bool
	// bench: run the bench probes and print their timings (bench mode)
	bench bool
	// test: run the test probes and report which pass (test mode)
	test bool
	// helperWarnings: -k, report failed probe reads and map lookups too
	helperWarnings bool
	clang          string
	// traceableFunctions lists the functions kprobes may attach to
	// ("": tracefs's available_filter_functions).
	traceableFunctions string
	// verifierLog: load with the kernel verifier's log on and print all
	// of it when a load fails (bpftrace -v)
	verifierLog bool
}

func init() {
	commands = append(commands, func() *cobra.Command {
		var f runFlags
		cmd := &cobra.Command{
			Use:   "run [flags] (FILE | - | -e PROGRAM) [ARG]... [-- --NAME=VALUE...]",
			Short: "Compile a script to BPF, load it and print what it produces, as bpftrace does",
			Long: `Run a bpftrace script: check it as bt check does, compile it to BPF (without
LLVM), load and attach it, and print its output exactly as bpftrace v0.26
does. A script with errors never reaches the kernel.

The script is FILE, standard input for -, or the text of -e. Arguments after
it are the positional parameters $1, $2, ...; after --, --NAME=VALUE (or
--NAME) sets the named parameter getopt("NAME") reads.

The run ends when the script calls exit(), on Ctrl-C or SIGTERM, when the
command of -c ends, or when the process of -p exits; then the end probes run
and every map is printed. SIGUSR1 runs the self:signal:SIGUSR1 probes.

With --bench (bpftrace's --mode bench) nothing is attached: begin runs, then
each bench:NAME probe is timed by the kernel's repeated test runs (more runs
until a batch takes a millisecond), its average printed as a table (or a
benchmark_result record with -f json), then end runs; what the benchmarks
print is dropped and no map is printed. A benchmark returning non-zero is
skipped; one that fails (errorf(), exit() with a code) is reported, exit 1.

With --test (bpftrace's --mode test) nothing is attached either: begin runs,
then each test:NAME probe runs once, in script order, and passes when it
returns 0 without errorf(), a runtime error or exit() with a non-zero code.
A report as bpftrace prints it (or a test_result record per test with -f
json) shows what each failed test printed; then end runs, no map is
printed, and the exit status is 1 when a test failed.
Configuration comes from the script's config block and from BPFTRACE_*
environment variables (BPFTRACE_MAX_STRLEN and the rest).

Loading BPF needs root (or CAP_BPF and CAP_PERFMON). The exit status is
exit()'s code, 0 after a signal, 1 for a script error or a failure while
running, and 2 for bad usage or missing privileges.`,
			Args: cobra.ArbitraryArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				return runRun(cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args, cmd.ArgsLenAtDash(), f)
			},
		}
		fl := cmd.Flags()
		debugInfoFlag(cmd)
		fl.StringVarP(&f.expr, "expr", "e", "", "run `PROGRAM` given on the command line")
		fl.StringVarP(&f.format, "format", "f", "text", "output format: text or json")
		fl.StringVarP(&f.outFile, "output", "o", "", "write the program's output to `FILE`")
		fl.BoolVarP(&f.quiet, "quiet", "q", false, "do not print \"Attached N probes\"")
		fl.BoolVar(&f.unsafe, "unsafe", false, "allow unsafe functions (system(), ...)")
		fl.StringVarP(&f.command, "command", "c", "", "run `CMD` (split at spaces), starting it once probes are attached; end when it exits")
		fl.IntVarP(&f.pid, "pid", "p", 0, "trace `PID`: uprobes, profile and watchpoints in that process; end when it exits")
		fl.BoolVar(&f.dryRun, "dry-run", false, "load, attach and detach again without running")
		fl.BoolVar(&f.bench, "bench", false, "run the bench: probes (begin, each benchmark timed, end) instead of attaching")
		fl.BoolVar(&f.test, "test", false, "run the test: probes (begin, each test once, end) instead of attaching; exit 1 when one fails")
		fl.BoolVar(&f.noWarnings, "no-warnings", false, "do not print warnf() and runtime warnings")
		fl.BoolVarP(&f.helperWarnings, "warnings", "k", false, "also warn at run time when a probe read or map lookup fails")
		fl.StringVar(&f.clang, "clang", "", "compile imported C with `CLANG` (default: $BT_CLANG, then clang in PATH)")
		fl.BoolVar(&f.verifierLog, "verifier-log", false, "load with the kernel verifier's log on and print it whole if a load fails (at most log_size bytes, as bpftrace -v)")
		return cmd
	})
}

// outputFormats are the -f values.
var outputFormats = map[string]output.Format{"text": output.Text, "json": output.JSON}

func runRun(stdin io.Reader, stdout, stderr io.Writer, args []string, dash int, f runFlags) error {
	usage := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "bt run: "+format+"\n", a...)
		return exitError{exitUsage}
	}
	if _, ok := outputFormats[f.format]; !ok {
		return usage("invalid output format %q: use text or json", f.format)
	}
	if f.command != "" && f.pid != 0 {
		return usage("-c and -p exclude each other")
	}
	if f.bench && f.test {
		return usage("--bench and --test exclude each other")
	}
	params, named, err := splitRunArgs(args, dash)
	if err != nil {
		return usage("%v", err)
	}
	var name string
	var src []byte
	switch {
	case f.expr != "":
		name, src = "stdin", []byte(f.expr)
	case len(params) == 0:
		return usage("no program given: a script file, - for standard input, or -e PROGRAM")
	default:
		name, params = params[0], params[1:]
		if name == "-" {
			src, err = io.ReadAll(stdin)
			name = "stdin"
		} else {
			src, err = os.ReadFile(name)
		}
		if err != nil {
			return usage("%v", err)
		}
	}
	return runSource(stdin, stdout, stderr, runInput{name: name, src: src, params: params, named: named}, f, runUI{fail: usage})
}

// runInput is a script to run with its parameters.
type runInput struct {
	name   string
	src    []byte
	params []string
	named  map[string]string
}

// runUI is what differs between bt run and the bpftrace command line
// (bpftrace.go) around one shared run: how usage and environment errors
// are worded and with which exit status, and bpftrace's extras.
type runUI struct {
	// fail reports a usage or environment error and returns the exit
	// error to return.
	fail func(format string, a ...any) error
	// notifyAttached prints __BPFTRACE_NOTIFY_PROBES_ATTACHED on standard
	// output once every probe is attached (bpftrace's runtime suite).
	notifyAttached bool
	// includeDirs are -I directories for the script's C; includeFiles
	// headers included before it (--include).
	includeDirs, includeFiles []string
	// afterCompile, when set, sees the compiled object before it is
	// loaded (bpftrace -d, -v); a non-nil error ends the run.
	afterCompile func(obj *codegen.Object) error
	// bpftraceWords: report probes that match nothing in bpftrace's words
	// rather than the checker's (missing.go).
	bpftraceWords bool
	// style lays diagnostics out; bpftraceWarnings also prints the
	// checker's warnings that bpftrace itself prints (the drop-in).
	style            diag.Style
	bpftraceWarnings bool
	// warningsOnStdout prints the checker's warnings on standard output
	// when the script has no error, as bpftrace does (its errors, and
	// warnings beside them, go to standard error).
	warningsOnStdout bool
	// runFailureStatus is the exit status of a run that fails once the
	// tracer has started: a load or attach failure, nothing to run
	// (tracer.NothingAttachedError); 0 for exitFindings.
	runFailureStatus int
	// stage, when set, runs each stage of compiling (check, codegen)
	// and may run it more than once, to time it (bpftrace --mode
	// compiler-bench); compileOnly ends the run once the script is
	// compiled, before anything is loaded (--mode codegen).
	stage       func(name string, run func())
	compileOnly bool
}

// runStage runs one stage of compiling through ui.stage.
func (ui runUI) runStage(name string, run func()) {
	if ui.stage == nil {
		run()
		return
	}
	ui.stage(name, run)
}

// runSource checks, compiles, loads and runs one script.
func runSource(stdin io.Reader, stdout, stderr io.Writer, in runInput, f runFlags, ui runUI) error {
	format, ok := outputFormats[f.format]
	if !ok {
		return ui.fail("invalid output format %q: use text or json", f.format)
	}
	config, err := configFromEnv(os.Environ())
	if err != nil {
		return ui.fail("%v", err)
	}
	color, _ := useColor("auto", stderr)

	kernel, err := kernelcheck.Open("", false)
	if err != nil {
		return ui.fail("%v", err)
	}
	c := &checker{envConfig: config, flags: checkFlags{unsafe: f.unsafe, pid: f.pid, includeDirs: ui.includeDirs, includeFiles: ui.includeFiles,
		positional: in.params, hasPositional: true}, kernel: kernel, importer: check.NewFileImporter()}
	copts := codegen.COptions{Clang: f.clang}
	if kix := kernelcheck.Index(kernel); kix != nil {
		copts.Kernel = kix
	}
	copts.Compiler = clink.NewCompiler(clink.Options{Clang: copts.Clang, Kernel: copts.Kernel, IncludeDirs: ui.includeDirs})
	c.warmC = copts.Compiler
	var prog *check.Program
	var diags diag.List
	ui.runStage("check", func() { prog, diags = c.checkProgram(checkInput{name: in.name, src: in.src}) })
	if prog != nil && len(prog.Files) > 0 {
		_, copts.Files = check.Gather(c.importer, prog.Files[0])
	}
	// What cannot be attached is dropped, or ends the run, as the
	// missing_probes config says (missing.go).
	var runDiags diag.List
	if prog != nil {
		rules := &missingRules{mode: missingProbesMode(prog, config), unsafe: f.unsafe, bpftraceWords: ui.bpftraceWords,
			traceablePath: f.traceableFunctions, moduleLoaded: kernelModuleLoaded, warn: stderr}
		diags, runDiags = applyMissingProbes(prog, diags, rules)
	}
	// Only errors (and, as the drop-in, the warnings bpftrace has too):
	// the checker's warnings are bt check's lints.
	topts := diag.TextOptions{Color: color, Style: ui.style}
	shown := append(runDiagnostics(diags, ui.bpftraceWarnings), runDiags...)
	failed := prog == nil || diags.HasErrors() || runDiags.HasErrors()
	diagOut := stderr
	if ui.warningsOnStdout && !failed {
		diagOut = stdout
		topts.Color, _ = useColor("auto", stdout)
	}
	if ui.style == diag.StyleBpftrace && prog != nil && len(prog.Files) > 0 {
		renderBpftraceDiags(diagOut, shown, prog.Files[0], topts)
	} else {
		diag.RenderAll(diagOut, shown, topts)
	}
	if failed {
		return exitError{exitFindings}
	}
	if len(prog.Probes) == 0 {
		if !f.quiet {
			fmt.Fprintln(stdout, "No probes to attach")
		}
		return exitError{exitFindings}
	}
	// Named parameters must fit their options' types, as bpftrace checks
	// them before anything runs.
	for i := range prog.NamedParams {
		p := &prog.NamedParams[i]
		if text, ok := in.named[p.Name]; ok {
			if _, err := p.Value(text, text != ""); err != nil {
				fmt.Fprintf(stderr, "ERROR: %v\n", err)
				return exitError{exitFindings}
			}
		}
	}
	// The command of -c starts (stopped) before compiling, as in bpftrace:
	// its pid is the constant cpid.
	var child *tracer.Child
	childPID := 0
	if f.command != "" {
		if err := checkPrivileges(); err != nil {
			return ui.fail("%v", err)
		}
		if child, err = tracer.StartChild(f.command, stdin, stdout, stderr); err != nil {
			return ui.fail("%v", err)
		}
		defer child.Kill()
		childPID = child.Pid()
	}
	var obj *codegen.Object
	var cdiags diag.List
	ui.runStage("codegen", func() {
		obj, cdiags = codegen.Compile(prog, codegen.Options{Config: config, Unsafe: f.unsafe, Warnings: f.warningLevel(), Named: in.named, Params: in.params, ChildPID: childPID, PID: f.pid, C: copts,
			TseriesClockMap: os.Getenv("BPFTRACE_DUMMY_TS_MAP")})
	})
	diag.RenderAll(stderr, cdiags, topts)
	if obj == nil || cdiags.HasErrors() {
		return exitError{exitFindings}
	}
	if ui.afterCompile != nil {
		if err := ui.afterCompile(obj); err != nil {
			return err
		}
	}
	if ui.compileOnly {
		return nil
	}
	if err := checkPrivileges(); err != nil {
		return ui.fail("%v", err)
	}

	out := stdout
	if f.outFile != "" {
		file, err := os.Create(f.outFile)
		if err != nil {
			return ui.fail("%v", err)
		}
		defer file.Close()
		out = file
	}
	resolver := tracer.NewResolver(obj)
	w := output.New(out, stderr, format, obj, resolver)
	for k, v := range config {
		w.SetConfig(k, v)
	}
	w.Warnings = !f.noWarnings
	w.Color = color && isTerminal(out)

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1)
	defer signal.Stop(sigs)

	opts := tracer.Options{
		Output: w, Stdout: out, Stderr: stderr, Quiet: f.quiet, DryRun: f.dryRun, Bench: f.bench, Test: f.test,
		Unsafe: f.unsafe, PID: f.pid, Signals: sigs, Config: config, Resolver: resolver, VerifierLog: f.verifierLog,
	}
	opts.TestOutput = func(to io.Writer) tracer.Output { return w.Capture(to) }
	if ui.notifyAttached {
		// The tracer reports attachment through Output.AttachedProbes,
		// which -q silences: take the report and decide here.
		opts.Output = &attachNotifier{Output: w, quiet: f.quiet, stdout: stdout}
		opts.Quiet = false
	}
	opts.Child = child
	res, err := tracer.Run(obj, opts)
	if err != nil {
		var le *tracer.LoadError
		var ae *tracer.AttachError
		switch {
		case errors.As(err, &le):
			renderLoadError(stderr, obj, le, f.verifierLog, topts)
		case errors.As(err, &ae):
			fmt.Fprintf(stderr, "ERROR: %v\nERROR: Unable to attach probe: %s. If this is expected, set the 'missing_probes' config variable to 'warn'.\n", ae.Err, ae.Probe)
		default:
			fmt.Fprintf(stderr, "ERROR: %v\n", err)
		}
		if ui.runFailureStatus != 0 {
			return exitError{ui.runFailureStatus}
		}
		return exitError{exitFindings}
	}
	if res.ExitCode != 0 {
		return exitError{res.ExitCode}
	}
	return nil
}

// splitRunArgs separates positional parameters (the script first, unless
// -e) from the named parameters after --: --name=value or --name.
func splitRunArgs(args []string, dash int) (params []string, named map[string]string, err error) {
	if dash < 0 {
		return args, nil, nil
	}
	params = append(params, args[:dash]...)
	for _, a := range args[dash:] {
		if !strings.HasPrefix(a, "--") {
			params = append(params, a)
			continue
		}
		k, v, _ := strings.Cut(a[2:], "=")
		if k == "" {
			return nil, nil, fmt.Errorf("bad named parameter %q: use --name=value", a)
		}
		if named == nil {
			named = map[string]string{}
		}
		named[k] = v
	}
	return params, named, nil
}

// configFromEnv reads the BPFTRACE_* environment variables of config
// keys, validated as bpftrace does, by canonical key.
func configFromEnv(env []string) (map[string]any, error) {
	config := map[string]any{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "BPFTRACE_") {
			continue
		}
		key, ok := builtins.LookupConfig(k)
		if !ok || key.Env != k || key.NoEffect {
			continue
		}
		if err := key.CheckString(v); err != nil {
			return nil, err
		}
		cur := key.Current()
		switch cur.Type {
		case builtins.ConfigInt:
			n, _ := strconv.ParseUint(v, 0, 64)
			config[cur.Name] = int64(n)
		case builtins.ConfigBool:
			config[cur.Name], _ = builtins.BoolText(v)
		default:
			config[cur.Name] = v
		}
	}
	return config, nil
}

// Capability bits of /proc/self/status's CapEff (linux/capability.h).
const (
	capSysAdmin = 21
	capPerfmon  = 38
	capBPF      = 39
)

// checkPrivileges says, in one line, why this process cannot load and
// attach BPF programs, or nil when it can.
func checkPrivileges() error {
	if os.Geteuid() == 0 {
		return nil
	}
	b, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
				caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
				has := func(c uint) bool { return err == nil && caps&(1<<c) != 0 }
				if has(capSysAdmin) || (has(capBPF) && has(capPerfmon)) {
					return nil
				}
			}
		}
	}
	return errors.New("loading BPF programs needs root (or the CAP_BPF and CAP_PERFMON capabilities): run bt run with sudo")
}

// runDiagnostics keeps what running a script prints of the checker's
// findings: the errors and, with bpftraceWarnings, the warnings whose
// code bpftrace reports too.
func runDiagnostics(l diag.List, bpftraceWarnings bool) diag.List {
	var out diag.List
	for _, d := range l {
		switch d.Severity {
		case diag.Error:
			out = append(out, d)
		case diag.Warning:
			if ci, ok := diag.Lookup(d.Code); ok && ci.Bpftrace && bpftraceWarnings {
				out = append(out, d)
			}
		}
	}
	return out
}

// isTerminal reports whether w is a terminal (not merely a character
// device: /dev/null is one too).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// warningLevel is which failing helpers the programs report.
func (f *runFlags) warningLevel() codegen.WarningLevel {
	switch {
	case f.noWarnings:
		return codegen.WarnNone
	case f.helperWarnings:
		return codegen.WarnAll
	}
	return codegen.WarnDefault
}

// debugInfoFlag adds --debuginfo DIR (repeatable, or DIR:DIR as in
// bpftrace) to cmd: where the separate and split DWARF of uprobe targets
// is looked for first. The directories are set (btfindex.SetDebugInfoDirs)
// before cmd runs.
func debugInfoFlag(cmd *cobra.Command) {
	var dirs []string
	cmd.PreRun = func(*cobra.Command, []string) { btfindex.SetDebugInfoDirs(dirs) }
	cmd.Flags().Var(debugInfoValue{&dirs}, "debuginfo", "search `DIR` (or DIR:DIR...; repeatable) first for uprobe targets' separate debug files and split DWARF (.dwo, .dwp); a relative DIR is relative to the binary's directory")
}

// debugInfoValue collects --debuginfo directories (bt's commands and
// the drop-in's option).
type debugInfoValue struct{ dirs *[]string }

func (v debugInfoValue) String() string {
	if v.dirs == nil {
		return ""
	}
	return strings.Join(*v.dirs, ":")
}

func (v debugInfoValue) Set(s string) error {
	for _, d := range strings.Split(s, ":") {
		if d != "" {
			*v.dirs = append(*v.dirs, d)
		}
	}
	return nil
}

func (debugInfoValue) Type() string { return "DIR" }
