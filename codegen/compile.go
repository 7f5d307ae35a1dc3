package codegen

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// Names of the maps every object has.
const (
	ringBufName   = "bt_ringbuf"
	lostName      = "bt_lost"
	stateName     = "bt_state"
	probeNamesMap = "bt_probe_names"
	zerosName     = "bt_zeros"
)

// Defaults of the config keys the compiler reads.
const (
	defaultMaxMapKeys = 4096
	defaultRingBytes  = 1 << 20
	defaultMaxStrlen  = 1024
	// percpuValueLimit is the largest value a per-CPU map may hold.
	percpuValueLimit = 32768
)

// Compile lowers a checked program to BPF. A program with errors
// (check.Program.Diags) is not compiled: the result is nil with no
// diagnostics of its own. Constructs the compiler cannot lower yet are
// reported as codegen-unsupported diagnostics and the Object is nil.
func Compile(p *check.Program, opts Options) (obj *Object, diags diag.List) {
	c := &compiler{prog: p, opts: opts, maps: map[string]*MapLayout{}}
	defer func() {
		if r := recover(); r != nil {
			var f *source.File
			if len(p.Files) > 0 {
				f = p.Files[0].Source
			}
			diags = append(c.diags, diag.Diagnostic{
				Severity: diag.Error, Code: CodeInternal,
				Location: diag.Location{File: f, Span: source.Span{Start: 0, End: 0}},
				Message:  fmt.Sprintf("internal compiler error: %v", r),
				Hint:     "please report this with the script (at " + panicSite(string(debug.Stack())) + ")",
			})
			obj = nil
		}
	}()
	if p == nil {
		return nil, nil
	}
	if p.Diags.HasErrors() {
		// the checker's errors are the diagnostics: nothing to lower
		return nil, nil
	}
	c.compile()
	if c.diags.HasErrors() {
		return nil, c.diags
	}
	return c.obj, c.diags
}

