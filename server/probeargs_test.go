package server

import (
	"strings"
	"testing"
)

// Where the checker types no args (a wildcard beyond max_bpf_progs),
// completion and hover take the first matching probe's arguments from
// the checker's kernel adapter.
func TestArgsWhereCheckerTypedNone(t *testing.T) {
	needKernel(t)
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	src := "config = { max_bpf_progs = 1 }\ntracepoint:sched:sched_* { args.‸ }"
	got := labels(completeAt(t, c, uri1, src))
	snap, err := c.srv.snapshot(uri1)
	if err != nil || snap.Program == nil {
		t.Fatalf("no checked program: %v", err)
	}
	for _, pi := range snap.Program.Probes {
		for _, ai := range pi.Attach {
			if ai.ArgsType != nil {
				t.Fatalf("the checker typed args of %s: the test needs it not to", ai.Node.Raw)
			}
		}
	}
	if len(got) == 0 {
		t.Fatal("no args offered")
	}
	for name, it := range got {
		if strings.HasPrefix(name, "common_") || it.Documentation == nil || !strings.Contains(it.Documentation.Value, "tracepoint:sched:sched_") {
			t.Errorf("args.%s: %+v", name, it)
		}
	}
	h := hoverAt(t, c, "config = { max_bpf_progs = 1 }\ntracepoint:sched:sched_* { print(ar‸gs); }")
	if h == nil || !strings.Contains(h.Contents.Value, "Arguments of `tracepoint:sched:sched_") {
		t.Errorf("args hover: %+v", h)
	}
}

// An attach point's hover lists its arguments; for a wildcard, those of
// its first match.
func TestHoverAttachPointArgs(t *testing.T) {
	needKernel(t)
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	for src, want := range map[string][]string{
		"rawtracepoint:sched_sw‸itch { }": {"Arguments of `rawtracepoint:", "sched_switch`", "prev;", "next;"},
		"tracepoint:sched:sched_sw‸* { }": {"**tracepoint:sched:sched_sw", "offset"},
		"fentry:vfs_r‸ead* { }":           {"Arguments of `fentry:", "struct file *file;"},
		"tracepoint:sched:no_such_‸* { }": {"```bpftrace\ntracepoint:"},
	} {
		h := hoverAt(t, c, src)
		if h == nil {
			t.Errorf("%s: no hover", src)
			continue
		}
		for _, w := range want {
			if !strings.Contains(h.Contents.Value, w) {
				t.Errorf("%s: hover lacks %q:\n%s", src, w, h.Contents.Value)
			}
		}
	}
}

// Args members carry the C declaration the kernel gives.
func TestArgsMemberDecl(t *testing.T) {
	needKernel(t)
	c := newClient(t, Options{})
	c.initialize(fullCaps, nil)
	h := hoverAt(t, c, "fentry:vfs_read { print(args.b‸uf); }")
	if h == nil || !strings.Contains(h.Contents.Value, "char *buf;") {
		t.Errorf("args.buf hover: %+v", h)
	}
}
