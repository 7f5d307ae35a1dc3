package btfindex

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/cilium/ebpf/btf"
)

// Default locations; Options fields override each.
const (
	DefaultSysBTFDir = "/sys/kernel/btf"
	DefaultKallsyms  = "/proc/kallsyms"
)

// DefaultTracefsDirs are tried in order for tracefs.
var DefaultTracefsDirs = []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}

// Options says where the index reads the kernel from. The zero value reads
// the running kernel: /sys/kernel/btf (vmlinux and modules), /proc/kallsyms
// and tracefs, with the index cached under the XDG cache directory.
type Options struct {
	// BTFFile is a BTF file to use instead of the running kernel's: raw BTF
	// or an ELF file (vmlinux) with a .BTF section. Kallsyms and tracefs
	// describe the running kernel, so with BTFFile they are only read when
	// Kallsyms or TracefsDirs are set explicitly.
	BTFFile string
	// SysBTFDir is where the running kernel's BTF is ("" = /sys/kernel/btf):
	// SysBTFDir/vmlinux and one split BTF file per module.
	SysBTFDir string
	// NoModules skips module BTF.
	NoModules bool
	// Kallsyms is the kallsyms file ("" = /proc/kallsyms for the running
	// kernel, none with BTFFile; "-" = none).
	Kallsyms string
	// TracefsDirs are tried in order for tracefs (nil = DefaultTracefsDirs
	// for the running kernel, none with BTFFile). An empty non-nil slice
	// means no tracefs.
	TracefsDirs []string
	// NoMount stops Open from mounting tracefs when it is not mounted
	// (mounting is only tried for the default directories, as root).
	NoMount bool
	// CacheDir holds the on-disk index and tracepoint catalogue ("" =
	// $XDG_CACHE_HOME/bt or ~/.cache/bt).
	CacheDir string
	// NoCache neither reads nor writes the on-disk cache.
	NoCache bool
}

// Index answers questions about one kernel: its types, functions and
// probes. It is safe for concurrent use. Open builds it (or loads it from
// the cache); types are decoded lazily, when a query needs them.
type Index struct {
	opts Options

	identity  [32]byte // the index: vmlinux BTF + module BTF + kallsyms use
	vmlinuxID [32]byte // the vmlinux BTF alone (keys the tracepoint catalogue)
	btfErr    error    // *NoBTFError when there is no BTF
	btfSource Source   // SourceBTF (raw BTF) or SourceELF (BTF from an ELF file)
	fromCache bool     // the name tables came from the on-disk cache
	cacheErr  error    // why the cache could not be written (informational)

	attachKnown bool // kallsyms was read: funcAttachable flags are meaningful

	mods  []module
	funcs nameTable // every BTF function, sorted by name then module
	types nameTable // every named struct/union/enum/typedef/int/float
	enums nameTable // every enumerator: id is its enum, vals its value
	// Tables loaded from the cache are decoded each on its first use
	// (funcTab, typeTab, enumTab); until then pending holds its encoded
	// bytes. Should one not decode after all, rebuilt scans the BTF.
	tableOnce   [numTables]sync.Once
	pending     [numTables][]byte
	pendingMods int
	rebuildOnce sync.Once
	rebuilt     *Index

	specMu sync.Mutex
	specs  []*btf.Spec // per module, loaded on demand

	tpOnce sync.Once
	tp     *tpCatalogue

	kprobeOnce sync.Once
	kprobes    *KprobeFuncs
	kprobeErr  error
}

// module is one BTF object: vmlinux (always mods[0]) or a kernel module.
type module struct {
	name  string
	path  string // file the BTF came from
	raw   []byte // raw BTF when read (BTFFile: always; sysfs: read on demand)
	size  int64
	mtime int64
}

// nameTable is a sorted list of names with, per name, the BTF type ID,
// the module index and a kind-specific info word.
type nameTable struct {
	names []string
	ids   []uint32
	mods  []uint16
	info  []uint32
	vals  []int64 // the enumerators' values; nil in the other tables
}

// Function info word bits.
const (
	funcParamsMask = 0xff
	funcAttachable = 1 << 8 // a kallsyms text symbol
	funcKfunc      = 1 << 9 // has the bpf_kfunc decl tag
	funcGlobal     = 1 << 10
)

