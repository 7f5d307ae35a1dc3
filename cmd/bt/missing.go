package main

// Probes that match nothing, when a script runs. The checker marks every
// attach point that names nothing on this system (check.AttachInfo.Missing)
// and reports it as the script's missing_probes config says (bt check's
// messages). A run then decides what to attach, as bpftrace does:
//
//   - a missing attach point is dropped; one written without a wildcard
//     is reported ("No matches for ..."): an error under
//     missing_probes=error (the default), a warning under warn, nothing
//     under ignore. A wildcard that matches nothing is dropped silently;
//   - a probe left with no attach point is an error under error, and is
//     removed (with a warning under warn) otherwise;
//   - a kprobe or kretprobe function must be among the kernel's traceable
//     functions (tracefs's available_filter_functions, or the file of
//     --traceable-functions): one that is not gets a warning, and counts
//     as missing unless --unsafe (which attaches anyway); wildcards keep
//     only traceable functions. A kernel module a kprobe names must be
//     loaded.
//
// The drop-in words all of this as bpftrace does; bt run keeps the
// checker's messages for what the checker found and adds the rest.

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/btfindex"
)

// CodeMissingProbe is the code of the run's reports about probes that
// match nothing (the checker's are probe-not-found and no-probe-match).
const CodeMissingProbe diag.Code = "missing-probe"

func init() {
	diag.Register(diag.CodeInfo{Code: CodeMissingProbe, Severity: diag.Error,
		Summary: "when a script runs: an attach point matches nothing, a probe is left with no attach point, or a kprobe function is not traceable (the missing_probes config decides between error, warning and nothing)"})
}

// defaultTraceableFunctions lists the functions kprobes can attach to.
const defaultTraceableFunctions = "/sys/kernel/tracing/available_filter_functions"

// missingRules are the inputs of the run's missing-probe rules.
type missingRules struct {
	mode           string // missing_probes: "error", "warn" or "ignore"
	unsafe         bool
	bpftraceWords  bool   // drop-in: bpftrace's wording for everything
	traceablePath  string // "" for defaultTraceableFunctions
	moduleLoaded   func(name string) bool
	warn           io.Writer             // where a note about an unreadable traceable list goes
	traceable      *btfindex.KprobeFuncs // nil: the list could not be read
	traceableKnown bool
}

// missingProbesMode is the missing_probes config in effect: the script's
// config block, else BPFTRACE_MISSING_PROBES, else "error".
func missingProbesMode(prog *check.Program, env map[string]any) string {
	if v, ok := prog.Config["missing_probes"]; ok {
		if s, ok := v.Value.(string); ok {
			return strings.ToLower(s)
		}
	}
	if s, ok := env["missing_probes"].(string); ok {
		return strings.ToLower(s)
	}
	return "error"
}

// checkerMissingCodes are the checker's codes for an attach point that names
// nothing: the drop-in replaces them by bpftrace's messages.
var checkerMissingCodes = map[diag.Code]bool{
	check.CodeProbeNotFound: true, check.CodeNoProbeMatch: true, check.CodeProbeNotAttachable: true,
}

// applyMissingProbes drops from prog what a run cannot attach and returns
// the checker's diagnostics (without its missing-probe reports, in the
// drop-in) and the run's own reports.
func applyMissingProbes(prog *check.Program, diags diag.List, r *missingRules) (diag.List, diag.List) {
	var apDiags, probeDiags diag.List
	var dropped []source.Span // attach points whose checker reports the drop-in rewords
	var kept []*check.ProbeInfo
	for _, p := range prog.Probes {
		if p.Node == nil || len(p.Attach) == 0 {
			kept = append(kept, p)
			continue
		}
		file := fileOfProbe(prog, p.Node)
		var attach []*check.AttachInfo
		for _, a := range p.Attach {
			if a.Node == nil {
				attach = append(attach, a)
				continue
			}
			if a.Missing {
				dropped = append(dropped, a.Node.Span())
			}
			keep := r.attachPoint(a, file, &apDiags)
			if keep {
				attach = append(attach, a)
			}
		}
		p.Attach = attach
		if len(attach) > 0 {
			kept = append(kept, p)
			continue
		}
		span := source.Span{Start: p.Node.AttachPoints[0].Span().Start, End: p.Node.AttachPoints[len(p.Node.AttachPoints)-1].Span().End}
		switch r.mode {
		case "warn":
			probeDiags.Warnf(file, span, CodeMissingProbe, "Probe has no valid attach points. It is being removed which may cause issues with program behavior.")
		case "ignore":
		default:
			probeDiags.Errorf(file, span, CodeMissingProbe, "Probe has no valid attach points. If this is expected, set the 'missing_probes' config variable to 'warn'.")
			kept = append(kept, p)
		}
	}
	prog.Probes = kept
	if r.bpftraceWords {
		diags = withoutMissingReports(diags, dropped)
		prog.Diags = withoutMissingReports(prog.Diags, dropped)
	}
	// As in bpftrace, a probe is judged once its attach points are: an
	// attach point's error ends the run before that.
	if apDiags.HasErrors() {
		probeDiags = nil
	}
	return diags, append(apDiags, probeDiags...)
}

// withoutMissingReports is l without the checker's reports of attach
// points (at spans) that name nothing.
func withoutMissingReports(l diag.List, spans []source.Span) diag.List {
	var rest diag.List
	for _, d := range l {
		if checkerMissingCodes[d.Code] && insideAny(d.Span, spans) {
			continue
		}
		rest = append(rest, d)
	}
	return rest
}

func insideAny(s source.Span, spans []source.Span) bool {
	for _, o := range spans {
		if s.Start >= o.Start && s.End <= o.End {
			return true
		}
	}
	return false
}

