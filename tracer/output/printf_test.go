package output

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/codegen"
)

// enc lays out values as a tuple of the given types, the way programs
// write event payloads.
func enc(elems []types.Type, vals ...any) []byte {
	t := &types.Tuple{Elems: elems}
	b := make([]byte, t.Size())
	for i, off := range t.Offsets() {
		put(b[off:], elems[i], vals[i])
	}
	return b
}

// put writes one value laid out as t.
func put(b []byte, t types.Type, v any) {
	switch t := types.Underlying(t).(type) {
	case *types.Int, *types.Enum, *types.Pointer, types.Bool, *types.Opaque:
		var u uint64
		switch x := v.(type) {
		case int:
			u = uint64(x)
		case int64:
			u = uint64(x)
		case int32:
			u = uint64(x)
		case uint64:
			u = x
		case bool:
			if x {
				u = 1
			}
		case []byte:
			copy(b, x)
			return
		}
		var tmp [8]byte
		binary.LittleEndian.PutUint64(tmp[:], u)
		copy(b[:t.Size()], tmp[:])
	case *types.String:
		copy(b[:t.Len], v.(string))
	case *types.Buffer:
		data := v.([]byte)
		binary.LittleEndian.PutUint32(b, uint32(len(data)))
		copy(b[4:], data)
	case *types.Tuple:
		vals := v.([]any)
		for i, off := range t.Offsets() {
			put(b[off:], t.Elems[i], vals[i])
		}
	case *types.Record:
		vals := v.([]any)
		for i, off := range t.Offsets() {
			put(b[off:], t.Elems[i], vals[i])
		}
	case *types.Array:
		vals := v.([]any)
		for i := range vals {
			put(b[i*t.Elem.Size():], t.Elem, vals[i])
		}
	default:
		copy(b, v.([]byte))
	}
}

func str(n int) types.Type { return &types.String{Len: n} }

// printfCase runs one printf event through a text Writer.
func runPrintf(t *testing.T, format string, elems []types.Type, vals ...any) string {
	t.Helper()
	var out bytes.Buffer
	ev := &codegen.Event{ID: 0, Kind: codegen.EvPrintf, Format: format}
	if len(elems) > 0 {
		ev.Args = &types.Tuple{Elems: elems}
	}
	w := New(&out, &out, Text, &codegen.Object{Events: []*codegen.Event{ev}}, nil)
	if err := w.Event(ev, enc(elems, vals...)); err != nil {
		t.Fatalf("printf(%q): %v", format, err)
	}
	return out.String()
}

func TestPrintfIntegers(t *testing.T) {
	i64, u64, i32, u8 := []types.Type{types.Int64}, []types.Type{types.Uint64}, []types.Type{types.Int32}, []types.Type{types.Uint8}
	cases := []struct {
		format string
		elems  []types.Type
		val    any
		want   string
	}{
		{"%d", i64, 42, "42"},
		{"%i", i64, -42, "-42"},
		{"%5d|", i64, 42, "   42|"},
		{"%-5d|", i64, 42, "42   |"},
		{"%05d", i64, 42, "00042"},
		// Streams pad before the sign, and '0' with '-' pads on the right.
		{"%05d", i64, -42, "00-42"},
		{"%-05d", i64, 3, "30000"},
		{"%+d", i64, 5, "+5"},
		{"%+d", i64, 0, "+0"},
		{"%+d", i64, -5, "-5"},
		{"% d", i64, 5, "5"},
		{"%.3d", i64, 5, "5"},
		{"%*d", i64, 5, "5"},
		// No length modifier: the value is cast to a 32-bit int.
		{"%d", i64, 5000000000, "705032704"},
		{"%ld", i64, 5000000000, "5000000000"},
		{"%lld", i64, -5000000000, "-5000000000"},
		{"%hd", i64, 70000, "4464"},
		{"%hhd", i64, 200, "-56"},
		{"%jd %zd %td", i64, 1 << 40, ""},
		{"%u", i64, -1, "4294967295"},
		{"%lu", i64, -1, "18446744073709551615"},
		{"%+u", u64, 7, "7"},
		{"%x", i64, 255, "ff"},
		{"%X", i64, 255, "FF"},
		{"%#x", i64, 255, "0xff"},
		{"%#X", i64, 255, "0XFF"},
		{"%#x", i64, 0, "0"},
		{"%#o", i64, 8, "010"},
		{"%o", i64, 8, "10"},
		{"%08x", i64, 0xbeef, "0000beef"},
		{"%#08x", i64, 0xbeef, "000xbeef"},
		{"%x", i64, 0x12345678abcdef, "78abcdef"},
		{"%hhx %hx %jx", i64, 0x12345678abcdef, ""},
		{"%lx", u64, uint64(0xffffffffffffffff), "ffffffffffffffff"},
		{"%x", i64, -1, "ffffffff"},
		{"%d", i32, -7, "-7"},
		{"%d", u8, 255, "255"},
		{"%c", u8, 'A', "A"},
		{"%3c|", u8, 'A', "  A|"},
		{"%-3c|", u8, 'A', "A  |"},
		{"%p", u64, uint64(0xffff8880deadbeef), "0xffff8880deadbeef"},
		{"%p", i64, 0, "0"},
		{"%20p|", u64, uint64(0x1000), "              0x1000|"},
		{"%s", i64, -3, "-3"},
		{"%+s", i64, 3, "+3"},
		{"%5s|", i64, 3, "    3|"},
		{"%05s", i64, 3, "00003"},
	}
	for _, c := range cases {
		want := c.want
		switch c.format {
		case "%jd %zd %td":
			want = "1099511627776 1099511627776 1099511627776"
		case "%hhx %hx %jx":
			want = "ef cdef 12345678abcdef"
		}
		var got string
		n := strings.Count(c.format, "%") - 2*strings.Count(c.format, "%%")
		elems := make([]types.Type, n)
		vals := make([]any, n)
		for i := range elems {
			elems[i], vals[i] = c.elems[0], c.val
		}
		got = runPrintf(t, c.format, elems, vals...)
		if got != want {
			t.Errorf("printf(%q, %v) = %q, want %q", c.format, c.val, got, want)
		}
	}
}