// panicSite finds the compiler's source line that panicked in a stack
// trace, for the internal-error hint.
func panicSite(stack string) string {
	lines := strings.Split(stack, "\n")
	seenPanic := false
	for _, l := range lines {
		if strings.Contains(l, "panic(") {
			seenPanic = true
			continue
		}
		if seenPanic && strings.Contains(l, "/codegen/") && strings.Contains(l, ".go:") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// compiler holds what is shared by all programs of one Object.
type compiler struct {
	prog  *check.Program
	opts  Options
	obj   *Object
	diags diag.List
	maps  map[string]*MapLayout // by script name
	usesC bool                  // a program calls imported C (ccall.go)
	cMaps []*MapLayout          // maps the imported C defines (cmaps.go)

	maxStrlen  int
	maxMapKeys int
	zerosSize  int // size of the bt_zeros value, the largest block zeroed at once
	// storedStackLen: the program takes len() of a stored user or kernel
	// stack (indexed by Stack.User), so every such stack value also
	// records its depth (stackDepthShift).
	storedStackLen [2]bool
}

// config reads a setting (check.Program.Setting: the command line's or
// environment's, else the script's config block's).
func (c *compiler) config(key string) (any, bool) { return c.prog.Setting(c.opts.Config, key) }

func (c *compiler) configInt(key string, def int) int {
	return c.prog.SettingInt(c.opts.Config, key, def)
}

func (c *compiler) compile() {
	c.maxStrlen = c.configInt("max_strlen", defaultMaxStrlen)
	c.maxMapKeys = c.configInt("max_map_keys", defaultMaxMapKeys)
	c.storedStackLen = usesStoredStackLen(c.prog.Info)
	c.obj = &Object{
		Spec:    &ebpf.CollectionSpec{Maps: map[string]*ebpf.MapSpec{}, Programs: map[string]*ebpf.ProgramSpec{}},
		RingBuf: ringBufName,
		Lost:    lostName,
		State:   stateName,
		Program: c.prog,
	}
	spec := c.obj.Spec
	spec.Maps[ringBufName] = &ebpf.MapSpec{Name: ringBufName, Type: ebpf.RingBuf, MaxEntries: uint32(c.ringBytes())}
	spec.Maps[lostName] = &ebpf.MapSpec{Name: lostName, Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: 1}
	spec.Maps[stateName] = &ebpf.MapSpec{Name: stateName, Type: ebpf.Array, KeySize: 4, ValueSize: stateSize, MaxEntries: 1}
	for _, m := range c.prog.Maps {
		c.declareMap(m)
	}
	for i, p := range c.prog.Probes {
		c.compileProbe(i, p)
	}
	c.linkC()
	if c.zerosSize > 0 {
		spec.Maps[zerosName] = &ebpf.MapSpec{Name: zerosName, Type: ebpf.Array, KeySize: 4,
			ValueSize: uint32(c.zerosSize), MaxEntries: 1, Flags: flagRdonlyProg,
			Contents: []ebpf.MapKV{{Key: uint32(0), Value: make([]byte, c.zerosSize)}}}
	}
	if len(c.obj.ProbeNames) > 0 {
		c.probeNamesMap()
	}
}

const flagRdonlyProg = 1 << 7 // BPF_F_RDONLY_PROG

func (c *compiler) ringBytes() int {
	n := c.configInt("perf_rb_pages", 0) * 4096
	if n <= 0 {
		n = defaultRingBytes
	}
	// a power of two, as the kernel requires
	p := 4096
	for p < n {
		p <<= 1
	}
	return p
}

// probeNamesMap holds every probe name, padded to the longest, for
// programs with several targets that read `probe` by attach cookie.
func (c *compiler) probeNamesMap() {
	width := 1
	for _, n := range c.obj.ProbeNames {
		width = max(width, len(n)+1)
	}
	var kvs []ebpf.MapKV
	for i, n := range c.obj.ProbeNames {
		v := make([]byte, width)
		copy(v, n)
		kvs = append(kvs, ebpf.MapKV{Key: uint32(i), Value: v})
	}
	c.obj.Spec.Maps[probeNamesMap] = &ebpf.MapSpec{Name: probeNamesMap, Type: ebpf.Array, KeySize: 4,
		ValueSize: uint32(width), MaxEntries: uint32(len(kvs)), Flags: flagRdonlyProg, Contents: kvs}
}

// errorf reports an error at node n of file f.
func (c *compiler) errorf(f *source.File, n ast.Node, code diag.Code, format string, args ...any) *diag.Diagnostic {
	span := source.Span{Start: 0, End: 0}
	if n != nil {
		span = n.Span()
	}
	return c.diags.Errorf(f, span, code, format, args...)
}

// unsupported is the panic value that aborts compiling one program with
// a codegen-unsupported diagnostic.
type unsupported struct {
	node ast.Node
	msg  string
	// code, when set, makes this an error in the script or its
	// environment rather than a construct the compiler cannot lower:
	// that code and hint, no "yet" hint.
	code diag.Code
	hint string
}

// compileProbe compiles one action block: one program per group of
// attach points that share a program type and context.
func (c *compiler) compileProbe(index int, p *check.ProbeInfo) {
	file := fileOf(c.prog, p.Node)
	for gi, g := range groupAttach(p) {
		name := progName(index, gi, g.provider)
		prog := &Prog{SpecName: name, Probe: p, Provider: g.provider}
		for _, t := range g.targets {
			cookie := uint64(len(c.obj.ProbeNames))
			c.obj.ProbeNames = append(c.obj.ProbeNames, displayName(g, t))
			prog.Targets = append(prog.Targets, Target{Name: t, Cookie: cookie})
		}
		b := newBuilder(c, file, p, g, prog)
		ps, ok := b.build()
		if !ok {
			continue
		}
		c.obj.Spec.Programs[name] = ps
		c.obj.Progs = append(c.obj.Progs, prog)
	}
}

// aliasProviders are providers whose event names have aliases the
// checker expands (software:cpu is software:cpu-clock): bpftrace's probe
// builtin keeps the name as written.
var aliasProviders = map[string]bool{"software": true, "hardware": true}

// displayName is what the probe builtin yields for a target: the
// expanded name, except for an alias of a single, non-wildcard attach
// point, which keeps its written event name after the canonical
// provider.
func displayName(g attachGroup, target string) string {
	a := g.attach
	if !aliasProviders[g.provider] || a == nil || a.Node == nil || len(g.targets) != 1 || strings.Contains(a.Node.Raw, "*") {
		return target
	}
	raw := a.Node.Raw
	i := strings.IndexByte(raw, ':')
	if i < 0 {
		return target
	}
	return g.provider + raw[i:]
}

// attachGroup is the attach points of one action block compiled into
// one program.
type attachGroup struct {
	provider string
	attach   *check.AttachInfo // the first; args and types are shared
	targets  []string
}

// groupAttach splits a probe's attach points into programs: one per
// attach point (its wildcard matches share a context), except that
// several attach points of one provider without typed args share one.
func groupAttach(p *check.ProbeInfo) []attachGroup {
	var groups []attachGroup
	for _, a := range p.Attach {
		targets := a.Targets
		if len(targets) == 0 {
			if a.Provider == "begin" || a.Provider == "end" || a.Node == nil {
				targets = []string{a.Provider}
			} else {
				targets = []string{a.Node.Raw}
			}
		}
		merged := false
		for i := range groups {
			g := &groups[i]
			if g.provider == a.Provider && len(a.Args) == 0 && len(g.attach.Args) == 0 && a.Retval == nil && g.attach.Retval == nil && sharesProgram(a.Provider) {
				g.targets = append(g.targets, targets...)
				merged = true
				break
			}
		}
		if !merged {
			groups = append(groups, splitByOffsets(attachGroup{provider: a.Provider, attach: a, targets: append([]string(nil), targets...)})...)
		}
	}
	return groups
}

// splitByOffsets splits a wildcard's targets into one group per layout
// when a field common to them sits at different offsets: each group's
// AttachInfo copy has the fields at that group's offsets.
func splitByOffsets(g attachGroup) []attachGroup {
	a := g.attach
	varies := false
	for _, arg := range a.Args {
		if arg.OffsetVaries {
			if len(arg.TargetOffsets) != len(g.targets) {
				return []attachGroup{g} // not known per target: reads fail
			}
			varies = true
		}
	}
	if !varies {
		return []attachGroup{g}
	}
	var out []attachGroup
	index := map[string]int{}
	for ti, t := range g.targets {
		key := ""
		for _, arg := range a.Args {
			if arg.OffsetVaries {
				key += strconv.Itoa(arg.TargetOffsets[ti]) + ","
			}
		}
		gi, ok := index[key]
		if !ok {
			cp := *a
			cp.Args = make([]check.ProbeArg, len(a.Args))
			for i, arg := range a.Args {
				if arg.OffsetVaries {
					arg.Offset, arg.OffsetVaries, arg.TargetOffsets = arg.TargetOffsets[ti], false, nil
				}
				cp.Args[i] = arg
			}
			gi = len(out)
			index[key] = gi
			out = append(out, attachGroup{provider: g.provider, attach: &cp})
		}
		out[gi].targets = append(out[gi].targets, t)
	}
	return out
}

// sharesProgram: providers whose attach points all have the same
// context type, so that one program can serve several of them.
func sharesProgram(provider string) bool {
	switch provider {
	case "begin", "end", "self", "test", "bench":
		return false
	}
	return true
}

// providerAbbrev shortens provider names in program names (the kernel
// keeps 15 characters).
var providerAbbrev = map[string]string{
	"tracepoint": "tp", "rawtracepoint": "rawtp", "kprobe": "kp", "kretprobe": "kretp",
	"uprobe": "up", "uretprobe": "uretp", "interval": "intvl", "software": "sw",
	"hardware": "hw", "watchpoint": "wp", "asyncwatchpoint": "awp", "profile": "prof",
}

// progName names the program of a probe's attach group: unique within
// 15 characters.
func progName(probe, group int, provider string) string {
	p := provider
	if a, ok := providerAbbrev[p]; ok {
		p = a
	}
	suffix := fmt.Sprintf("_%d", probe)
	if group > 0 {
		suffix += fmt.Sprintf("_%d", group)
	}
	base := "bt_" + strings.ReplaceAll(p, "-", "_")
	if len(base)+len(suffix) > 15 {
		base = base[:15-len(suffix)]
	}
	return base + suffix
}

// fileOf finds the file a node belongs to.
func fileOf(p *check.Program, n ast.Node) *source.File {
	for _, f := range p.Files {
		if f == nil {
			continue
		}
		for _, d := range f.Decls {
			if ast.Node(d) == n {
				return f.Source
			}
		}
	}
	if len(p.Files) > 0 && p.Files[0] != nil {
		return p.Files[0].Source
	}
	return nil
}

// programTypes is the BPF program type of each provider.
var programTypes = map[string]ebpf.ProgramType{
	"begin": ebpf.RawTracepoint, "end": ebpf.RawTracepoint, "self": ebpf.RawTracepoint,
	// test and bench programs run with test runs that report their run
	// time (and repeat, for bench), which XDP has, as in bpftrace.
	"test":          ebpf.XDP,
	"bench":         ebpf.XDP,
	"tracepoint":    ebpf.TracePoint,
	"rawtracepoint": ebpf.RawTracepoint,
	"kprobe":        ebpf.Kprobe, "kretprobe": ebpf.Kprobe,
	"uprobe": ebpf.Kprobe, "uretprobe": ebpf.Kprobe, "usdt": ebpf.Kprobe,
	"profile": ebpf.PerfEvent, "interval": ebpf.PerfEvent, "software": ebpf.PerfEvent,
	"hardware": ebpf.PerfEvent, "watchpoint": ebpf.PerfEvent, "asyncwatchpoint": ebpf.PerfEvent,
	"fentry": ebpf.Tracing, "fexit": ebpf.Tracing, "iter": ebpf.Tracing,
}

// scalarType reports whether values of t live in a register.
func scalarType(t types.Type) bool {
	switch u := types.Underlying(t).(type) {
	case *types.Int, types.Bool, *types.Pointer, *types.Enum:
		return true
	case *types.Opaque:
		return u.Bytes == 1 || u.Bytes == 2 || u.Bytes == 4 || u.Bytes == 8
	}
	return false
}

// intInfo returns the width in bytes and signedness of a scalar type.
func intInfo(t types.Type) (size int, signed bool) {
	switch u := types.Underlying(t).(type) {
	case *types.Int:
		return u.Bits / 8, u.Signed
	case *types.Enum:
		return u.Bytes, u.Signed
	case types.Bool:
		return 1, false
	case *types.Pointer:
		return 8, false
	case *types.Opaque:
		return u.Bytes, false
	}
	return 8, false
}

func sizeOp(n int) asm.Size {
	switch n {
	case 1:
		return asm.Byte
	case 2:
		return asm.Half
	case 4:
		return asm.Word
	}
	return asm.DWord
}

func alignUp(n, a int) int {
	if a <= 1 {
		return n
	}
	return (n + a - 1) / a * a
}
