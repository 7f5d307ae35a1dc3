package diag

import (
	"bytes"
	"testing"

	"github.com/bt-tools/bt/analysis/source"
)

func TestRender(t *testing.T) {
	f := source.NewFile("x.bt", []byte("BEGIN {\n\t@a = 1 + \"s\";\n}\n"))
	var l List
	d := l.Errorf(f, source.Span{Start: 14, End: 21}, "test-code", "cannot add %s and %s", "int64", "string")
	d.Hint = "convert one side"
	d.Notes = []Note{{Location: Location{File: f, Span: source.Span{Start: 0, End: 5}}, Message: "probe starts here"}}
	var b bytes.Buffer
	RenderAll(&b, l, TextOptions{})
	want := "x.bt:2:7: error[test-code]: cannot add int64 and string\n" +
		" 2 | \t@a = 1 + \"s\";\n" +
		"   | \t     ^~~~~~~\n" +
		"  = hint: convert one side\n" +
		"x.bt:1:1: note: probe starts here\n" +
		" 1 | BEGIN {\n" +
		"   | ^~~~~\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	if !l.HasErrors() || l.Count(Warning) != 0 {
		t.Error("counts wrong")
	}
}
