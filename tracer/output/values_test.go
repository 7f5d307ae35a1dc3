package output

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/codegen"
)

// fakeResolver knows a few symbols and stacks.
type fakeResolver struct{}

func (fakeResolver) KernelSymbol(addr uint64) (string, uint64, bool) {
	if addr >= 0xffffffff81000000 && addr < 0xffffffff81000100 {
		return "do_sys_open", addr - 0xffffffff81000000, true
	}
	if addr >= 0xffffffff82000000 && addr < 0xffffffff82000100 {
		return "entry_SYSCALL_64", addr - 0xffffffff82000000, true
	}
	return "", 0, false
}

func (fakeResolver) UserSymbol(pid uint32, addr uint64) (string, uint64, bool) {
	if pid == 42 && addr >= 0x401000 && addr < 0x401100 {
		return "main", addr - 0x401000, true
	}
	return "", 0, false
}

func (fakeResolver) UserModule(pid uint32, addr uint64) (string, bool) {
	return "/usr/bin/prog", pid == 42
}

func (fakeResolver) KernelStack(id int64) []uint64 {
	switch id {
	case 7:
		return []uint64{0xffffffff81000010, 0xffffffff82000004, 0xdead}
	case 8:
		return []uint64{0xffffffff81000010, 0xffffffff82000004, 0xbeef}
	}
	return nil
}

func (fakeResolver) UserStack(id int64) []uint64 {
	if id == 3 {
		return []uint64{0x401020, 0x7fff0000, ^uint64(0), 0x401000}
	}
	return nil
}

func (fakeResolver) UserBuildIDStack(id int64) []BuildIDFrame {
	if id != 5 {
		return nil
	}
	return []BuildIDFrame{{BuildID: []byte{0xd6, 0x39, 0x0e}, Offset: 0x1126}, {Addr: 0x7fff0010}, {BuildID: []byte{0x93, 0xac}, Offset: 0x2724a}}
}

func (fakeResolver) UserName(uid uint32) string {
	if uid == 0 {
		return "root"
	}
	return ""
}

func (fakeResolver) CgroupPath(id uint64, filter string) string {
	if id != 7 {
		return ""
	}
	return "unified:/user.slice"
}

// printValue runs print(value) of one value of type t.
func printValueOf(t *testing.T, f Format, typ types.Type, b []byte) string {
	t.Helper()
	var out bytes.Buffer
	ev := &codegen.Event{Kind: codegen.EvPrintValue, Args: &types.Tuple{Elems: []types.Type{typ}}}
	w := New(&out, &out, f, &codegen.Object{Events: []*codegen.Event{ev}, Strings: []string{"%H:%M:%S.%f", "%Y %l %k"}}, fakeResolver{})
	w.BootTime = time.Unix(0, 0)
	payload := make([]byte, ev.Args.Size())
	copy(payload, b)
	if err := w.Event(ev, payload); err != nil {
		t.Fatalf("print(%s): %v", typ, err)
	}
	return out.String()
}

func inet(af uint64, addr ...byte) []byte {
	b := u64s(af)
	return append(b, append(addr, make([]byte, 16-len(addr))...)...)
}