func TestPrintfStringsAndValues(t *testing.T) {
	s8 := str(8)
	cases := []struct {
		format string
		elems  []types.Type
		vals   []any
		want   string
	}{
		{"%s|", []types.Type{s8}, []any{"abc"}, "abc|"},
		{"%5s|", []types.Type{s8}, []any{"ab"}, "   ab|"},
		{"%-5s|", []types.Type{s8}, []any{"ab"}, "ab   |"},
		// Precision does not cut strings.
		{"%.1s|", []types.Type{s8}, []any{"abc"}, "abc|"},
		{"%5s %04x", []types.Type{s8, types.Int64}, []any{"ba", 2}, "   ba 0002"},
		// A string that fills its buffer was truncated.
		{"%s", []types.Type{str(4)}, []any{"abcd"}, "abcd.."},
		{"%s", []types.Type{types.Bool{}}, []any{true}, "true"},
		{"%d", []types.Type{types.Bool{}}, []any{true}, "1"},
		{"%7s|", []types.Type{types.Bool{}}, []any{false}, "  false|"},
		{"100%% %d%%", []types.Type{types.Int64}, []any{5}, "100% 5%"},
		{"%-5% %d", []types.Type{types.Int64}, []any{5}, "% 5"},
		{"50%! off", nil, nil, "50%! off"},
		{"a\tb\n", nil, nil, "a\tb\n"},
		{"%r", []types.Type{&types.Buffer{Len: 4}}, []any{[]byte("a\x01b\xff")}, `a\x01b\xff`},
		{"%rx", []types.Type{&types.Buffer{Len: 4}}, []any{[]byte("ab")}, `\x61\x62`},
		{"%rh", []types.Type{&types.Buffer{Len: 4}}, []any{[]byte{0x61, 0x0a, 0xff}}, `61 0a ff`},
		{"%8rh|", []types.Type{&types.Buffer{Len: 4}}, []any{[]byte{1, 2}}, `   01 02|`},
		{"%r", []types.Type{s8}, []any{"plain"}, "plain"},
		{"%gr", []types.Type{types.Uint32}, []any{0xcc0}, "GFP_KERNEL"},
		{"%gr", []types.Type{types.Uint32}, []any{0xcc0 | 0x100}, "GFP_KERNEL|__GFP_ZERO"},
		{"%gr", []types.Type{types.Uint32}, []any{0}, "0"},
		{"%gr", []types.Type{types.Uint64}, []any{uint64(1) << 40}, "0x10000000000"},
		{"%gr", []types.Type{types.Uint32}, []any{0x200}, "0x200"},
		{"%d", []types.Type{s8}, []any{"x"}, "!{invalid integer conversion: x}"},
		{"%s", []types.Type{&types.Tuple{Elems: []types.Type{types.Int64, s8}}}, []any{[]any{1, "a"}}, "(1, a)"},
		// The width pads only a tuple's opening parenthesis.
		{"%4s|", []types.Type{&types.Tuple{Elems: []types.Type{types.Int64, types.Int64}}}, []any{[]any{1, 2}}, "   (1, 2)|"},
		{"%+s", []types.Type{&types.Tuple{Elems: []types.Type{types.Int64, types.Uint64}}}, []any{[]any{1, 2}}, "(+1, 2)"},
		{"%s", []types.Type{&types.Record{Names: []string{"a", "b"}, Elems: []types.Type{types.Int64, s8}}}, []any{[]any{1, "x"}}, "{ .a = 1, .b = x }"},
		{"%s", []types.Type{&types.Array{Elem: types.Int32, Len: 3}}, []any{[]any{1, 2, 3}}, "[1,2,3]"},
		{"%s", []types.Type{&types.Pointer{Elem: types.Int8}}, []any{0x1234}, "0x1234"},
		{"%d", []types.Type{&types.Pointer{Elem: types.Int8}}, []any{0x1234}, "4660"},
		{"%s %d", []types.Type{colorEnum, colorEnum}, []any{1, 1}, "GREEN 1"},
		{"%s", []types.Type{colorEnum}, []any{7}, "7"},
	}
	for _, c := range cases {
		if got := runPrintf(t, c.format, c.elems, c.vals...); got != c.want {
			t.Errorf("printf(%q, %v) = %q, want %q", c.format, c.vals, got, c.want)
		}
	}
}

