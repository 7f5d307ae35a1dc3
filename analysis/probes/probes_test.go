package probes

import (
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/diag"
)

func TestLookup(t *testing.T) {
	for name, want := range map[string]string{
		"kprobe": "kprobe", "k": "kprobe", "K": "kprobe", "Kprobe": "kprobe",
		"kr": "kretprobe", "u": "uprobe", "ur": "uretprobe", "U": "usdt", "usdt": "usdt",
		"BEGIN": "begin", "END": "end", "begin": "begin", "t": "tracepoint", "rt": "rawtracepoint",
		"p": "profile", "i": "interval", "s": "software", "h": "hardware", "w": "watchpoint",
		"f": "fentry", "kfunc": "fentry", "fr": "fexit", "kretfunc": "fexit", "it": "iter",
		"self": "self", "test": "test", "bench": "bench", "asyncwatchpoint": "asyncwatchpoint",
	} {
		p := Lookup(name)
		if p == nil || p.Name != want {
			t.Errorf("Lookup(%q) = %v, want %s", name, p, want)
		}
	}
	for _, bad := range []string{"", "kprobes", "x", "struct"} {
		if p := Lookup(bad); p != nil {
			t.Errorf("Lookup(%q) = %s", bad, p.Name)
		}
	}
}

func TestTableFacts(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Providers {
		for _, n := range append([]string{p.Name}, p.Aliases...) {
			if seen[n] {
				t.Errorf("name %q appears twice", n)
			}
			seen[n] = true
		}
		if p.Summary == "" || len(p.Forms) == 0 || p.parse == nil {
			t.Errorf("%s: incomplete row", p.Name)
		}
		// Only return probes see retval.
		switch p.Name {
		case "kretprobe", "uretprobe", "fexit":
			if !p.Retval {
				t.Errorf("%s should have retval", p.Name)
			}
		default:
			if p.Retval {
				t.Errorf("%s should not have retval", p.Name)
			}
		}
	}
}

func TestSuggest(t *testing.T) {
	for typo, want := range map[string]string{
		"kprobes": "kprobe", "tracepont": "tracepoint", "kretporbe": "kretprobe",
		"uprbe": "uprobe", "interva": "interval", "hardwre": "hardware", "asdf": "", "xyzzy": "",
	} {
		if got := Suggest(typo); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", typo, got, want)
		}
	}
}

func TestMatchWildcard(t *testing.T) {
	for _, c := range []struct {
		pat, s string
		ok     bool
	}{
		{"*", "anything", true}, {"t*point", "tracepoint", true}, {"*ware", "hardware", true},
		{"sys_*", "sys_read", true}, {"sys_*", "do_sys", false}, {"[Ss]ys", "Sys", false},
		{"[a-c]x", "bx", false}, {"[a-c]x", "[a-c]x", true}, {"*_read", "x_read_read", true}, {"a*a", "a", false}, {"a*b*c", "axxbyyc", true}, {"abc", "abd", false},
	} {
		if got := MatchWildcard(c.pat, c.s); got != c.ok {
			t.Errorf("MatchWildcard(%q, %q) = %v", c.pat, c.s, got)
		}
	}
	if !HasWildcard("a*") || HasWildcard("[ab]c") || HasWildcard("a?b") || HasWildcard("a{b,c}") || HasWildcard("a]b[") {
		t.Error("HasWildcard")
	}
}

// fields renders the result as "role=text role=text ...".
func fields(r Result) string {
	var parts []string
	for _, f := range r.Fields {
		parts = append(parts, f.Role+"="+f.Text)
	}
	return strings.Join(parts, " ")
}

