package check

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

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
func expandProcessUSDT(ai *AttachInfo, pid int) {
	if pid <= 0 || ai.Provider != "usdt" || ai.Node == nil || len(ai.Targets) > 0 || ai.Missing {
		return
	}
	f := map[string]string{}
	for _, fl := range ai.Node.Fields {
		if !fl.Quoted && strings.Contains(fl.Text, "$") {
			return // positional parameters: known when the script runs
		}
		f[fl.Role] = fl.Text
	}
	if path := f[probes.RolePath]; path != "" && path != "*" {
		return
	}
	ns, name := f[probes.RoleNamespace], f[probes.RoleName]
	for _, m := range btfindex.MappedExecutables(pid) {
		file := fmt.Sprintf("/proc/%d/root%s", pid, m)
		ups, err := btfindex.USDTProbes(file)
		if err != nil {
			continue // not ELF, or unreadable: no probes there
		}
		for _, u := range ups {
			if (ns == "" || probes.MatchWildcard(ns, u.Provider)) && probes.MatchWildcard(name, u.Name) {
				ai.Targets = append(ai.Targets, "usdt:"+file+":"+probeNameField(u.Provider)+":"+probeNameField(u.Name))
			}
		}
	}
	sort.Strings(ai.Targets)
	ai.Targets = uniqueStrings(ai.Targets)
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

// uniqueStrings drops repeats from a sorted list.
func uniqueStrings(l []string) []string {
	out := l[:0]
	for i, s := range l {
		if i == 0 || s != l[i-1] {
			out = append(out, s)
		}
	}
	return out
}
