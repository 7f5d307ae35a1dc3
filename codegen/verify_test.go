package codegen

import (
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
)

// TestVerifierDiagPosition breaks one compiled instruction (a read of an
// uninitialised register) and checks that the rejection is reported on
// the script line that produced it, with the log's tail.
func TestVerifierDiagPosition(t *testing.T) {
	needRoot(t)
	obj := compileSrc(t, "begin {\n  @x = 1;\n  @y = 2;\n}\n", Options{})
	ps := obj.Spec.Programs[obj.Progs[0].SpecName]
	at := -1
	for i, in := range ps.Instructions {
		if s, ok := in.Source().(*srcPos); ok && s.file.Position(s.span.Start).Line == 3 {
			at = i
			break
		}
	}
	if at < 0 {
		t.Fatal("no instruction from line 3")
	}
	bad := asm.LoadMem(asm.R0, asm.R5, 0, asm.DWord).WithSource(ps.Instructions[at].Source())
	insns := append(asm.Instructions{}, ps.Instructions[:at]...)
	insns = append(insns, bad)
	insns = append(insns, ps.Instructions[at:]...)
	ps.Instructions = insns
	coll, err := ebpf.NewCollectionWithOptions(obj.Spec, ebpf.CollectionOptions{})
	if err == nil {
		coll.Close()
		t.Fatal("the broken program loaded")
	}
	d := LoadDiag(obj, err)
	if d.Code != CodeVerifier {
		t.Fatalf("code %s: %v", d.Code, d)
	}
	if p := d.Start(); p.Line != 3 {
		t.Errorf("diagnostic on line %d, want 3: %v", p.Line, d)
	}
	if !strings.Contains(d.Message, "R5") || len(d.Notes) == 0 {
		t.Errorf("message %q, %d notes: want the verifier's complaint and log tail", d.Message, len(d.Notes))
	}
}

// TestInstructionCounts checks that every program has a count.
func TestInstructionCounts(t *testing.T) {
	obj := compileSrc(t, `begin { @x = 1; } tracepoint:syscalls:sys_enter_getppid { @c = count(); }`, Options{})
	counts := InstructionCounts(obj)
	for _, p := range obj.Progs {
		if counts[p.SpecName] < 5 {
			t.Errorf("%s: %d instructions", p.SpecName, counts[p.SpecName])
		}
	}
}
