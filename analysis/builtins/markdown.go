package builtins

import (
	"fmt"
	"strings"
)

// Markdown renders b for hover and help: the signatures in a code block,
// the description, the example, then notes on deprecation, safety,
// asynchronous behaviour and where it may be used.
func Markdown(b *Builtin) string {
	var sb strings.Builder
	sb.WriteString("```bpftrace\n")
	for _, s := range b.Variants {
		sb.WriteString(s.String())
		if s.Deprecated != "" {
			sb.WriteString("  // deprecated: use " + s.Deprecated)
		}
		sb.WriteByte('\n')
	}
	sb.WriteString("```\n")
	if b.Numbered {
		fmt.Fprintf(&sb, "\n*%s0, %s1, ...*\n", strings.TrimSuffix(b.Name, "N"), strings.TrimSuffix(b.Name, "N"))
	}
	if b.Deprecated != "" {
		if b.Removed != "" {
			fmt.Fprintf(&sb, "\n**Removed** in bpftrace %s: use `%s`.\n", b.Removed, b.Deprecated)
		} else {
			fmt.Fprintf(&sb, "\n**Deprecated**: use `%s`.\n", b.Deprecated)
		}
	}
	sb.WriteString("\n" + b.Doc + "\n")
	for _, s := range b.Variants {
		if s.Doc != "" {
			fmt.Fprintf(&sb, "\n`%s`: %s\n", s.String(), s.Doc)
		}
	}
	if b.Example != "" {
		sb.WriteString("\n```bpftrace\n" + b.Example + "\n```\n")
	}
	var notes []string
	if b.Kind == Aggregation {
		notes = append(notes, "Map value function: assign it to a map or map element, `@m = "+b.Name+"(...)`.")
	}
	if b.Unsafe {
		notes = append(notes, "**Unsafe**: needs `--unsafe`.")
	}
	if b.Async {
		notes = append(notes, "**Async**: takes effect later, in bpftrace's user-space process.")
	}
	if b.CompileTime {
		notes = append(notes, "Evaluated when the script is compiled.")
	}
	if b.Providers != nil {
		notes = append(notes, "Probes: "+strings.Join(b.Providers, ", ")+".")
	} else if b.ProbeOnly {
		notes = append(notes, "Only inside a probe.")
	}
	if b.NotInFor {
		notes = append(notes, "Not allowed inside a `for` loop.")
	}
	if b.Unstable != "" {
		notes = append(notes, fmt.Sprintf("Unstable: controlled by the `%s` config.", b.Unstable))
	}
	if b.Kernel != "" {
		notes = append(notes, "Needs Linux "+b.Kernel+" or newer.")
	}
	if b.Arch != "" {
		notes = append(notes, "Only on "+b.Arch+".")
	}
	if b.Helper != "" {
		notes = append(notes, "BPF helper: `"+b.Helper+"`.")
	}
	if len(notes) > 0 {
		sb.WriteByte('\n')
		for _, n := range notes {
			sb.WriteString("- " + n + "\n")
		}
	}
	return sb.String()
}
