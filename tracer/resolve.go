package tracer

import (
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/cilium/ebpf"

	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/btfindex"
	"github.com/bt-tools/bt/codegen"
	"github.com/bt-tools/bt/tracer/output"
)

// Resolver answers what formatting needs from the running system
// (tracer/output's Resolver interface): kernel symbols from kallsyms,
// user symbols from the ELF files a process maps, stack frames from the
// program's stack trace maps, user names from /etc/passwd and cgroup
// paths from cgroupfs. Every table is read on first use and kept (user
// ones not with cache_user_symbols NONE).
//
// A user address is looked up in the mappings of its process: those
// /proc/PID/maps lists when first asked, then those recorded while the
// process lived (procHistory: the mmap watcher's records and snapshots
// taken at start and attach), so that a process that has exited by the
// time its stacks print still resolves; last, in the probed executables
// linked at fixed addresses. The cache_user_symbols config chooses what
// is kept, with bpftrace's meanings (see symbolCache).
type Resolver struct {
	kstacks, ustacks, buildIDStacks *ebpf.Map

	ksymsOnce sync.Once
	ksyms     *btfindex.SymbolTable

	mu          sync.Mutex
	cache       symbolCache
	procs       map[uint32][]mapping         // /proc/PID/maps when first asked, by pid
	elfs        map[fileVersion]*elfSymbols  // by file version
	unreadable  map[unreadableFile]bool      // files not found for a process (another may find them)
	probed      []mapping                    // uprobe target files (path and inode), in attach order
	users       map[uint32]string            // nil until read
	cgroups     map[string]map[uint64]string // by hierarchy mount directory; nil until read
	cgroupRoots []cgroupRoot                 // mounted hierarchies; nil until read

	hist   *procHistory // mappings recorded while processes lived
	watch  *mmapWatch   // nil when not watching
	ownMnt uint64       // bt's mount namespace

	// userSymbols: the program prints user addresses as symbols
	// (ustack, usym, func in uprobes); nothing is captured otherwise.
	userSymbols bool
	stopScan    chan struct{}
	scanDone    sync.WaitGroup
}

// symbolCache is the cache_user_symbols config.
type symbolCache int

const (
	// cachePerPID keeps every process's mappings, read from /proc or
	// recorded while it lived, and preloads those of the processes
	// running a probed executable at attach time and those of every
	// process running at start.
	cachePerPID symbolCache = iota
	// cachePerProgram keeps the mappings as cachePerPID does and
	// preloads the symbol tables of the probed executables at attach
	// time, so that they resolve even if the files are gone later.
	cachePerProgram
	// cacheNone keeps nothing: every lookup reads the process's maps and
	// the file's symbols again, and nothing is recorded while processes
	// live (the least memory, the slowest; an exited process's PIE and
	// library addresses stay numbers).
	cacheNone
)

// symbolCacheOf reads a cache_user_symbols value as bpftrace does: the
// three names in any case, 0 for NONE, 1 or unset for the default —
// PER_PROGRAM with a command to trace (-c) or when ASLR is off, else
// PER_PID.
func symbolCacheOf(v string, withCommand bool) symbolCache {
	switch strings.ToLower(v) {
	case "per_pid":
		return cachePerPID
	case "per_program":
		return cachePerProgram
	case "none", "0":
		return cacheNone
	}
	if withCommand || !aslrEnabled() {
		return cachePerProgram
	}
	return cachePerPID
}

