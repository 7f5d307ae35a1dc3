package check

import (
	"math"
	"strconv"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/types"
)

// checkConfig validates a config block against the table of config keys
// (any of the spellings stack_mode, STACK_MODE, BPFTRACE_STACK_MODE) and
// records the settings.
func (c *checker) checkConfig(b *ast.ConfigBlock) {
	seen := map[string]*ast.ConfigEntry{}
	for _, e := range b.Entries {
		if e == nil || e.Key == nil {
			continue
		}
		k, ok := builtins.LookupConfig(e.Key.Name)
		if !ok {
			d := c.errorf(e, CodeConfigKey, "%s: not a known configuration option", e.Key.Name)
			var names []string
			for _, ck := range builtins.ConfigKeys {
				if !ck.EnvOnly && !ck.NoEffect && ck.RenamedTo == "" {
					names = append(names, ck.Name)
				}
			}
			c.suggestFix(d, e.Key, strings.ToLower(strings.TrimPrefix(strings.ToLower(e.Key.Name), "bpftrace_")), names)
			continue
		}
		sym := &Symbol{Kind: SymConfig, Name: k.Name, Doc: k.Doc}
		c.info0Uses(e.Key, sym)
		if k.EnvOnly {
			d := c.errorf(e.Key, CodeConfigKey, "%s can only be set in the environment (%s), not in a config block", k.Name, k.Env)
			d.Hint = "set " + k.Env + " when running bpftrace"
			continue
		}
		if k.NoEffect {
			c.warnf(e.Key, CodeConfigNoEffect, "config key %s no longer has any effect", k.Name)
		}
		if k.RenamedTo != "" {
			d := c.warnf(e.Key, CodeLegacyConfig, "config key %s was renamed to %s", e.Key.Name, k.RenamedTo)
			fixReplace(d, c.file, e.Key.Span(), "use "+k.RenamedTo, k.RenamedTo)
		}
		cur := k.Current()
		if prev := seen[cur.Name]; prev != nil {
			d := c.errorf(e.Key, CodeConfigDuplicate, "config key %s is set twice", cur.Name)
			noteAt(d, c.file, prev.Key, "first set here")
			continue
		}
		seen[cur.Name] = e
		var val any
		var err error
		switch v := ast.Unparen(e.Value).(type) {
		case *ast.IntLit:
			err = k.CheckInt(v.Value)
			val = int64(v.Value)
			if err == nil && cur.Type == builtins.ConfigString {
				err = k.CheckString(v.Raw)
			}
			if err == nil && cur.Type == builtins.ConfigBool && v.Value > 1 {
				err = k.CheckString(v.Raw)
			}
		case *ast.StringLit:
			err = k.CheckString(v.Value)
			val = v.Value
			if err == nil && cur.Type == builtins.ConfigInt {
				// a number in quotes is accepted, as bpftrace parses it
				val = v.Value
			}
		case *ast.Ident:
			err = k.CheckString(v.Name)
			val = v.Name
		case *ast.BoolLit:
			if cur.Type == builtins.ConfigInt {
				err = k.CheckString(boolWord(v.Value))
			} else {
				err = k.CheckString(boolWord(v.Value))
			}
			val = v.Value
		case nil:
			continue
		default:
			c.errorf(e.Value, CodeConfigValue, "a config value must be a literal or a name")
			continue
		}
		if err != nil {
			d := c.errorf(e, CodeConfigValue, "%v", err)
			if cur.Type == builtins.ConfigEnum {
				if id, ok := e.Value.(*ast.Ident); ok {
					c.suggestFix(d, id, id.Name, cur.Values)
				}
			}
			continue
		}
		c.config[cur.Name] = ConfigValue{Key: cur.Name, Value: val, Node: e}
		if _, env := c.cfg.EnvConfig[cur.Name]; env {
			// The environment's value takes precedence, as in bpftrace.
			continue
		}
		switch cur.Name {
		case "max_strlen":
			if n, ok := val.(int64); ok && n > 0 {
				c.maxStr = int(n)
			}
		case "stack_mode":
			if s, ok := val.(string); ok {
				c.stackMod = s
			}
		}
	}
}

func boolWord(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// info0Uses records a use made while collecting declarations (before
// the first walk): it is re-recorded in every walk's Info.
func (c *checker) info0Uses(n *ast.Ident, sym *Symbol) {
	c.configUses = append(c.configUses, configUse{n, sym})
}

type configUse struct {
	n   *ast.Ident
	sym *Symbol
}

// configValueType is the type of a config value, for hover.
func configValueType(v any) types.Type {
	switch x := v.(type) {
	case int64:
		return types.Uint64
	case bool:
		return types.Bool{}
	case string:
		return &types.String{Len: len(x) + 1}
	}
	return nil
}

// Setting is the value config key has for a run: the command line's or
// environment's (overrides, by canonical key), which take precedence as
// in bpftrace, else the script's config block's. The compiler and the
// runtime both read settings through it.
func (p *Program) Setting(overrides map[string]any, key string) (any, bool) {
	if v, ok := overrides[key]; ok {
		return v, true
	}
	if p != nil {
		if cv, ok := p.Config[key]; ok {
			return cv.Value, true
		}
	}
	return nil, false
}

// SettingInt is an integer setting, def when unset or not a number.
func (p *Program) SettingInt(overrides map[string]any, key string, def int) int {
	v, ok := p.Setting(overrides, key)
	if !ok {
		return def
	}
	switch x := v.(type) {
	case int64:
		return int(x)
	case int:
		return x
	case uint64:
		return int(min(x, math.MaxInt))
	case string:
		if n, err := strconv.Atoi(x); err == nil {
			return n
		}
	}
	return def
}

// SettingBool is a boolean setting, def when unset or not a boolean
// (builtins.BoolValue).
func (p *Program) SettingBool(overrides map[string]any, key string, def bool) bool {
	v, ok := p.Setting(overrides, key)
	if !ok {
		return def
	}
	if b, ok := builtins.BoolValue(v); ok {
		return b
	}
	return def
}
