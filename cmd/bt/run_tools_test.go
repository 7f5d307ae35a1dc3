package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// End-to-end tests: real bpftrace tools run under bt run and under
// bpftrace, with events the test generates; the headers must be the
// same and the lines of the test's events must have the same columns.

// bpftraceTools is bpftrace's tools/ directory ($BT_BPFTRACE_SRC/tools).
func bpftraceTools() string {
	src := os.Getenv("BT_BPFTRACE_SRC")
	if src == "" {
		src = "/work/bpftrace-v026/bpftrace-src"
	}
	return filepath.Join(src, "tools")
}

// referenceBpftrace is the bpftrace to compare with: $BT_BPFTRACE, the
// v0.26 build, or Debian's.
func referenceBpftrace() []string {
	var bins []string
	if b := os.Getenv("BT_BPFTRACE"); b != "" {
		bins = append(bins, b)
	}
	return append(bins, "/work/bpftrace-v026/bin/bpftrace", "/usr/bin/bpftrace")
}

// syncBuffer is a buffer written by one goroutine and read by another.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// traceResult is what one tracer printed.
type traceResult struct {
	stdout, stderr string
	attached       bool
}

// attachedLine matches the line bpftrace prints once probes are attached
// (v0.26: "Attached N probes" on stderr; 0.17: "Attaching N probes..."
// on stdout).
var attachedLine = regexp.MustCompile(`^Attach(ed|ing) \d+ probes?`)

// trace runs argv, waits for its probes to be attached, calls trigger
// until done accepts the output (bounded), then stops it with SIGINT.
func trace(t *testing.T, argv []string, trigger func(), done func(stdout string) bool) traceResult {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	var stdout, stderr syncBuffer
	attached := make(chan struct{})
	var once sync.Once
	watch := func(w io.Writer) io.Writer {
		pr, pw := io.Pipe()
		go func() {
			sc := bufio.NewScanner(pr)
			sc.Buffer(make([]byte, 1<<16), 1<<20)
			for sc.Scan() {
				w.Write([]byte(sc.Text() + "\n"))
				if attachedLine.MatchString(sc.Text()) {
					once.Do(func() { close(attached) })
				}
			}
			io.Copy(io.Discard, pr)
		}()
		return pw
	}
	outW, errW := watch(&stdout), watch(&stderr)
	cmd.Stdout, cmd.Stderr = outW, errW
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", argv[0], err)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		outW.(*io.PipeWriter).Close()
		errW.(*io.PipeWriter).Close()
		exited <- err
	}()
	res := traceResult{}
	select {
	case <-attached:
		res.attached = true
	case <-exited:
		time.Sleep(50 * time.Millisecond) // let the pipes drain
		return traceResult{stdout: stdout.String(), stderr: stderr.String()}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("%s did not attach in 60s: %s", argv[0], stderr.String())
	}
	for i := 0; i < 100 && !done(stdout.String()); i++ {
		trigger()
		time.Sleep(30 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Errorf("%s did not exit after SIGINT", argv[0])
	}
	time.Sleep(50 * time.Millisecond)
	res.stdout, res.stderr = stdout.String(), stderr.String()
	return res
}

// toolCase is one tool and how to make it print a line of its own.
type toolCase struct {
	script  string
	trigger func(marker string)
	// event selects the output lines the trigger caused.
	event func(line, marker string) bool
}

func containsMarker(line, marker string) bool { return strings.Contains(line, marker) }

var underline = regexp.MustCompile(`^\s*[~^]+\s*$`)

var numberToken = regexp.MustCompile(`^-?[0-9][0-9.:]*$`)

// shape is a line's columns with numbers (pids, times, counts) replaced.
func shape(line string) string {
	f := strings.Fields(line)
	for i, w := range f {
		if numberToken.MatchString(w) {
			f[i] = "N"
		}
	}
	return strings.Join(f, " ")
}

// headerLines are the lines a tracer printed before the first event —
// any line starting with a number (a PID, a time) —, without the attach
// notice and warnings (bpftrace v0.26 prints its script warnings, with
// their source lines, on standard output).
func headerLines(stdout string, isEvent func(string) bool) []string {
	var h []string
	inWarning := false
	for _, l := range strings.Split(stdout, "\n") {
		if f := strings.Fields(l); isEvent(l) || len(f) > 0 && numberToken.MatchString(f[0]) {
			break
		}
		if strings.Contains(l, "WARNING: ") {
			inWarning = true
			continue
		}
		if inWarning {
			// The source line, then the underline that ends the block.
			inWarning = !underline.MatchString(l)
			continue
		}
		if attachedLine.MatchString(l) || l == "" {
			continue
		}
		h = append(h, l)
	}
	return h
}

