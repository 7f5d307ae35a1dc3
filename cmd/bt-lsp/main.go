// Command bt-lsp is the bpftrace language server. It speaks LSP over
// stdio and answers from the same analysis core as bt.
package main

import (
	"fmt"
	"os"
)

func main() {
	// The server itself is built by the language-server issue; until then
	// the binary exists so editors can be pointed at a stable name.
	fmt.Fprintln(os.Stderr, "bt-lsp: the language server is not part of this build yet")
	os.Exit(2)
}
