package main

import (
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

const cPerCPUMaps = `#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, u32);
	__type(value, u64);
} btpc_hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, s32);
} btpc_slots SEC(".maps");

struct pair { u64 calls; s32 down; struct { u16 odd; } inner; };
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, u32);
	__type(value, struct pair);
} btpc_pairs SEC(".maps");

struct named { u64 n; char name[8]; };
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, u32);
	__type(value, struct named);
} btpc_named SEC(".maps");

/* Counts a hit on k in this CPU's element of btpc_hits and returns this
   CPU's count. */
u64 bump(u32 k)
{
	u64 one = 1, *v = bpf_map_lookup_elem(&btpc_hits, &k);
	if (v) {
		*v += 1;
		return *v;
	}
	bpf_map_update_elem(&btpc_hits, &k, &one, BPF_ANY);
	return 1;
}

/* Counts a call in this CPU's btpc_pairs[k]. */
void pair_bump(u32 k)
{
	struct pair zero = {}, *p = bpf_map_lookup_elem(&btpc_pairs, &k);
	if (!p) {
		bpf_map_update_elem(&btpc_pairs, &k, &zero, BPF_NOEXIST);
		p = bpf_map_lookup_elem(&btpc_pairs, &k);
		if (!p)
			return;
	}
	p->calls += 1;
	p->down -= 1;
	p->inner.odd += p->calls % 2;
}
`

// Per-CPU maps the C defines: the script and the C read and update this
// CPU's value (the script's read of @btpc_hits[1] is what bump returned
// on the same CPU, never the other CPU's count too), and at exit each
// element prints as the sum of its CPUs' values. The test's own thread
// calls getppid on CPU 0 and CPU 1 in turn until the script has seen
// both and exits.
func TestRunPerCPUCMaps(t *testing.T) {
	dir := cFiles(t, map[string]string{
		"pc.bpf.c": cPerCPUMaps,
		"pc.bt": `import "pc.bpf.c";
tracepoint:syscalls:sys_enter_getppid /pid == $1/ {
  $mine = bump(1);
  pair_bump(4);
  if (!has_key(@btpc_pairs, 4)) { @wrong = count(); }
  if ($mine != @btpc_hits[1]) { @wrong = count(); }
  @btpc_hits[2] += 10;
  @btpc_slots[0] -= 1;
  @n = count();
  @cpus[cpu] = 1;
  if (len(@cpus) == 2) { @both = count(); if ((int64)@both >= 4) { exit(); } }
}
`,
	})
	if n, err := ebpf.PossibleCPU(); err != nil || n < 2 {
		t.Skipf("needs 2 CPUs (%d, %v)", n, err)
	}
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errOut := run(t, "", "run", "-q", filepath.Join(dir, "pc.bt"), strconv.Itoa(unix.Getpid()))
		done <- result{code, out, errOut}
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var r result
	finished := false
	for i := 0; i < 20000 && !finished; i++ {
		var set unix.CPUSet
		set.Set(i % 2)
		if err := unix.SchedSetaffinity(0, &set); err != nil {
			t.Fatalf("pinning to CPU %d: %v", i%2, err)
		}
		unix.Getppid()
		select {
		case r = <-done:
			finished = true
		case <-time.After(time.Millisecond):
		}
	}
	if !finished {
		t.Fatal("the script did not exit after its events on both CPUs")
	}
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q\nstdout:\n%s", r.code, r.err, r.out)
	}
	values := map[string]int64{}
	for _, m := range regexp.MustCompile(`(?m)^(@\w+(?:\[\d+\])?): (-?\d+)$`).FindAllStringSubmatch(r.out, -1) {
		values[m[1]], _ = strconv.ParseInt(m[2], 10, 64)
	}
	n := values["@n"]
	want := map[string]int64{"@btpc_hits[1]": n, "@btpc_hits[2]": 10 * n, "@btpc_slots[0]": -n, "@btpc_slots[1]": 0, "@cpus[0]": 1, "@cpus[1]": 1}
	for name, w := range want {
		if got, ok := values[name]; !ok || got != w {
			t.Errorf("%s = %d (printed: %v), want %d", name, got, ok, w)
		}
	}
	// each CPU's odd counts its odd calls: the sum depends on how the
	// calls fell on the CPUs, between n/2 and n/2 + 2
	m := regexp.MustCompile(`(?m)^@btpc_pairs\[4\]: \{ \.calls = (\d+), \.down = (-?\d+), \.inner = \{ \.odd = (\d+) \} \}$`).FindStringSubmatch(r.out)
	if m == nil {
		t.Errorf("@btpc_pairs[4] is not printed as a struct")
	} else if calls, _ := strconv.ParseInt(m[1], 10, 64); calls != n || m[2] != strconv.FormatInt(-n, 10) {
		t.Errorf("@btpc_pairs[4] = %s, want calls %d, down %d", m[0], n, -n)
	} else if odd, _ := strconv.ParseInt(m[3], 10, 64); odd < n/2 || odd > n/2+2 {
		t.Errorf("@btpc_pairs[4].inner.odd = %d, want %d to %d", odd, n/2, n/2+2)
	}
	if n < 5 {
		t.Errorf("@n = %d: fewer events than the script waited for", n)
	}
	if strings.Contains(r.out, "@wrong") {
		t.Errorf("the script read another value than this CPU's:\n%s", r.out)
	}
	if t.Failed() {
		t.Logf("output:\n%s", r.out)
	}
	// the kernel frees the maps once it has freed the programs, later
	var left []string
	for try := 0; try < 50; try++ {
		if left = mapsNamed(t, "btpc_"); len(left) == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(left) > 0 {
		t.Errorf("the run left maps behind: %v", left)
	}
}

// A per-CPU map whose values are not made of integers cannot be shared
// (its CPUs' values have no one printed form), and an element of a
// per-CPU array, like an array's, cannot be deleted.
func TestCheckPerCPUCMapRefusals(t *testing.T) {
	dir := cFiles(t, map[string]string{
		"pc.bpf.c": cPerCPUMaps,
		"bad.bt":   "import \"pc.bpf.c\";\nbegin { print(@btpc_named[1]); delete(@btpc_slots, 1); }\n",
		"del.bt":   "import \"pc.bpf.c\";\nbegin { delete(@btpc_slots, 1); }\n",
	})
	code, _, errOut := run(t, "", "check", filepath.Join(dir, "bad.bt"))
	for _, want := range []string{
		"bad.bt:2:15: error[c-map-mismatch]: @btpc_named is a BPF_MAP_TYPE_PERCPU_HASH defined in C with struct named values; scripts can use per-CPU maps defined in C whose values are integers or structs of integers (printed summed over the CPUs)",
		"pc.bpf.c:32:3: note: btpc_named is defined here",
		"bad.bt:2:32: error[c-map-mismatch]: @btpc_slots is an array map defined in C, whose elements cannot be deleted; assign 0 instead",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(errOut, "unassigned-map") {
		t.Errorf("a map the C defines is the C's to write, not unassigned:\n%s", errOut)
	}
	if code != exitFindings || t.Failed() {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	// delete as the script's only use of the map
	code, _, errOut = run(t, "", "check", filepath.Join(dir, "del.bt"))
	if want := "del.bt:2:9: error[c-map-mismatch]: @btpc_slots is an array map defined in C, whose elements cannot be deleted; assign 0 instead"; code != exitFindings || !strings.Contains(errOut, want) {
		t.Fatalf("exit %d, stderr:\n%s\nwant %q", code, errOut, want)
	}
}
