package tracer

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bt-tools/bt/analysis/types"
	"github.com/bt-tools/bt/btfindex"
	"github.com/bt-tools/bt/codegen"
)

// symresLib and symresMain are a shared library and a PIE executable
// that links it. The executable prints, for itself and for a child it
// forks (which does not exec), its pid and the run-time addresses of a
// function of its own and one of the library, then both exit. With an
// argument, the parent waits for its stdin to close before forking.
const symresLib = `
__attribute__((noinline)) int lib_middle(int x) { __asm__ volatile("" ::: "memory"); return x * 2; }
void *lib_middle_addr(void) { return (void *)lib_middle; }
`

const symresMain = `
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
int lib_middle(int);
void *lib_middle_addr(void);
__attribute__((noinline)) int exe_caller(int x) { return lib_middle(x) + 1; }
static void report(void) {
	printf("%d %lx %lx\n", getpid(), (unsigned long)exe_caller, (unsigned long)lib_middle_addr());
	fflush(stdout);
}
int main(int argc, char **argv) {
	report();
	char go;
	if (argc > 1 && read(0, &go, 1) < 0) /* "wait": until stdin closes */
		return 2;
	pid_t c = fork();
	if (c == 0) { report(); _exit(exe_caller(1) == 3 ? 0 : 1); }
	int st;
	waitpid(c, &st, 0);
	return exe_caller(2) == 5 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
`

// buildSymres builds the library and the PIE executable with gcc.
func buildSymres(t *testing.T) (exe, lib string) {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("needs gcc to build the traced program")
	}
	dir := t.TempDir()
	lib = filepath.Join(dir, "libsymres.so")
	exe = filepath.Join(dir, "symres")
	for name, src := range map[string]string{"lib.c": symresLib, "main.c": symresMain} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"-O1", "-fno-omit-frame-pointer", "-shared", "-fPIC", "-o", lib, filepath.Join(dir, "lib.c")},
		{"-O1", "-fno-omit-frame-pointer", "-fPIE", "-pie", "-o", exe, filepath.Join(dir, "main.c"),
			"-L" + dir, "-lsymres", "-Wl,-rpath," + dir},
	} {
		if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
			t.Fatalf("gcc %q: %v\n%s", args, err, out)
		}
	}
	return exe, lib
}

// perfFDs counts this process's perf event descriptors.
func perfFDs() int {
	n := 0
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.Contains(target, "perf_event") {
			n++
		}
	}
	return n
}

// A PIE executable and its shared library that have exited resolve from
// the mappings the watcher recorded while they lived; so does a child
// that forked without exec (it has its parent's mappings). Without the
// record (NONE), they do not.
func TestUserSymbolsAfterExit(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to watch every process's mappings")
	}
	exe, _ := buildSymres(t)
	fdsBefore := perfFDs()

	r := NewResolver(nil)
	r.startCapture(cachePerPID, 0)
	if r.watch == nil {
		t.Fatal("the mmap watcher did not start")
	}
	out, err := exec.Command(exe).Output()
	if err != nil {
		t.Fatalf("%s: %v", exe, err)
	}
	type report struct {
		pid          uint32
		exeAt, libAt uint64
	}
	var reports []report
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			t.Fatalf("bad line %q", sc.Text())
		}
		pid, _ := strconv.ParseUint(f[0], 10, 32)
		ea, _ := strconv.ParseUint(f[1], 16, 64)
		la, _ := strconv.ParseUint(f[2], 16, 64)
		reports = append(reports, report{uint32(pid), ea, la})
	}
	if len(reports) != 2 || reports[0].pid == reports[1].pid {
		t.Fatalf("want a parent's and a child's report, got %q", out)
	}
	for _, rep := range reports {
		if _, err := os.Stat("/proc/" + strconv.Itoa(int(rep.pid)) + "/maps"); err == nil {
			if b, _ := os.ReadFile("/proc/" + strconv.Itoa(int(rep.pid)) + "/maps"); len(b) > 0 {
				t.Skipf("pid %d was reused by a live process", rep.pid)
			}
		}
		for _, c := range []struct {
			addr uint64
			want string
		}{{rep.exeAt + 1, "exe_caller"}, {rep.libAt + 1, "lib_middle"}} {
			name, off, ok := r.UserSymbol(rep.pid, c.addr)
			if !ok || name != c.want || off != 1 {
				t.Errorf("pid %d: UserSymbol(%#x) = %q+%d, %v; want %s+1", rep.pid, c.addr, name, off, ok, c.want)
			}
		}
		if mod, ok := r.UserModule(rep.pid, rep.libAt); !ok || filepath.Base(mod) != "libsymres.so" {
			t.Errorf("pid %d: UserModule of the library's address = %q, %v", rep.pid, mod, ok)
		}
	}
	r.close()
	if n := perfFDs(); n > fdsBefore {
		t.Errorf("%d perf event descriptors left open after close", n-fdsBefore)
	}
	// What was recorded stays usable after the watcher stopped.
	if name, _, ok := r.UserSymbol(reports[0].pid, reports[0].exeAt); !ok || name != "exe_caller" {
		t.Errorf("after close: %q, %v", name, ok)
	}

	// PER_PROGRAM reads a probed executable's symbols when it attaches:
	// they resolve after the process exited and the file was removed.
	prog := NewResolver(nil)
	prog.startCapture(cachePerProgram, 0)
	prog.addProbedBinary(exe)
	out, err = exec.Command(exe).Output()
	if err != nil {
		t.Fatalf("%s: %v", exe, err)
	}
	if err := os.Remove(exe); err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(out))
	pid, _ := strconv.ParseUint(f[0], 10, 32)
	ea, _ := strconv.ParseUint(f[1], 16, 64)
	if name, _, ok := prog.UserSymbol(uint32(pid), ea); !ok || name != "exe_caller" {
		t.Errorf("PER_PROGRAM, the executable removed: UserSymbol = %q, %v; want exe_caller", name, ok)
	}
	prog.close()
	exe, _ = buildSymres(t)

	// NONE records nothing: the exited PIE's addresses stay numbers.
	none := NewResolver(nil)
	none.startCapture(cacheNone, 0)
	if none.watch != nil {
		t.Error("NONE started the mmap watcher")
	}
	out, err = exec.Command(exe).Output()
	if err != nil {
		t.Fatalf("%s: %v", exe, err)
	}
	f = strings.Fields(string(out))
	pid, _ = strconv.ParseUint(f[0], 10, 32)
	ea, _ = strconv.ParseUint(f[1], 16, 64)
	if name, _, ok := none.UserSymbol(uint32(pid), ea); ok {
		t.Errorf("NONE resolved an exited PIE's address to %q", name)
	}
	none.close()
}

