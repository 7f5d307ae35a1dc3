package check

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/kabi"
	"github.com/bt-tools/bt/analysis/types"
)

func isAggregationName(name string) bool {
	b, ok := builtins.Lookup(name)
	return ok && b.Kind == builtins.Aggregation
}

// isUserCallable reports whether a user macro or fn named name takes
// nargs arguments (user definitions win over builtins).
func (c *checker) isUserCallable(name string, nargs int) bool {
	if c.findMacro(name, nargs) != nil {
		return true
	}
	_, ok := c.fns[name]
	return ok
}

// findMacro finds the macro a call of name with nargs arguments
// expands: the script's, else the standard library's unless the script
// has a fn of that name.
func (c *checker) findMacro(name string, nargs int) *macroDef {
	for _, m := range c.macros[name] {
		if m.arity() == nargs {
			return m
		}
	}
	if _, isFn := c.fns[name]; isFn {
		return nil
	}
	for _, m := range c.libMacros[name] {
		if m.arity() == nargs {
			return m
		}
	}
	return nil
}

// macrosNamed are the macros a call of name may mean: the script's when
// it has any, else the library's.
func (c *checker) macrosNamed(name string) []*macroDef {
	if ms := c.macros[name]; len(ms) > 0 {
		return ms
	}
	if _, isFn := c.fns[name]; isFn {
		return nil
	}
	return c.libMacros[name]
}

// collectLibrary brings the standard library's macros into scope.
func (c *checker) collectLibrary() {
	for _, lm := range c.lib.Macros() {
		d := lm.Decl
		def := &macroDef{decl: d, file: lm.File.Source}
		def.sym = &Symbol{Kind: SymMacro, Name: d.Name.Name, Decl: d, File: lm.File.Source, Data: def}
		c.libMacros[d.Name.Name] = append(c.libMacros[d.Name.Name], def)
	}
}

// inLibrary reports whether the node being checked is the library's
// source (a macro of the library being expanded).
func (c *checker) inLibrary() bool {
	_, ok := c.lib.FileName(c.file)
	return ok
}

// call checks a call expression.
func (c *checker) call(x *ast.CallExpr) types.Type {
	if x.Fun == nil {
		for _, a := range x.Args {
			c.expr(a)
		}
		return nil
	}
	name := x.Fun.Name
	// Macro expression parameters cannot be called; user macros and fns
	// come before builtins.
	if m := c.findMacro(name, len(x.Args)); m != nil {
		return c.expandMacro(x, m)
	}
	if x.Bang {
		for _, a := range x.Args {
			c.expr(a)
		}
		if ms := c.macrosNamed(name); len(ms) > 0 {
			c.argCountError(x, ms)
			return nil
		}
		e := c.errorf(x.Fun, CodeUnknownMacro, "no macro named %s", name)
		c.suggestFix(e, x.Fun, name, c.macroNames())
		return nil
	}
	if fn := c.fns[name]; fn != nil {
		return c.callFn(x, fn)
	}
	if ms := c.macrosNamed(name); len(ms) > 0 {
		if _, isBuiltin := builtins.Lookup(name); !isBuiltin {
			for _, a := range x.Args {
				c.expr(a)
			}
			c.argCountError(x, ms)
			return nil
		}
	}
	if b, ok := builtins.Lookup(name); ok {
		if b.Kind == builtins.Aggregation {
			t := c.aggregation(x, nil)
			if c.aggValue[x] {
				// The value of a block assigned to a map.
				return t
			}
			if t != nil {
				c.errorf(x, CodeAggregationNotAssigned, "%s() must be assigned directly to a map, e.g. @x = %s(...)", name, name)
			}
			return nil
		}
		return c.builtinCall(x, b)
	}
	if c.cfg.C != nil {
		if f, ok := c.cfg.C.Func(name); ok {
			return c.callC(x, f)
		}
	}
	if c.inLibrary() {
		if f, ok := c.lib.C.Func(name); ok {
			if o := c.lib.ObjectOf(name); o != nil {
				c.libObjects[o] = true
			}
			return c.callC(x, f)
		}
	}
	for _, a := range x.Args {
		c.expr(a)
	}
	if (c.cfg.C == nil && c.hasCIncl) || c.cImportFailed {
		// Declared in C we cannot see, or in C that failed to import
		// (reported at the import).
		return Unknown
	}
	e := c.errorf(x, CodeUnknownFunction, "Unknown function: '%s'", name)
	var names []string
	for _, b := range builtins.Functions() {
		names = append(names, b.Name)
	}
	names = append(names, c.macroNames()...)
	for n := range c.fns {
		names = append(names, n)
	}
	if c.cfg.C != nil {
		names = append(names, c.cfg.C.Names()...)
	}
	c.suggestFix(e, x.Fun, name, names)
	return nil
}

// macroNames are the names of the macros a script may call.
func (c *checker) macroNames() []string {
	var out []string
	for n := range c.macros {
		out = append(out, n)
	}
	for n := range c.libMacros {
		if !isInternalLibraryName(n) {
			out = append(out, n)
		}
	}
	return out
}

