package check

import (
	"fmt"
	"os"
	"sort"

	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// Maps shared between a script and the C it imports, both ways:
//
//   - a BPF map the C defines (`struct { __uint(type, ...); __type(key,
//     K); __type(value, V); ... } name SEC(".maps");`) is the script's
//     @name: its kind, key and value types are the C's, values the script
//     stores are converted to them, and it is printed at exit like any map;
//   - a map the C declares extern with the same struct shape
//     (`extern struct {...} name;`) is the script's map @name, which the
//     script must have, with the same key and value types (sizes and
//     integer signedness) and a kind that gives the same BPF map type.
//
// Only what the runtime can read back as the script's values is shared:
// hash, LRU hash and array maps with typed keys and values, and their
// per-CPU variants with values made of integers (PerCPUIntMembers). In a
// probe the script, like the C, reads and updates this CPU's value of a
// per-CPU map; printed, an element is the sum of its CPUs' values, as
// count() and sum() are.

// CodeCMap: a map shared with imported C is used against its C
// declaration.
const CodeCMap diag.Code = "c-map-mismatch"

func init() {
	diag.Register(diag.CodeInfo{Code: CodeCMap, Severity: diag.Error,
		Summary: "a map shared with imported C does not match its C declaration, or is used in a way its BPF map type does not allow"})
}

// CMap is a BPF map the imported C defines or declares extern.
type CMap struct {
	Name string // the C name; the script calls it "@"+Name
	// MapType is the BPF map type number (__uint(type, ...)).
	MapType int
	// Kind is the script's map kind for MapType ("hash", "lruhash",
	// "array", ...), "" for a type scripts cannot share.
	Kind       string
	Key, Value types.Type // nil when the C gives only sizes
	MaxEntries int
	// Extern: declared, not defined; the script's map of the same name
	// is used.
	Extern bool
	// Section is the section an extern declaration asks for, which it
	// must not (the object reader refuses an extern in ".maps").
	Section string
	Loc     Location
	Decl    string
}

// CMapScope is a CScope that knows the maps its C defines or declares.
type CMapScope interface {
	Map(name string) (*CMap, bool)
}

// cMapKinds gives the script map kind of each BPF map type a script can
// share with C; the names are those of linux/bpf.h.
var cMapKinds = map[int]struct{ name, kind string }{
	1:  {"BPF_MAP_TYPE_HASH", "hash"},
	2:  {"BPF_MAP_TYPE_ARRAY", "array"},
	5:  {"BPF_MAP_TYPE_PERCPU_HASH", "percpuhash"},
	6:  {"BPF_MAP_TYPE_PERCPU_ARRAY", "percpuarray"},
	9:  {"BPF_MAP_TYPE_LRU_HASH", "lruhash"},
	10: {"BPF_MAP_TYPE_LRU_PERCPU_HASH", "percpulruhash"},
}

// IntMember is an integer inside a value: its byte offset and type.
type IntMember struct {
	Offset int
	Type   *types.Int
}

// PerCPUIntMembers lists the integers a value of type t is made of, when
// it is made of integers only: an integer, or a struct of them (nested
// structs too; no unions, bitfields, arrays or pointers). Such values of
// a per-CPU map the C defines are what the script can share: printed,
// an element is its CPUs' values summed member by member.
func PerCPUIntMembers(t types.Type) ([]IntMember, bool) {
	var out []IntMember
	var walk func(t types.Type, off int) bool
	walk = func(t types.Type, off int) bool {
		switch u := types.Underlying(t).(type) {
		case *types.Int:
			out = append(out, IntMember{Offset: off, Type: u})
			return true
		case *types.Struct:
			if u.Union {
				return false
			}
			for _, f := range u.Fields() {
				if f.BitSize != 0 || f.BitOffset%8 != 0 || !walk(f.Type, off+f.BitOffset/8) {
					return false
				}
			}
			return len(u.Fields()) > 0
		}
		return false
	}
	if !walk(t, 0) {
		return nil, false
	}
	return out, true
}

func perCPUShareable(t types.Type) bool {
	_, ok := PerCPUIntMembers(t)
	return ok
}

// PerCPU reports whether the map holds one value per CPU.
func (m *CMap) PerCPU() bool {
	switch m.MapType {
	case 5, 6, 10:
		return true
	}
	return false
}

// bpfMapTypeName names a BPF map type number.
func bpfMapTypeName(t int) string {
	if k, ok := cMapKinds[t]; ok {
		return k.name
	}
	return fmt.Sprintf("BPF map type %d", t)
}

// scriptMapTypes is the BPF map type the compiler creates for a script
// map of each kind with a key (codegen/maps.go); a keyed array is a hash.
var scriptMapTypes = map[string]int{"hash": 1, "lruhash": 9, "array": 1, "percpuhash": 5, "percpuarray": 5, "percpulruhash": 10}

// cMapFromDef reads a BTF-style map definition: a struct whose "type"
// and "max_entries" members are pointers to arrays whose length is the
// value (__uint) and whose "key" and "value" members point to the key
// and value types (__type). ok is false when t is not one.
func cMapFromDef(name string, t types.Type) (*CMap, bool) {
	st, ok := types.Underlying(t).(*types.Struct)
	if !ok {
		return nil, false
	}
	m := &CMap{Name: name}
	hasType := false
	for _, f := range st.Fields() {
		p, ok := types.Underlying(f.Type).(*types.Pointer)
		if !ok {
			return nil, false
		}
		arrLen := func() (int, bool) {
			a, ok := types.Underlying(p.Elem).(*types.Array)
			if !ok {
				return 0, false
			}
			return a.Len, true
		}
		switch f.Name {
		case "type":
			n, ok := arrLen()
			if !ok {
				return nil, false
			}
			m.MapType, hasType = n, true
		case "max_entries":
			if n, ok := arrLen(); ok {
				m.MaxEntries = n
			}
		case "key":
			m.Key = p.Elem
		case "value":
			m.Value = p.Elem
		}
	}
	if !hasType {
		return nil, false
	}
	m.Kind = cMapKinds[m.MapType].kind
	return m, true
}

// cMapsFromBTF lists the maps an object's BTF defines (variables of its
// .maps section) or declares extern, with their types converted.
func cMapsFromBTF(spec *btf.Spec, path string, conv *btfConverter) map[string]*CMap {
	out := map[string]*CMap{}
	inMaps := map[*btf.Var]bool{}
	var ds *btf.Datasec
	if spec.TypeByName(".maps", &ds) == nil {
		for _, v := range ds.Vars {
			if bv, ok := v.Type.(*btf.Var); ok {
				inMaps[bv] = true
			}
		}
	}
	for t, err := range spec.All() {
		if err != nil {
			break
		}
		v, ok := t.(*btf.Var)
		if !ok || (!inMaps[v] && v.Linkage != btf.ExternVar) {
			continue
		}
		m, ok := cMapFromDef(v.Name, conv.Convert(v.Type))
		if !ok {
			continue
		}
		m.Extern = v.Linkage == btf.ExternVar
		m.Loc = Location{Path: path}
		out[v.Name] = m
	}
	return out
}

// cMapOf is the map the imported C defines or declares as name (without
// '@'), or nil.
func (c *checker) cMapOf(name string) *CMap {
	ms, ok := c.cfg.C.(CMapScope)
	if !ok || c.cfg.C == nil || len(name) < 2 {
		return nil
	}
	m, _ := ms.Map(name[1:])
	return m
}

// seedCMap gives a script map the key and value types of the map the C
// defines or declares extern; a map the C defines also has its kind and
// size (the script declares those of a map the C declares extern).
func (c *checker) seedCMap(m *mapState) {
	cm := c.cMapOf(m.name)
	if cm == nil {
		return
	}
	m.info.C = cm
	// the C may write it (an unusable map is an error at its uses, not
	// also a map read before any assignment)
	m.written = !cm.Extern || m.written
	if cm.Key == nil || cm.Value == nil || cm.Kind == "" || !cm.Extern && cm.PerCPU() && !perCPUShareable(cm.Value) {
		return // cMapUsable or checkExternCMaps says why
	}
	m.fixed = true
	m.key, m.value = cm.Key, cm.Value
	m.written = true
	if !cm.Extern {
		m.info.Kind, m.info.MaxEntries = cm.Kind, cm.MaxEntries
	}
}

// cMapUsable reports, at a use n, a map defined in C that the script
// cannot use: a type whose values the runtime cannot read back as the
// script's, or a definition without key and value types.
func (c *checker) cMapUsable(m *mapState, n ast.Node) bool {
	cm := m.info.C
	if cm == nil || cm.Extern {
		return true
	}
	msg := ""
	switch {
	case cm.Kind == "":
		msg = fmt.Sprintf("%s is a %s defined in C; scripts can use hash, LRU hash and array maps defined in C, and their per-CPU variants", m.name, bpfMapTypeName(cm.MapType))
	case cm.Key == nil || cm.Value == nil:
		msg = fmt.Sprintf("%s is defined in C with key and value sizes only; declare them with __type(key, ...) and __type(value, ...) to use it in the script", m.name)
	case cm.PerCPU() && !perCPUShareable(cm.Value):
		msg = fmt.Sprintf("%s is a %s defined in C with %s values; scripts can use per-CPU maps defined in C whose values are integers or structs of integers (printed summed over the CPUs)", m.name, bpfMapTypeName(cm.MapType), typeName(cm.Value))
	}
	if msg == "" {
		return true
	}
	e := c.errorf(n, CodeCMap, "%s", msg)
	c.cNote(e, cm.Loc, "%s is defined here", cm.Name)
	return false
}

// fitCMap checks a key or value of type t used at x (nil: no single
// expression) against the C map's fixed type want, recording the
// conversion.
func (c *checker) fitCMap(m *mapState, what string, want, t types.Type, at ast.Node, x ast.Expr) {
	if !known(t) || !known(want) {
		return
	}
	if _, tuple := types.Underlying(t).(*types.Tuple); tuple && what == "key" {
		e := c.errorf(at, CodeCMap, "%s is shared with C, where its key has type %s; it cannot take several keys", m.name, typeName(want))
		c.cNote(e, m.info.C.Loc, "%s is defined here", m.info.C.Name)
		return
	}
	if a := aggOf(t); a != nil {
		e := c.errorf(at, CodeCMap, "%s is shared with C, where its %s has type %s; it cannot hold a %s aggregation", m.name, what, typeName(want), a.Kind)
		c.cNote(e, m.info.C.Loc, "%s is declared here", m.info.C.Name)
		return
	}
	sym := &Symbol{Name: m.name + "'s " + what, Type: want}
	if x == nil {
		if !types.Identical(t, want) && !sameKind(t, want) {
			e := c.errorf(at, CodeCMap, "%s is shared with C, where its %s has type %s; this is %s", m.name, what, typeName(want), typeName(t))
			c.cNote(e, m.info.C.Loc, "%s is defined here", m.info.C.Name)
		}
		return
	}
	before := len(c.diags)
	c.checkFitsAnnotated(sym, at, x, t)
	for i := before; i < len(c.diags); i++ {
		if c.diags[i].Severity == diag.Error {
			c.cNote(&c.diags[i], m.info.C.Loc, "%s is declared here with %s type %s", m.info.C.Name, what, typeName(want))
		}
	}
}

// checkCMapDelete refuses delete() on an array map defined in C: the
// elements of a BPF array always exist (the kernel refuses to delete
// them).
func (c *checker) checkCMapDelete(x *ast.CallExpr) {
	if len(x.Args) == 0 {
		return
	}
	var me *ast.MapExpr
	switch a := ast.Unparen(x.Args[0]).(type) {
	case *ast.MapExpr:
		me = a
	case *ast.MapAccess:
		me = a.Map
	}
	if me == nil || c.macro != nil {
		return
	}
	// the C's map even when delete is the script's first use of it
	name := mapName(me)
	cm := c.cMapOf(name)
	if m := c.maps[name]; m != nil {
		cm = m.info.C
	}
	if cm == nil || cm.Extern || cm.Kind != "array" && cm.Kind != "percpuarray" {
		return
	}
	e := c.errorf(x, CodeCMap, "%s is an array map defined in C, whose elements cannot be deleted; assign 0 instead", name)
	c.cNote(e, cm.Loc, "%s is defined here", cm.Name)
}

// checkExternCMaps checks, once the script's maps are inferred, the maps
// the C declares extern against the script's maps of the same names.
func (c *checker) checkExternCMaps() {
	cs, ok := c.cfg.C.(interface {
		CMapScope
		CMaps() []*CMap
	})
	if !ok || c.cfg.C == nil {
		return
	}
	for _, cm := range cs.CMaps() {
		if !cm.Extern {
			continue
		}
		if cm.Section != "" {
			c.cError(cm.Loc, "the extern declaration of the map %s is in section %q; an extern map is the script's, so it has no section of its own (remove SEC(...))", cm.Name, cm.Section)
			continue
		}
		m := c.maps["@"+cm.Name]
		if m == nil || m.firstUse == nil && m.decl == nil {
			c.cError(cm.Loc, "the imported C declares the map %s extern, but the script has no map @%s", cm.Name, cm.Name)
			continue
		}
		var at ast.Node = m.firstUse
		file := m.firstFile
		if m.decl != nil {
			at, file = m.decl.Map, m.declFile
		}
		mismatch := func(format string, args ...any) {
			e := c.reportIn(file, at, fmt.Sprintf(format, args...))
			c.cNote(e, cm.Loc, "%s is declared here: %s", cm.Name, cm.Decl)
		}
		key := m.keyType()
		kind := m.info.Kind
		if kind == "" {
			kind = m.impliedKind()
		}
		switch {
		case key == nil:
			mismatch("%s is shared with C (extern %s), so it needs a key", m.name, cm.Name)
		case aggOf(m.value) != nil:
			mismatch("%s is shared with C (extern %s), so it cannot hold %s values", m.name, cm.Name, typeName(m.value))
		case scriptMapTypes[kind] != cm.MapType:
			mismatch("%s is a %s map, but the C declares %s as %s", m.name, kind, cm.Name, bpfMapTypeName(cm.MapType))
		case cm.Key == nil || cm.Value == nil:
			mismatch("the C declares %s without key and value types; declare them with __type(key, ...) and __type(value, ...)", cm.Name)
		case !sameLayout(key, cm.Key):
			mismatch("%s has key type %s, but the C declares %s with key type %s", m.name, typeName(key), cm.Name, typeName(cm.Key))
		case !sameLayout(m.value, cm.Value):
			mismatch("%s has value type %s, but the C declares %s with value type %s", m.name, typeName(m.value), cm.Name, typeName(cm.Value))
		}
	}
}

// sameLayout says whether values of types a and b have the same bytes:
// integers of one size and signedness, or types of one kind and size.
func sameLayout(a, b types.Type) bool {
	if !known(a) || !known(b) {
		return true
	}
	ai, bi := intOf(a), intOf(b)
	if ai != nil || bi != nil {
		return ai != nil && bi != nil && ai.Size() == bi.Size() && ai.Signed == bi.Signed
	}
	return a.Size() == b.Size() && (types.Identical(a, b) || sameKind(a, b))
}

// reportIn reports an error at n in file.
func (c *checker) reportIn(file *source.File, n ast.Node, msg string) *diag.Diagnostic {
	saved := c.file
	c.file = file
	defer func() { c.file = saved }()
	return c.errorf(n, CodeCMap, "%s", msg)
}

// cError reports an error at a place in imported C.
func (c *checker) cError(loc Location, format string, args ...any) {
	c.diags = append(c.diags, diag.Diagnostic{Severity: diag.Error, Code: CodeCMap,
		Location: cDiagLocation(loc), Message: fmt.Sprintf(format, args...)})
}

// cNote adds a note at a place in imported C.
func (c *checker) cNote(d *diag.Diagnostic, loc Location, format string, args ...any) {
	if d == nil || loc.Path == "" {
		return
	}
	d.Notes = append(d.Notes, diag.Note{Location: cDiagLocation(loc), Message: fmt.Sprintf(format, args...)})
}

// cDiagLocation turns a place in C into a diagnostic location, reading
// the file for its text (a compiled object's place has no line: the
// location is the file).
func cDiagLocation(loc Location) diag.Location {
	text, err := os.ReadFile(loc.Path)
	if err != nil || loc.Line == 0 || loc.Offset > len(text) {
		return diag.Location{File: source.NewFile(loc.Path, nil)}
	}
	p := source.Pos(loc.Offset)
	return diag.Location{File: source.NewFile(loc.Path, text), Span: source.Span{Start: p, End: p}}
}

func sortedCMaps(m map[string]*CMap) []*CMap {
	out := make([]*CMap, 0, len(m))
	for _, cm := range m {
		out = append(out, cm)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