// aslrEnabled reads kernel.randomize_va_space (0 turns it off).
func aslrEnabled() bool {
	b, err := os.ReadFile("/proc/sys/kernel/randomize_va_space")
	if err != nil {
		return true
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return err != nil || n > 0
}

// mapping is one file-backed executable region of a process.
type mapping struct {
	start, end, offset uint64
	inode              uint64 // 0 when unknown
	path               string
}

// fileVersion names one version of a file: a file rewritten in place
// keeps its inode, but one rebuilt and renamed over gets a new one.
type fileVersion struct {
	path  string
	inode uint64
}

// elfSymbols is a binary's function symbols and its loadable segments,
// to turn a file offset into a symbol address.
type elfSymbols struct {
	syms  *btfindex.SymbolTable
	loads []elf.ProgHeader
	fixed bool // ET_EXEC: loaded at its link addresses in every process
}

// addProbedBinary records a uprobe target file: when an event's process
// has exited before its addresses are symbolized (its maps are gone),
// they are looked up in the probed binaries that load at fixed
// addresses (non-PIE executables), which need no process to resolve.
// The first time, it preloads what the cache mode says (preloadProbed).
func (r *Resolver) addProbedBinary(path string) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	file := mapping{path: path}
	var st syscall.Stat_t
	if syscall.Stat(path, &st) == nil {
		file.inode = st.Ino
	}
	r.mu.Lock()
	known := slices.ContainsFunc(r.probed, func(m mapping) bool { return m.path == path })
	if !known {
		r.probed = append(r.probed, file)
	}
	r.mu.Unlock()
	if !known {
		r.preloadProbed(file)
	}
}

// fixedSymbol names the function containing addr in a probed binary
// linked at fixed addresses, and reports that binary. Caller holds mu.
func (r *Resolver) fixedSymbol(addr uint64) (name string, off uint64, file string, ok bool) {
	for _, file := range r.probed {
		path := file.path
		es := r.elfSymbolsOf(0, file)
		if es == nil || !es.fixed {
			continue
		}
		for _, ph := range es.loads {
			if ph.Flags&elf.PF_X == 0 || addr < ph.Vaddr || addr >= ph.Vaddr+ph.Memsz {
				continue
			}
			s, found := es.syms.Lookup(addr)
			if !found {
				return "", 0, path, false
			}
			return s.Name, addr - s.Addr, path, true
		}
	}
	return "", 0, "", false
}

// NewResolver makes a resolver for a program; its stack maps are set once
// the program is loaded. With a nil obj, the program may print user
// symbols.
func NewResolver(obj *codegen.Object) *Resolver {
	return &Resolver{procs: map[uint32][]mapping{}, elfs: map[fileVersion]*elfSymbols{},
		unreadable: map[unreadableFile]bool{}, hist: newProcHistory(),
		userSymbols: obj == nil || symbolizesUser(obj)}
}

func (r *Resolver) setMaps(kstacks, ustacks, buildIDStacks *ebpf.Map) {
	r.kstacks, r.ustacks, r.buildIDStacks = kstacks, ustacks, buildIDStacks
}

// startCapture sets the cache mode and, unless it is cacheNone or the
// program prints no user symbol, starts recording processes' mappings
// while they live: the mmap watcher (if
// the kernel lets bt watch every process; else only what /proc has at
// print time resolves) and a snapshot of the traced process (-c, -p),
// which mapped its executable before the watcher started.
func (r *Resolver) startCapture(cache symbolCache, tracedPID int) {
	r.mu.Lock()
	r.cache = cache
	r.ownMnt = mountNamespace(os.Getpid())
	r.mu.Unlock()
	if cache == cacheNone || !r.userSymbols {
		return
	}
	if w, err := startMmapWatch(r.hist); err == nil {
		r.mu.Lock()
		r.watch = w
		r.mu.Unlock()
	}
	if tracedPID > 0 {
		r.snapshotProcess(tracedPID)
	}
	if cache == cachePerPID {
		r.stopScan = make(chan struct{})
		r.scanDone.Add(1)
		go r.synthesize(r.stopScan)
	}
}

// symbolizesUser reports whether a value the object's maps or records
// hold is a user stack or a user symbol.
func symbolizesUser(obj *codegen.Object) bool {
	if obj.UserStacks != "" {
		return true
	}
	for _, m := range obj.Maps {
		if hasUserSymbol(m.Key) || hasUserSymbol(m.Value) {
			return true
		}
	}
	for _, ev := range obj.Events {
		if ev.Args != nil && hasUserSymbol(ev.Args) {
			return true
		}
	}
	return false
}

