package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/btfindex/kernelcheck"
)

// Conformance on the real kernel: bpftrace's own tools, and the older
// copies a distribution packages, check through bt check's pipeline
// (imports, C, kernel) without errors, except where what a script needs
// truly does not exist here; those are listed below with the reason, and
// each error must name the missing thing.

// refSrc is bpftrace's source tree ($BT_BPFTRACE_SRC).
func refSrc() string {
	if d := os.Getenv("BT_BPFTRACE_SRC"); d != "" {
		return d
	}
	return "/opt/ref/bpftrace"
}

// conformanceSets are the tool sets on this machine: "tools" (bpftrace's
// current tools) and "packaged" (/usr/share/bpftrace/tools, or Debian's
// /usr/sbin copies of bpftrace 0.17's, in the legacy syntax).
func conformanceSets() map[string][]string {
	sets := map[string][]string{}
	if m, _ := filepath.Glob(filepath.Join(refSrc(), "tools", "*.bt")); len(m) > 0 {
		sets["tools"] = m
	}
	for _, dir := range []string{"/usr/share/bpftrace/tools", "/usr/sbin"} {
		if m, _ := filepath.Glob(filepath.Join(dir, "*.bt")); len(m) > 0 {
			sets["packaged"] = m
			break
		}
	}
	return sets
}

// allowed is an error a script may have on this machine.
type allowed struct {
	set, script string
	code        diag.Code
	subject     string // what the message must name
	reason      string
}

var conformanceAllowlist = []allowed{
	{"tools", "mdflush.bt", check.CodeProbeNotFound, "md_flush_request", "the md (software RAID) driver is not built into this kernel: kallsyms has no md_ function"},
	{"packaged", "mdflush.bt", check.CodeProbeNotFound, "md_flush_request", "as tools/mdflush.bt"},
	{"packaged", "biolatency.bt", check.CodeProbeNotFound, "__blk_account_io_start", "the block layer renamed it blk_account_io_start; bpftrace's current biolatency uses block tracepoints"},
	{"packaged", "biolatency.bt", check.CodeProbeNotFound, "__blk_account_io_done", "renamed blk_account_io_done"},
	{"packaged", "biosnoop.bt", check.CodeProbeNotFound, "__blk_account_io_start", "as biolatency.bt"},
	{"packaged", "biosnoop.bt", check.CodeProbeNotFound, "__blk_account_io_done", "as biolatency.bt"},
	{"packaged", "biostacks.bt", check.CodeProbeNotFound, "__blk_account_io_start", "as biolatency.bt"},
	{"packaged", "biostacks.bt", check.CodeProbeNotFound, "blk_start_request", "the legacy (non-blk-mq) request path was removed in Linux 5.0"},
	{"packaged", "swapin.bt", check.CodeProbeNotFound, "swap_readpage", "renamed swap_read_folio in Linux 6.3"},
	{"packaged", "threadsnoop.bt", check.CodeProbeNotFound, "pthread_create", "glibc 2.34 moved pthread_create into libc; libpthread.so.0 is a stub without it (the current tool also tries libc)"},
	{"packaged", "ssllatency.bt", check.CodeProbeNotFound, "libcrypto", "OpenSSL's internal rsa_ossl_*/ossl_ecdsa_*/ecdh_* functions are not exported, and the installed libcrypto has no symbol table (the current tool sets missing_probes = ignore)"},
	{"packaged", "sslsnoop.bt", check.CodeProbeNotFound, "libcrypto", "as ssllatency.bt"},
	{"packaged", "runqlat.bt", check.CodeUnknownIdent, "TASK_RUNNING", "a macro of the kernel's own <linux/sched.h>; kernel headers are not installed and the uapi header has no TASK_RUNNING (BTF has no macros; the current tool defines it)"},
	{"packaged", "runqlen.bt", check.CodeNoSuchField, "nr_running", "struct cfs_rq.nr_running was renamed nr_queued in Linux 6.13 (the current tool reads nr_queued)"},
	{"packaged", "tcpconnect.bt", check.CodeUndefinedVariable, "$saddr", "uses variables after the if/else blocks that assign them; bpftrace rejects this since block scoping (0.21)"},
	{"packaged", "tcpconnect.bt", check.CodeUndefinedVariable, "$daddr", "as $saddr"},
	{"packaged", "tcpdrop.bt", check.CodeUndefinedVariable, "$saddr", "as tcpconnect.bt"},
	{"packaged", "tcpdrop.bt", check.CodeUndefinedVariable, "$daddr", "as tcpconnect.bt"},
}

// packagedWarnings are the warnings the packaged (legacy) tools may have:
// the legacy-* syntax warnings, what bpftrace itself warns about in them,
// and kernel headers that BTF stands in for.
func packagedWarning(d diag.Diagnostic) bool {
	if strings.HasPrefix(string(d.Code), "legacy-") {
		return true
	}
	switch d.Code {
	case check.CodeDiscardedValue, check.CodeImplicitSignChange, check.CodeSignedDivision, check.CodeUnnecessaryCast, check.CodeMissingInclude:
		return true
	}
	return false
}

func TestCheckConformanceRealKernel(t *testing.T) {
	needKernelBTF(t)
	sets := conformanceSets()
	if len(sets) == 0 {
		t.Skip("no bpftrace tools on this machine")
	}
	k, err := kernelcheck.Open("", false)
	if err != nil {
		t.Fatal(err)
	}
	c := &checker{kernel: k, importer: check.NewFileImporter()}
	used := map[int]bool{}
	for set, files := range sets {
		for _, path := range files {
			script := filepath.Base(path)
			t.Run(set+"/"+script, func(t *testing.T) {
				src, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				res := c.checkOne(checkInput{name: path, src: src})
				for _, d := range res.diags {
					switch {
					case d.Severity == diag.Error:
						i := allowedError(set, script, d)
						if i < 0 {
							t.Errorf("%s", d.Error())
							continue
						}
						used[i] = true
					case d.Severity == diag.Warning && set == "packaged" && !packagedWarning(d):
						t.Errorf("not a legacy warning: %s", d.Error())
					}
				}
			})
		}
	}
	for i, a := range conformanceAllowlist {
		if !used[i] && sets[a.set] != nil {
			// The probe exists on this kernel after all: fine, but say so.
			t.Logf("allowlist entry not needed here: %s/%s %s %s", a.set, a.script, a.code, a.subject)
		}
	}
}

func allowedError(set, script string, d diag.Diagnostic) int {
	for i, a := range conformanceAllowlist {
		if a.set == set && a.script == script && a.code == d.Code && strings.Contains(d.Message, a.subject) {
			return i
		}
	}
	return -1
}
