package check

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/cfront"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// CodeMissingInclude is a kernel header (<linux/...>, <net/...>) that is
// not installed: a warning when kernel BTF supplies the types, an error
// without BTF.
const CodeMissingInclude diag.Code = "missing-include"

func init() {
	diag.Register(diag.CodeInfo{Code: CodeMissingInclude, Severity: diag.Warning,
		Summary: "a kernel header the script includes is not installed: a warning when kernel BTF provides the types, an error without BTF"})
}

// CImport is a C file (.h or .bpf.c) a program imports, with the place
// that imports it (for a diagnostic when it cannot be read).
type CImport struct {
	Path string
	At   diag.Location
}

// CScopeConfig says how NewCScope reads C.
type CScopeConfig struct {
	// Kernel, when not nil, defines BPFTRACE_HAVE_BTF for the C; one
	// that implements KernelC with BTF supplies vmlinux.h for imported
	// BPF C and the kernel types the script's C uses without defining.
	Kernel Kernel
	// Clang is the clang to run: "" finds one in PATH, "none" reads C
	// with cfront's built-in fallback.
	Clang string
	// CacheDir keeps generated vmlinux.h files (per BTF identity) and
	// cfront's caches; "" is the defaults (the Kernel's cache directory,
	// $XDG_CACHE_HOME/bt unless it was opened with another).
	CacheDir string
	// NoCache keeps nothing on disk (vmlinux.h is generated in memory).
	NoCache bool
	// IncludeDirs are searched for #include (-I).
	IncludeDirs []string
	// ForceIncludes are headers read before the scripts' C, as if each
	// began with #include <NAME> (bpftrace --include).
	ForceIncludes []string
	// Sources are current texts of C files by path, for an editor's
	// unsaved buffers; other files are read from disk.
	Sources map[string][]byte
	// Runner runs clang (nil: os/exec); tests count invocations with it.
	Runner cfront.Runner
}

// cscopeAlwaysClang turns off the built-in reader's fast path (tests).
var cscopeAlwaysClang = false

// cScope is the CScope of a program: the union of its C units, first
// definition winning.
type cScope struct {
	types   map[string]types.Type
	funcs   map[string]*CFunc
	defines map[string]*CDefine
	maps    map[string]*CMap
	names   []string
	// script holds the types the scripts' own C defines (not imported
	// C): those win over the kernel's types of the same name.
	script map[string]bool
	// partial: some #include was not read (cfront's fallback, without
	// clang), so names the C defines may be missing.
	partial bool
}

// CScopeComplete reports whether cs holds all the C the script sees.
// Without clang, included headers are not read: their macros and types
// are unknown, and a caller should check without the scope (nil), which
// makes the checker lenient about the names C may define, rather than
// report them as unknown.
func CScopeComplete(cs CScope) bool {
	s, ok := cs.(*cScope)
	return !ok || !s.partial
}

func (s *cScope) Type(name string) (types.Type, bool) {
	t, ok := s.types[strings.Join(strings.Fields(name), " ")]
	return t, ok
}
func (s *cScope) Func(name string) (*CFunc, bool) { f, ok := s.funcs[name]; return f, ok }
func (s *cScope) DefinedByScript(name string) bool {
	return s.script[strings.Join(strings.Fields(name), " ")]
}
func (s *cScope) Define(name string) (*CDefine, bool) { d, ok := s.defines[name]; return d, ok }
func (s *cScope) Names() []string                     { return s.names }
func (s *cScope) Map(name string) (*CMap, bool)       { m, ok := s.maps[name]; return m, ok }
func (s *cScope) CMaps() []*CMap                      { return sortedCMaps(s.maps) }

// btfHeader is the virtual header holding the BTF types the script's C
// uses without defining them.
const btfHeader = "__bt_btf_types.h"

var includesVmlinux = regexp.MustCompile(`(?m)^[ \t]*#[ \t]*include[ \t]*[<"]vmlinux\.h[>"]`)

