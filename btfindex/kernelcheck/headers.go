package kernelcheck

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"

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

var vmlinuxMu sync.Mutex

// VmlinuxHeader returns the kernel's vmlinux.h: with cache, from the disk
// cache (cacheDir, or btfindex's default when "") when it holds one for
// this BTF, else written by cheader (and cached).
func (v *kernelView) VmlinuxHeader(cacheDir string, cache bool) ([]byte, error) {
	vmlinuxMu.Lock()
	defer vmlinuxMu.Unlock()
	var path string
	if cache {
		dir := cacheDir
		if dir == "" {
			var err error
			if dir, err = btfindex.CacheDir(); err != nil {
				dir = ""
			}
		}
		if dir != "" && v.idx.Identity() != "" {
			path = filepath.Join(dir, "vmlinux-"+v.idx.Identity()+".h")
			if h, err := os.ReadFile(path); err == nil && len(h) > 0 {
				return h, nil
			}
		}
	}
	spec, err := v.idx.Spec("")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := cheader.Write(&buf, spec, cheader.Options{}); err != nil {
		return nil, err
	}
	if path != "" {
		// Only a cache; a unique temporary name, because goroutines of
		// one process (tests, the language server) may write it at once.
		_ = btfindex.WriteFileAtomic(path, buf.Bytes())
	}
	return buf.Bytes(), nil
}