// argCountError reports a call that matches none of the arities of the
// macros named like it.
func (c *checker) argCountError(x *ast.CallExpr, ms []*macroDef) {
	name := x.Fun.Name
	var arities []string
	for _, m := range ms {
		arities = append(arities, fmt.Sprint(m.arity()))
	}
	sort.Strings(arities)
	what := "macro " + name
	if _, lib := c.lib.FileName(ms[0].file); lib {
		what = name // the library's: users know it as a function
	}
	if len(ms) == 1 {
		e := c.errorf(x, CodeArgCount, "%s takes %d argument%s (%d given)", what, ms[0].arity(), plural(ms[0].arity()), len(x.Args))
		noteAt(e, ms[0].file, ms[0].decl.Name, "%s is defined here", name)
		return
	}
	e := c.errorf(x, CodeArgCount, "%s takes %s arguments (%d given)", what, joinOr(arities), len(x.Args))
	noteAt(e, ms[0].file, ms[0].decl.Name, "%s is defined here", name)
}

// ---------------------------------------------------------------------
// fn calls

func (c *checker) callFn(x *ast.CallExpr, fn *fnDef) types.Type {
	c.info.Calls[x] = &CallInfo{Kind: SymFn, Symbol: fn.sym}
	c.info.Uses[x.Fun] = fn.sym
	if len(x.Args) != len(fn.decl.Params) {
		for _, a := range x.Args {
			c.expr(a)
		}
		e := c.errorf(x, CodeArgCount, "function %s takes %d argument%s (%d given)", fn.decl.Name.Name, len(fn.decl.Params), plural(len(fn.decl.Params)), len(x.Args))
		noteAt(e, fn.file, fn.decl.Name, "%s is defined here", fn.decl.Name.Name)
		return fn.result
	}
	for i, a := range x.Args {
		t := c.expr(a)
		if t == nil || i >= len(fn.params) || fn.params[i] == nil {
			continue
		}
		p := fn.decl.Params[i]
		what := "argument " + fmt.Sprint(i+1)
		if p != nil && p.Var != nil {
			what = "$" + p.Var.Name
		}
		c.checkValueFits(a, t, fn.params[i], what)
	}
	return fn.result
}

// ---------------------------------------------------------------------
// C functions

func (c *checker) callC(x *ast.CallExpr, f *CFunc) types.Type {
	sym := &Symbol{Kind: SymCFunc, Name: f.Name, Type: f.Result, Loc: &f.Loc, Doc: f.Decl}
	c.info.Calls[x] = &CallInfo{Kind: SymCFunc, Symbol: sym}
	c.info.Uses[x.Fun] = sym
	n := len(f.Params)
	if len(x.Args) < n || (!f.Variadic && len(x.Args) > n) {
		for _, a := range x.Args {
			c.expr(a)
		}
		c.errorf(x, CodeArgCount, "C function %s takes %d argument%s (%d given)", f.Name, n, plural(n), len(x.Args))
		return resultOrUnknown(f.Result)
	}
	for i, a := range x.Args {
		c.cOutArg(a)
		t := c.expr(a)
		if i >= n || t == nil {
			continue
		}
		p := f.Params[i]
		what := fmt.Sprintf("argument %d of %s", i+1, f.Name)
		if p.Name != "" {
			what = fmt.Sprintf("argument %s of %s", p.Name, f.Name)
		}
		if pointeeWidthsDiffer(t, p.Type) {
			c.errorf(a, CodeArgType, "%s has type %s, which does not match %s: C would access the value with another width", what, typeName(t), typeName(p.Type))
			continue
		}
		c.checkValueFits(a, t, p.Type, what)
	}
	return resultOrUnknown(f.Result)
}

func resultOrUnknown(t types.Type) types.Type {
	if t == nil {
		return Unknown
	}
	return t
}

// ---------------------------------------------------------------------
// Builtin calls

// argInfo is one call argument prepared for overload resolution.
type argInfo struct {
	x    ast.Expr
	arg  builtins.Arg
	done bool // already checked as a value
}

// describeArgs checks the arguments of a builtin call and describes
// them for overload resolution. Whole maps are kept as maps (not read as
// scalars) and bare identifiers that name no value as identifiers.
func (c *checker) describeArgs(args []ast.Expr, b *builtins.Builtin) []argInfo {
	out := make([]argInfo, len(args))
	for i, a := range args {
		ai := argInfo{x: a}
		switch y := ast.Unparen(a).(type) {
		case *ast.MapExpr:
			ai.arg.Form = builtins.ArgMap
		case *ast.Ident:
			if c.identIsValue(y) {
				ai.arg.Form = builtins.ArgExpr
				ai.arg.Type = c.expr(a)
				ai.done = true
			} else {
				ai.arg.Form = builtins.ArgIdent
				ai.arg.Str = y.Name
			}
		case *ast.TypeofExpr:
			// typeof(...) names a type (container_of(p, typeof(struct
			// foo), member)).
			ai.arg.Form = builtins.ArgType
			ai.arg.Type = c.expr(a)
			ai.done = true
		case *ast.Variable:
			ai.arg.Form = builtins.ArgVariable
			ai.arg.Type = c.varTypeForArg(y, b)
			ai.done = true
		case *ast.MapAccess:
			ai.arg.Form = builtins.ArgMapElem
			ai.arg.Type = c.expr(a)
			ai.done = true
		default:
			ai.arg.Type = c.expr(a)
			ai.done = true
		}
		if ai.done {
			c.describeLiteral(a, &ai.arg)
			if hasUnknown(ai.arg.Type) {
				// Unknown types match every value pattern.
				ai.arg.Type = nil
			}
		}
		out[i] = ai
	}
	return out
}

