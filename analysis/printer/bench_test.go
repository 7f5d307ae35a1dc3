package printer

import (
	"bytes"
	"os"
	"testing"
)

// largeScript is the golden inputs (the top-level one once, at the top,
// where C definitions and config must be; the others 40 times): about
// 9,000 lines with every construct, comments and long lines.
func largeScript(b *testing.B) []byte {
	var buf bytes.Buffer
	top, err := os.ReadFile("testdata/toplevel.input")
	if err != nil {
		b.Fatal(err)
	}
	buf.Write(top)
	for i := 0; i < 40; i++ {
		for _, name := range []string{"probes", "exprs", "stmts", "longlines", "blanklines"} {
			src, err := os.ReadFile("testdata/" + name + ".input")
			if err != nil {
				b.Fatal(err)
			}
			buf.Write(src)
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes()
}

// BenchmarkFormat parses and prints a large script.
func BenchmarkFormat(b *testing.B) {
	src := largeScript(b)
	if out, diags := Format(src, "large.bt"); out == nil {
		b.Fatalf("large script does not parse:\n%s", render(diags))
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Format(src, "large.bt")
	}
}

// BenchmarkPrint prints the parsed large script (no parsing).
func BenchmarkPrint(b *testing.B) {
	src := largeScript(b)
	f, diags := parse(b, "large.bt", src)
	if diags.HasErrors() {
		b.Fatalf("large script does not parse:\n%s", render(diags))
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Sprint(f)
	}
}
