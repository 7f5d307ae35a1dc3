package codegen

import (
	"encoding/binary"
	"testing"

	"github.com/cilium/ebpf"
)

// TestExpressionSemantics runs begin programs and compares scalar maps
// with the values bpftrace defines.
func TestExpressionSemantics(t *testing.T) {
	cases := []struct {
		name string
		body string
		want map[string]int64
	}{
		// division, modulo and >> are unsigned as in bpftrace (the operands
		// are variables: the checker folds constants itself)
		{"arith", `$m7 = (int64)-7; $m16 = (int64)-16; $two = 2; $three = 3; @a = 7 + 3 * 2; @b = $m7 / $two; @c = $m7 % $three; @d = (uint64)7 / $two; @e = 1 << 10; @f = $m16 >> $two; @g = 0xff & 0x0f | 0x100; @h = 5 ^ 3; @i = -(int64)5; @j = ~(uint8)0; @k = (uint8)~(uint8)0;`,
			map[string]int64{"@a": 13, "@b": 9223372036854775804, "@c": 0, "@d": 3, "@e": 1024, "@f": 4611686018427387900, "@g": 0x10f, "@h": 6, "@i": -5, "@j": -1, "@k": -1}},
		// variables are 64-bit (the checker promotes on assignment); casts wrap
		{"wrap", `$x = (uint8)250; $x += 10; @a = $x; @b = (uint8)($x); $y = (int8)127; @c = (int8)($y + 1); $u = (uint32)0; @d = (uint32)($u - 1); @e = (uint64)($u - 1);`,
			map[string]int64{"@a": 260, "@b": 4, "@c": -128, "@d": -1, "@e": -1}},
		{"compare", `@a = (int64)-1 < 0; @b = (uint64)1 > 0; @c = 3 == 3; @d = 3 != 3; @e = (int64)-5 <= -5; @f = 2 >= 3;`,
			map[string]int64{"@a": 1, "@b": 1, "@c": 1, "@d": 0, "@e": 1, "@f": 0}},
		{"logic", `$t = 1; $f = 0; @a = $t && $f; @b = $t || $f; @c = !$f; @d = $f || ($t && !$f); @e = $t ? 10 : 20; @f = $f ? 10 : 20;`,
			map[string]int64{"@a": 0, "@b": 1, "@c": 1, "@d": 1, "@e": 10, "@f": 20}},
		{"strings", `$s = "hello"; @a = $s == "hello"; @b = $s != "hello"; @c = $s == "hell"; $t = "hello"; @d = $s == $t; @e = "abc" == "abd"; @f = strncmp("hello", "help", 3); @g = strncmp("hello", "help", 4);`,
			map[string]int64{"@a": 1, "@b": 0, "@c": 0, "@d": 1, "@e": 0, "@f": 0, "@g": 1}},
		{"if", `$x = 5; if ($x > 3) { @a = 1; } else { @a = 2; } if ($x > 10) { @b = 1; } else if ($x > 4) { @b = 2; } else { @b = 3; }`,
			map[string]int64{"@a": 1, "@b": 2}},
		{"loops", `$i = 0; $sum = 0; while ($i < 10) { $i++; if ($i == 3) { continue; } if ($i == 8) { break; } $sum += $i; } @a = $sum; @b = $i; $t = 0; for ($j : 0..5) { $t += $j; } @c = $t; $u = 0; unroll(4) { $u += 2; } @d = $u;`,
			map[string]int64{"@a": 1 + 2 + 4 + 5 + 6 + 7, "@b": 8, "@c": 10, "@d": 8}},
		{"tuples", `$t = (1, "ab", (int64)-3); @a = $t.0; @b = $t.2; @m[1, "x"] = 5; @m[2, "y"] = 6; @c = @m[2, "y"]; @d = @m[3, "z"];`,
			map[string]int64{"@a": 1, "@b": -3, "@c": 6, "@d": 0}},
		{"maps", `@m[1] = 10; @m[2] = 20; @a = has_key(@m, 1); @b = has_key(@m, 3); delete(@m, 1); @c = has_key(@m, 1); @d = len(@m); @s["k"] = 3; @s["k"] += 4; @e = @s["k"]; @n[5]++; @n[5]++; @f = @n[5];`,
			map[string]int64{"@a": 1, "@b": 0, "@c": 0, "@d": 1, "@e": 7, "@f": 2}},
		{"formap", `@m[1] = 10; @m[2] = 20; @m[3] = 30; $sum = 0; for ($kv : @m) { $sum += $kv.0 * $kv.1; } @a = $sum;`,
			map[string]int64{"@a": 10 + 40 + 90}},
		{"records", `$r = (x = 1, y = (int64)-2); @a = $r.y; @b = $r.x;`,
			map[string]int64{"@a": -2, "@b": 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := load(t, "begin { "+tc.body+" }")
			h.runBegin()
			for name, want := range tc.want {
				if got := h.intValue(name, nil); got != want {
					t.Errorf("%s = %d, want %d", name, got, want)
				}
			}
		})
	}
}

