package kernelcheck

import (
	"debug/dwarf"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/btfindex"
)

// elfInfo is what uprobes and USDT probes need from one ELF file, read
// once per file version (size and modification time).
type elfInfo struct {
	size  int64
	mtime int64

	once     sync.Once
	funcs    []string // sorted
	funcsErr error
	usdt     []btfindex.USDTProbe
	usdtErr  error
	hasDWARF bool
	// dwarfPath is the file with the DWARF: path itself or its
	// separate debug file.
	dwarfPath string

	dwarfOnce sync.Once
	dwarf     *dwarfArgs
}

func (k *kernel) elf(path string) *elfInfo {
	st, err := os.Stat(path)
	var size, mtime int64
	if err == nil {
		size, mtime = st.Size(), st.ModTime().UnixNano()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if e, ok := k.elfs[path]; ok && e.size == size && e.mtime == mtime {
		return e
	}
	e := &elfInfo{size: size, mtime: mtime}
	k.elfs[path] = e
	return e
}

func (e *elfInfo) load(path string) {
	e.once.Do(func() {
		e.funcs, e.funcsErr = btfindex.ELFFunctions(path)
		e.usdt, e.usdtErr = btfindex.USDTProbes(path)
		e.dwarfPath = btfindex.DWARFFile(path)
		e.hasDWARF = e.dwarfPath != ""
	})
}

// debugInfo is the binary's DWARF, read on first use (nil without).
func (e *elfInfo) debugInfo(path string) *dwarfArgs {
	e.dwarfOnce.Do(func() {
		if di, err := btfindex.OpenDebugInfo(path); err == nil {
			e.dwarf = &dwarfArgs{di: di, conv: map[dwarf.Type]types.Type{}, sets: map[string]*argSet{}}
		}
	})
	return e.dwarf
}

// binaries resolves a uprobe or usdt path: a wildcard is globbed (no
// match is reported), a name is looked up like a program or library.
func (r *resolution) binaries(kind string) ([]string, bool) {
	path := r.parts.text(probes.RolePath)
	if wildcard(path) {
		ms, _ := filepath.Glob(path)
		var out []string
		for _, m := range ms {
			if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() {
				out = append(out, m)
			}
		}
		if len(out) == 0 {
			r.errorf(check.CodeProbeTarget, r.spanOf(probes.RolePath), "%s target %s matches no file", kind, path)
			return nil, false
		}
		return out, true
	}
	p, err := r.v.kernel.resolveBinary(path)
	if err != nil {
		r.errorf(check.CodeProbeTarget, r.spanOf(probes.RolePath), "%s target %s does not exist or is not executable", kind, path)
		return nil, false
	}
	return []string{p}, true
}

// binResult is a resolved uprobe target.
type binResult struct {
	path string
	err  error
}

// resolveBinary is btfindex.ResolveBinary with the answers for names (not paths)
// remembered: a script names "libc" in many attach points.
func (k *kernel) resolveBinary(target string) (string, error) {
	if strings.ContainsRune(target, '/') {
		return btfindex.ResolveBinary(target)
	}
	k.mu.Lock()
	r, ok := k.bins[target]
	k.mu.Unlock()
	if ok {
		return r.path, r.err
	}
	p, err := btfindex.ResolveBinary(target)
	k.mu.Lock()
	k.bins[target] = binResult{p, err}
	k.mu.Unlock()
	return p, err
}

// ---------------------------------------------------------------------
// uprobe, uretprobe

func (r *resolution) uprobe() {
	if r.ai.Provider == "uretprobe" {
		r.ai.Retval = types.Uint64
	}
	if !r.parts.has(probes.RolePath) || r.parts.text(probes.RolePath) == "*" {
		// uprobe:function with -p PID, or every mapped file: only known
		// when the script runs.
		return
	}
	paths, ok := r.binaries(r.ap.Provider)
	if !ok {
		return
	}
	r.ai.Binaries = paths
	k := r.v.kernel
	r.ai.Source = "elf"
	fn := r.parts.text(probes.RoleFunc)
	switch {
	case r.parts.has(probes.RoleAddress):
		for _, p := range paths {
			r.ai.Targets = append(r.ai.Targets, r.ap.Provider+":"+p+":"+r.parts.text(probes.RoleAddress))
		}
		return
	case r.parts.has(probes.RoleFile):
		for _, p := range paths {
			e := k.elf(p)
			e.load(p)
			if !e.hasDWARF {
				r.errorf(check.CodeProbeTarget, r.spanOf(probes.RoleFile), "a uprobe at a source location needs DWARF debug information, and %s has none", p)
				return
			}
			if r.parts.has(probes.RoleColumn) {
				r.errorf(check.CodeProbeTarget, r.spanOf(probes.RoleColumn), "bt attaches uprobes to source lines, not columns")
				return
			}
			da := e.debugInfo(p)
			if da == nil {
				r.errorf(check.CodeProbeTarget, r.spanOf(probes.RoleFile), "cannot read the DWARF debug information of %s", p)
				return
			}
			line, _ := strconv.Atoi(r.parts.text(probes.RoleLine))
			addrs, err := da.di.LineAddresses(r.parts.text(probes.RoleFile), line)
			if err != nil {
				r.errorf(check.CodeProbeNotFound, r.whole(), "DWARF error: %v", err)
				return
			}
			// The line's first instruction in each compile unit with code
			// for it, by address (the runtime attaches there).
			for _, a := range addrs {
				// In decimal, as bpftrace names such a probe.
				r.ai.Targets = append(r.ai.Targets, fmt.Sprintf("%s:%s:%d", r.ap.Provider, p, a))
			}
		}
		return
	case r.parts.has(probes.RoleLang):
		// C++ names match demangled symbols when attaching. A name with
		// "::" is quoted, so that the target parses back to one field.
		name := fn
		if strings.ContainsAny(name, ": ") {
			name = strconv.Quote(name)
		}
		for _, p := range paths {
			r.ai.Targets = append(r.ai.Targets, r.ap.Provider+":"+p+":"+r.parts.text(probes.RoleLang)+":"+name)
		}
		return
	}
	var sets []*argSet
	var setBins []string // the binary of each set
paths:
	for _, p := range paths {
		e := k.elf(p)
		e.load(p)
		if e.funcsErr != nil {
			r.errorf(check.CodeProbeTarget, r.spanOf(probes.RolePath), "cannot read the symbols of %s: %v", p, e.funcsErr)
			return
		}
		found := 0
		for _, s := range e.funcs {
			if match(fn, s) {
				t := r.ap.Provider + ":" + p + ":" + s
				if r.parts.has(probes.RoleOffset) {
					t += "+" + r.parts.text(probes.RoleOffset) // function+offset
				}
				r.ai.Targets = append(r.ai.Targets, t)
				// The DWARF of a separate debug file (libc's is megabytes)
				// is read only for a probe that reads args fields.
				if r.ai.Provider == "uprobe" && (e.dwarfPath == p || !e.hasDWARF || len(r.v.ArgsUsed[r.ap]) > 0 || r.v.firstOnly) {
					set := k.uprobeArgs(p, e, s)
					if r.v.firstOnly && set.described() {
						// FirstTargetArgs: this one alone.
						r.ai.Targets, sets, setBins = r.ai.Targets[len(r.ai.Targets)-1:], []*argSet{set}, []string{p}
						break paths
					}
					sets = append(sets, set)
					setBins = append(setBins, p)
				}
				found++
			}
		}
		if found == 0 && !wildcard(fn) && len(paths) == 1 {
			d := r.missing(check.CodeProbeNotFound, r.spanOf(probes.RoleFunc), "function %s is not a symbol of %s", fn, p)
			if d != nil {
				r.suggest(d, r.spanOf(probes.RoleFunc), func(s string) string { return r.ap.Provider + ":" + p + ":" + s }, btfindex.Suggest(fn, e.funcs))
			}
			return
		}
	}
	if len(r.ai.Targets) == 0 {
		r.missing(check.CodeNoProbeMatch, r.whole(), "%s matches no function", r.ap.Raw)
		return
	}
	if r.ai.Provider == "uprobe" && len(r.v.ArgsUsed[r.ap]) > 0 {
		r.refuseUprobeArgs(sets, setBins)
	}
	if len(sets) > 0 {
		r.setArgs(r.ap.Raw, sets)
		r.ai.Source = "elf"
		if sets[0].source == "dwarf" {
			r.ai.Source = "dwarf"
		}
	}
}

// uprobeRegArgs is how many integer arguments x86-64 passes in
// registers (di, si, dx, cx, r8, r9): a uprobe reads args from them.
const uprobeRegArgs = 6

// refuseUprobeArgs reports, as bpftrace does, a probe that uses args on
// a function without DWARF or with arguments passed on the stack (the
// first such target; its args become unknown so that no error follows
// from each field).
func (r *resolution) refuseUprobeArgs(sets []*argSet, bins []string) {
	for i, s := range sets {
		why := ""
		switch {
		case s.source == "elf":
			why = "no debuginfo found for " + bins[i]
		case s.typ != nil && len(s.args) > uprobeRegArgs:
			why = "'args' builtin is not supported for probes with stack-passed arguments."
		case s.typ != nil && s.regArgs < len(s.args):
			used := r.v.ArgsUsed[r.ap]
			for j, a := range s.args {
				if j >= s.regArgs && (used[a.Name] || used["*"]) {
					why = fmt.Sprintf("bt reads args from the integer argument registers by position, and %s is not there (a floating-point or by-value struct parameter comes before or at it)", a.Name)
					break
				}
			}
		}
		if why != "" {
			r.errorf(check.CodeNotInProbe, r.whole(), "Could not parse arguments of \"%s\": %s", r.ap.Raw, why)
			sets[i] = &argSet{source: s.source, unknown: why}
			return
		}
	}
}

// uprobeArgs are a user function's parameters from the binary's DWARF.
// Without DWARF a uprobe has no args (bpftrace refuses `args` there);
// when DWARF does not describe the function they are unknown.
func (k *kernel) uprobeArgs(path string, e *elfInfo, fn string) *argSet {
	name := "uprobe:" + path + ":" + fn + "_args"
	if !e.hasDWARF {
		st := types.NewStruct(name, false, 0, nil)
		st.SetFields(nil)
		return &argSet{typ: st, source: "elf"}
	}
	da := e.debugInfo(path)
	if da == nil {
		return &argSet{source: "dwarf"}
	}
	return da.args(fn, name)
}

// UserType looks up a type by its C spelling in the DWARF of uprobe
// binaries: the first that describes it.
func (k *kernel) UserType(binaries []string, name string) (types.Type, bool) {
	for _, p := range binaries {
		e := k.elf(p)
		e.load(p)
		if !e.hasDWARF {
			continue
		}
		if da := e.debugInfo(p); da != nil {
			if t, ok := da.typ(name); ok {
				return t, true
			}
		}
	}
	return nil, false
}

// ---------------------------------------------------------------------
// usdt

func (r *resolution) usdt() {
	if path := r.parts.text(probes.RolePath); !r.parts.has(probes.RolePath) || path == "*" || path == "" {
		return // usdt:name or usdt::ns:name with -p PID, or every process
	}
	paths, ok := r.binaries("usdt")
	if !ok {
		return
	}
	k := r.v.kernel
	r.ai.Source = "elf"
	ns, name := r.parts.text(probes.RoleNamespace), r.parts.text(probes.RoleName)
	for _, p := range paths {
		e := k.elf(p)
		e.load(p)
		if e.usdtErr != nil {
			r.errorf(check.CodeProbeTarget, r.spanOf(probes.RolePath), "cannot read the USDT probes of %s: %v", p, e.usdtErr)
			return
		}
		for _, u := range e.usdt {
			if (ns == "" || match(ns, u.Provider)) && match(name, u.Name) {
				r.ai.Targets = append(r.ai.Targets, "usdt:"+p+":"+u.Provider+":"+u.Name)
			}
		}
	}
	r.ai.Targets = sortedUnique(r.ai.Targets)
	if len(r.ai.Targets) > 0 {
		return
	}
	want := name
	if ns != "" {
		want = ns + ":" + name
	}
	if wildcard(ns) || wildcard(name) || len(paths) > 1 {
		r.missing(check.CodeNoProbeMatch, r.whole(), "%s matches no USDT probe", r.ap.Raw)
		return
	}
	var names []string
	for _, u := range k.elf(paths[0]).usdt {
		names = append(names, u.Provider+":"+u.Name)
	}
	d := r.missing(check.CodeProbeNotFound, r.spanOf(probes.RoleName), "USDT probe %s does not exist in %s", want, paths[0])
	if d != nil && len(names) == 0 {
		d.Hint = paths[0] + " has no USDT probes"
	}
	span := r.spanOf(probes.RoleName)
	if r.parts.has(probes.RoleNamespace) {
		span.Start = r.parts.span(probes.RoleNamespace).Start
	}
	if d != nil {
		r.suggest(d, span, func(s string) string { return "usdt:" + paths[0] + ":" + s }, btfindex.Suggest(want, sortedUnique(names)))
	}
}

// ---------------------------------------------------------------------
// DWARF: typed uprobe arguments

// dwarfArgs turns one binary's DWARF (btfindex.DebugInfo) into typed
// uprobe arguments and named types, converting each DWARF type once so
// that the same C type is the same bpftrace type everywhere.
type dwarfArgs struct {
	mu   sync.Mutex
	di   *btfindex.DebugInfo
	conv map[dwarf.Type]types.Type
	sets map[string]*argSet
}

func (da *dwarfArgs) args(fn, name string) *argSet {
	da.mu.Lock()
	defer da.mu.Unlock()
	if s, ok := da.sets[fn]; ok {
		return s
	}
	s := &argSet{source: "dwarf"}
	da.sets[fn] = s
	params, ok := da.di.FuncParams(fn)
	if !ok {
		return s // not described: unknown
	}
	var fields []types.Field
	s.regArgs = len(params)
	for i, p := range params {
		if i < s.regArgs && !inIntegerRegister(p.Type) {
			s.regArgs = i
		}
		var t types.Type = types.Uint64
		decl := ""
		if p.Type != nil {
			t = userPointers(da.convert(p.Type))
			decl = strings.TrimSpace(btfindex.CTypeName(p.Type) + " " + p.Name)
		}
		s.args = append(s.args, check.ProbeArg{Name: p.Name, Type: t, Decl: decl, Offset: -1})
		if p.Name != "" {
			fields = append(fields, types.Field{Name: p.Name, Type: t, BitOffset: i * 64})
		}
	}
	st := types.NewStruct(name, false, 8*len(params), nil)
	st.SetFields(fields)
	st.Origin = "dwarf"
	s.typ = st
	return s
}

// inIntegerRegister reports whether the System V x86-64 ABI passes a
// parameter of DWARF type t in one integer register: integers, enums,
// booleans and pointers of at most 8 bytes.
func inIntegerRegister(t dwarf.Type) bool {
	for {
		switch u := t.(type) {
		case *dwarf.TypedefType:
			t = u.Type
		case *dwarf.QualType:
			t = u.Type
		case *dwarf.IntType, *dwarf.UintType, *dwarf.CharType, *dwarf.UcharType, *dwarf.BoolType, *dwarf.EnumType, *dwarf.PtrType:
			return t.Size() <= 8
		default:
			return false
		}
	}
}

func (da *dwarfArgs) typ(name string) (types.Type, bool) {
	t, ok := da.di.Type(name)
	if !ok {
		return nil, false
	}
	da.mu.Lock()
	defer da.mu.Unlock()
	return da.convert(t), true
}

// convert turns a DWARF type into a bpftrace type (called with da.mu
// held; struct members convert lazily under it).
func (da *dwarfArgs) convert(t dwarf.Type) types.Type {
	if t == nil {
		return types.Void{}
	}
	if got, ok := da.conv[t]; ok {
		return got
	}
	var out types.Type
	switch t := t.(type) {
	case *dwarf.VoidType:
		out = types.Void{}
	case *dwarf.BoolType:
		out = types.Bool{}
	case *dwarf.CharType:
		out = &types.Int{Bits: 8, Signed: true}
	case *dwarf.UcharType:
		out = types.Uint8
	case *dwarf.IntType:
		out = dwarfInt(t.ByteSize, true)
	case *dwarf.UintType:
		out = dwarfInt(t.ByteSize, false)
	case *dwarf.FloatType:
		out = dwarfInt(t.ByteSize, true)
	case *dwarf.PtrType:
		p := &types.Pointer{Space: types.AddrUser}
		da.conv[t] = p
		p.Elem = da.convert(t.Type)
		return p
	case *dwarf.QualType:
		out = da.convert(t.Type)
	case *dwarf.TypedefType:
		td := &types.Typedef{Name: t.Name}
		da.conv[t] = td
		td.Type = da.convert(t.Type)
		return td
	case *dwarf.ArrayType:
		n := int(t.Count)
		if n < 0 {
			n = 0
		}
		switch t.Type.(type) {
		case *dwarf.CharType, *dwarf.UcharType:
			out = &types.String{Len: n, CharArray: true}
		default:
			out = &types.Array{Elem: da.convert(t.Type), Len: n}
		}
	case *dwarf.EnumType:
		e := &types.Enum{Name: t.EnumName, Bytes: int(t.ByteSize)}
		for _, v := range t.Val {
			e.Values = append(e.Values, types.EnumValue{Name: v.Name, Value: v.Val})
		}
		out = e
	case *dwarf.StructType:
		members := t.Field
		st := types.NewStruct(t.StructName, t.Kind == "union", int(t.ByteSize), func() []types.Field {
			da.mu.Lock()
			defer da.mu.Unlock()
			fs := make([]types.Field, 0, len(members))
			for _, m := range members {
				f := types.Field{Name: m.Name, Type: da.convert(m.Type), BitOffset: int(m.ByteOffset) * 8}
				if m.BitSize > 0 {
					f.BitSize = int(m.BitSize)
					if m.DataBitOffset > 0 {
						f.BitOffset = int(m.DataBitOffset)
					}
				}
				fs = append(fs, f)
			}
			return fs
		})
		st.Origin = "dwarf"
		out = st
	default:
		// Functions, unspecified types: opaque bytes.
		out = types.Uint8
	}
	da.conv[t] = out
	return out
}

func dwarfInt(size int64, signed bool) types.Type {
	switch size {
	case 1, 2, 4, 8:
		return &types.Int{Bits: int(size) * 8, Signed: signed}
	}
	return &types.Array{Elem: types.Uint8, Len: int(size)}
}
