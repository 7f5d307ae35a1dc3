package kernelcheck

import (
	"bytes"
	"os"

	"github.com/bt-tools/bt/btfindex"
	"github.com/bt-tools/bt/btfindex/cheader"
)

// The kernel's BTF as C for the program's C (check.KernelC).

// HasBTF reports whether the index has the kernel's BTF.
func (v *kernelView) HasBTF() bool { return v.idx.BTFError() == nil }

// HasCType reports whether BTF defines the type name spells: "struct
// sk_buff", "u32".
func (v *kernelView) HasCType(name string) bool {
	_, err := v.idx.Type(name)
	return err == nil
}

// TypesHeader declares the types names spell and what they need, for a
// script's C that uses kernel types without defining them.
func (v *kernelView) TypesHeader(names []string, guard string) ([]byte, error) {
	spec, err := v.idx.Spec("")
	if err != nil {
		return nil, err
	}
	var roots []string
	seen := map[string]bool{}
	for _, n := range names {
		_, bare := btfindex.ParseTypeName(n)
		if !seen[bare] {
			seen[bare] = true
			roots = append(roots, bare)
		}
	}
	var buf bytes.Buffer
	err = cheader.Write(&buf, spec, cheader.Options{Roots: roots, Guard: guard, NoKfuncs: true, NoPreserveAccessIndex: true})
	return buf.Bytes(), err
}

// VmlinuxHeader returns the kernel's vmlinux.h: with cache, the copy
// kept per BTF identity in cacheDir (the index's cache directory when
// "") and written there first when missing; without, or when the cache
// cannot be used, written in memory.
func (v *kernelView) VmlinuxHeader(cacheDir string, cache bool) ([]byte, error) {
	if cache {
		if path, err := v.idx.VmlinuxHeaderFile(cacheDir); err == nil {
			if h, err := os.ReadFile(path); err == nil && len(h) > 0 {
				return h, nil
			}
		}
	}
	return v.idx.VmlinuxHeader()
}
