package codegen

import (
	"fmt"

	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/codegen/clink"
)

// Maps shared with imported C (check.MapInfo.C). A map the C defines is
// the C object's map: the script's layout names it by its C name, and
// linkC puts the object's *MapSpec in the collection (the one the linked
// C functions reference), so both sides use one kernel map. A map the C
// declares extern is the script's own map: linkC points the C's loads
// of that name at it.
//
// A per-CPU map the C defines holds integer values (the checker sees to
// it). Programs, the script's and the C's alike, read and update this
// CPU's value (what bpf_map_lookup_elem and bpf_map_update_elem do on a
// per-CPU map in BPF); the runtime reads every CPU's value and prints
// their sum, as for count() and sum().

// declareCMap lays out a map the imported C defines.
func (c *compiler) declareCMap(m *check.MapInfo) {
	ml := &MapLayout{Name: m.Name, SpecName: m.C.Name, Key: m.Key, Value: m.Value, Info: m, PerCPU: m.C.PerCPU()}
	if m.Key != nil {
		ml.KeySize = m.Key.Size()
	}
	if m.Value != nil {
		ml.ValueSize = m.Value.Size()
	}
	c.obj.Maps = append(c.obj.Maps, ml)
	c.maps[m.Name] = ml
	c.cMaps = append(c.cMaps, ml)
	c.usesC = true // the C objects hold the map
}

// addCMaps puts the maps the C defines and the script uses in the
// collection, checking their sizes against the script's layouts.
func (c *compiler) addCMaps(libs []*clink.Library) {
	for _, ml := range c.cMaps {
		name := ml.Info.C.Name
		found := false
		for _, l := range libs {
			ms := l.Maps[name]
			if ms == nil {
				continue
			}
			found = true
			if int(ms.KeySize) != ml.KeySize || int(ms.ValueSize) != ml.ValueSize {
				c.cMapError(ml, "the C object's map %s has %d-byte keys and %d-byte values; the script expects %d and %d",
					name, ms.KeySize, ms.ValueSize, ml.KeySize, ml.ValueSize)
				break
			}
			c.obj.Spec.Maps[name] = ms
			break
		}
		if !found {
			c.cMapError(ml, "no imported C object defines the map %s", name)
		}
	}
}

// resolveExternMaps points the loads of maps the linked C declares extern
// at the script's maps of the same names.
func (c *compiler) resolveExternMaps(p *Prog, insns asm.Instructions, externs []string) bool {
	ok := true
	spec := map[string]string{}
	for _, name := range externs {
		ml := c.maps["@"+name]
		if ml == nil || ml.Info.C == nil || !ml.Info.C.Extern {
			c.errorf(fileOf(c.prog, p.Probe.Node), p.Probe.Node, CodeCLink,
				"the imported C uses the map %s, which it declares extern, but the script has no map @%s", name, name)
			ok = false
			continue
		}
		spec[name] = ml.SpecName
	}
	for i := range insns {
		if n, found := spec[insns[i].Reference()]; found && insns[i].IsLoadFromMap() {
			insns[i] = insns[i].WithReference(n)
		}
	}
	return ok
}

// cMapError reports a map shared with C that cannot be linked, at the
// map's declaration or first assignment in the script.
func (c *compiler) cMapError(ml *MapLayout, format string, args ...any) {
	loc := diag.Location{}
	if s := ml.Info.Symbol; s != nil && s.Decl != nil {
		loc = diag.Location{File: s.File, Span: s.Decl.Span()}
	} else if len(c.prog.Files) > 0 {
		loc = diag.Location{File: c.prog.Files[0].Source}
	}
	c.diags = append(c.diags, diag.Diagnostic{Severity: diag.Error, Code: CodeCLink, Location: loc,
		Message: fmt.Sprintf(format, args...)})
}
