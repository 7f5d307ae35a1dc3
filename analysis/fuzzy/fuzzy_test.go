package fuzzy

import (
	"slices"
	"testing"
)

func TestDistance(t *testing.T) {
	cases := []struct {
		a, b string
		d    int
	}{
		{"", "", 0}, {"pid", "pid", 0}, {"pdi", "pid", 1}, {"nsec", "nsecs", 1},
		{"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"a", "", 1}, {"vfs_read", "vfs_raed", 1}, {"", "abc", 3}, {"ca", "abc", 3}, {"sched_swich", "sched_switch", 1},
	}
	for _, c := range cases {
		if got := Distance(c.a, c.b); got != c.d {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
		if got := Distance(c.b, c.a); got != c.d {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", c.b, c.a, got, c.d)
		}
		// Within agrees with Distance up to the bound, and says "more"
		// beyond it.
		for max := 0; max <= 4; max++ {
			got, want := Within(c.a, c.b, max), c.d
			if c.d > max {
				want = max + 1
			}
			if got != want {
				t.Errorf("Within(%q, %q, %d) = %d, want %d", c.a, c.b, max, got, want)
			}
		}
	}
	long := "a_very_long_kernel_function_name_that_exceeds_the_stack_buffer_of_the_routine"
	if Distance(long, long+"x") != 1 {
		t.Error("long names")
	}
}

func TestClosest(t *testing.T) {
	cands := []string{"vfs_read", "vfs_readv", "vfs_write", "vcs_read", "x", "VFS_READ2"}
	if got := Closest("vfs_reed", cands[:5]); !slices.Equal(got, []string{"vfs_read", "vcs_read", "vfs_readv"}) {
		t.Errorf("Closest = %v", got)
	}
	if got := Closest("y", cands); len(got) != 0 {
		t.Errorf("a one-letter name must not match one-letter candidates: %v", got)
	}
	if got := Closest("vfs_read2", cands); len(got) == 0 || got[0] != "VFS_READ2" {
		t.Errorf("case-insensitive match: %v", got)
	}
	if got := Closest("zzzzzzzz", cands); len(got) != 0 {
		t.Errorf("nothing close: %v", got)
	}
}
