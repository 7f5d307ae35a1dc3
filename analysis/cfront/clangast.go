package cfront

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/bt-tools/bt/analysis/types"
)

// The JSON AST as clang dumps it, the parts this package reads.

type jloc struct {
	Offset       *int   `json:"offset"`
	File         string `json:"file"`
	Line         int    `json:"line"`
	Col          int    `json:"col"`
	TokLen       int    `json:"tokLen"`
	SpellingLoc  *jloc  `json:"spellingLoc"`
	ExpansionLoc *jloc  `json:"expansionLoc"`

	rfile string // the file, resolved from the elided form
}

type jrange struct {
	Begin jloc `json:"begin"`
	End   jloc `json:"end"`
}

type jtype struct {
	QualType          string `json:"qualType"`
	DesugaredQualType string `json:"desugaredQualType"`
}

type jref struct {
	ID string `json:"id"`
}

type jnode struct {
	ID                 string          `json:"id"`
	Kind               string          `json:"kind"`
	Loc                *jloc           `json:"loc"`
	Range              *jrange         `json:"range"`
	Name               string          `json:"name"`
	TagUsed            string          `json:"tagUsed"`
	CompleteDefinition bool            `json:"completeDefinition"`
	IsImplicit         bool            `json:"isImplicit"`
	Type               *jtype          `json:"type"`
	StorageClass       string          `json:"storageClass"`
	Variadic           bool            `json:"variadic"`
	Inline             bool            `json:"inline"`
	IsBitfield         bool            `json:"isBitfield"`
	Value              json.RawMessage `json:"value"`
	OwnedTagDecl       *jref           `json:"ownedTagDecl"`
	FixedUnderlying    *jtype          `json:"fixedUnderlyingType"`
	SectionName        string          `json:"section_name"` // a SectionAttr's section
	Inner              []*jnode        `json:"inner"`
}

// eff is the location that counts for a position: the expansion of a
// macro, else the spelling.
func (l *jloc) eff() *jloc {
	if l == nil {
		return nil
	}
	if l.ExpansionLoc != nil {
		return l.ExpansionLoc
	}
	return l
}

func (l *jloc) valid() bool { return l != nil && l.Offset != nil }

// locTracker restores the file names clang elides: a location names its
// file only when it differs from the previous location written.
type locTracker struct{ file string }

func (t *locTracker) bare(l *jloc) {
	if l == nil {
		return
	}
	if l.File != "" {
		t.file = l.File
	}
	if l.Offset != nil {
		l.rfile = t.file
	}
}

func (t *locTracker) loc(l *jloc) {
	if l == nil {
		return
	}
	if l.SpellingLoc != nil || l.ExpansionLoc != nil {
		t.bare(l.SpellingLoc)
		t.bare(l.ExpansionLoc)
		return
	}
	t.bare(l)
}

// walk visits locations in the order clang wrote them.
func (t *locTracker) walk(n *jnode) {
	t.loc(n.Loc)
	if n.Range != nil {
		t.loc(&n.Range.Begin)
		t.loc(&n.Range.End)
	}
	for _, c := range n.Inner {
		t.walk(c)
	}
}

// recLayout is one record's layout from -fdump-record-layouts.
type recLayout struct {
	kw          string // struct or union
	size, align int
	fields      []fieldLayout // the record's own members, in order
}

type fieldLayout struct {
	bitOff   int
	bitWidth int    // -1 unless a bitfield
	spelling string // the member's type as printed
	name     string
}

var anonRe = regexp.MustCompile(`(?:[A-Za-z_]\w*::)*\((?:anonymous|unnamed)(?: struct| union| enum)? at ([^)]*)\)`)

// anonKeyRe is anonRe with the keyword clang prints before it: one
// macro expansion (the kernel's __struct_group) makes an anonymous union
// and two structs without a tag at the same location. The keyword tells
// the union from the structs; the two structs have the same members by
// construction (and clang's layout dumps call both "unnamed", where its
// AST calls one "anonymous"), so they may share a key.
var anonKeyRe = regexp.MustCompile(`\b(struct|union|enum)\s+(?:[A-Za-z_]\w*::)*\((?:anonymous|unnamed)(?: struct| union| enum)? at ([^)]*)\)`)

