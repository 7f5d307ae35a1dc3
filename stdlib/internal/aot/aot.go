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

// PerArch are the sources whose objects differ between architectures
// (their tables do), with the architectures (the kernel's names, as in
// __TARGET_ARCH_<arch>) they are compiled for: x.bpf.c gives x.<arch>.bpf.o,
// compiled with -D__TARGET_ARCH_<arch>. Every other source gives one
// object, x.bpf.o.
var PerArch = map[string][]string{
	"syscalls.bpf.c": {"arm64", "riscv", "x86"},
}

// Unit is one compile: a source, the object it gives and its extra flags.
type Unit struct {
	Src, Obj string
	Defines  []string
}

// Units are the compiles of the C files of dir, sorted by object.
func Units(dir string) ([]Unit, error) {
	m, err := filepath.Glob(filepath.Join(dir, "*.bpf.c"))
	if err != nil {
		return nil, err
	}
	var out []Unit
	for _, p := range m {
		src := filepath.Base(p)
		arches, ok := PerArch[src]
		if !ok {
			out = append(out, Unit{Src: src, Obj: ObjectName(src, "")})
			continue
		}
		for _, a := range arches {
			out = append(out, Unit{Src: src, Obj: ObjectName(src, a), Defines: []string{"-D__TARGET_ARCH_" + a}})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Obj < out[j].Obj })
	return out, nil
}

// ObjectName is the object compiled from a C source, for arch when the
// source is in PerArch ("" otherwise).
func ObjectName(src, arch string) string {
	base := strings.TrimSuffix(src, ".bpf.c")
	if arch != "" {
		return base + "." + arch + ".bpf.o"
	}
	return base + ".bpf.o"
}

// Inputs is the part of objects.sum that depends only on the sources:
// the flags, the per-architecture compiles and the hash of every .bpf.c
// and .h file of dir.
func Inputs(dir string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "flags %s\n", strings.Join(Flags, " "))
	var perArch []string
	for src, arches := range PerArch {
		perArch = append(perArch, fmt.Sprintf("flags %s for %s\n", src, strings.Join(arches, " ")))
	}
	sort.Strings(perArch)
	b.WriteString(strings.Join(perArch, ""))
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
	units, err := Units(srcDir)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("# Written by go generate (stdlib/internal/genobj); a test fails when it does not match the sources.\n")
	fmt.Fprintf(&b, "clang %s\n", version)
	b.Write(inputs)
	for _, u := range units {
		out, err := filepath.Abs(filepath.Join(outDir, u.Obj))
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		args := append(append(append([]string{}, Flags...), u.Defines...), "-o", out, u.Src)
		cmd := exec.CommandContext(ctx, clang, args...)
		cmd.Dir = srcDir // relative names in the debug info
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err = cmd.Run()
		cancel()
		if err != nil {
			return nil, fmt.Errorf("compiling %s: %v\n%s", u.Src, err, stderr.String())
		}
		data, err := os.ReadFile(out)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "object %x %s\n", sha256.Sum256(data), u.Obj)
	}
	return b.Bytes(), nil
}