// NewCScope reads the C of a program: the C declarations of its scripts
// (files: the root and its imported .bt files) and the C files it imports.
// It returns the scope (nil when there is no C at all) and the C's
// diagnostics, positioned in the scripts and the imported files.
//
// With a Kernel that has BTF, BPFTRACE_HAVE_BTF is defined, an imported
// file that includes "vmlinux.h" gets one written from the kernel's BTF
// (kept on disk per BTF identity), kernel types the script's C embeds or
// names without defining come from BTF as bpftrace takes them (with
// clang), and a kernel header that is not installed is only a warning.
func NewCScope(files []*ast.File, cimports []CImport, cfg CScopeConfig) (CScope, diag.List) {
	b := &cBuilder{cfg: cfg}
	if kc, ok := cfg.Kernel.(KernelC); ok && kc.HasBTF() {
		b.kc = kc
	}
	b.opt = cfront.Options{NoBTF: cfg.Kernel == nil, IncludeDirs: cfg.IncludeDirs, ForceIncludes: cfg.ForceIncludes, NoCache: cfg.NoCache, Runner: cfg.Runner}
	switch cfg.Clang {
	case "":
		b.opt.Clang = findClang()
	case "none":
	default:
		b.opt.Clang = cfg.Clang
	}
	if !cfg.NoCache {
		if cfg.CacheDir != "" {
			b.opt.CacheDir = filepath.Join(cfg.CacheDir, "cfront")
		} else {
			b.opt.CacheDir = cfront.DefaultCacheDir()
		}
	}
	scope := &cScope{types: map[string]types.Type{}, funcs: map[string]*CFunc{}, defines: map[string]*CDefine{}, maps: map[string]*CMap{}, script: map[string]bool{}}
	any := false
	for i, f := range files {
		if f == nil {
			continue
		}
		var decls []*ast.CDecl
		for _, d := range f.Decls {
			if c, ok := d.(*ast.CDecl); ok {
				decls = append(decls, c)
			}
		}
		// Headers included with --include are the root script's C even
		// when it has none of its own (their macros and types are names
		// the script may use).
		if len(decls) == 0 && (i != 0 || len(cfg.ForceIncludes) == 0) {
			continue
		}
		any = true
		u := b.scriptUnit(f, decls)
		if u != nil {
			scope.add(u, true)
		}
	}
	for _, ci := range cimports {
		any = true
		if strings.HasSuffix(ci.Path, ".bpf.o") {
			b.objectUnit(scope, ci)
			continue
		}
		if u := b.fileUnit(ci); u != nil {
			scope.add(u, false)
		}
	}
	if !any {
		return nil, nil
	}
	for n := range scope.types {
		scope.names = append(scope.names, n)
	}
	for n := range scope.funcs {
		scope.names = append(scope.names, n)
	}
	for n := range scope.defines {
		scope.names = append(scope.names, n)
	}
	sort.Strings(scope.names)
	b.diags.Sort()
	return scope, b.diags
}

type cBuilder struct {
	cfg   CScopeConfig
	kc    KernelC // nil: no kernel BTF
	opt   cfront.Options
	diags diag.List
}