// recordKey names a record as printed by clang ("struct foo", "union
// foo::(anonymous at f.c:3:4)") the way this package keys records:
// "struct foo", or "@f.c:3:4|union" for records without a tag ("@f.c:3:4"
// when clang printed no keyword).
func recordKey(printed string) string {
	if m := anonKeyRe.FindStringSubmatch(printed); m != nil {
		return "@" + m[2] + "|" + m[1]
	}
	if m := anonRe.FindStringSubmatch(printed); m != nil {
		return "@" + m[1]
	}
	return strings.TrimSpace(printed)
}

// readLayouts parses record layout dumps from r up to the line that
// starts the JSON AST ("{"), leaving r there.
func readLayouts(r *bufio.Reader, into map[string]*recLayout) (sawJSON bool, err error) {
	var cur *recLayout
	for {
		line, err := r.ReadString('\n')
		if line == "{\n" || line == "{" {
			return true, nil
		}
		if line != "" {
			cur = parseLayoutLine(strings.TrimRight(line, "\n"), cur, into)
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}

func parseLayoutLine(line string, cur *recLayout, into map[string]*recLayout) *recLayout {
	if strings.HasPrefix(line, "*** Dumping AST Record Layout") {
		return nil
	}
	bar := strings.Index(line, " | ")
	if bar < 0 {
		return cur
	}
	offPart := strings.TrimSpace(line[:bar])
	rest := line[bar+3:]
	if offPart == "" {
		// "| [sizeof=24, align=8]"
		if cur != nil && strings.HasPrefix(strings.TrimSpace(rest), "[sizeof=") {
			for _, kv := range strings.Split(strings.Trim(strings.TrimSpace(rest), "[]"), ",") {
				k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
				n, _ := strconv.Atoi(v)
				switch k {
				case "sizeof":
					cur.size = n
				case "align":
					cur.align = n
				}
			}
		}
		return cur
	}
	indent := len(rest) - len(strings.TrimLeft(rest, " "))
	level := indent / 2
	if level == 0 {
		key := recordKey(strings.TrimSpace(rest))
		if _, dup := into[key]; dup {
			return &recLayout{} // laid out before; ignore the repeat
		}
		heading := strings.TrimSpace(rest)
		kw, _, _ := strings.Cut(heading, " ")
		l := &recLayout{kw: kw}
		into[key] = l
		return l
	}
	if level != 1 || cur == nil {
		return cur
	}
	fl := fieldLayout{bitWidth: -1}
	decl := rest[2:]
	if strings.HasSuffix(decl, " ") {
		fl.spelling = strings.TrimSpace(decl)
	} else if i := strings.LastIndexByte(decl, ' '); i > 0 {
		fl.spelling, fl.name = strings.TrimSpace(decl[:i]), decl[i+1:]
	}
	byteStr, bits, isBF := strings.Cut(offPart, ":")
	b, _ := strconv.Atoi(byteStr)
	fl.bitOff = b * 8
	if isBF {
		fl.bitWidth = 0
		if lo, hi, ok := strings.Cut(bits, "-"); ok && lo != "" && hi != "" {
			l, _ := strconv.Atoi(lo)
			h, err := strconv.ParseInt(hi, 10, 64)
			fl.bitOff += l
			if err == nil && h >= int64(l) {
				fl.bitWidth = int(h) - l + 1
			}
		}
	}
	cur.fields = append(cur.fields, fl)
	return cur
}

// decodeAST reads the JSON AST from r, giving each top-level declaration
// (with its locations resolved) to fn.
func decodeAST(r io.Reader, fn func(*jnode)) error {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("cfront: AST dump does not start with an object")
	}
	var tr locTracker
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := kt.(string)
		if key != "inner" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		if t, err := dec.Token(); err != nil {
			return err
		} else if d, ok := t.(json.Delim); !ok || d != '[' {
			return fmt.Errorf("cfront: AST dump: inner is not a list")
		}
		for dec.More() {
			var n jnode
			if err := dec.Decode(&n); err != nil {
				return err
			}
			tr.walk(&n)
			fn(&n)
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
	}
	return nil
}

// Building types from the AST.

type recInfo struct {
	key      string
	union    bool
	name     string
	complete bool
	fields   []*jnode
	attrs    recordAttrs
	loc      *jloc
	st       *types.Struct
	built    bool
}

type typedefInfo struct {
	node *jnode
	// ptrSpelling, for typedefs learned from a probe, is a pointer to
	// the typedef's type, canonical.
	ptrSpelling string
	owned       string // id of an untagged record or enum it names
	t           *types.Typedef
	busy        bool
}

// astBuilder turns declarations from the JSON AST into types.
type astBuilder struct {
	j        *clangJob
	layouts  map[string]*recLayout
	records  map[string]*recInfo // by key
	byID     map[string]*recInfo
	enumByID map[string]*types.Enum
	typedefs map[string]*typedefInfo
	order    []string // typedef names in order
	sc       *scope
	anon     []string // __bt_anon_N -> record key
	funcs    []*jnode
	vars     []*jnode
	parsed   map[string]types.Type
	// probedEnums are sizes of enums from a precompiled header.
	probedEnums map[string]int
}

func newASTBuilder(j *clangJob, layouts map[string]*recLayout) *astBuilder {
	b := &astBuilder{
		j: j, layouts: layouts,
		records:  map[string]*recInfo{},
		byID:     map[string]*recInfo{},
		enumByID: map[string]*types.Enum{},
		typedefs: map[string]*typedefInfo{},
		parsed:   map[string]types.Type{},

		probedEnums: map[string]int{},
	}
	b.sc = newScope()
	b.sc.missTypedef = b.resolveTypedef
	b.sc.missTag = b.resolveTag
	return b
}

func (b *astBuilder) locKey(l *jloc) string {
	e := l.eff()
	if !e.valid() {
		return ""
	}
	// clang prints presumed positions; without #line they are the
	// actual file, line and column.
	return "@" + e.rfile + ":" + strconv.Itoa(b.lineOf(e)) + ":" + strconv.Itoa(e.Col)
}

// lineOf computes a location's line from its offset (clang elides lines
// as it elides files).
func (b *astBuilder) lineOf(l *jloc) int {
	if b.j.isMain(l.rfile) {
		return strings.Count(b.j.c.text[:min(*l.Offset, len(b.j.c.text))], "\n") + 1
	}
	f := b.j.fileText(l.rfile)
	return f.Position(sourcePos(*l.Offset)).Line
}

// add takes one top-level declaration.
func (b *astBuilder) add(n *jnode) {
	if n.IsImplicit || b.inTrailer(n.Loc) {
		return
	}
	switch n.Kind {
	case "RecordDecl":
		b.addRecord(n)
	case "TypedefDecl":
		ti := &typedefInfo{node: n}
		for _, c := range n.Inner {
			if c.OwnedTagDecl != nil {
				ti.owned = c.OwnedTagDecl.ID
			}
			for _, cc := range c.Inner {
				if cc.Kind == "RecordType" || cc.Kind == "EnumType" {
					_ = cc
				}
			}
		}
		for _, c := range n.Inner {
			b.walkNested(c)
		}
		if _, dup := b.typedefs[n.Name]; !dup {
			b.order = append(b.order, n.Name)
		}
		b.typedefs[n.Name] = ti
	case "EnumDecl":
		b.addEnum(n)
	case "FunctionDecl":
		if b.j.isMain(n.Loc.eff().rfile) {
			b.funcs = append(b.funcs, n)
		}
	case "VarDecl":
		if b.j.isMain(n.Loc.eff().rfile) {
			b.vars = append(b.vars, n)
		}
	}
}

// inTrailer reports whether l is in the trailer this package appends.
func (b *astBuilder) inTrailer(l *jloc) bool {
	e := l.eff()
	return e.valid() && b.j.isMain(e.rfile) && *e.Offset >= b.j.mainLen
}

// walkNested registers records and enums defined inside other nodes.
func (b *astBuilder) walkNested(n *jnode) {
	switch n.Kind {
	case "RecordDecl":
		b.addRecord(n)
	case "EnumDecl":
		b.addEnum(n)
	}
}

func (b *astBuilder) addRecord(n *jnode) *recInfo { return b.addRecordKeyed(n, "") }

// addRecordKeyed registers a record; key, when set, is the key of a
// record without a tag as the member declared with it prints it.
func (b *astBuilder) addRecordKeyed(n *jnode, key string) *recInfo {
	union := n.TagUsed == "union"
	if n.Name != "" {
		key = n.TagUsed + " " + n.Name
	} else if key == "" {
		key = b.locKey(n.Loc)
	}
	ri := b.records[key]
	if ri == nil {
		ri = &recInfo{key: key, union: union, name: n.Name, loc: n.Loc}
		ri.st = types.NewStruct(n.Name, union, 0, nil)
		ri.st.Origin = "c"
		b.records[key] = ri
	}
	b.byID[n.ID] = ri
	if !n.CompleteDefinition || ri.complete {
		for _, c := range n.Inner {
			b.walkNested(c)
		}
		return ri
	}
	ri.complete = true
	ri.loc = n.Loc
	for i, c := range n.Inner {
		if c.Kind == "RecordDecl" && c.Name == "" && i+1 < len(n.Inner) && n.Inner[i+1].Kind == "FieldDecl" && n.Inner[i+1].Type != nil {
			// The member declared with a record without a tag names it.
			if k := recordKey(n.Inner[i+1].Type.QualType); strings.HasPrefix(k, "@") {
				b.addRecordKeyed(c, k)
				continue
			}
		}
		switch c.Kind {
		case "FieldDecl":
			ri.fields = append(ri.fields, c)
		case "PackedAttr":
			ri.attrs.packed = true
		case "AlignedAttr":
			ri.attrs.align = max(ri.attrs.align, alignedValue(c))
		default:
			b.walkNested(c)
		}
	}
	if n.Name != "" && b.j.u != nil {
		b.j.u.Types[key] = ri.st
		b.j.u.TypeLocs[key] = b.j.location(n.Loc.eff().rfile, *n.Loc.eff().Offset)
	}
	return ri
}

// alignedValue reads N from an AlignedAttr's constant expression.
func alignedValue(n *jnode) int {
	for _, c := range n.Inner {
		if c.Kind == "ConstantExpr" && c.Value != nil {
			var s string
			if json.Unmarshal(c.Value, &s) == nil {
				v, _ := strconv.Atoi(s)
				return v
			}
		}
	}
	return 8
}

func (b *astBuilder) addEnum(n *jnode) {
	var vals []types.EnumValue
	var locs []*jloc
	next := int64(0)
	for _, c := range n.Inner {
		if c.Kind != "EnumConstantDecl" {
			continue
		}
		v := next
		if ce := findKind(c, "ConstantExpr"); ce != nil && ce.Value != nil {
			var s string
			if json.Unmarshal(ce.Value, &s) == nil {
				if x, err := strconv.ParseInt(s, 10, 64); err == nil {
					v = x
				} else if u, err := strconv.ParseUint(s, 10, 64); err == nil {
					v = int64(u)
				}
			}
		}
		vals = append(vals, types.EnumValue{Name: c.Name, Value: v})
		locs = append(locs, c.Loc)
		next = v + 1
	}
	packed := false
	for _, c := range n.Inner {
		if c.Kind == "PackedAttr" {
			packed = true
		}
	}
	e := enumType(n.Name, vals, packed)
	if n.FixedUnderlying != nil {
		if t, err := b.parseType(n.FixedUnderlying.QualType); err == nil {
			if it, ok := types.Underlying(t).(*types.Int); ok {
				e.Bytes, e.Signed = it.Bits/8, it.Signed
			}
		}
	}
	key := "enum " + n.Name
	if n.Name == "" {
		key = b.locKey(n.Loc)
	}
	if len(vals) == 0 {
		if _, ok := b.sc.tags[key]; !ok {
			e.Bytes, e.Signed = 4, true
			b.sc.tags[key] = e
		}
		return
	}
	if old, ok := b.sc.tags[key].(*types.Enum); ok {
		*old = *e
		e = old
	}
	b.sc.tags[key] = e
	b.enumByID[n.ID] = e
	u := b.j.u
	if n.Name != "" {
		u.Types[key] = e
		u.TypeLocs[key] = b.j.location(n.Loc.eff().rfile, *n.Loc.eff().Offset)
	}
	for i, v := range vals {
		b.sc.consts[v.Name] = cval{v: uint64(v.Value)}
		l := locs[i].eff()
		en := &Enumerator{Name: v.Name, Value: v.Value, Enum: e}
		if l.valid() {
			en.Loc = b.j.location(l.rfile, *l.Offset)
		}
		u.Enumerators[v.Name] = en
	}
}

// findKind finds the first node of a kind below n, depth first.
func findKind(n *jnode, kind string) *jnode {
	for _, c := range n.Inner {
		if c.Kind == kind {
			return c
		}
		if f := findKind(c, kind); f != nil {
			return f
		}
	}
	return nil
}

func (b *astBuilder) resolveTypedef(name string) (types.Type, bool) {
	ti := b.typedefs[name]
	if ti == nil {
		return nil, false
	}
	if ti.t != nil {
		return ti.t, true
	}
	if ti.busy {
		return nil, false
	}
	ti.busy = true
	defer func() { ti.busy = false }()
	td := &types.Typedef{Name: name}
	ti.t = td
	if ti.ptrSpelling != "" {
		td.Type = &Unsupported{Spelling: name}
		if t, err := b.parseType(ti.ptrSpelling); err == nil {
			if p, ok := t.(*types.Pointer); ok {
				td.Type = p.Elem
			}
		}
	} else if ri := b.byID[ti.owned]; ri != nil {
		td.Type = ri.st
	} else if e := b.enumByID[ti.owned]; e != nil {
		td.Type = e
	} else if t, err := b.parseType(ti.node.Type.QualType); err == nil {
		td.Type = t
	} else {
		td.Type = &Unsupported{Spelling: ti.node.Type.QualType}
	}
	return td, true
}

func (b *astBuilder) resolveTag(key string) (types.Type, bool) {
	kw, name, _ := strings.Cut(key, " ")
	if strings.HasPrefix(name, "__bt_anon_") {
		i, _ := strconv.Atoi(strings.TrimPrefix(name, "__bt_anon_"))
		if i < len(b.anon) {
			k := b.anon[i]
			if ri := b.records[k]; ri != nil {
				return ri.st, true
			}
			// A top-level record without a tag is keyed by location.
			if loc, _, refined := strings.Cut(k, "|"); refined {
				if ri := b.records[loc]; ri != nil {
					return ri.st, true
				}
				k = loc
			}
			if e, ok := b.sc.tags[k]; ok {
				return e, true
			}
		}
		return nil, false
	}
	if ri := b.records[key]; ri != nil {
		return ri.st, true
	}
	// clang prints `typedef struct { } foo;` as "struct foo".
	if ti := b.typedefs[name]; ti != nil && ti.owned != "" {
		if ri := b.byID[ti.owned]; ri != nil {
			return ri.st, true
		}
		if e := b.enumByID[ti.owned]; e != nil {
			return e, true
		}
	}
	switch kw {
	case "struct", "union":
		// Declared but never defined here: an incomplete type.
		ri := &recInfo{key: key, union: kw == "union", name: name}
		ri.st = types.NewStruct(name, kw == "union", 0, nil)
		ri.st.Origin = "c"
		b.records[key] = ri
		return ri.st, true
	case "enum":
		if size, ok := b.probedEnums[key]; ok {
			// From a precompiled header: the size is clang's; the
			// values are not known here (BTF has them).
			return &types.Enum{Name: name, Bytes: size}, true
		}
		return &types.Enum{Name: name, Bytes: 4, Signed: true}, true
	}
	return nil, false
}

// addDumpRecord registers a record known only from a layout dump (with
// canonical member types), as a probe of a precompiled header gives.
func (b *astBuilder) addDumpRecord(key string, l *recLayout) {
	if ri := b.records[key]; ri != nil && ri.complete {
		return
	}
	kw := l.kw
	name := ""
	if !strings.HasPrefix(key, "@") {
		kw, name, _ = strings.Cut(key, " ")
	}
	ri := b.records[key]
	if ri == nil {
		ri = &recInfo{key: key, union: kw == "union", name: name}
		ri.st = types.NewStruct(name, kw == "union", 0, nil)
		ri.st.Origin = "c"
		b.records[key] = ri
	}
	ri.complete = true
	for _, f := range l.fields {
		n := &jnode{Kind: "FieldDecl", Name: f.name, Type: &jtype{QualType: f.spelling}}
		if f.bitWidth >= 0 {
			n.IsBitfield = true
			v, _ := json.Marshal(strconv.Itoa(f.bitWidth))
			n.Inner = []*jnode{{Kind: "ConstantExpr", Value: v}}
		}
		ri.fields = append(ri.fields, n)
	}
	b.layouts[key] = l
}

// unresolvedNames lists the typedef names and tags that the declarations
// read so far use but do not define.
func (b *astBuilder) unresolvedNames() (typedefs, tags []string) {
	seenT, seenG := map[string]bool{}, map[string]bool{}
	scan := func(jt *jtype) {
		if jt == nil {
			return
		}
		s := anonRe.ReplaceAllString(jt.QualType, "__bt_anon")
		toks := lex(s, 0, len(s))
		for i := 0; i < len(toks); i++ {
			t := toks[i]
			if t.kind != tIdent {
				continue
			}
			switch {
			case t.text == "__attribute__" || t.text == "__attribute":
				depth := 0
				for i++; i < len(toks); i++ {
					if toks[i].is("(") {
						depth++
					} else if toks[i].is(")") {
						depth--
						if depth == 0 {
							break
						}
					}
				}
			case t.text == "struct" || t.text == "union" || t.text == "enum":
				if i+1 < len(toks) && toks[i+1].kind == tIdent && toks[i+1].text != "__bt_anon" {
					key := t.text + " " + toks[i+1].text
					_, isTag := b.sc.tags[key]
					ri := b.records[key]
					if !isTag && (ri == nil || !ri.complete) && b.typedefs[toks[i+1].text] == nil && !seenG[key] {
						seenG[key] = true
						tags = append(tags, key)
					}
				}
				i++
			case isBasicTypeWord(t.text) || isStorageOrQual(t.text) || t.text == "__bt_anon":
			default:
				if b.typedefs[t.text] == nil && !seenT[t.text] {
					seenT[t.text] = true
					typedefs = append(typedefs, t.text)
				}
			}
		}
	}
	var walk func(n *jnode)
	walk = func(n *jnode) {
		switch n.Kind {
		case "FieldDecl", "TypedefDecl", "FunctionDecl", "ParmVarDecl", "VarDecl":
			scan(n.Type)
		}
		if n.Kind == "CompoundStmt" {
			return
		}
		for _, c := range n.Inner {
			walk(c)
		}
	}
	for _, ri := range b.records {
		for _, f := range ri.fields {
			walk(f)
		}
	}
	for _, name := range b.order {
		walk(b.typedefs[name].node)
	}
	for _, n := range b.funcs {
		walk(n)
	}
	for _, n := range b.vars {
		walk(n)
	}
	return typedefs, tags
}

// parseType parses a type as clang spells it.
func (b *astBuilder) parseType(s string) (types.Type, error) {
	if t, ok := b.parsed[s]; ok {
		return t, nil
	}
	src := anonKeyRe.ReplaceAllStringFunc(s, func(m string) string {
		sm := anonKeyRe.FindStringSubmatch(m)
		b.anon = append(b.anon, recordKey(m))
		return sm[1] + " __bt_anon_" + strconv.Itoa(len(b.anon)-1)
	})
	src = anonRe.ReplaceAllStringFunc(src, func(m string) string {
		b.anon = append(b.anon, recordKey(m))
		return "__bt_anon_" + strconv.Itoa(len(b.anon)-1)
	})
	p := &parser{src: src, toks: lex(src, 0, len(src)), sc: b.sc}
	var t types.Type
	var perr error
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(bailout); !ok {
					panic(r)
				}
				perr = fmt.Errorf("cannot read C type %q", s)
			}
		}()
		t = p.typeName()
		if p.peek().kind != tEOF {
			perr = fmt.Errorf("cannot read C type %q", s)
		}
	}()
	if perr != nil {
		return nil, perr
	}
	b.parsed[s] = t
	return t, nil
}

