package codegen

import (
	"strings"
	"testing"
)

// TestKaddrMissingSymbol: kaddr() of a symbol kallsyms does not list is
// an environment error with its own code and a hint about kallsyms, not
// a construct the compiler "cannot lower yet".
func TestKaddrMissingSymbol(t *testing.T) {
	p, err := checkSource(t, `begin { print(kaddr("bt_no_such_kernel_symbol")); }`)
	if err != nil {
		t.Fatal(err)
	}
	_, diags := Compile(p, Options{})
	if len(diags) != 1 {
		t.Fatalf("diagnostics %v, want one", diags)
	}
	d := diags[0]
	if d.Code != CodeUnknownSymbol || d.Message != "Failed to resolve kernel symbol: bt_no_such_kernel_symbol" {
		t.Errorf("%s: %s", d.Code, d.Message)
	}
	if !strings.Contains(d.Hint, "kallsyms") || strings.Contains(d.Hint, "cannot lower") {
		t.Errorf("hint %q", d.Hint)
	}
}