// varTypeForArg reads a variable argument; the result variable of find()
// may be declared (let) without a value yet.
func (c *checker) varTypeForArg(v *ast.Variable, b *builtins.Builtin) types.Type {
	if b != nil && b.Name == "find" {
		sym, _ := c.lookupVar(v.Name)
		if sym != nil {
			c.info.Uses[v] = sym
			if sym.Type != nil {
				c.info.Types[v] = sym.Type
			}
			return sym.Type
		}
	}
	return c.expr(v)
}

func (c *checker) describeLiteral(a ast.Expr, arg *builtins.Arg) {
	if src, _ := c.argSource(a); src != a {
		if v, ok := c.constOf(src); ok {
			c.info.Consts[a] = v
		}
		a = src
	}
	switch y := ast.Unparen(a).(type) {
	case *ast.StringLit:
		arg.Literal, arg.Str = true, y.Value
		return
	case *ast.BoolLit:
		arg.Literal = true
		return
	case *ast.PositionalParam:
		// Known when the script is compiled.
		arg.Literal = true
		if !c.cfg.HasPositional {
			arg.ValueUnknown = true
		} else if s, ok := c.info.Strings[y]; ok {
			arg.Str = s
		} else if v, ok := c.constOf(y); ok {
			arg.Int, arg.Neg = uint64(v), v < 0
			if v < 0 {
				arg.Int = uint64(-v)
			}
		}
		return
	}
	if s, ok := c.constString(a); ok {
		arg.Literal, arg.Str = true, s
		return
	}
	if v, ok := c.constOf(a); ok && isInt(arg.Type) && isLiteralExpr(a) {
		arg.Literal = true
		if v < 0 {
			arg.Int, arg.Neg = uint64(-v), true
		} else {
			arg.Int = uint64(v)
		}
	} else if ok && isInt(arg.Type) {
		// Other compile-time constants (sizeof, defines, folded casts)
		// count as literals too.
		arg.Literal = true
		if v < 0 {
			arg.Int, arg.Neg = uint64(-v), true
		} else {
			arg.Int = uint64(v)
		}
	}
}

// identIsValue reports whether a bare identifier names a value.
func (c *checker) identIsValue(id *ast.Ident) bool {
	name := id.Name
	if c.macro != nil {
		if _, ok := c.macro.exprs[name]; ok {
			return true
		}
	}
	if c.findMacro(name, 0) != nil || c.defines[name] != nil {
		return true
	}
	if b, ok := builtins.Lookup(name); ok && b.HasBare() {
		return true
	}
	if c.cfg.C != nil {
		if _, ok := c.cfg.C.Define(name); ok {
			return true
		}
	}
	if ke, ok := c.cfg.Kernel.(KernelEnums); ok && c.cfg.Kernel != nil {
		if _, _, ok := ke.EnumValue(name); ok {
			return true
		}
	}
	if _, ok := kabi.Lookup(name); ok && c.hasCIncl {
		return true
	}
	return c.lenientIdent(name)
}

func (c *checker) builtinCall(x *ast.CallExpr, b *builtins.Builtin) types.Type {
	c.checkBuiltinUse(x, x.Fun, b)
	if b.Name == "delete" {
		c.checkCMapDelete(x)
	}
	if b.Name == "delete" && len(x.Args) == 1 {
		if me, ok := ast.Unparen(x.Args[0]).(*ast.MapExpr); ok {
			// delete(@scalar) removes a scalar map's value.
			m := c.useMapWhole(me)
			if m != nil && m.firstUse != nil && !m.firstScalar {
				c.errorf(x, CodeArgCount, "delete() with one argument needs a map without keys; %s has keys, so pass one: delete(%s, key)", m.name, m.name)
			}
			c.info.Calls[x] = &CallInfo{Kind: SymBuiltin, Variant: -1, Symbol: builtinSymbol(b)}
			c.info.Uses[x.Fun] = builtinSymbol(b)
			return types.Bool{}
		}
	}
	args, sig, binding, err := c.resolveBuiltin(x, b)
	if err != nil {
		c.reportResolve(x, b, args, err)
		return c.fallbackResult(b)
	}
	vi := variantIndex(b, sig)
	c.info.Calls[x] = &CallInfo{Kind: SymBuiltin, Variant: vi, Symbol: builtinSymbol(b)}
	c.info.Uses[x.Fun] = builtinSymbol(b)
	if sig.Deprecated != "" {
		e := c.warnf(x, CodeLegacyCall, "%s is an old form of %s; write %s", string(c.textOf(x)), b.Name, sig.Deprecated)
		c.legacyDeleteFix(e, x)
	}
	return c.builtinResult(x, b, sig, binding, args)
}

func argsOf(in []argInfo) []builtins.Arg {
	out := make([]builtins.Arg, len(in))
	for i, a := range in {
		out[i] = a.arg
	}
	return out
}

func variantIndex(b *builtins.Builtin, s *builtins.Signature) int {
	for i := range b.Variants {
		if &b.Variants[i] == s {
			return i
		}
	}
	return -1
}