// A process that was running before the capture started, and exits
// before its addresses are resolved: PER_PID reads every running
// process's mappings at start (the watcher never sees this one's) for a
// program that prints user symbols; for one that prints none nothing is
// read.
func TestUserSymbolsOfProcessRunningAtStart(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to watch every process's mappings")
	}
	exe, _ := buildSymres(t)
	cmd := exec.Command(exe, "wait")
	stdin, sc := startPiped(t, cmd)
	defer cmd.Process.Kill()
	if !sc.Scan() {
		t.Fatal("no report from the program")
	}
	f := strings.Fields(sc.Text())
	pid, _ := strconv.ParseUint(f[0], 10, 32)
	ea, _ := strconv.ParseUint(f[1], 16, 64)
	la, _ := strconv.ParseUint(f[2], 16, 64)

	withStacks := NewResolver(&codegen.Object{UserStacks: "ustacks"})
	withStacks.startCapture(cachePerPID, 0)
	withStacks.scanDone.Wait()
	without := NewResolver(&codegen.Object{})
	without.startCapture(cachePerPID, 0)
	stdin.Close()
	for sc.Scan() {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v", exe, err)
	}
	for _, c := range []struct {
		addr uint64
		want string
	}{{ea, "exe_caller"}, {la, "lib_middle"}} {
		if name, _, ok := withStacks.UserSymbol(uint32(pid), c.addr); !ok || name != c.want {
			t.Errorf("UserSymbol(%#x) = %q, %v; want %s", c.addr, name, ok, c.want)
		}
		if name, _, ok := without.UserSymbol(uint32(pid), c.addr); ok {
			t.Errorf("for a program without user symbols, UserSymbol(%#x) = %q", c.addr, name)
		}
	}
	withStacks.close()
	without.close()
}

// startPiped starts cmd with pipes to its standard input and from its
// standard output, which the returned scanner reads.
func startPiped(t *testing.T, cmd *exec.Cmd) (io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return stdin, bufio.NewScanner(stdout)
}

