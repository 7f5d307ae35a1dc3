package check

import (
	"slices"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
)

// attachRule is a rule bpftrace enforces on an attach point that needs
// no kernel but does depend on how the script is run (--unsafe, -p PID);
// the attach-point grammar itself is package probes'.
type attachRule struct {
	providers []string
	// broken reports whether ap breaks the rule, given the fields by role.
	broken  func(c *checker, roles map[string]ast.AttachField) bool
	message string
	hint    string
}

var attachRules = []attachRule{
	{
		providers: []string{"uprobe", "uretprobe"},
		broken: func(c *checker, roles map[string]ast.AttachField) bool {
			_, hasPath := roles[probes.RolePath]
			return !hasPath && c.cfg.PID == 0
		},
		message: "%s needs a target binary or library",
		hint:    "write %s:PATH:FUNCTION, or check with -p PID when the script runs against one process",
	},
	{
		providers: []string{"usdt"},
		broken: func(c *checker, roles map[string]ast.AttachField) bool {
			_, hasPath := roles[probes.RolePath]
			return !hasPath && c.cfg.PID == 0
		},
		message: "%s needs a target binary or library",
		hint:    "write %s:PATH:PROBE (PATH '*' for every process), or check with -p PID when the script runs against one process",
	},
	{
		providers: []string{"kprobe", "kretprobe"},
		broken: func(c *checker, roles map[string]ast.AttachField) bool {
			_, hasAddr := roles[probes.RoleAddress]
			return hasAddr && !c.cfg.Unsafe
		},
		message: "attaching %s to a kernel address needs --unsafe (the address is not checked)",
		hint:    "attach to a function name, or check with --unsafe as the script will run",
	},
}

// checkAttachRules applies attachRules to one attach point.
func (c *checker) checkAttachRules(ap *ast.AttachPoint) {
	if ap.Provider == "" || strings.Contains(ap.Raw, "$") {
		return // unknown provider, or fields only known when it runs
	}
	var roles map[string]ast.AttachField
	for i := range attachRules {
		r := &attachRules[i]
		if !slices.Contains(r.providers, ap.Provider) {
			continue
		}
		if roles == nil {
			roles = map[string]ast.AttachField{}
			for _, f := range ap.Fields {
				roles[f.Role] = f
			}
		}
		if r.broken(c, roles) {
			e := c.errorf(ap, probes.CodeBadAttachPoint, r.message, ap.Provider)
			if strings.Contains(r.hint, "%s") {
				e.Hint = strings.ReplaceAll(r.hint, "%s", ap.Provider)
			} else {
				e.Hint = r.hint
			}
		}
	}
}

// checkProbeRules applies the rules on a probe's attach points taken
// together and across the program: an iter probe has only one attach
// point, and bench and test probes have names of their own.
func (c *checker) checkProbeRules(p *ast.Probe) {
	iters := 0
	for _, ap := range p.AttachPoints {
		if ap == nil {
			continue
		}
		switch ap.Provider {
		case "iter":
			iters++
			if iters > 1 {
				e := c.errorf(ap, probes.CodeBadAttachPoint, "an iter probe has only one attach point")
				e.Hint = "write a probe of its own for each iterator"
			}
		case "bench", "test":
			name := ""
			for _, f := range ap.Fields {
				if f.Role == probes.RoleName {
					name = f.Text
				}
			}
			if name == "" || strings.Contains(name, "$") {
				continue
			}
			key := ap.Provider + ":" + name
			if prev, dup := c.probeNames[key]; dup {
				// bpftrace's words, which wrappers of its test mode read
				e := c.errorf(ap, probes.CodeBadAttachPoint, "%q was used as the name for more than one %s probe", name, strings.ToUpper(ap.Provider))
				noteAt(e, prev.file, prev.ap, "this is the other instance")
				continue
			}
			if c.probeNames == nil {
				c.probeNames = map[string]namedProbe{}
			}
			c.probeNames[key] = namedProbe{ap, c.file}
		}
	}
}

// namedProbe is the first bench or test probe of a name.
type namedProbe struct {
	ap   *ast.AttachPoint
	file *source.File
}