func (t *nameTable) len() int { return len(t.names) }

// prefixRange returns the half-open range of names starting with prefix.
func (t *nameTable) prefixRange(prefix string) (int, int) {
	lo := sort.SearchStrings(t.names, prefix)
	hi := lo + sort.Search(len(t.names)-lo, func(i int) bool {
		return !strings.HasPrefix(t.names[lo+i], prefix)
	})
	return lo, hi
}

// exactRange returns the range of entries named exactly name.
func (t *nameTable) exactRange(name string) (int, int) {
	lo := sort.SearchStrings(t.names, name)
	hi := lo
	for hi < len(t.names) && t.names[hi] == name {
		hi++
	}
	return lo, hi
}

type tableEntry struct {
	name string
	id   uint32
	mod  uint16
	info uint32
	val  int64 // an enumerator's value
}

func buildTable(es []tableEntry) nameTable {
	slices.SortFunc(es, func(a, b tableEntry) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := cmp.Compare(a.mod, b.mod); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	t := nameTable{
		names: make([]string, len(es)),
		ids:   make([]uint32, len(es)),
		mods:  make([]uint16, len(es)),
		info:  make([]uint32, len(es)),
	}
	for i, e := range es {
		t.names[i], t.ids[i], t.mods[i], t.info[i] = e.name, e.id, e.mod, e.info
	}
	return t
}

// buildValueTable is buildTable keeping each entry's value.
func buildValueTable(es []tableEntry) nameTable {
	t := buildTable(es) // sorts es
	t.vals = make([]int64, len(es))
	for i, e := range es {
		t.vals[i] = e.val
	}
	return t
}

// Open builds the index for the kernel opts describes, from the on-disk
// cache when it holds one for the same BTF. A missing BTF is not an error:
// the index then answers what tracefs, ELF files and the builtin tables
// know, and BTFError says why BTF is missing.
func Open(opts Options) (*Index, error) {
	ix := &Index{opts: opts}
	if ix.opts.SysBTFDir == "" {
		ix.opts.SysBTFDir = DefaultSysBTFDir
	}
	if err := ix.loadBTFBytes(); err != nil {
		ix.btfErr = err
		return ix, nil
	}
	if err := ix.computeIdentity(); err != nil {
		ix.btfErr = &NoBTFError{Path: ix.mods[0].path, Err: err}
		ix.mods = nil
		return ix, nil
	}
	if !opts.NoCache {
		if ix.loadCache() == nil {
			ix.fromCache = true
			return ix, nil
		}
	}
	if err := ix.build(); err != nil {
		ix.btfErr = &NoBTFError{Path: ix.mods[0].path, Err: err}
		ix.mods = nil
		return ix, nil
	}
	if !opts.NoCache {
		ix.cacheErr = ix.saveCache()
	}
	return ix, nil
}

// loadBTFBytes finds vmlinux (or reads the given file) and the module BTF
// files. The running kernel's BTF is only read when the index is built or
// a type is decoded: its identity comes from the kernel's build ID.
func (ix *Index) loadBTFBytes() error {
	if f := ix.opts.BTFFile; f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return &NoBTFError{Path: f, Err: err}
		}
		ix.btfSource = SourceBTF
		if data, isELF, err := btfFromELF(b); isELF {
			if err != nil {
				return &NoBTFError{Path: f, Err: err}
			}
			b = data
			ix.btfSource = SourceELF
		}
		ix.mods = []module{{name: "vmlinux", path: f, raw: b, size: int64(len(b))}}
		return nil
	}
	path := filepath.Join(ix.opts.SysBTFDir, "vmlinux")
	st, err := os.Stat(path)
	if err == nil && !st.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			err = errors.New("the kernel has no BTF (CONFIG_DEBUG_INFO_BTF); pass a BTF or vmlinux file with --btf")
		}
		return &NoBTFError{Path: path, Err: err}
	}
	ix.btfSource = SourceBTF
	ix.mods = []module{{name: "vmlinux", path: path, size: st.Size(), mtime: st.ModTime().UnixNano()}}
	if ix.opts.NoModules {
		return nil
	}
	ents, err := os.ReadDir(ix.opts.SysBTFDir)
	if err != nil {
		return nil
	}
	for _, e := range ents {
		if e.Name() == "vmlinux" {
			continue
		}
		mp := filepath.Join(ix.opts.SysBTFDir, e.Name())
		mst, err := os.Stat(mp)
		if err != nil || !mst.Mode().IsRegular() {
			continue
		}
		ix.mods = append(ix.mods, module{name: e.Name(), path: mp, size: mst.Size(), mtime: mst.ModTime().UnixNano()})
	}
	return nil
}

