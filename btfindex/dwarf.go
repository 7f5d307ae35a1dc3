package btfindex

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// DWARF for user-space probes: a function's parameters, named types and
// the line table of one ELF file, read with debug/dwarf. The DWARF may be
// in the file itself, in a separate debug file (build ID, .gnu_debuglink
// or the debug info search path) and, for split DWARF (-gsplit-dwarf), in
// .dwo files or a .dwp package whose units the file's skeleton units
// name.

// DebugInfo is the DWARF describing one ELF file. It is safe for
// concurrent use.
type DebugInfo struct {
	// Path is the file holding the (skeleton) DWARF: the binary itself or
	// its separate debug file.
	Path string

	mu    sync.Mutex // debug/dwarf's type cache is not concurrency-safe
	main  *dwarf.Data
	units []debugUnit
	addrs map[string]uint64 // function symbols' addresses
	types map[string]typeRef
}

// debugUnit is one compile unit: its entries (in the main DWARF, or in
// the .dwo/.dwp unit its skeleton names) and its addresses and line
// table (always in the main DWARF).
type debugUnit struct {
	data   *dwarf.Data
	off    dwarf.Offset // the unit's compile_unit entry in data
	ranges [][2]uint64
	line   *dwarf.Entry // the main DWARF's unit entry, for its line table
}

type typeRef struct {
	data *dwarf.Data
	off  dwarf.Offset
}

// DWARFParam is one formal parameter of a function.
type DWARFParam struct {
	Name string
	Type dwarf.Type
}

var (
	debugDirsMu sync.Mutex
	debugDirs   []string
)

// SetDebugInfoDirs sets the directories searched, before the standard
// ones, for the separate debug files and .dwo/.dwp files of stripped or
// split binaries (bpftrace's --debuginfo). A relative directory is taken
// relative to the binary's directory, as elfutils does.
func SetDebugInfoDirs(dirs []string) {
	debugDirsMu.Lock()
	debugDirs = slices.Clone(dirs)
	debugDirsMu.Unlock()
	debugCache.Range(func(k, _ any) bool { debugCache.Delete(k); return true })
}

func debugSearchPath() []string {
	debugDirsMu.Lock()
	defer debugDirsMu.Unlock()
	// The binary's directory, its .debug subdirectory, then DebugRoot.
	return append(slices.Clone(debugDirs), "", ".debug", DebugRoot)
}

// debugCache holds one DebugInfo (or error) per path, for the file's
// current version only: a rebuilt binary replaces its entry, so a
// long-running process (the language server) keeps one per file.
var debugCache sync.Map // path -> *debugEntry

type debugEntry struct {
	size, mtime int64
	once        sync.Once
	di          *DebugInfo
	err         error
}

// ErrNoDWARF says a binary has no DWARF anywhere bt looks.
var ErrNoDWARF = errors.New("no DWARF debug information")

// OpenDebugInfo returns the DWARF describing the ELF file path, read once
// per file version. The error wraps ErrNoDWARF when there is none.
func OpenDebugInfo(path string) (*DebugInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	size, mtime := st.Size(), st.ModTime().UnixNano()
	fresh := &debugEntry{size: size, mtime: mtime}
	v, loaded := debugCache.LoadOrStore(path, fresh)
	e := v.(*debugEntry)
	if loaded && (e.size != size || e.mtime != mtime) {
		debugCache.CompareAndSwap(path, e, fresh)
		v, _ = debugCache.Load(path)
		e = v.(*debugEntry)
	}
	e.once.Do(func() { e.di, e.err = readDebugInfo(path) })
	return e.di, e.err
}

// DWARFFile returns the file holding path's DWARF without reading it:
// path itself or its separate debug file; "" when there is none.
func DWARFFile(path string) string {
	if hasDebugInfo(path) {
		return path
	}
	return findDebugFile(path)
}

// HasDWARF reports whether path has DWARF debug information bt can find.
func HasDWARF(path string) bool {
	_, err := OpenDebugInfo(path)
	return err == nil
}

