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
		_ = writeFileAtomic(path, []byte(id)) // only a cache
	}
	return id, nil
}
