package codegen

import (
	"strconv"
	"strings"

	"github.com/cilium/ebpf/asm"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/types"
)

// The config builtin is a record of the configuration in effect, known
// when the script is compiled: a field of it (config.max_strlen,
// config().stack_mode) compiles to the constant.

// isConfig reports whether e is the config builtin (config, config() or
// __builtin_config).
func (b *builder) isConfig(e ast.Expr) bool {
	var name string
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		name = x.Name
	case *ast.CallExpr:
		if x.Fun == nil || len(x.Args) != 0 {
			return false
		}
		if ci := b.info.Calls[x]; ci != nil && ci.Expansion != nil {
			return false // a macro of that name
		}
		name = x.Fun.Name
	default:
		return false
	}
	bi, ok := builtins.Lookup(name)
	return ok && bi.Name == "config"
}

// configField compiles config.NAME.
func (b *builder) configField(x *ast.FieldExpr) result {
	name := x.Field.Name
	key, ok := builtins.LookupConfig(name)
	if !ok {
		b.fail(x, "config has no field %s", name)
	}
	v, set := b.c.config(key.Name)
	t := b.typeOf(x)
	switch types.Underlying(t).(type) {
	case *types.String:
		s := key.Default
		if set {
			s = configText(v)
		}
		return b.stringLit(s, t)
	case types.Bool:
		on := false
		if set {
			on = configText(v) == "true" || configText(v) == "1"
		} else {
			// "true when built with ..." describes a build bt is not.
			on = key.Default == "true"
		}
		n := int64(0)
		if on {
			n = 1
		}
		b.loadImm(asm.R0, n)
		return inReg
	}
	n := int64(0)
	if set {
		n, _ = strconv.ParseInt(configText(v), 0, 64)
	} else if f := strings.Fields(key.Default); len(f) > 0 {
		n, _ = strconv.ParseInt(f[0], 0, 64)
	}
	b.loadImm(asm.R0, n)
	return inReg
}

// configText is a config value as text.
func configText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case uint64:
		return strconv.FormatUint(x, 10)
	}
	return ""
}
