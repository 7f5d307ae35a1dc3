package kernelcheck

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/btfindex"
)

// expandProcessUSDT expands a usdt attach point that names no file
// (usdt:::name, usdt:*:ns:name) when the script is checked for process
// pid (bpftrace -p): one probe for each matching USDT probe of each file
// the process maps, named by its path through the process's root
// (/proc/PID/root/...), as bpftrace names them, so that files of another
// mount namespace are found. One that matches nothing is marked missing
// (a run reports it as the missing_probes config says). Without a pid
// the attach point is left to the run, as before.
func (k *kernel) expandProcessUSDT(ai *check.AttachInfo, pid int) {
	if pid <= 0 || ai.Provider != "usdt" || ai.Node == nil || len(ai.Targets) > 0 || ai.Missing {
		return
	}
	f, ok := attachFields(ai.Node)
	if !ok {
		return
	}
	if path := f[probes.RolePath]; path != "" && path != "*" {
		return
	}
	ns, name := f[probes.RoleNamespace], f[probes.RoleName]
	k.processTargets(ai, pid, func(file string, e *elfInfo) (out []string) {
		for _, u := range e.usdt { // none when the file is not ELF, or unreadable
			if (ns == "" || probes.MatchWildcard(ns, u.Provider)) && probes.MatchWildcard(name, u.Name) {
				out = append(out, "usdt:"+file+":"+probeNameField(u.Provider)+":"+probeNameField(u.Name))
			}
		}
		return out
	})
}

// processTargets makes ai's targets those that targets finds in each ELF
// file process pid maps, named through the process's root, sorted and
// unique (missing when there are none). Each file is read through the
// kernel's ELF cache, as the attach points naming it are.
func (k *kernel) processTargets(ai *check.AttachInfo, pid int, targets func(file string, e *elfInfo) []string) {
	for _, m := range btfindex.MappedExecutables(pid) {
		file := fmt.Sprintf("/proc/%d/root%s", pid, m)
		e := k.elf(file)
		e.load(file)
		ai.Targets = append(ai.Targets, targets(file, e)...)
	}
	ai.Targets = sortedUnique(ai.Targets)
	ai.Source = "elf"
	ai.Missing = len(ai.Targets) == 0
}

// probeNameField spells a name as one field of a probe name: quoted when
// it holds a character the attach point grammar splits or reads at.
func probeNameField(s string) string {
	if strings.ContainsAny(s, ":@\"+ ") {
		return strconv.Quote(s)
	}
	return s
}

// processPaths points the file of a uprobe, uretprobe or usdt attach
// point at the process's view of it when the script is checked for
// process pid (bpftrace -p): a path that is another file, or no file, in
// this mount namespace names the file the process sees, through
// /proc/PID/root (btfindex.ProcessPath).
func processPaths(ap *ast.AttachPoint, pid int) {
	if pid <= 0 {
		return
	}
	switch ap.Provider {
	case "uprobe", "uretprobe", "usdt":
	default:
		return
	}
	for i := range ap.Fields {
		f := &ap.Fields[i]
		if f.Role == probes.RolePath && !strings.Contains(f.Text, "$") && !probes.HasWildcard(f.Text) {
			f.Text = btfindex.ProcessPath(pid, f.Text)
		}
	}
}

// usdtOutsideProcess drops the targets of a usdt attach point checked for
// process pid (bpftrace -p) whose file the process does not map: such a
// probe would never fire in it (as in bpftrace, which looks for -p's
// USDT probes in the process's files). The attach point is then missing.
func usdtOutsideProcess(ai *check.AttachInfo, pid int) {
	if pid <= 0 || ai.Provider != "usdt" || len(ai.Targets) == 0 {
		return
	}
	var mapped []os.FileInfo
	for _, m := range btfindex.MappedExecutables(pid) {
		if st, err := os.Stat(fmt.Sprintf("/proc/%d/root%s", pid, m)); err == nil {
			mapped = append(mapped, st)
		}
	}
	if len(mapped) == 0 {
		return // the process's files cannot be read: leave it to the run
	}
	var kept []string
	for _, t := range ai.Targets {
		path := ""
		for _, f := range probes.ParseProbeName(t).Fields {
			if f.Role == probes.RolePath {
				path = f.Text
			}
		}
		st, err := os.Stat(path)
		if err != nil {
			kept = append(kept, t)
			continue
		}
		for _, m := range mapped {
			if os.SameFile(st, m) {
				kept = append(kept, t)
				break
			}
		}
	}
	ai.Targets = kept
	if len(kept) == 0 {
		ai.Missing = true
	}
}

// expandProcessUprobes expands a uprobe or uretprobe attach point that
// names no file (uprobe:*:fn, as bpftrace -p allows) into one target per
// matching function of each ELF file process pid maps, named through the
// process's root like expandProcessUSDT's: the runtime then attaches the
// functions of one file with one uprobe_multi link. Addresses, offsets,
// C++ and source-line forms are left to the run.
func (k *kernel) expandProcessUprobes(ai *check.AttachInfo, pid int) {
	if pid <= 0 || (ai.Provider != "uprobe" && ai.Provider != "uretprobe") || ai.Node == nil || len(ai.Targets) > 0 || ai.Missing {
		return
	}
	f, ok := attachFields(ai.Node)
	if !ok {
		return
	}
	fn := f[probes.RoleFunc]
	if path := f[probes.RolePath]; (path != "" && path != "*") || fn == "" ||
		f[probes.RoleOffset] != "" || f[probes.RoleAddress] != "" || f[probes.RoleLine] != "" || f[probes.RoleLang] != "" {
		return
	}
	k.processTargets(ai, pid, func(file string, e *elfInfo) (out []string) {
		for _, name := range e.funcs { // none when the file is not ELF, or unreadable
			if probes.MatchWildcard(fn, name) {
				out = append(out, ai.Provider+":"+file+":"+probeNameField(name))
			}
		}
		return out
	})
}

// attachFields are an attach point's fields by role; ok is false when a
// positional parameter fills one (its value is known when the script
// runs, not when it is checked).
func attachFields(ap *ast.AttachPoint) (f map[string]string, ok bool) {
	f = map[string]string{}
	for _, fl := range ap.Fields {
		if !fl.Quoted && strings.Contains(fl.Text, "$") {
			return nil, false
		}
		f[fl.Role] = fl.Text
	}
	return f, true
}