// hasUserSymbol reports whether t is or holds a usym or a ustack.
func hasUserSymbol(t types.Type) bool {
	switch t := t.(type) {
	case *types.Opaque:
		return t.Kind == types.Usym
	case *types.Stack:
		return t.User
	case *types.Array:
		return hasUserSymbol(t.Elem)
	case *types.Typedef:
		return hasUserSymbol(t.Type)
	case *types.Tuple:
		return slices.ContainsFunc(t.Elems, hasUserSymbol)
	case *types.Record:
		return slices.ContainsFunc(t.Elems, hasUserSymbol)
	}
	return false
}

// synthesize records the mappings of every process running now, as perf
// record does at start: the watcher only sees mappings made from now
// on, and a process that exits before the stacks print would otherwise
// leave its PIE and library addresses unresolved. It runs beside the
// attach; a mapping the watcher records meanwhile comes after the
// snapshot and so shadows it.
func (r *Resolver) synthesize(stop <-chan struct{}) {
	defer r.scanDone.Done()
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		select {
		case <-stop:
			return
		default:
		}
		// A process already known started or forked since the watcher
		// began (its records are newer) or was snapshotted already.
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid > 0 && !r.hist.known(uint32(pid)) {
			r.snapshotProcess(pid)
		}
	}
}

// snapshotProcess records the mappings process pid has now.
func (r *Resolver) snapshotProcess(pid int) {
	if maps, err := btfindex.ProcessMappings(pid); err == nil {
		r.hist.snapshot(uint32(pid), maps)
		r.hist.namespace(uint32(pid), mountNamespace(pid))
	}
}

// mountNamespace is the inode of process pid's mount namespace, 0 if
// unknown.
func mountNamespace(pid int) uint64 {
	var st syscall.Stat_t
	if syscall.Stat(fmt.Sprintf("/proc/%d/ns/mnt", pid), &st) != nil {
		return 0
	}
	return st.Ino
}

// preloadProbed does what the cache mode preloads for a uprobe target
// when it is attached: cachePerPID records the mappings of the processes
// running it, cachePerProgram reads its symbols.
func (r *Resolver) preloadProbed(file mapping) {
	r.mu.Lock()
	cache := r.cache
	r.mu.Unlock()
	switch cache {
	case cachePerPID:
		for _, pid := range btfindex.ProcessesRunning(file.path) {
			r.snapshotProcess(pid)
		}
	case cachePerProgram:
		r.mu.Lock()
		r.elfSymbolsOf(0, file)
		r.mu.Unlock()
	}
}

// close drops the stack maps (the collection closes them) and stops the
// mmap watcher; what it recorded stays for lookups after the run.
func (r *Resolver) close() {
	r.kstacks, r.ustacks, r.buildIDStacks = nil, nil, nil
	if r.stopScan != nil {
		close(r.stopScan)
		r.stopScan = nil
	}
	r.scanDone.Wait()
	r.mu.Lock()
	w := r.watch
	r.watch = nil
	r.mu.Unlock()
	w.close()
}

func (r *Resolver) kernelSymbols() *btfindex.SymbolTable {
	r.ksymsOnce.Do(func() {
		t, err := btfindex.ReadKernelSymbols("/proc/kallsyms")
		if err == nil && t.Len() > 0 {
			r.ksyms = t
		}
	})
	return r.ksyms
}

// KernelSymbol names the kernel function containing addr.
func (r *Resolver) KernelSymbol(addr uint64) (string, uint64, bool) {
	t := r.kernelSymbols()
	if t == nil {
		return "", 0, false
	}
	s, ok := t.Lookup(addr)
	if !ok {
		return "", 0, false
	}
	return s.Name, addr - s.Addr, true
}

// maxForkDepth bounds the walk from a forked process to the ancestor
// whose mappings it inherited (a reused pid could make a cycle).
const maxForkDepth = 8

// mappingAt finds the mapping that holds addr in process pid: in the
// process's maps as /proc has them (read once), else as recorded while
// it lived, else in those of the process it was forked from. Caller
// holds mu.
func (r *Resolver) mappingAt(pid uint32, addr uint64) (mapping, bool) {
	drained := false
	for range maxForkDepth {
		maps, ok := r.procs[pid]
		if !ok {
			maps = readMappings(pid)
			if r.cache != cacheNone {
				r.procs[pid] = maps
			}
		}
		if m, ok := latestMapping(maps, addr); ok {
			return m, true
		}
		// The history is brought up to date only when /proc did not
		// have the address: a live process's lookups do not wait on it.
		if !drained {
			r.watch.drain()
			drained = true
		}
		m, ok, parent := r.hist.lookup(pid, addr)
		if ok {
			return m, true
		}
		if parent == 0 {
			break
		}
		pid = parent
	}
	return mapping{}, false
}

