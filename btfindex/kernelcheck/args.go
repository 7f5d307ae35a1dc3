package kernelcheck

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/btfindex"
)

// argSet is the typed arguments of one concrete probe.
type argSet struct {
	args   []check.ProbeArg
	typ    *types.Struct // nil: the arguments are not known
	retval types.Type    // fexit
	source string
	// unknown says why typ is nil when the probe exists.
	unknown string
	// regArgs, for a uprobe's DWARF arguments, is how many leading ones
	// are where bt reads them (the integer argument registers by
	// position): a floating-point or by-value struct parameter is not,
	// and shifts those after it.
	regArgs int
}

// described reports whether the arguments are known and there are some.
func (s *argSet) described() bool { return s.typ != nil && len(s.typ.Fields()) > 0 }

// ---------------------------------------------------------------------
// Tracepoints

func (k *kernel) tracepointArgs(tp btfindex.Tracepoint, maxStr int) *argSet {
	key := tp.Category + ":" + tp.Event + "/" + strconv.Itoa(maxStr)
	k.mu.Lock()
	if s, ok := k.tpArgs[key]; ok {
		k.mu.Unlock()
		return s
	}
	k.mu.Unlock()
	s := k.buildTracepointArgs(tp, maxStr)
	k.mu.Lock()
	k.tpArgs[key] = s
	k.mu.Unlock()
	return s
}

func (k *kernel) buildTracepointArgs(tp btfindex.Tracepoint, maxStr int) *argSet {
	name := "tracepoint:" + tp.Category + ":" + tp.Event + "_args"
	if s := k.syntheticSyscallArgs(tp, name); s != nil {
		return s
	}
	f, err := k.idx.TracepointFormat(tp.Category, tp.Event)
	if err != nil {
		return &argSet{source: tp.Source.String(), unknown: "its format is not readable: " + tracefsAdvice}
	}
	// bpftrace reads every pointer of a syscalls tracepoint as a user
	// pointer: the record holds the system call's raw arguments.
	user := tp.Category == "syscalls"
	s := &argSet{source: f.Source.String()}
	size := 0
	var fields []types.Field
	for _, fl := range f.Fields {
		size = max(size, fl.Offset+fl.Size)
		if fl.Common {
			continue // bpftrace cannot read the common_ header fields
		}
		t := k.tracepointFieldType(fl, user, maxStr)
		s.args = append(s.args, check.ProbeArg{Name: fl.Name, Type: t, Decl: fl.Decl, Offset: fl.Offset, DataLoc: fl.DataLoc})
		fields = append(fields, types.Field{Name: fl.Name, Type: t, BitOffset: fl.Offset * 8})
	}
	s.typ = types.NewStruct(name, false, size, nil)
	s.typ.SetFields(fields)
	s.typ.Origin = s.source
	return s
}

// tracepointFieldType is the bpftrace type of a tracepoint field: from
// BTF when the format came from BTF, else the format's C type looked up
// in BTF, sized and signed as the format says (bpftrace does the same);
// `__data_loc char[]` fields are strings, char arrays strings.
func (k *kernel) tracepointFieldType(fl btfindex.TracepointField, user bool, maxStr int) types.Type {
	if fl.DataLoc {
		elem := strings.TrimSpace(strings.TrimPrefix(fl.Type, "__data_loc"))
		if strings.HasPrefix(elem, "char") || strings.HasPrefix(elem, "const char") {
			return &types.String{Len: maxStr}
		}
		// Other dynamic arrays (bitmasks, cpumasks) are read as the
		// address of their data, as bpftrace does.
		return types.Int64
	}
	var t types.Type
	if fl.BTF != nil {
		t = k.conv.Convert(fl.BTF)
	} else {
		t = k.cType(fl.Type, fl.Size, fl.Signed)
		t = sizeInt(t, fl.Size, fl.Signed)
	}
	if user {
		t = userPointers(t)
	}
	return t
}

