package codegen

import "github.com/cilium/ebpf/asm"

// removeUnreachable drops instructions no path from the entry reaches
// (code after a return, break or exit): the verifier rejects programs
// with unreachable instructions. Jumps are symbolic, so nothing needs
// renumbering.
func removeUnreachable(insns asm.Instructions) asm.Instructions {
	at := make(map[string]int, 64)
	for i, in := range insns {
		if s := in.Symbol(); s != "" {
			at[s] = i
		}
	}
	reach := make([]bool, len(insns))
	work := []int{0}
	push := func(i int) {
		if i >= 0 && i < len(insns) && !reach[i] {
			work = append(work, i)
		}
	}
	target := func(in asm.Instruction) int {
		if t, ok := at[in.Reference()]; ok {
			return t
		}
		return -1
	}
	for len(work) > 0 {
		i := work[len(work)-1]
		work = work[:len(work)-1]
		if reach[i] {
			continue
		}
		reach[i] = true
		in := insns[i]
		switch {
		case in.IsLoadOfFunctionPointer():
			push(target(in))
			push(i + 1)
		case in.OpCode.Class().IsJump():
			switch in.OpCode.JumpOp() {
			case asm.Exit:
			case asm.Call:
				if in.IsFunctionCall() {
					push(target(in))
				}
				push(i + 1)
			case asm.Ja:
				push(target(in))
			default:
				push(target(in))
				push(i + 1)
			}
		default:
			push(i + 1)
		}
	}
	out := insns[:0:0]
	for i, in := range insns {
		if reach[i] {
			out = append(out, in)
		}
	}
	return out
}