// UserSymbol names the function containing addr in process pid, from the
// ELF file mapped there.
func (r *Resolver) UserSymbol(pid uint32, addr uint64) (string, uint64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.mappingAt(pid, addr)
	if !ok {
		name, off, _, ok := r.fixedSymbol(addr)
		return name, off, ok
	}
	es := r.elfSymbolsOf(pid, m)
	if es == nil {
		return "", 0, false
	}
	fileOff := addr - m.start + m.offset
	for _, ph := range es.loads {
		if fileOff >= ph.Off && fileOff < ph.Off+ph.Filesz {
			vaddr := fileOff - ph.Off + ph.Vaddr
			s, ok := es.syms.Lookup(vaddr)
			if !ok {
				return "", 0, false
			}
			return s.Name, vaddr - s.Addr, true
		}
	}
	return "", 0, false
}

// UserModule names the file mapped at addr in process pid (perf-mode
// user stacks print it after each frame).
func (r *Resolver) UserModule(pid uint32, addr uint64) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.mappingAt(pid, addr); ok {
		return m.path, true
	}
	_, _, file, _ := r.fixedSymbol(addr)
	return file, file != ""
}

// elfSymbolsOf reads the symbols of a mapping's file: the mapped file
// through /proc/PID/map_files, else through the process's root so that
// files of other mount namespaces are found, else here, else — for a
// process of a container that has exited — through the root of another
// process still running in its mount namespace. A file whose inode is
// not the mapping's is another version of it (the binary was rebuilt
// since, or it is another container's) and is not used. A file version
// not found for one process may be for another, which still maps it.
// Caller holds mu.
func (r *Resolver) elfSymbolsOf(pid uint32, m mapping) *elfSymbols {
	key := fileVersion{m.path, m.inode}
	if es, ok := r.elfs[key]; ok {
		return es
	}
	if r.unreadable[unreadableFile{pid, key}] {
		return nil
	}
	var es *elfSymbols
	candidates := []string{procRootPath(pid, m.path), m.path}
	if pid > 0 && m.end > m.start {
		// The mapped file itself, even if it was replaced or removed
		// since, while the process lives (the entry is named by the
		// mapping's range as /proc/PID/maps lists it).
		candidates = slices.Insert(candidates, 0, fmt.Sprintf("/proc/%d/map_files/%x-%x", pid, m.start, m.end))
	}
	if m.inode != 0 {
		for _, q := range r.hist.neighbours(pid, r.ownMnt) {
			candidates = append(candidates, procRootPath(q, m.path))
		}
	}
	for _, p := range candidates {
		if m.inode != 0 {
			var st syscall.Stat_t
			if syscall.Stat(p, &st) != nil || !sameInode(st.Ino, m.inode) {
				continue
			}
		}
		if es = readELFSymbols(p); es != nil {
			break
		}
	}
	if r.cache != cacheNone {
		if es != nil {
			r.elfs[key] = es
		} else {
			r.unreadable[unreadableFile{pid, key}] = true
		}
	}
	return es
}

// unreadableFile is a file version not found for a process.
type unreadableFile struct {
	pid uint32
	fileVersion
}

// procRootPath is path as process pid sees it, through its root.
func procRootPath(pid uint32, path string) string {
	return filepath.Join("/proc", strconv.Itoa(int(pid)), "root", path)
}

// sameInode compares the inode stat reports for a file with the one a
// mapping of it was recorded with. Through overlayfs with xino (container
// image layers), stat's inode carries the layer in its high bits while
// the mapping has the layer file's own: the low 32 bits then compare.
func sameInode(statIno, mapIno uint64) bool {
	return statIno == mapIno || uint32(statIno) == uint32(mapIno)
}

