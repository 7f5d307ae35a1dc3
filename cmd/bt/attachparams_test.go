package main

import (
	"strings"
	"testing"
)

func TestSubstituteParams(t *testing.T) {
	for _, tc := range []struct {
		raw    string
		params []string
		want   string
		change bool
	}{
		{"i:ms:$1", []string{"100"}, "i:ms:100", true},
		{"BEG$1", []string{"IN"}, "BEGIN", true},
		{"$1", []string{"i:ms:1"}, "i:ms:1", true},
		{"i:ms:$1$2", []string{"1", "0"}, "i:ms:10", true},
		{"i:ms:$2", []string{"1"}, "i:ms:", true},
		{`i:ms:"$1"`, []string{"1"}, `i:ms:"$1"`, false},
		{`uprobe:"/a$1":f$10`, []string{"x"}, `uprobe:"/a$1":f`, true},
		{"kprobe:vfs_read", []string{"1"}, "kprobe:vfs_read", false},
	} {
		got, changed := substituteParams(tc.raw, tc.params)
		if got != tc.want || changed != tc.change {
			t.Errorf("substituteParams(%q, %q) = %q, %v; want %q, %v", tc.raw, tc.params, got, changed, tc.want, tc.change)
		}
	}
}

// TestAttachPointParams runs attach points made of positional
// parameters: part of a field, part of the provider, the whole attach
// point.
func TestAttachPointParams(t *testing.T) {
	needRootRun(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-e", `i:ms:$1 { printf("%s\n", probe); exit(); }`, "7"}, "interval:ms:7\n"},
		{[]string{"-e", `BEG$1 { printf("hi\n"); exit(); }`, "IN"}, "hi\n"},
		{[]string{"-e", `$1 { printf("%s\n", probe); exit(); }`, "i:ms:3"}, "interval:ms:3\n"},
	} {
		code, out, errOut := runBpftrace(t, "", tc.args...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %q", tc.args, code, out, errOut, tc.want)
		}
	}
	code, _, errOut := runBpftrace(t, "", "-e", `i:ms:"$1" { exit(); }`, "1")
	if code != 1 || !strings.Contains(errOut, "interval rate must be an integer, found '$1'") {
		t.Errorf("quoted $1: exit %d, stderr %q; want a bad rate", code, errOut)
	}
}