func readDebugInfo(path string) (*DebugInfo, error) {
	dbgPath := path
	if !hasDebugInfo(path) {
		dbgPath = findDebugFile(path)
		if dbgPath == "" {
			return nil, fmt.Errorf("%s: %w", path, ErrNoDWARF)
		}
	}
	f, err := elf.Open(dbgPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dbgPath, err)
	}
	di := &DebugInfo{Path: dbgPath, main: d, addrs: map[string]uint64{}}
	di.addSymbols(f)
	if dbgPath != path {
		if bf, err := elf.Open(path); err == nil {
			di.addSymbols(bf)
			bf.Close()
		}
	}
	// The raw .debug_info (for DWO IDs) and .debug_addr serve only
	// split units: read them when the first one turns up.
	var info, addr []byte
	rawRead := false
	split := &splitFinder{binary: path, debugFile: dbgPath}
	rd := d.Reader()
	for {
		cu, err := rd.Next()
		if err != nil || cu == nil {
			break
		}
		if cu.Tag != dwarf.TagCompileUnit && cu.Tag != dwarf.TagSkeletonUnit && cu.Tag != dwarf.TagPartialUnit {
			rd.SkipChildren()
			continue
		}
		u := debugUnit{data: d, off: cu.Offset, line: cu}
		u.ranges, _ = d.Ranges(cu)
		if dwo := dwoName(cu); dwo != "" {
			if !rawRead {
				rawRead = true
				info, _ = sectionData(f, ".debug_info")
				addr, _ = sectionData(f, ".debug_addr")
			}
			id, ok := dwoID(info, cu)
			sd, soff := split.unit(cu, dwo, id, ok, addr)
			if sd == nil {
				// The unit's types and functions are elsewhere and
				// missing; its lines are still here.
				u.data = nil
			} else {
				u.data, u.off = sd, soff
			}
		}
		di.units = append(di.units, u)
		rd.SkipChildren()
	}
	if len(di.units) == 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrNoDWARF)
	}
	return di, nil
}

func (di *DebugInfo) addSymbols(f *elf.File) {
	for _, load := range []func() ([]elf.Symbol, error){f.Symbols, f.DynamicSymbols} {
		syms, _ := load()
		for _, s := range syms {
			t := elf.ST_TYPE(s.Info)
			if (t == elf.STT_FUNC || t == elf.STT_GNU_IFUNC) && s.Value != 0 && s.Name != "" {
				if _, dup := di.addrs[s.Name]; !dup {
					di.addrs[s.Name] = s.Value
				}
			}
		}
	}
}

func hasDebugInfo(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return f.Section(".debug_info") != nil
}

func sectionData(f *elf.File, name string) ([]byte, error) {
	s := f.Section(name)
	if s == nil {
		return nil, fmt.Errorf("no %s section", name)
	}
	return s.Data()
}

// findDebugFile finds the separate debug file of a binary without DWARF:
// in the search path (its .gnu_debuglink name, or its own name plus
// ".debug" as elfutils guesses), then by build ID. A candidate whose
// build ID differs from the binary's is not it.
func findDebugFile(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	id := buildID(f)
	name := filepath.Base(path) + ".debug"
	if sec := f.Section(".gnu_debuglink"); sec != nil {
		if data, err := sec.Data(); err == nil {
			if n, _, _ := bytes.Cut(data, []byte{0}); len(n) > 0 && !bytes.ContainsRune(n, '/') {
				name = string(n)
			}
		}
	}
	f.Close()
	for _, cand := range searchCandidates(path, name) {
		if debugFileMatches(cand, path, id) {
			return cand
		}
	}
	if p := SeparateDebugFile(path); p != "" && hasDebugInfo(p) {
		return p
	}
	return ""
}

// searchCandidates are the places the search path offers for a file
// named name that belongs to the binary path: an empty entry is the
// binary's directory, a relative one a subdirectory of it, an absolute
// one itself and the binary's directory under it; absolute entries also
// hold a .build-id tree.
func searchCandidates(path, name string) []string {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		real = path
	}
	abs, err := filepath.Abs(real)
	if err != nil {
		abs = real
	}
	dir := filepath.Dir(abs)
	var out []string
	for _, e := range debugSearchPath() {
		switch {
		case e == "":
			out = append(out, filepath.Join(dir, name))
		case filepath.IsAbs(e):
			out = append(out, filepath.Join(e, name), filepath.Join(e, dir, name))
		default:
			out = append(out, filepath.Join(dir, e, name))
		}
	}
	return out
}