// rawBytes returns a module's raw BTF, reading it if need be.
func (m *module) rawBytes() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	// Mapped rather than read: the kernel maps /sys/kernel/btf/vmlinux
	// since 6.16, which saves copying megabytes through read calls.
	b, err := mapFile(m.path)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) != m.size {
		return nil, fmt.Errorf("%s changed since the index was built", m.path)
	}
	return b, nil
}

// cacheFormatVersion changes whenever the cache layout or the meaning of
// its contents changes; older files are then ignored and rebuilt.
const cacheFormatVersion = 5

func (ix *Index) kallsymsPath() string {
	switch k := ix.opts.Kallsyms; {
	case k == "-":
		return ""
	case k != "":
		return k
	case ix.opts.BTFFile != "":
		return ""
	}
	return DefaultKallsyms
}

// computeIdentity names the BTF the index is built from. A BTF file is
// identified by its contents. The running kernel is identified by its
// build ID (/sys/kernel/notes, which changes with every vmlinux build, so
// with its BTF) and the BTF size, and each module by name, size and load
// time; without a build ID the vmlinux BTF is hashed.
func (ix *Index) computeIdentity() error {
	var vm [32]byte
	if ix.opts.BTFFile != "" {
		vm = sha256.Sum256(ix.mods[0].raw)
	} else if id := kernelBuildID(filepath.Join(filepath.Dir(ix.opts.SysBTFDir), "notes")); id != nil && ix.opts.SysBTFDir == DefaultSysBTFDir {
		vm = sha256.Sum256(fmt.Appendf(nil, "build-id %x size %d", id, ix.mods[0].size))
	} else {
		raw, err := ix.mods[0].rawBytes()
		if err != nil {
			return err
		}
		ix.mods[0].raw = raw
		vm = sha256.Sum256(raw)
	}
	ix.vmlinuxID = vm
	h := sha256.New()
	fmt.Fprintf(h, "bt-btfindex %d\nvmlinux %x\n", cacheFormatVersion, vm)
	for _, m := range ix.mods[1:] {
		fmt.Fprintf(h, "%s %d %d\n", m.name, m.size, m.mtime)
	}
	// Whether (and which) kallsyms is used changes the attachable flags.
	fmt.Fprintf(h, "kallsyms %q\n", ix.kallsymsPath())
	h.Sum(ix.identity[:0])
	return nil
}

// kernelBuildID returns the GNU build ID from a notes file
// (/sys/kernel/notes), or nil.
func kernelBuildID(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	for len(b) >= 12 {
		namesz, descsz, typ := le.Uint32(b), le.Uint32(b[4:]), le.Uint32(b[8:])
		b = b[12:]
		nameEnd := (uint64(namesz) + 3) &^ 3
		descEnd := nameEnd + (uint64(descsz)+3)&^3
		if descEnd > uint64(len(b)) {
			return nil
		}
		if typ == 3 && namesz == 4 && string(b[:4]) == "GNU\x00" && descsz > 0 {
			return b[nameEnd : nameEnd+uint64(descsz)]
		}
		b = b[descEnd:]
	}
	return nil
}

