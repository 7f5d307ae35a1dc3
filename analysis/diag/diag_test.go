package diag

import (
	"bytes"
	"strings"
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

func TestRenderBpftrace(t *testing.T) {
	src := "macro m() { 1 + \"s\" }\nbegin {\n\t@a = m();\n\tprint(@b)\n}\n"
	f := source.NewFile("stdin", []byte(src))
	at := func(s string) source.Span {
		i := strings.Index(src, s)
		return source.Span{Start: source.Pos(i), End: source.Pos(i + len(s))}
	}
	var l List
	w := l.Warnf(f, at("print(@b)"), "w", "a warning")
	w.Hint = "a hint"
	e := l.Errorf(f, at(`1 + "s"`), "e", "cannot add")
	e.Hint = "convert one side"
	e.Notes = []Note{
		{Location: Location{File: f, Span: at("m();")}, Message: "in macro m, expanded here", Expansion: true},
		{Location: Location{File: f, Span: at("@a")}, Message: "first typed here"},
	}
	l.Errorf(f, at("begin {\n\t@a"), "multi", "across lines")
	l.Errorf(f, source.Span{Start: 0, End: 0}, "empty", "empty range")
	var b bytes.Buffer
	RenderAll(&b, l, TextOptions{Style: StyleBpftrace})
	want := "stdin:1:13-20: ERROR: cannot add\n" +
		"macro m() { 1 + \"s\" }\n" +
		"            ~~~~~~~\n" +
		"stdin:3:2-4: ERROR: first typed here\n" +
		"    @a = m();\n" +
		"    ~~\n" +
		"HINT: convert one side\n" +
		"stdin:3:7-11: ERROR: expanded from\n" +
		"    @a = m();\n" +
		"         ~~~~\n" +
		"stdin:2-3: ERROR: across lines\n" +
		"begin {\n" +
		"\t@a = m();\n" +
		"stdin:1:1-2: ERROR: empty range\n" +
		"macro m() { 1 + \"s\" }\n" +
		"~\n" +
		"stdin:4:2-11: WARNING: a warning\n" +
		"    print(@b)\n" +
		"    ~~~~~~~~~\n" +
		"HINT: a hint\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
