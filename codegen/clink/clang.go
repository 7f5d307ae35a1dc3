package clink

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/bt-tools/bt/analysis/cfront"
	"github.com/bt-tools/bt/internal/atomicfile"
)

// ClangEnv is the environment variable naming the clang to use when no
// --clang flag does.
const ClangEnv = "BT_CLANG"

// ErrNoClang is returned (wrapped) when no clang can be found.
var ErrNoClang = errors.New("clang not found")

// FindClang returns the clang to run: flag (the --clang option) when set,
// else $BT_CLANG, else the first of clang, clang-30 ... clang-14 in PATH.
// Without one the error is a single line saying what to install.
func FindClang(flag string) (string, error) {
	name, from := flag, "--clang"
	if name == "" {
		name, from = os.Getenv(ClangEnv), "$"+ClangEnv
	}
	if name != "" {
		p, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("%w: %s names %q, which is not an executable", ErrNoClang, from, name)
		}
		return p, nil
	}
	if p := cfront.FindClang(); p != "" {
		return p, nil
	}
	return "", fmt.Errorf("%w: importing BPF C needs clang with the BPF target; install it (Debian/Ubuntu: apt-get install clang libbpf-dev) or name one with --clang or $%s", ErrNoClang, ClangEnv)
}

// clangID identifies a clang executable without running it: its
// resolved path, size, modification time and inode, plus the first line
// of its --version output, which is run once per executable and kept in
// the cache directory.
func clangID(clang, cacheDir string) (string, error) {
	real, err := filepath.EvalSymlinks(clang)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	stamp := fmt.Sprintf("%s size %d mtime %d ino %d", real, st.Size(), st.ModTime().UnixNano(), inode(st))
	sum := sha256.Sum256([]byte(stamp))
	path := ""
	if cacheDir != "" {
		path = filepath.Join(cacheDir, fmt.Sprintf("clang-%x.txt", sum[:12]))
		if b, err := os.ReadFile(path); err == nil && bytes.HasPrefix(b, []byte(stamp+"\n")) {
			return string(b), nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, clang, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", clang, err)
	}
	version, _, _ := strings.Cut(string(out), "\n")
	id := stamp + "\n" + strings.TrimSpace(version) + "\n"
	if path != "" {
		_ = atomicfile.Write(path, []byte(id)) // only a cache
	}
	return id, nil
}

// findClangCached is FindClang(flag) with the PATH search remembered in
// dir: scanning PATH for clang and its versioned names costs a few
// hundred stat calls, a noticeable part of a warm start. The record
// holds $PATH and the modification time of each of its directories
// (which changes when a file is added to, removed from or renamed in
// it); while they match, the recorded clang is the one a search would
// find.
func findClangCached(flag, dir string) (string, error) {
	if flag != "" || os.Getenv(ClangEnv) != "" || dir == "" {
		return FindClang(flag)
	}
	stamp := pathStamp()
	record := filepath.Join(dir, "clang-path.txt")
	if b, err := os.ReadFile(record); err == nil {
		if rest, ok := strings.CutPrefix(string(b), stamp); ok {
			p := strings.TrimSuffix(rest, "\n")
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
		}
	}
	p, err := FindClang("")
	if err != nil {
		return "", err
	}
	_ = atomicfile.Write(record, []byte(stamp+p+"\n")) // only a cache
	return p, nil
}

// pathStamp describes $PATH and its directories' modification times.
func pathStamp() string {
	var b strings.Builder
	path := os.Getenv("PATH")
	fmt.Fprintf(&b, "PATH %s\n", path)
	for _, d := range filepath.SplitList(path) {
		var mtime int64
		if st, err := os.Stat(d); err == nil {
			mtime = st.ModTime().UnixNano()
		}
		fmt.Fprintf(&b, "dir %d %s\n", mtime, d)
	}
	b.WriteString("clang ")
	return b.String()
}