// TestFnAndMacro checks BPF-to-BPF fn calls and macro expansion.
func TestFnAndMacro(t *testing.T) {
	h := load(t, `
fn add($a: int64, $b: int64): int64 { return $a + $b; }
fn twice($x: int64): int64 { $y = add($x, $x); return $y; }
macro inc(x) { x + 1 }
macro bump($v) { $v += 10; }
begin { @a = add(2, 3); @b = twice(21); @c = inc(4); $z = 1; bump($z); @d = $z; }`)
	h.runBegin()
	for name, want := range map[string]int64{"@a": 5, "@b": 42, "@c": 5, "@d": 11} {
		if got := h.intValue(name, nil); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}

// TestAggregations checks per-CPU values of every aggregation and the
// bucket numbering of hist and lhist.
func TestAggregations(t *testing.T) {
	h := load(t, `begin {
  @c = count(); @c = count(); @c = count();
  @s = sum(5); @s = sum(7);
  @mn = min(9); @mn = min((int64)-4); @mn = min(3);
  @mx = max(9); @mx = max(12); @mx = max(3);
  @av = avg(10); @av = avg(20);
  @st = stats(4); @st = stats(6);
  @h = hist(0); @h = hist(1); @h = hist(5); @h = hist(1024); @h = hist((int64)-1);
  @hb = hist(5, 2);
  @l = lhist(15, 0, 100, 10); @l = lhist(-1, 0, 100, 10); @l = lhist(1000, 0, 100, 10);
  @k[(int64)1] = count(); @k[(int64)1] = count(); @k[(int64)2] = count();
}`)
	h.runBegin()
	check := func(name string, key []byte, off int, want int64) {
		t.Helper()
		v, ok := h.lookupRaw(name, key)
		if !ok {
			t.Errorf("%s%x: missing", name, key)
			return
		}
		if got := int64(binary.LittleEndian.Uint64(v[off:])); got != want {
			t.Errorf("%s%x[%d] = %d, want %d", name, key, off, got, want)
		}
	}
	u64 := func(vs ...uint64) []byte {
		var out []byte
		for _, v := range vs {
			out = binary.LittleEndian.AppendUint64(out, v)
		}
		return out
	}
	check("@c", nil, 0, 3)
	check("@s", nil, 0, 12)
	check("@mn", nil, 0, -4)
	check("@mn", nil, 8, 1)
	check("@mx", nil, 0, 12)
	check("@av", nil, 0, 30)
	check("@av", nil, 8, 2)
	check("@st", nil, 0, 10)
	check("@st", nil, 8, 2)
	// hist: negative -> 0, 0 -> 1, 1 -> 2, 5 -> 4 (4..7), 1024 -> 12
	for bucket, want := range map[uint64]int64{0: 1, 1: 1, 2: 1, 4: 1, 12: 1} {
		check("@h", u64(bucket), 0, want)
	}
	// hist(5, 2): 2 bits: 5 = 0b101 -> l=2-2=0, x=(5>>0)&3=1 -> ((0+1)<<2)+1+1 = 6
	check("@hb", u64(6), 0, 1)
	// lhist: 15 -> 1 + 15/10 = 2; -1 -> 0; 1000 -> 1 + 100/10 = 11
	for bucket, want := range map[uint64]int64{2: 1, 0: 1, 11: 1} {
		check("@l", u64(bucket), 0, want)
	}
	check("@k", u64(1), 0, 2)
	check("@k", u64(2), 0, 1)
}

// TestPrintfPayload checks the record layout of printf arguments.
func TestPrintfPayload(t *testing.T) {
	h := load(t, `begin { $s = "str"; printf("%d %s %u %s %d\n", (int8)-2, $s, (uint64)7, comm, (int32)-9); exit(); printf("after\n"); }`)
	h.runBegin()
	recs := h.records()
	if len(recs) != 2 {
		t.Fatalf("got %d records, want printf and exit", len(recs))
	}
	r := recs[0]
	args := r.ev.Args
	offs := args.Offsets()
	if got := leInt(r.payload[offs[0] : offs[0]+1]); got != -2 {
		t.Errorf("arg 0 = %d", got)
	}
	if got := cstr(r.payload[offs[1] : offs[1]+args.Elems[1].Size()]); got != "str" {
		t.Errorf("arg 1 = %q", got)
	}
	if got := binary.LittleEndian.Uint64(r.payload[offs[2]:]); got != 7 {
		t.Errorf("arg 2 = %d", got)
	}
	if got := cstr(r.payload[offs[3] : offs[3]+16]); got == "" {
		t.Errorf("comm is empty")
	}
	if got := leInt(r.payload[offs[4] : offs[4]+4]); got != -9 {
		t.Errorf("arg 4 = %d", got)
	}
	if recs[1].ev.Kind != EvExit {
		t.Errorf("second record is %v, want exit", recs[1].ev.Kind)
	}
	// the exit flag stops later runs
	h.runBegin()
	if recs := h.records(); len(recs) != 0 {
		t.Errorf("records after exit: %d", len(recs))
	}
}

func TestStringBuiltins(t *testing.T) {
	h := load(t, `begin {
  @a = strlen("hello"); @b = strcontains("hello world", "o w"); @c = strcontains("hello", "xyz");
  @d = strstr("hello", "ll"); @e = strstr("hello", "z"); @f = strcontains("abc", "");
  $s = str("abcdef", 3); @g = $s == "abc"; @h = strerror(2) == "No such file or directory";
  @i = syscall_name(0) == "read"; @j = signal_name(9) == "Killed"; @l = signal_name(200) == "N/A"; @m = strerror(9999) == "Unknown error"; @k = probetype == "special";
}`)
	h.runBegin()
	for name, want := range map[string]int64{"@a": 5, "@b": 1, "@c": 0, "@d": 2, "@e": -1, "@f": 1, "@g": 1, "@h": 1, "@i": 1, "@j": 1, "@k": 1, "@l": 1, "@m": 1} {
		if got := h.intValue(name, nil); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}

// TestSelfReferentialStores: a value built from the variable it is
// stored in.
func TestSelfReferentialStores(t *testing.T) {
	h := load(t, `begin { $t = (1, 2); $t = ($t.1, $t.0); @a = $t.0; @b = $t.1; $s = "abc"; $s = str($s, 2); @c = $s == "a"; }`)
	h.runBegin()
	for name, want := range map[string]int64{"@a": 2, "@b": 1, "@c": 1} {
		if got := h.intValue(name, nil); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}

func TestTseries(t *testing.T) {
	h := load(t, `config = { unstable_tseries = enable }
begin { @t = tseries(5, 1s, 10); @s = tseries(3, 1s, 10, "sum"); @s = tseries(4, 1s, 10, "sum"); @m = tseries(9, 1s, 10, "max"); @m = tseries(2, 1s, 10, "max"); }`)
	h.runBegin()
	for name, want := range map[string]int64{"@t": 5, "@s": 7, "@m": 9} {
		ml := h.mapLayout(name)
		var k []byte
		var vs [][]byte
		it := h.coll.Maps[ml.SpecName].Iterate()
		n := 0
		var got int64
		for it.Next(&k, &vs) {
			n++
			for _, v := range vs {
				got += leInt(v[:8])
			}
		}
		if err := it.Err(); err != nil {
			t.Fatal(err)
		}
		if n != 1 || got != want {
			t.Errorf("%s: %d buckets, value %d; want 1 bucket with %d", name, n, got, want)
		}
	}
}

func TestMoreStringBuiltins(t *testing.T) {
	h := load(t, `begin {
  $c = str_concat("foo", "bar"); @a = $c == "foobar"; @b = strlen($c);
  @c = memcmp("abc", "abd", 2); @d = memcmp("abc", "abd", 3) < 0; @e = strcap("abcd");
}`)
	h.runBegin()
	for name, want := range map[string]int64{"@a": 1, "@b": 6, "@c": 0, "@d": 1, "@e": 5} {
		if got := h.intValue(name, nil); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}

// TestSubprogramsAndCallbacks: fns with string parameters and results,
// macros taking maps, nested loops, break out of a map loop.
func TestSubprogramsAndCallbacks(t *testing.T) {
	h := load(t, `
fn greet($who: string): string { return str_concat("hi ", $who); }
fn sign($x: int64): int64 { if ($x < 0) { return -1; } if ($x > 0) { return 1; } return 0; }
macro add_to(@m, k, v) { @m[k] += v; }
begin {
  @a = greet("bob") == "hi bob";
  @b = sign(-5) + 10 * sign(7) + 100 * sign(0);
  add_to(@s, "x", 3); add_to(@s, "x", 4); @c = @s["x"];
  $n = 0; for ($i : 0..3) { for ($j : 0..4) { $n += 1; } } @d = $n;
  @m[1] = 1; @m[2] = 2; @m[3] = 3; $seen = 0;
  for ($kv : @m) { $seen += 1; if ($seen == 2) { break; } } @e = $seen;
  $w = 0; while (1) { $w++; if ($w >= 5) { break; } } @f = $w;
}`)
	h.runBegin()
	for name, want := range map[string]int64{"@a": 1, "@b": 9, "@c": 7, "@d": 12, "@e": 2, "@f": 5} {
		if got := h.intValue(name, nil); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}

// TestDivideByZero: a zero divisor at run time gives 1 and a runtime
// error record, as bpftrace does.
func TestDivideByZero(t *testing.T) {
	h := load(t, `begin { $z = 0; @a = 10 / $z; @b = 10 % $z; @c = 10 / ($z + 5); }`)
	h.runBegin()
	for name, want := range map[string]int64{"@a": 1, "@b": 1, "@c": 2} {
		if got := h.intValue(name, nil); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	n := 0
	for _, r := range h.records() {
		if r.ev.Kind == EvRuntimeError && r.ev.Format == divByZeroMessage {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d divide-by-zero records, want 2", n)
	}
}

// TestPointerIncrement: ++ and -- on pointers step by the element size.
func TestPointerIncrement(t *testing.T) {
	h := load(t, `begin { @a = (int16 *)0x32; @a++; $p = (int64 *)0x10; $p--; @b = $p; }`)
	h.runBegin()
	for name, want := range map[string]int64{"@a": 0x34, "@b": 0x8} {
		if got := h.intValue(name, nil); got != want {
			t.Errorf("%s = %#x, want %#x", name, got, want)
		}
	}
}

// TestLeaveFromLoops: return and exit() inside loop bodies leave the
// probe, not only the loop.
func TestLeaveFromLoops(t *testing.T) {
	h := load(t, `begin {
  @a = 0; for ($i : 0..10) { @a = $i; if ($i == 3) { return; } } @b = 1;
}
end {
  @m[1] = 1; @m[2] = 2; $n = 0; for ($kv : @m) { $n += 1; for ($j : 0..5) { exit(); } } @c = 1;
}`)
	h.runBegin()
	if got := h.intValue("@a", nil); got != 3 {
		t.Errorf("@a = %d, want 3", got)
	}
	if v, ok := h.lookupRaw("@b", nil); ok && leInt(v) != 0 {
		t.Errorf("@b = %d: the statement after the loop ran", leInt(v))
	}
	for _, p := range h.obj.Progs {
		if p.Provider == "end" {
			if _, err := h.coll.Programs[p.SpecName].Run(&ebpf.RunOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if v, ok := h.lookupRaw("@c", nil); ok && leInt(v) != 0 {
		t.Errorf("@c = %d: the statement after exit() ran", leInt(v))
	}
	exits := 0
	for _, r := range h.records() {
		if r.ev.Kind == EvExit {
			exits++
		}
	}
	if exits != 1 {
		t.Errorf("%d exit records, want 1", exits)
	}
}

// TestAggregationRead: reading count, sum, min, max and avg maps in a
// probe combines the CPUs' elements.
func TestAggregationRead(t *testing.T) {
	h := load(t, `begin { @c = count(); @c = count(); @s = sum(5); @s = sum(6); @mn = min(7); @mn = min(3); @mx = max(7); @mx = max(3); @av = avg(4); @av = avg(8);
  @k[1] = count(); @na = avg(-1); @na = avg(-1); @na = avg(-11); @r = (@c, @s, @mn, @mx, @av, @k[1], @k[2], @na); }`)
	h.runBegin()
	v, ok := h.lookupRaw("@r", nil)
	if !ok {
		t.Fatal("no @r")
	}
	want := []int64{2, 11, 3, 7, 6, 1, 0, -4} // a negative average truncates toward zero
	for i, w := range want {
		if got := leInt(v[8*i : 8*i+8]); got != w {
			t.Errorf("element %d = %d, want %d", i, got, w)
		}
	}
}

// config's fields are the configuration in effect, however the builtin
// is written; usermode is 1 in begin (run from user space);
// __builtin_NAME is the builtin NAME.
func TestConfigUsermodeBuiltinPrefix(t *testing.T) {
	h := load(t, `config = { max_strlen = 99 }
begin {
  @a = config.max_strlen; @b = config().max_strlen == __builtin_config.max_strlen;
  @c = config.stack_mode == "bpftrace"; @d = config.print_maps_on_exit; @e = config.max_map_keys;
  @f = usermode; @g = __builtin_usermode; @h = __builtin_cpid == cpid; @i = probetype == "special";
}`)
	h.runBegin()
	for name, want := range map[string]int64{"@a": 99, "@b": 1, "@c": 1, "@d": 1, "@e": 4096, "@f": 1, "@g": 1, "@h": 1, "@i": 1} {
		if got := h.intValue(name, nil); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}
