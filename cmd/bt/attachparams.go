package main

import (
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
)

// expandAttachParams replaces the positional parameters of attach points
// by their values, as bpftrace does when a script runs: an unquoted $N
// anywhere in an attach point (BEG$1, i:ms:$1, a whole $1) becomes the
// text of the Nth argument, or nothing when there are fewer; a quoted "$1"
// stays as written. The attach point is then split again by its
// provider's grammar; what does not fit is reported over the whole
// attach point, whose text in the file is unchanged.
func expandAttachParams(f *ast.File, params []string) diag.List {
	var diags diag.List
	for _, d := range f.Decls {
		p, ok := d.(*ast.Probe)
		if !ok {
			continue
		}
		for _, ap := range p.AttachPoints {
			raw, changed := substituteParams(ap.Raw, params)
			if !changed {
				continue
			}
			res := probes.ParseProbeName(raw)
			whole := ast.Range{Lo: ap.Lo, Hi: ap.Hi}
			for _, pr := range res.Problems {
				pr.File = f.Source
				pr.Span = source.Span{Start: ap.Lo, End: ap.Hi}
				pr.Message += " (in " + raw + ")"
				diags = append(diags, pr)
			}
			fields := res.Fields
			for i := range fields {
				fields[i].Range = whole
			}
			ap.Raw, ap.Name, ap.Provider, ap.Fields = raw, res.Name, res.Provider, fields
		}
	}
	return diags
}

// substituteParams replaces unquoted $N in raw by params[N-1] ("" past
// the end) and reports whether there was any.
func substituteParams(raw string, params []string) (string, bool) {
	if !strings.Contains(raw, "$") {
		return raw, false
	}
	var b strings.Builder
	changed, quoted := false, false
	for i := 0; i < len(raw); i++ {
		ch := raw[i]
		if ch == '"' {
			quoted = !quoted
		}
		if quoted || ch != '$' || i+1 >= len(raw) || raw[i+1] < '1' || raw[i+1] > '9' {
			b.WriteByte(ch)
			continue
		}
		j := i + 1
		n := 0
		for j < len(raw) && raw[j] >= '0' && raw[j] <= '9' && n < 1<<20 {
			n = n*10 + int(raw[j]-'0')
			j++
		}
		if n <= len(params) {
			b.WriteString(params[n-1])
		}
		changed = true
		i = j - 1
	}
	return b.String(), changed
}
