// Command genobj compiles the standard library's C (stdlib/bpf/*.bpf.c)
// to the objects bt embeds and writes objects.sum, in the working
// directory (go generate in stdlib/ runs it in stdlib/bpf). clang is
// found as bt finds it: $BT_CLANG, then PATH.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/bt-tools/bt/codegen/clink"
	"github.com/bt-tools/bt/stdlib/internal/aot"
)

func main() {
	clang, err := clink.FindClang("")
	if err != nil {
		fmt.Fprintln(os.Stderr, "genobj:", err)
		os.Exit(1)
	}
	sum, err := aot.Build(clang, ".", ".")
	if err == nil {
		err = os.WriteFile(filepath.Join(".", aot.SumFile), sum, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genobj:", err)
		os.Exit(1)
	}
}