// readELFSymbols reads a binary's function symbols and loadable
// segments; nil if it is not a readable ELF file.
func readELFSymbols(path string) *elfSymbols {
	f, err := elf.Open(path)
	if err != nil {
		return nil
	}
	var loads []elf.ProgHeader
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_LOAD {
			loads = append(loads, prog.ProgHeader)
		}
	}
	fixed := f.Type == elf.ET_EXEC
	f.Close()
	syms, err := btfindex.ReadELFSymbols(path)
	if err != nil {
		return nil
	}
	return &elfSymbols{syms: syms, loads: loads, fixed: fixed}
}

// readMappings reads the executable file mappings of a process.
func readMappings(pid uint32) []mapping {
	maps, _ := btfindex.ProcessMappings(int(pid))
	return execMappings(maps)
}

// execMappings are the executable ones of a process's mappings.
func execMappings(maps []btfindex.Mapping) []mapping {
	var out []mapping
	for _, m := range maps {
		if m.Exec {
			out = append(out, mapping{start: m.Start, end: m.End, offset: m.Offset, inode: m.Inode, path: m.Path})
		}
	}
	return out
}

// KernelStack returns the frames of a kernel stack id.
func (r *Resolver) KernelStack(id int64) []uint64 { return stackFrames(r.kstacks, id) }

// UserStack returns the frames of a user stack id.
func (r *Resolver) UserStack(id int64) []uint64 { return stackFrames(r.ustacks, id) }

// Frame status values of struct bpf_stack_build_id.
const (
	buildIDEmpty = 0 // no more frames
	buildIDValid = 1 // build id and offset
	buildIDIP    = 2 // the build id could not be read: ip only
)

// UserBuildIDStack returns the frames of a stack id in the build id
// stack map.
func (r *Resolver) UserBuildIDStack(id int64) []output.BuildIDFrame {
	return buildIDFrames(r.buildIDStacks, id)
}

// buildIDFrames reads a BPF_F_STACK_BUILD_ID stack map entry: per frame
// a struct bpf_stack_build_id (s32 status, 20-byte build id, then the
// u64 offset or ip at 24), until the first empty one.
func buildIDFrames(m *ebpf.Map, id int64) []output.BuildIDFrame {
	if m == nil || id < 0 {
		return nil
	}
	buf := make([]byte, m.ValueSize())
	if err := m.Lookup(uint32(id), buf); err != nil {
		return nil
	}
	return decodeBuildIDFrames(buf)
}

func decodeBuildIDFrames(buf []byte) []output.BuildIDFrame {
	const frameSize = 32
	var frames []output.BuildIDFrame
	for i := 0; i+frameSize <= len(buf); i += frameSize {
		f := buf[i : i+frameSize]
		v := le.Uint64(f[24:])
		switch int32(le.Uint32(f)) {
		case buildIDValid:
			frames = append(frames, output.BuildIDFrame{BuildID: slices.Clone(f[4:24]), Offset: v})
		case buildIDIP:
			frames = append(frames, output.BuildIDFrame{Addr: v})
		default:
			return frames
		}
	}
	return frames
}

// stackFrames reads a stack trace map entry: addresses until the first 0.
func stackFrames(m *ebpf.Map, id int64) []uint64 {
	if m == nil || id < 0 {
		return nil
	}
	buf := make([]byte, m.ValueSize())
	if err := m.Lookup(uint32(id), buf); err != nil {
		return nil
	}
	var frames []uint64
	for i := 0; i+8 <= len(buf); i += 8 {
		a := le.Uint64(buf[i:])
		if a == 0 {
			break
		}
		frames = append(frames, a)
	}
	return frames
}

// UserName is the login name of uid from /etc/passwd, or the number.
func (r *Resolver) UserName(uid uint32) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.users == nil {
		r.users = readPasswd("/etc/passwd")
	}
	if name, ok := r.users[uid]; ok {
		return name
	}
	return strconv.FormatUint(uint64(uid), 10)
}

