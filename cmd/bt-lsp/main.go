// Command bt-lsp is the bpftrace language server. It speaks LSP over
// stdio and answers from the same analysis core as bt, in process, as a
// normal user.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/bt-tools/bt/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	logFile := flag.String("log", "", "append the server's log to this file (default: stderr)")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Bool("stdio", true, "speak LSP over stdin/stdout (the only transport; accepted for editors that pass it)")
	flag.Parse()
	if *showVersion {
		fmt.Printf("bt-lsp %s\n", version)
		return
	}
	server.Version = version
	var logw io.Writer = os.Stderr
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bt-lsp: %v\n", err)
			os.Exit(2)
		}
		defer f.Close()
		logw = f
	}
	if err := run(context.Background(), stdio{}, logw); err != nil {
		fmt.Fprintf(os.Stderr, "bt-lsp: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, rwc io.ReadWriteCloser, logw io.Writer) error {
	s := server.New(server.Options{Logf: server.StdLogger(logw)})
	return s.Serve(ctx, rwc)
}

// stdio joins stdin and stdout into one stream.
type stdio struct{}

func (stdio) Read(p []byte) (int, error)  { return os.Stdin.Read(p) }
func (stdio) Write(p []byte) (int, error) { return os.Stdout.Write(p) }
func (stdio) Close() error                { return os.Stdin.Close() }