// builtinSyms holds one Symbol per builtin, made once and only read
// afterwards (Check runs concurrently in the language server).
var builtinSyms = func() map[*builtins.Builtin]*Symbol {
	m := map[*builtins.Builtin]*Symbol{}
	for _, b := range builtins.All() {
		m[b] = &Symbol{Kind: SymBuiltin, Name: b.Name, Doc: b.Doc, Data: b}
	}
	return m
}()

func builtinSymbol(b *builtins.Builtin) *Symbol {
	if s, ok := builtinSyms[b]; ok {
		return s
	}
	return &Symbol{Kind: SymBuiltin, Name: b.Name, Doc: b.Doc, Data: b}
}

func (c *checker) fallbackResult(b *builtins.Builtin) types.Type {
	for _, v := range b.Variants {
		if v.Bare {
			continue
		}
		if v.Result.Pattern == builtins.Concrete && v.Result.Type != nil {
			return v.Result.Type
		}
		return nil
	}
	return nil
}

func (c *checker) reportResolve(x *ast.CallExpr, b *builtins.Builtin, args []argInfo, err error) {
	var ae *builtins.ArgError
	if errors.As(err, &ae) && ae.Index >= 0 && ae.Index < len(args) {
		a := args[ae.Index]
		if a.arg.Type == nil && a.arg.Form != builtins.ArgMap && a.arg.Form != builtins.ArgIdent && !a.arg.Literal {
			// The argument's own error was reported already.
			if _, isLit := ast.Unparen(a.x).(*ast.StringLit); !isLit {
				return
			}
		}
		code := CodeArgType
		if pp, ok := ast.Unparen(a.x).(*ast.PositionalParam); ok && !pp.Count {
			want := ae.Param.Type.Pattern
			if want == builtins.String || want == builtins.StringLike || want == builtins.StringLit {
				e := c.errorf(a.x, code, "%s(): %v", b.Name, ae)
				e.Hint = fmt.Sprintf("use str($%d) to read positional parameter $%d as a string", pp.N, pp.N)
				return
			}
		}
		if a.arg.Form == builtins.ArgIdent {
			if ae.Param.Type.Pattern != builtins.Ident && ae.Param.Type.Pattern != builtins.FieldPath && ae.Param.Type.Pattern != builtins.TypeName {
				c.unknownIdent(ast.Unparen(a.x).(*ast.Ident))
				return
			}
		}
		if ae.Param.Type.Pattern == builtins.IntLit || ae.Param.Type.Pattern == builtins.StringLit ||
			ae.Param.Type.Pattern == builtins.FormatString || ae.Param.Type.Pattern == builtins.Literal {
			code = CodeNotConstant
			if a.arg.Literal {
				code = CodeArgType
			}
		}
		e := c.errorf(a.x, code, "%s(): %v", b.Name, ae)
		if len(ae.Param.Choices) > 0 && a.arg.Form == builtins.ArgIdent {
			c.suggestFix(e, a.x, a.arg.Str, ae.Param.Choices)
		}
		return
	}
	c.errorf(x, CodeArgCount, "%v", err)
}

