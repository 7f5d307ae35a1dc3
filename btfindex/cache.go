package btfindex

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/bt-tools/bt/internal/atomicfile"
)

// The on-disk index is one file per identity:
//
//	magic "btfindex" | u32 version | [32]identity | body | u32 crc32c(all before)
//
// The body holds the module list and the two name tables. Names are
// sorted, so each is stored as (shared prefix length, suffix); numbers are
// uvarints. Decoding checks every length; a file that is short, corrupt,
// of another version or for another identity is ignored and rebuilt.

const cacheMagic = "btfindex"

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// CacheDir returns the directory bt caches kernel indexes in:
// $XDG_CACHE_HOME/bt, or ~/.cache/bt.
func CacheDir() (string, error) {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "bt"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".cache", "bt"), nil
}

func (ix *Index) cacheDir() (string, error) {
	if ix.opts.CacheDir != "" {
		return ix.opts.CacheDir, nil
	}
	return CacheDir()
}

func (ix *Index) cachePath() (string, error) {
	dir, err := ix.cacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, fmt.Sprintf("index-%x.bin", ix.identity[:16])), nil
}

type encoder struct{ b []byte }

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }

func (e *encoder) table(t *nameTable) {
	e.uvarint(uint64(len(t.names)))
	prev := ""
	for _, n := range t.names {
		p := commonPrefix(prev, n)
		e.uvarint(uint64(p))
		e.str(n[p:])
		prev = n
	}
	for i := range t.names {
		e.uvarint(uint64(t.ids[i]))
		e.uvarint(uint64(t.mods[i]))
		e.uvarint(uint64(t.info[i]))
	}
}

// values encodes the values of a table that has them (the enumerators).
func (e *encoder) values(t *nameTable) {
	for _, v := range t.vals {
		e.b = binary.AppendVarint(e.b, v)
	}
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b), 255)
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

func (ix *Index) encodeCache() []byte {
	e := &encoder{b: make([]byte, 0, 4<<20)}
	e.b = append(e.b, cacheMagic...)
	e.b = le.AppendUint32(e.b, cacheFormatVersion)
	e.b = append(e.b, ix.identity[:]...)
	if ix.attachKnown {
		e.uvarint(1)
	} else {
		e.uvarint(0)
	}
	e.uvarint(uint64(len(ix.mods)))
	for _, m := range ix.mods {
		e.str(m.name)
	}
	// Each table is prefixed with its length, so that one can be decoded
	// without the others.
	for i, t := range []*nameTable{ix.funcTab(), ix.typeTab(), ix.enumTab()} {
		te := &encoder{}
		te.table(t)
		if i == enumTable {
			te.values(t)
		}
		e.str(string(te.b))
	}
	return le.AppendUint32(e.b, crc32.Checksum(e.b, crcTable))
}

func (ix *Index) saveCache() error {
	path, err := ix.cachePath()
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, ix.encodeCache()); err != nil {
		return err
	}
	pruneCache(filepath.Dir(path), "index-")
	return nil
}

// cacheKeep is how many cache files of a kind (kernels, BTF files) are
// kept; older ones are removed when a new one is written.
const cacheKeep = 8

// pruneCache removes all but the cacheKeep most recently written files
// named prefix*.bin in dir.
func pruneCache(dir, prefix string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type file struct {
		path  string
		mtime int64
	}
	var fs []file
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), prefix) || !strings.HasSuffix(e.Name(), ".bin") {
			continue
		}
		if info, err := e.Info(); err == nil {
			fs = append(fs, file{filepath.Join(dir, e.Name()), info.ModTime().UnixNano()})
		}
	}
	if len(fs) <= cacheKeep {
		return
	}
	slices.SortFunc(fs, func(a, b file) int { return cmp.Compare(b.mtime, a.mtime) })
	for _, f := range fs[cacheKeep:] {
		os.Remove(f.path)
	}
}

var errBadCache = errors.New("bad cache file")

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errBadCache
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length and checks that at least min bytes per item remain.
func (d *decoder) count(perItem int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)/perItem) {
		d.err = errBadCache
		return 0
	}
	return int(n)
}

