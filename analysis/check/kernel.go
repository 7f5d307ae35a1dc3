package check

import (
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/diag"
)

// Diagnostic codes a Kernel's Resolve reports (attach points checked
// against the kernel, its BTF and the ELF files uprobes name); the
// adapter over btfindex is btfindex/kernelcheck.
const (
	CodeProbeNotFound      diag.Code = "probe-not-found"
	CodeNoProbeMatch       diag.Code = "no-probe-match"
	CodeProbeNotAttachable diag.Code = "probe-not-attachable"
	CodeAmbiguousProbe     diag.Code = "ambiguous-probe"
	CodeBTFRequired        diag.Code = "btf-required"
	CodeProbeTarget        diag.Code = "probe-target-not-found"
	CodeTooManyProbes      diag.Code = "too-many-probes"
)

func init() {
	diag.Register(
		diag.CodeInfo{Code: CodeProbeNotFound, Severity: diag.Error, Summary: "an attach point names a tracepoint, kernel function, raw tracepoint, iterator, symbol or USDT probe that does not exist (the missing_probes config can make it a warning)"},
		diag.CodeInfo{Code: CodeNoProbeMatch, Severity: diag.Error, Summary: "a wildcard attach point matches no probe (the missing_probes config can make it a warning)"},
		diag.CodeInfo{Code: CodeProbeNotAttachable, Severity: diag.Error, Summary: "a kernel function exists but cannot be traced: inlined or notrace (not in kallsyms), or too many parameters for fentry"},
		diag.CodeInfo{Code: CodeAmbiguousProbe, Severity: diag.Error, Summary: "a function name without a module is defined in several kernel modules"},
		diag.CodeInfo{Code: CodeBTFRequired, Severity: diag.Error, Summary: "fentry, fexit, rawtracepoint and iter probes need kernel BTF, which is not available"},
		diag.CodeInfo{Code: CodeProbeTarget, Severity: diag.Error, Summary: "the binary or library a uprobe or usdt probe names does not exist or is not a readable ELF file"},
		diag.CodeInfo{Code: CodeTooManyProbes, Severity: diag.Error, Summary: "a wildcard expands to more BPF programs than the max_bpf_progs config allows"},
	)
}

// KernelForScript returns k set up for checking one program: the root
// script files[0] and the .bt files it imports, checked for process pid
// (0: none). A ScriptKernel learns the root's config block
// (missing_probes, max_bpf_progs, max_strlen), which attach points share
// a probe and which args fields each probe reads; k itself is returned
// when it is nil or not a ScriptKernel.
func KernelForScript(k Kernel, pid int, files ...*ast.File) Kernel {
	sk, ok := k.(ScriptKernel)
	if !ok || len(files) == 0 || files[0] == nil {
		return k
	}
	cfg, _ := scriptKernelConfig(files[0])
	s := KernelScript{Config: cfg, PID: pid, Siblings: map[*ast.AttachPoint][]*ast.AttachPoint{},
		ArgsUsed: map[*ast.AttachPoint]map[string]bool{}}
	for _, f := range files {
		if f == nil {
			continue
		}
		for _, d := range f.Decls {
			p, ok := d.(*ast.Probe)
			if !ok {
				continue
			}
			if len(p.AttachPoints) > 1 {
				for _, ap := range p.AttachPoints {
					s.Siblings[ap] = p.AttachPoints
				}
			}
			if used := argsFieldsRead(p); len(used) > 0 {
				for _, ap := range p.AttachPoints {
					s.ArgsUsed[ap] = used
				}
			}
		}
	}
	return sk.ForScript(s)
}

// argsFieldsRead lists the fields of args (args.x, args->x) a probe's
// predicate and body read; "*" stands for args used whole (print(args)).
func argsFieldsRead(p *ast.Probe) map[string]bool {
	used := map[string]bool{}
	visit := func(n ast.Node) bool {
		if fe, ok := n.(*ast.FieldExpr); ok && fe.Field != nil {
			if id, ok := ast.Unparen(fe.X).(*ast.Ident); ok && id.Name == "args" {
				used[fe.Field.Name] = true
				return false
			}
		}
		if id, ok := n.(*ast.Ident); ok && id.Name == "args" {
			used["*"] = true
		}
		return true
	}
	if p.Predicate != nil {
		ast.Inspect(p.Predicate, visit)
	}
	if p.Body != nil {
		ast.Inspect(p.Body, visit)
	}
	return used
}

// scriptKernelConfig reads the keys the kernel adapter cares about from
// the config blocks of f, spelled any way bpftrace accepts. Invalid
// values are left to the checker, which reports them.
func scriptKernelConfig(f *ast.File) (KernelConfig, bool) {
	var cfg KernelConfig
	set := false
	for _, d := range f.Decls {
		b, ok := d.(*ast.ConfigBlock)
		if !ok {
			continue
		}
		for _, e := range b.Entries {
			if e == nil || e.Key == nil {
				continue
			}
			k, ok := builtins.LookupConfig(e.Key.Name)
			if !ok {
				continue
			}
			var text string
			var num int64 = -1
			switch v := ast.Unparen(e.Value).(type) {
			case *ast.StringLit:
				text = v.Value
			case *ast.Ident:
				text = v.Name
			case *ast.IntLit:
				num = int64(v.Value)
			}
			switch k.Current().Name {
			case "missing_probes":
				switch t := strings.ToLower(text); t {
				case "error", "warn", "ignore":
					cfg.MissingProbes, set = t, true
				}
			case "max_bpf_progs":
				if num > 0 {
					cfg.MaxBPFProgs, set = int(num), true
				}
			case "max_strlen":
				if num > 0 {
					cfg.MaxStrlen, set = int(num), true
				}
			}
		}
	}
	return cfg, set
}
