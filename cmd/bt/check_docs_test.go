package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/diag"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/diagnostics.md from the table of diagnostic codes")

// diagnosticsDoc renders docs/diagnostics.md from diag.All(): every code
// bt check (and the language server) can report.
func diagnosticsDoc() []byte {
	var b bytes.Buffer
	b.WriteString(`# Diagnostics

Every problem bt reports carries a stable code, printed as ` + "`error[code]`" + `
by ` + "`bt check`" + `, used as the rule id in SARIF and as the title of GitHub
annotations. Codes never change meaning once released.

The severity below is the default. ` + "`bt check --werror`" + ` counts warnings as
findings too. The probe existence checks (` + "`probe-not-found`" + `,
` + "`no-probe-match`" + `, ` + "`probe-not-attachable`" + `) follow the script's
` + "`missing_probes`" + ` config: ` + "`warn`" + ` makes them warnings and
` + "`ignore`" + ` silences them, as in bpftrace. ` + "`missing-include`" + ` is a
warning when kernel BTF provides the types and an error without it.

This file is generated from the code table by
` + "`go test ./cmd/bt -run TestDocsDiagnostics -update`" + `; do not edit it by hand.

| code | severity | meaning |
| --- | --- | --- |
`)
	for _, ci := range diag.All() {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", ci.Code, ci.Severity, strings.ReplaceAll(ci.Summary, "|", "\\|"))
	}
	fmt.Fprintf(&b, "\n%d codes.\n", len(diag.All()))
	return b.Bytes()
}

func TestDocsDiagnostics(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "diagnostics.md")
	want := diagnosticsDoc()
	if *updateDocs {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/bt -run TestDocsDiagnostics -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/diagnostics.md is stale: run go test ./cmd/bt -run TestDocsDiagnostics -update")
	}
	// Every code bt check can print is documented with a summary.
	for _, ci := range diag.All() {
		if ci.Summary == "" || !bytes.Contains(got, []byte("| `"+string(ci.Code)+"` |")) {
			t.Errorf("code %s is not documented", ci.Code)
		}
	}
	for _, c := range []string{"probe-not-found", "missing-include", "syntax", "map-type-conflict", "c-error"} {
		if _, ok := diag.Lookup(diag.Code(c)); !ok {
			t.Errorf("code %s is not registered in bt", c)
		}
	}
}