var colorEnum = &types.Enum{Name: "color", Bytes: 4, Values: []types.EnumValue{{Name: "RED", Value: 0}, {Name: "GREEN", Value: 1}}}

func TestPrintfJSON(t *testing.T) {
	var out bytes.Buffer
	ev := &codegen.Event{Kind: codegen.EvPrintf, Format: "test \r \n \t \\ \" %d\x01", Args: &types.Tuple{Elems: []types.Type{types.Int64}}}
	w := New(&out, &out, JSON, &codegen.Object{Events: []*codegen.Event{ev}}, nil)
	if err := w.Event(ev, enc(ev.Args.Elems, 5)); err != nil {
		t.Fatal(err)
	}
	want := `{"type": "printf", "data": "test \r \n \t \\ \" 5\u0001"}` + "\n"
	if out.String() != want {
		t.Errorf("got %s want %s", out.String(), want)
	}
}

func TestErrorfWarnf(t *testing.T) {
	src := `begin { errorf("Something bad with args: %d, %s", 10, "arg2"); warnf("w %d\n", 1); }`
	f := source.NewFile("stdin", []byte(src))
	elems := []types.Type{types.Int64, str(8)}
	errEv := &codegen.Event{ID: 0, Kind: codegen.EvErrorf, Format: "Something bad with args: %d, %s",
		Args: &types.Tuple{Elems: elems}, File: f, Pos: source.Pos(strings.Index(src, "errorf"))}
	warnEv := &codegen.Event{ID: 1, Kind: codegen.EvWarnf, Format: "w %d\n",
		Args: &types.Tuple{Elems: []types.Type{types.Int64}}, File: f, Pos: source.Pos(strings.Index(src, "warnf"))}
	obj := &codegen.Object{Events: []*codegen.Event{errEv, warnEv}}

	var stdout, stderr bytes.Buffer
	w := New(&stdout, &stderr, Text, obj, nil)
	if err := w.Event(errEv, enc(elems, 10, "arg2")); err != nil {
		t.Fatal(err)
	}
	if err := w.Event(warnEv, enc(warnEv.Args.Elems, 1)); err != nil {
		t.Fatal(err)
	}
	want := "stdin:1:9-62: ERROR: Something bad with args: 10, arg2\nstdin:1:64-82: WARNING: w 1\n"
	if stderr.String() != want || stdout.Len() != 0 {
		t.Errorf("stderr %q, stdout %q; want stderr %q", stderr.String(), stdout.String(), want)
	}

	stderr.Reset()
	w.Warnings = false
	if err := w.Event(warnEv, enc(warnEv.Args.Elems, 1)); err != nil || stderr.Len() != 0 {
		t.Errorf("warnf with warnings off printed %q (%v)", stderr.String(), err)
	}

	stdout.Reset()
	w = New(&stdout, &stderr, JSON, obj, nil)
	if err := w.Event(errEv, enc(elems, 10, "arg2")); err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"type": "errorf", "msg": "Something bad with args: 10, arg2", "filename": "stdin", "line": 1, "col": 9}` + "\n"
	if stdout.String() != wantJSON {
		t.Errorf("json %s, want %s", stdout.String(), wantJSON)
	}
}

// TestErrorfExpandedFrom: errorf inside a macro names each call it was
// expanded from, innermost first, with the source line.
func TestErrorfExpandedFrom(t *testing.T) {
	src := "macro inner() { errorf(\"bad\"); }\nmacro outer() { inner(); }\nbegin {\n\touter();\n}"
	f := source.NewFile("stdin", []byte(src))
	at := func(s string) source.Span { // the last, the call (not the macro's name)
		i := strings.LastIndex(src, s)
		return source.Span{Start: source.Pos(i), End: source.Pos(i + len(s))}
	}
	ev := &codegen.Event{ID: 0, Kind: codegen.EvErrorf, Format: "bad", File: f, Pos: source.Pos(strings.Index(src, "errorf")),
		Expanded: []codegen.Site{{File: f, Span: at("inner()")}, {File: f, Span: at("outer()")}}}
	var stdout, stderr bytes.Buffer
	w := New(&stdout, &stderr, Text, &codegen.Object{Events: []*codegen.Event{ev}}, nil)
	if err := w.Event(ev, nil); err != nil {
		t.Fatal(err)
	}
	want := "stdin:1:17-30: ERROR: bad\n" +
		"stdin:2:17-24: ERROR: expanded from\n" +
		"macro outer() { inner(); }\n" +
		"                ~~~~~~~\n" +
		"stdin:4:2-9: ERROR: expanded from\n" +
		"    outer();\n" +
		"    ~~~~~~~\n"
	if stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr.String(), want)
	}
}