func newMarker() string {
	var b [4]byte
	rand.Read(b[:])
	return "btmark" + hex.EncodeToString(b[:])
}

func runToolCase(t *testing.T, tc toolCase) {
	needRootRun(t)
	if _, err := os.Stat(tc.script); err != nil {
		t.Skipf("no %s: %v", tc.script, err)
	}
	marker := newMarker()
	hasEvent := func(out string) bool {
		for _, l := range strings.Split(out, "\n") {
			if tc.event(l, marker) {
				return true
			}
		}
		return false
	}
	trigger := func() { tc.trigger(marker) }
	bt := trace(t, []string{btBinary(t), "run", tc.script}, trigger, hasEvent)
	if !bt.attached {
		t.Fatalf("bt run %s did not attach:\n%s", tc.script, bt.stderr)
	}
	if !hasEvent(bt.stdout) {
		t.Fatalf("bt run %s printed no line for the test's events:\n%s", tc.script, bt.stdout)
	}
	var ref traceResult
	var refBin string
	for _, bin := range referenceBpftrace() {
		if _, err := os.Stat(bin); err != nil {
			continue
		}
		ref = trace(t, []string{bin, tc.script}, trigger, hasEvent)
		if ref.attached && hasEvent(ref.stdout) {
			refBin = bin
			break
		}
	}
	if refBin == "" {
		t.Skipf("no bpftrace here runs %s for comparison; bt printed:\n%s", tc.script, bt.stdout)
	}
	isEvent := func(l string) bool { return tc.event(l, marker) }
	if got, want := headerLines(bt.stdout, isEvent), headerLines(ref.stdout, isEvent); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("header differs from %s's:\nbt:\n%s\nbpftrace:\n%s", refBin, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	firstEvent := func(out string) string {
		for _, l := range strings.Split(out, "\n") {
			if isEvent(l) {
				return l
			}
		}
		return ""
	}
	if got, want := shape(firstEvent(bt.stdout)), shape(firstEvent(ref.stdout)); got != want {
		t.Errorf("event line differs from %s's:\nbt:       %q\nbpftrace: %q", refBin, firstEvent(bt.stdout), firstEvent(ref.stdout))
	}
}

func TestToolStatsnoop(t *testing.T) {
	runToolCase(t, toolCase{
		script: filepath.Join(bpftraceTools(), "statsnoop.bt"),
		// statx: Go's os.Stat uses newfstatat, which statsnoop does not trace.
		trigger: func(m string) {
			var st unix.Statx_t
			unix.Statx(unix.AT_FDCWD, "/tmp/"+m, 0, unix.STATX_BASIC_STATS, &st)
		},
		// The test's stats fail with ENOENT (2).
		event: func(l, _ string) bool { return strings.Contains(l, " bt.test ") && strings.Contains(l, " 2 ") },
	})
}

func TestToolSetuids(t *testing.T) {
	runToolCase(t, toolCase{
		script: filepath.Join(bpftraceTools(), "setuids.bt"),
		trigger: func(string) {
			cmd := exec.Command("/bin/true")
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			cmd.Run()
		},
		event: func(l, _ string) bool { return strings.Contains(l, "setuid    uid=65534") },
	})
}

func TestToolSyncsnoop(t *testing.T) {
	runToolCase(t, toolCase{
		script:  filepath.Join(bpftraceTools(), "syncsnoop.bt"),
		trigger: func(string) { syscall.Sync() },
		event: func(l, _ string) bool {
			return strings.Contains(l, "bt.test") && strings.HasSuffix(l, ":sys_enter_sync")
		},
	})
}

func TestToolOpensnoop(t *testing.T) {
	runToolCase(t, toolCase{
		script:  filepath.Join(bpftraceTools(), "opensnoop.bt"),
		trigger: func(m string) { os.Open("/tmp/" + m) },
		event:   containsMarker,
	})
}

func TestToolExecsnoop(t *testing.T) {
	runToolCase(t, toolCase{
		script:  filepath.Join(bpftraceTools(), "execsnoop.bt"),
		trigger: func(m string) { exec.Command("/bin/echo", m).Run() },
		event:   containsMarker,
	})
}

func TestToolKillsnoop(t *testing.T) {
	runToolCase(t, toolCase{
		script: filepath.Join(bpftraceTools(), "killsnoop.bt"),
		trigger: func(string) {
			cmd := exec.Command("/bin/sleep", "5")
			if cmd.Start() == nil {
				syscall.Kill(cmd.Process.Pid, syscall.SIGUSR2)
				cmd.Wait()
			}
		},
		event: func(l, _ string) bool { return strings.Contains(l, "bt.test") && strings.Contains(l, " SIGUSR2 ") },
	})
}

// Debian's bpftrace package (0.17) installs its tools in /usr/sbin.

func TestToolOpensnoopDebian(t *testing.T) {
	runToolCase(t, toolCase{
		script:  "/usr/sbin/opensnoop.bt",
		trigger: func(m string) { os.Open("/tmp/" + m) },
		event:   containsMarker,
	})
}

func TestToolKillsnoopDebian(t *testing.T) {
	runToolCase(t, toolCase{
		script: "/usr/sbin/killsnoop.bt",
		trigger: func(string) {
			cmd := exec.Command("/bin/sleep", "5")
			if cmd.Start() == nil {
				syscall.Kill(cmd.Process.Pid, syscall.SIGUSR2)
				cmd.Wait()
			}
		},
		event: func(l, _ string) bool { return strings.Contains(l, "bt.test") && strings.Contains(l, " 12 ") },
	})
}

func TestToolExecsnoopDebian(t *testing.T) {
	runToolCase(t, toolCase{
		script:  "/usr/sbin/execsnoop.bt",
		trigger: func(m string) { exec.Command("/bin/echo", m).Run() },
		event:   containsMarker,
	})
}

// mapLineShape is a line of a printed map with its numbers and
// histogram bars replaced, and its key's text kept only for names.
var (
	barShape    = regexp.MustCompile(`\|@*\s*\|`)
	numberShape = regexp.MustCompile(`-?[0-9]+[KMG]?`)
)

func mapLineShape(l string) string {
	l = barShape.ReplaceAllString(l, "|BAR|")
	l = numberShape.ReplaceAllString(l, "N")
	return strings.Join(strings.Fields(l), " ")
}

// dumpShapes are the distinct shapes of the lines a tracer printed after
// its header (maps printed by end probes and at exit).
func dumpShapes(stdout string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range strings.Split(stdout, "\n") {
		if !strings.HasPrefix(l, "@") && !strings.HasPrefix(l, "[") && !strings.HasPrefix(l, "Top ") {
			continue
		}
		s := mapLineShape(l)
		if strings.HasPrefix(l, "@") {
			// @name[key]: the key differs between runs; keep the name.
			if i := strings.IndexAny(s, "[:"); i > 0 {
				s = s[:i]
			}
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// runDumpCase runs a tool that prints maps at its end under bt and
// bpftrace for a while and compares the shapes of what they print.
func runDumpCase(t *testing.T, script string, trigger func()) {
	needRootRun(t)
	if _, err := os.Stat(script); err != nil {
		t.Skipf("no %s: %v", script, err)
	}
	n := 0
	enough := func(string) bool { n++; return n > 20 } // about 0.6 s of events
	bt := trace(t, []string{btBinary(t), "run", script}, trigger, enough)
	if !bt.attached {
		t.Fatalf("bt run %s did not attach:\n%s", script, bt.stderr)
	}
	for _, bin := range referenceBpftrace() {
		if _, err := os.Stat(bin); err != nil {
			continue
		}
		n = 0
		ref := trace(t, []string{bin, script}, trigger, enough)
		if !ref.attached {
			continue
		}
		if got, want := dumpShapes(bt.stdout), dumpShapes(ref.stdout); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("printed maps differ from %s's:\nbt:\n%s\nbpftrace:\n%s\n\nbt's output:\n%s", bin, strings.Join(got, "\n"), strings.Join(want, "\n"), bt.stdout)
		}
		return
	}
	t.Skipf("no bpftrace here runs %s for comparison", script)
}

func TestToolRunqlen(t *testing.T) {
	runDumpCase(t, filepath.Join(bpftraceTools(), "runqlen.bt"), func() {
		for i := 0; i < 1e6; i++ {
			_ = i * i
		}
	})
}

func TestToolSyscount(t *testing.T) {
	runDumpCase(t, filepath.Join(bpftraceTools(), "syscount.bt"), func() { syscall.Getppid() })
}
