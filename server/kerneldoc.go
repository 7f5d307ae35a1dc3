package server

import (
	"fmt"
	"strings"

	"github.com/bt-tools/bt/btfindex"
)

// Markdown descriptions of kernel entities, for hover and completion.

// kernelFuncDoc describes a kernel function: its prototype from BTF and
// whether probes can attach to it. detail is the prototype alone.
func kernelFuncDoc(k *kernelIndex, module, name string) (md, detail string) {
	if module == "vmlinux" {
		module = ""
	}
	f, err := k.ix.Func(module, name)
	if err != nil {
		return "", ""
	}
	sig, err := k.ix.Signature(f)
	if err != nil {
		return "", ""
	}
	detail = sig.CDecl()
	var b strings.Builder
	fmt.Fprintf(&b, "```c\n%s;\n```\n", detail)
	var facts []string
	if f.Module != "" && f.Module != "vmlinux" {
		facts = append(facts, "module `"+f.Module+"`")
	}
	if !f.Attachable {
		facts = append(facts, "not attachable (inlined or notrace)")
	}
	if f.Kfunc {
		facts = append(facts, "kfunc (callable from BPF)")
	}
	if f.NumParams > btfindex.MaxTraceArgs {
		facts = append(facts, fmt.Sprintf("%d parameters: too many for fentry/fexit", f.NumParams))
	}
	if len(facts) > 0 {
		b.WriteString(strings.Join(facts, "; ") + "\n")
	}
	return b.String(), detail
}

// tracepointDoc describes a tracepoint's record: the fields args has.
func tracepointDoc(k *kernelIndex, cat, event string) string {
	tf, err := k.ix.TracepointFormat(cat, event)
	if err != nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**tracepoint:%s:%s** (format from %s)\n\n```c\nstruct args {\n", tf.Category, tf.Event, tf.Source)
	for _, f := range tf.Args() {
		fmt.Fprintf(&b, "    %s; // offset %d, size %d\n", f.Decl, f.Offset, f.Size)
	}
	b.WriteString("};\n```\n")
	return b.String()
}
