// Package aot compiles the standard library's C ahead of time and
// records what the objects were built from (objects.sum), so that a test
// can tell when they are stale. go generate in stdlib/ runs it through
// ../genobj.
package aot

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// SumFile is the record of the last build, in the stdlib directory.
const SumFile = "objects.sum"

// Flags are clang's flags for the standard library: those of
// codegen/clink for imported C, minus everything that depends on the
// machine (no system headers: the C includes only stdlib files; the
// compile directory left out of the debug info).
var Flags = []string{
	"-target", "bpf", "-mcpu=v3", "-O2", "-g", "-c", "-ffunction-sections",
	"-nostdinc", "-fdebug-compilation-dir=.", "-fno-ident",
	"-D__BPFTRACE__",
}

// Sources are the C files compiled, one object each (x.bpf.c -> x.bpf.o).
func Sources(dir string) ([]string, error) {
	m, err := filepath.Glob(filepath.Join(dir, "*.bpf.c"))
	if err != nil {
		return nil, err
	}
	out := make([]string, len(m))
	for i, p := range m {
		out[i] = filepath.Base(p)
	}
	sort.Strings(out)
	return out, nil
}

// ObjectName is the object compiled from a C source.
func ObjectName(src string) string { return strings.TrimSuffix(src, ".c") + ".o" }

// Inputs is the part of objects.sum that depends only on the sources:
// the flags and the hash of every .bpf.c and .h file of dir.
func Inputs(dir string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "flags %s\n", strings.Join(Flags, " "))
	var names []string
	for _, pat := range []string{"*.bpf.c", "*.h"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return nil, err
		}
		names = append(names, m...)
	}
	sort.Strings(names)
	for _, p := range names {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "input %x %s\n", sha256.Sum256(data), filepath.Base(p))
	}
	return b.Bytes(), nil
}

// Sum is a parsed objects.sum.
type Sum struct {
	Clang   string            // clang --version's first line
	Inputs  []byte            // the Inputs lines
	Objects map[string]string // object name -> hex sha256
}

// ReadSum reads dir/objects.sum.
func ReadSum(dir string) (*Sum, error) {
	data, err := os.ReadFile(filepath.Join(dir, SumFile))
	if err != nil {
		return nil, err
	}
	s := &Sum{Objects: map[string]string{}}
	var in bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch kind, rest, _ := strings.Cut(line, " "); kind {
		case "clang":
			s.Clang = rest
		case "flags", "input":
			in.WriteString(line + "\n")
		case "object":
			sum, name, _ := strings.Cut(rest, " ")
			s.Objects[name] = sum
		}
	}
	s.Inputs = in.Bytes()
	return s, sc.Err()
}

// ClangVersion is the first line of clang --version.
func ClangVersion(clang string) (string, error) {
	out, err := exec.Command(clang, "--version").Output()
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line), nil
}

// Build compiles every source of srcDir into outDir and returns the
// objects.sum text.
func Build(clang, srcDir, outDir string) ([]byte, error) {
	version, err := ClangVersion(clang)
	if err != nil {
		return nil, err
	}
	inputs, err := Inputs(srcDir)
	if err != nil {
		return nil, err
	}
	srcs, err := Sources(srcDir)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("# Written by go generate (stdlib/internal/genobj); a test fails when it does not match the sources.\n")
	fmt.Fprintf(&b, "clang %s\n", version)
	b.Write(inputs)
	for _, src := range srcs {
		out, err := filepath.Abs(filepath.Join(outDir, ObjectName(src)))
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, clang, append(append([]string{}, Flags...), "-o", out, src)...)
		cmd.Dir = srcDir // relative names in the debug info
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err = cmd.Run()
		cancel()
		if err != nil {
			return nil, fmt.Errorf("compiling %s: %v\n%s", src, err, stderr.String())
		}
		data, err := os.ReadFile(out)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "object %x %s\n", sha256.Sum256(data), ObjectName(src))
	}
	return b.Bytes(), nil
}
