package clink

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/cfront"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/btfindex"
	"github.com/bt-tools/bt/internal/atomicfile"
)

// Kernel is the kernel BTF imported C is compiled against
// (*btfindex.Index implements it).
type Kernel interface {
	// Identity names the BTF; "" when there is none.
	Identity() string
	// Spec returns the vmlinux BTF (module "").
	Spec(module string) (*btf.Spec, error)
	// VmlinuxHeaderFile returns the path of the kernel's vmlinux.h,
	// kept in dir per BTF identity and written there when missing.
	VmlinuxHeaderFile(dir string) (string, error)
}

// Options configure a Compiler.
type Options struct {
	// Clang is the --clang option: "" looks at $BT_CLANG, then PATH.
	Clang string
	// CacheDir is bt's cache directory ("" : btfindex.CacheDir()); objects
	// live in its clink subdirectory, vmlinux.h files next to the
	// checker's (vmlinux-<identity>.h).
	CacheDir string
	// Kernel supplies vmlinux.h and BPFTRACE_HAVE_BTF; nil compiles
	// without kernel types.
	Kernel Kernel
	// IncludeDirs are extra -I directories.
	IncludeDirs []string
	// Timeout bounds one clang run (0: two minutes).
	Timeout time.Duration
}

// Compiler compiles imported BPF C to cached objects. It is safe for
// concurrent use.
type Compiler struct {
	opts Options

	mu       sync.Mutex
	clang    string // found on first use
	clangID  string
	cacheDir string

	runs atomic.Int64
}

// NewCompiler returns a compiler. Nothing is looked up before the first
// Compile, so a program without C never needs clang.
func NewCompiler(opts Options) *Compiler {
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Minute
	}
	return &Compiler{opts: opts}
}

// ClangRuns is how many times this compiler ran clang to compile.
func (c *Compiler) ClangRuns() int64 { return c.runs.Load() }

// Object is a compiled C file.
type Object struct {
	Source string // the .bpf.c, absolute
	File   string // the object in the cache
	Cached bool   // found in the cache: clang did not run
}

// setup finds clang and the cache directory once.
func (c *Compiler) setup() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.clang != "" {
		return nil
	}
	dir := c.opts.CacheDir
	if dir == "" {
		var err error
		if dir, err = btfindex.CacheDir(); err != nil {
			return fmt.Errorf("no cache directory for compiled C: %w", err)
		}
	}
	clang, err := findClangCached(c.opts.Clang, filepath.Join(dir, "clink"))
	if err != nil {
		return err
	}
	id, err := clangID(clang, filepath.Join(dir, "clink"))
	if err != nil {
		return err
	}
	c.clang, c.clangID, c.cacheDir = clang, id, dir
	return nil
}

// identity is the BTF identity compiles are keyed by.
func (c *Compiler) identity() string {
	if c.opts.Kernel == nil {
		return ""
	}
	return c.opts.Kernel.Identity()
}

// args are clang's flags, without the dependency, output and input
// files. They are part of the cache key.
func (c *Compiler) args(incDir, srcDir string) []string {
	a := []string{"-target", "bpf", "-mcpu=v3", "-O2", "-g", "-c",
		// One section per function: cilium's reader then exposes every
		// function, not only those called from a program section.
		"-ffunction-sections",
		"-fno-color-diagnostics", "-fno-caret-diagnostics", "-fdiagnostics-show-option",
		"-Wno-unknown-attributes",
		// What bt check defines when it reads the same C.
		"-D__BPFTRACE__", "-D__TARGET_ARCH_" + targetArch()}
	if c.identity() != "" {
		a = append(a, "-DBPFTRACE_HAVE_BTF")
	}
	if incDir != "" {
		a = append(a, "-I", incDir)
	}
	a = append(a, "-iquote", srcDir)
	for _, d := range c.opts.IncludeDirs {
		if abs, err := filepath.Abs(d); err == nil {
			d = abs // clang runs in a temporary directory
		}
		a = append(a, "-I", d)
	}
	if d := multiarchDir(); d != "" {
		a = append(a, "-idirafter", d)
	}
	return a
}

