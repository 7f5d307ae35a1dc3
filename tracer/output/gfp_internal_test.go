package output

import "testing"

// TestGFPFlagNames checks compound masks first, then single flags, then
// hex for the rest (expectations confirmed with bpftrace v0.26).
func TestGFPFlagNames(t *testing.T) {
	cases := map[uint64]string{
		0x400cc0: "GFP_KERNEL_ACCOUNT",
		0x2800:   "GFP_NOWAIT",
		// GFP_HIGHUSER_MOVABLE needs __GFP_SKIP_KASAN too; __GFP_MOVABLE
		// (0x8) has no name of its own.
		0x100cca:   "GFP_HIGHUSER|0x8",
		0x152c00:   "GFP_NOIO|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_HARDWALL",
		0xffffffff: "GFP_TRANSHUGE|GFP_ATOMIC|GFP_DMA|GFP_DMA32|__GFP_ZERO|__GFP_WRITE|__GFP_RETRY_MAYFAIL|__GFP_NOFAIL|__GFP_NORETRY|__GFP_MEMALLOC|__GFP_THISNODE|__GFP_ACCOUNT|__GFP_ZEROTAGS|__GFP_SKIP_ZERO|__GFP_NO_OBJ_EXT|0xf8000210",
	}
	for flags, want := range cases {
		if got := gfpFlags(flags); got != want {
			t.Errorf("gfpFlags(%#x) = %q, want %q", flags, got, want)
		}
	}
}
