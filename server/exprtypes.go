package server

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/btfindex"
	"github.com/bt-tools/bt/btfindex/kernelcheck"
)

// The member resolver finds what can follow `.` or `->` on an
// expression, and what a field access refers to. It prefers the
// checker's types (Info); where they are unknown — kernel-independent
// checking, or a broken line the checker could not type — it follows
// the expression itself against the kernel index: curtask is a struct
// task_struct *, args are the probe's arguments as the checker's
// kernel adapter types them, casts name their type, variables and maps take the type of
// what was assigned to them.

// valueType is what the resolver knows about an expression's type: a
// checker type, a kernel BTF type, or the args of a probe.
type valueType struct {
	t    types.Type
	btf  btf.Type
	args *probeArgs
}

func (v valueType) known() bool { return v.t != nil || v.btf != nil || v.args != nil }

// memberInfo is one field that can follow `.` or `->`.
type memberInfo struct {
	Name   string
	Type   string // as C spells it ("pid_t", "char[16]")
	Decl   string // the C declaration ("pid_t pid")
	Offset int    // bytes from the start of the record; -1 when unknown
	Size   int    // bytes; -1 when unknown
	Bits   int    // bit-field width, 0 for ordinary members
	Owner  string // "struct task_struct", "tracepoint:sched:sched_switch"
	// OwnerSize is the size of the whole struct, -1 when unknown.
	OwnerSize int
	val       valueType
	// btfOwner is the struct the member belongs to, for hover.
	btfOwner btf.Type
}

// probeArgs are the typed arguments of a probe (`args`).
type probeArgs struct {
	Owner  string
	Fields []memberInfo
}

// resolver resolves expression types at one place of one snapshot.
type resolver struct {
	snap  *Snapshot
	decl  ast.Decl
	depth int
}

func newResolver(snap *Snapshot, decl ast.Decl) *resolver {
	return &resolver{snap: snap, decl: decl}
}

func (r *resolver) index() *btfindex.Index {
	if r.snap.Kernel == nil {
		return nil
	}
	return r.snap.Kernel.ix
}

// kernelType looks a C type name up in the kernel's BTF.
func (r *resolver) kernelType(name string) btf.Type {
	ix := r.index()
	if ix == nil || !ix.HasBTF() {
		return nil
	}
	t, err := ix.Type(name)
	if err != nil {
		return nil
	}
	return t
}

const maxResolveDepth = 24

// typeOf returns the type of e, as far as it is known.
func (r *resolver) typeOf(e ast.Expr) valueType {
	if e == nil || r.depth > maxResolveDepth {
		return valueType{}
	}
	r.depth++
	defer func() { r.depth-- }()
	if id, ok := e.(*ast.Ident); ok && id.Name == "args" {
		// The checker's args with the kernel's C declarations.
		if a := r.probeArgs(probeOf(r.decl)); a != nil {
			return valueType{args: a}
		}
	}
	if info := r.snap.Info(); info != nil {
		if t := info.Types[e]; isKnownType(t) {
			return valueType{t: t}
		}
	}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return r.typeOf(e.X)
	case *ast.Ident:
		switch e.Name {
		case "curtask":
			return valueType{btf: r.kernelType("struct task_struct *")}
		}
	case *ast.CallExpr:
		if e.Fun != nil && e.Fun.Name == "curtask" && len(e.Args) == 0 {
			return valueType{btf: r.kernelType("struct task_struct *")}
		}
	case *ast.CastExpr:
		return r.typeExpr(e.Type)
	case *ast.Variable:
		return r.variable(e.Name, e.Pos())
	case *ast.MapExpr:
		return r.mapValue(e.Name)
	case *ast.MapAccess:
		if e.Map != nil {
			return r.mapValue(e.Map.Name)
		}
	case *ast.FieldExpr:
		if e.Field == nil {
			return valueType{}
		}
		if m, ok := r.member(r.typeOf(e.X), e.Field.Name); ok {
			return m.val
		}
	case *ast.IndexExpr:
		return elemType(r.typeOf(e.X))
	case *ast.UnaryExpr:
		if e.Op == "*" && !e.Postfix {
			return elemType(r.typeOf(e.X))
		}
	}
	return valueType{}
}