// build scans the BTF of vmlinux and the modules into the name tables.
func (ix *Index) build() error {
	var ks *kallsyms
	var wg sync.WaitGroup
	if p := ix.kallsymsPath(); p != "" {
		wg.Add(1)
		go func() { defer wg.Done(); ks = readKallsyms(p) }()
	}

	var funcs, types, enums []tableEntry
	var base *rawBTF
	var scanErr error
	kept := ix.mods[:0]
	for i := range ix.mods {
		m := ix.mods[i]
		raw, err := m.rawBytes()
		if err != nil {
			if i == 0 {
				scanErr = err
				break
			}
			continue
		}
		r, err := parseRawBTF(raw, base)
		if err == nil {
			s, err2 := scanModule(r, uint16(len(kept)))
			err = err2
			funcs = append(funcs, s.funcs...)
			types = append(types, s.types...)
			enums = append(enums, s.enums...)
		}
		if err != nil {
			if i == 0 {
				scanErr = err
				break
			}
			continue // a broken module BTF is skipped
		}
		if i == 0 {
			base = r
		}
		kept = append(kept, m)
	}
	wg.Wait()
	if scanErr != nil {
		return scanErr
	}
	ix.mods = kept
	if ks != nil {
		ix.attachKnown = true
		for i := range funcs {
			if ks.has(ix.mods[funcs[i].mod].name, funcs[i].name) {
				funcs[i].info |= funcAttachable
			}
		}
	}
	ix.funcs = buildTable(funcs)
	ix.types = buildTable(types)
	ix.enums = buildValueTable(enums)
	return nil
}

// moduleScan is what scanModule collects from one BTF object.
type moduleScan struct {
	funcs, types, enums []tableEntry
}

// scanModule collects the functions, named types and enumerators of one
// BTF object.
func scanModule(r *rawBTF, mod uint16) (ms moduleScan, err error) {
	var funcs, types, enums []tableEntry
	strs := string(r.strs) // names below are substrings: one allocation
	var baseStrs string
	if r.base != nil {
		baseStrs = string(r.base.strs)
	}
	name := func(off uint32) string {
		tab := strs
		if r.base != nil {
			if n := uint32(len(baseStrs)); off < n {
				tab = baseStrs
			} else {
				off -= n
			}
		}
		if off >= uint32(len(tab)) {
			return ""
		}
		s := tab[off:]
		if i := strings.IndexByte(s, 0); i >= 0 {
			return s[:i]
		}
		return ""
	}
	protoVlen := map[uint32]uint16{}
	kfuncs := map[uint32]bool{}
	err = r.walk(func(t *rawType) {
		switch t.kind {
		case kindFunc:
			info := uint32(0)
			if t.vlen != 0 { // linkage: 0 static, 1 global, 2 extern
				info |= funcGlobal
			}
			// The proto's parameter count is filled in below.
			funcs = append(funcs, tableEntry{name: name(t.nameOff), id: t.id, mod: mod, info: info | t.sizeOrT<<16})
		case kindFuncProto:
			protoVlen[t.id] = t.vlen
		case kindDeclTag:
			if int32(r.bo.Uint32(t.extra)) == -1 && name(t.nameOff) == "bpf_kfunc" {
				kfuncs[t.sizeOrT] = true
			}
		case kindStruct, kindUnion, kindEnum, kindEnum64, kindTypedef, kindInt, kindFloat:
			if n := name(t.nameOff); n != "" {
				types = append(types, tableEntry{name: n, id: t.id, mod: mod, info: uint32(t.kind)})
			}
		}
		if t.kind == kindEnum || t.kind == kindEnum64 {
			enums = appendEnumerators(enums, r.bo, t, mod, name)
		}
	})
	if err != nil {
		return moduleScan{}, err
	}
	for i := range funcs {
		f := &funcs[i]
		proto := f.info >> 16
		f.info &= 0xffff
		n := protoVlen[proto]
		if n > funcParamsMask {
			n = funcParamsMask
		}
		f.info |= uint32(n)
		if kfuncs[f.id] {
			f.info |= funcKfunc
		}
	}
	return moduleScan{funcs, types, enums}, nil
}

// appendEnumerators appends the named enumerators of enum type t: the
// entry's id is the enum's, info the enumerator's position in it.
func appendEnumerators(es []tableEntry, bo binary.ByteOrder, t *rawType, mod uint16, name func(uint32) string) []tableEntry {
	step := 8 // struct btf_enum: name_off, val
	if t.kind == kindEnum64 {
		step = 12 // struct btf_enum64: name_off, val_lo32, val_hi32
	}
	for i := 0; (i+1)*step <= len(t.extra); i++ {
		e := t.extra[i*step:]
		n := name(bo.Uint32(e))
		if n == "" {
			continue
		}
		var v int64
		switch {
		case t.kind == kindEnum64:
			v = int64(uint64(bo.Uint32(e[8:]))<<32 | uint64(bo.Uint32(e[4:])))
		case t.kflag: // signed
			v = int64(int32(bo.Uint32(e[4:])))
		default:
			v = int64(bo.Uint32(e[4:]))
		}
		es = append(es, tableEntry{name: n, id: t.id, mod: mod, info: uint32(i), val: v})
	}
	return es
}