// cType resolves a C type spelled as in a format file ("const char *",
// "unsigned long[6]", "pid_t") through BTF, or failing that from its size
// and sign.
func (k *kernel) cType(spelling string, size int, signed bool) types.Type {
	spelling = strings.TrimSpace(spelling)
	if bt, err := k.idx.Type(spelling); err == nil {
		return k.conv.Convert(bt)
	}
	if i := strings.LastIndexByte(spelling, '['); i > 0 && strings.HasSuffix(spelling, "]") {
		n, err := strconv.Atoi(strings.TrimSpace(spelling[i+1 : len(spelling)-1]))
		if err == nil && n > 0 {
			elem := strings.TrimSpace(spelling[:i])
			if elem == "char" || elem == "unsigned char" || elem == "signed char" {
				return &types.String{Len: n, CharArray: true}
			}
			return &types.Array{Elem: k.cType(elem, size/n, signed), Len: n}
		}
	}
	if strings.HasSuffix(spelling, "*") {
		// "const char *const *": peel one pointer and its qualifier.
		elem := strings.TrimSpace(strings.TrimSuffix(spelling, "*"))
		for _, q := range []string{"const", "volatile", "restrict"} {
			if strings.HasSuffix(elem, q) && len(elem) > len(q) && (elem[len(elem)-len(q)-1] == '*' || elem[len(elem)-len(q)-1] == ' ') {
				elem = strings.TrimSpace(elem[:len(elem)-len(q)])
			}
		}
		return &types.Pointer{Elem: k.cType(elem, 0, false), Space: types.AddrKernel}
	}
	switch size {
	case 0:
		return types.Uint8 // a pointee of unknown type: bytes
	case 1, 2, 4, 8:
		return &types.Int{Bits: size * 8, Signed: signed}
	}
	return &types.Array{Elem: types.Uint8, Len: size}
}

// sizeInt gives an integer (or enum) field the size and sign its format
// declares, which can differ from the C type's: syscall arguments are
// stored as 8-byte unsigned values whatever their declared type.
func sizeInt(t types.Type, size int, signed bool) types.Type {
	if size != 1 && size != 2 && size != 4 && size != 8 {
		return t
	}
	switch u := types.Underlying(t).(type) {
	case *types.Int:
		if u.Bits != size*8 || u.Signed != signed {
			return &types.Int{Bits: size * 8, Signed: signed}
		}
	case *types.Enum:
		if u.Bytes != size {
			return &types.Int{Bits: size * 8, Signed: signed}
		}
	}
	return t
}

// userPointers makes t, and the pointers it points to, user pointers.
func userPointers(t types.Type) types.Type {
	p, ok := types.Underlying(t).(*types.Pointer)
	if !ok {
		return t
	}
	return &types.Pointer{Elem: userPointers(p.Elem), Space: types.AddrUser}
}

// ---------------------------------------------------------------------
// System call tracepoints without tracefs: the BTF catalogue has no
// syscalls category (those events are not trace_event_raw_ structs), so
// their existence comes from the architecture's syscall entry points and
// their arguments from __do_sys_NAME when BTF has it.

// tracefsAdvice says how to make tracepoint formats known.
const tracefsAdvice = "mount tracefs (mount -t tracefs tracefs /sys/kernel/tracing) or run `bt list` once as root to cache them"

var syscallPrefixes = []string{"__x64_sys_", "__arm64_sys_", "__s390x_sys_", "__riscv_sys_", "__loongarch_sys_", "__powerpc_sys_"}

func (k *kernel) syntheticSyscalls() []btfindex.Tracepoint {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.synOnce {
		return k.syn
	}
	k.synOnce = true
	if src, _ := k.idx.TracepointSource(); src != btfindex.SourceBTF || k.idx.BTFError() != nil {
		return nil
	}
	for _, prefix := range syscallPrefixes {
		names := k.idx.FuncNames(prefix)
		if len(names) < 16 {
			continue
		}
		k.synSet = map[string]bool{}
		for _, n := range names {
			ev := strings.TrimPrefix(n, prefix)
			k.synSet["sys_enter_"+ev], k.synSet["sys_exit_"+ev] = true, true
			k.syn = append(k.syn,
				btfindex.Tracepoint{Category: "syscalls", Event: "sys_enter_" + ev, Source: btfindex.SourceBTF},
				btfindex.Tracepoint{Category: "syscalls", Event: "sys_exit_" + ev, Source: btfindex.SourceBTF})
		}
		break
	}
	return k.syn
}

