package clink

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// The object cache, in <cache>/clink/:
//
//	<base>.deps   the manifest: "sha256 path" of every file the last
//	              compile of this source read (besides the source itself
//	              and vmlinux.h, which the BTF identity stands for)
//	<full>.o      the object
//
// base hashes what is known before compiling (cache format, clang's
// identity, the flags, the BTF identity, the source's path and
// content); full hashes base and the manifest. A lookup reads the
// manifest, hashes the files it names and opens <full>.o: no clang runs.
// When an included file changed, the hashes differ, the lookup misses,
// and the compile writes a new manifest and object.

const cacheFormat = "bt-clink 1"

// hashFile returns the hex sha256 of a file's content.
func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// manifest is the dependency list of one compile, sorted by path.
type manifest []dep

type dep struct{ sum, path string }

func (m manifest) encode() []byte {
	var b bytes.Buffer
	for _, d := range m {
		fmt.Fprintf(&b, "%s %s\n", d.sum, d.path)
	}
	return b.Bytes()
}

func decodeManifest(b []byte) (manifest, bool) {
	var m manifest
	for line := range strings.SplitSeq(string(b), "\n") {
		if line == "" {
			continue
		}
		sum, path, ok := strings.Cut(line, " ")
		if !ok || len(sum) != 64 || path == "" {
			return nil, false
		}
		m = append(m, dep{sum, path})
	}
	return m, true
}

// current reports whether every file of m still has its recorded content.
func (m manifest) current() bool {
	for _, d := range m {
		if s, err := hashFile(d.path); err != nil || s != d.sum {
			return false
		}
	}
	return true
}

// fullKey is the object's key: the base key and the manifest.
func fullKey(base string, m manifest) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", base)
	h.Write(m.encode())
	return hex.EncodeToString(h.Sum(nil))
}

// parseDepFile reads clang's -MD output (make syntax: "target: dep dep
// \<newline> dep", spaces in names escaped with a backslash) and returns
// the dependencies, the first being the source itself.
func parseDepFile(b []byte) []string {
	// Join continuation lines, then split on unescaped blanks.
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	_, rest, ok := strings.Cut(text, ": ")
	if !ok {
		return nil
	}
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	sc := bufio.NewReader(strings.NewReader(rest))
	for {
		r, _, err := sc.ReadRune()
		if err != nil {
			break
		}
		switch {
		case r == '\\':
			next, _, err := sc.ReadRune()
			if err != nil {
				break
			}
			if next != ' ' && next != '#' {
				cur.WriteRune('\\')
			}
			cur.WriteRune(next)
		case r == '$':
			// make's "$$" is one '$'.
			if next, _, err := sc.ReadRune(); err == nil && next != '$' {
				cur.WriteRune('$')
				sc.UnreadRune()
			} else {
				cur.WriteRune('$')
			}
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// buildManifest hashes the dependencies of a compile, leaving out the
// source (its content is in the base key) and the files of skipDir (the
// generated vmlinux.h, which the BTF identity stands for).
func buildManifest(deps []string, source, skipDir string) (manifest, error) {
	seen := map[string]bool{}
	var m manifest
	for _, p := range deps {
		if !filepath.IsAbs(p) {
			if abs, err := filepath.Abs(p); err == nil {
				p = abs
			}
		}
		p = filepath.Clean(p)
		if seen[p] || p == source || (skipDir != "" && strings.HasPrefix(p, skipDir+string(filepath.Separator))) {
			continue
		}
		seen[p] = true
		sum, err := hashFile(p)
		if err != nil {
			return nil, err
		}
		m = append(m, dep{sum, p})
	}
	sort.Slice(m, func(i, j int) bool { return m[i].path < m[j].path })
	return m, nil
}

// cacheKeep is how many objects (and manifests) the cache keeps;
// compiling a new one removes the least recently used beyond it. A
// manifest whose object was removed only makes its lookup miss.
const cacheKeep = 256

// pruneCache removes the least recently used objects and manifests of
// dir beyond cacheKeep of each.
func pruneCache(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type file struct {
		path  string
		mtime int64
	}
	for _, suffix := range []string{".o", ".deps"} {
		var fs []file
		for _, e := range ents {
			if !strings.HasSuffix(e.Name(), suffix) {
				continue
			}
			if info, err := e.Info(); err == nil {
				fs = append(fs, file{filepath.Join(dir, e.Name()), info.ModTime().UnixNano()})
			}
		}
		if len(fs) <= cacheKeep {
			continue
		}
		sort.Slice(fs, func(i, j int) bool { return fs[i].mtime > fs[j].mtime })
		for _, f := range fs[cacheKeep:] {
			os.Remove(f.path)
		}
	}
}

func inode(st os.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ino
	}
	return 0
}
