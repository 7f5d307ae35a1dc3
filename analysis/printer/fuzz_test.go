package printer

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzFormat checks the printer's promises on every input that parses:
// the output parses, is a fixed point, means the same and keeps every
// comment (see checkRoundTrip).
func FuzzFormat(f *testing.F) {
	for _, pat := range []string{"testdata/*.input", "testdata/*.golden", "../parser/testdata/valid/*.bt"} {
		files, _ := filepath.Glob(pat)
		for _, path := range files {
			src, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkRoundTrip(t, "fuzz.bt", src)
	})
}