func (k *kernel) syntheticSyscallArgs(tp btfindex.Tracepoint, name string) *argSet {
	if tp.Category != "syscalls" {
		return nil
	}
	k.syntheticSyscalls()
	k.mu.Lock()
	isSyn := k.synSet[tp.Event]
	k.mu.Unlock()
	if !isSyn {
		return nil
	}
	s := &argSet{source: "btf"}
	args := []check.ProbeArg{{Name: "__syscall_nr", Type: types.Int32, Decl: "int __syscall_nr", Offset: 8}}
	if strings.HasPrefix(tp.Event, "sys_exit_") {
		args = append(args, check.ProbeArg{Name: "ret", Type: types.Int64, Decl: "long ret", Offset: 16})
	} else {
		ev := strings.TrimPrefix(tp.Event, "sys_enter_")
		// Funcs, not Func: a miss must not compute suggestions.
		var f *btfindex.KernelFunc
		for _, c := range k.idx.Funcs("__do_sys_" + ev) {
			if c.Name == "__do_sys_"+ev {
				f = &c
				break
			}
		}
		if f == nil {
			// Exists, arguments unknown.
			s.unknown = "tracefs is not readable and BTF has no prototype of the system call; " + tracefsAdvice
			return s
		}
		sig, err := k.idx.Signature(*f)
		if err != nil {
			s.unknown = "its prototype in BTF is not readable: " + err.Error()
			return s
		}
		for i, p := range sig.Params {
			t := sizeInt(k.conv.Convert(p.Type), 8, false)
			args = append(args, check.ProbeArg{Name: p.Name, Type: userPointers(t), Decl: btfindex.CDecl(p.Type, p.Name), Offset: 16 + 8*i})
		}
	}
	var fields []types.Field
	size := 0
	for _, a := range args {
		fields = append(fields, types.Field{Name: a.Name, Type: a.Type, BitOffset: a.Offset * 8})
		size = a.Offset + 8
	}
	s.args = args
	s.typ = types.NewStruct(name, false, size, nil)
	s.typ.SetFields(fields)
	s.typ.Origin = "btf"
	return s
}

// ---------------------------------------------------------------------
// fentry, fexit: the function's parameters, each in a 64-bit slot of
// the context.

func (k *kernel) funcArgs(f btfindex.KernelFunc) *argSet {
	key := f.Module + ":" + f.Name
	k.mu.Lock()
	if s, ok := k.fnArgs[key]; ok {
		k.mu.Unlock()
		return s
	}
	k.mu.Unlock()
	s := &argSet{source: "btf"}
	if sig, err := k.idx.Signature(f); err == nil {
		var fields []types.Field
		for i, p := range sig.Params {
			t := k.conv.Convert(p.Type)
			s.args = append(s.args, check.ProbeArg{Name: p.Name, Type: t, Decl: btfindex.CDecl(p.Type, p.Name), Offset: -1})
			if p.Name != "" {
				fields = append(fields, types.Field{Name: p.Name, Type: t, BitOffset: i * 64})
			}
		}
		s.typ = types.NewStruct(key+"_args", false, 8*len(sig.Params), nil)
		s.typ.SetFields(fields)
		s.typ.Origin = "btf"
		if sig.HasReturn() {
			s.retval = k.conv.Convert(sig.Return)
		} else {
			s.retval = types.Void{}
		}
	}
	k.mu.Lock()
	k.fnArgs[key] = s
	k.mu.Unlock()
	return s
}

// rawTracepointArgs are a raw tracepoint's arguments: its prototype's
// parameters after the leading void *, each in a 64-bit slot.
func (k *kernel) rawTracepointArgs(p btfindex.Probe) *argSet {
	key := p.Target + ":" + p.Name
	k.mu.Lock()
	if s, ok := k.rawArgs[key]; ok {
		k.mu.Unlock()
		return s
	}
	k.mu.Unlock()
	s := &argSet{source: "btf"}
	if args, _, err := k.idx.ProbeArgs(p); err == nil {
		var fields []types.Field
		for i, a := range args {
			var t types.Type = types.Uint64
			if a.BTF != nil {
				t = k.conv.Convert(a.BTF)
			}
			s.args = append(s.args, check.ProbeArg{Name: a.Name, Type: t, Decl: a.Decl, Offset: -1})
			if a.Name != "" {
				fields = append(fields, types.Field{Name: a.Name, Type: t, BitOffset: i * 64})
			}
		}
		s.typ = types.NewStruct("rawtracepoint:"+key+"_args", false, 8*len(args), nil)
		s.typ.SetFields(fields)
		s.typ.Origin = "btf"
	}
	k.mu.Lock()
	k.rawArgs[key] = s
	k.mu.Unlock()
	return s
}