// BenchmarkUserSymbol resolves an address of a live process (a stack
// frame as it is printed), without and with the mmap watcher running:
// the watcher adds one drain of its rings to each lookup.
func BenchmarkUserSymbol(b *testing.B) {
	const libc = "/lib/x86_64-linux-gnu/libc.so.6"
	tab, err := btfindex.ReadELFSymbols(libc)
	if err != nil {
		b.Skip("no libc:", err)
	}
	cmd := exec.Command("/bin/sleep", "60")
	if err := cmd.Start(); err != nil {
		b.Skip(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	pid := uint32(cmd.Process.Pid)
	var bias uint64
	for range 100 {
		var ok bool
		if bias, ok = btfindex.LoadBias(int(pid), libc); ok {
			break
		}
		time.Sleep(10 * time.Millisecond) // until sleep has mapped libc
	}
	var sym btfindex.Symbol
	for a := uint64(0x30000); sym.Name == ""; a += 0x10 {
		sym, _ = tab.Lookup(a)
	}
	addr := bias + sym.Addr + 1
	for _, watch := range []bool{false, true} {
		b.Run("watch="+strconv.FormatBool(watch), func(b *testing.B) {
			r := NewResolver(nil)
			if watch {
				if os.Geteuid() != 0 {
					b.Skip("needs root to watch every process's mappings")
				}
				r.startCapture(cachePerPID, 0)
				defer r.close()
			}
			if name, _, ok := r.UserSymbol(pid, addr); !ok || name != sym.Name {
				b.Fatalf("UserSymbol = %q, %v; want %s", name, ok, sym.Name)
			}
			b.ResetTimer()
			for range b.N {
				r.UserSymbol(pid, addr)
			}
		})
	}
}

// A process of another mount namespace (a container) maps a file that
// does not exist here, and exits: its file is found through the root of
// another process still running in its namespace.
func TestUserSymbolsOfExitedProcessInMountNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to watch every process's mappings and to make a mount namespace")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare (util-linux)")
	}
	exe, _ := buildSymres(t)
	mnt := t.TempDir() // empty here; a tmpfs with a copy of exe in the namespace
	r := NewResolver(nil)
	r.startCapture(cachePerPID, 0)
	defer r.close()
	script := "mount -t tmpfs none " + mnt + " && cp " + exe + " " + mnt + "/prog && " + mnt + "/prog && read x"
	cmd := exec.Command(unshare, "--mount", "--propagation", "private", "sh", "-c", script)
	stdin, sc := startPiped(t, cmd)
	defer func() { stdin.Close(); cmd.Wait() }()
	var lines []string
	for len(lines) < 2 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 2 {
		t.Skipf("the program did not run in a mount namespace (%q)", lines)
	}
	f := strings.Fields(lines[0])
	pid, _ := strconv.ParseUint(f[0], 10, 32)
	ea, _ := strconv.ParseUint(f[1], 16, 64)
	// Both reports are printed before the parent exits; wait for it.
	for i := 0; i < 200; i++ {
		if b, err := os.ReadFile("/proc/" + f[0] + "/maps"); err != nil || len(b) == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(mnt + "/prog"); err == nil {
		t.Fatal("the namespace's file is visible here")
	}
	name, off, ok := r.UserSymbol(uint32(pid), ea+2)
	if !ok || name != "exe_caller" || off != 2 {
		t.Errorf("UserSymbol = %q+%d, %v; want exe_caller+2", name, off, ok)
	}
}

func TestSymbolizesUser(t *testing.T) {
	usym := &types.Opaque{Kind: types.Usym, Bytes: 16}
	ksym := &types.Opaque{Kind: types.Ksym, Bytes: 8}
	for _, c := range []struct {
		name string
		obj  *codegen.Object
		want bool
	}{
		{"nothing", &codegen.Object{}, false},
		{"ustack map", &codegen.Object{UserStacks: "us"}, true},
		{"kernel only", &codegen.Object{KernelStacks: "ks", Maps: []*codegen.MapLayout{{Key: &types.Tuple{Elems: []types.Type{ksym, &types.Stack{}}}}}}, false},
		{"usym in a map key tuple", &codegen.Object{Maps: []*codegen.MapLayout{{Key: &types.Tuple{Elems: []types.Type{types.Uint64, usym}}}}}, true},
		{"usym in a record value", &codegen.Object{Maps: []*codegen.MapLayout{{Value: &types.Record{Names: []string{"a"}, Elems: []types.Type{usym}}}}}, true},
		{"usym printed", &codegen.Object{Events: []*codegen.Event{{Args: &types.Tuple{Elems: []types.Type{&types.Array{Elem: usym, Len: 2}}}}}}, true},
	} {
		if got := symbolizesUser(c.obj); got != c.want {
			t.Errorf("%s: symbolizesUser = %v, want %v", c.name, got, c.want)
		}
	}
}

// A binary replaced on disk while its process runs (an upgrade) is read
// as the process mapped it, not as the file now at its path; another
// process that mapped it and is gone does not find it.
func TestUserSymbolOfReplacedBinary(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to read /proc/PID/map_files")
	}
	exe, _ := buildSymres(t)
	cmd := exec.Command(exe, "wait")
	stdin, sc := startPiped(t, cmd)
	defer func() { stdin.Close(); cmd.Wait() }()
	if !sc.Scan() {
		t.Fatal("no report from the program")
	}
	f := strings.Fields(sc.Text())
	ea, _ := strconv.ParseUint(f[1], 16, 64)
	// Another program renamed over the executable's path.
	other := filepath.Join(filepath.Dir(exe), "other")
	if out, err := exec.Command("cp", "/bin/true", other).CombinedOutput(); err != nil {
		t.Skipf("cp: %v %s", err, out)
	}
	if err := os.Rename(other, exe); err != nil {
		t.Fatal(err)
	}
	r := NewResolver(nil)
	// A process that mapped the same file version and is gone finds it
	// nowhere; that does not stop the live one from finding it.
	const gonePID = 1<<22 + 9 // above pid_max's ceiling: never a live process
	maps, err := btfindex.ProcessMappings(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	r.hist.snapshot(gonePID, maps)
	if name, _, ok := r.UserSymbol(gonePID, ea); ok {
		t.Errorf("the gone process's replaced file resolved to %q", name)
	}
	if name, _, ok := r.UserSymbol(uint32(cmd.Process.Pid), ea); !ok || name != "exe_caller" {
		t.Errorf("UserSymbol = %q, %v; want exe_caller", name, ok)
	}
}