// isKnownType reports whether a checker type says something.
func isKnownType(t types.Type) bool {
	if t == nil || check.IsUnknown(t) {
		return false
	}
	if p, ok := types.Underlying(t).(*types.Pointer); ok {
		return p.Elem != nil && !check.IsUnknown(p.Elem)
	}
	return true
}

// elemType is the element type of an array or pointer.
func elemType(v valueType) valueType {
	switch {
	case v.t != nil:
		switch t := types.Underlying(v.t).(type) {
		case *types.Pointer:
			return valueType{t: t.Elem}
		case *types.Array:
			return valueType{t: t.Elem}
		}
	case v.btf != nil:
		switch t := btfindex.Resolve(v.btf).(type) {
		case *btf.Pointer:
			return valueType{btf: t.Target}
		case *btf.Array:
			return valueType{btf: t.Type}
		}
	}
	return valueType{}
}

// typeExpr resolves a written type against the kernel (and, through
// Info, the checker).
func (r *resolver) typeExpr(te *ast.TypeExpr) valueType {
	if te == nil {
		return valueType{}
	}
	if info := r.snap.Info(); info != nil {
		if t := info.Types[te]; isKnownType(t) {
			return valueType{t: t}
		}
	}
	if te.Name == nil {
		return valueType{}
	}
	name := te.Name.Name
	if te.Keyword != "" {
		name = te.Keyword + " " + name
	}
	for _, s := range te.Suffixes {
		if s.Pointer {
			name += " *"
		} else {
			name += "[]"
		}
	}
	if t := r.kernelType(name); t != nil {
		return valueType{btf: t}
	}
	return valueType{}
}

// variable resolves $name as seen at pos: the type of its last
// assignment or let before pos in the enclosing item, or a fn
// parameter's declared type.
func (r *resolver) variable(name string, pos source.Pos) valueType {
	if r.decl == nil {
		return valueType{}
	}
	if fn, ok := r.decl.(*ast.FnDecl); ok {
		for _, p := range fn.Params {
			if p.Var != nil && p.Var.Name == name {
				return r.typeExpr(p.Type)
			}
		}
	}
	var last ast.Stmt
	ast.Inspect(r.decl, func(n ast.Node) bool {
		if n == nil || n.Pos() >= pos {
			return false
		}
		switch s := n.(type) {
		case *ast.AssignStmt:
			if v, ok := s.Lhs.(*ast.Variable); ok && v.Name == name && s.Op == "=" && s.End() <= pos {
				last = s
			}
		case *ast.LetStmt:
			if s.Var != nil && s.Var.Name == name && s.End() <= pos {
				last = s
			}
		case *ast.ForStmt:
			if s.Var != nil && s.Var.Name == name {
				if s.Body != nil && s.Body.Pos() <= pos && pos <= s.Body.End() {
					last = s
				}
			}
		}
		return true
	})
	switch s := last.(type) {
	case *ast.AssignStmt:
		return r.typeOf(s.Rhs) // a use of $name in Rhs looks before s
	case *ast.LetStmt:
		if s.Type != nil {
			return r.typeExpr(s.Type)
		}
		if s.Value != nil {
			return r.typeOf(s.Value)
		}
	}
	return valueType{}
}

// mapValue resolves the value type of map @name from its assignments.
func (r *resolver) mapValue(name string) valueType {
	if r.depth > maxResolveDepth/2 {
		return valueType{}
	}
	var out valueType
	for _, f := range r.snap.Files() {
		ast.Inspect(f, func(n ast.Node) bool {
			if out.known() {
				return false
			}
			s, ok := n.(*ast.AssignStmt)
			if !ok || s.Op != "=" {
				return n != nil
			}
			var m *ast.MapExpr
			switch l := s.Lhs.(type) {
			case *ast.MapExpr:
				m = l
			case *ast.MapAccess:
				m = l.Map
			}
			if m != nil && m.Name == name {
				sub := &resolver{snap: r.snap, decl: r.declOf(f, s), depth: r.depth + 1}
				out = sub.typeOf(s.Rhs)
			}
			return true
		})
		if out.known() {
			break
		}
	}
	return out
}

