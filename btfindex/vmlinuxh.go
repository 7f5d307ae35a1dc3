package btfindex

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"

	"github.com/bt-tools/bt/btfindex/cheader"
	"github.com/bt-tools/bt/internal/atomicfile"
)

// vmlinuxMu serializes writing vmlinux.h files: the checker and the C
// linker of one process may want the same one at once.
var vmlinuxMu sync.Mutex

// VmlinuxHeaderFile returns the path of the kernel's vmlinux.h (every
// vmlinux BTF type as C, as cheader writes it) kept on disk per BTF
// identity as DIR/vmlinux-<identity>.h, writing it first when it is not
// there yet. dir "" is the index's cache directory. The file is shared:
// bt check's C scope reads it and clink links it into its include
// directories.
func (ix *Index) VmlinuxHeaderFile(dir string) (string, error) {
	if ix.btfErr != nil {
		return "", ix.btfErr
	}
	if dir == "" {
		var err error
		if dir, err = ix.cacheDir(); err != nil {
			return "", err
		}
	}
	path := filepath.Join(dir, "vmlinux-"+ix.Identity()+".h")
	vmlinuxMu.Lock()
	defer vmlinuxMu.Unlock()
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path, nil
	}
	h, err := ix.VmlinuxHeader()
	if err != nil {
		return "", err
	}
	if err := atomicfile.Write(path, h); err != nil {
		return "", err
	}
	return path, nil
}

// VmlinuxHeader writes the kernel's vmlinux.h in memory: every vmlinux
// BTF type as C (what VmlinuxHeaderFile keeps on disk).
func (ix *Index) VmlinuxHeader() ([]byte, error) {
	spec, err := ix.Spec("")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := cheader.Write(&buf, spec, cheader.Options{}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
