package codegen

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/cilium/ebpf/asm"
)

// TestTypedConstants: constants with a cast among their operands are
// typed values (64-bit arithmetic, wrapping), not literals; an integer
// cast to a pointer is zero-extended from its own width; a macro
// parameter used both in typeof() and as a value.
func TestTypedConstants(t *testing.T) {
	h := load(t, `macro add(x) { let $y: typeof(x); if (true) { $y = 1 } x + $y }
begin {
  @a = bswap(0x12340000 + (uint64)0x5678);
  @b = (uint8)5 - 10;
  @c = sizeof((uint8)5 + 1);
  @d = sizeof(1 + 2);
  $p = (uint16 *)-1000; @e = (uint64)$p;
  $q = (uint8 *)-1; @f = (uint64)$q;
  @g = add(1);
  @h = (uint64)0xffffffffffffffff + 1;
}`)
	h.runBegin()
	for name, want := range map[string]int64{
		"@a": 0x7856341200000000, "@b": -5, "@c": 8, "@d": 1,
		"@e": 0xfc18, "@f": 0xff, "@g": 2, "@h": 0,
	} {
		if got := h.intValue(name, nil); got != want {
			t.Errorf("%s = %#x, want %#x", name, got, want)
		}
	}
}

// TestConfigBuiltin: config() reports the script's config block, then
// the command line's settings, then the defaults.
func TestConfigBuiltin(t *testing.T) {
	h := loadWith(t, `config = { cpp_demangle = false; log_size = 5000000 }
begin {
  @strlen = config().max_strlen; @demangle = config().cpp_demangle;
  @lazy = config.lazy_symbolication; @log = config.log_size;
  @keys = config.max_map_keys; @rb = config.perf_rb_pages;
  @mode = config.stack_mode == "perf"; @license = config.license == "GPL";
  @trailer = config.str_trunc_trailer == "..";
}`, Options{Config: map[string]any{"max_strlen": "99", "stack_mode": "perf"}})
	h.runBegin()
	for name, want := range map[string]int64{
		"@strlen": 99, "@demangle": 0, "@lazy": 1, "@log": 5000000, "@keys": 4096,
		"@rb": 0, "@mode": 1, "@license": 1, "@trailer": 1,
	} {
		if got := h.intValue(name, nil); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}

// TestProbeReturnValue: `return VALUE` in a probe leaves it with that
// value as the program's result; without one a probe returns its
// provider's default.
func TestProbeReturnValue(t *testing.T) {
	h := load(t, `begin { $a = 1; if ($a) { return 3; } @after = 1; }
begin { @second = 1; return (uint8)300 + 1000; }
begin { @third = 1; }`)
	want := []uint32{3, 1044, 0} // (uint8)300 wraps to 44
	h.checkBeginResults(want)
	if _, set := h.lookupRaw("@after", nil); set {
		t.Errorf("@after is set: the probe went on after return")
	}
	if got := h.intValue("@second", nil); got != 1 {
		t.Errorf("@second = %d, want 1", got)
	}
}

// TestTracepointDefaultResult: classic tracepoint programs end with 1
// (a 0 hides the event from perf's other users); others with 0.
func TestTracepointDefaultResult(t *testing.T) {
	obj := compileSrc(t, `tracepoint:syscalls:sys_enter_getpid { @n = count(); } begin { @b = 1; }`, Options{})
	for _, p := range obj.Progs {
		insns := obj.Spec.Programs[p.SpecName].Instructions
		var last int64 = -1
		for i := len(insns) - 1; i > 0; i-- {
			if insns[i].OpCode.JumpOp() == asm.Exit && insns[i-1].OpCode.ALUOp() == asm.Mov && insns[i-1].Dst == asm.R0 {
				last = insns[i-1].Constant
				break
			}
		}
		want := map[string]int64{"tracepoint": 1, "begin": 0}[p.Provider]
		if last != want {
			t.Errorf("%s ends with r0 = %d, want %d", p.Provider, last, want)
		}
	}
}

// TestFlexibleArrayMember: a flexible array member (`int y[0]`) is read
// from memory past the struct at any index, constant or variable, as C
// reads it (here over the current task_struct's first words).
func TestFlexibleArrayMember(t *testing.T) {
	h := load(t, `struct D { int x; int y[0]; }
begin {
  $a = (struct D *)curtask; $w = (int32 *)curtask; $i = 3;
  @y0 = $a.y[0] == $w[1]; @y2 = $a.y[2] == $w[3]; @yi = $a.y[$i] == $w[4];
}`)
	h.runBegin()
	for _, name := range []string{"@y0", "@y2", "@yi"} {
		if got := h.intValue(name, nil); got != 1 {
			t.Errorf("%s = %d, want 1 (the element and the word at its address differ)", name, got)
		}
	}
}

// TestLargeRecordAndMapLoop: a loop over a map of long strings fits the
// scratch buffer (the loop variable has a home only while its loop
// runs), and a record larger than largeRecord is written straight into
// the ring buffer with its scalars, strings and tuples intact.
func TestLargeRecordAndMapLoop(t *testing.T) {
	needRoot(t)
	src := `begin { let $k: string[9999] = "key"; @m[$k] = "value"; for ($kv : @m) { printf("%d %s %s %d\n", (int8)-3, $kv.0, $kv.1, (uint32)7); print($kv); } }`
	h := loadWith(t, src, Options{Config: map[string]any{"max_strlen": "9999"}})
	h.runBegin()
	recs := h.records()
	if len(recs) != 2 {
		t.Fatalf("got %d records, want printf and print", len(recs))
	}
	r := recs[0]
	args, offs := r.ev.Args, r.ev.Args.Offsets()
	if args.Size() <= largeRecord {
		t.Fatalf("the printf record is %d bytes: not a large record", args.Size())
	}
	if got := leInt(r.payload[offs[0] : offs[0]+1]); got != -3 {
		t.Errorf("arg 0 = %d, want -3", got)
	}
	if got := cstr(r.payload[offs[1] : offs[1]+args.Elems[1].Size()]); got != "key" {
		t.Errorf("arg 1 = %q, want key", got)
	}
	if got := cstr(r.payload[offs[2] : offs[2]+args.Elems[2].Size()]); got != "value" {
		t.Errorf("arg 2 = %q, want value", got)
	}
	if got := leInt(r.payload[offs[3] : offs[3]+4]); got != 7 {
		t.Errorf("arg 3 = %d, want 7", got)
	}
	p := recs[1]
	tup := p.ev.Args.Elems[0]
	if tup.Size() < 9999 {
		t.Fatalf("print's tuple is %d bytes", tup.Size())
	}
	if got := cstr(p.payload[:9999]); got != "key" {
		t.Errorf("print key = %q, want key", got)
	}
}

// TestStoredStackLen: a stored stack, user or kernel, keeps its depth,
// so len() of a variable, a map value or a tuple element
// holding one is the depth the stack had; the kernel stack's id (the
// low half of its word) still names its frames in the stack map.
func TestStoredStackLen(t *testing.T) {
	h := load(t, `
begin {
  $x = ustack(3); @m[1] = ustack(2); @a = len($x); @b = len(ustack(3)); @c = len(@m[1]); @d = len(ustack(2));
  $k = kstack; @ks[0] = kstack; @e = len($k); @f = len(kstack); @g = len(@ks[0]);
  $t = (1, kstack(2)); @h = len($t.1); @i = len(kstack(2)); @l = len(kstack(3));
  @km[2] = kstack(3); for ($kv : @km) { @n = len($kv.1); }
}`)
	h.runBegin()
	pairs := [][2]string{{"@a", "@b"}, {"@c", "@d"}, {"@e", "@f"}, {"@g", "@f"}, {"@h", "@i"}, {"@n", "@l"}}
	limits := map[string]int64{"@b": 3, "@d": 2, "@f": 127, "@i": 2, "@l": 3}
	for _, p := range pairs {
		stored, direct := h.intValue(p[0], nil), h.intValue(p[1], nil)
		if stored != direct {
			t.Errorf("%s = %d, but %s = %d", p[0], stored, p[1], direct)
		}
		if direct <= 0 || direct > limits[p[1]] {
			t.Errorf("%s = %d: out of range 1..%d", p[1], direct, limits[p[1]])
		}
	}
	raw, ok := h.lookupRaw("@ks", make([]byte, h.mapLayout("@ks").KeySize))
	if !ok {
		t.Fatal("@ks is not set")
	}
	word := binary.LittleEndian.Uint64(raw)
	id, depth := int32(word), int64(word>>32)
	if depth != h.intValue("@g", nil) {
		t.Errorf("@ks carries depth %d, len(@ks) = %d", depth, h.intValue("@g", nil))
	}
	if id < 0 {
		t.Fatalf("@ks has no stack id (%d)", id)
	}
	frames := make([]byte, h.coll.Maps[h.obj.KernelStacks].ValueSize())
	if err := h.coll.Maps[h.obj.KernelStacks].Lookup(uint32(id), frames); err != nil {
		t.Fatalf("stack id %d of @ks: %v", id, err)
	}
	n := int64(0)
	for i := 0; i+8 <= len(frames) && binary.LittleEndian.Uint64(frames[i:]) != 0; i += 8 {
		n++
	}
	if n != depth {
		t.Errorf("stack %d has %d frames, @ks says %d", id, n, depth)
	}
}

const anyNegative = -1 << 40

// TestHelperErrorLevels: which failed helpers a program reports follows
// the warning level, and each report carries the helper's return code.
func TestHelperErrorLevels(t *testing.T) {
	src := `let @a = hash(1); begin { @a[1] = 1; @a[2] = 2; @c[1] = 1; @b = @c[5]; @d = *(int32 *)8; }`
	type report struct {
		helper string
		code   int64
	}
	for _, tc := range []struct {
		level WarningLevel
		want  []report
	}{
		{WarnNone, nil},
		{WarnDefault, []report{{"map_update_elem", -7}}},
		// the failed read's code (-EFAULT, -ERANGE) is the kernel's: anyNegative
		{WarnAll, []report{{"map_update_elem", -7}, {"map_lookup_elem", 0}, {"probe_read_kernel", anyNegative}}},
	} {
		h := loadWith(t, src, Options{Warnings: tc.level})
		h.runBegin()
		var got []report
		for _, r := range h.records() {
			if r.ev.Kind != EvRuntimeError || r.ev.Helper == "" {
				t.Errorf("level %d: unexpected record %v", tc.level, r.ev.Kind)
				continue
			}
			got = append(got, report{r.ev.Helper, leInt(r.payload[:4])})
		}
		if len(got) != len(tc.want) {
			t.Errorf("level %d: reports %v, want %v", tc.level, got, tc.want)
			continue
		}
		for i := range got {
			if tc.want[i].code == anyNegative && got[i].code < 0 {
				got[i].code = anyNegative
			}
			if got[i] != tc.want[i] {
				t.Errorf("level %d: report %d is %v, want %v", tc.level, i, got[i], tc.want[i])
			}
		}
		if v := h.intValue("@d", nil); v != 0 {
			t.Errorf("level %d: a failed read gave %d, want 0", tc.level, v)
		}
	}
}

// TestArrayIndexOutOfBounds: a variable index past an array's end reads
// zero and is reported; an index inside reads the element.
func TestArrayIndexOutOfBounds(t *testing.T) {
	h := load(t, `struct S { int x[4]; } begin { $s = (struct S *)curtask; $w = (int32 *)curtask; $i = 1; $j = 9; @in = $s.x[$i] == $w[1]; @out = $s.x[$j]; }`)
	h.runBegin()
	recs := h.records()
	if len(recs) != 1 || recs[0].ev.Kind != EvRuntimeError || recs[0].ev.Format != arrayOOBMessage {
		t.Fatalf("records %v, want one out-of-bounds report", recs)
	}
	if v := h.intValue("@out", nil); v != 0 {
		t.Errorf("@out = %d, want 0", v)
	}
	if v := h.intValue("@in", nil); v != 1 {
		t.Errorf("@in = %d: the element in bounds was not read", v)
	}
}

// TestGetoptValues: named parameters read as bpftrace reads them: the
// whole uint64 range, negative ints, bool spellings, a bare flag.
func TestGetoptValues(t *testing.T) {
	h := loadWith(t, `begin { @a = getopt("aa", 20); @b = getopt("bb", -1); @c = getopt("cc", true); @d = getopt("dd"); @e = getopt("ee", 7); @f = getopt("ff", 0); }`,
		Options{Named: map[string]string{"aa": "0xffffffffffffffff", "bb": "-10", "cc": "False", "dd": "", "ff": "2e3"}})
	h.runBegin()
	for name, want := range map[string]int64{"@a": -1, "@b": -10, "@c": 0, "@d": 1, "@e": 7, "@f": 2000} {
		if got := h.intValue(name, nil); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}

// TestScriptCharArrayIsString: a char array field of a struct the script
// declares reads as a string, as the kernel's char arrays do; arrays of
// uint8_t stay arrays.
func TestScriptCharArrayIsString(t *testing.T) {
	obj := compileSrc(t, `struct S { char c[8]; uint8_t u[8]; } begin { $s = (struct S *)curtask; print($s.c); print($s.u); }`, Options{})
	var kinds []string
	for _, ev := range obj.Events {
		if ev.Kind == EvPrintValue && ev.Args != nil {
			kinds = append(kinds, fmt.Sprintf("%T", ev.Args.Elems[0]))
		}
	}
	if len(kinds) != 2 || kinds[0] != "*types.String" || kinds[1] != "*types.Array" {
		t.Errorf("printed types %v, want a string then an array", kinds)
	}
}
