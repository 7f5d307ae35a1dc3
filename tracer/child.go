package tracer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Child is the command of `-c CMD`: started stopped right after its
// execve (so that its pid is known and uprobes on its binary can be
// attached before it runs a single instruction), resumed once every probe
// is attached. bpftrace splits CMD at spaces without a shell; so does
// StartChild.
//
// A ptrace stop is what holds the process: ptrace requests must come from
// the thread that attached, so one locked goroutine starts, resumes and
// waits for the child.
type Child struct {
	cmd    *exec.Cmd
	resume chan struct{}
	done   chan struct{}
	err    error // the exit error, set before done is closed
	once   sync.Once

	// ExitCode is the command's exit status, valid after Done.
	ExitCode int
}

// StartChild starts command, stopped at its first instruction.
func StartChild(command string, stdin io.Reader, stdout, stderr io.Writer) (*Child, error) {
	args := strings.Fields(command)
	if len(args) == 0 {
		return nil, errors.New("empty command")
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		return nil, err
	}
	c := &Child{resume: make(chan struct{}), done: make(chan struct{})}
	c.cmd = &exec.Cmd{Path: path, Args: args, Stdin: stdin, Stdout: stdout, Stderr: stderr,
		SysProcAttr: &syscall.SysProcAttr{Ptrace: true}}
	started := make(chan error, 1)
	go c.run(started)
	if err := <-started; err != nil {
		return nil, err
	}
	return c, nil
}

// run is the locked goroutine that owns the ptrace relationship.
func (c *Child) run(started chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(c.done)
	if err := c.cmd.Start(); err != nil {
		started <- fmt.Errorf("starting %s: %w", c.cmd.Path, err)
		c.err = err
		return
	}
	pid := c.cmd.Process.Pid
	// The child stops with SIGTRAP after execve.
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil || !ws.Stopped() {
		c.cmd.Process.Kill()
		c.cmd.Wait()
		started <- fmt.Errorf("starting %s: the command did not stop after exec (%v)", c.cmd.Path, err)
		c.err = err
		return
	}
	started <- nil
	<-c.resume
	if err := syscall.PtraceDetach(pid); err != nil {
		c.cmd.Process.Kill()
	}
	c.err = c.cmd.Wait()
	c.ExitCode = c.cmd.ProcessState.ExitCode()
}

// Pid is the child's process id.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// Resume lets the child run.
func (c *Child) Resume() error {
	c.once.Do(func() { close(c.resume) })
	return nil
}

// Done is closed when the child has exited.
func (c *Child) Done() <-chan struct{} { return c.done }

// terminateGrace is how long Terminate waits after SIGTERM before it
// kills the child.
const terminateGrace = 3 * time.Second

// Terminate ends the child if it still runs (SIGTERM, as bpftrace does
// when the trace ends first; SIGKILL if it is still there after
// terminateGrace) and waits for it.
func (c *Child) Terminate() {
	select {
	case <-c.done:
		return
	default:
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	c.Resume()
	select {
	case <-c.done:
	case <-time.After(terminateGrace):
		c.cmd.Process.Signal(os.Kill)
		<-c.done
	}
}

// Kill is Terminate for a child that never ran (a failed attach): it
// dies without running.
func (c *Child) Kill() {
	select {
	case <-c.done:
		return
	default:
	}
	c.cmd.Process.Signal(os.Kill)
	c.Resume()
	<-c.done
}
