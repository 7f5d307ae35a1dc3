package codegen

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
)

// verifierTail is how many lines of the verifier log a diagnostic keeps.
const verifierTail = 6

var (
	insnLine    = regexp.MustCompile(`^(\d+): \(`)
	programName = regexp.MustCompile(`program (\w+)`)
)

// LoadDiag turns an error from loading obj's collection into a
// diagnostic, finding the program the error is about.
func LoadDiag(obj *Object, err error) diag.Diagnostic {
	name := ""
	if m := programName.FindStringSubmatch(err.Error()); m != nil {
		name = m[1]
	}
	if d, ok := cLoadDiag(obj, name, err); ok {
		return d
	}
	return VerifierDiag(obj, name, err)
}

// VerifierDiag turns the error of loading program progName of obj into a
// diagnostic. A verifier rejection is placed on the script line that
// produced the failing instruction, with the tail of the verifier log;
// other failures are placed on the probe.
func VerifierDiag(obj *Object, progName string, err error) diag.Diagnostic {
	d := diag.Diagnostic{Severity: diag.Error, Code: CodeLoad}
	var prog *Prog
	for _, p := range obj.Progs {
		if p.SpecName == progName {
			prog = p
		}
	}
	if prog != nil && prog.Probe != nil && prog.Probe.Node != nil {
		d.Location = diag.Location{File: fileOf(obj.Program, prog.Probe.Node), Span: prog.Probe.Node.Span()}
	} else if obj.Program != nil && len(obj.Program.Files) > 0 {
		d.Location = diag.Location{File: obj.Program.Files[0].Source, Span: source.Span{}}
	}
	var ve *ebpf.VerifierError
	if !errors.As(err, &ve) {
		d.Message = fmt.Sprintf("loading %s: %v", describe(prog, progName), err)
		return d
	}
	d.Code = CodeVerifier
	log := ve.Log
	last := ""
	for i := len(log) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(log[i]); l != "" && !strings.HasPrefix(l, "processed ") && !strings.HasPrefix(l, "verification time") && !strings.HasPrefix(l, "stack depth") {
			last = l
			break
		}
	}
	d.Message = fmt.Sprintf("the kernel's verifier rejected %s: %s", describe(prog, progName), last)
	if ps := obj.Spec.Programs[progName]; ps != nil {
		if src := failingSource(ps.Instructions, log); src != nil && src.file != nil {
			d.Location = diag.Location{File: src.file, Span: src.span}
		}
	}
	tail := log
	if len(tail) > verifierTail {
		tail = tail[len(tail)-verifierTail:]
	}
	for _, l := range tail {
		// the log lines are notes without a place of their own
		d.Notes = append(d.Notes, diag.Note{Message: "verifier: " + l})
	}
	d.Hint = "bt produced a program the kernel does not accept: this is a bug in bt's compiler, please report it with the script"
	return d
}

func describe(p *Prog, name string) string {
	if p != nil && len(p.Targets) > 0 {
		return fmt.Sprintf("the program for %s", p.Targets[0].Name)
	}
	return "program " + name
}

// failingSource finds the source of the last instruction the verifier
// log names.
func failingSource(insns asm.Instructions, log []string) *srcPos {
	idx := -1
	for i := len(log) - 1; i >= 0 && idx < 0; i-- {
		if m := insnLine.FindStringSubmatch(log[i]); m != nil {
			idx, _ = strconv.Atoi(m[1])
		}
	}
	if idx < 0 {
		return nil
	}
	iter := insns.Iterate()
	for iter.Next() {
		if int(iter.Offset) == idx {
			if s, ok := iter.Ins.Source().(*srcPos); ok {
				return s
			}
			return nil
		}
	}
	return nil
}

// InstructionCounts returns the number of BPF instructions (64-bit
// slots, as bpftool's xlated count before kernel rewriting) of each
// program, by spec name.
func InstructionCounts(obj *Object) map[string]int {
	out := map[string]int{}
	for name, p := range obj.Spec.Programs {
		out[name] = int(p.Instructions.Size() / asm.InstructionSize)
	}
	return out
}
