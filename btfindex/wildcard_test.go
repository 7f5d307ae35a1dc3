package btfindex

import (
	"slices"
	"testing"
)

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		want   bool
	}{
		{"vfs_read", "vfs_read", true},
		{"vfs_read", "vfs_reads", false},
		{"vfs_*", "vfs_read", true},
		{"vfs_*", "vfs_", true},
		{"vfs_*", "xvfs_read", false},
		{"*_read", "vfs_read", true},
		{"*_read", "x_read_read", true}, // bpftrace's first-occurrence matcher misses this
		{"*read*", "vfs_read_iter", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "acb", false},
		{"a*a", "a", false},
		{"a*a", "aa", true},
		{"*", "", true},
		{"**", "anything", true},
		{"*:*", "vmlinux:vfs_read", true},
		{"*:*", "novmlinux", false},
		{"sched:*", "sched:sched_switch", true},
	} {
		if got := CompileGlob(tc.pat).Match(tc.s); got != tc.want {
			t.Errorf("Glob(%q).Match(%q) = %v", tc.pat, tc.s, got)
		}
	}
}

func TestExpandBraces(t *testing.T) {
	for pat, want := range map[string][]string{
		"vfs_read":                 {"vfs_read"},
		"vfs_{read,write}":         {"vfs_read", "vfs_write"},
		"{a,b}_{c,d}":              {"a_c", "a_d", "b_c", "b_d"},
		"x{a,{b,c}}y":              {"xay", "xby", "xcy"},
		"x{,s}":                    {"x", "xs"},
		"unbalanced{a,b":           {"unbalanced{a,b"},
		"tracepoint:{sched,irq}:*": {"tracepoint:sched:*", "tracepoint:irq:*"},
	} {
		if got := ExpandBraces(pat); !slices.Equal(got, want) {
			t.Errorf("ExpandBraces(%q) = %q, want %q", pat, got, want)
		}
	}
	m := CompileMatcher("vfs_{read,write}*")
	if !m.Match("vfs_readv") || !m.Match("vfs_write") || m.Match("vfs_open") {
		t.Error("matcher with braces")
	}
	if got := splitTopLevel("a:{b,c},d"); !slices.Equal(got, []string{"a:{b,c}", "d"}) {
		t.Errorf("splitTopLevel = %q", got)
	}
}

func TestFuncPrefix(t *testing.T) {
	for pat, want := range map[string]string{
		"*:vfs_*":                "vfs_",
		"vmlinux:vfs_r*":         "vfs_r",
		"*:*":                    "",
		"*":                      "",
		"*mod:x*":                "",
		"*:{vfs_read,vfs_write}": "vfs_",
	} {
		if got := CompileMatcher(pat).funcPrefix(); got != want {
			t.Errorf("funcPrefix(%q) = %q, want %q", pat, got, want)
		}
	}
}

func TestSuggest(t *testing.T) {
	if got := Suggest("kprbe", []string{"kprobe", "uprobe", "kretprobe"}); len(got) == 0 || got[0] != "kprobe" {
		t.Errorf("Suggest = %v", got)
	}
	if got := Suggest("zzzzzzzz", []string{"kprobe"}); got != nil {
		t.Errorf("Suggest far = %v", got)
	}
}

func TestParseFormat(t *testing.T) {
	f, err := ParseFormat([]byte(fixtureFormat))
	if err != nil {
		t.Fatal(err)
	}
	if f.Event != "sched_switch" || f.ID != 372 || len(f.Fields) != 8 || len(f.Args()) != 4 {
		t.Fatalf("format = %+v", f)
	}
	if _, err := ParseFormat([]byte("name: x\nformat:\n\tfield:int a\n")); err == nil {
		t.Error("bad field line accepted")
	}
	if _, err := ParseFormat(nil); err == nil {
		t.Error("empty format accepted")
	}
	for decl, want := range map[string][2]string{
		"char prev_comm[16]":     {"prev_comm", "char[16]"},
		"const char * filename":  {"filename", "const char *"},
		"__data_loc char[] name": {"name", "__data_loc char[]"},
		"unsigned long args[6]":  {"args", "unsigned long[6]"},
		"u32 buf[]":              {"buf", "u32[]"},
		"int x":                  {"x", "int"},
		"unsigned char m[2][3]":  {"m", "unsigned char[2][3]"},
	} {
		n, ty := splitDecl(decl)
		if n != want[0] || ty != want[1] {
			t.Errorf("splitDecl(%q) = %q, %q; want %q", decl, n, ty, want)
		}
	}
}

func TestProviders(t *testing.T) {
	for name, want := range map[string]string{"k": "kprobe", "KPROBE": "kprobe", "U": "usdt", "u": "uprobe", "kfunc": "fentry", "kretfunc": "fexit", "rt": "rawtracepoint", "BEGIN": "begin", "it": "iter"} {
		p, ok := LookupProvider(name)
		if !ok || p.Name != want {
			t.Errorf("LookupProvider(%q) = %v", name, p)
		}
	}
	if _, ok := LookupProvider("nosuch"); ok {
		t.Error("unknown provider found")
	}
	sw, _ := LookupProvider("software")
	if tg, ok := sw.FixedTarget("faults"); !ok || tg.Name != "page-faults" || tg.DefaultPeriod != 100 {
		t.Errorf("software faults = %+v", tg)
	}
	hw, _ := LookupProvider("h")
	if _, ok := hw.FixedTarget("cycles"); !ok {
		t.Error("hardware cycles alias")
	}
	names := map[string]bool{}
	for _, p := range Providers {
		if names[p.Name] {
			t.Errorf("duplicate provider %s", p.Name)
		}
		names[p.Name] = true
	}
}