// ---------------------------------------------------------------------
// Merging the arguments of a wildcard's targets

// setArgs gives the attach point the arguments its targets share.
// bpftrace compiles one program per target, so an args field is usable
// when every target has it: a field some targets lack is left out (using
// it is an error, as in bpftrace), and a field whose type differs between
// targets is Unknown (each program sees its own type). The struct's
// layout is the first target's; per-target layouts may differ and are the
// compiler's to look up.
func (r *resolution) setArgs(pattern string, sets []*argSet) {
	if len(sets) == 0 {
		return
	}
	first := sets[0]
	r.ai.Source = first.source
	for _, s := range sets {
		if s.typ == nil {
			r.ai.ArgsUnknown = s.unknown
			return // some target's arguments are unknown
		}
	}
	if len(sets) == 1 {
		r.ai.Args, r.ai.ArgsType = first.args, first.typ
		return
	}
	others := make([]map[string]check.ProbeArg, len(sets)-1)
	for i, s := range sets[1:] {
		m := make(map[string]check.ProbeArg, len(s.args))
		for _, a := range s.args {
			m[a.Name] = a
		}
		others[i] = m
	}
	same := true
	var args []check.ProbeArg
	var fields []types.Field
	used := r.v.ArgsUsed[r.ap]
	for _, a := range first.args {
		t, keep, varies := a.Type, true, false
		for i, m := range others {
			b, ok := m[a.Name]
			if !ok {
				keep = false
				break
			}
			varies = varies || b.Offset != a.Offset || b.DataLoc != a.DataLoc
			if !types.Identical(a.Type, b.Type) {
				if t != check.Unknown && used[a.Name] && len(r.ai.Targets) == len(sets) {
					// As bpftrace: one action block, one type per args field.
					d := r.errorf(check.CodeArgsMismatch, r.whole(), "args.%s has type %s in %s but %s in %s, which %s also matches",
						a.Name, a.Type, r.ai.Targets[0], b.Type, r.ai.Targets[i+1], r.ap.Raw)
					d.Hint = "narrow the wildcard, or split the probe so that each action block sees one type"
				}
				t = check.Unknown
			}
		}
		if !keep {
			same = false
			continue
		}
		if t != a.Type {
			same = false
		}
		pa := check.ProbeArg{Name: a.Name, Type: t, Offset: a.Offset, DataLoc: a.DataLoc, OffsetVaries: varies}
		if t == a.Type {
			pa.Decl = a.Decl // the targets declare it alike
		}
		if varies && len(sets) == len(r.ai.Targets) {
			pa.TargetOffsets = make([]int, len(sets))
			pa.TargetOffsets[0] = a.Offset
			for i, m := range others {
				pa.TargetOffsets[i+1] = m[a.Name].Offset
			}
		}
		args = append(args, pa)
		if f, ok := first.typ.Field(a.Name); ok && a.Name != "" {
			fields = append(fields, types.Field{Name: a.Name, Type: t, BitOffset: f.BitOffset, BitSize: f.BitSize})
		}
	}
	if same {
		for _, m := range others {
			if len(m) != len(first.args) {
				same = false
			}
		}
	}
	if same {
		r.ai.Args, r.ai.ArgsType = first.args, first.typ
		return
	}
	st := types.NewStruct(fmt.Sprintf("%s_args", pattern), false, first.typ.Bytes, nil)
	st.SetFields(fields)
	st.Origin = first.typ.Origin
	r.ai.Args, r.ai.ArgsType = args, st
}

// mergeRetval is the return type every target shares, Unknown when they
// differ.
func mergeRetval(sets []*argSet) types.Type {
	var t types.Type
	for i, s := range sets {
		if s.retval == nil {
			return nil
		}
		if i == 0 {
			t = s.retval
		} else if !types.Identical(t, s.retval) {
			return check.Unknown
		}
	}
	return t
}