// scriptUnit reads one script's C part. With clang and BTF, types it
// uses but does not define are looked up in BTF and given to clang in a
// header read first, as bpftrace does; when that header clashes with the
// script's own definitions, the script is read without it.
func (b *cBuilder) scriptUnit(f *ast.File, decls []*ast.CDecl) *cfront.Unit {
	text := cfront.CTextOf(decls)
	opt := b.opt
	// bpftrace reads a script's C for the host (its headers, e.g.
	// <sys/socket.h>, know no BPF target); imported .bpf.c files are BPF.
	opt.Target = hostTriple()
	var all strings.Builder
	for _, d := range decls {
		all.WriteString(d.Text)
		all.WriteByte('\n')
	}
	if b.kc != nil && includesVmlinux.MatchString(all.String()) {
		if h, err := b.vmlinuxH(); err == nil {
			opt.VirtualHeaders = map[string][]byte{"vmlinux.h": h}
		} else {
			b.diags.Add(diag.Diagnostic{Severity: diag.Warning, Code: CodeMissingInclude,
				Location: diag.Location{File: f.Source, Span: declsSpan(decls)},
				Message:  fmt.Sprintf("cannot write vmlinux.h from BTF: %v", err)})
		}
	}
	if opt.Clang != "" && !cscopeAlwaysClang && len(opt.ForceIncludes) == 0 {
		// C without #include that the built-in reader takes without a
		// complaint (defines, plain type definitions, or only blocks
		// #ifndef BPFTRACE_HAVE_BTF hides) reads the same either way:
		// skip starting clang.
		fo := opt
		fo.Clang = ""
		if u, err := cfront.ParseScriptC(f.Source, text, fo); err == nil && len(u.Includes) == 0 && len(u.Diags) == 0 {
			b.addDiags(u)
			return u
		}
	}
	u, err := cfront.ParseScriptC(f.Source, text, opt)
	if err != nil {
		b.diags.Add(diag.Diagnostic{Severity: diag.Error, Code: cfront.CodeCError,
			Location: diag.Location{File: f.Source, Span: declsSpan(decls)},
			Message:  fmt.Sprintf("cannot read the script's C: %v", err)})
		return nil
	}
	if opt.Clang != "" && b.kc != nil && !b.redefinesKernelType(u) {
		roots := map[string]bool{}
		for round := 0; round < 3; round++ {
			added := false
			for _, name := range b.missingBTFTypes(u) {
				if !roots[name] {
					roots[name], added = true, true
				}
			}
			if !added {
				break
			}
			hdr, err := b.btfTypesHeader(roots)
			if err != nil {
				break
			}
			o2 := opt
			o2.VirtualHeaders = map[string][]byte{btfHeader: hdr}
			for k, v := range opt.VirtualHeaders {
				o2.VirtualHeaders[k] = v
			}
			o2.ForceIncludes = append(append([]string(nil), opt.ForceIncludes...), btfHeader)
			u2, err := cfront.ParseScriptC(f.Source, text, o2)
			if err != nil || hasRedefinition(u2) {
				break // clashes with the script's own types: without BTF
			}
			u = u2
		}
	}
	b.addDiags(u)
	return u
}

var (
	clangOnce sync.Once
	clangPath string
)

// findClang looks clang up in PATH once per process.
func findClang() string {
	clangOnce.Do(func() { clangPath = cfront.FindClang() })
	return clangPath
}

// declsSpan is where diagnostics about a script's C as a whole go: its
// first declaration, or the start of the script when it has none.
func declsSpan(decls []*ast.CDecl) source.Span {
	if len(decls) == 0 {
		return source.Span{}
	}
	return decls[0].Span()
}

// hostTriple is clang's target for this machine.
func hostTriple() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64-linux-gnu"
	case "arm64":
		return "aarch64-linux-gnu"
	case "s390x":
		return "s390x-linux-gnu"
	case "ppc64le":
		return "powerpc64le-linux-gnu"
	case "riscv64":
		return "riscv64-linux-gnu"
	case "loong64":
		return "loongarch64-linux-gnu"
	}
	return ""
}

// fileUnit reads an imported C file.
func (b *cBuilder) fileUnit(ci CImport) *cfront.Unit {
	text, ok := b.cfg.Sources[ci.Path]
	if !ok {
		var err error
		text, err = os.ReadFile(ci.Path)
		if err != nil {
			b.diags.Add(diag.Diagnostic{Severity: diag.Error, Code: CodeImport, Location: ci.At,
				Message: fmt.Sprintf("cannot read %s: %v", ci.Path, err)})
			return nil
		}
	}
	opt := b.opt
	if includesVmlinux.Match(text) && b.kc != nil {
		if h, err := b.vmlinuxH(); err == nil {
			opt.VirtualHeaders = map[string][]byte{"vmlinux.h": h}
		} else {
			b.diags.Add(diag.Diagnostic{Severity: diag.Error, Code: CodeMissingInclude, Location: ci.At,
				Message: fmt.Sprintf("%s includes vmlinux.h, which cannot be written from BTF: %v", ci.Path, err)})
		}
	}
	u, err := cfront.ParseSource(ci.Path, text, opt)
	if err != nil {
		b.diags.Add(diag.Diagnostic{Severity: diag.Error, Code: CodeImport, Location: ci.At,
			Message: fmt.Sprintf("cannot read C file %s: %v", ci.Path, err)})
		return nil
	}
	b.addDiags(u)
	return u
}