// builtinResult derives the result type of a resolved builtin call and
// applies the checks that depend on the pattern.
func (c *checker) builtinResult(x *ast.CallExpr, b *builtins.Builtin, sig *builtins.Signature, binding []int, args []argInfo) types.Type {
	argFor := func(param int) *argInfo {
		for i, p := range binding {
			if p == param {
				return &args[i]
			}
		}
		return nil
	}
	// Per-parameter checks.
	var mapArg *mapState
	for i, pi := range binding {
		if pi < 0 || pi >= len(sig.Params) {
			continue
		}
		p := sig.Params[pi]
		a := &args[i]
		switch p.Type.Pattern {
		case builtins.Map:
			if me, ok := ast.Unparen(a.x).(*ast.MapExpr); ok {
				mapArg = c.maps[c.mapAlias(mapName(me))]
			}
		case builtins.MapKey:
			if mapArg != nil {
				if mapArg.firstScalar && mapArg.firstUse != nil {
					c.errorf(x, CodeMapScalarKeyed, "call to %s() expects a map with explicit keys (non-scalar map)", b.Name)
				} else if a.arg.Type != nil {
					c.joinKey(mapArg, keyOf(a.arg.Type), a.x)
				}
			}
		case builtins.MapValueVar:
			if v, ok := ast.Unparen(a.x).(*ast.Variable); ok && mapArg != nil && mapArg.value != nil {
				sym, _ := c.lookupVar(v.Name)
				if sym == nil {
					c.errorf(v, CodeUndefinedVariable, "variable $%s must be declared before find() stores into it (let $%s;)", v.Name, v.Name)
				} else {
					c.assigned[sym] = true
					c.assignVar(sym, mapArg.value, a.x)
					if sym.Type != nil {
						c.info.Types[v] = sym.Type
					}
				}
			}
		case builtins.MapElem:
			// delete(@m[k]) handled by the map access itself.
		case builtins.FormatString:
			c.checkFormat(x, b, i, args)
		}
	}
	switch b.Name {
	case "str":
		// str() of a constant string is that string, a literal; str($N)
		// is the parameter's text even when it is a number.
		if len(args) == 1 {
			if s, ok := c.constString(args[0].x); ok {
				c.info.Strings[x] = s
			} else if p, ok := ast.Unparen(args[0].x).(*ast.PositionalParam); ok && !p.Count && c.cfg.HasPositional {
				val := ""
				if p.N >= 1 && p.N <= len(c.cfg.Positional) {
					val = c.cfg.Positional[p.N-1]
				}
				c.info.Strings[x] = val
			}
		}
	case "is_integer", "is_unsigned_integer", "is_ptr", "is_str", "is_array", "is_literal":
		if len(args) == 1 {
			if v, ok := c.typePredicate(b.Name, args[0]); ok {
				c.info.Consts[x] = v
			}
		}
	case "is_scalar":
		if mapArg != nil {
			switch {
			case mapArg.firstUse != nil && mapArg.firstScalar:
				c.info.Consts[x] = 1
			case mapArg.firstUse != nil || mapArg.key != nil:
				c.info.Consts[x] = 0
			}
		}
	case "print":
		c.checkPrint(x, args)
	case "len":
		if mapArg != nil && mapArg.firstScalar && mapArg.firstUse != nil {
			c.errorf(x, CodeMapScalarKeyed, "call to len() expects a map with explicit keys (non-scalar map)")
		}
	case "getopt":
		c.params.useGetopt(c, x, args)
	case "strftime":
		if len(args) > 1 {
			if call, ok := ast.Unparen(args[1].x).(*ast.CallExpr); ok && call.Fun != nil && call.Fun.Name == "nsecs" && len(call.Args) == 1 {
				if id, ok := ast.Unparen(call.Args[0]).(*ast.Ident); ok && id.Name == "monotonic" {
					c.errorf(args[1].x, CodeArgType, "strftime() cannot format a monotonic timestamp; use nsecs(tai) or nsecs(boot)")
				}
			}
			if v, ok := c.constOf(args[1].x); ok && v < 0 {
				c.errorf(args[1].x, CodeArgType, "strftime() cannot format a negative timestamp")
			}
		}
	case "pton":
		if len(args) == 1 {
			if lit, ok := ast.Unparen(args[0].x).(*ast.StringLit); ok && net.ParseIP(lit.Value) == nil {
				c.errorf(args[0].x, CodeArgType, "pton(): %q is not an IPv4 or IPv6 address", lit.Value)
			} else if ok && strings.Contains(lit.Value, ":") {
				// the family is the text's: an IPv6 address is 16 bytes
				return &types.Array{Elem: types.Uint8, Len: 16}
			}
		}
	case "signal", "signal_thread":
		if len(args) == 1 {
			if lit, ok := ast.Unparen(args[0].x).(*ast.StringLit); ok {
				if _, ok := builtins.SignalNumber(lit.Value); !ok {
					d := c.errorf(args[0].x, CodeArgType, "Invalid string for signal: %s", lit.Value)
					d.Hint = "name a signal such as \"SIGKILL\" or \"TERM\", or give its number (1-64)"
				}
			}
		}
	case "fail":
		if c.paramCond == 0 {
			c.failCall(x, args)
		}
	case "lhist":
	case "exit":
		if len(args) == 1 && args[0].arg.Type != nil && !isInt(args[0].arg.Type) && known(args[0].arg.Type) {
			c.errorf(args[0].x, CodeArgType, "exit(): the code must be an integer, not %s", typeName(args[0].arg.Type))
		}
	}
	return c.resultType(x, b, sig, argFor)
}

// hasUnknown reports whether t is Unknown or a pointer to Unknown
// (what the builtins' patterns cannot judge).
func hasUnknown(t types.Type) bool {
	for i := 0; t != nil && i < 8; i++ {
		if IsUnknown(t) {
			return true
		}
		p := ptrOf(t)
		if p == nil {
			return false
		}
		t = p.Elem
	}
	return false
}

// keyOf turns a key argument type into a map key type (castable
// aggregations read as integers).
func keyOf(t types.Type) types.Type {
	if castableAgg(t) {
		return aggInt(aggOf(t))
	}
	return t
}

func (c *checker) mapAlias(name string) string {
	if c.macro != nil {
		if a, ok := c.macro.maps[name]; ok {
			return a
		}
	}
	return name
}

// useMapWhole records a use of a whole map (print(@m), clear(@m)).
func (c *checker) useMapWhole(me *ast.MapExpr) *mapState {
	name := mapName(me)
	if c.macro != nil {
		alias, ok := c.macro.maps[name]
		if !ok {
			c.errorf(me, CodeMacroUnhygienic, "macro %s cannot use map %s: pass it as a @map parameter", c.macro.def.decl.Name.Name, name)
			return nil
		}
		name = alias
	}
	m := c.maps[name]
	if m == nil {
		m = c.mapOf(name)
	}
	c.mapUsed[name] = true
	c.info.Uses[me] = m.sym
	if !m.written && m.decl == nil && !c.writtenMaps[name] {
		e := c.errorf(me, CodeUndefinedMap, "map %s is never assigned", name)
		var names []string
		for _, o := range c.mapOrder {
			if o != m && (o.written || o.decl != nil) {
				names = append(names, o.name)
			}
		}
		c.suggestFix(e, me, name, names)
	}
	return m
}

