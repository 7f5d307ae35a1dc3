package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// writeKernelBTF writes a small kernel's BTF: the given functions (with
// a file-reading prototype) and a task_struct with the given members.
func writeKernelBTF(t *testing.T, path string, funcs []string, taskMembers []string) {
	t.Helper()
	intT := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	longT := &btf.Int{Name: "long", Size: 8, Encoding: btf.Signed}
	var members []btf.Member
	for i, m := range taskMembers {
		members = append(members, btf.Member{Name: m, Type: intT, Offset: btf.Bits(32 * i)})
	}
	task := &btf.Struct{Name: "task_struct", Size: uint32(4 * max(len(taskMembers), 1)), Members: members}
	all := []btf.Type{task}
	for _, f := range funcs {
		all = append(all, &btf.Func{Name: f, Linkage: btf.GlobalFunc, Type: &btf.FuncProto{Return: longT,
			Params: []btf.FuncParam{{Name: "task", Type: &btf.Pointer{Target: task}}, {Name: "count", Type: longT}}}})
	}
	b, err := btf.NewBuilder(all, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// matrixKernels writes three kernels that differ in what the script in
// matrixScript uses, in a directory of their own.
func matrixKernels(t *testing.T) string {
	dir := t.TempDir()
	writeKernelBTF(t, filepath.Join(dir, "a-old.btf"), []string{"vfs_read"}, []string{"pid", "state"})
	writeKernelBTF(t, filepath.Join(dir, "b-mid.btf"), []string{"vfs_write"}, []string{"pid"})
	writeKernelBTF(t, filepath.Join(dir, "c-new.btf"), []string{"vfs_read", "vfs_write"}, []string{"pid", "__state"})
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	return dir
}

const matrixTestScript = `kprobe:vfs_read { $t = (struct task_struct *)arg0; @[$t->pid, $t->__state] = count(); }
kprobe:vfs_write { @w = count(); }
`

func TestCheckKernelMatrix(t *testing.T) {
	dir := matrixKernels(t)
	script := writeScripts(t, map[string]string{"m.bt": matrixTestScript})
	path := filepath.Join(script, "m.bt")
	code, out, errOut := run(t, "", "check", "--kernels", dir, path)
	if code != exitFindings {
		t.Fatalf("code %d, err %q\n%s", code, errOut, out)
	}
	want := map[string][]string{ // row -> statuses for a-old, b-mid, c-new
		"probe kprobe:vfs_read":            {"ok", "missing", "ok"},
		"probe kprobe:vfs_write":           {"missing", "ok", "ok"},
		"field struct task_struct.pid":     {"ok", "ok", "ok"},
		"field struct task_struct.__state": {"missing", "missing", "ok"},
	}
	for row, st := range want {
		found := false
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, row+" ") {
				found = true
				if f := strings.Fields(strings.TrimPrefix(line, row)); len(f) != 4 || strings.Join(f[1:], ",") != strings.Join(st, ",") {
					t.Errorf("row %q = %v, want %v", row, f, st)
				}
			}
		}
		if !found {
			t.Errorf("no row %q in\n%s", row, out)
		}
	}
	if !strings.Contains(out, "c-new.btf: none") || !strings.Contains(out, "a-old.btf: "+path+":1:67: error[no-such-field]") || !strings.Contains(out, "b-mid.btf: "+path+":1:8: error[probe-not-found]") {
		t.Errorf("first errors:\n%s", out)
	}

	// JSON: the same matrix, with --btf given three times.
	args := []string{"check", "--format", "json"}
	for _, k := range []string{"a-old.btf", "b-mid.btf", "c-new.btf"} {
		args = append(args, "--btf", filepath.Join(dir, k))
	}
	code, out, errOut = run(t, "", append(args, path)...)
	if code != exitFindings {
		t.Fatalf("json: code %d err %q", code, errOut)
	}
	var doc struct {
		Kernels []struct{ Name string }
		Scripts []struct {
			File string
			Rows []struct {
				Kind, Item string
				Status     []string
			}
			Kernels []struct {
				Kernel     string
				Errors     int
				FirstError string `json:"first_error"`
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(doc.Kernels) != 3 || len(doc.Scripts) != 1 || doc.Scripts[0].File != path {
		t.Fatalf("json shape: %s", out)
	}
	got := map[string]string{}
	for _, r := range doc.Scripts[0].Rows {
		got[r.Kind+" "+r.Item] = strings.Join(r.Status, ",")
	}
	for row, st := range want {
		if got[row] != strings.Join(st, ",") {
			t.Errorf("json row %q = %q, want %v", row, got[row], st)
		}
	}
	if k := doc.Scripts[0].Kernels; k[2].Errors != 0 || k[0].Errors == 0 || !strings.Contains(k[1].FirstError, "vfs_read") {
		t.Errorf("json verdicts %+v", k)
	}
}

func TestCheckKernelMatrixUsage(t *testing.T) {
	if code, _, errOut := run(t, "", "check", "--no-kernel", "--kernels", t.TempDir(), "-"); code != exitUsage || !strings.Contains(errOut, "exclude") {
		t.Errorf("--no-kernel --kernels: code %d err %q", code, errOut)
	}
	if code, _, errOut := run(t, "", "check", "--kernels", t.TempDir(), "-"); code != exitUsage || !strings.Contains(errOut, "no files") {
		t.Errorf("empty --kernels: code %d err %q", code, errOut)
	}
}