func TestValueRendering(t *testing.T) {
	bitfields := types.NewStruct("flags", false, 4, nil)
	bitfields.SetFields([]types.Field{
		{Name: "a", Type: types.Uint32, BitOffset: 0, BitSize: 3},
		{Name: "b", Type: types.Int32, BitOffset: 3, BitSize: 4},
		{Name: "c", Type: types.Uint8, BitOffset: 8},
		{Name: "d", Type: colorEnum, BitOffset: 16, BitSize: 2},
	})
	point := types.NewStruct("point", false, 12, nil)
	point.SetFields([]types.Field{
		{Name: "x", Type: types.Int32, BitOffset: 0},
		{Name: "name", Type: &types.Array{Elem: types.Uint8, Len: 3}, BitOffset: 32},
		{Name: "p", Type: &types.Pointer{Elem: types.Int8}, BitOffset: 64},
	})
	ksym := &types.Opaque{Kind: types.Ksym, Bytes: 8}
	usym := &types.Opaque{Kind: types.Usym, Bytes: 16}
	kstack := &types.Stack{Mode: "bpftrace", Limit: 127}
	cases := []struct {
		name string
		typ  types.Type
		b    []byte
		text string
		json string
	}{
		{"int", types.Int16, []byte{0xff, 0xff}, "-1", "-1"},
		{"bool", types.Bool{}, []byte{1}, "true", "true"},
		{"string", str(8), []byte("a\"b\x01"), "a\"b\x01", `"a\"b\u0001"`},
		{"string filling its buffer: cut short", str(4), []byte("abcd"), "abcd..", `"abcd.."`},
		{"char array filled to its end: whole", &types.String{Len: 4, CharArray: true}, []byte("abcd"), "abcd", `"abcd"`},
		{"char array with a NUL", &types.String{Len: 4, CharArray: true}, []byte("ab\x00d"), "ab", `"ab"`},
		{"utf-8 string", str(8), []byte("é"), "é", `"\uffffffc3\uffffffa9"`},
		{"buffer", &types.Buffer{Len: 4}, append(binary.LittleEndian.AppendUint32(nil, 3), 'h', 'i', 0xff), `hi\xff`, "[104,105,-1]"},
		{"buffer longer than its capacity", &types.Buffer{Len: 2}, append(binary.LittleEndian.AppendUint32(nil, 9), 'a', 'b'), "ab", "[97,98]"},
		{"pointer", &types.Pointer{Elem: types.Int8}, u64s(0xffff1234), "0xffff1234", "4294906420"},
		{"enum", colorEnum, []byte{1, 0, 0, 0}, "GREEN", "1"},
		{"bitfields", bitfields, []byte{0x7d, 0x09, 0x01, 0}, "{ .a = 5, .b = -1, .c = 9, .d = GREEN }", `{"a": 5, "b": -1, "c": 9, "d": 1}`},
		{"struct", point, append([]byte{0xfe, 0xff, 0xff, 0xff, 1, 2, 3, 0}, u64s(0)[:4]...), "{ .x = -2, .name = [1,2,3], .p = 0x0 }", `{"x": -2, "name": [1,2,3], "p": 0}`},
		{"record", &types.Record{Names: []string{"a", "b"}, Elems: []types.Type{types.Int8, &types.Tuple{Elems: []types.Type{types.Int64, str(4)}}}},
			enc([]types.Type{types.Int8, &types.Tuple{Elems: []types.Type{types.Int64, str(4)}}}, 1, []any{2, "x"}),
			"{ .a = 1, .b = (2, x) }", `{"a": 1, "b": [2,"x"]}`},
		{"empty record", &types.Record{}, nil, "{}", "{}"},
		{"ksym", ksym, u64s(0xffffffff81000010), "do_sys_open", `"do_sys_open"`},
		{"unknown ksym", ksym, u64s(0x1234), "0x1234", `"0x1234"`},
		{"usym", usym, append(u64s(0x401008), 42, 0, 0, 0, 0, 0, 0, 0), "main", `"main"`},
		{"username", &types.Opaque{Kind: types.Username, Bytes: 8}, u64s(0), "root", `"root"`},
		{"inet4", &types.Opaque{Kind: types.Inet, Bytes: 24}, inet(afInet, 127, 0, 0, 1), "127.0.0.1", `"127.0.0.1"`},
		{"inet6", &types.Opaque{Kind: types.Inet, Bytes: 24}, inet(afInet6, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), "fe80::1", `"fe80::1"`},
		{"inet other", &types.Opaque{Kind: types.Inet, Bytes: 24}, inet(1, 1), "", `""`},
		{"mac", &types.Opaque{Kind: types.MacAddr, Bytes: 6}, []byte{0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e}, "00:1B:21:3C:4D:5E", `"00:1B:21:3C:4D:5E"`},
		{"cgroup path", &types.Opaque{Kind: types.CgroupPath, Bytes: 16}, u64s(7, 0), "unified:/user.slice", `"unified:/user.slice"`},
		{"strerror", &types.Opaque{Kind: types.Strerror, Bytes: 4}, []byte{7, 0, 0, 0}, "Argument list too long", `"Argument list too long"`},
		{"kstack", kstack, u64s(7), "\n        do_sys_open+16\n        entry_SYSCALL_64+4\n        0xdead\n", `"\n        do_sys_open+16\n        entry_SYSCALL_64+4\n        0xdead\n"`},
		{"kstack limit", &types.Stack{Mode: "bpftrace", Limit: 1}, u64s(7), "\n        do_sys_open+16\n", `"\n        do_sys_open+16\n"`},
		{"kstack perf", &types.Stack{Mode: "perf", Limit: 127}, u64s(7), "\n\tffffffff81000010 do_sys_open+16\n\tffffffff82000004 entry_SYSCALL_64+4\n\tdead 0xdead\n", ""},
		{"kstack raw", &types.Stack{Mode: "raw", Limit: 127}, u64s(7), "\nffffffff81000010\nffffffff82000004\ndead\n", ""},
		{"unknown stack", kstack, u64s(1), "\n", `"\n"`},
		{"ustack", &types.Stack{User: true, Mode: "bpftrace", Limit: 127}, u64s(3, 42), "\n        main+32\n        0x7fff0000\n        <unwind failure>\n", ""},
		{"ustack perf", &types.Stack{User: true, Mode: "perf", Limit: 127}, u64s(3, 42), "\n\t401020 main+32 (/usr/bin/prog)\n\t7fff0000 0x7fff0000 ([unknown])\n        <unwind failure>\n", ""},
		{"ustack build_id", &types.Stack{User: true, Mode: "build_id", Limit: 127}, u64s(5, 42), "\nd6390e 0x1126\n0x7fff0010\n93ac 0x2724a\n", `"\nd6390e 0x1126\n0x7fff0010\n93ac 0x2724a\n"`},
		{"ustack build_id limit", &types.Stack{User: true, Mode: "build_id", Limit: 1}, u64s(5, 42), "\nd6390e 0x1126\n", ""},
		{"ustack build_id from stack_mode", &types.Stack{User: true, Format: "build_id", Limit: 127}, u64s(5, 42), "\nd6390e 0x1126\n0x7fff0010\n93ac 0x2724a\n", ""},
		{"typedef", &types.Typedef{Name: "pid_t", Type: types.Int32}, []byte{5, 0, 0, 0}, "5", "5"},
	}
	for _, c := range cases {
		if got := printValueOf(t, Text, c.typ, c.b); got != c.text+"\n" {
			t.Errorf("%s: text %q, want %q", c.name, got, c.text+"\n")
		}
		if c.json == "" {
			continue
		}
		want := `{"type": "value", "data": ` + c.json + "}\n"
		if got := printValueOf(t, JSON, c.typ, c.b); got != want {
			t.Errorf("%s: json %s, want %s", c.name, got, want)
		}
	}
}

