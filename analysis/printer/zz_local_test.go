package printer

import (
	"os"
	"testing"
)

func TestZZCompat(t *testing.T) {
	path := os.Getenv("ZZ_FILE")
	if path == "" {
		t.Skip()
	}
	src, _ := os.ReadFile(path)
	f, d := parse(t, path, src)
	if d.HasErrors() {
		t.Fatal(render(d))
	}
	os.WriteFile(path+".compat", []byte(sprint(f, true)), 0o644)
	f, _ = parse(t, path, src)
	os.WriteFile(path+".normal", []byte(sprint(f, false)), 0o644)
}
