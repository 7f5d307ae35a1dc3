package check

import (
	"testing"

	"github.com/bt-tools/bt/analysis/types"
)

// TestParseOptionInt: integers on the command line read as bpftrace
// reads them, with its error texts.
func TestParseOptionInt(t *testing.T) {
	cases := []struct {
		text   string
		signed bool
		want   int64
		err    string
	}{
		{"0xffffffffffffffff", false, -1, ""},
		{"0x10", true, 16, ""},
		{"010", false, 8, ""},
		{"0b101", false, 5, ""},
		{"1_000", false, 1000, ""},
		{"1e3", true, 1000, ""},
		{" 5", false, 5, ""},
		{"5ms", false, 5_000_000, ""},
		{"2u", false, 2, ""},
		{"-0x10", false, -16, ""}, // strtoull negates modulo 2^64
		{"-10", true, -10, ""},
		{"-9223372036854775808", true, -1 << 63, ""},
		{"-9223372036854775809", true, 0, "value is out of range"},
		{"9223372036854775808", true, 0, "value is out of range"},
		{"18446744073709551616", false, 0, "value is out of range"},
		{"5000000000u", false, 0, "value is out of range"},
		{"2e20", false, 0, "value is out of range"},
		{"False", false, 0, "invalid integer"},
		{"", false, 0, "invalid integer"},
		{"0x", false, 0, "invalid integer"},
		{"5k", true, 0, "invalid trailing bytes"},
		{"2e", false, 0, "invalid trailing bytes"},
		{"12e3", false, 0, "coefficient part of scientific literal must be 1-9"},
	}
	for _, c := range cases {
		got, err := ParseOptionInt(c.text, c.signed)
		switch {
		case c.err != "" && (err == nil || err.Error() != c.err):
			t.Errorf("ParseOptionInt(%q, %v) = %d, %v; want error %q", c.text, c.signed, got, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("ParseOptionInt(%q, %v) = %d, %v; want %d", c.text, c.signed, got, err, c.want)
		}
	}
}

// TestNamedParamValue: each option type's values and bpftrace's
// messages for values that do not fit.
func TestNamedParamValue(t *testing.T) {
	b := &NamedParam{Name: "cc", Type: types.Bool{}}
	for text, want := range map[string]bool{"False": false, "on": true, "YES": true, "0": false} {
		if v, err := b.Value(text, true); err != nil || v != want {
			t.Errorf("bool %q = %v, %v; want %v", text, v, err, want)
		}
	}
	if v, err := b.Value("", false); err != nil || v != true {
		t.Errorf("a bare bool flag = %v, %v; want true", v, err)
	}
	if _, err := b.Value("maybe", true); err == nil || err.Error() != "program command line option --cc expects a boolean (e.g. 'true') (value: maybe)" {
		t.Errorf("bool maybe: %v", err)
	}
	n := &NamedParam{Name: "aa", Type: types.Uint64}
	if _, err := n.Value("False", true); err == nil || err.Error() != "program command line option --aa invalid integer (value: False)" {
		t.Errorf("int False: %v", err)
	}
	if _, err := n.Value("", false); err == nil || err.Error() != "program command line option --aa expects an integer (value: true)" {
		t.Errorf("a bare int flag: %v", err)
	}
	s := &NamedParam{Name: "ee", Type: &types.String{Len: 64}}
	if v, err := s.Value("bye", true); err != nil || v != "bye" {
		t.Errorf("string = %v, %v", v, err)
	}
}
