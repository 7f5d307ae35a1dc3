package probes

import "testing"

func TestGlobPieces(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"vfs_read", "vfs_read", true},
		{"vfs_read", "vfs_readv", false},
		{"vfs_*", "vfs_read", true},
		{"*_read", "x_read_read", true},
		{"*read*", "vfs_readv", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "acb", false},
		{"a*b*c", "abxbc", true},
		{"*", "", true},
		{"**", "x", true},
		{"sys_*:ev*", "sys_x:event", true},
		{"x*", "", false},
		{"ab*ba", "aba", false},
	} {
		if got := MatchWildcard(tc.pattern, tc.s); got != tc.want {
			t.Errorf("MatchWildcard(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
	if p, star := CompileGlob("*:vfs_*").FirstPiece(); p != ":vfs_" || !star {
		t.Errorf("FirstPiece = %q %v", p, star)
	}
}
