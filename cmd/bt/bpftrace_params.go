package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
)

// programOption is a named parameter a script reads with getopt(NAME,
// DEFAULT, DESCRIPTION).
type programOption struct{ name, description string }

// programOptions lists the getopt() calls of a script, by name.
func programOptions(name string, src []byte) []programOption {
	root, diags := parser.ParseFile(source.NewFile(name, src))
	if root == nil || diags.HasErrors() {
		return nil
	}
	seen := map[string]*programOption{}
	ast.Inspect(root, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || c.Fun == nil || c.Fun.Name != "getopt" || len(c.Args) == 0 {
			return true
		}
		lit, ok := ast.Unparen(c.Args[0]).(*ast.StringLit)
		if !ok {
			return true
		}
		o := seen[lit.Value]
		if o == nil {
			o = &programOption{name: lit.Value}
			seen[lit.Value] = o
		}
		if len(c.Args) > 2 {
			if d, ok := ast.Unparen(c.Args[2]).(*ast.StringLit); ok {
				o.description = d.Value
			}
		}
		return true
	})
	var out []programOption
	for _, o := range seen {
		out = append(out, *o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// checkNamedParams refuses named parameters the script does not read, as
// bpftrace does, and answers `-- --help` with the script's options; both
// end the run with status 1. It reports whether the run may go on.
func checkNamedParams(stderr io.Writer, named map[string]string, opts []programOption) bool {
	known := map[string]bool{}
	for _, o := range opts {
		known[o.name] = true
	}
	var unexpected []string
	help := false
	for k := range named {
		switch {
		case k == "help" && !known[k]:
			help = true
		case !known[k]:
			unexpected = append(unexpected, "--"+k)
		}
	}
	if len(unexpected) == 0 && !help {
		return true
	}
	sort.Strings(unexpected)
	if len(unexpected) > 0 {
		fmt.Fprintf(stderr, "ERROR: unexpected program command line options: %s\n", strings.Join(unexpected, ", "))
	}
	if len(opts) == 0 {
		fmt.Fprintf(stderr, "HINT: no custom program options defined.\n")
		return false
	}
	var parts []string
	for _, o := range opts {
		p := "--" + o.name
		if help && o.description != "" {
			p += ": " + o.description
		}
		parts = append(parts, p)
	}
	if help {
		fmt.Fprintf(stderr, "HINT: expected program options:\n%s\n", strings.Join(parts, "\n"))
	} else {
		fmt.Fprintf(stderr, "HINT: expected program options: %s\n", strings.Join(parts, ": "))
	}
	return false
}
