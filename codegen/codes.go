package codegen

import "github.com/bt-tools/bt/analysis/diag"

// Diagnostic codes of the compiler.
const (
	// CodeUnsupported: the checker accepts the construct but the
	// compiler cannot lower it yet.
	CodeUnsupported diag.Code = "codegen-unsupported"
	// CodeInternal: the compiler failed; a bug to report.
	CodeInternal diag.Code = "codegen-internal-error"
	// CodeTooLarge: a value or program exceeds a BPF limit.
	CodeTooLarge diag.Code = "codegen-too-large"
	// CodeVerifier: the kernel's verifier rejected a compiled program.
	CodeVerifier diag.Code = "verifier-rejected"
	// CodeLoad: the kernel refused a map or program for another reason
	// (for example a program type this kernel cannot load).
	CodeLoad diag.Code = "load-failed"
	// CodeUnknownSymbol: kaddr() names a symbol /proc/kallsyms does not
	// list with an address.
	CodeUnknownSymbol diag.Code = "unknown-kernel-symbol"
)

func init() {
	diag.Register(
		diag.CodeInfo{Code: CodeUnsupported, Severity: diag.Error, Summary: "the compiler cannot lower this construct to BPF yet"},
		diag.CodeInfo{Code: CodeInternal, Severity: diag.Error, Summary: "the compiler failed on this program (a bug in bt)"},
		diag.CodeInfo{Code: CodeTooLarge, Severity: diag.Error, Summary: "a value or a program is larger than BPF allows"},
		diag.CodeInfo{Code: CodeVerifier, Severity: diag.Error, Summary: "the kernel's BPF verifier rejected the compiled program"},
		diag.CodeInfo{Code: CodeUnknownSymbol, Severity: diag.Error, Summary: "kaddr() names a kernel symbol without an address in /proc/kallsyms (data symbols need CONFIG_KALLSYMS_ALL; addresses need root)"},
		diag.CodeInfo{Code: CodeLoad, Severity: diag.Error, Summary: "the kernel refused to create a map or load a program"},
	)
}
