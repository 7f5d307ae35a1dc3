package cheader

import (
	"math"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// Ordering. A declaration is written only after everything it needs:
// deps(t, strong) walks the types a declaration mentions. strong means the
// type must be complete (embedded by value, array element); through a
// pointer or in a function prototype a struct or union only needs to be
// declared, so it gets a forward declaration if it has not been defined
// yet. Typedefs and named enums are always written before their first use;
// anonymous structs and unions are written inline, so what their members
// need is needed by the declaration that contains them.

func (g *gen) push(i int32) { g.stack = append(g.stack, i) }
func (g *gen) pop()         { g.stack = g.stack[:len(g.stack)-1] }

func (g *gen) deps(t btf.Type, strong bool) {
	for {
		switch x := t.(type) {
		case *btf.Pointer:
			t, strong = x.Target, false
		case *btf.Array:
			t, strong = x.Type, true
		case *btf.Const:
			t = x.Type
		case *btf.Volatile:
			t = x.Type
		case *btf.Restrict:
			t = x.Type
		case *btf.TypeTag:
			t = x.Type
		case *btf.Typedef:
			g.declareTypedef(g.index(t))
			if !strong {
				return
			}
			t = x.Type
		case *btf.Struct, *btf.Union:
			i := g.index(t)
			if t.TypeName() != "" {
				if strong {
					g.define(i)
				} else {
					g.declare(i)
				}
				return
			}
			if g.anonBusy[i] {
				return
			}
			g.anonBusy[i] = true
			ms, _, _ := members(t)
			for _, m := range ms {
				g.deps(m.Type, true)
			}
			g.anonBusy[i] = false
			return
		case *btf.Enum:
			if x.Name != "" && len(x.Values) > 0 {
				g.defineEnum(g.index(t))
			}
			return
		case *btf.Fwd:
			g.declareFwd(g.index(t))
			return
		case *btf.FuncProto:
			g.deps(x.Return, false)
			for _, p := range x.Params {
				g.deps(p.Type, false)
			}
			return
		default:
			return
		}
	}
}

// embedded writes the definitions t needs by value, skipping anything
// behind a pointer or in a function prototype.
func (g *gen) embedded(t btf.Type) {
	for {
		switch x := t.(type) {
		case *btf.Array:
			t = x.Type
		case *btf.Const:
			t = x.Type
		case *btf.Volatile:
			t = x.Type
		case *btf.Restrict:
			t = x.Type
		case *btf.TypeTag:
			t = x.Type
		case *btf.Typedef:
			g.declareTypedef(g.index(t))
			t = x.Type
		case *btf.Struct, *btf.Union:
			i := g.index(t)
			if t.TypeName() != "" {
				g.define(i)
				return
			}
			if g.anonBusy[i] {
				return
			}
			g.anonBusy[i] = true
			ms, _, _ := members(t)
			for _, m := range ms {
				g.embedded(m.Type)
			}
			g.anonBusy[i] = false
			return
		case *btf.Enum:
			if x.Name != "" && len(x.Values) > 0 {
				g.defineEnum(g.index(t))
			}
			return
		default:
			return
		}
	}
}

// define writes the definition of the named struct or union at i.
func (g *gen) define(i int32) {
	if g.state[i] != stNone {
		return
	}
	g.state[i] = stBusy
	g.push(i)
	g.plan(i)
	ms, _, _ := members(g.types[i])
	// What is embedded first, so that records defined on the way need
	// no forward declaration; then what is only pointed to.
	for _, m := range ms {
		g.embedded(m.Type)
	}
	for _, m := range ms {
		g.deps(m.Type, true)
	}
	g.out = g.composite(g.out, i, 0)
	g.out = append(g.out, ";\n\n"...)
	g.pop()
	g.state[i] = stDone
}

// declare makes the named struct or union at i usable through a pointer.
func (g *gen) declare(i int32) {
	switch g.state[i] {
	case stDone:
		return
	case stBusy:
		// Its definition is being prepared: references from inside it
		// need nothing, but a declaration written before it does.
		if g.stack[len(g.stack)-1] == i {
			return
		}
	}
	if g.fwdDone[i] {
		return
	}
	g.fwdDone[i] = true
	if _, ok := g.types[i].(*btf.Union); ok {
		g.out = append(g.out, "union "...)
	} else {
		g.out = append(g.out, "struct "...)
	}
	g.out = append(g.out, g.names[i]...)
	g.out = append(g.out, ";\n\n"...)
}

func (g *gen) declareFwd(i int32) {
	if c := g.fwdAlias[i]; c >= 0 {
		g.declare(c)
		return
	}
	if g.fwdDone[i] {
		return
	}
	g.fwdDone[i] = true
	g.out = append(g.out, g.fwdSpelling(g.types[i].(*btf.Fwd))...)
	g.out = append(g.out, ";\n\n"...)
}

func (g *gen) fwdSpelling(f *btf.Fwd) string {
	i := g.index(f)
	name := g.names[i]
	if c := g.fwdAlias[i]; c >= 0 {
		name = g.names[c]
	}
	if f.Kind == btf.FwdUnion {
		return "union " + name
	}
	return "struct " + name
}

func (g *gen) declareTypedef(i int32) {
	if g.state[i] != stNone {
		return
	}
	td := g.types[i].(*btf.Typedef)
	if g.names[i] == "__builtin_va_list" {
		g.state[i] = stDone
		return
	}
	g.state[i] = stBusy
	g.push(i)
	g.deps(td.Type, false)
	g.out = append(g.out, "typedef "...)
	if _, void := td.Type.(*btf.Void); (void || td.Type == nil) && td.Name == "__gnuc_va_list" {
		// old GCC describes __gnuc_va_list as void
		g.out = append(g.out, "__builtin_va_list __gnuc_va_list"...)
	} else {
		g.out = append(g.out, g.decl(td.Type, g.names[i], 0)...)
	}
	if g.opts.DeclTags {
		g.out = declTags(g.out, td.Tags)
	}
	g.out = append(g.out, ";\n\n"...)
	g.pop()
	g.state[i] = stDone
}

func (g *gen) defineEnum(i int32) {
	if g.state[i] != stNone {
		return
	}
	g.state[i] = stDone
	g.out = g.enumDef(g.out, i, 0)
	g.out = append(g.out, ";\n\n"...)
}

func (g *gen) standaloneEnum(i int32) {
	if g.enumDone[i] {
		return
	}
	g.out = g.enumDef(g.out, i, 0)
	g.out = append(g.out, ";\n\n"...)
}

// top writes the top-level declaration of type i, if it has one.
func (g *gen) top(i int32, roots bool) {
	switch x := g.types[i].(type) {
	case *btf.Struct, *btf.Union:
		if x.TypeName() != "" {
			g.define(i)
		}
	case *btf.Enum:
		switch {
		case len(x.Values) == 0:
		case x.Name != "":
			g.defineEnum(i)
		case roots || !g.enumOK[i]:
			g.standaloneEnum(i)
		}
	case *btf.Typedef:
		if roots {
			// asked for by name: make it usable by value
			g.deps(x, true)
		} else {
			g.declareTypedef(i)
		}
	case *btf.Fwd:
		g.declareFwd(i)
	}
}

func (g *gen) run() ([]byte, error) {
	g.out = make([]byte, 0, 4<<20)
	guard := g.opts.Guard
	if guard == "" {
		guard = "__VMLINUX_H__"
	}
	kfuncs := g.kfuncs
	if len(g.roots) > 0 {
		kfuncs = nil
		for _, r := range g.roots {
			if _, ok := g.types[r].(*btf.Func); ok {
				kfuncs = append(kfuncs, r)
			}
		}
		// keep the name order of g.kfuncs
		sel := map[int32]bool{}
		for _, k := range kfuncs {
			sel[k] = true
		}
		kfuncs = kfuncs[:0]
		for _, k := range g.kfuncs {
			if sel[k] {
				kfuncs = append(kfuncs, k)
			}
		}
	}
	if g.opts.NoKfuncs {
		kfuncs = nil
	}

	g.out = append(g.out, "/* Generated from BTF by bt (btfindex/cheader). DO NOT EDIT. */\n\n"...)
	g.out = append(g.out, "#ifndef "+guard+"\n#define "+guard+"\n\n"...)
	if !g.opts.NoPreserveAccessIndex {
		g.out = append(g.out, pragmaCond+"\n#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n"...)
	}
	if len(kfuncs) > 0 {
		g.out = append(g.out, kfuncMacros...)
	}

	if len(g.roots) > 0 {
		for _, r := range g.roots {
			g.top(r, true)
		}
	} else {
		for i := range g.types {
			g.top(int32(i), false)
		}
		// anonymous enums whose single user was never written (say,
		// an anonymous struct only a variable uses)
		for i, t := range g.types {
			if e, ok := t.(*btf.Enum); ok && e.Name == "" && len(e.Values) > 0 {
				g.standaloneEnum(int32(i))
			}
		}
	}

	if len(kfuncs) > 0 {
		for _, k := range kfuncs {
			g.deps(g.types[k].(*btf.Func).Type, false)
		}
		g.out = append(g.out, "/* BPF kfuncs */\n#ifndef BPF_NO_KFUNC_PROTOTYPES\n"...)
		for _, k := range kfuncs {
			fn := g.types[k].(*btf.Func)
			g.out = append(g.out, "extern "...)
			if g.fastcall[k] {
				g.out = append(g.out, "__bpf_fastcall "...)
			}
			proto := fn.Type.(*btf.FuncProto)
			g.out = append(g.out, g.decl(proto.Return, fn.Name+"("+g.params(proto, fn.ParamTags, 0)+")", 0)...)
			g.out = append(g.out, " __weak __ksym;\n"...)
		}
		g.out = append(g.out, "#endif\n\n"...)
	}

	if !g.opts.NoPreserveAccessIndex {
		g.out = append(g.out, pragmaCond+"\n#pragma clang attribute pop\n#endif\n\n"...)
	}
	g.out = append(g.out, "#endif /* "+guard+" */\n"...)
	return g.out, nil
}

const pragmaCond = "#if !defined(BPF_NO_PRESERVE_ACCESS_INDEX) && defined(__bpf__)"

const kfuncMacros = `#ifndef __ksym
#define __ksym __attribute__((section(".ksyms")))
#endif

#ifndef __weak
#define __weak __attribute__((weak))
#endif

#ifndef __bpf_fastcall
#if __has_attribute(bpf_fastcall)
#define __bpf_fastcall __attribute__((bpf_fastcall))
#else
#define __bpf_fastcall
#endif
#endif

`

// Spelling.

const (
	qConst = 1 << iota
	qVolatile
	qRestrict
)

func (g *gen) typeTagAttr(v string) string {
	return `__attribute__((btf_type_tag(` + strconv.Quote(v) + `)))`
}

// decl spells a declaration of name (possibly empty) with type t. Inline
// definitions of anonymous types are indented for nesting level lvl.
func (g *gen) decl(t btf.Type, name string, lvl int) string {
	inner := name
	q := 0
	var tags []string
	for {
		switch x := t.(type) {
		case *btf.Const:
			q |= qConst
			t = x.Type
		case *btf.Volatile:
			q |= qVolatile
			t = x.Type
		case *btf.Restrict:
			q |= qRestrict
			t = x.Type
		case *btf.TypeTag:
			if !g.opts.NoTypeTags {
				tags = append(tags, g.typeTagAttr(x.Value))
			}
			t = x.Type
		case *btf.Pointer:
			p := "*"
			for _, tg := range tags {
				p += tg + " "
			}
			if q&qConst != 0 {
				p += "const "
			}
			if q&qVolatile != 0 {
				p += "volatile "
			}
			if q&qRestrict != 0 {
				p += "restrict "
			}
			if inner == "" {
				p = strings.TrimSuffix(p, " ")
			}
			inner = p + inner
			q, tags = 0, nil
			t = x.Target
		case *btf.Array:
			if strings.HasPrefix(inner, "*") {
				inner = "(" + inner + ")"
			}
			inner += "[" + strconv.FormatUint(uint64(x.Nelems), 10) + "]"
			t = x.Type
		case *btf.FuncProto:
			// Qualifiers of a function type are a GCC quirk
			// (noreturn as volatile); C has no such thing.
			if strings.HasPrefix(inner, "*") {
				inner = "(" + inner + ")"
			}
			inner += "(" + g.params(x, nil, lvl) + ")"
			q, tags = 0, nil
			t = x.Return
		default:
			var s string
			if q&qConst != 0 {
				s = "const "
			}
			if q&qVolatile != 0 {
				s += "volatile "
			}
			s += g.base(t, lvl)
			for _, tg := range tags {
				s += " " + tg
			}
			if inner != "" {
				s += " " + inner
			}
			return s
		}
	}
}

// params spells a parameter list. Names are kept unless they would clash
// with an ordinary identifier of the header (a later parameter could not
// use a typedef its name hides).
func (g *gen) params(fp *btf.FuncProto, tags [][]string, lvl int) string {
	ps := fp.Params
	if len(ps) == 0 || len(ps) == 1 && isVoid(ps[0].Type) {
		return "void"
	}
	var b strings.Builder
	seen := map[string]bool{}
	for j, p := range ps {
		if j > 0 {
			b.WriteString(", ")
		}
		if j == len(ps)-1 && isVoid(p.Type) {
			b.WriteString("...")
			break
		}
		name := p.Name
		if !isIdent(name) || g.identTaken[name] || seen[name] || cKeywords[name] {
			name = ""
		}
		seen[name] = true
		b.WriteString(g.decl(p.Type, name, lvl))
		if g.opts.DeclTags && j < len(tags) {
			b.Write(declTags(nil, tags[j]))
		}
	}
	return b.String()
}

func isVoid(t btf.Type) bool {
	if t == nil {
		return true
	}
	_, ok := t.(*btf.Void)
	return ok
}

var cKeywords = map[string]bool{
	"auto": true, "break": true, "case": true, "char": true, "const": true, "continue": true,
	"default": true, "do": true, "double": true, "else": true, "enum": true, "extern": true,
	"float": true, "for": true, "goto": true, "if": true, "inline": true, "int": true,
	"long": true, "register": true, "restrict": true, "return": true, "short": true,
	"signed": true, "sizeof": true, "static": true, "struct": true, "switch": true,
	"typedef": true, "union": true, "unsigned": true, "void": true, "volatile": true,
	"while": true, "_Bool": true, "_Complex": true, "_Imaginary": true, "_Alignas": true,
	"_Alignof": true, "_Atomic": true, "_Generic": true, "_Noreturn": true,
	"_Static_assert": true, "_Thread_local": true, "__int128": true, "typeof": true,
	"asm": true, "__attribute__": true,
}

func declTags(b []byte, tags []string) []byte {
	for _, t := range tags {
		b = append(b, " __attribute__((btf_decl_tag("...)
		b = strconv.AppendQuote(b, t)
		b = append(b, ")))"...)
	}
	return b
}

// base spells a type that is not a pointer, array, function or qualifier.
func (g *gen) base(t btf.Type, lvl int) string {
	switch x := t.(type) {
	case nil, *btf.Void:
		return "void"
	case *btf.Int:
		return intName(x)
	case *btf.Float:
		return floatName(x)
	case *btf.Struct, *btf.Union:
		i := g.index(t)
		if t.TypeName() != "" {
			if _, ok := t.(*btf.Union); ok {
				return "union " + g.names[i]
			}
			return "struct " + g.names[i]
		}
		return string(g.composite(nil, i, lvl))
	case *btf.Enum:
		i := g.index(t)
		switch {
		case len(x.Values) == 0:
			return intSpelling(int64(x.Size), x.Signed)
		case x.Name != "":
			return "enum " + g.names[i]
		case g.enumOK[i] && !g.enumDone[i]:
			return string(g.enumDef(nil, i, lvl))
		}
		return intSpelling(int64(x.Size), x.Signed)
	case *btf.Fwd:
		return g.fwdSpelling(x)
	case *btf.Typedef:
		return g.names[g.index(t)]
	}
	return "void"
}

var tabs = strings.Repeat("\t", 64)

func indent(b []byte, lvl int) []byte {
	for lvl > len(tabs) {
		b = append(b, tabs...)
		lvl -= len(tabs)
	}
	return append(b, tabs[:lvl]...)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func writePads(b []byte, pads []padChunk, lvl int) []byte {
	for _, p := range pads {
		b = append(b, '\n')
		b = indent(b, lvl)
		b = append(b, p.typ...)
		b = append(b, ": "...)
		b = strconv.AppendInt(b, p.bits, 10)
		b = append(b, ';')
	}
	return b
}

// composite appends the definition of the struct or union at i.
func (g *gen) composite(b []byte, i int32, lvl int) []byte {
	t := g.types[i]
	ms, _, union := members(t)
	var tags []string
	if union {
		b = append(b, "union"...)
		tags = t.(*btf.Union).Tags
	} else {
		b = append(b, "struct"...)
		tags = t.(*btf.Struct).Tags
	}
	if n := g.names[i]; n != "" {
		b = append(b, ' ')
		b = append(b, n...)
	}
	b = append(b, " {"...)
	p := g.plan(i)
	for j, m := range ms {
		mp := &p.members[j]
		b = writePads(b, mp.pad, lvl+1)
		b = append(b, '\n')
		b = indent(b, lvl+1)
		// Attributes of a member follow its declarator; an
		// anonymous member has none, and after the closing brace
		// they would apply to its type, so they lead instead.
		var attrs []byte
		if mp.alignAttr > 0 {
			attrs = append(attrs, " __attribute__((aligned("...)
			attrs = strconv.AppendInt(attrs, mp.alignAttr, 10)
			attrs = append(attrs, ")))"...)
		}
		if g.opts.DeclTags {
			attrs = declTags(attrs, m.Tags)
		}
		if mp.name == "" && len(attrs) > 0 {
			b = append(b, attrs[1:]...)
			b = append(b, ' ')
			attrs = nil
		}
		b = append(b, g.decl(m.Type, mp.name, lvl+1)...)
		if m.BitfieldSize > 0 {
			b = append(b, ": "...)
			b = strconv.AppendUint(b, uint64(m.BitfieldSize), 10)
		}
		b = append(b, attrs...)
		b = append(b, ';')
	}
	b = writePads(b, p.tail, lvl+1)
	if p.unionPad > 0 {
		b = append(b, '\n')
		b = indent(b, lvl+1)
		// named after the union: anonymous unions nest, and C
		// merges the names of their members
		b = append(b, "unsigned char __bt_pad"...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, '[')
		b = strconv.AppendInt(b, p.unionPad, 10)
		b = append(b, "];"...)
	}
	if len(ms) > 0 || len(p.tail) > 0 || p.unionPad > 0 {
		b = append(b, '\n')
		b = indent(b, lvl)
	}
	b = append(b, '}')
	switch {
	case p.packed && p.alignAttr > 0:
		b = append(b, " __attribute__((packed, aligned("...)
		b = strconv.AppendInt(b, p.alignAttr, 10)
		b = append(b, ")))"...)
	case p.packed:
		b = append(b, " __attribute__((packed))"...)
	case p.alignAttr > 0:
		b = append(b, " __attribute__((aligned("...)
		b = strconv.AppendInt(b, p.alignAttr, 10)
		b = append(b, ")))"...)
	}
	if g.opts.DeclTags {
		b = declTags(b, tags)
	}
	return b
}

// enumDef appends the definition of the enum at i and marks it written.
func (g *gen) enumDef(b []byte, i int32, lvl int) []byte {
	e := g.types[i].(*btf.Enum)
	g.enumDone[i] = true
	b = append(b, "enum"...)
	if n := g.names[i]; n != "" {
		b = append(b, ' ')
		b = append(b, n...)
	}
	b = append(b, " {"...)
	for j, v := range e.Values {
		b = append(b, '\n')
		b = indent(b, lvl+1)
		b = append(b, g.enumVals[i][j]...)
		b = append(b, " = "...)
		b = appendEnumValue(b, e, v.Value)
		b = append(b, ',')
	}
	b = append(b, '\n')
	b = indent(b, lvl)
	b = append(b, '}')
	if m := enumMode(e); m != "" {
		b = append(b, " __attribute__((mode("...)
		b = append(b, m...)
		b = append(b, ")))"...)
	}
	return b
}

func appendEnumValue(b []byte, e *btf.Enum, v uint64) []byte {
	if e.Signed {
		s := int64(v)
		if s == math.MinInt64 {
			return append(b, "(-9223372036854775807LL - 1)"...)
		}
		b = strconv.AppendInt(b, s, 10)
		if s < math.MinInt32 || s > math.MaxInt32 {
			b = append(b, "LL"...)
		}
		return b
	}
	b = strconv.AppendUint(b, v, 10)
	if v > math.MaxUint32 {
		b = append(b, "ULL"...)
	}
	return b
}

// enumMode returns the mode attribute that gives the enum its BTF size, or
// "" if C already gives it that size.
func enumMode(e *btf.Enum) string {
	natural := int64(4)
	neg, big := false, false
	for _, v := range e.Values {
		if e.Signed {
			s := int64(v.Value)
			if s < 0 {
				neg = true
			}
			if s < math.MinInt32 || s > math.MaxUint32 {
				natural = 8
			}
			if s > math.MaxInt32 {
				big = true
			}
		} else if v.Value > math.MaxUint32 {
			natural = 8
		} else if v.Value > math.MaxInt32 {
			big = true
		}
	}
	if neg && big {
		natural = 8
	}
	if int64(e.Size) == natural {
		return ""
	}
	switch e.Size {
	case 1:
		return "QI"
	case 2:
		return "HI"
	case 4:
		return "SI"
	case 8:
		return "DI"
	}
	return ""
}

func intSpelling(size int64, signed bool) string {
	var s string
	switch size {
	case 1:
		if signed {
			return "signed char"
		}
		return "unsigned char"
	case 2:
		s = "short"
	case 4:
		s = "int"
	case 8:
		s = "long"
	case 16:
		s = "__int128"
	default:
		s = "int"
	}
	if signed {
		return s
	}
	return "unsigned " + s
}

// cIntSize returns the size of a C integer type spelled as DWARF/BTF names
// it ("long unsigned int", "__int128 unsigned", "_Bool", ...), or 0 if the
// name is not a C spelling.
func cIntSize(name string) uint32 {
	var signed, unsigned, char, short, int_, long, bool_, i128 int
	for _, w := range strings.Fields(name) {
		switch w {
		case "signed":
			signed++
		case "unsigned":
			unsigned++
		case "char":
			char++
		case "short":
			short++
		case "int":
			int_++
		case "long":
			long++
		case "_Bool":
			bool_++
		case "__int128":
			i128++
		default:
			return 0
		}
	}
	if signed+unsigned > 1 || int_ > 1 || char+short+bool_+i128 > 1 || long > 2 {
		return 0
	}
	switch {
	case bool_ == 1:
		if signed+unsigned+int_+long == 0 {
			return 1
		}
	case char == 1:
		if int_+long == 0 {
			return 1
		}
	case i128 == 1:
		if int_+long == 0 {
			return 16
		}
	case short == 1:
		if long == 0 {
			return 2
		}
	case long > 0:
		return 8
	case int_+signed+unsigned > 0:
		return 4
	}
	return 0
}

func intName(x *btf.Int) string {
	if cIntSize(x.Name) == x.Size && x.Size != 0 {
		return x.Name
	}
	switch x.Encoding {
	case btf.Bool:
		if x.Size == 1 {
			return "_Bool"
		}
	case btf.Char:
		if x.Size == 1 {
			return "char"
		}
	}
	return intSpelling(int64(x.Size), x.Encoding == btf.Signed)
}

func floatName(x *btf.Float) string {
	switch {
	case x.Name == "float" && x.Size == 4, x.Name == "double" && x.Size == 8, x.Name == "long double" && x.Size == 16:
		return x.Name
	}
	switch x.Size {
	case 4:
		return "float"
	case 16:
		return "long double"
	}
	return "double"
}
