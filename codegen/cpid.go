package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
)

// cpid and has_cpid are constants of the compilation: the command of -c
// is started before its script is compiled (Options.ChildPID). has_cpid
// is bpftrace v0.26's (`cpid == 0`, true without a child: see its entry
// in analysis/builtins), kept for drop-in compatibility.
//
// This init runs after builtins.go's, which makes the lowerings map: Go
// runs a package's init functions in the order of its file names.
func init() {
	lowerings["cpid"] = func(b *builder, n ast.Expr, args []ast.Expr) result {
		b.loadImm(asm.R0, int64(b.c.opts.ChildPID))
		return inReg
	}
	lowerings["has_cpid"] = func(b *builder, n ast.Expr, args []ast.Expr) result {
		has := int64(0)
		if b.c.opts.ChildPID == 0 {
			has = 1
		}
		b.loadImm(asm.R0, has)
		return inReg
	}
}