// Compile compiles the BPF C file at path, or finds it in the cache.
// A compile error is returned as diagnostics (diags.HasErrors(), no
// object); err is for everything else (no clang, an unreadable file, a
// cache that cannot be written).
func (c *Compiler) Compile(path string) (obj *Object, diags diag.List, err error) {
	k, err := c.key(path)
	if err != nil {
		return nil, nil, err
	}
	if obj := k.cached(); obj != nil {
		return obj, nil, nil
	}
	path, text, incDir, args, srcSum, base, dir, manifestPath := k.path, k.text, k.incDir, k.args, k.srcSum, k.base, k.dir, k.manifestPath

	if incDir != "" {
		if err := c.writeVmlinux(incDir); err != nil {
			return nil, nil, fmt.Errorf("vmlinux.h for %s: %w", path, err)
		}
	}
	tmp, err := os.MkdirTemp("", "bt-clink-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	depFile := filepath.Join(tmp, "out.d")
	outFile := filepath.Join(tmp, "out.o")
	argv := append(append([]string{}, args...), "-MD", "-MF", depFile, "-o", outFile, path)
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.clang, argv...)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	c.runs.Add(1)
	runErr := cmd.Run()
	diags = clangDiags(stderr.Bytes(), path, text, incDir)
	if runErr != nil {
		var ee *exec.ExitError
		if !errors.As(runErr, &ee) || ctx.Err() != nil {
			return nil, diags, fmt.Errorf("running %s: %w", c.clang, errors.Join(runErr, ctx.Err()))
		}
		if !diags.HasErrors() {
			return nil, diags, fmt.Errorf("%s failed on %s: %s", filepath.Base(c.clang), path, strings.TrimSpace(stderr.String()))
		}
		return nil, diags, nil
	}
	// The object is filed under the content hashed above: make sure it is
	// what clang read.
	if now, err := os.ReadFile(path); err != nil || sha256.Sum256(now) != srcSum {
		return nil, diags, fmt.Errorf("%s changed while it was being compiled", path)
	}
	depText, err := os.ReadFile(depFile)
	if err != nil {
		return nil, diags, fmt.Errorf("clang wrote no dependency file: %w", err)
	}
	m, err := buildManifest(parseDepFile(depText), path, incDir)
	if err != nil {
		return nil, diags, err
	}
	objBytes, err := os.ReadFile(outFile)
	if err != nil {
		return nil, diags, err
	}
	objPath := filepath.Join(dir, fullKey(base, m)+".o")
	if err := atomicfile.Write(objPath, objBytes); err != nil {
		return nil, diags, err
	}
	// The manifest last: a reader that finds it finds the object too.
	if err := atomicfile.Write(manifestPath, m.encode()); err != nil {
		return nil, diags, err
	}
	pruneCache(dir)
	return &Object{Source: path, File: objPath}, diags, nil
}

// compileKey is what a compile of one file is filed under in the cache.
type compileKey struct {
	path, incDir, base, dir, manifestPath string
	text                                  []byte
	args                                  []string
	srcSum                                [sha256.Size]byte
}

// key reads the file at path and computes its cache key (no clang runs:
// clang's identity is remembered on disk).
func (c *Compiler) key(path string) (*compileKey, error) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := c.setup(); err != nil {
		return nil, err
	}
	// The directory holding vmlinux.h is named by the BTF identity; the
	// header itself is only needed (and written) when clang runs.
	incDir := ""
	if id := c.identity(); id != "" {
		incDir = filepath.Join(c.cacheDir, "clink", "include-"+id)
	}
	args := c.args(incDir, filepath.Dir(path))
	srcSum := sha256.Sum256(text)
	h := sha256.New()
	fmt.Fprintf(h, "%s\nclang %s\nbtf %s\nsource %s %x\n", cacheFormat, c.clangID, c.identity(), path, srcSum)
	for _, a := range args {
		fmt.Fprintf(h, "arg %s\n", a)
	}
	base := hex.EncodeToString(h.Sum(nil))
	dir := filepath.Join(c.cacheDir, "clink")
	return &compileKey{path: path, text: text, incDir: incDir, args: args, srcSum: srcSum,
		base: base, dir: dir, manifestPath: filepath.Join(dir, base+".deps")}, nil
}

// cached is the warm path: the manifest's files unchanged and the
// object there; nil otherwise.
func (k *compileKey) cached() *Object {
	b, err := os.ReadFile(k.manifestPath)
	if err != nil {
		return nil
	}
	m, ok := decodeManifest(b)
	if !ok || !m.current() {
		return nil
	}
	objPath := filepath.Join(k.dir, fullKey(k.base, m)+".o")
	if _, err := os.Stat(objPath); err != nil {
		return nil
	}
	// Recently used entries survive pruning.
	now := time.Now()
	_ = os.Chtimes(objPath, now, now)
	_ = os.Chtimes(k.manifestPath, now, now)
	return &Object{Source: k.path, File: objPath, Cached: true}
}

// Cached finds the object of the C file at path in the cache without
// compiling: nil when clang would have to run (the file or something it
// includes changed, or it never compiled). It needs clang's identity,
// which is remembered on disk after the first run.
func (c *Compiler) Cached(path string) (*Object, error) {
	k, err := c.key(path)
	if err != nil {
		return nil, err
	}
	return k.cached(), nil
}

// Load reads the C files a program imports as Libraries, tagged c0, c1,
// ... in order: a .bpf.c is compiled (or found in the cache), a .bpf.o
// read as it is, a header skipped (it only declares). Compile errors are
// returned as diagnostics, and no library for that file.
func (c *Compiler) Load(paths []string) ([]*Library, diag.List, error) {
	var libs []*Library
	var diags diag.List
	for _, p := range paths {
		tag := fmt.Sprintf("c%d", len(libs))
		switch {
		case strings.HasSuffix(p, ".bpf.o"):
			lib, err := OpenLibrary(p, p, tag)
			if err != nil {
				return nil, diags, err
			}
			libs = append(libs, lib)
		case strings.HasSuffix(p, ".bpf.c"):
			obj, ds, err := c.Compile(p)
			diags = append(diags, ds...)
			if err != nil {
				return nil, diags, err
			}
			if obj == nil {
				continue
			}
			lib, err := OpenLibrary(obj.File, obj.Source, tag)
			if err != nil {
				return nil, diags, err
			}
			libs = append(libs, lib)
		}
	}
	return libs, diags, nil
}