// Identity is the hex identity of the kernel BTF the index describes
// (vmlinux, modules and kallsyms use); "" without BTF.
func (ix *Index) Identity() string {
	if ix.btfErr != nil {
		return ""
	}
	return fmt.Sprintf("%x", ix.identity)
}

// BTFError reports why the index has no BTF (a *NoBTFError), or nil.
func (ix *Index) BTFError() error { return ix.btfErr }

// HasBTF says whether the index has kernel BTF.
func (ix *Index) HasBTF() bool { return ix.btfErr == nil }

// BTFSource is SourceBTF for raw BTF, SourceELF for BTF from an ELF file,
// SourceNone without BTF.
func (ix *Index) BTFSource() Source {
	if ix.btfErr != nil {
		return SourceNone
	}
	return ix.btfSource
}

// FromCache says whether the name tables were loaded from the disk cache.
func (ix *Index) FromCache() bool { return ix.fromCache }

// CacheError says why the index could not be written to the disk cache
// (nil when it was, or when caching is off).
func (ix *Index) CacheError() error { return ix.cacheErr }

// AttachInfoKnown says whether kallsyms was read, so that
// KernelFunc.Attachable is meaningful (otherwise every function counts as
// attachable).
func (ix *Index) AttachInfoKnown() bool { return ix.attachKnown }

// Modules lists the BTF objects: "vmlinux" first, then kernel modules.
func (ix *Index) Modules() []string {
	out := make([]string, len(ix.mods))
	for i, m := range ix.mods {
		out[i] = m.name
	}
	return out
}

// Spec returns the decoded BTF of vmlinux (module "" or "vmlinux") or of a
// module. It is decoded on first use.
func (ix *Index) Spec(module string) (*btf.Spec, error) {
	if ix.btfErr != nil {
		return nil, ix.btfErr
	}
	if module == "" {
		module = "vmlinux"
	}
	for i, m := range ix.mods {
		if m.name == module {
			return ix.spec(i)
		}
	}
	return nil, &NotFoundError{What: "BTF module", Name: module}
}

func (ix *Index) spec(mod int) (*btf.Spec, error) {
	if ix.btfErr != nil {
		return nil, ix.btfErr
	}
	ix.specMu.Lock()
	defer ix.specMu.Unlock()
	if ix.specs == nil {
		ix.specs = make([]*btf.Spec, len(ix.mods))
	}
	if s := ix.specs[mod]; s != nil {
		return s, nil
	}
	var s *btf.Spec
	var err error
	if ix.specs[0] == nil {
		var err error
		if m := ix.mods[0]; m.raw == nil && m.path == "/sys/kernel/btf/vmlinux" {
			// The running kernel's: cilium/ebpf maps it and decodes it in
			// place; from a reader it would copy the megabytes first
			// (io.ReadAll, growing), a third of bt check's CPU.
			ix.specs[0], err = btf.LoadKernelSpec()
		} else {
			var raw []byte
			raw, err = m.rawBytes()
			if err == nil {
				ix.specs[0], err = btf.LoadSpecFromReader(bytes.NewReader(raw))
			}
		}
		if err != nil {
			return nil, fmt.Errorf("vmlinux BTF: %w", err)
		}
	}
	if mod == 0 {
		s = ix.specs[0]
	} else {
		var raw []byte
		raw, err = ix.mods[mod].rawBytes()
		if err == nil {
			s, err = btf.LoadSplitSpecFromReader(bytes.NewReader(raw), ix.specs[0])
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s BTF: %w", ix.mods[mod].name, err)
	}
	ix.specs[mod] = s
	return s, nil
}

// typeByID decodes type id of module mod.
func (ix *Index) typeByID(mod uint16, id uint32) (btf.Type, error) {
	s, err := ix.spec(int(mod))
	if err != nil {
		return nil, err
	}
	return s.TypeByID(btf.TypeID(id))
}

// le is used by the cache encoder; BTF itself records its byte order.
var le = binary.LittleEndian
