package tracer

import (
	"fmt"
	"io"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/btfindex"
	"github.com/bt-tools/bt/codegen"
)

func init() { attachers["usdt"] = each(attachUSDTTarget) }

// attachUSDTTarget attaches a usdt probe's program as a uprobe at every
// location of the probe in its binary (ELF .note.stapsdt), with the
// kernel incrementing the probe's semaphore while it is attached
// (RefCtrOffset), in the traced process only when there is one.
func attachUSDTTarget(s *session, p *codegen.Prog, t codegen.Target, f map[string]string, prog *ebpf.Program) ([]io.Closer, error) {
	pid := s.tracedPID()
	paths, err := btfindex.USDTFiles(f[probes.RolePath], pid)
	if err != nil {
		return nil, err
	}
	var out []io.Closer
	for _, path := range paths {
		locs, err := btfindex.USDTLocations(path, f[probes.RoleNamespace], f[probes.RoleName])
		if err != nil || len(locs) == 0 {
			// A wildcard stands for files without the probe too.
			continue
		}
		ex, err := s.executable(path)
		if err != nil {
			return out, err
		}
		for _, l := range locs {
			up, err := ex.Uprobe("", prog, &link.UprobeOptions{
				Address: l.Offset, RefCtrOffset: l.RefCtrOffset, Cookie: t.Cookie, PID: pid,
			})
			if err != nil {
				return out, err
			}
			out = append(out, up)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no USDT probe %s:%s in %s", f[probes.RoleNamespace], f[probes.RoleName], strings.Join(paths, ", "))
	}
	return out, nil
}

// attachUprobesInProcess attaches uprobe:*:PATTERN for -p PID: the
// functions matching PATTERN in every file the process maps executable
// (its executable and libraries), in that process only.
func attachUprobesInProcess(pid int, pattern string, prog *ebpf.Program, cookie uint64, ret bool) ([]io.Closer, error) {
	m := btfindex.CompileMatcher(pattern)
	var out []io.Closer
	for _, path := range btfindex.MappedExecutables(pid) {
		funcs, err := btfindex.ELFFunctions(path)
		if err != nil {
			continue // not an ELF file we can read: nothing to attach there
		}
		var ex *link.Executable
		for _, fn := range funcs {
			if !m.Match(fn) {
				continue
			}
			if ex == nil {
				if ex, err = link.OpenExecutable(path); err != nil {
					return out, err
				}
			}
			opts := &link.UprobeOptions{Cookie: cookie, PID: pid}
			var l link.Link
			if ret {
				l, err = ex.Uretprobe(fn, prog, opts)
			} else {
				l, err = ex.Uprobe(fn, prog, opts)
			}
			if err != nil {
				return out, fmt.Errorf("%s:%s: %w", path, fn, err)
			}
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no function matching %s in the files process %d maps", pattern, pid)
	}
	return out, nil
}
