package codegen

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
)

// corpusDirs are the script collections every accepted script of which
// must compile and pass the verifier.
func corpusDirs() []string {
	src := os.Getenv("BT_BPFTRACE_SRC")
	if src == "" {
		src = "/work/bpftrace-v026/bpftrace-src"
	}
	return []string{"../analysis/check/testdata", "testdata", filepath.Join(src, "tools"), "/usr/sbin"}
}

// knownGaps are corpus scripts the compiler cannot lower yet, with why;
// each is a codegen-unsupported diagnostic, not a crash or a wrong
// program. Remove an entry when the feature lands.
var knownGaps = map[string]string{}

// verifyResult is what happened to one script.
type verifyResult struct {
	path   string
	status string // "ok", "rejected" (by the checker), "env" (kernel cannot load the program type), "fail"
	msg    string
}

// verifyScript checks, compiles and loads one script.
func verifyScript(t *testing.T, path string) verifyResult {
	src, err := os.ReadFile(path)
	if err != nil {
		return verifyResult{path, "fail", err.Error()}
	}
	p, err := checkFile(t, path, src)
	if err != nil || p == nil {
		return verifyResult{path, "rejected", ""}
	}
	obj, diags := Compile(p, Options{Params: []string{"1", "1", "1"}})
	if diags.HasErrors() {
		if diags[0].Code == CodeUnknownSymbol { // a data symbol without CONFIG_KALLSYMS_ALL
			return verifyResult{path, "env", diags[0].Message}
		}
		return verifyResult{path, "fail", diags[0].Error()}
	}
	for _, pr := range obj.Progs {
		if pr.Provider == "fentry" || pr.Provider == "fexit" {
			return verifyResult{path, "env", "fentry/fexit programs cannot be loaded on this kernel"}
		}
	}
	coll, err := ebpf.NewCollectionWithOptions(obj.Spec, ebpf.CollectionOptions{})
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) && strings.Contains(err.Error(), "cannot use helper bpf_override_return") {
			return verifyResult{path, "env", "this kernel has no bpf_override_return (CONFIG_BPF_KPROBE_OVERRIDE)"}
		}
		if errors.As(err, &ve) {
			return verifyResult{path, "fail", LoadDiag(obj, err).Error()}
		}
		return verifyResult{path, "fail", err.Error()}
	}
	coll.Close()
	return verifyResult{path, "ok", ""}
}

// TestVerifierCorpus compiles and loads every script of the corpus that
// the checker accepts.
func TestVerifierCorpus(t *testing.T) {
	needRoot(t)
	ensureTracefs(t)
	var files []string
	for _, d := range corpusDirs() {
		matches, _ := filepath.Glob(filepath.Join(d, "*.bt"))
		files = append(files, matches...)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Skip("no corpus scripts")
	}
	counts := map[string]int{}
	var failures []string
	for _, f := range files {
		r := verifyScript(t, f)
		if reason, ok := knownGaps[filepath.Base(f)]; ok && r.status == "fail" {
			t.Logf("known gap: %s: %s", f, reason)
			r.status = "gap"
		}
		counts[r.status]++
		if r.status == "fail" {
			failures = append(failures, f+": "+firstLineOf(r.msg))
		}
	}
	t.Logf("corpus: %d scripts: %d verified, %d rejected by the checker, %d not loadable on this kernel (fentry/fexit, override, data symbols), %d known gaps, %d failed",
		len(files), counts["ok"], counts["rejected"], counts["env"], counts["gap"], counts["fail"])
	for _, f := range failures {
		t.Errorf("%s", f)
	}
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
