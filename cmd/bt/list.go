package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bt-tools/bt/btfindex"
	"github.com/spf13/cobra"
)

// listFlags are bt list's options.
type listFlags struct {
	verbose  bool
	json     bool
	btfFile  string
	tracefs  string
	cacheDir string
	noCache  bool
	kfuncs   bool
}

func init() {
	commands = append(commands, func() *cobra.Command {
		var f listFlags
		cmd := &cobra.Command{
			Use:   "list [PATTERN...]",
			Short: "List probes (like bpftrace -l), kernel types or kfuncs",
			Long: `List the probes a script can attach to, spelled as bpftrace -l spells them.

PATTERN is provider:target:name, provider:name or a bare name (any kernel
provider); '*' is the wildcard, {a,b} alternation is expanded and several
patterns may be separated by commas. With no pattern, every kernel probe is
listed. 'uprobe:/bin/bash:*' lists an ELF file's functions, 'usdt:FILE:*' its
USDT probes. A pattern 'struct NAME' (or union, enum) lists BTF types; -v
shows their members. --kfuncs lists BPF kfuncs instead of probes.

-v shows each probe's arguments with their types, indented under it.
Without root (tracefs unreadable) tracepoints come from a catalogue cached by
an earlier root run for the same kernel, or from BTF alone; bt says so on
stderr.`,
			Args: cobra.ArbitraryArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				// Several patterns are the same as one comma-separated list.
				return runList(cmd.OutOrStdout(), cmd.ErrOrStderr(), strings.Join(args, ","), f)
			},
		}
		fl := cmd.Flags()
		debugInfoFlag(cmd)
		fl.BoolVarP(&f.verbose, "verbose", "v", false, "show arguments (or members) with their types")
		fl.BoolVar(&f.json, "json", false, "print JSON")
		fl.StringVar(&f.btfFile, "btf", "", "read kernel BTF from `FILE` (raw BTF or a vmlinux ELF) instead of the running kernel")
		fl.StringVar(&f.tracefs, "tracefs", "", "read tracefs at `DIR` (default /sys/kernel/tracing, then /sys/kernel/debug/tracing)")
		fl.StringVar(&f.cacheDir, "cache-dir", "", "keep the kernel index in `DIR` (default $XDG_CACHE_HOME/bt)")
		fl.BoolVar(&f.noCache, "no-cache", false, "neither read nor write the on-disk kernel index")
		fl.BoolVar(&f.kfuncs, "kfuncs", false, "list BPF kfuncs (functions tagged bpf_kfunc) matching PATTERN")
		return cmd
	})
}

// jsonProbe is one probe in bt list --json.
type jsonProbe struct {
	Probe           string              `json:"probe"`
	Provider        string              `json:"provider"`
	Target          string              `json:"target,omitempty"`
	Namespace       string              `json:"namespace,omitempty"`
	Name            string              `json:"name,omitempty"`
	Source          btfindex.Source     `json:"source"`
	CategoryGuessed bool                `json:"category_guessed,omitempty"`
	Args            []btfindex.ProbeArg `json:"args,omitempty"`
	ArgsSource      btfindex.Source     `json:"args_source,omitempty"`
	ArgsError       string              `json:"args_error,omitempty"`
}

func openIndex(f listFlags) (*btfindex.Index, error) {
	opts := btfindex.Options{BTFFile: f.btfFile, CacheDir: f.cacheDir, NoCache: f.noCache}
	if f.tracefs != "" {
		opts.TracefsDirs = []string{f.tracefs}
	}
	return btfindex.Open(opts)
}