func debugFileMatches(cand, binary string, id []byte) bool {
	if !isRegular(cand) || sameFile(cand, binary) {
		return false
	}
	f, err := elf.Open(cand)
	if err != nil {
		return false
	}
	defer f.Close()
	if f.Section(".debug_info") == nil {
		return false
	}
	if cid := buildID(f); id != nil && cid != nil && !bytes.Equal(cid, id) {
		return false
	}
	return true
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// dwoName is the .dwo file a skeleton unit names, "" for a full unit.
func dwoName(cu *dwarf.Entry) string {
	for _, a := range []dwarf.Attr{dwarf.AttrDwoName, dwarf.Attr(0x2130)} { // DW_AT_GNU_dwo_name
		if s, ok := cu.Val(a).(string); ok {
			return s
		}
	}
	return ""
}

// dwoID reads a skeleton unit's DWO ID: DW_AT_GNU_dwo_id (DWARF 4) or
// the unit header's field (DWARF 5), which debug/dwarf does not expose.
func dwoID(info []byte, cu *dwarf.Entry) (uint64, bool) {
	if v, ok := cu.Val(dwarf.Attr(0x2131)).(int64); ok {
		return uint64(v), true
	}
	for off := 0; off+4 <= len(info); {
		length := uint64(binary.LittleEndian.Uint32(info[off:]))
		hdr, lenSize := off+4, 4
		if length == 0xffffffff {
			if off+12 > len(info) {
				return 0, false
			}
			length, hdr, lenSize = binary.LittleEndian.Uint64(info[off+4:]), off+12, 8
		}
		end := hdr + int(length)
		if length > uint64(len(info)) || end > len(info) {
			return 0, false
		}
		if int(cu.Offset) > off && int(cu.Offset) < end {
			// version(2) unit_type(1) address_size(1) abbrev_offset, dwo_id.
			if hdr+4 > len(info) || binary.LittleEndian.Uint16(info[hdr:]) != 5 {
				return 0, false
			}
			ut := info[hdr+2]
			p := hdr + 4 + lenSize
			if (ut != 4 && ut != 5) || p+8 > len(info) { // DW_UT_skeleton, DW_UT_split_compile
				return 0, false
			}
			return binary.LittleEndian.Uint64(info[p:]), true
		}
		off = end
	}
	return 0, false
}

// splitFinder opens the .dwo files and the .dwp package of one binary.
type splitFinder struct {
	binary, debugFile string
	dwpDone           bool
	dwp               *dwpPackage
}

// unit returns the split unit a skeleton names, from its .dwo file or
// the binary's .dwp package, with the DWARF data holding it.
func (s *splitFinder) unit(skel *dwarf.Entry, name string, id uint64, haveID bool, addr []byte) (*dwarf.Data, dwarf.Offset) {
	addrBase, _ := skel.Val(dwarf.AttrAddrBase).(int64)
	if addrBase < 0 || int(addrBase) > len(addr) {
		addrBase = 0
	}
	// An index into .debug_addr is relative to the skeleton's base,
	// which the split unit does not carry: hand it the section from
	// there.
	addr = addr[addrBase:]
	compDir, _ := skel.Val(dwarf.AttrCompDir).(string)
	var cands []string
	if filepath.IsAbs(name) {
		cands = append(cands, name)
	} else if compDir != "" {
		cands = append(cands, filepath.Join(compDir, name))
	}
	cands = append(cands, searchCandidates(s.binary, filepath.Base(name))...)
	for _, c := range cands {
		if !isRegular(c) {
			continue
		}
		if d, off, ok := openDWO(c, id, haveID, addr); ok {
			return d, off
		}
	}
	if !s.dwpDone {
		s.dwpDone = true
		for _, b := range []string{s.binary, s.debugFile} {
			for _, c := range searchCandidates(b, filepath.Base(b)+".dwp") {
				if p, err := openDWP(c); err == nil {
					s.dwp = p
					break
				}
			}
			if s.dwp != nil {
				break
			}
		}
	}
	if s.dwp != nil && haveID {
		return s.dwp.unit(id, addr)
	}
	return nil, 0
}

// dwoSections are the split DWARF sections a unit's entries need.
type dwoSections struct {
	abbrev, info, str, strOffsets []byte
}

// data builds debug/dwarf data for one split unit's sections. Split
// units carry no str_offsets base: their strings' offsets start right
// after the contribution's header.
func (s dwoSections) data(addr []byte) (*dwarf.Data, error) {
	d, err := dwarf.New(s.abbrev, nil, nil, s.info, nil, nil, nil, s.str)
	if err != nil {
		return nil, err
	}
	so := s.strOffsets
	if len(so) >= 8 && binary.LittleEndian.Uint16(so[4:]) == 5 {
		so = so[8:]
	}
	if err := d.AddSection(".debug_str_offsets", so); err != nil {
		return nil, err
	}
	if err := d.AddSection(".debug_addr", addr); err != nil {
		return nil, err
	}
	return d, nil
}

func openDWO(path string, id uint64, haveID bool, addr []byte) (*dwarf.Data, dwarf.Offset, bool) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, 0, false
	}
	defer f.Close()
	var s dwoSections
	for _, sec := range []struct {
		name string
		dst  *[]byte
	}{{".debug_abbrev.dwo", &s.abbrev}, {".debug_info.dwo", &s.info}, {".debug_str.dwo", &s.str}, {".debug_str_offsets.dwo", &s.strOffsets}} {
		b, err := sectionData(f, sec.name)
		if err != nil && sec.name != ".debug_str_offsets.dwo" {
			return nil, 0, false
		}
		*sec.dst = b
	}
	if haveID {
		if got, ok := splitUnitID(s.info); ok && got != id {
			return nil, 0, false // a stale .dwo from another build
		}
	}
	d, err := s.data(addr)
	if err != nil {
		return nil, 0, false
	}
	cu, err := d.Reader().Next()
	if err != nil || cu == nil {
		return nil, 0, false
	}
	return d, cu.Offset, true
}

