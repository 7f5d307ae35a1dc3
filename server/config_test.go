package server

import (
	"testing"

	"go.lsp.dev/protocol"
)

// The kernel configuration is honoured: noKernel checks and completes
// without the kernel, btf names the BTF file, and a configuration change
// re-analyses open documents against the new kernel setting.
func TestKernelConfiguration(t *testing.T) {
	needKernel(t)
	const missing = "kprobe:bt_no_such_function_here { }\n"

	c := newClient(t, Options{})
	c.initialize(fullCaps, map[string]any{"noKernel": true})
	if d := c.waitAfterOpen(missing); len(d) != 0 {
		t.Errorf("noKernel: diagnostics %+v", d)
	}
	if l := completeAt(t, c, uri1, "kprobe:vfs_‸"); len(l.Items) != 0 {
		t.Errorf("noKernel: kernel functions offered: %d", len(l.Items))
	}
	if _, ok := labels(completeAt(t, c, uri1, "begin { pr‸ }"))["printf"]; !ok {
		t.Error("noKernel: builtins missing")
	}
	// Back to the running kernel: the missing function is an error.
	if d := c.waitAfterOpen(missing); len(d) != 0 {
		t.Errorf("noKernel: diagnostics %+v", d)
	}
	c.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"bt": map[string]any{"noKernel": false}}})
	c.waitPublished(uri1, func(d []protocol.Diagnostic) bool { return len(d) == 1 && d[0].Code == "probe-not-found" })

	c2 := newClient(t, Options{})
	c2.initialize(fullCaps, map[string]any{"btf": "/sys/kernel/btf/vmlinux"})
	if _, ok := labels(completeAt(t, c2, uri1, "kprobe:vfs_re‸"))["vfs_read"]; !ok {
		t.Error("btf file: vfs_read missing")
	}
}

// waitAfterOpen opens text as a new version of uri1 and returns its
// diagnostics.
func (c *client) waitAfterOpen(text string) []protocol.Diagnostic {
	c.t.Helper()
	v := 1<<20 + testVersion.Add(1)
	c.open(uri1, text, v)
	return c.waitDiagnostics(uri1, v)
}