// typeOf parses a node's type, or stands in an Unsupported type.
func (b *astBuilder) typeOf(jt *jtype) types.Type {
	if jt == nil {
		return &Unsupported{}
	}
	t, err := b.parseType(jt.QualType)
	if err != nil && jt.DesugaredQualType != "" {
		t, err = b.parseType(jt.DesugaredQualType)
	}
	if err != nil {
		return &Unsupported{Spelling: jt.QualType}
	}
	return t
}

// buildRecords fills every complete record's fields with clang's layout,
// or this package's layout engine where clang did not dump one.
func (b *astBuilder) buildRecords() {
	for _, key := range sortedKeys(b.records) {
		ri := b.records[key]
		if !ri.complete || ri.built {
			continue
		}
		ri.built = true
		var fs []fieldSpec
		var names []bool
		for _, f := range ri.fields {
			t := b.typeOf(f.Type)
			w := -1
			if f.IsBitfield {
				w = bitWidth(f)
			}
			fs = append(fs, fieldSpec{name: f.Name, typ: t, bitWidth: w})
			names = append(names, f.Name != "" || !f.IsBitfield)
		}
		lay := b.layouts[key]
		if lay != nil && len(lay.fields) == len(fs) {
			var fields []types.Field
			for i, f := range fs {
				if !names[i] {
					continue // unnamed bitfield: padding
				}
				fl := types.Field{Name: f.name, Type: f.typ, BitOffset: lay.fields[i].bitOff}
				if f.bitWidth >= 0 {
					fl.BitSize = lay.fields[i].bitWidth
				}
				fields = append(fields, fl)
			}
			ri.st.SetFields(fields)
			ri.st.Bytes, ri.st.AlignBytes = lay.size, lay.align
			continue
		}
		fields, size, align := layoutRecord(ri.union, fs, ri.attrs)
		ri.st.SetFields(fields)
		ri.st.Bytes, ri.st.AlignBytes = size, align
	}
}

func bitWidth(f *jnode) int {
	for _, c := range f.Inner {
		if c.Kind == "ConstantExpr" && c.Value != nil {
			var s string
			if json.Unmarshal(c.Value, &s) == nil {
				v, _ := strconv.Atoi(s)
				return v
			}
		}
	}
	return 0
}

// Unsupported is a C type this package cannot represent (vector types,
// _Atomic, typeof of an expression...); Spelling is clang's.
type Unsupported struct {
	Spelling string
}

func (t *Unsupported) String() string { return t.Spelling }
func (t *Unsupported) Size() int      { return 0 }
func (t *Unsupported) Align() int     { return 1 }
