package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/btfindex/kernelcheck"
)

// benchTools are bpftrace's tools/*.bt, or the benchmark is skipped.
func benchTools(b *testing.B) []string {
	b.Helper()
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		b.Skip("no kernel BTF")
	}
	files, _ := filepath.Glob(filepath.Join(refSrc(), "tools", "*.bt"))
	if len(files) == 0 {
		b.Skip("no bpftrace tools")
	}
	return files
}

// BenchmarkCheckTools is `bt check -q tools/*.bt` in-process: open the
// kernel (from the index cache), parse, read the C, check, print.
func BenchmarkCheckTools(b *testing.B) {
	files := benchTools(b)
	args := append([]string{"check", "-q"}, files...)
	defer cpuPerOp(b)()
	for b.Loop() {
		var out, errb bytes.Buffer
		code := execute(args, strings.NewReader(""), &out, &errb)
		if code == exitUsage {
			b.Fatalf("exit %d: %s", code, errb.String())
		}
	}
}

// BenchmarkCheckToolsWarm checks the tools with a kernel that is already
// open and has answered once (the language server's steady state).
func BenchmarkCheckToolsWarm(b *testing.B) {
	files := benchTools(b)
	k, err := kernelcheck.Open("", false)
	if err != nil {
		b.Fatal(err)
	}
	var inputs []checkInput
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		inputs = append(inputs, checkInput{name: f, src: src})
	}
	c := &checker{kernel: k, importer: check.NewFileImporter()}
	c.checkAll(inputs)
	defer cpuPerOp(b)()
	for b.Loop() {
		c.checkAll(inputs)
	}
}

// cpuPerOp reports the process's CPU time (user + system, every thread)
// per operation: on a shared machine it is steadier than wall time.
func cpuPerOp(b *testing.B) func() {
	start := processCPU()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((processCPU()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		}
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