var (
	reUnknownType    = regexp.MustCompile(`unknown type name '([A-Za-z_][A-Za-z0-9_]*)'`)
	reIncompleteType = regexp.MustCompile(`(?:has incomplete (?:element )?type|incomplete definition of type) '((?:struct|union|enum) [A-Za-z_][A-Za-z0-9_]*)'`)
	reNotFound       = regexp.MustCompile(`'([^']+)' file not found`)
)

// redefinesKernelType reports whether the script's C itself (not a
// header it includes) defines a struct, union or enum that the kernel's
// BTF also has. bpftrace then takes no type from BTF for the script's
// C: the script must define every type its definitions use.
func (b *cBuilder) redefinesKernelType(u *cfront.Unit) bool {
	for name, t := range u.Types {
		if loc, ok := u.TypeLocs[name]; !ok || u.File == nil || loc.File != u.File.Name {
			continue
		}
		if !strings.HasPrefix(name, "struct ") && !strings.HasPrefix(name, "union ") && !strings.HasPrefix(name, "enum ") {
			continue
		}
		if st, ok := t.(*types.Struct); ok && st.Bytes == 0 && len(st.Fields()) == 0 {
			continue // only declared
		}
		if b.kc.HasCType(name) {
			return true
		}
	}
	return false
}

// missingBTFTypes lists the names (as C spells them) of types the C
// errors of u say are unknown or incomplete and that BTF defines.
func (b *cBuilder) missingBTFTypes(u *cfront.Unit) []string {
	var out []string
	for _, d := range u.Diags {
		if d.Severity != diag.Error || d.Code != cfront.CodeCError {
			continue
		}
		name := ""
		if m := reUnknownType.FindStringSubmatch(d.Message); m != nil {
			name = m[1]
		} else if m := reIncompleteType.FindStringSubmatch(d.Message); m != nil {
			name = m[1]
		}
		if name == "" {
			continue
		}
		if b.kc.HasCType(name) {
			out = append(out, name)
		}
	}
	return out
}

func hasRedefinition(u *cfront.Unit) bool {
	for _, d := range u.Diags {
		if d.Severity == diag.Error && (strings.Contains(d.Message, "redefinition of") || strings.Contains(d.Message, "conflicting types")) {
			return true
		}
	}
	return false
}

// btfTypesHeader writes the named BTF types and what they need.
func (b *cBuilder) btfTypesHeader(roots map[string]bool) ([]byte, error) {
	var names []string
	for n := range roots {
		names = append(names, n)
	}
	sort.Strings(names)
	return b.kc.TypesHeader(names, "__BT_BTF_TYPES_H__")
}

// kernelHeaderDirs are the first path components of kernel headers,
// whose types BTF has.
var kernelHeaderDirs = map[string]bool{
	"linux": true, "net": true, "asm": true, "asm-generic": true, "uapi": true, "generated": true,
	"trace": true, "crypto": true, "keys": true, "scsi": true, "sound": true, "video": true,
	"xen": true, "acpi": true, "drm": true, "kvm": true, "media": true, "rdma": true, "soc": true,
	"target": true, "vdso": true, "ras": true, "clocksource": true, "dt-bindings": true,
	"kunit": true, "hyperv": true, "misc": true, "pcmcia": true, "memory": true,
}

func isKernelHeader(name string) bool {
	if name == "vmlinux.h" {
		return true
	}
	first, _, found := strings.Cut(name, "/")
	return found && kernelHeaderDirs[first]
}

