package check

import (
	"fmt"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// ident checks a bare identifier used as a value.
// compilerCheckedUnsafe are the unsafe builtins bpftrace v0.26 rejects in
// its compiler, which words the error differently from the unsafe
// functions of its standard library ("is unsafe. To use you need the
// --unsafe flag").
var compilerCheckedUnsafe = map[string]bool{"system": true}

func (c *checker) ident(x *ast.Ident) types.Type {
	name := x.Name
	if c.macro != nil {
		if arg, ok := c.macro.exprs[name]; ok {
			return c.macroArg(x, arg)
		}
	}
	if m := c.findMacro(name, 0); m != nil {
		return c.expandMacro(x, m)
	}
	if name == "_" {
		c.errorf(x, CodeBadAssign, "_ can only be assigned to (_ = value discards a value)")
		return nil
	}
	if b, ok := builtins.Lookup(name); ok {
		if !b.HasBare() {
			e := c.errorf(x, CodeNotAValue, "%s is a function: call it as %s(...)", name, name)
			fixReplace(e, c.file, x.Span(), "call it", name+"()")
			return nil
		}
		c.checkBuiltinUse(x, x, b)
		sym := builtinSymbol(b)
		c.info.Uses[x] = sym
		for i := range b.Variants {
			s := &b.Variants[i]
			if s.Bare {
				return c.resultType(x, b, s, func(int) *argInfo { return nil })
			}
		}
		return nil
	}
	if c.cfg.C != nil {
		if d, ok := c.cfg.C.Define(name); ok {
			if _, isConst := d.Value.(int64); !isConst {
				if t, ok := c.defineExpr(x, false); ok {
					return t
				}
			} else if _, bad := c.defineExpr(x, true); bad {
				return nil
			}
			sym := &Symbol{Kind: SymDefine, Name: name, Loc: &d.Loc}
			c.info.Uses[x] = sym
			switch v := d.Value.(type) {
			case int64:
				c.info.Consts[x] = v
				sym.Type = defineIntType(v)
				if d.Enum != nil {
					sym.Type = c.enumValueType(d.Enum)
				}
				return sym.Type
			case string:
				sym.Type = &types.String{Len: len(v) + 1}
				return sym.Type
			}
			return Unknown
		}
	}
	if t, ok := c.defineExpr(x, false); ok {
		return t
	}
	if c.cfg.Kernel != nil {
		if ke, ok := c.cfg.Kernel.(KernelEnums); ok {
			if v, t, ok := ke.EnumValue(name); ok {
				if e, ok := t.(*types.Enum); ok {
					t = c.enumValueType(e)
				}
				c.info.Consts[x] = v
				c.info.Uses[x] = &Symbol{Kind: SymDefine, Name: name, Type: t}
				if t == nil {
					return types.Int64
				}
				return t
			}
		}
	}
	if t, ok := c.abiConst(x); ok {
		return t
	}
	if c.lenientIdent(name) {
		return Unknown
	}
	c.unknownIdent(x)
	return nil
}

// enumValueType is the type of a value of enum e that the script makes
// (an enumerator, a cast): bpftrace holds those in 64 bits whatever the
// C enum's size (sizeof(ONE) is 8), keeping the enum for printing. One
// copy per enum, so values of one anonymous enum stay Identical.
func (c *checker) enumValueType(e *types.Enum) *types.Enum {
	if e.Bytes == 8 {
		return e
	}
	if w, ok := c.enumValues[e]; ok {
		return w
	}
	w := *e
	w.Bytes = 8
	if c.enumValues == nil {
		c.enumValues = map[*types.Enum]*types.Enum{}
	}
	c.enumValues[e] = &w
	return &w
}

func defineIntType(v int64) types.Type {
	if v < 0 {
		return negLiteralType(v)
	}
	return literalType(uint64(v))
}

// lenientIdent reports whether an unknown identifier may be a kernel
// enumerator or a C macro the checker cannot see: without a kernel, an
// upper-case name is assumed to be one (kernel constants are written in
// upper case); with unparsed #includes, any name.
func (c *checker) lenientIdent(name string) bool {
	if c.cfg.C == nil && c.hasCIncl {
		return true
	}
	if c.cfg.Kernel == nil {
		hasUpper, hasLower := false, false
		for _, r := range name {
			switch {
			case r >= 'A' && r <= 'Z':
				hasUpper = true
			case r >= 'a' && r <= 'z':
				hasLower = true
			}
		}
		return hasUpper && !hasLower
	}
	return false
}

func (c *checker) unknownIdent(x *ast.Ident) {
	e := c.errorf(x, CodeUnknownIdent, "unknown identifier %s", x.Name)
	var names []string
	for _, b := range builtins.Variables() {
		names = append(names, b.Name)
	}
	for n, ms := range c.macros {
		for _, m := range ms {
			if m.arity() == 0 {
				names = append(names, n)
			}
		}
	}
	if c.macro != nil {
		for n := range c.macro.exprs {
			names = append(names, n)
		}
	}
	c.suggestFix(e, x, x.Name, names)
	if h := abiHint(x.Name); h != "" && e != nil && e.Hint == "" {
		e.Hint = h
	}
}

// checkBuiltinUse applies the rules every use of a builtin shares: where
// it may be used, --unsafe, deprecation and unstable features.
func (c *checker) checkBuiltinUse(n ast.Node, fun *ast.Ident, b *builtins.Builtin) {
	if b == nil {
		return
	}
	name := b.Name
	if fun != nil {
		name = fun.Name
	}
	if b.Removed != "" {
		e := c.errorf(n, CodeRemovedBuiltin, "%s was removed in bpftrace %s", name, b.Removed)
		if b.Deprecated != "" {
			e.Hint = "use " + b.Deprecated + " instead"
			if isIdentText(b.Deprecated) && fun != nil {
				fixReplace(e, c.file, fun.Span(), "use "+b.Deprecated, b.Deprecated)
			}
		}
		return
	}
	if b.Deprecated != "" {
		e := c.warnf(n, CodeLegacyBuiltin, "%s is deprecated; use %s", name, b.Deprecated)
		if isIdentText(b.Deprecated) && fun != nil {
			fixReplace(e, c.file, fun.Span(), "use "+b.Deprecated, b.Deprecated)
		}
	}
	if b.Unsafe && !c.cfg.Unsafe {
		format := "%s() is unsafe. To use you need the --unsafe flag"
		if compilerCheckedUnsafe[name] {
			format = "%s() is an unsafe function being used in safe mode"
		}
		c.errorf(n, CodeUnsafe, format, name)
	}
	if c.probe != nil {
		var bad []string
		for _, p := range c.probe.providers {
			if p == "" {
				continue
			}
			if !b.AllowedIn(p) {
				bad = append(bad, p)
			}
		}
		x, isExpr := n.(ast.Expr)
		if len(bad) > 0 && b.FoldOutside != nil && isExpr {
			c.info.Consts[x] = b.FoldOutside(bad[0])
		} else if len(bad) > 0 {
			e := c.errorf(n, CodeNotInProbe, "%s cannot be used in %s probes", name, strings.Join(bad, ", "))
			if len(b.Providers) > 0 {
				e.Hint = fmt.Sprintf("%s is available in %s probes", name, strings.Join(b.Providers, ", "))
			}
			for _, ai := range c.probe.info.Attach {
				for _, p := range bad {
					if ai.Provider == p && ai.Node != nil {
						noteAt(e, c.probeFile(), ai.Node, "this probe is %s", p)
						break
					}
				}
			}
		}
	} else if c.fn != nil && !b.AllowedIn("") {
		c.errorf(n, CodeNotInProbe, "%s depends on the probe and cannot be used in function %s", name, c.fn.decl.Name.Name)
	}
	if (b.NotInFor || b.Name == "ctx" || b.Name == "args") && c.forBody > 0 {
		c.errorf(n, CodeNotInFor, "%s cannot be used inside a for loop (the loop body does not see the probe's context)", name)
	}
	if b.Unstable != "" {
		c.unstableKey(n, b.Unstable, name)
	}
}

func (c *checker) probeFile() *source.File {
	if c.probe != nil {
		if f := c.fileOf[c.probe.info.Node]; f != nil {
			return f
		}
	}
	return c.file
}

func isIdentText(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	return true
}

// unstableKey applies an unstable feature's config key: error when set
// to error (or by default), warning when warn.
func (c *checker) unstableKey(n ast.Node, key, what string) {
	mode := ""
	if v, ok := c.config[key]; ok {
		switch x := v.Value.(type) {
		case string:
			mode = strings.ToLower(x)
		case bool:
			if x {
				mode = "enable"
			} else {
				mode = "error"
			}
		case int64:
			if x != 0 {
				mode = "enable"
			} else {
				mode = "error"
			}
		}
	}
	if mode == "" {
		if k, ok := builtins.LookupConfig(key); ok {
			mode = strings.ToLower(k.Default)
		}
	}
	switch mode {
	case "enable", "true", "1", "on", "yes":
	case "error":
		e := c.errorf(n, CodeUnstable, "%s is an unstable feature and is disabled", what)
		e.Hint = fmt.Sprintf("enable it with config = { %s = enable }", key)
	default:
		e := c.warnf(n, CodeUnstable, "%s is an unstable feature and may change", what)
		e.Hint = fmt.Sprintf("silence this with config = { %s = enable }", key)
	}
}

// unstable gates the unstable language features that are not builtins.
func (c *checker) unstable(n ast.Node, feature string) {
	switch feature {
	case "typeinfo":
		c.unstableKey(n, "unstable_typeinfo", "typeinfo()")
	case "import":
		c.unstableKey(n, "unstable_import_statement", "import inside a block")
	}
}

// ---------------------------------------------------------------------
// Probe-dependent values

// argsType is the type of `args` in the current probe: the probe's
// argument struct when the kernel knows it, Unknown otherwise.
func (c *checker) argsType(n ast.Node) types.Type {
	if c.probe == nil {
		return Unknown
	}
	for _, ai := range c.probe.info.Attach {
		if ai.ArgsType != nil {
			return ai.ArgsType
		}
	}
	return Unknown
}

// argsField types `args.name`, checking the field in every attach point
// of the probe.
func (c *checker) argsField(x *ast.FieldExpr, id *ast.Ident) types.Type {
	t := c.expr(id)
	if x.Arrow {
		c.legacyArrow(x)
	}
	if t == nil || c.probe == nil {
		return nil
	}
	if !known(t) {
		c.argsUnknownNote(x)
		return Unknown
	}
	name := x.Field.Name
	var first types.Type
	var firstAP *AttachInfo
	for _, ai := range c.probe.info.Attach {
		if ai.ArgsType == nil {
			continue
		}
		f, ok := ai.ArgsType.Field(name)
		if !ok {
			e := c.errorf(x.Field, CodeNoSuchField, "%s has no argument named %s", describeAttach(ai), name)
			c.suggestFix(e, x.Field, name, fieldNames(ai.ArgsType))
			return nil
		}
		if first == nil {
			first, firstAP = f.Type, ai
			continue
		}
		if !types.Identical(first, f.Type) {
			e := c.errorf(x.Field, CodeArgsMismatch, "args.%s has type %s in %s but %s in %s",
				name, typeName(first), describeAttach(firstAP), typeName(f.Type), describeAttach(ai))
			e.Hint = "split the probe so that each action block sees one type"
			return nil
		}
	}
	if first == nil {
		c.argsUnknownNote(x)
		return Unknown
	}
	c.info.Uses[x.Field] = &Symbol{Kind: SymField, Name: name, Type: first}
	return first
}

// argsUnknownNote says, at args.name, that the field cannot be checked
// because the kernel's description of the probe could not be read.
func (c *checker) argsUnknownNote(x *ast.FieldExpr) {
	for _, ai := range c.probe.info.Attach {
		if ai.ArgsUnknown != "" {
			c.report(diag.Info, x.Field, CodeArgsUnknown, "args.%s is not checked: the arguments of %s are not known (%s)", x.Field.Name, describeAttach(ai), ai.ArgsUnknown)
			return
		}
	}
}

func describeAttach(ai *AttachInfo) string {
	if ai.Node != nil && ai.Node.Raw != "" {
		return ai.Node.Raw
	}
	return ai.Provider
}

// retvalType is the type of `retval`.
func (c *checker) retvalType(n ast.Node) types.Type {
	if c.probe == nil {
		return Unknown
	}
	for _, ai := range c.probe.info.Attach {
		if ai.Retval != nil {
			return ai.Retval
		}
	}
	for _, p := range c.probe.providers {
		if p == "kretprobe" || p == "uretprobe" {
			return types.Uint64
		}
	}
	return Unknown
}

// ctxType is the type of `ctx`.
func (c *checker) ctxType() types.Type {
	if c.probe == nil || len(c.probe.providers) == 0 {
		return &types.Pointer{Elem: Unknown, Space: types.AddrKernel}
	}
	var name string
	switch c.probe.providers[0] {
	case "kprobe", "kretprobe", "uprobe", "uretprobe", "usdt":
		name = "struct pt_regs"
	case "profile", "interval", "software", "hardware", "watchpoint":
		name = "struct bpf_perf_event_data"
	case "iter":
		for _, ai := range c.probe.info.Attach {
			if ai.Node != nil {
				for _, f := range ai.Node.Fields {
					if f.Role == probes.RoleIterator {
						name = "struct bpf_iter__" + f.Text
					}
				}
			}
		}
	}
	if name != "" && c.cfg.Kernel != nil {
		if t, ok := c.cfg.Kernel.Type(name); ok {
			return &types.Pointer{Elem: t, Space: types.AddrKernel}
		}
	}
	return &types.Pointer{Elem: Unknown, Space: types.AddrKernel}
}