func (d *decoder) bytes() []byte {
	n := d.count(1)
	if d.err != nil {
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

// values decodes the values of a table that has them (the enumerators).
func (d *decoder) values(t *nameTable) {
	if d.err != nil {
		return
	}
	t.vals = make([]int64, len(t.names))
	for i := range t.vals {
		v, n := binary.Varint(d.b)
		if n <= 0 {
			d.err = errBadCache
			return
		}
		t.vals[i], d.b = v, d.b[n:]
	}
}

func (d *decoder) table(t *nameTable, nmods int) {
	n := d.count(2)
	if d.err != nil {
		return
	}
	// Names are rebuilt into one buffer and sliced out of a single string.
	buf := make([]byte, 0, len(d.b))
	ends := make([]int, n)
	prevStart, prevEnd := 0, 0
	for i := range n {
		p := int(d.uvarint())
		suf := d.bytes()
		if d.err != nil {
			return
		}
		if p > prevEnd-prevStart {
			d.err = errBadCache
			return
		}
		start := len(buf)
		buf = append(buf, buf[prevStart:prevStart+p]...)
		buf = append(buf, suf...)
		prevStart, prevEnd = start, len(buf)
		ends[i] = len(buf)
	}
	all := string(buf)
	t.names = make([]string, n)
	start := 0
	for i, end := range ends {
		t.names[i] = all[start:end]
		start = end
	}
	t.ids = make([]uint32, n)
	t.mods = make([]uint16, n)
	t.info = make([]uint32, n)
	for i := range n {
		id, mod, info := d.uvarint(), d.uvarint(), d.uvarint()
		if d.err != nil {
			return
		}
		if id > 1<<31 || mod >= uint64(nmods) || info > 1<<32-1 {
			d.err = errBadCache
			return
		}
		t.ids[i], t.mods[i], t.info[i] = uint32(id), uint16(mod), uint32(info)
	}
	for i := 1; i < n; i++ {
		if t.names[i-1] > t.names[i] {
			d.err = errBadCache
			return
		}
	}
}

func (ix *Index) loadCache() error {
	path, err := ix.cachePath()
	if err != nil {
		return err
	}
	b, err := mapFile(path)
	if err != nil {
		return err
	}
	return ix.decodeCache(b)
}

// mapFile maps a cache file read-only: start-up touches only the pages
// of its header, and the tables' pages when a query needs them. The
// mapping lives as long as the process (an index is not closed); where
// mapping fails the file is read instead.
func mapFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if n := st.Size(); n > 0 && n < 1<<31 {
		if b, err := syscall.Mmap(int(f.Fd()), 0, int(n), syscall.PROT_READ, syscall.MAP_PRIVATE); err == nil {
			return b, nil
		}
	}
	return os.ReadFile(path)
}

func (ix *Index) decodeCache(b []byte) error {
	hdr := len(cacheMagic) + 4 + 32
	if len(b) < hdr+4 || string(b[:len(cacheMagic)]) != cacheMagic {
		return errBadCache
	}
	if le.Uint32(b[len(cacheMagic):]) != cacheFormatVersion {
		return errBadCache
	}
	if string(b[len(cacheMagic)+4:hdr]) != string(ix.identity[:]) {
		return errBadCache
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, crcTable) != le.Uint32(b[len(b)-4:]) {
		return errBadCache
	}
	d := &decoder{b: body[hdr:]}
	attach := d.uvarint()
	nmods := d.count(1)
	if d.err != nil || nmods == 0 || nmods > len(ix.mods) {
		return errBadCache
	}
	// The cached modules are ix.mods in order, less any whose BTF could
	// not be scanned when the index was built.
	kept := make([]module, 0, nmods)
	j := 0
	for range nmods {
		name := string(d.bytes())
		for j < len(ix.mods) && ix.mods[j].name != name {
			j++
		}
		if d.err != nil || j == len(ix.mods) {
			return errBadCache
		}
		kept = append(kept, ix.mods[j])
		j++
	}
	if kept[0].name != "vmlinux" {
		return errBadCache
	}
	// The name tables (most of the file) are decoded when a query first
	// needs each: a script that asks nothing of the kernel does not pay
	// for 180k names. The checksum above already vouches for the bytes.
	var pending [numTables][]byte
	for i := range pending {
		pending[i] = d.bytes()
	}
	if d.err != nil || len(d.b) != 0 {
		return errBadCache
	}
	ix.attachKnown = attach == 1
	ix.mods = kept
	ix.pending, ix.pendingMods = pending, nmods
	return nil
}

// The name tables, in cache order.
const (
	funcTable = iota
	typeTable
	enumTable
	numTables
)

// table decodes table i if the cache left it pending, and returns it.
func (ix *Index) table(i int) *nameTable {
	tabs := [numTables]*nameTable{&ix.funcs, &ix.types, &ix.enums}
	ix.tableOnce[i].Do(func() {
		b := ix.pending[i]
		if b == nil {
			return // built, not cached
		}
		ix.pending[i] = nil
		d := &decoder{b: b}
		var t nameTable
		d.table(&t, ix.pendingMods)
		if i == enumTable {
			d.values(&t)
		}
		if d.err == nil && len(d.b) == 0 {
			*tabs[i] = t
			return
		}
		// Should the bytes not decode after all, the table is built from
		// BTF as without a cache.
		ix.rebuildOnce.Do(func() {
			nx := &Index{opts: ix.opts, mods: slices.Clone(ix.mods)}
			if nx.build() == nil {
				ix.rebuilt = nx
			}
		})
		if ix.rebuilt != nil {
			*tabs[i] = *[numTables]*nameTable{&ix.rebuilt.funcs, &ix.rebuilt.types, &ix.rebuilt.enums}[i]
		}
	})
	return tabs[i]
}

// funcTab is the table of every BTF function, decoded on first use.
func (ix *Index) funcTab() *nameTable { return ix.table(funcTable) }

// typeTab is the table of every named type, decoded on first use.
func (ix *Index) typeTab() *nameTable { return ix.table(typeTable) }

// enumTab is the table of every enumerator, decoded on first use.
func (ix *Index) enumTab() *nameTable { return ix.table(enumTable) }