func TestMacAddressSignedBytes(t *testing.T) {
	// bpftrace prints the bytes as C chars: high bytes widen with their
	// sign and the fixed buffer cuts the text.
	got := printValueOf(t, Text, &types.Opaque{Kind: types.MacAddr, Bytes: 6}, []byte{0xaa, 1, 2, 3, 4, 5})
	if got != "FFFFFFAA:01:02:03\n" {
		t.Errorf("got %q", got)
	}
}

func TestTimestamps(t *testing.T) {
	old := time.Local
	time.Local = time.UTC
	defer func() { time.Local = old }()
	ts := &types.Opaque{Kind: types.Timestamp, Bytes: 16}
	// Format 0 is "%H:%M:%S.%f", format 1 "%Y %l %k"; nanoseconds count
	// from boot, which printValueOf's Writer puts at 1970-01-01 00:00:00.
	if got := printValueOf(t, Text, ts, u64s(0, 3723_123456789)); got != "01:02:03.123456\n" {
		t.Errorf("strftime %%f: %q", got)
	}
	if got := printValueOf(t, Text, ts, u64s(1, 3723_123456789)); got != "1970 123 123456789\n" {
		t.Errorf("strftime %%l %%k: %q", got)
	}
	if got := printValueOf(t, Text, ts, u64s(0, 0)); got != "(?)\n" {
		t.Errorf("time zero: %q", got)
	}
}

