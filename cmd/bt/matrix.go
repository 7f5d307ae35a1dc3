package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/btfindex/kernelcheck"
)

// The kernel matrix: one script checked against several kernels (BTF
// files), reported as which of its probes, tracepoint fields and struct
// fields exist on which kernel, with the first error on each.

// matrixKernel is one column: a kernel and what checking every input
// against it gave.
type matrixKernel struct {
	Name    string `json:"name"`
	Path    string `json:"path"`
	Desc    string `json:"describe,omitempty"`
	Err     string `json:"error,omitempty"` // the kernel could not be read
	results []checkResult
}

// matrixRow is one thing the script needs from the kernel.
type matrixRow struct {
	Kind   string   `json:"kind"` // "probe", "args", "field", "type"
	Item   string   `json:"item"`
	Line   int      `json:"line"`
	Status []string `json:"status"` // per kernel: "ok", "missing", "unknown", "-" (not checked), or a diagnostic code
	start  source.Pos
}

// matrixScript is one input's matrix.
type matrixScript struct {
	File  string          `json:"file"`
	Rows  []*matrixRow    `json:"rows"`
	First []matrixVerdict `json:"kernels"`
}

// matrixVerdict is a script's result on one kernel.
type matrixVerdict struct {
	Kernel     string `json:"kernel"`
	Errors     int    `json:"errors"`
	Warnings   int    `json:"warnings"`
	FirstError string `json:"first_error,omitempty"`
}

// missingCodes are the diagnostics that mean "not on this kernel".
var missingCodes = map[diag.Code]bool{
	"probe-not-found": true, "no-probe-match": true, "probe-target-not-found": true,
	check.CodeNoSuchField: true, check.CodeUnknownType: true, "probe-not-attachable": true,
}

// runMatrix checks every input against every kernel file and writes the
// matrix; it returns the exit status.
func runMatrix(stdout, stderr io.Writer, inputs []checkInput, files []string, f checkFlags, format diag.Format, color bool) int {
	status := exitOK
	kernels := make([]*matrixKernel, len(files))
	names := kernelNames(files)
	// Kernels are opened and checked in parallel (reading a BTF file is
	// most of the work).
	var wg sync.WaitGroup
	for i, path := range files {
		mk := &matrixKernel{Name: names[i], Path: path}
		kernels[i] = mk
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := kernelcheck.Open(path, false)
			if err != nil {
				mk.Err = err.Error()
				return
			}
			mk.Desc = k.Describe()
			c := &checker{flags: f, kernel: k, importer: check.NewFileImporter()}
			mk.results = c.checkAll(inputs)
		}()
	}
	wg.Wait()
	for _, mk := range kernels {
		if mk.Err != "" {
			fmt.Fprintf(stderr, "bt check: %s\n", mk.Err)
			status = exitUsage
		}
	}
	var scripts []*matrixScript
	for i, in := range inputs {
		ms := buildMatrix(in.name, kernels, i)
		scripts = append(scripts, ms)
		for _, v := range ms.First {
			if v.Errors > 0 || (f.werror && v.Warnings > 0) {
				status = max(status, exitFindings)
			}
		}
	}
	if format == diag.FormatJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Kernels []*matrixKernel `json:"kernels"`
			Scripts []*matrixScript `json:"scripts"`
		}{kernels, scripts}); err != nil {
			fmt.Fprintf(stderr, "bt check: %v\n", err)
			return exitUsage
		}
		return status
	}
	if format != diag.FormatText {
		fmt.Fprintf(stderr, "bt check: --format %s is not available for a kernel matrix (use text or json)\n", format)
		return exitUsage
	}
	for _, ms := range scripts {
		writeMatrix(stdout, ms, kernels)
	}
	return status
}

// kernelNames are the columns' names: the files' base names, with the
// directory added where two share one.
func kernelNames(files []string) []string {
	names := make([]string, len(files))
	count := map[string]int{}
	for i, p := range files {
		names[i] = filepath.Base(p)
		count[names[i]]++
	}
	for i, p := range files {
		if count[names[i]] > 1 {
			names[i] = p
		}
	}
	return names
}