// splitUnitID is the DWO ID in the header of the first unit of a .dwo's
// .debug_info (DWARF 5 only).
func splitUnitID(info []byte) (uint64, bool) {
	if len(info) < 20 || binary.LittleEndian.Uint32(info) == 0xffffffff || binary.LittleEndian.Uint16(info[4:]) != 5 {
		return 0, false
	}
	if info[6] != 5 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(info[12:]), true
}

// dwpPackage is a DWARF package: the split units of many .dwo files,
// found through its .debug_cu_index.
type dwpPackage struct {
	sec   map[int][]byte // by DW_SECT_* id
	index map[uint64]map[int][2]uint32
}

// DW_SECT_* ids of DWARF 5 package indexes (version 2 GNU indexes use 1
// INFO, 3 ABBREV, 6 STR_OFFSETS too).
const (
	sectInfo       = 1
	sectAbbrev     = 3
	sectStrOffsets = 6
)

func openDWP(path string) (*dwpPackage, error) {
	if !isRegular(path) {
		return nil, os.ErrNotExist
	}
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p := &dwpPackage{sec: map[int][]byte{}, index: map[uint64]map[int][2]uint32{}}
	for id, name := range map[int]string{sectInfo: ".debug_info.dwo", sectAbbrev: ".debug_abbrev.dwo", sectStrOffsets: ".debug_str_offsets.dwo", 0: ".debug_str.dwo"} {
		if b, err := sectionData(f, name); err == nil {
			p.sec[id] = b
		}
	}
	idx, err := sectionData(f, ".debug_cu_index")
	if err != nil {
		return nil, err
	}
	if err := p.parseIndex(idx); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// parseIndex reads a unit index: a header (version, section count, unit
// count, slot count), a hash table of signatures and row indexes, then a
// table of section ids and rows of offsets and sizes.
func (p *dwpPackage) parseIndex(b []byte) error {
	bad := errors.New("malformed .debug_cu_index")
	if len(b) < 16 {
		return bad
	}
	le := binary.LittleEndian
	ncols, nunits, nslots := int(le.Uint32(b[4:])), int(le.Uint32(b[8:])), int(le.Uint32(b[12:]))
	if ncols > 16 || nunits > nslots || nslots > len(b) {
		return bad
	}
	sigs := 16
	rows := sigs + 8*nslots
	ids := rows + 4*nslots
	offs := ids + 4*ncols
	sizes := offs + 4*ncols*nunits
	if sizes+4*ncols*nunits > len(b) {
		return bad
	}
	cols := make([]int, ncols)
	for c := range cols {
		cols[c] = int(le.Uint32(b[ids+4*c:]))
	}
	for s := 0; s < nslots; s++ {
		sig := le.Uint64(b[sigs+8*s:])
		row := int(le.Uint32(b[rows+4*s:]))
		if row == 0 || row > nunits {
			continue
		}
		m := map[int][2]uint32{}
		for c, id := range cols {
			at := 4 * ((row-1)*ncols + c)
			m[id] = [2]uint32{le.Uint32(b[offs+at:]), le.Uint32(b[sizes+at:])}
		}
		p.index[sig] = m
	}
	return nil
}

func (p *dwpPackage) unit(id uint64, addr []byte) (*dwarf.Data, dwarf.Offset) {
	m, ok := p.index[id]
	if !ok {
		return nil, 0
	}
	part := func(sect int) []byte {
		b := p.sec[sect]
		r, ok := m[sect]
		start, end := uint64(r[0]), uint64(r[0])+uint64(r[1])
		if !ok || end > uint64(len(b)) {
			return nil
		}
		return b[start:end]
	}
	s := dwoSections{abbrev: part(sectAbbrev), info: part(sectInfo), str: p.sec[0], strOffsets: part(sectStrOffsets)}
	if s.abbrev == nil || s.info == nil {
		return nil, 0
	}
	d, err := s.data(addr)
	if err != nil {
		return nil, 0
	}
	cu, err := d.Reader().Next()
	if err != nil || cu == nil {
		return nil, 0
	}
	return d, cu.Offset
}

// ---------------------------------------------------------------------
// Queries

// FuncParams returns the formal parameters of the function named fn (a
// symbol of the binary): ok is false when the DWARF does not describe it.
func (di *DebugInfo) FuncParams(fn string) (params []DWARFParam, ok bool) {
	di.mu.Lock()
	defer di.mu.Unlock()
	d, off, ok := di.findFunc(fn)
	if !ok {
		return nil, false
	}
	rd := d.Reader()
	rd.Seek(off)
	e, err := rd.Next()
	if err != nil || e == nil {
		return nil, false
	}
	if !e.Children {
		return nil, true
	}
	for {
		c, err := rd.Next()
		if err != nil || c == nil || c.Tag == 0 {
			break
		}
		if c.Tag == dwarf.TagFormalParameter {
			name, _ := c.Val(dwarf.AttrName).(string)
			var t dwarf.Type
			if toff, ok := c.Val(dwarf.AttrType).(dwarf.Offset); ok {
				t, _ = d.Type(toff)
			}
			params = append(params, DWARFParam{Name: name, Type: t})
		}
		if c.Children {
			rd.SkipChildren()
		}
	}
	return params, true
}

// findFunc finds fn's defining subprogram: in the unit covering its
// symbol's address, the subprogram starting there, or failing that the
// one named fn; without a symbol, the first definition named fn.
func (di *DebugInfo) findFunc(fn string) (*dwarf.Data, dwarf.Offset, bool) {
	pc, havePC := di.addrs[fn]
	for pass := 0; pass < 2; pass++ {
		for _, u := range di.units {
			if u.data == nil {
				continue
			}
			if pass == 0 && !(havePC && u.covers(pc)) {
				continue
			}
			if off, ok := u.findSubprogram(fn, pc, havePC); ok {
				return u.data, off, true
			}
		}
	}
	return nil, 0, false
}

func (u *debugUnit) covers(pc uint64) bool {
	for _, r := range u.ranges {
		if pc >= r[0] && pc < r[1] {
			return true
		}
	}
	return false
}

func (u *debugUnit) findSubprogram(fn string, pc uint64, havePC bool) (dwarf.Offset, bool) {
	rd := u.data.Reader()
	rd.Seek(u.off)
	cu, err := rd.Next()
	if err != nil || cu == nil || !cu.Children {
		return 0, false
	}
	var byName dwarf.Offset
	found := false
	for {
		e, err := rd.Next()
		if err != nil || e == nil || e.Tag == 0 {
			break
		}
		if e.Tag == dwarf.TagSubprogram {
			if lo, ok := e.Val(dwarf.AttrLowpc).(uint64); ok && havePC && lo == pc {
				return e.Offset, true
			}
			name, _ := e.Val(dwarf.AttrName).(string)
			if name != fn {
				if ln, _ := e.Val(dwarf.AttrLinkageName).(string); ln != "" {
					name = ln
				}
			}
			_, decl := e.Val(dwarf.AttrDeclaration).(bool)
			if name == fn && !decl && !found {
				byName, found = e.Offset, true
			}
		}
		if e.Children {
			rd.SkipChildren()
		}
	}
	return byName, found
}

// Type returns the type a C name spells: "struct Foo", "union U", "enum
// E", or a typedef's or base type's name. A complete definition wins
// over a declaration.
func (di *DebugInfo) Type(name string) (dwarf.Type, bool) {
	di.mu.Lock()
	defer di.mu.Unlock()
	if di.types == nil {
		di.indexTypes()
	}
	ref, ok := di.types[strings.Join(strings.Fields(name), " ")]
	if !ok {
		return nil, false
	}
	t, err := ref.data.Type(ref.off)
	return t, err == nil
}

// TypeNames lists the named types (as Type spells them), sorted.
func (di *DebugInfo) TypeNames() []string {
	di.mu.Lock()
	defer di.mu.Unlock()
	if di.types == nil {
		di.indexTypes()
	}
	names := make([]string, 0, len(di.types))
	for n := range di.types {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

var typeTagPrefix = map[dwarf.Tag]string{
	dwarf.TagStructType:      "struct ",
	dwarf.TagUnionType:       "union ",
	dwarf.TagEnumerationType: "enum ",
	dwarf.TagClassType:       "class ",
	dwarf.TagTypedef:         "",
	dwarf.TagBaseType:        "",
}

// indexTypes names every unit's top-level types (called with di.mu held).
func (di *DebugInfo) indexTypes() {
	di.types = map[string]typeRef{}
	decls := map[string]bool{}
	for _, u := range di.units {
		if u.data == nil {
			continue
		}
		rd := u.data.Reader()
		rd.Seek(u.off)
		cu, err := rd.Next()
		if err != nil || cu == nil || !cu.Children {
			continue
		}
		for {
			e, err := rd.Next()
			if err != nil || e == nil || e.Tag == 0 {
				break
			}
			if prefix, ok := typeTagPrefix[e.Tag]; ok {
				if n, _ := e.Val(dwarf.AttrName).(string); n != "" {
					key := prefix + n
					_, decl := e.Val(dwarf.AttrDeclaration).(bool)
					if _, seen := di.types[key]; !seen || (decls[key] && !decl) {
						di.types[key] = typeRef{u.data, e.Offset}
						decls[key] = decl
					}
				}
			}
			if e.Children {
				rd.SkipChildren()
			}
		}
	}
}

// LineAddresses returns the addresses where the code of a source line
// starts, lowest first, in every unit whose line table names a file
// matching file (the same name, or a path ending in /file).
func (di *DebugInfo) LineAddresses(file string, line int) ([]uint64, error) {
	di.mu.Lock()
	defer di.mu.Unlock()
	var addrs []uint64
	fileSeen := false
	for _, u := range di.units {
		lr, err := di.main.LineReader(u.line)
		if err != nil || lr == nil {
			continue
		}
		var best uint64
		found := false
		var le dwarf.LineEntry
		for lr.Next(&le) == nil {
			if le.File == nil || !sourceMatches(le.File.Name, file) {
				continue
			}
			fileSeen = true
			if le.Line == line && le.IsStmt && !le.EndSequence && (!found || le.Address < best) {
				best, found = le.Address, true
			}
		}
		if found {
			addrs = append(addrs, best)
		}
	}
	// The messages are bpftrace's (after its "DWARF error: ").
	if len(addrs) == 0 {
		if !fileSeen {
			return nil, fmt.Errorf("No compilation unit matches %s", file)
		}
		return nil, fmt.Errorf("Unable to map '%s:%d' to address", file, line)
	}
	slices.Sort(addrs)
	return slices.Compact(addrs), nil
}

func sourceMatches(full, want string) bool {
	if full == want || strings.HasSuffix(full, "/"+strings.TrimPrefix(want, "./")) {
		return true
	}
	return filepath.Clean(full) == filepath.Clean(want)
}

// CTypeName spells a DWARF type as bpftrace -lv prints a parameter's
// type: "int", "int*", "struct Foo*", "const char*".
func CTypeName(t dwarf.Type) string {
	switch t := t.(type) {
	case nil:
		return "void"
	case *dwarf.VoidType:
		return "void"
	case *dwarf.PtrType:
		if fn, ok := t.Type.(*dwarf.FuncType); ok {
			return funcPointerName(fn)
		}
		return CTypeName(t.Type) + "*"
	case *dwarf.QualType:
		return t.Qual + " " + CTypeName(t.Type)
	case *dwarf.ArrayType:
		n := ""
		if t.Count >= 0 {
			n = strconv.FormatInt(t.Count, 10)
		}
		return CTypeName(t.Type) + "[" + n + "]"
	case *dwarf.StructType:
		if t.StructName == "" {
			return t.Kind + " <anonymous>"
		}
		return t.Kind + " " + t.StructName
	case *dwarf.EnumType:
		if t.EnumName == "" {
			return "enum <anonymous>"
		}
		return "enum " + t.EnumName
	case *dwarf.FuncType:
		return funcPointerName(t)
	}
	return t.Common().Name
}

func funcPointerName(fn *dwarf.FuncType) string {
	params := make([]string, len(fn.ParamType))
	for i, p := range fn.ParamType {
		params[i] = CTypeName(p)
	}
	return CTypeName(fn.ReturnType) + " (*)(" + strings.Join(params, ", ") + ")"
}
