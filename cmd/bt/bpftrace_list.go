package main

// bpftrace -l: probe listing through bt list's index, with bpftrace's
// own conventions on top — comma-separated searches that mix probes and
// types, `-lv 'struct NAME'` printed as a C definition headed by the BTF
// it comes from, a pattern without a colon searched in every provider,
// and -l with a program listing the probes its attach points expand to.

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/btfindex"
)

// bpftraceList lists probes (or types) as bpftrace -l [-v] does.
func bpftraceList(stdout, stderr io.Writer, search string, verbose bool) int {
	if search == "*" {
		search = ""
	}
	if strings.Contains(search, ".") && !strings.ContainsAny(search, ":*") {
		fmt.Fprintf(stderr, "WARNING: It appears that '%s' is a filename but the file does not exist. Treating '%s' as a search pattern.\n", search, search)
	}
	var probes []string
	for _, part := range strings.Split(globPaths(search), ",") {
		part = strings.Join(strings.Fields(part), " ")
		if kind, _ := btfindex.ParseTypeName(part); kind != btfindex.AnyKind {
			if len(probes) > 0 {
				bpftraceListProbes(stdout, stderr, strings.Join(probes, ","), verbose)
				probes = nil
			}
			if code := bpftraceListTypes(stdout, stderr, part, verbose); code != 0 {
				return code
			}
			continue
		}
		probes = append(probes, part)
	}
	if len(probes) > 0 || search == "" {
		return bpftraceListProbes(stdout, stderr, strings.Join(probes, ","), verbose)
	}
	return 0
}

// bpftraceListProbes lists probes through bt list; bpftrace lists nothing
// and succeeds when nothing matches.
func bpftraceListProbes(stdout, stderr io.Writer, pattern string, verbose bool) int {
	err := runList(stdout, io.Discard, pattern, listFlags{verbose: verbose})
	if err == nil {
		return 0
	}
	if ee, ok := err.(exitError); ok {
		if ee.code == exitFindings {
			return 0
		}
		// runList wrote nothing useful to the discarded stream: say why.
		fmt.Fprintf(stderr, "ERROR: cannot list probes matching '%s'\n", pattern)
		return 1
	}
	fmt.Fprintf(stderr, "ERROR: %v\n", err)
	return 1
}

