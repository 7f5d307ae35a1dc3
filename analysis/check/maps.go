package check

import (
	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// mapState is one map's inferred facts, kept across the rounds.
type mapState struct {
	name     string // with '@'
	sym      *Symbol
	info     *MapInfo
	decl     *ast.MapDecl
	declFile *source.File
	kind     *builtins.MapKind

	key, value types.Type
	keyTyped   ast.Node
	keyFile    *source.File
	valTyped   ast.Node
	valFile    *source.File
	written    bool // assigned somewhere (any round)
	// fixed: the key and value types are the C's (a map defined in
	// imported C, cmaps.go); uses are converted to them, never widen them.
	fixed bool

	// per walk
	firstUse    ast.Node
	firstFile   *source.File
	firstScalar bool
	kindChecked bool
}

func (m *mapState) resetWalk() { m.firstUse, m.firstFile, m.kindChecked = nil, nil, false }

// keyType is the key as MapInfo reports it: nil for a scalar map.
func (m *mapState) keyType() types.Type {
	if m.firstScalar && m.firstUse != nil {
		return nil
	}
	return m.key
}

// impliedKind is the BPF map kind of a map without a declaration. A
// scalar map is a hash with the one key 0, as in bpftrace: its element
// exists once written and is gone after clear() or delete(), and a map
// without an element prints nothing.
func (m *mapState) impliedKind() string {
	if aggOf(m.value) != nil {
		return "percpuhash"
	}
	return "hash"
}

// mapOf returns the state of map name, creating it at its first mention.
func (c *checker) mapOf(name string) *mapState {
	if m, ok := c.maps[name]; ok {
		return m
	}
	m := &mapState{name: name}
	m.info = &MapInfo{Name: name}
	m.sym = &Symbol{Kind: SymMap, Name: name, Data: m.info}
	m.info.Symbol = m.sym
	c.maps[name] = m
	c.mapOrder = append(c.mapOrder, m)
	c.seedCMap(m)
	return m
}

func mapName(m *ast.MapExpr) string { return "@" + m.Name }

func (c *checker) collectMapDecl(d *ast.MapDecl) {
	if d.Map == nil {
		return
	}
	name := mapName(d.Map)
	m := c.mapOf(name)
	if m.decl != nil {
		e := c.errorf(d.Map, CodeDuplicateMapDecl, "map %s is already declared", name)
		noteAt(e, m.declFile, m.decl.Map, "first declared here")
		return
	}
	if cm := m.info.C; cm != nil && !cm.Extern {
		e := c.errorf(d.Map, CodeCMap, "map %s is defined in the imported C; the script cannot declare it again", name)
		c.cNote(e, cm.Loc, "%s is defined here", cm.Name)
		return
	}
	m.decl, m.declFile = d, c.file
	m.info.Decl = d
	m.sym.Decl, m.sym.File = d.Map, c.file
	if d.Kind == nil {
		return
	}
	kind, ok := builtins.LookupMapKind(d.Kind.Name)
	if !ok {
		var names []string
		for _, k := range builtins.MapKinds {
			names = append(names, k.Name)
		}
		e := c.errorf(d.Kind, CodeBadMapKind, "%s is not a map kind; use one of %s", d.Kind.Name, joinOr(names))
		c.suggest(e, d.Kind, d.Kind.Name, names)
		return
	}
	m.kind = kind
	m.info.Kind = kind.Name
	if len(d.Args) != 1 {
		c.errorf(d, CodeBadMapKind, "%s() takes one argument, the maximum number of entries (%d given)", kind.Name, len(d.Args))
		return
	}
	lit, ok := ast.Unparen(d.Args[0]).(*ast.IntLit)
	if !ok || lit.Value == 0 || lit.Overflow || lit.Value > 1<<31 {
		c.errorf(d.Args[0], CodeBadMapKind, "the number of entries must be a positive integer literal")
		return
	}
	m.info.MaxEntries = int(lit.Value)
}

func (c *checker) checkMapDecl(d *ast.MapDecl) {
	if d.Map == nil {
		return
	}
	m := c.maps[mapName(d.Map)]
	if m == nil || m.decl != d {
		return
	}
	c.info.Defs[d.Map] = m.sym
	for _, a := range d.Args {
		if lit, ok := ast.Unparen(a).(*ast.IntLit); ok {
			c.info.Types[a] = literalType(lit.Value)
			c.info.Consts[a] = int64(lit.Value)
		}
	}
}

// useMap records a use of map name, scalar (no keys) or keyed, at n, and
// reports a use that contradicts the first one. It returns the map.
func (c *checker) useMap(me *ast.MapExpr, n ast.Node, scalar bool) *mapState {
	return c.useMapFor(me, n, scalar, false)
}

// useMapFor is useMap; write marks an assignment, which defines the map
// when it has no declaration.
func (c *checker) useMapFor(me *ast.MapExpr, n ast.Node, scalar, write bool) *mapState {
	name := mapName(me)
	if c.macro != nil {
		if alias, ok := c.macro.maps[name]; ok {
			name = alias
		} else {
			c.errorf(me, CodeMacroUnhygienic, "macro %s cannot use map %s: pass it as a @map parameter", c.macro.def.decl.Name.Name, name)
			return nil
		}
	}
	m := c.maps[name]
	if m == nil {
		m = c.mapOf(name)
	}
	c.mapUsed[name] = true
	if write && m.sym.Decl == nil {
		m.sym.Decl, m.sym.File = me, c.file
	}
	if m.info.C != nil && (!c.cMapUsable(m, n) || m.fixed && scalar) {
		if m.fixed {
			e := c.errorf(n, CodeCMap, "%s is shared with C, where its key has type %s; use it with a key", name, typeName(m.key))
			c.cNote(e, m.info.C.Loc, "%s is declared here", m.info.C.Name)
		}
		c.info.Uses[me] = m.sym
		return m
	}
	if m.firstUse == nil {
		m.firstUse, m.firstFile, m.firstScalar = n, c.file, scalar
	} else if m.firstScalar != scalar {
		var e = c.errorf(n, CodeMapScalarKeyed, "%s", scalarMsg(name, scalar))
		noteAt(e, m.firstFile, m.firstUse, "first used here %s", usedHow(m.firstScalar))
	}
	if m.sym.Decl == me {
		c.info.Defs[me] = m.sym
	} else {
		c.info.Uses[me] = m.sym
	}
	return m
}

func scalarMsg(name string, scalar bool) string {
	if scalar {
		return name + " used as a map without an explicit key (scalar map), previously used with an explicit key (non-scalar map)"
	}
	return name + " used as a map with an explicit key (non-scalar map), previously used without an explicit key (scalar map)"
}

func usedHow(scalar bool) string {
	if scalar {
		return "without a key"
	}
	return "with a key"
}

// mapKeyType checks the keys of an access and returns the key type (a
// tuple for several keys).
func (c *checker) mapKeyType(keys []ast.Expr) types.Type {
	var elems []types.Type
	bad := false
	for _, k := range keys {
		t := c.expr(k)
		if t == nil {
			bad = true
			continue
		}
		if !c.validKey(k, t) {
			bad = true
		}
		if castableAgg(t) {
			t = aggInt(aggOf(t))
		}
		elems = append(elems, t)
	}
	if bad {
		return nil
	}
	if len(elems) == 1 {
		return elems[0]
	}
	return &types.Tuple{Elems: elems}
}

func (c *checker) validKey(k ast.Expr, t types.Type) bool {
	switch u := types.Underlying(t).(type) {
	case types.Void:
		c.errorf(k, CodeBadMapKey, "this expression has no value and cannot be a map key")
		return false
	case *types.Aggregation:
		if !castableAgg(u) {
			c.errorf(k, CodeBadMapKey, "a %s value cannot be a map key", u)
			return false
		}
	case *types.Map:
		c.errorf(k, CodeBadMapKey, "a map cannot be a map key")
		return false
	case *types.Tuple:
		for _, e := range u.Elems {
			if a := aggOf(e); a != nil {
				c.errorf(k, CodeBadMapKey, "a %s value cannot be part of a map key", a)
				return false
			}
		}
	}
	return true
}

// joinKey widens map m's key with the key type t used at n.
func (c *checker) joinKey(m *mapState, t types.Type, n ast.Node) {
	if m == nil || t == nil {
		return
	}
	if m.fixed {
		var x ast.Expr
		if ma, ok := n.(*ast.MapAccess); ok && len(ma.Keys) == 1 {
			x = ma.Keys[0]
		}
		c.fitCMap(m, "key", m.key, t, n, x)
		return
	}
	if m.key == nil {
		m.key, m.keyTyped, m.keyFile = t, n, c.file
		m.info.KeyTyped = n
		c.changed = true
		return
	}
	j, ok := join(m.key, t)
	if !ok {
		e := c.errorf(n, CodeMapKeyConflict, "Argument mismatch for %s: trying to access with arguments: '%s' when map expects arguments: '%s'",
			m.name, typeinfoFull(t), typeinfoFull(m.key))
		noteAt(e, m.keyFile, m.keyTyped, "key of %s first typed here", m.name)
		return
	}
	if j != m.key {
		if !types.Identical(j, m.key) || isFlex(j) != isFlex(m.key) {
			c.changed = true
		}
		m.key = j
	}
	if !types.Identical(t, m.key) {
		c.convertKey(n, t, m.key)
	}
}

// convertKey records the conversion of a map key to the map's key type
// on the key expressions themselves (a map access's own conversion, if
// any, is that of its value): each of several keys to its element of
// the key tuple.
func (c *checker) convertKey(n ast.Node, from, to types.Type) {
	ma, ok := n.(*ast.MapAccess)
	if !ok {
		c.convert(n, from, to)
		return
	}
	switch {
	case len(ma.Keys) == 1:
		c.convert(ma.Keys[0], from, to)
	case len(ma.Keys) > 1:
		ft, fok := types.Underlying(from).(*types.Tuple)
		tt, tok := types.Underlying(to).(*types.Tuple)
		if !fok || !tok || len(ft.Elems) != len(ma.Keys) || len(tt.Elems) != len(ma.Keys) {
			return
		}
		for i, k := range ma.Keys {
			c.convert(k, ft.Elems[i], tt.Elems[i])
		}
	}
}

// joinValue widens map m's value with t assigned at n (the assignment's
// value expression). It reports conflicts.
func (c *checker) joinValue(m *mapState, t types.Type, n ast.Node, stmt ast.Node) {
	if m == nil || t == nil {
		return
	}
	m.written = true
	if m.fixed {
		x, _ := n.(ast.Expr)
		c.fitCMap(m, "value", m.value, t, stmt, x)
		return
	}
	if m.value == nil {
		v := t
		if aggOf(t) == nil {
			v, _ = join(nil, t)
		}
		m.value, m.valTyped, m.valFile = v, stmt, c.file
		m.info.Typed = stmt
		c.changed = true
		return
	}
	if !m.kindChecked && m.kind != nil {
		m.kindChecked = true
		c.checkDeclKind(m, stmt)
	}
	cur := m.value
	if aggOf(cur) != nil || aggOf(t) != nil {
		ca, ta := aggOf(cur), aggOf(t)
		if ca == nil || ta == nil || ca.Kind != ta.Kind {
			c.valueConflict(m, t, stmt)
			return
		}
		j, ok := join(cur, t)
		if !ok {
			c.valueConflict(m, t, stmt)
			return
		}
		if !types.Identical(j, cur) {
			c.changed = true
			m.value = j
		}
		if ta.Kind != types.AggCount && !sameAggArgs(ca, ta) {
			e := c.errorf(stmt, CodeMapTypeConflict, "%s is assigned %s with different arguments than elsewhere", m.name, ta.Kind)
			noteAt(e, m.valFile, m.valTyped, "%s first assigned here", m.name)
		}
		return
	}
	j, ok := join(cur, t)
	if !ok {
		c.valueConflict(m, t, stmt)
		return
	}
	if j != cur {
		if !types.Identical(j, cur) || isFlex(j) != isFlex(cur) {
			c.changed = true
		}
		m.value = j
	}
	if x, ok := n.(ast.Expr); ok {
		c.assignConversion(x, t, m.value)
	}
}

func sameAggArgs(a, b *types.Aggregation) bool {
	if len(a.Args) != len(b.Args) {
		return true // unknown arguments on one side: nothing to compare
	}
	for i := range a.Args {
		if a.Args[i] != b.Args[i] {
			return false
		}
	}
	return true
}

func (c *checker) valueConflict(m *mapState, t types.Type, stmt ast.Node) {
	e := c.errorf(stmt, CodeMapTypeConflict, "Type mismatch for %s: trying to assign value of type '%s' when map already has a type '%s'",
		m.name, typeinfoFull(t), typeinfoFull(m.value))
	noteAt(e, m.valFile, m.valTyped, "%s first typed here as %s", m.name, typeName(m.value))
}

// checkDeclKind reports a value that does not fit the declared map kind
// (aggregations need a per-CPU map, other values a plain one).
func (c *checker) checkDeclKind(m *mapState, at ast.Node) {
	if m.kind == nil || m.value == nil {
		return
	}
	if !m.kind.Accepts(m.value) {
		var e = c.errorf(at, CodeMapKindMismatch, "map %s is declared as %s, which cannot hold %s values",
			m.name, m.kind.Name, typeName(m.value))
		if aggOf(m.value) != nil {
			e.Hint = "aggregations need a per-CPU map: declare it as percpuhash or percpulruhash"
		} else {
			e.Hint = "per-CPU maps only hold aggregations (count(), sum(), hist(), ...): declare it as hash or lruhash"
		}
		noteAt(e, m.declFile, m.decl, "declared here")
	}
}

// mapValue returns the value type of m as read at n. A map that nothing
// assigns (checked syntactically before the walks, so a read before the
// assignment is fine) reads as zero, with a warning.
func (c *checker) mapValue(m *mapState, n *ast.MapExpr) types.Type {
	if m == nil {
		return nil
	}
	if m.value == nil {
		if !m.written && m.decl == nil && !c.writtenMaps[m.name] {
			// bpftrace reads a map nothing assigns as zero; it is almost
			// always a typo.
			e := c.warnf(n, CodeUnassignedMap, "map %s is never assigned, so it always reads as 0", m.name)
			var names []string
			for _, o := range c.mapOrder {
				if o != m && (o.written || o.decl != nil) {
					names = append(names, o.name)
				}
			}
			c.suggestFix(e, n, m.name, names)
			return types.Int64
		}
		return nil
	}
	return m.value
}
