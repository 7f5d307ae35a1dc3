package codegen

import (
	"testing"

	"github.com/bt-tools/bt/analysis/types"
)

// TestReturnFromLoops: `return VALUE` inside while, range, map and
// unrolled loops, nested in each other, leaves the fn with the value;
// a loop over a map stops at the return; a fn called in a loop that
// returns from its own loop does not end the caller's loop.
func TestReturnFromLoops(t *testing.T) {
	h := load(t, `
fn whileRet($n: int64): int64 {
  $i = 0;
  while ($i < 10) { if ($i == $n) { return $i * 100; } $i++; }
  return -1;
}
fn nested($n: int64): int64 {
  for $j : 0..10 { for $k : 0..10 { if ($j * 10 + $k == $n) { return $j * 1000 + $k; } } }
  return -2;
}
fn mapRet($n: int64): int64 {
  for ($kv : @m) { @visits++; if ($kv.1 == $n) { return $kv.0; } }
  return -3;
}
fn unrolled($n: int64): int64 {
  $i = 0;
  unroll(5) { $i++; if ($i == $n) { return $i + 50; } }
  return -4;
}
fn threeDeep($n: int64): int64 {
  for ($kv : @m) {
    for $i : 0..5 {
      $w = 0;
      while ($w < 3) { if ($kv.0 * 10 + $i + $w == $n) { return $kv.1 + $i * 10 + $w; } $w++; }
    }
  }
  return -5;
}
fn isqrt($n: int64): int64 {
  for $i : 0..100 { if ($i * $i >= $n) { return $i; } }
  return 100;
}
fn sumRoots($n: int64): int64 {
  $sum = 0;
  for $j : 0..4 { $sum += isqrt($n + $j); if ($sum > 1000) { return -6; } }
  return $sum;
}
fn word($n: int64): string {
  for $i : 0..3 { if ($i == $n) { return "found"; } }
  return "missing";
}
begin {
  @m[1] = 10; @m[2] = 20; @m[3] = 30;
  @while3 = whileRet(3); @while20 = whileRet(20);
  @nested57 = nested(57); @nested0 = nested(0); @nested200 = nested(200);
  @visits = 0; @map20 = mapRet(20); @visitsAt20 = @visits;
  @map99 = mapRet(99);
  @unroll3 = unrolled(3); @unroll9 = unrolled(9);
  @deep25 = threeDeep(25); @deep99 = threeDeep(99);
  @roots = sumRoots(50);
  @found = word(1) == "found"; @missing = word(7) == "missing";
  printf("%s %d %s\n", word(2), nested(31), word(9));
}`)
	h.runBegin()
	var printed []record
	for _, r := range h.records() {
		if r.ev.Kind == EvPrintf {
			printed = append(printed, r)
		}
	}
	if len(printed) != 1 {
		t.Fatalf("%d printf records, want 1", len(printed))
	}
	args, offs := printed[0].ev.Args, printed[0].ev.Args.Offsets()
	p := printed[0].payload
	if a, b, c := cstr(p[offs[0]:offs[0]+args.Elems[0].Size()]), leInt(p[offs[1]:offs[1]+args.Elems[1].Size()]), cstr(p[offs[2]:offs[2]+args.Elems[2].Size()]); a != "found" || b != 3001 || c != "missing" {
		t.Errorf("printed %q %d %q, want found 3001 missing", a, b, c)
	}
	want := map[string]int64{
		"@while3": 300, "@while20": -1,
		"@nested57": 5007, "@nested0": 0, "@nested200": -2,
		"@map20": 2, "@map99": -3,
		"@unroll3": 53, "@unroll9": -4,
		// key 2: 20 + i + w == 25 first at i = 3, w = 2
		"@deep25": 20 + 30 + 2, "@deep99": -5,
		// isqrt(50..53) = 8 each: the caller's loop runs on
		"@roots": 32,
		"@found": 1, "@missing": 1,
	}
	for name, w := range want {
		if _, ok := h.lookupRaw(name, nil); !ok {
			t.Errorf("%s: not set", name)
			continue
		}
		if got := h.intValue(name, nil); got != w {
			t.Errorf("%s = %d, want %d", name, got, w)
		}
	}
	// the loop stopped at the element it returned from; all 3 seen without
	if at20, all := h.intValue("@visitsAt20", nil), h.intValue("@visits", nil); at20 < 1 || at20 > 3 || all != at20+3 {
		t.Errorf("visits: %d before returning, %d in all (want the 3 of a full loop more)", at20, all)
	}
}

// TestProbeReturnFromLoop: a probe's `return VALUE` inside loops is the
// program's result; a plain return there gives the provider's default.
func TestProbeReturnFromLoop(t *testing.T) {
	h := load(t, `begin { for $i : 0..10 { $j = 0; while ($j < 5) { if ($i * 5 + $j == 17) { return $i * 100 + $j; } $j++; } } @after = 1; }
begin { @m[1] = 1; for ($kv : @m) { return; } @after2 = 1; }`)
	want := []uint32{302, 0}
	h.checkBeginResults(want)
	for _, name := range []string{"@after", "@after2"} {
		if _, set := h.lookupRaw(name, nil); set {
			t.Errorf("%s is set: the probe went on after return", name)
		}
	}
}

// TestFnTemporariesAcrossCallSites: a fn is compiled at its first call;
// a later call made while the caller holds more temporaries (here a
// map key) must not overwrite them with the fn's own.
func TestFnTemporariesAcrossCallSites(t *testing.T) {
	h := load(t, `
fn word($n: int64): string { if ($n) { return "yes"; } return "no"; }
begin { @first = word(1); $k = "key"; @m[5, $k, 7] = word(0); @n[word(1), $k] = word(0); }`)
	h.runBegin()
	ml := h.mapLayout("@m")
	kt, ok := ml.Key.(*types.Tuple)
	if !ok || len(kt.Elems) != 3 {
		t.Fatalf("@m's key is %v", ml.Key)
	}
	key, offs := make([]byte, ml.KeySize), kt.Offsets()
	key[offs[0]] = 5
	copy(key[offs[1]:], "key")
	key[offs[2]] = 7
	v, ok := h.lookupRaw("@m", key)
	if !ok {
		t.Fatalf("@m[5, \"key\", 7] is not set: the key was overwritten")
	}
	if got := cstr(v); got != "no" {
		t.Errorf("@m[5, \"key\", 7] = %q, want no", got)
	}
}
