package cfront

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
)

// CTextOf converts the parser's C declarations to CText.
func CTextOf(decls []*ast.CDecl) []CText {
	out := make([]CText, len(decls))
	for i, d := range decls {
		out[i] = CText{Pos: d.Lo, Text: d.Text}
	}
	return out
}

// ParseScriptC reads the C part of a script: its preprocessor lines and
// type definitions, in order. f is the script; positions in the result
// are positions in f.
func ParseScriptC(f *source.File, decls []CText, opt Options) (*Unit, error) {
	c := scriptBuf(decls)
	origDir := ""
	if d := filepath.Dir(f.Name); f.Name != "" && d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			origDir, _ = filepath.Abs(d)
		}
	}
	return parse("script", f, c, origDir, opt)
}

// ParseFile reads an imported C file or header from disk.
func ParseFile(path string, opt Options) (*Unit, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseSource(path, text, opt)
}

// ParseSource reads an imported C file whose current text is text (an
// editor's unsaved buffer); path locates the headers it includes with
// "...".
func ParseSource(path string, text []byte, opt Options) (*Unit, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	f := source.NewFile(path, text)
	return parse("file", f, fileBuf(string(text)), filepath.Dir(abs), opt)
}

func parse(kind string, f *source.File, c cbuf, origDir string, opt Options) (*Unit, error) {
	version := ""
	var clangErr error
	if opt.Clang != "" {
		version, clangErr = clangVersion(&opt)
	}
	useClang := opt.Clang != "" && clangErr == nil
	var key string
	if !opt.NoCache {
		key = cacheKey(kind, f, c, origDir, &opt, version, useClang)
		if u := memCache.get(key); u != nil {
			return u.rebind(f), nil
		}
	}
	u := newUnit(f)
	var deps map[string]bool
	if useClang {
		u.UsedClang = true
		u.ClangVersion = version
		j, err := runClangJob(u, c, origDir, &opt)
		if err != nil {
			return nil, err
		}
		deps = j
	} else {
		if clangErr != nil {
			u.Diags.Add(diag.Diagnostic{Severity: diag.Warning, Code: CodeCUnsupported,
				Location: diag.Location{File: f, Span: source.Span{}},
				Message:  fmt.Sprintf("cannot run clang (%v); reading C with the built-in reader", clangErr)})
		}
		runFallback(u, c, opt)
	}
	u.Diags.Sort()
	if key != "" {
		memCache.put(key, u, deps)
	}
	return u, nil
}

func runClangJob(u *Unit, c cbuf, origDir string, opt *Options) (map[string]bool, error) {
	deps := map[string]bool{}
	err := runClangInto(u, c, origDir, opt, deps)
	return deps, err
}

// rebind returns a copy of a cached unit whose positions refer to f
// (same name and text as the file it was made from).
func (u *Unit) rebind(f *source.File) *Unit {
	cp := *u
	cp.Cached = true
	if u.File == f {
		return &cp
	}
	old := u.File
	cp.File = f
	cp.Diags = make(diag.List, len(u.Diags))
	for i, d := range u.Diags {
		if d.File == old {
			d.File = f
		}
		notes := make([]diag.Note, len(d.Notes))
		for k, n := range d.Notes {
			if n.File == old {
				n.File = f
			}
			notes[k] = n
		}
		d.Notes = notes
		cp.Diags[i] = d
	}
	return &cp
}

// The in-memory cache.

type stamp struct {
	size  int64
	mtime int64
}

func stampOf(path string) (stamp, bool) {
	st, err := os.Stat(path)
	if err != nil {
		return stamp{}, false
	}
	return stamp{st.Size(), st.ModTime().UnixNano()}, true
}

type cacheEntry struct {
	u    *Unit
	deps map[string]stamp
	used int64
}

type unitCache struct {
	mu   sync.Mutex
	m    map[string]*cacheEntry
	tick int64
}

const cacheCap = 64

var memCache = &unitCache{m: map[string]*cacheEntry{}}

func (c *unitCache) get(key string) *Unit {
	c.mu.Lock()
	e := c.m[key]
	c.mu.Unlock()
	if e == nil {
		return nil
	}
	// A header clang read changed: the entry is stale.
	for p, s := range e.deps {
		if now, ok := stampOf(p); !ok || now != s {
			c.mu.Lock()
			delete(c.m, key)
			c.mu.Unlock()
			return nil
		}
	}
	c.mu.Lock()
	c.tick++
	e.used = c.tick
	c.mu.Unlock()
	return e.u
}

func (c *unitCache) put(key string, u *Unit, deps map[string]bool) {
	e := &cacheEntry{u: u, deps: map[string]stamp{}}
	for p := range deps {
		if s, ok := stampOf(p); ok {
			e.deps[p] = s
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tick++
	e.used = c.tick
	c.m[key] = e
	if len(c.m) > cacheCap {
		oldest, oldestKey := int64(1<<62), ""
		for k, v := range c.m {
			if v.used < oldest {
				oldest, oldestKey = v.used, k
			}
		}
		delete(c.m, oldestKey)
	}
}

// ResetCache empties the in-memory cache.
func ResetCache() {
	memCache.mu.Lock()
	memCache.m = map[string]*cacheEntry{}
	memCache.mu.Unlock()
}

// cacheKey hashes everything a result depends on, but the contents of
// headers on disk, which are checked by size and time on each hit.
func cacheKey(kind string, f *source.File, c cbuf, origDir string, opt *Options, version string, useClang bool) string {
	h := sha256.New()
	w := func(parts ...string) {
		for _, p := range parts {
			fmt.Fprintf(h, "%d:%s;", len(p), p)
		}
	}
	w("cfront-v1", kind, f.Name, c.text, origDir, fmt.Sprint(useClang), version)
	if useClang {
		w(opt.Clang)
	}
	for _, s := range c.segs {
		w(fmt.Sprint(s.bufOff, s.origOff, s.n))
	}
	w(fmt.Sprint(opt.IncludeDirs), fmt.Sprint(opt.SystemIncludeDirs), fmt.Sprint(opt.ForceIncludes),
		opt.Target, fmt.Sprint(opt.NoBTF), fmt.Sprint(opt.PrecompileMin))
	for _, k := range sortedKeys(opt.Defines) {
		w("D", k, opt.Defines[k])
	}
	for _, k := range sortedKeys(opt.VirtualHeaders) {
		sum := sha256.Sum256(opt.VirtualHeaders[k])
		w("V", k, hex.EncodeToString(sum[:]))
	}
	for _, k := range sortedKeys(opt.HeaderFiles) {
		s, _ := stampOf(opt.HeaderFiles[k])
		w("H", k, opt.HeaderFiles[k], fmt.Sprint(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DefaultCacheDir is the on-disk cache directory under the user's cache
// directory ($XDG_CACHE_HOME/bt/cfront), or "" when there is none.
func DefaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "bt", "cfront")
}
