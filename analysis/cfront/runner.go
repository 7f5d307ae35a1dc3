package cfront

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Runner runs clang. argv[0] is the executable; dir is the working
// directory; stdout receives the standard output as it is produced.
// A non-zero exit is reported in exitCode, not as an error; err is for
// failing to run at all.
type Runner interface {
	Run(ctx context.Context, dir string, argv []string, stdout io.Writer) (stderr []byte, exitCode int, err error)
}

// ExecRunner runs commands with os/exec, never through a shell.
type ExecRunner struct{}

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, dir string, argv []string, stdout io.Writer) ([]byte, int, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout = stdout
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// A predictable environment: no locale-translated messages.
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ctx.Err() == nil {
		return stderr.Bytes(), ee.ExitCode(), nil
	}
	if err != nil {
		return stderr.Bytes(), -1, err
	}
	return stderr.Bytes(), 0, nil
}

func (o *Options) runner() Runner {
	if o.Runner != nil {
		return o.Runner
	}
	return ExecRunner{}
}

// FindClang returns the clang bt uses: $BT_CLANG when it names an
// executable (none when it names something else), else one from PATH
// ("clang", then the versioned names Debian installs), or "". The
// compiler (codegen/clink) follows the same rule after its --clang flag.
func FindClang() string {
	if c := os.Getenv("BT_CLANG"); c != "" {
		p, err := exec.LookPath(c)
		if err != nil {
			return ""
		}
		return p
	}
	names := []string{"clang"}
	for v := 30; v >= 14; v-- {
		names = append(names, fmt.Sprintf("clang-%d", v))
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

var versionCache sync.Map // clang path + mtime -> version line

// clangVersion returns the first line of `clang --version`, cached per
// executable (path and modification time).
func clangVersion(opt *Options) (string, error) {
	key := opt.Clang
	path := opt.Clang
	if !strings.ContainsRune(path, '/') {
		if p, err := exec.LookPath(path); err == nil {
			path = p
		}
	}
	if st, err := os.Stat(path); err == nil {
		key = fmt.Sprintf("%s@%d@%d", path, st.ModTime().UnixNano(), st.Size())
	}
	if opt.Runner != nil {
		key = fmt.Sprintf("%p:%s", opt.Runner, key)
	}
	if v, ok := versionCache.Load(key); ok {
		return v.(string), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	stderr, code, err := opt.runner().Run(ctx, os.TempDir(), []string{opt.Clang, "--version"}, &out)
	if err != nil {
		return "", err
	}
	if code != 0 {
		return "", fmt.Errorf("%s --version: exit %d: %s", opt.Clang, code, strings.TrimSpace(string(stderr)))
	}
	line, _, _ := strings.Cut(out.String(), "\n")
	line = strings.TrimSpace(line)
	versionCache.Store(key, line)
	return line, nil
}

// hostArch is the kernel's name for the host architecture, as libbpf's
// __TARGET_ARCH_* macros spell it.
func hostArch() string {
	switch runtime.GOARCH {
	case "amd64", "386":
		return "x86"
	case "arm64":
		return "arm64"
	case "arm":
		return "arm"
	case "s390x":
		return "s390"
	case "ppc64", "ppc64le":
		return "powerpc"
	case "riscv64":
		return "riscv"
	case "mips64", "mips64le":
		return "mips"
	case "loong64":
		return "loongarch"
	}
	return runtime.GOARCH
}

// multiarchDir is the Debian multiarch include directory of the host
// (for <asm/...> headers), which bpftrace also adds.
func multiarchDir() string {
	m := map[string]string{
		"amd64": "x86_64", "arm64": "aarch64", "s390x": "s390x", "ppc64le": "powerpc64le",
		"riscv64": "riscv64", "arm": "arm", "386": "i386", "loong64": "loongarch64", "mips64le": "mips64el",
	}[runtime.GOARCH]
	if m == "" {
		return ""
	}
	suffix := "-linux-gnu"
	if runtime.GOARCH == "arm" {
		suffix = "-linux-gnueabihf"
	}
	d := "/usr/include/" + m + suffix
	if st, err := os.Stat(d); err == nil && st.IsDir() {
		return d
	}
	return ""
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