// bpftraceListTypes lists kernel types; with -v each as a C definition
// under a "vmlinux: " heading, as bpftrace prints them.
func bpftraceListTypes(stdout, stderr io.Writer, pattern string, verbose bool) int {
	ix, err := openIndex(listFlags{})
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	if err := ix.BTFError(); err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	kind, name := btfindex.ParseTypeName(pattern)
	m := btfindex.CompileMatcher(name)
	prefix := ""
	if len(m) == 1 {
		prefix = m[0].Prefix()
	}
	w := newBufWriter(stdout)
	seen := map[string]bool{}
	for _, tn := range ix.TypeNames(prefix, kind) {
		if !m.Match(tn.Name) || seen[tn.CName()] {
			continue
		}
		seen[tn.CName()] = true
		if !verbose {
			w.WriteString(tn.CName() + "\n")
			continue
		}
		t, err := ix.Type(tn.CName())
		if err != nil {
			continue
		}
		ms, err := btfindex.Members(t)
		if err != nil {
			continue
		}
		w.WriteString("vmlinux: " + tn.CName() + " {\n")
		for _, mb := range ms {
			w.WriteString("\t" + mb.CDecl() + ";\n")
		}
		w.WriteString("};\n\n")
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	return 0
}

// bpftraceListProgram is -l with a program: the probes each attach point
// matches, one per line, spelled as -l spells them (interval:ms:1000
// lists as interval:ms:). The program is only parsed.
func bpftraceListProgram(stdout, stderr io.Writer, name string, src []byte, verbose bool, pid int) int {
	root, diags := parser.ParseFile(source.NewFile(name, src))
	if diags.HasErrors() {
		diags.Sort()
		diag.RenderAll(stderr, diags, diag.TextOptions{Style: diag.StyleBpftrace})
		return 1
	}
	ix, err := openIndex(listFlags{})
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	w := newBufWriter(stdout)
	seen := map[string]bool{}
	for _, d := range root.Decls {
		p, ok := d.(*ast.Probe)
		if !ok {
			continue
		}
		for _, ap := range p.AttachPoints {
			var found []btfindex.Probe
			for _, pat := range strings.Split(pidPatterns(ap.Raw, pid), ",") {
				found = append(found, listAttachPoint(ix, pat)...)
			}
			for _, pr := range found {
				s := pr.String()
				if seen[s] {
					continue
				}
				seen[s] = true
				w.WriteString(s + "\n")
				if !verbose {
					continue
				}
				args, _, err := ix.ProbeArgs(pr)
				if err != nil {
					continue
				}
				for _, a := range args {
					w.WriteString("    " + a.Decl + "\n")
				}
			}
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	return 0
}

// listAttachPoint finds the probes an attach point names: itself when it
// is a listed probe or pattern; for providers whose last field is a
// parameter (a rate, a count, an address), the probe it parameterises
// (interval:ms:1000 lists as interval:ms:).
func listAttachPoint(ix *btfindex.Index, raw string) []btfindex.Probe {
	if ps, err := ix.List(raw); err == nil && len(ps) > 0 {
		return ps
	}
	i := strings.LastIndexByte(raw, ':')
	if i < 0 || !parameterisedProviders[strings.SplitN(raw, ":", 2)[0]] {
		return nil
	}
	ps, _ := ix.List(raw[:i+1] + "*")
	return ps
}

// parameterisedProviders are the providers (and their short names) whose
// last field is a parameter rather than part of the probe's name.
var parameterisedProviders = map[string]bool{
	"interval": true, "i": true, "profile": true, "p": true,
	"hardware": true, "h": true, "software": true, "s": true,
	"watchpoint": true, "w": true, "asyncwatchpoint": true, "aw": true,
}

// pidPatterns rewrites a search for -p PID: a uprobe, uretprobe or usdt
// pattern whose file is '*' (or left out) searches every executable file
// mapped into the process, as bpftrace does.
func pidPatterns(search string, pid int) string {
	if pid == 0 {
		return search
	}
	var out []string
	for _, p := range strings.Split(search, ",") {
		out = append(out, pidPattern(p, pid)...)
	}
	return strings.Join(out, ",")
}

// userProviders are the providers whose target is a file.
var userProviders = map[string]string{
	"uprobe": "uprobe", "u": "uprobe", "uretprobe": "uretprobe", "ur": "uretprobe", "usdt": "usdt", "U": "usdt",
}

func pidPattern(p string, pid int) []string {
	parts := strings.SplitN(p, ":", 3)
	prov, ok := userProviders[parts[0]]
	if !ok || len(parts) < 2 {
		return []string{p}
	}
	rest := ""
	switch {
	case len(parts) == 2: // uprobe:func in the process
		rest = parts[1]
	case parts[1] == "*":
		rest = parts[2]
	default:
		return []string{p}
	}
	files := btfindex.MappedExecutables(pid)
	if len(files) == 0 {
		return []string{p}
	}
	var out []string
	for _, f := range files {
		// A file of another mount namespace is read through the
		// process's root.
		out = append(out, prov+":"+btfindex.ProcessPath(pid, f)+":"+rest)
	}
	return out
}

// globPaths expands a wildcard in the file of uprobe, uretprobe and usdt
// searches (uprobe:./bin/app*:main) into one search per ELF file it
// matches, spelled with the directory as written.
func globPaths(search string) string {
	var out []string
	for _, p := range strings.Split(search, ",") {
		parts := strings.SplitN(p, ":", 3)
		prov, ok := userProviders[parts[0]]
		if !ok || len(parts) < 3 || parts[1] == "*" || !strings.ContainsAny(parts[1], "*?[") {
			out = append(out, p)
			continue
		}
		dir, pat := filepath.Split(parts[1])
		if strings.ContainsAny(dir, "*?[") {
			out = append(out, p)
			continue
		}
		ents, err := os.ReadDir(filepath.Join(".", dir))
		if err != nil {
			out = append(out, p)
			continue
		}
		n := 0
		for _, e := range ents {
			if ok, _ := filepath.Match(pat, e.Name()); !ok || !btfindex.IsELF(filepath.Join(dir, e.Name())) {
				continue
			}
			out = append(out, prov+":"+dir+e.Name()+":"+parts[2])
			n++
		}
		if n == 0 {
			out = append(out, p)
		}
	}
	return strings.Join(out, ",")
}