func (c *checker) checkPrint(x *ast.CallExpr, args []argInfo) {
	if len(args) == 0 {
		return
	}
	a := args[0]
	if a.arg.Form == builtins.ArgMap {
		if len(args) > 1 {
			if me, ok := ast.Unparen(a.x).(*ast.MapExpr); ok {
				if m := c.maps[c.mapAlias(mapName(me))]; m != nil {
					if ag := aggOf(m.value); ag != nil && ag.Kind == types.AggStats {
						c.warnf(x, CodeIgnoredArgs, "print()'s top and div arguments are ignored for stats() maps")
					}
				}
			}
		}
		return
	}
	t := a.arg.Type
	if t == nil {
		return
	}
	switch t.(type) {
	case types.Void:
		c.errorf(a.x, CodeNoValue, "print(): this expression has no value to print")
	case *types.Aggregation:
		if !castableAgg(t) {
			c.errorf(a.x, CodeArgType, "print(): a single %s value cannot be printed; print the whole map instead", typeName(t))
		}
	}
}

// resultType derives a builtin's result from its signature's pattern.
func (c *checker) resultType(x ast.Node, b *builtins.Builtin, sig *builtins.Signature, argFor func(int) *argInfo) types.Type {
	r := sig.Result
	argType := func(i int) types.Type {
		if a := argFor(i); a != nil {
			return a.arg.Type
		}
		return nil
	}
	argConst := func(i int) (int64, bool) {
		if a := argFor(i); a != nil {
			if v, ok := c.constOf(a.x); ok {
				return v, true
			}
		}
		return 0, false
	}
	switch r.Pattern {
	case builtins.Concrete:
		if r.Type == nil {
			return types.Void{}
		}
		return r.Type
	case builtins.SameAs:
		t := argType(r.Arg)
		if p := ptrOf(t); p != nil && r.Space != types.AddrNone {
			return &types.Pointer{Elem: p.Elem, Space: r.Space}
		}
		if t != nil && isInt(t) && r.Space != types.AddrNone {
			return t
		}
		return t
	case builtins.StrFromArg:
		if v, ok := argConst(r.Arg); ok {
			if v < 0 {
				c.errorf(argFor(r.Arg).x, CodeArgType, "%s(): the length cannot be negative (%d)", b.Name, v)
				return nil
			}
			n := int(v) + r.Len
			if n > c.maxStr || v > int64(c.maxStr) {
				n = c.maxStr
			}
			return &types.String{Len: n}
		}
		if b.Name == "str" {
			if a := argFor(0); a != nil {
				if s, ok := types.Underlying(a.arg.Type).(*types.String); ok && s.Len < c.maxStr {
					return &types.String{Len: s.Len}
				}
			}
		}
		return &types.String{Len: c.maxStr}
	case builtins.BufFromArg:
		limit := c.maxStr
		if v, ok := argConst(r.Arg); ok {
			if v < 0 {
				c.errorf(argFor(r.Arg).x, CodeArgType, "%s(): the length cannot be negative (%d)", b.Name, v)
				return nil
			}
			if int(v) < limit {
				limit = int(v)
			}
			return &types.Buffer{Len: limit}
		}
		if argFor(r.Arg) == nil {
			t := argType(0)
			switch u := types.Underlying(t).(type) {
			case *types.Array:
				return &types.Buffer{Len: min(u.Size(), limit)}
			case *types.String:
				c.errorf(x, CodeArgCount, "%s() needs a length for a %s argument", b.Name, typeName(t))
				return nil
			case nil:
				return nil
			}
			if known(t) {
				c.errorf(x, CodeArgCount, "%s() needs a length for a %s argument", b.Name, typeName(t))
				return nil
			}
		}
		return &types.Buffer{Len: limit}
	case builtins.MaxString:
		return &types.String{Len: c.maxStr}
	case builtins.ConstString:
		return &types.String{Len: c.probeNameLen(b.Name)}
	case builtins.KStack, builtins.UStack:
		st := &types.Stack{User: r.Pattern == builtins.UStack, Mode: c.stackMod, Limit: 127}
		if a := argFor(0); a != nil && a.arg.Form == builtins.ArgIdent {
			st.Mode = a.arg.Str
		}
		for i := 0; i < 2; i++ {
			if a := argFor(i); a != nil && a.arg.Form != builtins.ArgIdent {
				if v, ok := c.constOf(a.x); ok {
					st.Limit = int(v)
				}
			}
		}
		st.Format = st.Mode
		return st
	case builtins.ProbeArgs:
		return c.argsType(x)
	case builtins.ProbeRetval:
		return c.retvalType(x)
	case builtins.ProbeFunc:
		if c.probe != nil {
			user := false
			for _, p := range c.probe.providers {
				if p == "uprobe" || p == "uretprobe" {
					user = true
				}
			}
			if user {
				return &types.Opaque{Kind: types.Usym, Bytes: 16}
			}
		}
		return &types.Opaque{Kind: types.Ksym, Bytes: 8}
	case builtins.ProbeCtx:
		return c.ctxType()
	case builtins.StructPtr:
		return &types.Pointer{Elem: c.kernelStruct(r.Name), Space: types.AddrKernel}
	case builtins.UserSymPtr:
		return &types.Pointer{Elem: types.Uint64, Space: types.AddrUser}
	case builtins.ConfigRecord:
		names, elems := builtins.ConfigRecordFields()
		out := &types.Record{Names: names, Elems: make([]types.Type, len(elems))}
		for i, e := range elems {
			if s, ok := e.(*types.String); ok && s.Len == 0 {
				e = &types.String{Len: 64}
			}
			out.Elems[i] = e
		}
		return out
	case builtins.LiteralType:
		if a := argFor(r.Arg); a != nil {
			switch {
			case isBool(a.arg.Type):
				return types.Bool{}
			case isString(a.arg.Type):
				return &types.String{Len: c.maxStr}
			case a.arg.Neg:
				return types.Int64
			}
		}
		return types.Uint64
	case builtins.PtrToTypeArg:
		if a := argFor(r.Arg); a != nil && a.arg.Type != nil {
			// A pointer into the memory the first argument points to
			// (container_of of a user pointer is a user pointer).
			space := types.AddrKernel
			if p := argFor(0); p != nil {
				if pt, ok := types.Underlying(p.arg.Type).(*types.Pointer); ok && pt.Space != types.AddrNone {
					space = pt.Space
				}
			}
			return &types.Pointer{Elem: a.arg.Type, Space: space}
		}
		return Unknown
	case builtins.TypeResult:
		return argType(r.Arg)
	case builtins.TypeinfoRecord:
		return &types.Record{Names: []string{"btf_id", "base_type", "full_type"},
			Elems: []types.Type{types.Uint64, &types.String{Len: 64}, &types.String{Len: 64}}}
	}
	return Unknown
}