func readPasswd(path string) map[uint32]string {
	users := map[uint32]string{}
	b, err := os.ReadFile(path)
	if err != nil {
		return users
	}
	for _, line := range strings.Split(string(b), "\n") {
		// name:password:uid:gid:gecos:home:shell
		fs := strings.SplitN(line, ":", 4)
		if len(fs) < 4 {
			continue
		}
		uid, err := strconv.ParseUint(fs[2], 10, 32)
		if err != nil {
			continue
		}
		if _, dup := users[uint32(uid)]; !dup {
			users[uint32(uid)] = fs[0]
		}
	}
	return users
}

// cgroupRoot is one mounted cgroup hierarchy: cgroup2's, named
// "unified", or a cgroup v1 one, named by its mount directory.
type cgroupRoot struct{ name, dir string }

// cgroupRoots lists the mounted hierarchies, cgroup2 first, then the v1
// ones by name (the order bpftrace prints them in).
func cgroupRoots() []cgroupRoot {
	var v2, v1 []cgroupRoot
	b, _ := os.ReadFile("/proc/self/mounts")
	for _, line := range strings.Split(string(b), "\n") {
		fs := strings.Fields(line)
		if len(fs) < 3 {
			continue
		}
		if st, err := os.Stat(fs[1]); err != nil || !st.IsDir() {
			continue
		}
		switch fs[2] {
		case "cgroup2":
			v2 = append(v2, cgroupRoot{"unified", fs[1]})
		case "cgroup":
			v1 = append(v1, cgroupRoot{filepath.Base(fs[1]), fs[1]})
		}
	}
	slices.SortFunc(v1, func(a, b cgroupRoot) int { return strings.Compare(a.name, b.name) })
	return append(v2, v1...)
}

// cgroup2Root is where the unified (cgroup2) hierarchy is mounted:
// /sys/fs/cgroup on most systems, /sys/fs/cgroup/unified on hybrid ones.
func cgroup2Root() string {
	for _, r := range cgroupRoots() {
		if r.name == "unified" {
			return r.dir
		}
	}
	return "/sys/fs/cgroup"
}

// CgroupPath is what cgroup_path() prints for the cgroup with id (its
// directory's inode number), as bpftrace does: "name:path" in every
// mounted hierarchy whose name matches filter (a wildcard pattern; ""
// matches all) and that has the cgroup, joined by commas; "" when none
// has it. The hierarchies and their cgroups are read on first use and
// kept, so that a known id costs no I/O; an id no hierarchy has reads
// them again (cgroups come and go while tracing).
func (r *Resolver) CgroupPath(id uint64, filter string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cgroupRoots == nil {
		r.cgroupRoots = cgroupRoots()
	}
	parts := r.cgroupParts(id, filter, false)
	if len(parts) == 0 {
		r.cgroupRoots = cgroupRoots()
		parts = r.cgroupParts(id, filter, true)
	}
	return strings.Join(parts, ",")
}

// cgroupParts is "name:path" of id in each known hierarchy matching
// filter that has it, scanning a hierarchy not scanned yet, or every
// one with rescan. Caller holds mu.
func (r *Resolver) cgroupParts(id uint64, filter string, rescan bool) []string {
	var parts []string
	for _, root := range r.cgroupRoots {
		if filter != "" {
			if ok, _ := path.Match(filter, root.name); !ok {
				continue
			}
		}
		ids, ok := r.cgroups[root.dir]
		if !ok || rescan {
			if r.cgroups == nil {
				r.cgroups = map[string]map[uint64]string{}
			}
			ids = scanCgroups(root.dir)
			r.cgroups[root.dir] = ids
		}
		if p, ok := ids[id]; ok {
			parts = append(parts, root.name+":"+p)
		}
	}
	return parts
}

// scanCgroups maps the inode numbers of the cgroup directories under
// root, staying on root's file system, to their paths below it.
func scanCgroups(root string) map[uint64]string {
	ids := map[uint64]string{}
	var rootSt syscall.Stat_t
	if syscall.Stat(root, &rootSt) != nil {
		return ids
	}
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		if st.Dev != rootSt.Dev {
			return filepath.SkipDir
		}
		rel := strings.TrimPrefix(path, root)
		if rel == "" {
			rel = "/"
		}
		ids[st.Ino] = rel
		return nil
	})
	return ids
}

var _ output.UserModuleResolver = (*Resolver)(nil)
var _ output.Resolver = (*Resolver)(nil)
