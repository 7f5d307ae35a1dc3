package server

import (
	"encoding/json"
	"strings"
	"testing"
)

func sigAt(t *testing.T, c *client, src string) *signatureHelpResult {
	t.Helper()
	text, pos := withCursor(t, src)
	c.open(uri1, text, 1)
	var res *signatureHelpResult
	c.mustCall("textDocument/signatureHelp", docPos(uri1, pos), &res)
	return res
}

// paramText returns the text of parameter i of signature si.
func paramText(t *testing.T, si signatureInfo, i int) string {
	t.Helper()
	switch l := si.Parameters[i].Label.(type) {
	case string:
		return l
	case []any:
		a, b := int(l[0].(float64)), int(l[1].(float64))
		return si.Label[a:b] // ASCII labels: UTF-16 offsets are byte offsets
	}
	t.Fatalf("parameter label %#v", si.Parameters[i].Label)
	return ""
}

func TestSignatureHelpPrintf(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	res := sigAt(t, c, "begin { printf(‸ }")
	if res == nil || len(res.Signatures) != 1 {
		t.Fatalf("printf( : %+v", res)
	}
	si := res.Signatures[0]
	if si.Label != "void printf(const string fmt, args...)" || res.ActiveParameter != 0 || len(si.Parameters) != 2 {
		t.Fatalf("printf signature: %+v", res)
	}
	if _, ok := si.Parameters[0].Label.([]any); !ok {
		t.Errorf("label offsets expected: %#v", si.Parameters[0].Label)
	}
	if got := paramText(t, si, 0); got != "const string fmt" {
		t.Errorf("param 0 = %q", got)
	}
	if si.Documentation == nil || si.Documentation.Value == "" {
		t.Error("no documentation")
	}
	// Arguments after the format are the variadic parameter; commas inside
	// strings and nested calls do not count.
	res = sigAt(t, c, "begin { printf(\"%d, %s\", str(arg0, 8), ‸) }")
	if res == nil || res.ActiveParameter != 1 {
		t.Fatalf("variadic: %+v", res)
	}
	// Inside the nested call, the nested call's signature.
	res = sigAt(t, c, "begin { printf(\"%s\", str(arg0, ‸)) }")
	if res == nil || !strings.Contains(res.Signatures[res.ActiveSignature].Label, "str(") || res.ActiveParameter != 1 {
		t.Fatalf("nested str: %+v", res)
	}
	// After the call is closed, nothing.
	if res := sigAt(t, c, "begin { printf(\"x\"); ‸ }"); res != nil {
		t.Errorf("after the call: %+v", res)
	}
}

func TestSignatureHelpOverloadsAndMacros(t *testing.T) {
	c := newClient(t, Options{})
	c.initialize(`{}`, nil)
	res := sigAt(t, c, "begin { @m[1] = 1; print(@m, 10, ‸) }")
	if res == nil || len(res.Signatures) != 2 {
		t.Fatalf("print overloads: %+v", res)
	}
	if res.ActiveSignature != 1 || res.ActiveParameter != 2 || !strings.Contains(res.Signatures[1].Label, "div") {
		t.Errorf("active print overload: %+v", res)
	}
	// Without offset support the labels are strings.
	if _, ok := res.Signatures[1].Parameters[0].Label.(string); !ok {
		t.Errorf("string labels expected: %#v", res.Signatures[1].Parameters[0].Label)
	}
	res = sigAt(t, c, "// Adds.\nmacro add(a, $b) { a + $b }\nbegin { print(add!(1, ‸)) }")
	if res == nil || res.Signatures[0].Label != "macro add(a, $b)" || res.ActiveParameter != 1 {
		t.Fatalf("macro signature: %+v", res)
	}
	if d := res.Signatures[0].Documentation; d == nil || d.Value != "Adds." {
		t.Errorf("macro doc: %+v", d)
	}
	res = sigAt(t, c, "fn sq($x: int64): int64 { return $x * $x; }\nbegin { print(sq(‸)) }")
	if res == nil || res.Signatures[0].Label != "fn sq($x: int64): int64" {
		b, _ := json.Marshal(res)
		t.Fatalf("fn signature: %s", b)
	}
}