// kernelStruct is the struct name of a builtin such as curtask: the script's C
// definition, else the kernel's; Unknown without either.
func (c *checker) kernelStruct(name string) types.Type {
	// The script's own definition of the struct wins over the kernel's,
	// as the name resolves in bpftrace (and in namedType).
	if t, ok := c.cType("struct " + name); ok {
		return t
	}
	if c.cfg.Kernel != nil {
		if t, ok := c.cfg.Kernel.Type("struct " + name); ok && t != nil {
			return t
		}
	}
	return Unknown
}

// ProbeTypeName is the value of the probetype builtin in a probe of the
// provider: its canonical name, "special" for the probes the runtime
// runs itself (begin, end, self, test, bench).
func ProbeTypeName(provider string) string {
	switch provider {
	case "begin", "end", "self", "test", "bench":
		return "special"
	}
	return provider
}

// probeNameLen sizes the constant string of `probe` and `probetype`.
func (c *checker) probeNameLen(builtin string) int {
	if c.probe == nil {
		return 64
	}
	n := 1
	for _, ai := range c.probe.info.Attach {
		var s string
		if builtin == "probetype" {
			s = ProbeTypeName(ai.Provider)
		} else {
			s = canonicalProbeName(ai)
			if len(ai.Targets) > 0 {
				for _, t := range ai.Targets {
					n = max(n, len(t)+1)
				}
				continue
			}
		}
		n = max(n, len(s)+1)
	}
	return n
}

func canonicalProbeName(ai *AttachInfo) string {
	if ai.Node == nil {
		return ai.Provider
	}
	parts := []string{ai.Provider}
	for i, f := range ai.Node.Fields {
		if i == 0 {
			continue
		}
		parts = append(parts, f.Text)
	}
	return strings.Join(parts, ":")
}

// ---------------------------------------------------------------------
// Aggregations

// resolveBuiltin describes a call's arguments and picks the builtin's
// overload. A whole map that no overload takes as a map is retried as
// its (scalar) value. Whole-map arguments are recorded as uses.
func (c *checker) resolveBuiltin(x *ast.CallExpr, b *builtins.Builtin) ([]argInfo, *builtins.Signature, []int, error) {
	args := c.describeArgs(x.Args, b)
	sig, binding, err := b.Resolve(argsOf(args))
	if err != nil {
		retried := false
		for i := range args {
			if args[i].arg.Form == builtins.ArgMap && c.maybeScalar(args[i].x) {
				args[i].arg.Form = builtins.ArgExpr
				args[i].arg.Type = c.expr(args[i].x)
				if hasUnknown(args[i].arg.Type) {
					args[i].arg.Type = nil
				}
				args[i].done = true
				retried = true
			}
		}
		if retried {
			sig, binding, err = b.Resolve(argsOf(args))
		}
	}
	for _, a := range args {
		if !a.done {
			if me, ok := ast.Unparen(a.x).(*ast.MapExpr); ok && a.arg.Form == builtins.ArgMap {
				m := c.useMapWhole(me)
				if m != nil && m.value != nil {
					c.info.Types[a.x] = &types.Map{Key: m.keyType(), Value: m.value}
				}
			}
		}
	}
	return args, sig, binding, err
}

// maybeScalar reports whether a whole-map argument may be read as a
// scalar map's value (its first use had no key, or it has none yet).
func (c *checker) maybeScalar(x ast.Expr) bool {
	me, ok := ast.Unparen(x).(*ast.MapExpr)
	if !ok {
		return false
	}
	m := c.maps[c.mapAlias(mapName(me))]
	return m == nil || m.firstUse == nil || m.firstScalar
}