func TestStrftime(t *testing.T) {
	tm := time.Date(2024, time.March, 5, 14, 7, 9, 0, time.UTC)
	cases := map[string]string{
		"%Y-%m-%d %H:%M:%S": "2024-03-05 14:07:09",
		"%a %A %b %B %h":    "Tue Tuesday Mar March Mar",
		"%c":                "Tue Mar  5 14:07:09 2024",
		"%D %F %T %R":       "03/05/24 2024-03-05 14:07:09 14:07",
		"%e|%-d|%_m|%3d":    " 5|5| 3|005",
		"%I %l %p %P %r":    "02  2 PM pm 02:07:09 PM",
		"%j %u %w %U %W %V": "065 2 2 09 10 10",
		"%y %C %G %g":       "24 20 2024 24",
		"%s %z %Z":          "1709647629 +0000 UTC",
		"%^a %%%n%t%Q":      "TUE %\n\t%Q",
	}
	for f, want := range cases {
		if got := strftime(f, tm); got != want {
			t.Errorf("strftime(%q) = %q, want %q", f, got, want)
		}
	}
}

func TestEventsOtherThanPrintf(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "data")
	if err := os.WriteFile(file, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := "begin { $a = 1 / $b; }"
	f := source.NewFile("t.bt", []byte(src))
	s16 := str(16)
	arr := &types.Array{Elem: s16, Len: 4}
	events := []*codegen.Event{
		{ID: 0, Kind: codegen.EvTime, Format: "%H:%M:%S\n"},
		{ID: 1, Kind: codegen.EvJoin, Format: ",", Args: &types.Tuple{Elems: []types.Type{arr}}},
		{ID: 2, Kind: codegen.EvCat, Format: "%s/%s", Args: &types.Tuple{Elems: []types.Type{str(64), s16}}},
		{ID: 3, Kind: codegen.EvRuntimeError, Format: "Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result.",
			File: f, Pos: source.Pos(strings.Index(src, "1 /"))},
		{ID: 4, Kind: codegen.EvExit},
	}
	obj := &codegen.Object{Events: events}
	payloads := [][]byte{
		nil,
		enc([]types.Type{arr}, []any{"/bin/echo", "'A'", "", "never"}),
		enc(events[2].Args.Elems, dir, "data"),
		nil,
		nil,
	}
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.Local)

	var out, errOut bytes.Buffer
	w := New(&out, &errOut, Text, obj, nil)
	w.Now = func() time.Time { return now }
	w.SetConfig("max_cat_bytes", int64(4))
	for i, ev := range events[:4] {
		if err := w.Event(ev, payloads[i]); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	if err := w.Event(events[4], nil); err == nil {
		t.Error("exit is the runtime's, want an error")
	}
	if want := "03:04:05\n/bin/echo,'A'\n0123"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	wantErr := "t.bt:1:14-20: WARNING: Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result.\n" +
		"begin { $a = 1 / $b; }\n" +
		"             ~~~~~~\n"
	if errOut.String() != wantErr {
		t.Errorf("stderr %q, want %q", errOut.String(), wantErr)
	}

	out.Reset()
	w = New(&out, &errOut, JSON, obj, nil)
	w.Now = func() time.Time { return now }
	w.SetConfig("max_cat_bytes", int64(4))
	for i, ev := range events[:4] {
		if err := w.Event(ev, payloads[i]); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	want := `{"type": "time", "data": "03:04:05\n"}` + "\n" +
		`{"type": "join", "data": "/bin/echo,'A'"}` + "\n" +
		`{"type": "cat", "data": "0123"}` + "\n" +
		`{"type": "runtime_error", "msg": "Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result.", "filename": "t.bt", "line": 1, "col": 14}` + "\n"
	if out.String() != want {
		t.Errorf("json:\n%s\nwant:\n%s", out.String(), want)
	}

	// cat of a missing file is an error naming it.
	missing := enc(events[2].Args.Elems, dir, "nope")
	if err := w.Event(events[2], missing); err == nil || !strings.Contains(err.Error(), "failed to open file '"+filepath.Join(dir, "nope")+"' (No such file or directory)") {
		t.Errorf("cat of a missing file: %v", err)
	}
}

func TestProbesAndLostEvents(t *testing.T) {
	var out, errOut bytes.Buffer
	w := New(&out, &errOut, Text, nil, nil)
	_ = w.AttachedProbes(1)
	_ = w.AttachedProbes(3)
	_ = w.Lost(12)
	_ = w.End()
	if want := "Attached 1 probe\nAttached 3 probes\nLost 12 events\n"; errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
	if out.String() != "\n\n" {
		t.Errorf("end: %q", out.String())
	}
	out.Reset()
	w = New(&out, &errOut, JSON, nil, nil)
	_ = w.AttachedProbes(2)
	_ = w.Lost(5)
	_ = w.End()
	want := `{"type": "attached_probes", "count": 2, "data": {"probes": 2}}` + "\n" +
		`{"type": "lost_events", "count": 5, "data": {"events": 5}}` + "\n"
	if out.String() != want {
		t.Errorf("json %q, want %q", out.String(), want)
	}
}

func TestMapWithStackKeys(t *testing.T) {
	m := layout("@s", &types.Stack{Mode: "bpftrace", Limit: 2}, agg(types.AggCount, nil))
	var out bytes.Buffer
	w := New(&out, &out, Text, nil, fakeResolver{})
	if err := w.Map(m, []MapEntry{{u64s(7), [][]byte{u64s(4)}}}, 0, 0); err != nil {
		t.Fatal(err)
	}
	want := "@s[\n        do_sys_open+16\n        entry_SYSCALL_64+4\n]: 4\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestColoredLogs(t *testing.T) {
	src := `begin { warnf("careful"); }`
	f := source.NewFile("stdin", []byte(src))
	ev := &codegen.Event{Kind: codegen.EvWarnf, Format: "careful", File: f, Pos: source.Pos(8)}
	var out, errOut bytes.Buffer
	w := New(&out, &errOut, Text, &codegen.Object{Events: []*codegen.Event{ev}}, nil)
	w.Color = true
	if err := w.Event(ev, nil); err != nil {
		t.Fatal(err)
	}
	if want := "\033[33mstdin:1:9-25: WARNING: careful\033[0m\n"; errOut.String() != want {
		t.Errorf("got %q, want %q", errOut.String(), want)
	}
}

func TestMultiLineCallLocation(t *testing.T) {
	src := "begin {\n  errorf(\"a %d\",\n    1);\n}\n"
	f := source.NewFile("ml.bt", []byte(src))
	ev := &codegen.Event{Kind: codegen.EvErrorf, Format: "a %d", Args: &types.Tuple{Elems: []types.Type{types.Int64}},
		File: f, Pos: source.Pos(strings.Index(src, "errorf"))}
	var out, errOut bytes.Buffer
	w := New(&out, &errOut, Text, &codegen.Object{Events: []*codegen.Event{ev}}, nil)
	if err := w.Event(ev, u64s(1)); err != nil {
		t.Fatal(err)
	}
	if want := "ml.bt:2-3: ERROR: a 1\n"; errOut.String() != want {
		t.Errorf("got %q, want %q", errOut.String(), want)
	}
}

func TestRuntimeErrorWithArguments(t *testing.T) {
	src := "begin { @a[1] = 1; }"
	f := source.NewFile("stdin", []byte(src))
	ev := &codegen.Event{Kind: codegen.EvRuntimeError, Format: "Map full; can't update element (retcode %d)",
		Args: &types.Tuple{Elems: []types.Type{types.Int32}}, File: f, Pos: source.Pos(8)}
	var out, errOut bytes.Buffer
	w := New(&out, &errOut, Text, &codegen.Object{Events: []*codegen.Event{ev}}, nil)
	if err := w.Event(ev, []byte{0xf9, 0xff, 0xff, 0xff}); err != nil {
		t.Fatal(err)
	}
	want := "stdin:1:9-18: WARNING: Map full; can't update element (retcode -7)\nbegin { @a[1] = 1; }\n        ~~~~~~~~~\n"
	if errOut.String() != want {
		t.Errorf("got %q, want %q", errOut.String(), want)
	}
}

func TestStackKeysPrintingAlikeCombine(t *testing.T) {
	// Stacks 7 and 8 differ only below the two frames kept: bpftrace
	// would have one key for them.
	st := &types.Stack{Mode: "bpftrace", Limit: 2}
	var out bytes.Buffer
	w := New(&out, &out, Text, nil, fakeResolver{})
	m := layout("@s", st, agg(types.AggCount, nil))
	if err := w.Map(m, []MapEntry{{u64s(7), [][]byte{u64s(4), u64s(1)}}, {u64s(8), [][]byte{u64s(2), u64s(0)}}, {u64s(1), [][]byte{u64s(1), u64s(0)}}}, 0, 0); err != nil {
		t.Fatal(err)
	}
	h := layout("@h", &types.Tuple{Elems: []types.Type{st, types.Int64}}, agg(types.AggHist, types.Int64, 0))
	if err := w.Map(h, []MapEntry{
		{append(u64s(7, 1), u64s(2)...), [][]byte{u64s(1)}},
		{append(u64s(8, 1), u64s(2)...), [][]byte{u64s(2)}},
		{append(u64s(8, 2), u64s(2)...), [][]byte{u64s(1)}},
	}, 0, 0); err != nil {
		t.Fatal(err)
	}
	want := "@s[\n]: 1\n@s[\n        do_sys_open+16\n        entry_SYSCALL_64+4\n]: 7\n" +
		"@h[\n        do_sys_open+16\n        entry_SYSCALL_64+4\n, 2]:\n" +
		"[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n" +
		"@h[\n        do_sys_open+16\n        entry_SYSCALL_64+4\n, 1]:\n" +
		"[1]                    3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out.String(), want)
	}
}

// cFloat stands for a C type with no bpftrace value (cfront's floats).
type cFloat struct{}

func (cFloat) String() string { return "float" }
func (cFloat) Size() int      { return 4 }
func (cFloat) Align() int     { return 4 }

// A member of a C type bpftrace has no value for prints as null, in
// text and JSON, as bpftrace's none type does.
func TestNoneTypeMember(t *testing.T) {
	u := types.NewStruct("N", true, 4, nil)
	u.SetFields([]types.Field{{Name: "i", Type: types.Int32}, {Name: "f", Type: cFloat{}}})
	s := types.NewStruct("Foo", false, 8, nil)
	s.SetFields([]types.Field{{Name: "m", Type: types.Int32}, {Name: "n", Type: u, BitOffset: 32}})
	b := []byte{2, 0, 0, 0, 5, 0, 0, 0}
	if got, want := printValueOf(t, Text, s, b), "{ .m = 2, .n = { .i = 5, .f = null } }\n"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	if got, want := printValueOf(t, JSON, s, b), `{"type": "value", "data": {"m": 2, "n": {"i": 5, "f": null}}}`+"\n"; got != want {
		t.Errorf("json %q, want %q", got, want)
	}
}
