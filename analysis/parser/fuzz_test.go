package parser

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
)

// FuzzParse checks that any input parses without panicking, terminates
// quickly, returns a non-nil file whose nodes keep the tree invariants
// (inside the text, inside their parent, siblings in order), and reports
// diagnostics with registered codes and ranges inside the text. Seeds are
// the scripts of testdata/valid and testdata/invalid; the corpus of
// interesting inputs lives in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata/valid", "testdata/invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.bt"))
		for _, path := range files {
			if text, err := os.ReadFile(path); err == nil {
				f.Add(text)
			}
		}
	}
	for _, s := range []string{"", "{", "}", "k:f {", "#", "/*", "\"", "$", "@", "(((", "k:f /", "let", "fn", "macro m(", "config = {"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		start := time.Now()
		file, diags := ParseFile(source.NewFile("fuzz.bt", text))
		if d := time.Since(start); d > 5*time.Second && len(text) < 1<<16 {
			t.Fatalf("parsing %d bytes took %v", len(text), d)
		}
		if file == nil {
			t.Fatal("nil file")
		}
		checkTree(t, file, len(text))
		checkDiags(t, diags, len(text))
		_ = ast.Dump(file)
		_ = ast.NodeAt(file, source.Pos(len(text)/2))
		// Comments are in order, inside the text and do not overlap.
		prev := source.Pos(0)
		for _, g := range file.Comments {
			for _, c := range g.List {
				if c.Lo < prev || c.Hi > source.Pos(len(text)) || c.Lo > c.Hi {
					t.Fatalf("comment [%d,%d) out of order or range", c.Lo, c.Hi)
				}
				prev = c.Hi
			}
		}
	})
}

func checkDiags(t testing.TB, diags diag.List, n int) {
	t.Helper()
	if len(diags) > maxErrors+1 {
		t.Fatalf("%d diagnostics, more than the cap", len(diags))
	}
	for _, d := range diags {
		if d.Span.Start < 0 || d.Span.End > source.Pos(n) || d.Span.Start > d.Span.End {
			t.Fatalf("diagnostic %q has range [%d,%d) outside text of %d bytes", d.Message, d.Span.Start, d.Span.End, n)
		}
		if _, ok := diag.Lookup(d.Code); !ok {
			t.Fatalf("diagnostic code %q is not registered", d.Code)
		}
		if d.Message == "" || d.File == nil {
			t.Fatalf("diagnostic without message or file: %+v", d)
		}
	}
}
