package check

import (
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// Test-only diagnostic codes the fake kernel reports (the real kernel
// adapter has its own).
const (
	codeFakeNoProbe diag.Code = "test-no-such-probe"
)

func init() {
	diag.Register(diag.CodeInfo{Code: codeFakeNoProbe, Severity: diag.Error, Summary: "test fake: probe not found"})
}

// fakeKernel is a tiny kernel for tests: a few tracepoints, functions,
// structs and enums.
type fakeKernel struct {
	types map[string]types.Type
	tps   map[string][]ProbeArg // "category:event" -> fields
	funcs map[string]fakeFunc
	enums map[string]int64
}

type fakeFunc struct {
	params []ProbeArg
	ret    types.Type
}

func newFakeKernel() *fakeKernel {
	k := &fakeKernel{types: map[string]types.Type{}, tps: map[string][]ProbeArg{}, funcs: map[string]fakeFunc{}, enums: map[string]int64{}}
	char := types.Int8
	u32 := &types.Typedef{Name: "u32", Type: types.Uint32}
	pidT := &types.Typedef{Name: "pid_t", Type: types.Int32}
	k.types["u32"] = u32
	k.types["pid_t"] = pidT
	k.types["int"] = types.Int32
	k.types["char"] = types.Int8
	k.types["unsigned int"] = types.Uint32
	k.types["size_t"] = &types.Typedef{Name: "size_t", Type: types.Uint64}

	task := types.NewStruct("task_struct", false, 4096, nil)
	mm := types.NewStruct("mm_struct", false, 1024, nil)
	mm.SetFields([]types.Field{{Name: "total_vm", Type: types.Uint64, BitOffset: 0}})
	anon := types.NewStruct("", true, 8, nil)
	anon.SetFields([]types.Field{{Name: "flags_all", Type: types.Uint64}, {Name: "flags_lo", Type: types.Uint32}})
	task.SetFields([]types.Field{
		{Name: "pid", Type: pidT, BitOffset: 0},
		{Name: "tgid", Type: pidT, BitOffset: 32},
		{Name: "comm", Type: &types.String{Len: 16}, BitOffset: 64},
		{Name: "real_parent", Type: &types.Pointer{Elem: task, Space: types.AddrKernel}, BitOffset: 192},
		{Name: "mm", Type: &types.Pointer{Elem: mm, Space: types.AddrKernel}, BitOffset: 256},
		{Name: "", Type: anon, BitOffset: 320},
		{Name: "cpus", Type: &types.Array{Elem: types.Uint32, Len: 4}, BitOffset: 384},
	})
	k.types["struct task_struct"] = task
	k.types["struct mm_struct"] = mm

	path := types.NewStruct("path", false, 16, nil)
	dentry := types.NewStruct("dentry", false, 64, nil)
	qstr := types.NewStruct("qstr", false, 16, nil)
	qstr.SetFields([]types.Field{{Name: "len", Type: types.Uint32}, {Name: "name", Type: &types.Pointer{Elem: types.Uint8, Space: types.AddrKernel}, BitOffset: 64}})
	dentry.SetFields([]types.Field{{Name: "d_name", Type: qstr}, {Name: "d_parent", Type: &types.Pointer{Elem: dentry, Space: types.AddrKernel}, BitOffset: 128}})
	path.SetFields([]types.Field{{Name: "dentry", Type: &types.Pointer{Elem: dentry, Space: types.AddrKernel}}})
	file := types.NewStruct("file", false, 256, nil)
	file.SetFields([]types.Field{{Name: "f_path", Type: path}, {Name: "f_flags", Type: types.Uint32, BitOffset: 128}})
	k.types["struct path"] = path
	k.types["struct dentry"] = dentry
	k.types["struct qstr"] = qstr
	k.types["struct file"] = file
	sock := types.NewStruct("sock", false, 512, nil)
	sock.SetFields([]types.Field{{Name: "sk_family", Type: types.Uint16}})
	k.types["struct sock"] = sock
	regs := types.NewStruct("pt_regs", false, 168, nil)
	regs.SetFields([]types.Field{{Name: "di", Type: types.Uint64}, {Name: "si", Type: types.Uint64, BitOffset: 64}, {Name: "sp", Type: types.Uint64, BitOffset: 128}})
	k.types["struct pt_regs"] = regs
	pidType := &types.Enum{Name: "pid_type", Bytes: 4, Values: []types.EnumValue{{Name: "PIDTYPE_PID", Value: 0}, {Name: "PIDTYPE_TGID", Value: 1}}}
	k.types["enum pid_type"] = pidType
	k.enums["PIDTYPE_PID"] = 0
	k.enums["PIDTYPE_TGID"] = 1

	userChar := &types.Pointer{Elem: char, Space: types.AddrUser}
	k.tps["syscalls:sys_enter_openat"] = []ProbeArg{
		{Name: "__syscall_nr", Type: types.Int32, Offset: 8},
		{Name: "dfd", Type: types.Int64, Offset: 16},
		{Name: "filename", Type: userChar, Offset: 24},
		{Name: "flags", Type: types.Int64, Offset: 32},
		{Name: "mode", Type: types.Uint64, Offset: 40},
	}
	k.tps["syscalls:sys_enter_open"] = []ProbeArg{
		{Name: "__syscall_nr", Type: types.Int32, Offset: 8},
		{Name: "filename", Type: userChar, Offset: 16},
		{Name: "flags", Type: types.Int64, Offset: 24},
		{Name: "mode", Type: types.Uint64, Offset: 32},
	}
	k.tps["syscalls:sys_exit_read"] = []ProbeArg{
		{Name: "__syscall_nr", Type: types.Int32, Offset: 8},
		{Name: "ret", Type: types.Int64, Offset: 16},
	}
	k.tps["syscalls:sys_enter_read"] = []ProbeArg{
		{Name: "__syscall_nr", Type: types.Int32, Offset: 8},
		{Name: "fd", Type: types.Uint64, Offset: 16},
		{Name: "buf", Type: &types.Pointer{Elem: char, Space: types.AddrUser}, Offset: 24},
		{Name: "count", Type: types.Uint64, Offset: 32},
	}
	k.tps["syscalls:sys_enter_write"] = []ProbeArg{
		{Name: "__syscall_nr", Type: types.Int32, Offset: 8},
		{Name: "fd", Type: types.Uint64, Offset: 16},
		{Name: "buf", Type: &types.Pointer{Elem: char, Space: types.AddrUser}, Offset: 24},
		{Name: "count", Type: types.Int32, Offset: 32},
	}
	k.tps["sched:sched_switch"] = []ProbeArg{
		{Name: "prev_comm", Type: &types.String{Len: 16}, Offset: 8},
		{Name: "prev_pid", Type: pidT, Offset: 24},
		{Name: "prev_state", Type: types.Int64, Offset: 32},
		{Name: "next_comm", Type: &types.String{Len: 16}, Offset: 40},
		{Name: "next_pid", Type: pidT, Offset: 56},
	}
	k.funcs["vfs_read"] = fakeFunc{params: []ProbeArg{
		{Name: "file", Type: &types.Pointer{Elem: file, Space: types.AddrKernel}, Offset: -1},
		{Name: "buf", Type: &types.Pointer{Elem: char, Space: types.AddrUser}, Offset: -1},
		{Name: "count", Type: k.types["size_t"], Offset: -1},
		{Name: "pos", Type: &types.Pointer{Elem: types.Int64, Space: types.AddrKernel}, Offset: -1},
	}, ret: &types.Typedef{Name: "ssize_t", Type: types.Int64}}
	k.funcs["vfs_write"] = k.funcs["vfs_read"]
	k.funcs["tcp_connect"] = fakeFunc{params: []ProbeArg{
		{Name: "sk", Type: &types.Pointer{Elem: sock, Space: types.AddrKernel}, Offset: -1},
	}, ret: types.Int32}
	k.funcs["do_nanosleep"] = fakeFunc{params: []ProbeArg{
		{Name: "t", Type: types.Uint64, Offset: -1},
	}, ret: types.Int32}
	return k
}

func (k *fakeKernel) Describe() string { return "fake test kernel" }

func (k *fakeKernel) Type(name string) (types.Type, bool) {
	t, ok := k.types[name]
	return t, ok
}

func (k *fakeKernel) TypeNames(prefix string, limit int) []string {
	var out []string
	for n := range k.types {
		if strings.HasPrefix(n, prefix) && len(out) < limit {
			out = append(out, n)
		}
	}
	return out
}

func (k *fakeKernel) EnumValue(name string) (int64, types.Type, bool) {
	v, ok := k.enums[name]
	if !ok {
		return 0, nil, false
	}
	return v, k.types["enum pid_type"], true
}

func argsStruct(name string, args []ProbeArg) *types.Struct {
	s := types.NewStruct(name, false, 0, nil)
	var fs []types.Field
	off := 0
	for _, a := range args {
		if a.Offset >= 0 {
			off = a.Offset
		}
		fs = append(fs, types.Field{Name: a.Name, Type: a.Type, BitOffset: off * 8})
		off += a.Type.Size()
	}
	s.SetFields(fs)
	s.Bytes = off
	return s
}

func (k *fakeKernel) Resolve(ap *ast.AttachPoint, f *source.File) (*AttachInfo, diag.List) {
	ai := &AttachInfo{Node: ap, Provider: ap.Provider, Source: "fake"}
	var diags diag.List
	field := func(role string) string {
		for _, fl := range ap.Fields {
			if fl.Role == role {
				return fl.Text
			}
		}
		return ""
	}
	notFound := func(what string) {
		diags.Errorf(f, ap.Span(), codeFakeNoProbe, "no %s matches %s", what, ap.Raw)
	}
	switch ap.Provider {
	case "tracepoint":
		pat := field(probes.RoleCategory) + ":" + field(probes.RoleEvent)
		var match []string
		for name := range k.tps {
			if probes.MatchWildcard(pat, name) {
				match = append(match, name)
			}
		}
		if len(match) == 0 {
			notFound("tracepoint")
			return ai, diags
		}
		first := match[0]
		for _, m := range match {
			if m < first {
				first = m
			}
			ai.Targets = append(ai.Targets, "tracepoint:"+m)
		}
		ai.Args = k.tps[first]
		ai.ArgsType = argsStruct("tracepoint_"+strings.ReplaceAll(first, ":", "_"), ai.Args)
	case "kprobe", "kretprobe", "fentry", "fexit":
		fn := field(probes.RoleFunc)
		var match []string
		for name := range k.funcs {
			if probes.MatchWildcard(fn, name) {
				match = append(match, name)
			}
		}
		if len(match) == 0 {
			notFound("function")
			return ai, diags
		}
		for _, m := range match {
			ai.Targets = append(ai.Targets, ap.Provider+":"+m)
		}
		ff := k.funcs[match[0]]
		switch ap.Provider {
		case "kretprobe":
			ai.Retval = types.Uint64
		case "fentry", "fexit":
			ai.Args = ff.params
			ai.ArgsType = argsStruct("fentry_"+match[0], ff.params)
			if ap.Provider == "fexit" {
				ai.Retval = ff.ret
			}
		}
	case "uretprobe":
		ai.Retval = types.Uint64
	}
	return ai, diags
}

// permissiveKernel accepts every probe and type: probes have unknown
// arguments, every type name is an unknown but valid type.
type permissiveKernel struct{}

func (permissiveKernel) Describe() string { return "permissive test kernel" }
func (permissiveKernel) Resolve(ap *ast.AttachPoint, f *source.File) (*AttachInfo, diag.List) {
	ai := &AttachInfo{Node: ap, Provider: ap.Provider}
	if ap.Provider == "kretprobe" || ap.Provider == "uretprobe" {
		ai.Retval = types.Uint64
	}
	return ai, nil
}
func (permissiveKernel) Type(name string) (types.Type, bool)             { return Unknown, true }
func (permissiveKernel) TypeNames(prefix string, limit int) []string     { return nil }
func (permissiveKernel) EnumValue(name string) (int64, types.Type, bool) { return 0, Unknown, true }

// fakeC is a small C scope.
type fakeC struct {
	types   map[string]types.Type
	funcs   map[string]*CFunc
	defines map[string]*CDefine
}

func newFakeC() *fakeC {
	c := &fakeC{types: map[string]types.Type{}, funcs: map[string]*CFunc{}, defines: map[string]*CDefine{}}
	foo := types.NewStruct("foo", false, 16, nil)
	foo.Origin = "c"
	foo.SetFields([]types.Field{{Name: "a", Type: types.Int32}, {Name: "b", Type: types.Uint64, BitOffset: 64}, {Name: "name", Type: &types.String{Len: 8}, BitOffset: 128}})
	foo.Bytes = 24
	c.types["struct foo"] = foo
	c.funcs["add_one"] = &CFunc{Name: "add_one", Params: []CParam{{Name: "val", Type: types.Int32}}, Result: types.Int32,
		Loc: Location{Path: "lib.bpf.c", Line: 1, Column: 5}, Decl: "int add_one(int val)"}
	c.funcs["fill"] = &CFunc{Name: "fill", Params: []CParam{{Name: "out", Type: &types.Pointer{Elem: types.Uint64, Space: types.AddrKernel}}}, Result: types.Void{},
		Loc: Location{Path: "lib.bpf.c", Line: 2, Column: 6}, Decl: "void fill(u64 *out)"}
	c.funcs["getfoo"] = &CFunc{Name: "getfoo", Params: []CParam{{Name: "f", Type: &types.Pointer{Elem: foo, Space: types.AddrKernel}}}, Result: types.Int64,
		Loc: Location{Path: "lib.bpf.c", Line: 3, Column: 6}, Decl: "long getfoo(struct foo *f)"}
	c.defines["RED"] = &CDefine{Name: "RED", Value: "\033[31m"}
	c.defines["MAX_THINGS"] = &CDefine{Name: "MAX_THINGS", Value: int64(16)}
	c.defines["AF_INET"] = &CDefine{Name: "AF_INET", Value: int64(2)}
	return c
}

func (c *fakeC) Type(name string) (types.Type, bool) { t, ok := c.types[name]; return t, ok }
func (c *fakeC) Func(name string) (*CFunc, bool)     { f, ok := c.funcs[name]; return f, ok }
func (c *fakeC) Define(name string) (*CDefine, bool) { d, ok := c.defines[name]; return d, ok }
func (c *fakeC) Names() []string {
	var out []string
	for n := range c.funcs {
		out = append(out, n)
	}
	for n := range c.defines {
		out = append(out, n)
	}
	for n := range c.types {
		out = append(out, n)
	}
	return out
}
