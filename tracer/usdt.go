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

func init() { attachers["usdt"] = attachUSDT }

// attachUSDT attaches a usdt probe's program as a uprobe at every
// location of the probe in its binary (ELF .note.stapsdt), with the
// kernel incrementing the probe's semaphore while it is attached
// (RefCtrOffset), in the -p process only when one is given.
func attachUSDT(s *session, p *codegen.Prog, progs []*ebpf.Program) ([]io.Closer, error) {
	exes := map[string]*link.Executable{}
	var out []io.Closer
	err := forEachTarget(p, progs, func(t codegen.Target, f map[string]string, prog *ebpf.Program) error {
		paths, err := btfindex.USDTFiles(f[probes.RolePath], s.opts.PID)
		if err != nil {
			return err
		}
		n := 0
		for _, path := range paths {
			locs, err := btfindex.USDTLocations(path, f[probes.RoleNamespace], f[probes.RoleName])
			if err != nil || len(locs) == 0 {
				// A wildcard stands for files without the probe too.
				continue
			}
			ex := exes[path]
			if ex == nil {
				if ex, err = link.OpenExecutable(path); err != nil {
					return err
				}
				exes[path] = ex
			}
			for _, l := range locs {
				up, err := ex.Uprobe("", prog, &link.UprobeOptions{
					Address: l.Offset, RefCtrOffset: l.RefCtrOffset, Cookie: t.Cookie, PID: s.opts.PID,
				})
				if err != nil {
					return err
				}
				out = append(out, up)
				n++
			}
		}
		if n == 0 {
			return fmt.Errorf("no USDT probe %s:%s in %s", f[probes.RoleNamespace], f[probes.RoleName], strings.Join(paths, ", "))
		}
		return nil
	})
	return out, err
}