// buildMatrix makes input i's rows from every kernel's program.
func buildMatrix(file string, kernels []*matrixKernel, i int) *matrixScript {
	ms := &matrixScript{File: file}
	rows := map[string]*matrixRow{}
	row := func(kind, item string, line int, start source.Pos) *matrixRow {
		key := fmt.Sprintf("%s\x00%s\x00%d", kind, item, start)
		r := rows[key]
		if r == nil {
			r = &matrixRow{Kind: kind, Item: item, Line: line, start: start, Status: make([]string, len(kernels))}
			rows[key] = r
		}
		return r
	}
	for ki, mk := range kernels {
		v := matrixVerdict{Kernel: mk.Name}
		if mk.Err != "" {
			v.FirstError = "kernel not readable: " + mk.Err
			ms.First = append(ms.First, v)
			continue
		}
		res := mk.results[i]
		v.Errors, v.Warnings = res.diags.Count(diag.Error), res.diags.Count(diag.Warning)
		for _, d := range res.diags {
			if d.Severity == diag.Error {
				v.FirstError = d.Error()
				break
			}
		}
		ms.First = append(ms.First, v)
		if res.prog == nil || len(res.prog.Files) == 0 {
			continue
		}
		root := res.prog.Files[0]
		verdict := func(span source.Span) string {
			st := "ok"
			for _, d := range res.diags {
				if d.Start().Filename != root.Source.Name || !(d.Span.Start < span.End && span.Start < d.Span.End || d.Span.Start == span.Start) {
					continue
				}
				switch {
				case d.Severity == diag.Error && missingCodes[d.Code]:
					return "missing"
				case d.Severity == diag.Error:
					return string(d.Code)
				case d.Code == check.CodeArgsUnknown:
					st = "unknown" // the kernel's description could not be read
				}
			}
			return st
		}
		for _, p := range res.prog.Probes {
			for _, ai := range p.Attach {
				if ai.Node == nil {
					continue
				}
				ap := ai.Node
				r := row("probe", ap.Raw, root.Source.Position(ap.Lo).Line, ap.Lo)
				r.Status[ki] = verdict(ap.Span())
			}
		}
		ast.Inspect(root, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FieldExpr:
				if x.Field == nil {
					return true
				}
				kind, item := fieldItem(res.prog.Info, x)
				if kind == "" {
					return true
				}
				r := row(kind, item, root.Source.Position(x.Field.Lo).Line, x.Field.Lo)
				r.Status[ki] = verdict(x.Field.Span())
			case *ast.TypeExpr:
				if x.Name == nil || !isTaggedType(x) {
					return true
				}
				item := typeExprName(x)
				r := row("type", item, root.Source.Position(x.Lo).Line, x.Lo)
				r.Status[ki] = verdict(x.Span())
			}
			return true
		})
	}
	for _, r := range rows {
		for k := range r.Status {
			if r.Status[k] == "" {
				r.Status[k] = "-" // not reached on that kernel (an earlier error)
			}
		}
		ms.Rows = append(ms.Rows, r)
	}
	sort.Slice(ms.Rows, func(a, b int) bool { return ms.Rows[a].start < ms.Rows[b].start })
	// Each type use once: the first.
	seen := map[string]bool{}
	out := ms.Rows[:0]
	for _, r := range ms.Rows {
		key := r.Kind + "\x00" + r.Item + "\x00" + strings.Join(r.Status, ",")
		if r.Kind != "probe" && seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, r)
	}
	ms.Rows = out
	return ms
}

// fieldItem names a field access the kernel decides: args.name, or
// struct S.name (through pointers); "" for records, tuples and values
// of unknown type.
func fieldItem(info *check.Info, x *ast.FieldExpr) (kind, item string) {
	if id, ok := ast.Unparen(x.X).(*ast.Ident); ok && id.Name == "args" {
		return "args", "args." + x.Field.Name
	}
	t := info.TypeOf(x.X)
	for i := 0; t != nil && i < 4; i++ {
		switch u := types.Underlying(t).(type) {
		case *types.Pointer:
			t = u.Elem
			continue
		case *types.Struct:
			if u.Name == "" || strings.Contains(u.Name, ":") {
				return "", ""
			}
			kw := "struct "
			if u.Union {
				kw = "union "
			}
			return "field", kw + u.Name + "." + x.Field.Name
		}
		break
	}
	return "", ""
}

// isTaggedType reports whether a type expression names a struct, union
// or enum (what a kernel may lack).
func isTaggedType(x *ast.TypeExpr) bool {
	return x.Keyword == "struct" || x.Keyword == "union" || x.Keyword == "enum"
}

func typeExprName(x *ast.TypeExpr) string {
	return x.Keyword + " " + x.Name.Name
}

// writeMatrix prints one script's matrix as a table.
func writeMatrix(w io.Writer, ms *matrixScript, kernels []*matrixKernel) {
	fmt.Fprintf(w, "%s: checked against %d kernels\n", ms.File, len(kernels))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"", "line"}
	for _, k := range kernels {
		head = append(head, k.Name)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range ms.Rows {
		cells := []string{r.Kind + " " + r.Item, fmt.Sprint(r.Line)}
		cells = append(cells, r.Status...)
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
	fmt.Fprintln(w, "first error per kernel:")
	for _, v := range ms.First {
		msg := v.FirstError
		if msg == "" {
			msg = "none"
			if v.Warnings > 0 {
				msg = fmt.Sprintf("none (%d warning%s)", v.Warnings, map[bool]string{true: "s"}[v.Warnings != 1])
			}
		}
		fmt.Fprintf(w, "  %s: %s\n", v.Kernel, msg)
	}
	fmt.Fprintln(w)
}
