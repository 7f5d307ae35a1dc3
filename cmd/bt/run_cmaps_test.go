package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
)

// Maps shared between a script and its imported C, both ways (see
// docs/c-interop.md): maps the C defines used as the script's @maps, and
// script maps the C declares extern.

const cSharedMaps = `#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, u64);
} btcm_hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, s32);
} btcm_slots SEC(".maps");

extern struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, u64);
	__type(value, u64);
} btcm_limits;

/* Counts a hit on k in btcm_hits, records -k in slot 1 of btcm_slots,
   and returns the script's limit for k (0 without one). */
u64 hit(u32 k)
{
	u64 one = 1, *v = bpf_map_lookup_elem(&btcm_hits, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&btcm_hits, &k, &one, BPF_ANY);
	u32 slot = 1;
	s32 neg = -(s32)k;
	bpf_map_update_elem(&btcm_slots, &slot, &neg, BPF_ANY);
	u64 key = k;
	u64 *lim = bpf_map_lookup_elem(&btcm_limits, &key);
	return lim ? *lim : 0;
}
`

// The C's maps and the script's map, read and written from both sides,
// printed at exit; cold (clang) and warm (the cached object's BTF).
func TestRunCMapsSharedBothWays(t *testing.T) {
	dir := cFiles(t, map[string]string{
		"shared.bpf.c": cSharedMaps,
		"shared.bt": `import "shared.bpf.c";
let @btcm_limits = hash(16);
begin {
  @btcm_limits[7] = 700;
  $a = hit(7); $b = hit(7); $c = hit(3);
  @btcm_hits[100] = 5;
  @btcm_slots[0] = 42;
  print(($a, $b, $c, @btcm_hits[7], @btcm_hits[3], @btcm_slots[1]));
  exit();
}
`,
	})
	want := `(700, 700, 0, 2, 1, -3)


@btcm_hits[3]: 1
@btcm_hits[7]: 2
@btcm_hits[100]: 5
@btcm_limits[7]: 700
@btcm_slots[0]: 42
@btcm_slots[1]: -3
`
	for i := 0; i < 2; i++ {
		code, out, errOut := run(t, "", "run", "-q", filepath.Join(dir, "shared.bt"))
		if code != 0 || out != want {
			t.Fatalf("run %d: exit %d, stderr %q\nstdout:\n%s\nwant:\n%s", i, code, errOut, out, want)
		}
		// The kernel frees a map once the programs using it are freed,
		// which it defers: allow it a moment.
		var left []string
		for try := 0; try < 50; try++ {
			if left = mapsNamed(t, "btcm_"); len(left) == 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(left) > 0 {
			t.Fatalf("run %d left maps behind: %v", i, left)
		}
	}
}

// A map the C defines is the script's even when no C function is called;
// the C's maps the script does not use (btcm_slots) are the C's own and
// are not printed.
func TestRunCMapWithoutCalls(t *testing.T) {
	dir := cFiles(t, map[string]string{
		"shared.bpf.c": cSharedMaps,
		"only.bt":      "import \"shared.bpf.c\";\nlet @btcm_limits = hash(4);\nbegin { @btcm_hits[1] = 10; @btcm_hits[1] += 5; @btcm_limits[1] = 1; delete(@btcm_limits[1]); exit(); }\n",
	})
	code, out, errOut := run(t, "", "run", "-q", filepath.Join(dir, "only.bt"))
	if want := "\n\n@btcm_hits[1]: 15\n"; code != 0 || out != want {
		t.Fatalf("exit %d, stderr %q\nstdout: %q\nwant:   %q", code, errOut, out, want)
	}
}

// Types that do not match the C's are errors at the script's use with a
// note at the C declaration, found by bt check without compiling.
func TestCheckCMapMismatch(t *testing.T) {
	dir := cFiles(t, map[string]string{
		"shared.bpf.c": cSharedMaps,
		"bad.bt": `import "shared.bpf.c";
let @btcm_limits = lruhash(16);
begin { @btcm_hits["x"] = 1; @btcm_slots[0] = count(); @btcm_hits = 3; }
end { delete(@btcm_slots[1]); }
`,
		"noextern.bt": "import \"shared.bpf.c\";\nbegin { print(hit(1)); }\n",
	})
	code, _, errOut := run(t, "", "check", filepath.Join(dir, "bad.bt"))
	for _, want := range []string{
		"bad.bt:3:20: error[variable-type-conflict]: cannot store a string[2] value in @btcm_hits's key, declared as u32",
		"shared.bpf.c:9:3: note: btcm_hits is declared here with key type u32",
		"bad.bt:3:30: error[c-map-mismatch]: @btcm_slots is shared with C, where its value has type s32; it cannot hold a count aggregation",
		"bad.bt:3:56: error[c-map-mismatch]: @btcm_hits is shared with C, where its key has type u32; use it with a key",
		"bad.bt:2:5: error[c-map-mismatch]: @btcm_limits is a lruhash map, but the C declares btcm_limits as BPF_MAP_TYPE_HASH",
		"shared.bpf.c:22:3: note: btcm_limits is declared here",
		"bad.bt:4:7: error[c-map-mismatch]: @btcm_slots is an array map defined in C, whose elements cannot be deleted; assign 0 instead",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("missing %q", want)
		}
	}
	if code != exitFindings || t.Failed() {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if strings.Contains(errOut, "unused-map") {
		t.Errorf("a script map the C declares extern is used by the C, not unused")
	}
	code, _, errOut = run(t, "", "check", filepath.Join(dir, "noextern.bt"))
	if want := "shared.bpf.c:22:3: error[c-map-mismatch]: the imported C declares the map btcm_limits extern, but the script has no map @btcm_limits"; code != exitFindings || !strings.Contains(errOut, want) {
		t.Fatalf("exit %d, stderr:\n%s\nwant %q", code, errOut, want)
	}
}

// mapsNamed lists the kernel's maps whose names start with prefix (this
// test's C maps), to find any a run left behind.
func mapsNamed(t *testing.T, prefix string) []string {
	t.Helper()
	var out []string
	id := ebpf.MapID(0)
	for {
		next, err := ebpf.MapGetNextID(id)
		if errors.Is(err, os.ErrNotExist) {
			return out
		}
		if err != nil {
			t.Fatalf("listing maps: %v", err)
		}
		id = next
		m, err := ebpf.NewMapFromID(id)
		if err != nil {
			continue // gone meanwhile
		}
		info, err := m.Info()
		m.Close()
		if err == nil && strings.HasPrefix(info.Name, prefix) {
			out = append(out, info.Name)
		}
	}
}
