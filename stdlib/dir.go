package stdlib

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
)

// The library on disk. Scripts import its modules (`import
// "stdlib/strings"`), editors open its sources (go to definition), and
// both need files: Dir writes the embedded library once per content into
// the user's cache, read-only, with each C file's object for this
// architecture next to it (bpf/syscalls.bpf.o is this machine's).

var (
	dirMu   sync.Mutex
	written = map[string]bool{} // directories this process wrote or checked
)

// Dir returns the directory holding the library's files, writing them
// when they are not there: $XDG_CACHE_HOME/bt/stdlib/<content hash> (or
// ~/.cache/...). Files are 0644 and directories 0755, so imports from it
// pass the world-writable check.
func Dir() (string, error) {
	base, dir, err := location()
	if err != nil {
		return "", err
	}
	cs, names, _, _ := snapshot() // computed by location
	dirMu.Lock()
	defer dirMu.Unlock()
	if written[dir] {
		if _, err := os.Stat(dir); err == nil {
			return dir, nil
		}
	}
	if err := writeDir(base, dir, cs, names); err != nil {
		return "", err
	}
	written[dir] = true
	return dir, nil
}

var (
	snapOnce  sync.Once
	snapFiles map[string][]byte
	snapNames []string
	snapSum   string
	snapErr   error
)

// location is where the library's files are, or are to be written:
// dir, named by the content hash, in the cache directory base.
func location() (base, dir string, err error) {
	if base, err = cacheBase(); err != nil {
		return "", "", err
	}
	_, _, sum, err := snapshot()
	if err != nil {
		return "", "", err
	}
	return base, filepath.Join(base, sum), nil
}

// snapshot is the library's files (contents), their sorted names and a
// hash of both, computed once.
func snapshot() (map[string][]byte, []string, string, error) {
	snapOnce.Do(func() {
		snapFiles, snapErr = contents()
		if snapErr != nil {
			return
		}
		for n := range snapFiles {
			snapNames = append(snapNames, n)
		}
		sort.Strings(snapNames)
		h := sha256.New()
		for _, n := range snapNames {
			fmt.Fprintf(h, "%s\x00%d\x00", n, len(snapFiles[n]))
			h.Write(snapFiles[n])
		}
		snapSum = hex.EncodeToString(h.Sum(nil))[:16]
	})
	return snapFiles, snapNames, snapSum, snapErr
}

// Module lists the files of the module name (import "stdlib/NAME"):
// NAME.bt and the object of bpf/NAME.bpf.c, those that exist, in that
// order; none when the library has no such module.
func Module(name string) ([]string, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	name = strings.TrimSuffix(name, ".bt")
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return nil, nil
	}
	var out []string
	for _, p := range []string{name + ".bt", path.Join("bpf", name+".bpf.o")} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			out = append(out, filepath.Join(dir, p))
		}
	}
	return out, nil
}

// Modules are the names import "stdlib/NAME" accepts, sorted.
func Modules() []string {
	var out []string
	for _, s := range Scripts() {
		out = append(out, strings.TrimSuffix(s, ".bt"))
	}
	for _, c := range CSources() {
		out = append(out, strings.TrimSuffix(path.Base(c), ".bpf.c"))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ObjectFor is the object to link for a C file of the library on disk
// (path in Dir): the .bpf.o next to it. ok is false for other files.
func ObjectFor(cpath string) (string, bool) {
	if !strings.HasSuffix(cpath, ".bpf.c") {
		return "", false
	}
	// Where the library is (or would be): nothing is written for a file
	// that is not in it.
	_, dir, err := location()
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(dir, cpath)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", false
	}
	obj := strings.TrimSuffix(cpath, ".bpf.c") + ".bpf.o"
	if _, err := os.Stat(obj); err != nil {
		return "", false
	}
	return obj, true
}

// contents are the files Dir writes, by slash path: the sources and, for
// each C file, its object for this architecture.
func contents() (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".bpf.o") {
			return err
		}
		b, err := files.ReadFile(p)
		out[p] = b
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, c := range CSources() {
		obj, err := Object(c)
		if err != nil {
			continue // no object for this architecture: the module has no C here
		}
		out[strings.TrimSuffix(c, ".bpf.c")+".bpf.o"] = obj
	}
	return out, nil
}

// writeDir makes dir (in base) hold the files cs.
func writeDir(base, dir string, cs map[string][]byte, names []string) error {
	if complete(dir, cs) {
		return nil
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return err
	}
	// Written aside and renamed into place: another bt may be reading
	// or writing the same directory.
	tmp, err := os.MkdirTemp(base, ".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	for _, n := range names {
		p := filepath.Join(tmp, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, cs[n], 0o644); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dir); err != nil && !complete(dir, cs) {
		if os.RemoveAll(dir) == nil && os.Rename(tmp, dir) == nil {
			return nil // a damaged copy replaced
		}
		return err
	}
	return nil
}

// complete says whether dir holds every file with its content.
func complete(dir string, cs map[string][]byte) bool {
	for n, want := range cs {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil || string(got) != string(want) {
			return false
		}
	}
	return true
}

func cacheBase() (string, error) {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "bt", "stdlib"), nil
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "bt", "stdlib"), nil
	}
	// No $HOME (bpftrace's test runner clears the environment): the
	// account's home directory.
	u, err := user.Current()
	if err != nil || u.HomeDir == "" {
		return "", fmt.Errorf("no cache directory: neither $XDG_CACHE_HOME nor $HOME is set, and the account has no home directory")
	}
	return filepath.Join(u.HomeDir, ".cache", "bt", "stdlib"), nil
}

// Files is the library on disk as the checker's importer uses it
// (check.StdlibFiles).
type Files struct{}

func (Files) Module(name string) ([]string, error)  { return Module(name) }
func (Files) Modules() []string                     { return Modules() }
func (Files) ObjectFor(cpath string) (string, bool) { return ObjectFor(cpath) }
