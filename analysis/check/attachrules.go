package check

import (
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/probes"
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
		if !contains(r.providers, ap.Provider) {
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
