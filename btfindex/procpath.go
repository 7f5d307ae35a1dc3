package btfindex

import (
	"fmt"
	"os"
	"path/filepath"
)

// ProcessPath is the file a path names for process pid, which may live in
// another mount namespace: path itself when it is the same file there and
// here, else the path through the process's root (/proc/PID/root/PATH)
// when that exists, else path unchanged. Relative paths and pid 0 are
// returned unchanged.
func ProcessPath(pid int, path string) string {
	if pid <= 0 || !filepath.IsAbs(path) {
		return path
	}
	inProc := fmt.Sprintf("/proc/%d/root%s", pid, path)
	there, err := os.Stat(inProc)
	if err != nil {
		return path
	}
	here, err := os.Stat(path)
	if err == nil && os.SameFile(here, there) {
		return path
	}
	return inProc
}

// ProcessesRunning lists the processes whose executable is the file at
// path (the same file, whatever name it was started by).
func ProcessesRunning(path string) []int {
	want, err := os.Stat(path)
	if err != nil {
		return nil
	}
	var out []int
	for _, pid := range allPIDs() {
		if st, err := os.Stat(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && os.SameFile(st, want) {
			out = append(out, pid)
		}
	}
	return out
}