// addDiags takes u's diagnostics, turning a missing kernel header into
// missing-include: a warning when BTF has the types, an error without.
func (b *cBuilder) addDiags(u *cfront.Unit) {
	for _, d := range u.Diags {
		if d.Code == cfront.CodeIncludeNotFound {
			if m := reNotFound.FindStringSubmatch(d.Message); m != nil && isKernelHeader(m[1]) {
				d.Code = CodeMissingInclude
				if b.kc != nil {
					d.Severity = diag.Warning
					d.Message = fmt.Sprintf("kernel header <%s> is not installed; its types come from the kernel's BTF", m[1])
					d.Hint = "remove the #include, or wrap it in #ifndef BPFTRACE_HAVE_BTF"
				} else {
					d.Severity = diag.Error
					d.Message = fmt.Sprintf("kernel header <%s> is not installed, and without kernel BTF its types are unknown", m[1])
					d.Hint = "install the kernel headers, or check against a kernel with BTF (--btf FILE)"
				}
			}
		}
		if d.Severity == diag.Error && d.Code == cfront.CodeCError && !u.UsedClang && b.kc != nil &&
			(reUnknownType.MatchString(d.Message) || reIncompleteType.MatchString(d.Message) || strings.Contains(d.Message, "incomplete type")) {
			d.Hint = "with clang installed, kernel types the C uses are taken from BTF"
		}
		b.diags.Add(d)
	}
}

// add merges a unit into the scope; the first definition of a name wins.
// Types that came from BTF (the generated headers) are left to the
// Kernel, which knows them with their BTF IDs. script: the unit is a
// script's own C, not an imported file.
func (s *cScope) add(u *cfront.Unit, script bool) {
	if !u.UsedClang {
		for _, inc := range u.Includes {
			if !inc.Followed {
				s.partial = true
			}
		}
	}
	for name, t := range u.Types {
		if loc, ok := u.TypeLocs[name]; ok && (loc.File == btfHeader || loc.File == "vmlinux.h" || strings.HasSuffix(loc.File, "/vmlinux.h")) {
			continue
		}
		if _, dup := s.types[name]; !dup {
			s.types[name] = t
			if script {
				s.script[name] = true
			}
		}
	}
	for name, f := range u.Funcs {
		if _, dup := s.funcs[name]; dup {
			continue
		}
		cf := &CFunc{Name: f.Name, Result: f.Result, Variadic: f.Variadic, Loc: cLocation(f.Loc), Decl: f.Decl}
		for _, p := range f.Params {
			cf.Params = append(cf.Params, CParam{Name: p.Name, Type: p.Type})
		}
		s.funcs[name] = cf
	}
	for name, g := range u.Globals {
		if g.Section != ".maps" && !g.Extern {
			continue
		}
		m, ok := cMapFromDef(name, g.Type)
		if !ok {
			continue
		}
		// A definition wins over an extern declaration of another file.
		if old, dup := s.maps[name]; dup && (!old.Extern || g.Extern) {
			continue
		}
		m.Extern, m.Loc, m.Decl = g.Extern, cLocation(g.Loc), g.Decl
		if g.Extern {
			m.Section = g.Section
		}
		s.maps[name] = m
	}
	for name, d := range u.Defines {
		if _, dup := s.defines[name]; dup {
			continue
		}
		switch d.Kind {
		case cfront.DefineInt:
			s.defines[name] = &CDefine{Name: name, Value: d.Int, Loc: cLocation(d.Loc)}
		case cfront.DefineString:
			s.defines[name] = &CDefine{Name: name, Value: d.Str, Loc: cLocation(d.Loc)}
		}
	}
	for name, e := range u.Enumerators {
		if _, dup := s.defines[name]; dup {
			continue
		}
		if loc := e.Loc; loc.File == btfHeader || loc.File == "vmlinux.h" {
			continue
		}
		s.defines[name] = &CDefine{Name: name, Value: e.Value, Enum: e.Enum, Loc: cLocation(e.Loc)}
	}
}

func cLocation(l cfront.Location) Location {
	return Location{Path: l.File, Offset: l.Offset, Line: l.Line, Column: l.Col}
}

// vmlinuxH returns the kernel's vmlinux.h, kept on disk per BTF
// identity unless the config says NoCache.
func (b *cBuilder) vmlinuxH() ([]byte, error) {
	return b.kc.VmlinuxHeader(b.cfg.CacheDir, !b.cfg.NoCache)
}