// declOf returns the top-level item of f containing n.
func (r *resolver) declOf(f *ast.File, n ast.Node) ast.Decl {
	return enclosingDecl(f, n.Pos())
}

// members lists what can follow `.` on a value of type v.
func (r *resolver) members(v valueType) []memberInfo {
	switch {
	case v.args != nil:
		return v.args.Fields
	case v.t != nil:
		return typeMembers(v.t)
	case v.btf != nil:
		return r.btfMembers(v.btf)
	}
	return nil
}

// member finds one member by name.
func (r *resolver) member(v valueType, name string) (memberInfo, bool) {
	if v.args != nil {
		for _, m := range v.args.Fields {
			if m.Name == name {
				if !m.val.known() {
					m.val = valueType{btf: r.kernelType(m.Type)}
				}
				return m, true
			}
		}
		return memberInfo{}, false
	}
	if v.btf != nil {
		st := derefBTF(v.btf)
		if st == nil {
			return memberInfo{}, false
		}
		f, ok := btfindex.Field(st, name)
		if !ok {
			return memberInfo{}, false
		}
		return btfMemberInfo(st, f), true
	}
	for _, m := range r.members(v) {
		if m.Name == name {
			return m, true
		}
	}
	return memberInfo{}, false
}

// derefBTF returns the struct or union a value of type t (or a pointer
// to it) has members of, or nil.
func derefBTF(t btf.Type) btf.Type {
	t = btfindex.Resolve(t)
	if p, ok := t.(*btf.Pointer); ok {
		t = btfindex.Resolve(p.Target)
	}
	switch t.(type) {
	case *btf.Struct, *btf.Union:
		return t
	}
	return nil
}

func (r *resolver) btfMembers(t btf.Type) []memberInfo {
	st := derefBTF(t)
	if st == nil {
		return nil
	}
	fields, err := btfindex.Fields(st)
	if err != nil {
		return nil
	}
	out := make([]memberInfo, 0, len(fields))
	for _, f := range fields {
		if f.Name == "" {
			continue
		}
		out = append(out, btfMemberInfo(st, f))
	}
	return out
}

func btfMemberInfo(owner btf.Type, f btfindex.Member) memberInfo {
	size := int(f.Size)
	osize := -1
	if sz, err := btf.Sizeof(owner); err == nil {
		osize = sz
	}
	return memberInfo{
		Name: f.Name, Type: btfindex.CDecl(f.Type, ""), Decl: f.CDecl(),
		Offset: int(f.ByteOffset()), Size: size, Bits: int(f.BitfieldSize),
		Owner: btfindex.CDecl(owner, ""), OwnerSize: osize,
		val: valueType{btf: f.Type}, btfOwner: owner,
	}
}

// typeMembers lists the members of a checker type: struct and union
// fields (anonymous members flattened), record fields.
func typeMembers(t types.Type) []memberInfo {
	u := types.Underlying(t)
	if p, ok := u.(*types.Pointer); ok {
		u = types.Underlying(p.Elem)
	}
	switch u := u.(type) {
	case *types.Struct:
		var out []memberInfo
		var walk func(s *types.Struct, base int, depth int)
		walk = func(s *types.Struct, base int, depth int) {
			for _, f := range s.Fields() {
				if f.Name == "" {
					if inner, ok := types.Underlying(f.Type).(*types.Struct); ok && depth < 8 {
						walk(inner, base+f.BitOffset, depth+1)
					}
					continue
				}
				out = append(out, memberInfo{
					Name: f.Name, Type: typeString(f.Type), Decl: typeString(f.Type) + " " + f.Name,
					Offset: (base + f.BitOffset) / 8, Size: f.Type.Size(), Bits: f.BitSize,
					Owner: u.String(), OwnerSize: u.Size(), val: valueType{t: f.Type},
				})
			}
		}
		walk(u, 0, 0)
		return out
	case *types.Record:
		offs := u.Offsets()
		out := make([]memberInfo, len(u.Names))
		for i, n := range u.Names {
			out[i] = memberInfo{Name: n, Type: typeString(u.Elems[i]), Decl: typeString(u.Elems[i]) + " " + n,
				Offset: offs[i], Size: u.Elems[i].Size(), Owner: u.String(), OwnerSize: u.Size(), val: valueType{t: u.Elems[i]}}
		}
		return out
	}
	return nil
}

