package codegen

import (
	"testing"

	"github.com/cilium/ebpf"
)

// Test probes are XDP programs (test runs report their run time) whose
// result is what they return, also from inside a loop: 0 passes.
func TestTestProbeResults(t *testing.T) {
	h := load(t, `
test:plain { return 3; }
test:falls_off { $x = 1; }
test:in_for_map { @m[1] = 1; @m[2] = 2; for ($kv : @m) { if ($kv.0 == 2) { return 7; } } return 1; }
test:in_range { for ($i : 0..5) { if ($i == 3) { return 4; } } }
test:nested { @n[1] = 1; for ($kv : @n) { for ($i : 0..3) { if ($i == 2) { return 5; } } } return 1; }
test:loop_ends { for ($i : 0..3) { if ($i == 9) { return 1; } } }
test:plain_return_in_loop { for ($i : 0..3) { return; } return 6; }
test:in_while { $i = 0; while ($i < 10) { $i++; if ($i == 4) { return 8; } } }
`)
	want := map[string]uint32{
		"test:plain": 3, "test:falls_off": 0, "test:in_for_map": 7, "test:in_range": 4,
		"test:nested": 5, "test:loop_ends": 0, "test:plain_return_in_loop": 0, "test:in_while": 8,
	}
	for _, p := range h.obj.Progs {
		if p.Provider != "test" || len(p.Targets) != 1 {
			continue
		}
		name := p.Targets[0].Name
		prog := h.coll.Programs[p.SpecName]
		if info, err := prog.Info(); err != nil || info.Type != ebpf.XDP {
			t.Errorf("%s: program type %v (%v), want XDP", name, info.Type, err)
		}
		ret, err := prog.Run(&ebpf.RunOptions{Data: make([]byte, 14)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w, ok := want[name]
		if !ok {
			t.Errorf("unexpected program for %s", name)
			continue
		}
		delete(want, name)
		if ret != w {
			t.Errorf("%s returned %d, want %d", name, ret, w)
		}
	}
	if len(want) > 0 {
		t.Errorf("no programs for %v", want)
	}
}

// Values of different types compare as the checker lets them: tuples
// element by element, records by field name, strings up to their NUL
// whatever their sizes, integers as numbers whatever their widths.
func TestCompareDifferentTypes(t *testing.T) {
	h := load(t, `begin {
  $a = ((int8)1, "bye");
  @t1 = $a == ((int64)1, "bye");
  @t2 = $a != ((int64)1, "bye");
  @t3 = $a == ((int64)1, "by");
  @t4 = $a == ((int64)2, "bye");
  $n = (1, true, ("hello", (int8)-6));
  @n1 = $n == (1, true, ("hello", (int64)-6));
  @n2 = $n == (1, true, ("ello", (int64)-6));
  @n3 = $n == (1, false, ("hello", (int64)-6));
  $r = (a = (int8)1, b = "hello");
  @r1 = $r == (a = (uint64)1, b = "hello");
  @r2 = $r == (b = "hello", a = (uint64)1);
  @r3 = $r != (b = "hellp", a = (uint64)1);
}`)
	h.runBegin()
	for name, want := range map[string]int64{
		"@t1": 1, "@t2": 0, "@t3": 0, "@t4": 0,
		"@n1": 1, "@n2": 0, "@n3": 0,
		"@r1": 1, "@r2": 1, "@r3": 1,
	} {
		if got := h.intValue(name, nil); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}

// Buffers compare by length, then bytes.
func TestCompareBuffers(t *testing.T) {
	h := load(t, `begin { $s = "abcdef"; $t = "abcxyz"; $a = buf($s, 3); $b = buf($t, 3); $c = buf($t, 4); @eq = $a == $b; @ne = $a == $c; @ne2 = $a != $c; }`)
	h.runBegin()
	for name, want := range map[string]int64{"@eq": 1, "@ne": 0, "@ne2": 1} {
		if got := h.intValue(name, nil); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}