var linkSeq atomic.Int64

// writeVmlinux makes inc hold the kernel's vmlinux.h: a link to the
// cached vmlinux-<identity>.h that bt check also uses, written from BTF
// when neither has it yet.
func (c *Compiler) writeVmlinux(inc string) error {
	hdr := filepath.Join(inc, "vmlinux.h")
	if st, err := os.Stat(hdr); err == nil && st.Size() > 0 {
		return nil
	}
	shared, err := c.opts.Kernel.VmlinuxHeaderFile(c.cacheDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(inc, 0o755); err != nil {
		return err
	}
	// A unique temporary name: compilers of one process may link at once.
	tmp := hdr + fmt.Sprintf(".%d.%d.tmp", os.Getpid(), linkSeq.Add(1))
	os.Remove(tmp)
	if err := os.Symlink(filepath.Join("..", "..", filepath.Base(shared)), tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, hdr); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

var diagLine = regexp.MustCompile(`^(.+?):(\d+):(\d+): (fatal error|error|warning|note): (.*)$`)

// clangDiags turns clang's stderr into diagnostics in the C source (or
// the header an error is in). Notes attach to the diagnostic before
// them.
func clangDiags(stderr []byte, path string, text []byte, incDir string) diag.List {
	var out diag.List
	files := map[string]*source.File{path: source.NewFile(path, text)}
	file := func(p string) *source.File {
		if f, ok := files[p]; ok {
			return f
		}
		b, _ := os.ReadFile(p)
		name := p
		if incDir != "" && strings.HasPrefix(p, incDir+string(filepath.Separator)) {
			name = strings.TrimPrefix(p, incDir+string(filepath.Separator))
		}
		f := source.NewFile(name, b)
		files[p] = f
		return f
	}
	last := -1
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	sc.Buffer(make([]byte, 1<<16), 1<<22)
	for sc.Scan() {
		m := diagLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		p := m[1]
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(path), p)
		}
		loc := locate(file(p), line, col)
		msg := m[5]
		if m[4] == "note" {
			if last >= 0 {
				out[last].Notes = append(out[last].Notes, diag.Note{Location: loc, Message: msg})
			}
			continue
		}
		sev, code := diag.Error, cfront.CodeCError
		if m[4] == "warning" {
			sev, code = diag.Warning, cfront.CodeCWarning
		}
		if strings.Contains(msg, "' file not found") {
			code = cfront.CodeIncludeNotFound
		}
		out.Add(diag.Diagnostic{Severity: sev, Code: code, Location: loc, Message: msg})
		last = len(out) - 1
	}
	return out
}

// locate turns a 1-based line and byte column into a location covering
// the identifier or number there (one byte otherwise).
func locate(f *source.File, line, col int) diag.Location {
	if line < 1 || line > f.LineCount() {
		return diag.Location{File: f}
	}
	start := int(f.LineStart(line)) + col - 1
	start = max(0, min(start, len(f.Text)))
	end := start
	for end < len(f.Text) && isIdentByte(f.Text[end]) {
		end++
	}
	if end == start && end < len(f.Text) && f.Text[end] != '\n' {
		end++
	}
	return diag.Location{File: f, Span: source.Span{Start: source.Pos(start), End: source.Pos(end)}}
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// targetArch is the kernel's name for the host architecture, as libbpf's
// __TARGET_ARCH_* macros spell it.
func targetArch() string {
	if a, ok := map[string]string{
		"amd64": "x86", "386": "x86", "arm64": "arm64", "arm": "arm", "s390x": "s390",
		"ppc64": "powerpc", "ppc64le": "powerpc", "riscv64": "riscv", "mips64": "mips",
		"mips64le": "mips", "loong64": "loongarch",
	}[runtime.GOARCH]; ok {
		return a
	}
	return runtime.GOARCH
}

// multiarchDir is Debian's multiarch include directory (for <asm/...>
// headers that <linux/types.h> includes), searched after the others.
func multiarchDir() string {
	m, ok := map[string]string{
		"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu", "s390x": "s390x-linux-gnu",
		"ppc64le": "powerpc64le-linux-gnu", "riscv64": "riscv64-linux-gnu", "386": "i386-linux-gnu",
		"arm": "arm-linux-gnueabihf", "loong64": "loongarch64-linux-gnu", "mips64le": "mips64el-linux-gnuabi64",
	}[runtime.GOARCH]
	if !ok {
		return ""
	}
	d := "/usr/include/" + m
	if st, err := os.Stat(d); err == nil && st.IsDir() {
		return d
	}
	return ""
}
