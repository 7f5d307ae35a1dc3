package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/cilium/ebpf"

	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/codegen"
)

// verifyResult is what `bt check --verify` found for one script.
type verifyResult struct {
	diags diag.List
	// refused names program kinds this kernel cannot load at all
	// (reported once for the run, not as a script error).
	refused map[string]bool
	counts  []insnCount
	name    string
}

// insnCount is one program's size.
type insnCount struct {
	prog, target     string
	compiled, xlated int
}

// tracingProviders are the providers whose programs some kernels refuse
// to load (fentry/fexit need BTF trampolines).
var tracingProviders = map[string]bool{"fentry": true, "fexit": true}

// verifyProgram compiles a checked program, creates its maps and
// submits every program to the verifier; nothing is attached and
// everything is closed again.
func verifyProgram(prog *check.Program, unsafe bool, params []string) *verifyResult {
	vr := &verifyResult{refused: map[string]bool{}}
	if len(prog.Files) > 0 && prog.Files[0] != nil {
		vr.name = prog.Files[0].Source.Name
	}
	obj, diags := codegen.Compile(prog, codegen.Options{Unsafe: unsafe, Params: params})
	vr.diags = diags
	if diags.HasErrors() || obj == nil {
		return vr
	}
	counts := codegen.InstructionCounts(obj)
	for _, p := range obj.Progs {
		target := ""
		if len(p.Targets) > 0 {
			target = p.Targets[0].Name
		}
		vr.counts = append(vr.counts, insnCount{prog: p.SpecName, target: target, compiled: counts[p.SpecName]})
	}
	// A program kind this kernel refuses to load (fentry/fexit here) is
	// left out and named once for the run, and the rest is loaded again.
	spec := obj.Spec.Copy()
	var coll *ebpf.Collection
	for {
		var err error
		coll, err = ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{})
		if err == nil {
			break
		}
		if p := failingProg(obj, err); p != nil && spec.Programs[p.SpecName] != nil {
			if kind := refusedKind(p, err); kind != "" {
				vr.refused[kind] = true
				delete(spec.Programs, p.SpecName)
				continue
			}
		}
		vr.diags = append(vr.diags, codegen.LoadDiag(obj, err))
		return vr
	}
	defer coll.Close()
	for i, c := range vr.counts {
		p := coll.Programs[c.prog]
		if p == nil {
			continue
		}
		if info, err := p.Info(); err == nil {
			if insns, err := info.Instructions(); err == nil {
				vr.counts[i].xlated = len(insns)
			}
		}
	}
	return vr
}

// failingProg finds the program a load error is about.
func failingProg(obj *codegen.Object, err error) *codegen.Prog {
	msg := err.Error()
	for _, p := range obj.Progs {
		if strings.Contains(msg, "program "+p.SpecName+":") {
			return p
		}
	}
	return nil
}

// refusedKind names what the kernel cannot load at all, as opposed to a
// program it rejects: fentry/fexit programs on kernels without BPF
// trampolines, override() without CONFIG_BPF_KPROBE_OVERRIDE.
func refusedKind(p *codegen.Prog, err error) string {
	var ve *ebpf.VerifierError
	switch {
	case tracingProviders[p.Provider] && !errors.As(err, &ve):
		return p.Provider
	case tracingProviders[p.Provider] && errors.As(err, &ve) && len(ve.Log) < 3:
		return p.Provider
	case errors.As(err, &ve) && strings.Contains(err.Error(), "cannot use helper bpf_override_return"):
		return "override() (bpf_override_return)"
	case errors.As(err, &ve) && strings.Contains(err.Error(), "cannot use helper bpf_probe_write_user"):
		return "write_user() (bpf_probe_write_user, refused under kernel lockdown)"
	case errors.As(err, &ve) && strings.Contains(err.Error(), "failed to find the address for kernel symbol"):
		return "percpu_kaddr() (kernel data symbols are not in kallsyms)"
	}
	return ""
}

// reportVerify prints the environment limitations once and, when asked,
// the instruction counts.
func reportVerify(stdout, stderr io.Writer, results []checkResult, counts bool) {
	refused := map[string]int{}
	for _, r := range results {
		if r.verify == nil {
			continue
		}
		for k := range r.verify.refused {
			refused[k]++
		}
		if counts {
			for _, c := range r.verify.counts {
				x := "-"
				if c.xlated > 0 {
					x = fmt.Sprint(c.xlated)
				}
				fmt.Fprintf(stdout, "%s\t%s\t%s\t%d\t%s\n", r.verify.name, c.prog, c.target, c.compiled, x)
			}
		}
	}
	var kinds []string
	for k := range refused {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(stderr, "bt check: note: this kernel cannot load %s programs; they were compiled but not verified (%d scripts)\n", k, refused[k])
	}
}