// aggregation checks an aggregation call (count(), hist(x), ...) whose
// value is stored in map m (nil when it is not assigned to a map).
func (c *checker) aggregation(x *ast.CallExpr, m *mapState) types.Type {
	b, _ := builtins.Lookup(x.Fun.Name)
	c.checkBuiltinUse(x, x.Fun, b)
	args, sig, _, err := c.resolveBuiltin(x, b)
	if err != nil {
		c.reportResolve(x, b, args, err)
		return nil
	}
	c.info.Calls[x] = &CallInfo{Kind: SymBuiltin, Variant: variantIndex(b, sig), Symbol: builtinSymbol(b)}
	c.info.Uses[x.Fun] = builtinSymbol(b)
	proto, ok := sig.Result.Type.(*types.Aggregation)
	if !ok {
		return nil
	}
	out := &types.Aggregation{Kind: proto.Kind}
	switch proto.Kind {
	case types.AggSum, types.AggMin, types.AggMax, types.AggAvg, types.AggStats:
		if len(args) > 0 {
			if i := valueInt(args[0].arg.Type); i != nil {
				signed := i.Signed && !isFlex(args[0].arg.Type)
				out.Elem = mkInt(64, signed)
			}
		}
	case types.AggHist, types.AggLhist, types.AggTseries:
		if len(args) > 0 {
			if i := valueInt(args[0].arg.Type); i != nil {
				out.Elem = mkInt(64, i.Signed && !isFlex(args[0].arg.Type))
			}
		}
		for _, a := range args[1:] {
			if v, ok := c.constOf(a.x); ok {
				out.Args = append(out.Args, v)
			}
		}
		if proto.Kind == types.AggHist && len(out.Args) == 0 {
			out.Args = []int64{0}
		}
		if proto.Kind == types.AggLhist && len(out.Args) == 3 {
			lo, hi, step := out.Args[0], out.Args[1], out.Args[2]
			switch {
			case lo >= hi:
				c.errorf(x, CodeArgType, "lhist(): min (%d) must be less than max (%d)", lo, hi)
			case step > 0 && (hi-lo)/step > 1000:
				c.errorf(x, CodeArgType, "lhist(): too many buckets ((max-min)/step is %d; at most 1000)", (hi-lo)/step)
			}
		}
	}
	if len(args) > 0 && args[0].arg.Type != nil && known(args[0].arg.Type) && valueInt(args[0].arg.Type) == nil && proto.Kind != types.AggCount {
		// Resolve accepted an unknown type only.
		return out
	}
	return out
}

// failCall reports fail("format", literals...): a compile-time error
// with the formatted message, as bpftrace reports it.
func (c *checker) failCall(x *ast.CallExpr, args []argInfo) {
	if len(args) == 0 {
		return
	}
	src, _ := c.argSource(args[0].x)
	lit, ok := ast.Unparen(src).(*ast.StringLit)
	if !ok {
		return
	}
	var vals []any
	for _, a := range args[1:] {
		s, _ := c.argSource(a.x)
		switch y := ast.Unparen(s).(type) {
		case *ast.StringLit:
			vals = append(vals, y.Value)
		case *ast.BoolLit:
			vals = append(vals, y.Value)
		default:
			if v, ok := c.constOf(a.x); ok {
				vals = append(vals, v)
			} else {
				vals = append(vals, "?")
			}
		}
	}
	msg := lit.Value
	if len(vals) > 0 {
		msg = fmt.Sprintf(goFormat(lit.Value), vals...)
	}
	c.errorf(x, CodeFail, "%s", strings.TrimRight(msg, "\n"))
}

// goFormat turns a bpftrace format into one Go's fmt accepts for the
// values failCall passes (length modifiers dropped, %u as %d).
func goFormat(f string) string {
	verbs, _ := builtins.ParseFormat(f)
	var sb strings.Builder
	last := 0
	for _, v := range verbs {
		sb.WriteString(f[last:v.Start])
		conv := v.Conv
		switch conv {
		case "u", "i":
			conv = "d"
		case "s", "d", "x", "X", "o", "c", "p":
		default:
			conv = "v"
		}
		sb.WriteString("%" + v.Flags + v.Width)
		if v.Precision != "" {
			sb.WriteString("." + v.Precision)
		}
		sb.WriteString(conv)
		last = v.End
	}
	sb.WriteString(f[last:])
	return sb.String()
}

// typePredicates are the compile-time tests of a value's static type
// (is_integer(x) and the like), decided here for comptime and the
// compiler alike.
var typePredicates = map[string]func(types.Type) bool{
	"is_integer": types.IsInteger,
	"is_unsigned_integer": func(t types.Type) bool {
		switch u := types.Underlying(t).(type) {
		case *types.Int:
			return !u.Signed
		case *types.Enum:
			return !u.Signed
		}
		return false
	},
	"is_ptr":   types.IsPointer,
	"is_str":   func(t types.Type) bool { _, ok := types.Underlying(t).(*types.String); return ok },
	"is_array": func(t types.Type) bool { _, ok := types.Underlying(t).(*types.Array); return ok },
}

// typePredicate decides a type test of a when its type is known, and
// is_literal(a) by what the caller wrote (through macro parameters).
func (c *checker) typePredicate(name string, a argInfo) (int64, bool) {
	if name == "is_literal" {
		src, _ := c.argSource(a.x)
		switch ast.Unparen(src).(type) {
		case *ast.IntLit, *ast.StringLit, *ast.BoolLit:
			return 1, true
		}
		return 0, true
	}
	t := a.arg.Type
	if t == nil || hasUnknown(t) {
		return 0, false
	}
	if typePredicates[name](t) {
		return 1, true
	}
	return 0, true
}
