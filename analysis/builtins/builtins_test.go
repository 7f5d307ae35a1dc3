package builtins

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/btfindex"
)

func mustLookup(t *testing.T, name string) *Builtin {
	t.Helper()
	b, ok := Lookup(name)
	if !ok {
		t.Fatalf("Lookup(%q) failed", name)
	}
	return b
}

func TestEveryEntryIsComplete(t *testing.T) {
	for _, b := range All() {
		if strings.TrimSpace(b.Doc) == "" {
			t.Errorf("%s: empty Doc", b.Name)
		}
		if len(b.Variants) == 0 {
			t.Errorf("%s: no variants", b.Name)
		}
		if b.Kind < Variable || b.Kind > TypeOp {
			t.Errorf("%s: invalid kind %d", b.Name, b.Kind)
		}
		if b.Kind == Variable && !b.HasBare() {
			t.Errorf("%s: a variable without a bare variant", b.Name)
		}
		if b.Removed != "" && b.Deprecated == "" {
			t.Errorf("%s: removed without a replacement", b.Name)
		}
		for _, s := range b.Variants {
			if s.Name != b.Name {
				t.Errorf("%s: variant named %q", b.Name, s.Name)
			}
			if s.Bare && len(s.Params) > 0 {
				t.Errorf("%s: bare variant with parameters", b.Name)
			}
			if s.Result.Pattern != Concrete && s.Result.Pattern != StructPtr && !s.Result.Pattern.IsResult() && s.Result.Display == "" {
				t.Errorf("%s: result uses parameter pattern %v", s, s.Result.Pattern)
			}
			if s.Result.Pattern == Concrete && s.Result.Type == nil {
				t.Errorf("%s: concrete result without a type", b.Name)
			}
			for i, p := range s.Params {
				if p.Type.Pattern.IsResult() {
					t.Errorf("%s: parameter %d uses result pattern %v", s, i, p.Type.Pattern)
				}
				if p.Type.Pattern == Concrete && p.Type.Type == nil {
					t.Errorf("%s: parameter %d: concrete without a type", s, i)
				}
				if p.Variadic && i != len(s.Params)-1 {
					t.Errorf("%s: variadic parameter %d is not last", s, i)
				}
			}
		}
		if md := Markdown(b); !strings.Contains(md, b.Variants[0].String()) || !strings.Contains(md, b.Doc) {
			t.Errorf("%s: Markdown lacks the signature or the doc:\n%s", b.Name, md)
		}
		for _, p := range b.Providers {
			if !slices.ContainsFunc(btfindex.Providers, func(q btfindex.Provider) bool { return q.Name == p }) {
				t.Errorf("%s: unknown provider %q", b.Name, p)
			}
		}
	}
}

func TestNoDuplicateNames(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.Name] {
			t.Errorf("duplicate entry %q", e.Name)
		}
		seen[e.Name] = true
	}
	if got := len(All()); got != len(entries) {
		t.Errorf("All() has %d entries, table %d", got, len(entries))
	}
	all := All()
	if !slices.IsSortedFunc(all, func(a, b *Builtin) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("All() is not sorted")
	}
	seenVerb := map[string]bool{}
	for _, v := range FormatVerbs {
		if seenVerb[v.Conv] {
			t.Errorf("duplicate format verb %q", v.Conv)
		}
		seenVerb[v.Conv] = true
	}
	seenKey := map[string]bool{}
	for _, k := range ConfigKeys {
		if seenKey[k.Name] {
			t.Errorf("duplicate config key %q", k.Name)
		}
		seenKey[k.Name] = true
		if k.Doc == "" || k.Env != "BPFTRACE_"+strings.ToUpper(k.Name) {
			t.Errorf("config key %q: doc %q env %q", k.Name, k.Doc, k.Env)
		}
		if k.RenamedTo != "" {
			if c := k.Current(); c == nil || c.RenamedTo != "" {
				t.Errorf("config key %q renamed to unknown %q", k.Name, k.RenamedTo)
			}
		}
	}
}

