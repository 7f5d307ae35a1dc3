package check

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WorldWritableError is an import refused because anyone on the machine
// could change what it names: the file itself, or the directory holding
// it, is writable by others. Code imported into a script runs in the
// kernel with the tracer's privileges, so a file another user could swap
// is never imported.
type WorldWritableError struct {
	Import string // the path that was imported (as resolved)
	Path   string // the file or directory that is world-writable
}

func (e *WorldWritableError) Error() string {
	if e.Path == e.Import {
		return fmt.Sprintf("refusing to import %s: it is writable by every user", e.Import)
	}
	return fmt.Sprintf("refusing to import %s: its directory %s is writable by every user", e.Import, e.Path)
}

// Hint says how to make the import acceptable.
func (e *WorldWritableError) Hint() string {
	return fmt.Sprintf("anyone could replace the code this loads into the kernel; remove the write permission for others (chmod o-w %s) or move the file to a directory only you can write", e.Path)
}

// CheckImportPermissions is the one rule every importer applies (bt check,
// bt-lsp and the runtime, through FileImporter): it refuses path when the
// file (following symbolic links) or its directory (the lexical parent,
// "." for a bare name) has the write bit for others set. This is bpftrace
// v0.26's rule exactly: the sticky bit does not make a directory
// acceptable (so nothing in /tmp can be imported), and only the immediate
// parent is looked at. A file that does not exist is not refused here
// (the caller reports it missing), but its directory still is.
func CheckImportPermissions(path string) error {
	if err := checkNotWorldWritable(path, path); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if dir == "" {
		dir = "."
	}
	return checkNotWorldWritable(path, dir)
}

func checkNotWorldWritable(imported, path string) error {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if st.Mode().Perm()&0o002 != 0 {
		return &WorldWritableError{Import: imported, Path: path}
	}
	return nil
}
