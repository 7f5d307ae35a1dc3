package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/codegen"
	"github.com/bt-tools/bt/tracer"
)

// renderLoadError reports a failure to load the compiled programs. With
// the verifier's log requested (bpftrace -v, --verifier-log) it prints
// what bpftrace prints: the program, the kernel's error code and the
// whole log, and a warning when the log looks cut short. Otherwise it is
// a diagnostic on the script line the verifier complained about.
func renderLoadError(w io.Writer, obj *codegen.Object, le *tracer.LoadError, verifierLog bool, topts diag.TextOptions) {
	if verifierLog && le.Program != "" && le.Errno != 0 {
		fmt.Fprintf(w, "ERROR: Error loading BPF program for %s. Error code: %d (%s).\nKernel error log: \n%s\n",
			bpftraceProgramName(obj, le.Program), -int(le.Errno), strerror(le.Errno), le.Log)
		if le.Trimmed || tracer.IsLogTrimmed(le.Log) {
			fmt.Fprintf(w, "WARNING: Kernel log seems to be trimmed. This may be due to buffer not being big enough, "+
				"try increasing the BPFTRACE_LOG_SIZE environment variable beyond the current value of %d bytes. "+
				"Or, add the configuration `config = { log_size = N; }` to the script.\n", le.LogSize)
		}
		return
	}
	d := codegen.LoadDiag(obj, le.Err)
	if le.Trimmed {
		d.Notes = append(d.Notes, diag.Note{Message: fmt.Sprintf(
			"the verifier's log is longer than log_size (%d bytes): only its end is shown; raise BPFTRACE_LOG_SIZE or the config's log_size to see all of it", le.LogSize)})
	}
	diag.RenderAll(w, diag.List{d}, topts)
}

// bpftraceProgramName names the program of spec name specName as
// bpftrace names its programs: the attach point with every character
// other than a letter, digit or '_' replaced by '_', then '_' and the
// attach point's number, counting from 1 over the script's attach points
// in order. (bpftrace also numbers each match of a wildcard it expands
// into one program per match, and hashes names longer than 127 bytes;
// bt counts the attach point once and cuts the name.)
func bpftraceProgramName(obj *codegen.Object, specName string) string {
	base, copyIndex := specName, 0
	if b, i, ok := strings.Cut(specName, "#"); ok {
		// One copy of a program per target (prepareSpec in tracer).
		base = b
		copyIndex, _ = strconv.Atoi(i)
	}
	var prog *codegen.Prog
	for _, p := range obj.Progs {
		if p.SpecName == base {
			prog = p
		}
	}
	if prog == nil || obj.Program == nil {
		return specName
	}
	target := ""
	if copyIndex < len(prog.Targets) {
		target = prog.Targets[copyIndex].Name
	}
	n := 0
	for _, probe := range obj.Program.Probes {
		for _, a := range probe.Attach {
			n++
			if probe != prog.Probe || a.Provider != prog.Provider {
				continue
			}
			name := ""
			switch {
			case target != "" && len(a.Targets) > 0 && !slices.Contains(a.Targets, target):
				continue
			case a.Node != nil && a.Node.Name != "":
				name = a.Node.Name
			case len(a.Targets) == 1:
				name = a.Targets[0]
			case a.Node != nil && len(a.Node.Fields) > 0:
				name = a.Provider
				for _, f := range a.Node.Fields[1:] {
					if f.Role == probes.RoleOffset {
						name += "+" + f.Text
					} else {
						name += ":" + f.Text
					}
				}
			default:
				name = target
			}
			return sanitizeProgramName(name) + "_" + strconv.Itoa(n)
		}
	}
	return specName
}

// sanitizeProgramName makes name a kernel program name as bpftrace does:
// '_' for every character other than an ASCII letter, digit or '_', at
// most 127 bytes.
func sanitizeProgramName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b[:min(len(b), 127)])
}
