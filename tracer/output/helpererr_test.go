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

// TestHelperErrors: a failed helper prints bpftrace's message for it
// (by helper and code, else the error's text), the helper and code, and
// the located source; JSON output has a helper_error record.
func TestHelperErrors(t *testing.T) {
	src := `i:ms:100 { @[1] = 1; printf("%d\n", @[2]); $x = *(int32 *)arg0; }`
	f := source.NewFile("stdin", []byte(src))
	at := func(s string) (source.Pos, source.Pos) {
		i := strings.Index(src, s)
		return source.Pos(i), source.Pos(i + len(s))
	}
	code := &types.Tuple{Elems: []types.Type{types.Int32}}
	ev := func(id int, helper, text string) *codegen.Event {
		p, e := at(text)
		return &codegen.Event{ID: id, Kind: codegen.EvRuntimeError, Args: code, Helper: helper, File: f, Pos: p, End: e}
	}
	events := []*codegen.Event{
		ev(0, "map_update_elem", "@[1] = 1"),
		ev(1, "map_lookup_elem", "@[2]"),
		ev(2, "probe_read_user", "*(int32 *)arg0"),
	}
	rc := func(n int32) []byte { b := make([]byte, 4); binary.LittleEndian.PutUint32(b, uint32(n)); return b }
	codes := []int32{-7, 0, -14}
	obj := &codegen.Object{Events: events}

	var out, errOut bytes.Buffer
	w := New(&out, &errOut, Text, obj, nil)
	for i, e := range events {
		if err := w.Event(e, rc(codes[i])); err != nil {
			t.Fatal(err)
		}
	}
	want := "stdin:1:12-20: WARNING: Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`\n" +
		"Additional Info - helper: map_update_elem, retcode: -7\n" + src + "\n" + strings.Repeat(" ", 11) + "~~~~~~~~\n" +
		"stdin:1:37-41: WARNING: Can't lookup map element because it does not exist.\n" +
		"Additional Info - helper: map_lookup_elem, retcode: 0\n" + src + "\n" + strings.Repeat(" ", 36) + "~~~~\n" +
		"stdin:1:49-63: WARNING: Bad address\n" +
		"Additional Info - helper: probe_read_user, retcode: -14\n" + src + "\n" + strings.Repeat(" ", 48) + "~~~~~~~~~~~~~~\n"
	if errOut.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", errOut.String(), want)
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q", out.String())
	}

	out.Reset()
	w = New(&out, &errOut, JSON, obj, nil)
	if err := w.Event(events[2], rc(-14)); err != nil {
		t.Fatal(err)
	}
	if err := w.Event(events[0], rc(-7)); err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"type": "helper_error", "msg": "Bad address", "helper": "probe_read_user", "retcode": -14, "filename": "stdin", "line": 1, "col": 49}` + "\n" +
		`{"type": "helper_error", "msg": "Argument list too long", "helper": "map_update_elem", "retcode": -7, "filename": "stdin", "line": 1, "col": 12}` + "\n"
	if out.String() != wantJSON {
		t.Errorf("json:\n%s\nwant:\n%s", out.String(), wantJSON)
	}
	if err := w.Event(events[0], nil); err == nil {
		t.Error("a record without its code: want an error")
	}
}