func TestSignatureRendering(t *testing.T) {
	want := map[string][]string{
		"bswap":         {"uint8 bswap(uint8 n)", "uint16 bswap(uint16 n)", "uint32 bswap(uint32 n)", "uint64 bswap(uint64 n)"},
		"pid":           {"uint32 pid", "uint32 pid([curr_ns|init])"},
		"exit":          {"void exit([int code])"},
		"printf":        {"void printf(const string fmt, args...)"},
		"ntop":          {"inet ntop([int64 af], int addr)", "inet ntop([int64 af], char addr[4])", "inet ntop([int64 af], char addr[16])"},
		"kstack":        {"kstack_t kstack", "kstack_t kstack([StackMode mode], [int limit])"},
		"kptr":          {"T * kptr(T * ptr)"},
		"comm":          {"string[16] comm", "string[16] comm()"},
		"count":         {"count_t count()"},
		"hist":          {"hist_t hist(int n, [int k = 0])"},
		"delete":        {"bool delete(map m, mapkey k)", "bool delete(map m)", "bool delete(@map[key])"},
		"sizeof":        {"uint64 sizeof(TYPE)", "uint64 sizeof(EXPRESSION)"},
		"argN":          {"uint64 argN"},
		"ksym":          {"ksym_t ksym(uint64 addr)"},
		"pton":          {"char addr[4] pton(const string addr_v4)", "char addr[16] pton(const string addr_v6)"},
		"socket_cookie": {"uint64 socket_cookie(struct sock * sk)"},
	}
	for name, sigs := range want {
		b := mustLookup(t, name)
		var got []string
		for _, s := range b.Variants {
			got = append(got, s.String())
		}
		if !slices.Equal(got, sigs) {
			t.Errorf("%s renders\n  %q\nwant\n  %q", name, got, sigs)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, name := range []string{"arg0", "arg5", "arg255", "sarg2"} {
		b, ok := Lookup(name)
		if !ok || !b.Numbered {
			t.Errorf("Lookup(%q) = %v, %v; want a numbered family", name, b, ok)
		}
	}
	if b, _ := Lookup("arg12"); b.Name != "argN" {
		t.Errorf("arg12 found %s", b.Name)
	}
	for _, name := range []string{"arg", "arg256", "arg01", "argx", "args2", "printff", "", "N", "__builtin_", "__builtin___builtin_cpu", "__builtin_nosuch"} {
		if b, ok := Lookup(name); ok {
			t.Errorf("Lookup(%q) found %s", name, b.Name)
		}
	}
	// __builtin_NAME is the builtin NAME (bpftrace's stdlib macros are
	// written over these names).
	for name, want := range map[string]string{"__builtin_cpu": "cpu", "__builtin_arg3": "argN", "__builtin_comm": "comm"} {
		if b, ok := Lookup(name); !ok || b.Name != want {
			t.Errorf("Lookup(%q) = %v, %v; want %s", name, b, ok, want)
		}
	}
	if b := mustLookup(t, "stack"); b.Deprecated != "kstack" || b.Removed == "" {
		t.Errorf("stack: deprecated %q removed %q", b.Deprecated, b.Removed)
	}
	if b := mustLookup(t, "sym"); b.Deprecated != "ksym" {
		t.Errorf("sym: deprecated %q", b.Deprecated)
	}
}

func TestVariablesAndFunctions(t *testing.T) {
	vars := Variables()
	fns := Functions()
	has := func(list []*Builtin, name string) bool {
		return slices.ContainsFunc(list, func(b *Builtin) bool { return b.Name == name })
	}
	for _, name := range []string{"pid", "comm", "args", "argN", "retval", "nsecs", "kstack", "curtask", "cgroup"} {
		if !has(vars, name) {
			t.Errorf("Variables() lacks %s", name)
		}
	}
	for _, name := range []string{"printf", "count", "delete", "sizeof", "pid", "kstack"} {
		if !has(fns, name) {
			t.Errorf("Functions() lacks %s", name)
		}
	}
	for _, name := range []string{"printf", "count", "delete"} {
		if has(vars, name) {
			t.Errorf("Variables() has %s", name)
		}
	}
	for _, name := range []string{"args", "argN", "ctx"} {
		if has(fns, name) {
			t.Errorf("Functions() has %s", name)
		}
	}
}

func TestAllowedIn(t *testing.T) {
	cases := []struct {
		name, provider string
		ok             bool
	}{
		{"pid", "begin", true},
		{"pid", "", true},
		{"retval", "kretprobe", true},
		{"retval", "fexit", true},
		{"retval", "kprobe", false},
		{"argN", "kprobe", true},
		{"argN", "tracepoint", false},
		{"args", "tracepoint", true},
		{"args", "kprobe", false},
		{"args", "", false},
		{"probe", "interval", true},
		{"probe", "", false},
		{"override", "kprobe", true},
		{"override", "kretprobe", false},
		{"reg", "profile", true},
		{"reg", "fentry", false},
		{"uaddr", "usdt", true},
		{"uaddr", "kprobe", false},
		{"skboutput", "fentry", true},
		{"skboutput", "kprobe", false},
		{"path", "iter", true},
		{"ctx", "tracepoint", false},
		{"ctx", "profile", true},
		{"signal", "begin", false},
	}
	for _, c := range cases {
		if got := mustLookup(t, c.name).AllowedIn(c.provider); got != c.ok {
			t.Errorf("%s.AllowedIn(%q) = %v, want %v", c.name, c.provider, got, c.ok)
		}
	}
	for _, name := range []string{"system", "signal", "signal_thread", "override", "write_user"} {
		if !mustLookup(t, name).Unsafe {
			t.Errorf("%s should be unsafe", name)
		}
	}
	for _, name := range []string{"printf", "print", "cat", "system", "exit", "clear", "zero", "time", "join"} {
		if !mustLookup(t, name).Async {
			t.Errorf("%s should be async", name)
		}
	}
	if !mustLookup(t, "argN").NotInFor || !mustLookup(t, "retval").NotInFor {
		t.Error("argN and retval are rejected in for loops")
	}
}

// Arguments for resolution tests.
func intArg(t types.Type) Arg  { return Arg{Type: t} }
func intLit(v uint64) Arg      { return Arg{Type: types.Int64, Literal: true, Int: v} }
func strLit(s string) Arg      { return Arg{Type: &types.String{Len: len(s) + 1}, Literal: true, Str: s} }
func ident(s string) Arg       { return Arg{Form: ArgIdent, Str: s} }
func mapArg() Arg              { return Arg{Form: ArgMap} }
func mapElem(t types.Type) Arg { return Arg{Form: ArgMapElem, Type: t} }
func variable(t types.Type) Arg {
	return Arg{Form: ArgVariable, Type: t}
}

func TestResolve(t *testing.T) {
	cases := []struct {
		name string
		args []Arg
		want string // rendered signature, or "" for an error
		bind []int
	}{
		{"bswap", []Arg{intArg(types.Int32)}, "uint32 bswap(uint32 n)", []int{0}},
		{"bswap", []Arg{intArg(types.Uint8)}, "uint8 bswap(uint8 n)", []int{0}},
		{"bswap", []Arg{intArg(types.Int64)}, "uint64 bswap(uint64 n)", []int{0}},
		{"bswap", []Arg{strLit("x")}, "", nil},
		{"kstack", nil, "kstack_t kstack([StackMode mode], [int limit])", []int{}},
		{"kstack", []Arg{intLit(3)}, "kstack_t kstack([StackMode mode], [int limit])", []int{1}},
		{"kstack", []Arg{ident("perf")}, "kstack_t kstack([StackMode mode], [int limit])", []int{0}},
		{"kstack", []Arg{ident("perf"), intLit(3)}, "kstack_t kstack([StackMode mode], [int limit])", []int{0, 1}},
		{"kstack", []Arg{ident("build_id")}, "", nil},
		{"kstack", []Arg{intLit(5000)}, "", nil},
		{"ustack", []Arg{ident("build_id")}, "ustack_t ustack([StackMode mode], [int limit])", []int{0}},
		{"ntop", []Arg{intArg(types.Uint32)}, "inet ntop([int64 af], int addr)", []int{1}},
		{"ntop", []Arg{intLit(10), Arg{Type: &types.Array{Elem: types.Uint8, Len: 16}}}, "inet ntop([int64 af], char addr[16])", []int{0, 1}},
		{"ntop", []Arg{Arg{Type: &types.Array{Elem: types.Uint8, Len: 8}}}, "", nil},
		{"delete", []Arg{mapArg(), intLit(1)}, "bool delete(map m, mapkey k)", []int{0, 1}},
		{"delete", []Arg{mapArg()}, "bool delete(map m)", []int{0}},
		{"delete", []Arg{mapElem(types.Int64)}, "bool delete(@map[key])", []int{0}},
		{"delete", []Arg{intLit(1)}, "", nil},
		{"print", []Arg{mapArg(), intLit(10)}, "void print(map map, [uint64 top], [uint64 div])", []int{0, 1}},
		{"print", []Arg{strLit("x")}, "void print(T value)", []int{0}},
		{"print", []Arg{mapArg(), intArg(types.Int64)}, "", nil}, // top must be a literal
		{"getopt", []Arg{strLit("n")}, "bool getopt(const string arg_name)", []int{0}},
		{"getopt", []Arg{strLit("n"), intLit(10)}, "int getopt(const string arg_name, int default_value, [const string description])", []int{0, 1}},
		{"getopt", []Arg{strLit("n"), strLit("d"), strLit("desc")}, "string getopt(const string arg_name, string default_value, [const string description])", []int{0, 1, 2}},
		{"getopt", []Arg{strLit("n"), Arg{Type: types.Bool{}, Literal: true}}, "bool getopt(const string arg_name, bool default_value, [const string description])", []int{0, 1}},
		{"printf", []Arg{strLit("%d %s"), intArg(types.Int64), strLit("x")}, "void printf(const string fmt, args...)", []int{0, 1, 1}},
		{"printf", []Arg{intArg(types.Int64)}, "", nil},
		{"printf", nil, "", nil},
		{"pid", []Arg{ident("init")}, "uint32 pid([curr_ns|init])", []int{0}},
		{"pid", []Arg{ident("root")}, "", nil},
		{"hist", []Arg{intArg(types.Int64), intLit(3)}, "hist_t hist(int n, [int k = 0])", []int{0, 1}},
		{"hist", []Arg{intArg(types.Int64), intLit(6)}, "", nil},
		{"tseries", []Arg{intArg(types.Int64), intLit(1000), intLit(10), strLit("avg")}, "tseries_t tseries(int n, int64 interval_ns, int64 num_intervals, [const string agg])", []int{0, 1, 2, 3}},
		{"tseries", []Arg{intArg(types.Int64), intLit(1000), intLit(10), strLit("median")}, "", nil},
		{"find", []Arg{mapArg(), intLit(1), variable(nil)}, "bool find(map m, mapkey k, mapvalue result)", []int{0, 1, 2}},
		{"find", []Arg{mapArg(), intLit(1), intLit(2)}, "", nil},
		{"str", []Arg{Arg{Type: &types.Pointer{Elem: types.Int8}}, intArg(types.Int64)}, "string str(char * data, [int length])", []int{0, 1}},
		{"signal", []Arg{intLit(9)}, "void signal(uint32 signum)", []int{0}},
		{"signal", []Arg{intLit(65)}, "", nil},
		{"signal", []Arg{strLit("SIGKILL")}, "void signal(const string sig)", []int{0}},
		{"socket_cookie", []Arg{intArg(&types.Pointer{Elem: types.NewStruct("sock", false, 0, nil)})}, "uint64 socket_cookie(struct sock * sk)", []int{0}},
		{"socket_cookie", []Arg{intArg(&types.Pointer{Elem: types.NewStruct("file", false, 0, nil)})}, "", nil},
		{"len", []Arg{intArg(&types.Stack{Mode: "bpftrace", Limit: 127})}, "int64 len(kstack stack)", []int{0}},
		{"len", []Arg{intArg(&types.Stack{User: true, Mode: "bpftrace", Limit: 127})}, "int64 len(ustack stack)", []int{0}},
		{"len", []Arg{mapArg()}, "int64 len(map m)", []int{0}},
		{"strlen", []Arg{intArg(&types.Array{Elem: types.Int8, Len: 16})}, "uint64 strlen(string exp)", []int{0}},
		{"strlen", []Arg{intArg(types.Int64)}, "", nil},
		{"exit", []Arg{intArg(nil)}, "void exit([int code])", []int{0}}, // unknown type: no cascade
		{"exit", []Arg{intLit(1), intLit(2)}, "", nil},
	}
	for _, c := range cases {
		b := mustLookup(t, c.name)
		s, bind, err := b.Resolve(c.args)
		if c.want == "" {
			if err == nil {
				t.Errorf("%s%v: resolved to %s, want an error", c.name, c.args, s)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s%v: %v", c.name, c.args, err)
			continue
		}
		if s.String() != c.want || !slices.Equal(bind, c.bind) {
			t.Errorf("%s%v: got %s %v, want %s %v", c.name, c.args, s, bind, c.want, c.bind)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	_, _, err := mustLookup(t, "bswap").Resolve(nil)
	if err == nil || !strings.Contains(err.Error(), "takes 1 argument (0 given)") {
		t.Errorf("bswap(): %v", err)
	}
	_, _, err = mustLookup(t, "printf").Resolve(nil)
	if err == nil || !strings.Contains(err.Error(), "at least 1") {
		t.Errorf("printf(): %v", err)
	}
	_, _, err = mustLookup(t, "strftime").Resolve([]Arg{intArg(types.Int64), intArg(types.Uint64)})
	var ae *ArgError
	if !errors.As(err, &ae) || ae.Index != 0 || ae.Param.Name != "fmt" {
		t.Errorf("strftime(int, int): %v", err)
	}
	_, _, err = mustLookup(t, "args").Resolve(nil)
	if err == nil {
		t.Error("args is not callable")
	}
	min, max, ok := mustLookup(t, "tseries").ArgCount()
	if !ok || min != 3 || max != 4 {
		t.Errorf("tseries ArgCount = %d..%d %v", min, max, ok)
	}
}

func TestMarkdown(t *testing.T) {
	md := Markdown(mustLookup(t, "system"))
	for _, want := range []string{"```bpftrace\nvoid system(const string cmdfmt, args...)\n```", "**Unsafe**", "**Async**"} {
		if !strings.Contains(md, want) {
			t.Errorf("system markdown lacks %q:\n%s", want, md)
		}
	}
	md = Markdown(mustLookup(t, "stack"))
	if !strings.Contains(md, "**Removed** in bpftrace v0.10.0: use `kstack`") {
		t.Errorf("stack markdown:\n%s", md)
	}
	md = Markdown(mustLookup(t, "retval"))
	if !strings.Contains(md, "Probes: kretprobe, uretprobe, fexit.") || !strings.Contains(md, "`for` loop") {
		t.Errorf("retval markdown:\n%s", md)
	}
	md = Markdown(mustLookup(t, "delete"))
	if !strings.Contains(md, "bool delete(@map[key])  // deprecated: use delete(@m, k)") {
		t.Errorf("delete markdown:\n%s", md)
	}
	if md := Markdown(mustLookup(t, "argN")); !strings.Contains(md, "arg0, arg1") {
		t.Errorf("argN markdown:\n%s", md)
	}
}

func TestParseFormat(t *testing.T) {
	verbs, err := ParseFormat("pid %d: %-16s %llx 100%% %5.2lu %rx %gr %c %p %hhu")
	if err != nil {
		t.Fatal(err)
	}
	type v struct {
		start, end int
		conv, text string
	}
	want := []v{
		{4, 6, "d", "%d"},
		{8, 13, "s", "%-16s"},
		{14, 18, "x", "%llx"},
		{25, 31, "u", "%5.2lu"},
		{32, 35, "rx", "%rx"},
		{36, 39, "gr", "%gr"},
		{40, 42, "c", "%c"},
		{43, 45, "p", "%p"},
		{46, 50, "u", "%hhu"},
	}
	if len(verbs) != len(want) {
		t.Fatalf("got %d verbs %v, want %d", len(verbs), verbs, len(want))
	}
	for i, w := range want {
		g := verbs[i]
		if g.Start != w.start || g.End != w.end || g.Conv != w.conv || g.String() != w.text || g.Info == nil || g.Info.Conv != w.conv {
			t.Errorf("verb %d = %+v (%s), want %+v", i, g, g.String(), w)
		}
	}
	if verbs[1].Flags != "-" || verbs[1].Width != "16" || verbs[3].Precision != "2" || verbs[3].Length != "l" || verbs[8].Length != "hh" {
		t.Errorf("fields: %+v %+v %+v", verbs[1], verbs[3], verbs[8])
	}
	if verbs[4].Info.Arg != VerbBuffer || verbs[0].Info.Arg != VerbInteger || verbs[1].Info.Arg != VerbAny {
		t.Error("verb classes")
	}

	// Rejected conversions, with their byte range.
	for _, c := range []struct {
		s          string
		start, end int
	}{
		{"x=%f\n", 2, 4},
		{"ok %d then %.3e", 11, 15},
		{"%n", 0, 2},
		{"%-5G", 0, 4},
	} {
		_, err := ParseFormat(c.s)
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Start != c.start || fe.End != c.end {
			t.Errorf("ParseFormat(%q) = %v, want an error at %d..%d", c.s, err, c.start, c.end)
		}
	}

	// A % that starts no specification is literal text for bpftrace.
	verbs, err = ParseFormat("x%y and %")
	if err != nil || len(verbs) != 0 {
		t.Errorf("stray percents: %v %v", verbs, err)
	}
	if got := StrayPercents("x%y and %d %"); !slices.Equal(got, []int{1, 11}) {
		t.Errorf("StrayPercents = %v", got)
	}
	// As in C, "% d" is a conversion with the space flag: "50% done"
	// consumes an argument.
	verbs, err = ParseFormat("50% done")
	if err != nil || len(verbs) != 1 || verbs[0].Flags != " " || verbs[0].Conv != "d" || verbs[0].Start != 2 || verbs[0].End != 5 {
		t.Errorf("ParseFormat(50%% done) = %+v %v", verbs, err)
	}
	if got := StrayPercents("100%% %s"); len(got) != 0 {
		t.Errorf("StrayPercents(escaped) = %v", got)
	}
}

func TestVerbAccepts(t *testing.T) {
	d, _ := LookupVerb("d")
	s, _ := LookupVerb("s")
	r, _ := LookupVerb("r")
	p, _ := LookupVerb("p")
	check := func(v *FormatVerb, ty types.Type, want bool) {
		t.Helper()
		if got := v.Arg.Accepts(ty); got != want {
			t.Errorf("%%%s accepts %v = %v, want %v", v.Conv, ty, got, want)
		}
	}
	check(d, types.Int32, true)
	check(d, types.Bool{}, true)
	check(d, &types.Pointer{Elem: types.Int8}, true)
	check(d, &types.String{Len: 16}, false)
	check(d, &types.Aggregation{Kind: types.AggCount}, false)
	check(s, &types.String{Len: 16}, true)
	check(s, types.Int64, true)
	check(s, types.Void{}, false)
	check(r, &types.Buffer{Len: 8}, true)
	check(r, &types.String{Len: 8}, false)
	if p.Debugf != VerbIntOnly || !p.Debugf.Accepts(types.Uint64) || p.Debugf.Accepts(&types.Pointer{Elem: types.Int8}) {
		t.Error("debugf: p takes integers only")
	}
	if x, _ := LookupVerb("X"); x.Debugf != VerbNone {
		t.Error("debugf rejects X")
	}
}

func TestLookupConfig(t *testing.T) {
	for _, name := range []string{"stack_mode", "STACK_MODE", "BPFTRACE_STACK_MODE", "bpftrace_stack_mode", "Stack_Mode"} {
		k, ok := LookupConfig(name)
		if !ok || k.Name != "stack_mode" || k.Env != "BPFTRACE_STACK_MODE" || k.Type != ConfigEnum || k.Default != "bpftrace" {
			t.Errorf("LookupConfig(%q) = %+v, %v", name, k, ok)
		}
	}
	if _, ok := LookupConfig("no_such_key"); ok {
		t.Error("unknown key found")
	}
	k, _ := LookupConfig("BPFTRACE_STRLEN")
	if k == nil || k.RenamedTo != "max_strlen" || k.Current().Name != "max_strlen" {
		t.Errorf("strlen: %+v", k)
	}
	if k, _ := LookupConfig("unstable_map_decl"); k == nil || !k.NoEffect {
		t.Error("unstable_map_decl is obsolete")
	}
	if k, _ := LookupConfig("BPFTRACE_BTF"); k == nil || !k.EnvOnly {
		t.Error("btf is environment only")
	}

	valid := []struct {
		key, val string
		ok       bool
	}{
		{"stack_mode", "perf", true},
		{"stack_mode", "PERF", false},
		{"stack_mode", "fancy", false},
		{"max_strlen", "200", true},
		{"max_strlen", "0x100", true},
		{"max_strlen", "big", false},
		{"cpp_demangle", "off", true},
		{"cpp_demangle", "maybe", false},
		{"missing_probes", "WARN", true},
		{"license", "Dual MIT/GPL", true},
		{"license", "MIT", false},
		{"unstable_tseries", "enable", true},
		{"unstable_tseries", "true", true},
		{"unstable_tseries", "sometimes", false},
		{"cache_user_symbols", "per_pid", true},
		{"strlen", "64", true}, // renamed: checked as max_strlen
		{"str_trunc_trailer", "", true},
	}
	for _, c := range valid {
		k, ok := LookupConfig(c.key)
		if !ok {
			t.Fatalf("no key %s", c.key)
		}
		if err := k.CheckString(c.val); (err == nil) != c.ok {
			t.Errorf("%s = %q: %v, want ok=%v", c.key, c.val, err, c.ok)
		}
	}
	if k, _ := LookupConfig("stack_mode"); k.CheckInt(1) == nil {
		t.Error("stack_mode = 1 is invalid")
	}
	if k, _ := LookupConfig("max_probes"); k.CheckInt(5) != nil {
		t.Error("max_probes = 5 is valid")
	}
	names, elems := ConfigRecordFields()
	if len(names) != len(elems) || !slices.Contains(names, "max_strlen") || !slices.Contains(names, "stack_mode") {
		t.Errorf("config record: %v", names)
	}
	for _, n := range names {
		if _, ok := LookupConfig(n); !ok {
			t.Errorf("config record field %s is not a config key", n)
		}
	}
}

func TestMapKinds(t *testing.T) {
	for _, name := range []string{"hash", "lruhash", "percpuhash", "percpulruhash"} {
		if _, ok := LookupMapKind(name); !ok {
			t.Errorf("map kind %s missing", name)
		}
	}
	if _, ok := LookupMapKind("array"); ok {
		t.Error("array is not a declaration kind")
	}
	hash, _ := LookupMapKind("hash")
	pc, _ := LookupMapKind("percpuhash")
	count := &types.Aggregation{Kind: types.AggCount}
	if hash.Accepts(count) || !pc.Accepts(count) || !hash.Accepts(types.Int64) || pc.Accepts(types.Int64) {
		t.Error("per-CPU kinds hold aggregations, plain kinds everything else")
	}
}