// fileOfProbe is the source file a probe was written in.
func fileOfProbe(prog *check.Program, n *ast.Probe) *source.File {
	for _, f := range prog.Files {
		for _, d := range f.Decls {
			if d == n {
				return f.Source
			}
		}
	}
	if len(prog.Files) > 0 {
		return prog.Files[0].Source
	}
	return nil
}

// attachPoint applies the rules to one attach point, appending its
// reports to out, and says whether to attach it.
func (r *missingRules) attachPoint(a *check.AttachInfo, file *source.File, out *diag.List) bool {
	fields := map[string]string{}
	for _, f := range a.Node.Fields {
		fields[f.Role] = f.Text
	}
	span := a.Node.Span()
	wildcard := expandsAsWildcard(a.Provider, fields)
	isKprobe := a.Provider == "kprobe" || a.Provider == "kretprobe"
	if isKprobe && fields[probes.RoleAddress] != "" && fields[probes.RoleFunc] == "" {
		return true // by address: nothing to look up before attaching
	}
	checkerFound := a.Missing
	missing := a.Missing
	forced := false
	if isKprobe {
		mod, fn := fields[probes.RoleModule], fields[probes.RoleFunc]
		if mod != "" && mod != "vmlinux" && !probes.HasWildcard(mod) && !r.moduleLoaded(mod) {
			out.Errorf(file, span, CodeMissingProbe, "specified module %s in probe %s:%s:%s is not loaded.", mod, a.Provider, mod, fn)
		}
		switch {
		case wildcard:
			a.Targets = r.traceableTargets(a.Targets)
			missing = missing || len(a.Targets) == 0
		case r.mode != "ignore" && !r.isTraceable(fn):
			out.Warnf(file, span, CodeMissingProbe, "%s is not traceable (either non-existing, inlined, or marked as \"notrace\"); attaching to it will likely fail", fn)
			missing = true
		case r.mode == "ignore" && !r.isTraceable(fn):
			missing = true
		}
		// --unsafe attaches to what the list does not name (it may be
		// incomplete or unreadable); the kernel has the last word.
		forced = missing && !wildcard && r.unsafe
	}
	if !missing || forced {
		a.Missing = false
		return true
	}
	a.Missing = true
	if !wildcard && (r.bpftraceWords || !checkerFound) {
		msg := "No matches for " + a.Provider + " " + noMatchName(a.Provider, fields)
		switch r.mode {
		case "warn":
			out.Warnf(file, span, CodeMissingProbe, "%s. Skipping.", msg)
		case "ignore":
		default:
			out.Errorf(file, span, CodeMissingProbe, "%s.", msg)
		}
	}
	return false
}

// expandsAsWildcard reports whether bpftrace expands an attach point as a
// search (so that matching nothing is no error of its own): a wildcard in
// any field it looks up, a raw tracepoint without a module (any module),
// a usdt probe without a provider namespace.
func expandsAsWildcard(provider string, f map[string]string) bool {
	for role, text := range f {
		if role != probes.RoleProvider && probes.HasWildcard(text) {
			return true
		}
	}
	switch provider {
	case "rawtracepoint":
		return f[probes.RoleModule] == ""
	case "usdt":
		return f[probes.RoleNamespace] == ""
	}
	return false
}

// noMatchName is the attach point as bpftrace names it in "No matches
// for": its target (module, binary, category) and function or event.
func noMatchName(provider string, f map[string]string) string {
	var target, name string
	switch provider {
	case "tracepoint":
		target, name = f[probes.RoleCategory], f[probes.RoleEvent]
	case "rawtracepoint":
		target, name = f[probes.RoleModule], f[probes.RoleEvent]
	case "uprobe", "uretprobe":
		target, name = f[probes.RolePath], f[probes.RoleFunc]
	case "usdt":
		target, name = f[probes.RolePath], f[probes.RoleName]
		if ns := f[probes.RoleNamespace]; ns != "" {
			name = ns + ":" + name
		}
	case "iter":
		name = f[probes.RoleIterator]
	default:
		target, name = f[probes.RoleModule], f[probes.RoleFunc]
	}
	if target == "" {
		return name
	}
	return target + ":" + name
}

// readTraceable reads the traceable function list once: one function a
// line, optionally followed by its module in brackets. An unreadable list
// traces nothing (without --unsafe), as in bpftrace; a warning says why.
func (r *missingRules) readTraceable() {
	if r.traceableKnown {
		return
	}
	r.traceableKnown = true
	path := r.traceablePath
	if path == "" {
		path = defaultTraceableFunctions
	}
	list, err := btfindex.ReadTraceableFunctions(path)
	if err != nil {
		if r.warn != nil {
			// bpftrace's words (wrappers match them); bt says it only
			// when kprobes need the list.
			fmt.Fprintf(r.warn, "WARNING: Could not read functions from %s. If this is expected, use --traceable-functions to set this path manually. This file is needed in order to determine which functions can safely be traced without causing issues in the kernel.\n", path)
		}
		return
	}
	r.traceable = list
}

func (r *missingRules) isTraceable(fn string) bool {
	r.readTraceable()
	return r.traceable != nil && r.traceable.Has("", fn)
}

// traceableTargets keeps the kprobe targets whose function is traceable.
func (r *missingRules) traceableTargets(targets []string) []string {
	var out []string
	for _, t := range targets {
		res := probes.ParseProbeName(t)
		fn := ""
		for _, f := range res.Fields {
			if f.Role == probes.RoleFunc {
				fn = f.Text
			}
		}
		if r.isTraceable(fn) {
			out = append(out, t)
		}
	}
	return out
}

// kernelModuleLoaded reports whether a kernel module is loaded.
func kernelModuleLoaded(name string) bool {
	_, err := os.Stat("/sys/module/" + name)
	return err == nil
}
