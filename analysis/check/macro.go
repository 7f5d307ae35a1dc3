package check

import (
	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// expansion is one macro call being checked: the macro's body,
// instantiated for this call site, sees only its own variables and what
// the call passes in.
type expansion struct {
	def      *macroDef
	call     ast.Node // *ast.CallExpr, or *ast.Ident for a bare call
	callFile *source.File
	parent   *expansion
	vars     map[string]*varAlias    // $param (without '$') -> caller variable
	maps     map[string]string       // @param -> caller map name (with '@')
	exprs    map[string]*macroArgRef // param -> caller expression
	// callerScope is the scope of the call site.
	callerScope *scope
}

// varAlias is a caller variable bound to a $parameter.
type varAlias struct {
	name  string        // the caller's variable name, without '$'
	scope *scope        // where the caller's variable lives (or will)
	node  *ast.Variable // the argument, for a variable declared by the macro
}

// macroArgRef is a caller expression bound to an expression parameter,
// checked in the caller's context wherever the parameter is used.
type macroArgRef struct {
	x     ast.Expr
	scope *scope
	macro *expansion
	file  *source.File
	used  bool
	// asType: the parameter was used as a type (typeof's argument), which
	// checks the argument as a type, not as the value used needs.
	asType bool
	// t and konst cache the argument's type and constant value: a
	// parameter used many times (and nested calls like a(a(a(x)))) is
	// checked once per expansion.
	t      types.Type
	konst  int64
	isCnst bool
}

const maxMacroDepth = 64

// maxExpansions bounds the macro expansions of one walk (macros calling
// macros several times grow exponentially).
const maxExpansions = 4096

func (c *checker) expandMacro(call ast.Node, def *macroDef) types.Type {
	var args []ast.Expr
	var fun *ast.Ident
	switch x := call.(type) {
	case *ast.CallExpr:
		args, fun = x.Args, x.Fun
	case *ast.Ident:
		fun = x
	}
	if fun != nil {
		c.info.Uses[fun] = def.sym
	}
	depth := 0
	for e := c.macro; e != nil; e = e.parent {
		depth++
		if e.def == def {
			d := c.errorf(call, CodeMacroRecursion, "macro %s calls itself (recursion is not allowed)", def.decl.Name.Name)
			noteAt(d, def.file, def.decl.Name, "%s is defined here", def.decl.Name.Name)
			for _, a := range args {
				c.expr(a)
			}
			return nil
		}
	}
	if depth > maxMacroDepth {
		c.errorf(call, CodeMacroRecursion, "macro expansion nested too deeply")
		return nil
	}
	c.expansions++
	if c.expansions > maxExpansions {
		if c.expansions == maxExpansions+1 {
			c.errorf(call, CodeMacroRecursion, "too many macro expansions (more than %d): the expanded program would be too large", maxExpansions)
		}
		for _, a := range args {
			c.expr(a)
		}
		return nil
	}
	exp := &expansion{
		def: def, call: call, callFile: c.file, parent: c.macro, callerScope: c.scope,
		vars: map[string]*varAlias{}, maps: map[string]string{}, exprs: map[string]*macroArgRef{},
	}
	ok := true
	for i, p := range def.decl.Params {
		if i >= len(args) {
			break
		}
		a := args[i]
		switch p := p.(type) {
		case *ast.Variable:
			v, isVar := ast.Unparen(a).(*ast.Variable)
			if !isVar {
				c.expr(a)
				e := c.errorf(a, CodeMacroParamKind, "macro %s expects a $variable for parameter $%s", def.decl.Name.Name, p.Name)
				noteAt(e, def.file, p, "parameter declared here")
				ok = false
				continue
			}
			alias := &varAlias{name: v.Name, scope: c.scope, node: v}
			if c.macro != nil {
				if outer, isAlias := c.macro.vars[v.Name]; isAlias && (c.scope == nil || c.scope.lookup(v.Name) == nil) {
					alias = &varAlias{name: outer.name, scope: outer.scope, node: outer.node}
				}
			}
			if sym := alias.scope.lookup(alias.name); sym != nil {
				c.info.Uses[v] = sym
				if sym.Type != nil {
					c.info.Types[v] = sym.Type
				}
			}
			exp.vars[p.Name] = alias
		case *ast.MapExpr:
			me, isMap := ast.Unparen(a).(*ast.MapExpr)
			if !isMap {
				c.expr(a)
				e := c.errorf(a, CodeMacroParamKind, "macro %s expects a @map for parameter @%s", def.decl.Name.Name, p.Name)
				noteAt(e, def.file, p, "parameter declared here")
				ok = false
				continue
			}
			name := c.mapAlias(mapName(me))
			if c.macro != nil {
				if _, known := c.macro.maps[mapName(me)]; !known {
					c.errorf(me, CodeMacroUnhygienic, "macro %s cannot use map %s: pass it as a @map parameter", c.macro.def.decl.Name.Name, mapName(me))
					ok = false
					continue
				}
			}
			m := c.maps[name]
			if m == nil {
				m = c.mapOf(name)
			}
			c.info.Uses[me] = m.sym
			c.mapUsed[name] = true
			exp.maps["@"+p.Name] = name
		case *ast.Ident:
			exp.exprs[p.Name] = &macroArgRef{x: a, scope: c.scope, macro: c.macro, file: c.file}
		}
	}
	if !ok {
		return nil
	}
	body := c.expansionOf(call, def)
	if x, isCall := call.(*ast.CallExpr); isCall {
		c.info.Calls[x] = &CallInfo{Kind: SymMacro, Symbol: def.sym, Expansion: body}
	} else if id, isIdent := call.(*ast.Ident); isIdent {
		c.info.IdentCalls[id] = &CallInfo{Kind: SymMacro, Symbol: def.sym, Expansion: body}
	}
	savedScope, savedMacro, savedFile := c.scope, c.macro, c.file
	savedLoops, savedFor, savedClosed := c.loops, c.forBody, c.closed
	c.scope, c.macro, c.file, c.closed = nil, exp, def.file, nil
	c.loops, c.forBody = 0, savedFor
	t := c.block(body, true)
	c.scope, c.macro, c.file = savedScope, savedMacro, savedFile
	c.loops, c.forBody, c.closed = savedLoops, savedFor, savedClosed
	// Arguments the body never used are still checked, in the caller.
	for _, ref := range exp.exprs {
		if !ref.used && !ref.asType {
			c.expr(ref.x)
		}
	}
	if body != nil {
		if t != nil {
			c.info.Types[body] = t
		}
	}
	return t
}

// expansionOf returns the body instantiated for a call site (the same
// copy in every round, so that the final round's types are complete).
func (c *checker) expansionOf(call ast.Node, def *macroDef) *ast.BlockExpr {
	key := expKey{call: call, def: def}
	if b, ok := c.expands[key]; ok {
		return b
	}
	b := cloneBlock(def.decl.Body)
	c.expands[key] = b
	return b
}

type expKey struct {
	call ast.Node
	def  *macroDef
}

// macroArg checks the caller's expression bound to parameter x.
func (c *checker) macroArg(x *ast.Ident, ref *macroArgRef) types.Type {
	c.info.MacroArgs[x] = ref.x
	if !ref.used {
		ref.used = true
		savedScope, savedMacro, savedFile := c.scope, c.macro, c.file
		c.scope, c.macro, c.file = ref.scope, ref.macro, ref.file
		ref.t = c.expr(ref.x)
		ref.konst, ref.isCnst = c.constOf(ref.x)
		c.scope, c.macro, c.file = savedScope, savedMacro, savedFile
	}
	if ref.isCnst {
		c.info.Consts[x] = ref.konst
	}
	return ref.t
}

// macroTypeArg resolves a macro parameter used as a type: the argument
// must be typeof(...).
func (c *checker) macroTypeArg(n ast.Node, ref *macroArgRef) types.Type {
	ref.asType = true
	savedScope, savedMacro, savedFile := c.scope, c.macro, c.file
	c.scope, c.macro, c.file = ref.scope, ref.macro, ref.file
	defer func() { c.scope, c.macro, c.file = savedScope, savedMacro, savedFile }()
	switch a := ast.Unparen(ref.x).(type) {
	case *ast.TypeofExpr:
		return c.expr(a)
	case *ast.Ident:
		if t := c.namedType("", a.Name, a, false); t != nil {
			return t
		}
	}
	// A value argument (typeinfo(x), sizeof(x)) is checked as a value
	// use would check it, once: later value uses take its type from
	// here.
	ref.t = c.expr(ref.x)
	ref.konst, ref.isCnst = c.constOf(ref.x)
	return ref.t
}

// argSource follows an expression parameter of the macros being
// expanded back to the caller's expression it stands for (and that
// expression's file), so that literal arguments passed through a macro
// stay literals.
func (c *checker) argSource(x ast.Expr) (ast.Expr, *source.File) {
	file := c.file
	m := c.macro
	for depth := 0; depth < maxMacroDepth; depth++ {
		switch y := ast.Unparen(x).(type) {
		case *ast.Ident:
			if m == nil {
				return x, file
			}
			ref, ok := m.exprs[y.Name]
			if !ok {
				return x, file
			}
			x, file, m = ref.x, ref.file, ref.macro
			continue
		case *ast.CallExpr:
			// A macro whose body is only a literal stands for it.
			ci := c.info.Calls[y]
			if ci == nil || ci.Kind != SymMacro || ci.Expansion == nil || len(ci.Expansion.Stmts) > 0 || ci.Expansion.Value == nil {
				return x, file
			}
			switch ast.Unparen(ci.Expansion.Value).(type) {
			case *ast.StringLit, *ast.IntLit, *ast.BoolLit:
				if def, ok := ci.Symbol.Data.(*macroDef); ok {
					return ci.Expansion.Value, def.file
				}
			}
			return x, file
		}
		return x, file
	}
	return x, file
}
