package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/cfront"
	"github.com/bt-tools/bt/analysis/diag"
)

// clangLabels are clang's words for the severity of its diagnostics about
// the script's C, by bt's code: a missing header stops clang at once.
var clangLabels = map[diag.Code]string{
	cfront.CodeCError:          "error",
	cfront.CodeCWarning:        "warning",
	cfront.CodeIncludeNotFound: "fatal error",
}

// renderBpftraceDiags writes l as bpftrace prints it. The diagnostics
// clang reports about the script's C come first, as clang prints them
// to bpftrace, which hands clang the script's C as a file
// "definitions.h": a first line of its own, then each C statement of
// the script on the lines after ("definitions.h:2:10: fatal error:
// 'lol/no.h' file not found", notes as "note:", no source lines). The
// rest follow in bpftrace's layout (diag.StyleBpftrace).
func renderBpftraceDiags(w io.Writer, l diag.List, root *ast.File, opt diag.TextOptions) {
	var rest diag.List
	for _, d := range l {
		label, isC := clangLabels[d.Code]
		place, inC := clangPlace(root, d.Location)
		if !isC || !inC {
			rest = append(rest, d)
			continue
		}
		fmt.Fprintf(w, "%s: %s: %s\n", place, label, d.Message)
		for _, n := range d.Notes {
			if np, ok := clangPlace(root, n.Location); ok {
				fmt.Fprintf(w, "%s: note: %s\n", np, n.Message)
			}
		}
	}
	diag.RenderAll(w, rest, opt)
}

// clangPlace names loc as clang does in bpftrace's definitions.h,
// "definitions.h:LINE:COL"; false when loc is not in the root script's
// C. Line 1 of definitions.h is bpftrace's own #include; each C
// statement follows on a line of its own (its own line breaks kept), so
// columns count from the statement's start.
func clangPlace(root *ast.File, loc diag.Location) (string, bool) {
	if root == nil || root.Source == nil || loc.File != root.Source {
		return "", false
	}
	line := 2
	for _, d := range root.Decls {
		cd, ok := d.(*ast.CDecl)
		if !ok {
			continue
		}
		span := cd.Span()
		text := string(root.Source.Text[span.Start:span.End])
		if loc.Span.Start >= span.Start && loc.Span.Start < span.End {
			before := text[:loc.Span.Start-span.Start]
			col := len(before) - strings.LastIndexByte(before, '\n')
			return fmt.Sprintf("definitions.h:%d:%d", line+strings.Count(before, "\n"), col), true
		}
		line += strings.Count(text, "\n") + 1
	}
	return "", false
}