func TestParseAttachPoint(t *testing.T) {
	for raw, want := range map[string]string{
		"kprobe:vfs_read":                      "provider=kprobe func=vfs_read",
		"k:ext4:ext4_file_open+0x10":           "provider=k module=ext4 func=ext4_file_open offset=0x10",
		"kprobe:0xffffffff81000000":            "provider=kprobe address=0xffffffff81000000",
		`kprobe:"f.isra.0"+4`:                  "provider=kprobe func=f.isra.0 offset=4",
		"uprobe:/bin/bash:readline":            "provider=uprobe path=/bin/bash func=readline",
		`uprobe:"/a b/c":cpp:"A::f"`:           "provider=uprobe path=/a b/c lang=cpp func=A::f",
		"uprobe:/bin/bash@readline.c:36:2":     "provider=uprobe path=/bin/bash file=readline.c line=36 column=2",
		"uprobe:/bin/bash:0x4a8b0":             "provider=uprobe path=/bin/bash address=0x4a8b0",
		"usdt:/bin/x:ns:probe":                 "provider=usdt path=/bin/x namespace=ns name=probe",
		"tracepoint:sched:sched_switch":        "provider=tracepoint category=sched event=sched_switch",
		"t:*open*":                             "provider=t event=*open*",
		"rt:vmlinux:kfree_skb":                 "provider=rt module=vmlinux event=kfree_skb",
		"profile:hz:99":                        "provider=profile unit=hz rate=99",
		"interval:1s":                          "provider=interval rate=1s",
		"software:faults:100":                  "provider=software event=faults count=100",
		"hardware:cycles":                      "provider=hardware event=cycles",
		"watchpoint:0x1000:8:rw":               "provider=watchpoint address=0x1000 length=8 mode=rw",
		"fentry:bpf:12:prog":                   "provider=fentry module=bpf prog_id=12 func=prog",
		"kfunc:vmlinux:vfs_read":               "provider=kfunc module=vmlinux func=vfs_read",
		"iter:task_file:/sys/fs/bpf/x":         "provider=iter iterator=task_file pin=/sys/fs/bpf/x",
		"self:signal:SIGUSR1":                  "provider=self trigger=signal signal=SIGUSR1",
		"test:name":                            "provider=test name=name",
		"BEGIN":                                "provider=BEGIN",
		"uprobe:$1:$2":                         "provider=uprobe path=$1 func=$2",
		"*ware:*":                              "provider=*ware arg=*",
		"label=kprobe:f":                       "provider=kprobe func=f",
		"uprobe:/proc/1/root/bin/x:\"a:b\"+12": "provider=uprobe path=/proc/1/root/bin/x func=a:b offset=12",
	} {
		r := ParseAttachPoint(raw, 100)
		if len(r.Problems) > 0 {
			t.Errorf("%s: problems %v", raw, r.Problems)
			continue
		}
		if got := fields(r); got != want {
			t.Errorf("%s:\n got %s\nwant %s", raw, got, want)
		}
		// Field ranges are inside the attach point and in order.
		prev := 100
		for _, f := range r.Fields {
			if int(f.Lo) < prev || int(f.Hi) > 100+len(raw) || f.Lo > f.Hi {
				t.Errorf("%s: field %s has range [%d,%d)", raw, f.Role, f.Lo, f.Hi)
			}
			prev = int(f.Hi)
		}
	}
	if r := ParseAttachPoint("label=kprobe:f", 0); r.Name != "label" || r.Provider != "kprobe" {
		t.Errorf("name/provider: %q %q", r.Name, r.Provider)
	}
	// The func field of k:f+8 covers exactly "f".
	r := ParseAttachPoint("k:f+8", 10)
	if f := r.Fields[1]; f.Lo != 12 || f.Hi != 13 {
		t.Errorf("func range [%d,%d)", f.Lo, f.Hi)
	}
}

func TestParseAttachPointProblems(t *testing.T) {
	for raw, want := range map[string]string{
		"kprobes:f":             "unknown probe provider 'kprobes'|did you mean 'kprobe'?",
		"kretprobe:f+1":         "cannot be attached at an offset",
		"kprobe:a:b:c":          "take 1 or 2 fields",
		"uprobe:/x:rust:f":      "unsupported language 'rust'",
		"tracepoint:x":          "take 2 fields",
		"profile:10":            "too short",
		"profile:xs:1":          "unknown profile unit 'xs'",
		"software:nope":         "unknown software event 'nope'",
		"watchpoint:1:3:w":      "length must be 1, 2, 4 or 8",
		"watchpoint:1:8:rwq":    "must combine r, w and x",
		"iter:task*":            "wildcards are not allowed",
		"self:signal:SIGINT":    "unsupported signal",
		"begin:x":               "take no arguments",
		"kprobe:f/pred/":        "'/' is not allowed",
		"uprobe:/bin/x:$a":      "not a positional parameter",
		":w:1:8:w":              "no provider",
		"fentry:bpf":            "needs a BPF program name",
		"uretprobe:/x@a.c:1":    "source location",
		"uprobe:/x*:0x10":       "wildcards cannot be used with an absolute address",
		"interval:s:0":          "must be positive",
		`uprobe:"/unterminated`: "not terminated",
	} {
		r := ParseAttachPoint(raw, 0)
		var msgs []string
		for _, p := range r.Problems {
			msgs = append(msgs, p.Message+"|"+p.Hint)
			if p.Code != CodeBadAttachPoint && p.Code != CodeUnknownProvider {
				t.Errorf("%s: code %s", raw, p.Code)
			}
			if _, ok := diag.Lookup(p.Code); !ok {
				t.Errorf("%s: unregistered code %s", raw, p.Code)
			}
		}
		all := strings.Join(msgs, "\n")
		for _, w := range strings.Split(want, "|") {
			if !strings.Contains(all, w) {
				t.Errorf("%s: problems %q do not mention %q", raw, all, w)
			}
		}
	}
}

// TestParseProbeName: a probe name an attach point expanded to keeps a
// '$' of a symbol as a character; in script text it is an error.
func TestParseProbeName(t *testing.T) {
	res := ParseProbeName("uprobe:/bin/x:fn$")
	if len(res.Problems) > 0 || len(res.Fields) != 3 || res.Fields[2].Role != RoleFunc || res.Fields[2].Text != "fn$" {
		t.Errorf("ParseProbeName: fields %+v, problems %v", res.Fields, res.Problems)
	}
	if res := ParseAttachPoint("uprobe:/bin/x:fn$", 0); len(res.Problems) == 0 {
		t.Errorf("ParseAttachPoint accepted a bare '$'")
	}
}