func runList(stdout, stderr io.Writer, pattern string, f listFlags) error {
	ix, err := openIndex(f)
	if err != nil {
		fmt.Fprintf(stderr, "bt: %v\n", err)
		return exitError{exitUsage}
	}
	if f.kfuncs {
		return listKfuncs(stdout, stderr, ix, pattern, f)
	}
	if kind, name := btfindex.ParseTypeName(pattern); kind != btfindex.AnyKind {
		return listTypes(stdout, stderr, ix, kind, name, f)
	}
	probes, err := ix.List(pattern)
	if err != nil {
		fmt.Fprintf(stderr, "bt: %v\n", err)
		return exitError{exitUsage}
	}

	notes := map[string]bool{}
	note := func(msg string) {
		if !notes[msg] {
			notes[msg] = true
			fmt.Fprintf(stderr, "bt: note: %s\n", msg)
		}
	}
	needsBTF := false
	usedTracepoints := false
	for _, p := range probes {
		if p.Provider == "tracepoint" {
			usedTracepoints = true
		}
	}
	if usedTracepoints || strings.Contains(pattern, "tracepoint") || pattern == "" {
		switch src, why := ix.TracepointSource(); src {
		case btfindex.SourceCache:
			note(fmt.Sprintf("tracepoints come from the catalogue cached by an earlier root run (%s)", why))
		case btfindex.SourceBTF:
			note(fmt.Sprintf("tracepoints come from BTF alone: categories are guessed from event names, syscall tracepoints are missing (%s)", why))
		case btfindex.SourceNone:
			note(fmt.Sprintf("no tracepoints: %s", why))
		}
	}
	if err := ix.BTFError(); err != nil {
		needsBTF = pattern == "" || strings.ContainsAny(pattern, "*") || providerNeedsBTF(pattern)
		if needsBTF {
			note(err.Error() + "; kprobe, fentry, rawtracepoint and iter probes are not listed")
		}
	}

	if len(probes) == 0 {
		fmt.Fprintf(stderr, "bt: no probes match %q\n", pattern)
		if s := ix.SuggestProbe(pattern); len(s) > 0 {
			fmt.Fprintf(stderr, "bt: did you mean %s?\n", strings.Join(s, " or "))
		}
		return exitError{exitFindings}
	}

	if f.json {
		out := make([]jsonProbe, 0, len(probes))
		for _, p := range probes {
			jp := jsonProbe{Probe: p.String(), Provider: p.Provider, Target: p.Target, Namespace: p.Namespace, Name: p.Name, Source: p.Source, CategoryGuessed: p.CategoryGuessed}
			if f.verbose {
				args, src, err := ix.ProbeArgs(p)
				jp.Args, jp.ArgsSource = args, src
				if err != nil {
					jp.ArgsError = err.Error()
				}
			}
			out = append(out, jp)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		w := newBufWriter(stdout)
		for _, p := range probes {
			w.WriteString(p.String())
			w.WriteByte('\n')
			if !f.verbose {
				continue
			}
			args, src, err := ix.ProbeArgs(p)
			if err != nil {
				note(fmt.Sprintf("%s: %v", p, err))
				continue
			}
			if src == btfindex.SourceCache && p.Provider == "tracepoint" {
				note("tracepoint fields come from the cached catalogue")
			}
			for _, a := range args {
				w.WriteString("    ")
				w.WriteString(a.Decl)
				w.WriteByte('\n')
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	if usedTracepoints && !f.noCache {
		if src, _ := ix.TracepointSource(); src == btfindex.SourceTracefs {
			// Save the catalogue for runs without root; a no-op when current.
			_ = ix.CacheTracepoints()
		}
	}
	return nil
}

func providerNeedsBTF(pattern string) bool {
	prov, _, _ := strings.Cut(pattern, ":")
	p, ok := btfindex.LookupProvider(prov)
	if !ok {
		return false
	}
	switch p.Kind {
	case btfindex.KindKprobe, btfindex.KindFentry, btfindex.KindRawTracepoint, btfindex.KindIter:
		return true
	}
	return false
}

func listTypes(stdout, stderr io.Writer, ix *btfindex.Index, kind btfindex.TypeKind, pattern string, f listFlags) error {
	if err := ix.BTFError(); err != nil {
		fmt.Fprintf(stderr, "bt: %v\n", err)
		return exitError{exitUsage}
	}
	m := btfindex.CompileMatcher(pattern)
	prefix := ""
	if len(m) == 1 {
		prefix = m[0].Prefix()
	}
	w := newBufWriter(stdout)
	n := 0
	seen := map[string]bool{}
	for _, tn := range ix.TypeNames(prefix, kind) {
		if !m.Match(tn.Name) || seen[tn.CName()] {
			continue
		}
		seen[tn.CName()] = true
		n++
		w.WriteString(tn.CName())
		w.WriteByte('\n')
		if !f.verbose {
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
		for _, mb := range ms {
			fmt.Fprintf(w, "    %s; // offset %d", mb.CDecl(), mb.ByteOffset())
			if mb.BitfieldSize != 0 {
				fmt.Fprintf(w, " bit %d", mb.Offset%8)
			}
			fmt.Fprintf(w, ", size %d\n", mb.Size)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(stderr, "bt: no %s types match %q\n", kind, pattern)
		return exitError{exitFindings}
	}
	return nil
}

func listKfuncs(stdout, stderr io.Writer, ix *btfindex.Index, pattern string, f listFlags) error {
	if err := ix.BTFError(); err != nil {
		fmt.Fprintf(stderr, "bt: %v\n", err)
		return exitError{exitUsage}
	}
	if pattern == "" {
		pattern = "*"
	}
	m := btfindex.CompileMatcher(pattern)
	prefix := ""
	if len(m) == 1 {
		prefix = m[0].Prefix()
	}
	type jsonKfunc struct {
		Name      string `json:"name"`
		Module    string `json:"module"`
		Prototype string `json:"prototype,omitempty"`
	}
	var out []jsonKfunc
	for _, k := range ix.Kfuncs(prefix) {
		if !m.Match(k.Name) {
			continue
		}
		jk := jsonKfunc{Name: k.Name, Module: k.Module}
		if f.verbose || f.json {
			if sig, err := ix.Signature(k); err == nil {
				jk.Prototype = sig.CDecl()
			}
		}
		out = append(out, jk)
	}
	if len(out) == 0 {
		fmt.Fprintf(stderr, "bt: no kfuncs match %q\n", pattern)
		return exitError{exitFindings}
	}
	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	w := newBufWriter(stdout)
	for _, k := range out {
		fmt.Fprintf(w, "%s:%s\n", k.Module, k.Name)
		if f.verbose && k.Prototype != "" {
			fmt.Fprintf(w, "    %s\n", k.Prototype)
		}
	}
	return w.Flush()
}

// bufWriter buffers output and remembers the first write error.
type bufWriter struct {
	w   io.Writer
	buf []byte
	err error
}

func newBufWriter(w io.Writer) *bufWriter { return &bufWriter{w: w, buf: make([]byte, 0, 64<<10)} }

func (b *bufWriter) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	if len(b.buf) >= 64<<10 {
		b.flush()
	}
	return len(p), nil
}

func (b *bufWriter) WriteString(s string) {
	b.buf = append(b.buf, s...)
	if len(b.buf) >= 64<<10 {
		b.flush()
	}
}
func (b *bufWriter) WriteByte(c byte) error {
	b.buf = append(b.buf, c)
	return nil
}

func (b *bufWriter) flush() {
	if b.err == nil && len(b.buf) > 0 {
		_, b.err = b.w.Write(b.buf)
	}
	b.buf = b.buf[:0]
}

// Flush writes what is buffered; a closed pipe (bt list | head) is not an
// error worth reporting.
func (b *bufWriter) Flush() error {
	b.flush()
	if errors.Is(b.err, os.ErrClosed) || isBrokenPipe(b.err) {
		return nil
	}
	return b.err
}

func isBrokenPipe(err error) bool {
	return err != nil && strings.Contains(err.Error(), "broken pipe")
}