func typeString(t types.Type) string {
	if t == nil {
		return "?"
	}
	return t.String()
}

// probeArgs returns the typed arguments of probe p: those the checker
// gave it, else those the checker's kernel adapter gives the first probe
// with arguments one of its attach points matches (where the checker
// typed none: a wildcard past max_bpf_progs or with targets of unknown
// arguments, no checked program).
func (r *resolver) probeArgs(p *ast.Probe) *probeArgs {
	if p == nil {
		return nil
	}
	if r.snap.Program != nil {
		for _, pi := range r.snap.Program.Probes {
			if pi.Node != p {
				continue
			}
			for _, ai := range pi.Attach {
				if ai.ArgsType != nil && len(ai.ArgsType.Fields()) > 0 {
					owner := ai.Provider
					if ai.Node != nil {
						owner = ai.Node.Raw
					}
					return argsMembers(owner, ai.Args, ai.ArgsType)
				}
			}
		}
	}
	for _, ap := range p.AttachPoints {
		if a := r.firstTargetArgs(ap); a != nil {
			return a
		}
	}
	return nil
}

// firstTargetArgs are the arguments of the first probe with arguments
// ap matches, from the kernel adapter the checker uses; nil without a
// kernel.
func (r *resolver) firstTargetArgs(ap *ast.AttachPoint) *probeArgs {
	k := r.snap.Kernel
	if k == nil {
		return nil
	}
	ta, ok := kernelcheck.FirstTargetArgs(k.ck, ap, r.snap.File)
	if !ok {
		return nil
	}
	return argsMembers(ta.Target, ta.Args, ta.Type)
}

// argsMembers lists the members of a probe's args struct st, with the
// record offsets and C declarations args give.
func argsMembers(owner string, args []check.ProbeArg, st *types.Struct) *probeArgs {
	ms := typeMembers(st)
	for i := range ms {
		ms[i].Owner = owner
		for _, a := range args {
			if a.Name != ms[i].Name {
				continue
			}
			if a.Offset >= 0 {
				ms[i].Offset = a.Offset
			}
			if a.Decl != "" {
				ms[i].Decl = a.Decl
			}
		}
	}
	return &probeArgs{Owner: owner, Fields: ms}
}

// attachRoles returns the text of each role of an attach point.
func attachRoles(ap *ast.AttachPoint) map[string]string {
	m := map[string]string{}
	for _, f := range ap.Fields {
		if _, dup := m[f.Role]; !dup {
			m[f.Role] = f.Text
		}
	}
	return m
}

// describeMember renders a member for hover and completion
// documentation.
func describeMember(m memberInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "```c\n%s;\n```\n", m.Decl)
	var facts []string
	if m.Offset >= 0 {
		facts = append(facts, fmt.Sprintf("offset %d", m.Offset))
	}
	if m.Size >= 0 {
		facts = append(facts, fmt.Sprintf("size %d", m.Size))
	}
	if m.Bits > 0 {
		facts = append(facts, fmt.Sprintf("%d-bit bit-field", m.Bits))
	}
	if m.Owner != "" {
		fmt.Fprintf(&b, "Member of `%s`", m.Owner)
		if m.OwnerSize > 0 {
			fmt.Fprintf(&b, " (%d bytes)", m.OwnerSize)
		}
		if len(facts) > 0 {
			b.WriteString(": ")
		}
	}
	b.WriteString(strings.Join(facts, ", "))
	return b.String()
}
