package clink

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
)

// Diagnostic codes of load failures in linked C.
const (
	// CodeKfuncNotAllowed: the kernel does not offer a kfunc the C calls
	// to the program type of the probe that calls the C.
	CodeKfuncNotAllowed diag.Code = "kfunc-not-allowed"
	// CodeVerifierC: the verifier rejected an instruction of linked C.
	CodeVerifierC diag.Code = "c-verifier-error"
)

func init() {
	diag.Register(
		diag.CodeInfo{Code: CodeKfuncNotAllowed, Severity: diag.Error, Summary: "imported C calls a kfunc the kernel does not allow in the program type of the probe that calls it"},
		diag.CodeInfo{Code: CodeVerifierC, Severity: diag.Error, Summary: "the kernel's verifier rejected code of an imported C function"},
	)
}

var (
	kfuncNotAllowed = regexp.MustCompile(`calling kernel function (\S+) is not allowed`)
	insnLine        = regexp.MustCompile(`^(\d+): \([0-9a-f]{2}\)`)
)

// LoadDiagnostic explains why the kernel refused a program that C was
// linked into, at the C source line (the line info the object carries),
// when the failure is in the C: a kfunc the program type may not call
// (named with the probe type, e.g. "raw tracepoint", and the kernel's
// words), or another verifier error at an instruction of the C. insns
// are the program's instructions as loaded (Linked.Insns). ok is false
// when err is not a verifier error in linked C; the caller reports it
// as it is.
func LoadDiagnostic(err error, insns asm.Instructions, probeKind string) (d diag.Diagnostic, ok bool) {
	var ve *ebpf.VerifierError
	if !errors.As(err, &ve) {
		return d, false
	}
	for _, l := range ve.Log {
		m := kfuncNotAllowed.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		kfunc := m[1]
		line := kfuncCallLine(insns, kfunc)
		if line == nil {
			return d, false
		}
		return diag.Diagnostic{
			Severity: diag.Error, Code: CodeKfuncNotAllowed, Location: lineLocation(line),
			Message: fmt.Sprintf("kfunc %s cannot be called from a %s probe: the kernel says %q", kfunc, probeKind, strings.TrimSpace(l)),
			Hint:    "the kernel offers each kfunc to some program types only; call this C function from another kind of probe (e.g. a tracepoint)",
		}, true
	}
	// Another error: the last instruction the log shows is where the
	// verifier stopped.
	at := -1
	for _, l := range ve.Log {
		if m := insnLine.FindStringSubmatch(l); m != nil {
			at, _ = strconv.Atoi(m[1])
		}
	}
	if at < 0 {
		return d, false
	}
	line := lineAt(insns, asm.RawInstructionOffset(at))
	if line == nil {
		return d, false
	}
	return diag.Diagnostic{
		Severity: diag.Error, Code: CodeVerifierC, Location: lineLocation(line),
		Message: "the kernel's verifier rejected this C code: " + reason(ve.Log),
	}, true
}

// kfuncCallLine is the source line of the first call of kfunc.
func kfuncCallLine(insns asm.Instructions, kfunc string) *btf.Line {
	iter := insns.Iterate()
	for iter.Next() {
		if iter.Ins.IsKfuncCall() && iter.Ins.Reference() == kfunc {
			return lineAt(insns, iter.Offset)
		}
	}
	return nil
}

// lineAt is the line info in effect at a raw instruction offset: that of
// the nearest instruction at or before it that has one, within the
// function the offset is in.
func lineAt(insns asm.Instructions, at asm.RawInstructionOffset) *btf.Line {
	var cur *btf.Line
	iter := insns.Iterate()
	for iter.Next() {
		if iter.Offset > at {
			break
		}
		if iter.Ins.Symbol() != "" {
			cur = nil
		}
		if src := iter.Ins.Source(); src != nil {
			// The compiler's own positions are not C lines.
			cur, _ = src.(*btf.Line)
		}
	}
	return cur
}

// lineLocation is a diagnostic location for a line info: the file as
// clang named it (the absolute path bt compiled), at the line and column.
func lineLocation(l *btf.Line) diag.Location {
	text, _ := os.ReadFile(l.FileName())
	f := source.NewFile(l.FileName(), text)
	line, col := int(l.LineNumber()), int(l.LineColumn())
	if text == nil || line < 1 || line > f.LineCount() {
		return diag.Location{File: f}
	}
	if col < 1 {
		// No column: the line's first non-blank byte.
		col = 1 + len(f.LineText(line)) - len(strings.TrimLeft(f.LineText(line), " \t"))
	}
	return locate(f, line, col)
}

// reason is the verifier's last message: the last log line that is not
// the summary, a register state or an instruction.
func reason(log []string) string {
	for i := len(log) - 1; i >= 0; i-- {
		l := strings.TrimSpace(log[i])
		if l == "" || strings.HasPrefix(l, "processed ") || strings.HasPrefix(l, ";") ||
			insnLine.MatchString(l) || strings.HasPrefix(l, "R") && strings.Contains(l, "=") {
			continue
		}
		return l
	}
	return "no reason given"
}
