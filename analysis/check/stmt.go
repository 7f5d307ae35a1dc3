package check

import (
	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// block checks a block in a new scope and returns its value type (Void
// when it has no trailing value). value says whether the value is used.
func (c *checker) block(b *ast.BlockExpr, value bool) types.Type {
	if b == nil {
		return nil
	}
	saved := c.scope
	c.scope = newScope(saved, b)
	defer func() {
		c.closeScope(c.scope)
		c.scope = saved
	}()
	// ended: a statement before always leaves the block; the first one
	// after it gets the only warning about the dead code.
	ended, warned := false, false
	for _, s := range b.Stmts {
		if ended && !warned {
			c.warnf(s, CodeUnreachable, "Unreachable statement.")
			warned = true
		}
		ended = ended || stmtEnds(s, c.loops > 0)
		c.stmt(s)
	}
	if b.Value != nil && ended && !warned {
		if value {
			c.warnf(b.Value, CodeUnreachable, "Unreachable expression; block type is implicitly none.")
		} else {
			c.warnf(b.Value, CodeUnreachable, "Unreachable statement.")
		}
	}
	if b.Value == nil {
		return types.Void{}
	}
	var t types.Type
	if ifx, ok := b.Value.(*ast.IfExpr); ok && !value {
		t = c.ifExpr(ifx, false)
		c.info.Types[ifx] = t
		return types.Void{}
	}
	t = c.expr(b.Value)
	if !value {
		c.discarded(b.Value, t)
		return types.Void{}
	}
	return t
}

// discarded warns about a value computed and thrown away.
func (c *checker) discarded(x ast.Expr, t types.Type) {
	if t == nil || isVoid(t) || IsUnknown(t) {
		return
	}
	switch y := x.(type) {
	case *ast.UnaryExpr:
		if y.Op == "++" || y.Op == "--" {
			return
		}
	case *ast.IfExpr:
		return
	case *ast.CallExpr:
		if ci := c.info.Calls[y]; ci != nil && ci.Kind == SymBuiltin {
			if b, ok := ci.Symbol.Data.(*builtins.Builtin); ok && ci.Variant >= 0 && ci.Variant < len(b.Variants) && b.Variants[ci.Variant].Deprecated != "" {
				return // the old form returned nothing; legacy-call says it all
			}
		}
		if ci := c.info.Calls[y]; ci != nil && (ci.Kind == SymMacro || ci.Kind == SymCFunc || ci.Kind == SymFn) {
			// Macros are statements as often as values; C and fn calls are
			// called for their effects.
			if ci.Kind == SymMacro {
				return
			}
		}
	}
	e := c.warnf(x, CodeDiscardedValue, "the value of this expression (%s) is discarded", typeName(t))
	e.Hint = "assign it to _ to discard it on purpose: _ = ..."
	fixReplace(e, c.file, x.Span(), "discard explicitly", "_ = "+string(c.textOf(x)))
}

func (c *checker) textOf(n ast.Node) []byte {
	if c.file == nil || n == nil {
		return nil
	}
	s, e := int(n.Pos()), int(n.End())
	if s < 0 || e > len(c.file.Text) || s > e {
		return nil
	}
	return c.file.Text[s:e]
}

func (c *checker) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.ExprStmt:
		c.exprStmt(s)
	case *ast.AssignStmt:
		c.assign(s)
	case *ast.LetStmt:
		c.let(s)
	case *ast.WhileStmt:
		c.legacyWhile(s)
		t := c.expr(s.Cond)
		c.checkCondition(s.Cond, t, "the loop condition")
		c.loops++
		c.block(s.Body, false)
		c.loops--
	case *ast.UnrollStmt:
		c.unroll(s)
	case *ast.ForStmt:
		c.forStmt(s)
	case *ast.JumpStmt:
		c.jump(s)
	case *ast.ImportStmt:
		c.unstable(s, "import")
	case *ast.BadStmt:
	}
}

func (c *checker) exprStmt(s *ast.ExprStmt) {
	switch x := s.X.(type) {
	case *ast.IfExpr:
		c.info.Types[x] = c.ifExpr(x, false)
		return
	case *ast.BlockExpr:
		t := c.block(x, true)
		if t != nil {
			c.info.Types[x] = t
		}
		if x.Value != nil {
			c.discarded(x, t)
		}
		return
	case *ast.UnaryExpr:
		if x.Op == "++" || x.Op == "--" {
			c.expr(x)
			return
		}
	case *ast.CallExpr:
		t := c.expr(x)
		c.discarded(x, t)
		return
	}
	t := c.expr(s.X)
	c.discarded(s.X, t)
}

// ---------------------------------------------------------------------
// Assignment

func (c *checker) assign(s *ast.AssignStmt) {
	lhs := ast.Unparen(s.Lhs)
	if id, ok := lhs.(*ast.Ident); ok && id.Name == "_" {
		t := c.expr(s.Rhs)
		if t != nil && s.Op == "=" {
			c.noAggregateCall(s.Rhs)
		}
		return
	}
	switch l := lhs.(type) {
	case *ast.Variable:
		c.assignToVar(s, l)
	case *ast.MapExpr:
		c.assignToMap(s, l, nil)
	case *ast.MapAccess:
		c.assignToMap(s, l.Map, l)
	default:
		// The parser reports assignments to anything else.
		c.expr(s.Lhs)
		c.expr(s.Rhs)
	}
}

// compoundOp is the binary operator of a compound assignment.
func compoundOp(op string) string {
	if len(op) >= 2 && op[len(op)-1] == '=' {
		return op[:len(op)-1]
	}
	return ""
}

// compound types `cur op= rhs`: the operator applied to the current
// value.
func (c *checker) compound(s *ast.AssignStmt, cur, rt types.Type) types.Type {
	if cur == nil || rt == nil {
		return nil
	}
	b := &ast.BinaryExpr{Range: ast.Range{Lo: s.Pos(), Hi: s.End()}, X: s.Lhs, Op: compoundOp(s.Op), OpPos: s.OpPos, Y: s.Rhs}
	if IsUnknown(cur) || IsUnknown(rt) {
		return Unknown
	}
	return c.binaryType(b, cur, rt)
}

func (c *checker) assignToVar(s *ast.AssignStmt, v *ast.Variable) {
	sym, alias := c.lookupVar(v.Name)
	if s.Op != "=" {
		cur := c.varRead(v)
		rt := c.expr(s.Rhs)
		if sym == nil {
			return
		}
		nt := c.compound(s, cur, rt)
		if nt != nil {
			c.assignVar(sym, nt, s)
		}
		return
	}
	rt := c.expr(s.Rhs)
	if rt != nil && !c.assignable(s.Rhs, rt, "a variable") {
		rt = nil
	}
	if sym == nil {
		// First assignment: declares the variable in this block (or, for
		// a macro's $parameter, in the caller's).
		// (A macro's $parameter bound to an undeclared caller variable
		// declares it in the expansion only, as bpftrace does.)
		sc := c.scope
		decl := v
		if alias != nil && alias.node != nil {
			decl = alias.node
		}
		sym = c.varSym(decl, SymVar)
		if alias != nil {
			sym.Name = "$" + alias.name
		}
		if sc != nil {
			sc.define(sym.Name[1:], sym)
		}
		c.info.Defs[v] = sym
	} else {
		c.info.Uses[v] = sym
	}
	c.assigned[sym] = true
	c.written[sym] = true
	if rt != nil {
		c.assignVar(sym, rt, s)
	}
	if sym.Type != nil {
		c.info.Types[v] = sym.Type
	}
}

// assignable reports whether a value of type t can be stored; it
// complains about aggregation calls and void values.
func (c *checker) assignable(x ast.Expr, t types.Type, what string) bool {
	if c.noAggregateCall(x) {
		return false
	}
	if isVoid(t) {
		c.errorf(x, CodeNoValue, "this expression has no value and cannot be assigned to %s", what)
		return false
	}
	if a := aggOf(t); a != nil && !castableAgg(a) {
		c.errorf(x, CodeBadAssign, "a %s aggregation cannot be assigned to %s", a, what)
		return false
	}
	if _, ok := t.(*types.Map); ok {
		c.errorf(x, CodeBadAssign, "a map cannot be assigned to %s", what)
		return false
	}
	return true
}

// noAggregateCall reports (and complains about) an aggregation call that
// is not assigned directly to a map.
func (c *checker) noAggregateCall(x ast.Expr) bool {
	call, ok := ast.Unparen(x).(*ast.CallExpr)
	if !ok || call.Fun == nil {
		return false
	}
	if ci := c.info.Calls[call]; ci == nil || ci.Kind != SymBuiltin {
		return false
	}
	if isAggregationName(call.Fun.Name) {
		c.errorf(call, CodeAggregationNotAssigned, "%s() must be assigned directly to a map, e.g. @x = %s(...)", call.Fun.Name, call.Fun.Name)
		return true
	}
	return false
}

// assignVar widens sym with a value of type t assigned at n (an
// assignment, a let, an update such as ++).
func (c *checker) assignVar(sym *Symbol, t types.Type, n ast.Node) {
	c.written[sym] = true
	if sym.locked {
		// An annotated variable keeps its type; values must fit.
		c.checkFitsAnnotated(sym, n, valueOf(n), t)
		return
	}
	if sym.Type == nil {
		nt, _ := join(nil, t)
		sym.Type = nt
		sym.typedAt, sym.typedFile = n, c.file
		c.changed = true
		return
	}
	j, ok := join(sym.Type, t)
	if !ok {
		e := c.errorf(n, CodeVarTypeConflict, "Type mismatch for %s: trying to assign value of type '%s' when variable already has a type '%s'", sym.Name, typeinfoFull(t), typeinfoFull(sym.Type))
		noteAt(e, sym.typedFile, sym.typedAt, "%s first typed here", sym.Name)
		return
	}
	if j != sym.Type {
		if !types.Identical(j, sym.Type) || isFlex(j) != isFlex(sym.Type) {
			c.changed = true
		}
		sym.Type = j
	}
	if x := valueOf(n); x != nil {
		c.assignConversion(x, t, sym.Type)
	}
}

// valueOf returns the value expression of an assignment node.
func valueOf(n ast.Node) ast.Expr {
	switch s := n.(type) {
	case *ast.AssignStmt:
		if s.Op == "=" {
			return s.Rhs
		}
	case *ast.LetStmt:
		return s.Value
	}
	return nil
}

// checkFitsAnnotated checks a value stored in a variable with a declared
// type: literals must be in range, other integers may be narrowed with
// a warning, other kinds must match.
func (c *checker) checkFitsAnnotated(sym *Symbol, n ast.Node, x ast.Expr, t types.Type) {
	want := sym.Type
	if !known(want) || !known(t) {
		return
	}
	at := n
	if x != nil {
		at = x
	}
	wi, ti := intOf(want), valueInt(t)
	if wi != nil && ti != nil {
		if x != nil {
			if v, ok := c.constOf(x); ok && isLiteralExpr(x) {
				if !literalFits(v, v < 0, uint64(v), wi) {
					c.errorf(at, CodeLiteralRange, "%d does not fit in %s, the declared type of %s", v, typeName(want), sym.Name)
				}
				c.convert(x, t, want)
				return
			}
		}
		if !fits(t, want) {
			c.warnf(at, CodeImplicitTruncation, "%s value stored in %s (declared %s) may be truncated or change sign; add an explicit cast if intended",
				typeName(t), sym.Name, typeName(want))
		}
		if x != nil {
			c.convert(x, t, want)
		}
		return
	}
	if s, ok := types.Underlying(want).(*types.String); ok {
		if ts, ok := types.Underlying(t).(*types.String); ok {
			if ts.Len > s.Len {
				c.errorf(at, CodeVarTypeConflict, "%s does not fit in %s, the declared type of %s", typeName(t), typeName(want), sym.Name)
			}
			return
		}
	}
	if !sameKind(t, want) {
		c.errorf(at, CodeVarTypeConflict, "cannot store a %s value in %s, declared as %s", typeName(t), sym.Name, typeName(want))
		return
	}
	switch fitsDeclared(t, want) {
	case fitNarrowing:
		c.warnf(at, CodeImplicitTruncation, "%s value stored in %s (declared %s) may have integers truncated or change sign; add an explicit cast if intended",
			typeName(t), sym.Name, typeName(want))
	case fitNo:
		c.errorf(at, CodeVarTypeConflict, "%s does not fit in %s, the declared type of %s", typeName(t), typeName(want), sym.Name)
	}
}

func isLiteralExpr(x ast.Expr) bool {
	switch y := ast.Unparen(x).(type) {
	case *ast.IntLit:
		return true
	case *ast.UnaryExpr:
		if y.Op == "-" {
			_, ok := ast.Unparen(y.X).(*ast.IntLit)
			return ok
		}
	case *ast.BinaryExpr:
		return isLiteralExpr(y.X) && isLiteralExpr(y.Y)
	}
	return false
}

func (c *checker) assignToMap(s *ast.AssignStmt, me *ast.MapExpr, ma *ast.MapAccess) {
	if me == nil {
		c.expr(s.Rhs)
		return
	}
	var m *mapState
	if ma != nil {
		m = c.useMapFor(me, ma, false, true)
		kt := c.mapKeyType(ma.Keys)
		c.joinKey(m, kt, ma)
	} else {
		m = c.useMapFor(me, me, true, true)
	}
	if m != nil {
		m.written = true
	}
	if s.Op != "=" {
		var cur types.Type
		if m != nil {
			cur = m.value
			if cur == nil {
				cur = types.Int64 // maps start at zero
			}
			if aggOf(cur) != nil {
				c.expr(s.Rhs)
				c.errorf(s, CodeBadAssign, "operator %s cannot update %s, which holds a %s aggregation", s.Op, m.name, typeName(cur))
				return
			}
		}
		rt := c.expr(s.Rhs)
		nt := c.compound(s, cur, rt)
		if nt != nil && m != nil {
			c.joinValue(m, nt, s.Rhs, s)
			c.setMapNodeType(me, ma, m)
		}
		return
	}
	// Aggregations: @m = count(), @m[k] = hist(x).
	if call, ok := ast.Unparen(s.Rhs).(*ast.CallExpr); ok && call.Fun != nil && isAggregationName(call.Fun.Name) && !c.isUserCallable(call.Fun.Name, len(call.Args)) {
		t := c.aggregation(call, m)
		if t != nil {
			c.info.Types[call] = t
			if m != nil {
				c.joinValue(m, t, s.Rhs, s)
			}
		}
		c.setMapNodeType(me, ma, m)
		return
	}
	// The value of a block may be an aggregation: @m = { ...; count() }.
	aggCall := blockAggregation(s.Rhs)
	if aggCall != nil {
		c.aggValue[aggCall] = true
	}
	rt := c.expr(s.Rhs)
	if aggCall != nil {
		delete(c.aggValue, aggCall)
	}
	if rt == nil {
		c.setMapNodeType(me, ma, m)
		return
	}
	if aggCall != nil && aggOf(rt) != nil {
		if m != nil {
			c.joinValue(m, rt, s.Rhs, s)
		}
		c.setMapNodeType(me, ma, m)
		return
	}
	if !c.assignable(s.Rhs, rt, "a map") {
		return
	}
	if castableAgg(rt) {
		if m != nil && m.value != nil && aggOf(m.value) == nil && isInt(m.value) && (isMapRead(s.Rhs) || isMapAccessExpr(s.Rhs)) {
			// The target already holds integers: the aggregation's current
			// value is converted to them, as bpftrace does.
			c.info.Conversions[s.Rhs] = m.value
			c.setMapNodeType(me, ma, m)
			return
		}
		if ra, ok := ast.Unparen(s.Rhs).(*ast.MapAccess); ok || isMapRead(s.Rhs) {
			_ = ra
			e := c.errorf(s, CodeBadAssign, "a %s value cannot be copied from one map to another; call the aggregation directly", typeName(rt))
			e.Hint = "cast it to an integer to copy its current value, e.g. (int64)" + string(c.textOf(s.Rhs))
			return
		}
	}
	if m != nil {
		if m.value != nil && aggOf(m.value) != nil {
			c.valueConflict(m, rt, s)
			return
		}
		c.joinValue(m, rt, s.Rhs, s)
	}
	c.setMapNodeType(me, ma, m)
}

// blockAggregation returns the aggregation call that is the value of a
// block expression (through nested blocks and parentheses), or nil.
func blockAggregation(x ast.Expr) *ast.CallExpr {
	inBlock := false
	for i := 0; i < 64; i++ {
		switch y := x.(type) {
		case *ast.ParenExpr:
			x = y.X
			continue
		case *ast.BlockExpr:
			if y.Value == nil {
				return nil
			}
			x, inBlock = y.Value, true
			continue
		case *ast.CallExpr:
			if inBlock && y.Fun != nil && isAggregationName(y.Fun.Name) {
				return y
			}
		}
		return nil
	}
	return nil
}

func isMapRead(x ast.Expr) bool {
	switch ast.Unparen(x).(type) {
	case *ast.MapExpr, *ast.MapAccess:
		return true
	}
	return false
}

func (c *checker) setMapNodeType(me *ast.MapExpr, ma *ast.MapAccess, m *mapState) {
	if m == nil || m.value == nil {
		return
	}
	if ma != nil {
		c.info.Types[ma] = m.value
		c.info.Types[me] = &types.Map{Key: m.key, Value: m.value}
	} else {
		c.info.Types[me] = m.value
	}
}

// ---------------------------------------------------------------------
// let

func (c *checker) let(s *ast.LetStmt) {
	if s.Var == nil {
		c.expr(s.Value)
		return
	}
	name := s.Var.Name
	var vt types.Type
	if s.Value != nil {
		vt = c.expr(s.Value)
		if vt != nil && !c.assignable(s.Value, vt, "a variable") {
			vt = nil
		}
	}
	if prev, _ := c.lookupVar(name); prev != nil {
		e := c.errorf(s, CodeShadowing, "variable $%s is already declared; shadowing is not allowed", name)
		noteAt(e, prev.File, prev.Decl, "$%s is first declared here", name)
		return
	}
	sym := c.varSym(s.Var, SymVar)
	if c.scope != nil {
		c.scope.define(name, sym)
	}
	c.info.Defs[s.Var] = sym
	if s.Type != nil {
		at := c.resolveType(s.Type)
		if at != nil {
			c.info.Types[s.Type] = at
			if st, ok := types.Underlying(at).(*types.String); ok && st.Len == 0 {
				// `let $s: string`: a string sized by its values, which
				// widens like an unannotated variable.
				if sym.Type == nil {
					sym.Type = at
					sym.typedAt, sym.typedFile = s, c.file
				}
			} else {
				sym.Type, sym.locked = at, true
				sym.typedAt, sym.typedFile = s, c.file
			}
		}
		if s.Value != nil {
			c.assigned[sym] = true
			if vt != nil {
				if sym.locked {
					c.checkFitsAnnotated(sym, s, s.Value, vt)
				} else if known(vt) && !isString(vt) {
					c.errorf(s.Value, CodeVarTypeConflict, "cannot store a %s value in %s, declared as string", typeName(vt), sym.Name)
				} else {
					c.assignVar(sym, vt, s)
				}
			}
		}
	} else if s.Value != nil {
		c.assigned[sym] = true
		if vt != nil {
			c.assignVar(sym, vt, s)
		}
	}
	if s.Value == nil {
		c.declaredOnly = append(c.declaredOnly, declaredVar{sym, s, c.file})
	}
	if sym.Type != nil {
		c.info.Types[s.Var] = sym.Type
	}
}

// ---------------------------------------------------------------------
// Loops and jumps

func (c *checker) unroll(s *ast.UnrollStmt) {
	t := c.expr(s.Count)
	at := ast.Unparen(s.Count)
	if t != nil {
		v, ok := c.constOf(s.Count)
		switch {
		case !ok && known(t) && !c.positionalUnknown(s.Count):
			c.errorf(at, CodeUnrollCount, "the unroll count must be a constant")
		case ok && v < 1:
			c.errorf(s, CodeUnrollCount, "unroll minimum value is 1")
		case ok && v > maxUnroll:
			c.errorf(s, CodeUnrollCount, "unroll maximum value is %d", maxUnroll)
		}
	}
	c.block(s.Body, false)
}

// maxUnroll is bpftrace's upper bound on unroll counts.
const maxUnroll = 100

func (c *checker) forStmt(s *ast.ForStmt) {
	if s.Var == nil {
		return
	}
	var vt types.Type
	switch it := s.Iter.(type) {
	case *ast.MapExpr:
		m := c.useMap(it, it, false)
		if m != nil && m.value == nil && !m.written && m.decl == nil && !c.writtenMaps[m.name] {
			c.errorf(it, CodeUndefinedMap, "map %s is never assigned, so there is nothing to iterate over", m.name)
			m = nil
		}
		if m != nil {
			v := c.mapValue(m, it)
			if a := aggOf(v); a != nil {
				if castableAgg(a) {
					v = aggInt(a)
				} else {
					c.errorf(it, CodeBadRange, "a for loop cannot iterate over %s, whose values are %s aggregations", m.name, a)
					v = nil
				}
			}
			if m.key != nil && v != nil {
				vt = &types.Tuple{Elems: []types.Type{m.key, v}}
				c.info.Types[it] = &types.Map{Key: m.key, Value: m.value}
			}
			if m.firstScalar && m.firstUse != it {
				// reported by useMap
				vt = nil
			}
		}
	case *ast.RangeExpr:
		ft := c.expr(it.From)
		tt := c.expr(it.To)
		for _, b := range []struct {
			x ast.Expr
			t types.Type
		}{{it.From, ft}, {it.To, tt}} {
			if known(b.t) && !isInt(b.t) {
				c.errorf(b.x, CodeBadRange, "a range bound must be an integer, not %s", typeName(b.t))
			}
		}
		if ft != nil && tt != nil && isInt(ft) && isInt(tt) {
			j, _ := join(ft, tt)
			vt = j
		} else if IsUnknown(ft) || IsUnknown(tt) {
			vt = Unknown
		}
		if vt != nil {
			c.info.Types[it] = vt
		}
	default:
		c.expr(s.Iter)
		c.errorf(s.Iter, CodeBadRange, "a for loop iterates over a map (@m) or a range (a..b)")
	}
	saved := c.scope
	c.scope = newScope(saved, s)
	if prev, _ := c.lookupVar(s.Var.Name); prev != nil {
		e := c.errorf(s.Var, CodeShadowing, "loop variable $%s is already declared; shadowing is not allowed", s.Var.Name)
		noteAt(e, prev.File, prev.Decl, "$%s is first declared here", s.Var.Name)
	}
	sym := c.varSym(s.Var, SymVar)
	if vt != nil && (sym.Type == nil || !types.Identical(sym.Type, vt)) {
		sym.Type = vt
		c.changed = true
	}
	c.scope.define(s.Var.Name, sym)
	c.assigned[sym] = true
	c.info.Defs[s.Var] = sym
	if sym.Type != nil {
		c.info.Types[s.Var] = sym.Type
	}
	// Loop bodies are compiled as callbacks without the probe's context.
	c.loops++
	c.forBody++
	c.block(s.Body, false)
	c.forBody--
	c.loops--
	c.closeScope(c.scope)
	c.scope = saved
}

func (c *checker) jump(s *ast.JumpStmt) {
	switch s.Keyword {
	case "break", "continue":
		if c.loops == 0 {
			where := "probe"
			switch {
			case c.macro != nil:
				where = "macro" // its body is not part of the caller's loop
			case c.fn != nil:
				where = "function"
			}
			c.errorf(s, CodeJumpOutsideLoop, "'%s' statement is not allowed in a %s", s.Keyword, where)
		}
	case "return":
		if c.macro != nil && c.fn == nil {
			// return inside a macro returns from the enclosing probe.
		}
		if c.fn == nil {
			if s.Value != nil {
				t := c.expr(s.Value)
				if known(t) && !isInt(t) {
					c.errorf(s.Value, CodeReturnValue, "a probe can only return an integer, not %s", typeName(t))
				}
			}
			return
		}
		want := c.fn.result
		if s.Value == nil {
			if want != nil && !isVoid(want) {
				c.errorf(s, CodeReturnValue, "function %s must return a %s value", c.fn.decl.Name.Name, typeName(want))
			}
			return
		}
		t := c.expr(s.Value)
		if want == nil || t == nil {
			return
		}
		if isVoid(want) {
			c.errorf(s.Value, CodeReturnValue, "function %s returns nothing, so return takes no value", c.fn.decl.Name.Name)
			return
		}
		c.checkValueFitsCode(s.Value, t, want, "the result of "+c.fn.decl.Name.Name, CodeReturnValue)
	}
}

// checkValueFits checks a value passed where type want is declared (fn
// arguments and results, C function arguments).
func (c *checker) checkValueFits(x ast.Expr, t, want types.Type, what string) bool {
	return c.checkValueFitsCode(x, t, want, what, CodeArgType)
}

func (c *checker) checkValueFitsCode(x ast.Expr, t, want types.Type, what string, code diag.Code) bool {
	if !known(t) || !known(want) {
		return true
	}
	if ws, ok := types.Underlying(want).(*types.String); ok && ws.Len == 0 && isString(t) {
		return true // an unsized string takes any string
	}
	wi, ti := intOf(want), valueInt(t)
	if wi != nil && (ti != nil || isBool(t)) {
		if v, ok := c.constOf(x); ok && isLiteralExpr(x) {
			if !literalFits(v, v < 0, uint64(v), wi) {
				c.errorf(x, CodeLiteralRange, "%d does not fit in %s, the type of %s", v, typeName(want), what)
				return false
			}
		} else if ti != nil && !fits(t, want) {
			c.warnf(x, CodeImplicitTruncation, "%s value passed as %s (%s) may be truncated or change sign; add an explicit cast if intended", typeName(t), what, typeName(want))
		}
		c.convert(x, t, want)
		return true
	}
	if wp := ptrOf(want); wp != nil {
		if tp := ptrOf(t); tp != nil {
			if isVoid(wp.Elem) || isVoid(tp.Elem) || sameKind(wp.Elem, tp.Elem) || sameStructName(wp.Elem, tp.Elem) || sameBytesAsString(wp.Elem, tp.Elem) {
				return true
			}
			c.errorf(x, code, "%s has type %s, which does not match %s", what, typeName(t), typeName(want))
			return false
		}
		if ti != nil {
			return true // an address
		}
		if passedByAddress(t, wp) {
			return true
		}
	}
	if sameKind(t, want) {
		if !fits(t, want) {
			c.errorf(x, code, "%s value does not fit in %s (%s)", typeName(t), what, typeName(want))
			return false
		}
		return true
	}
	c.errorf(x, code, "%s must be %s, not %s", what, typeName(want), typeName(t))
	return false
}

func sameStructName(a, b types.Type) bool {
	sa, sb := structOf(a), structOf(b)
	return sa != nil && sb != nil && sa.Name == sb.Name
}

// closeScope remembers the variables of a block that ends, for old
// scripts that use them after the block (bpftrace before 0.21 scoped
// variables to the whole probe).
func (c *checker) closeScope(s *scope) {
	if s == nil {
		return
	}
	if c.closed == nil {
		c.closed = map[string]*Symbol{}
	}
	for name, sym := range s.vars {
		if _, ok := c.closed[name]; !ok {
			c.closed[name] = sym
		}
	}
}

// declaredVar is a variable declared with let and no value.
type declaredVar struct {
	sym  *Symbol
	let  *ast.LetStmt
	file *source.File
}

// reportNeverAssigned warns about let-declared variables that nothing
// ever assigns.
func (c *checker) reportNeverAssigned() {
	hadErrors := c.diags.HasErrors() // unresolved types after errors are cascades
	for _, d := range c.declaredOnly {
		saved := c.file
		c.file = d.file
		switch {
		case !c.written[d.sym]:
			c.warnf(d.let, CodeNeverAssigned, "Variable %s was never assigned to.", d.sym.Name)
		case d.sym.Type == nil && d.let.Type == nil && !hadErrors:
			c.errorf(d.let, CodeUnresolvedType, "the type of %s cannot be determined: it is only assigned values whose type depends on it", d.sym.Name)
		}
		c.file = saved
	}
	c.declaredOnly = nil
}

type fitResult int

const (
	fitYes       fitResult = iota
	fitNarrowing           // integers narrowed (a warning)
	fitNo                  // something else does not fit (an error)
)

// fitsDeclared compares a value with a declared type element by element:
// integers may narrow (with a warning), strings and other kinds must fit.
func fitsDeclared(t, want types.Type) fitResult {
	if !known(t) || !known(want) {
		return fitYes
	}
	if ti, wi := valueInt(t), intOf(want); ti != nil && wi != nil {
		if fits(t, want) {
			return fitYes
		}
		return fitNarrowing
	}
	worst := fitYes
	merge := func(r fitResult) {
		if r > worst {
			worst = r
		}
	}
	switch x := types.Underlying(t).(type) {
	case *types.Tuple:
		y, ok := types.Underlying(want).(*types.Tuple)
		if !ok || len(x.Elems) != len(y.Elems) {
			return fitNo
		}
		for i := range x.Elems {
			merge(fitsDeclared(x.Elems[i], y.Elems[i]))
		}
		return worst
	case *types.Record:
		y, ok := types.Underlying(want).(*types.Record)
		if !ok || len(x.Names) != len(y.Names) {
			return fitNo
		}
		for i, n := range x.Names {
			j := y.Index(n)
			if j < 0 {
				return fitNo
			}
			merge(fitsDeclared(x.Elems[i], y.Elems[j]))
		}
		return worst
	}
	if fits(t, want) {
		return fitYes
	}
	return fitNo
}

// isMapAccessExpr reports whether x is @m[k].
func isMapAccessExpr(x ast.Expr) bool {
	_, ok := ast.Unparen(x).(*ast.MapAccess)
	return ok
}

// ---------------------------------------------------------------------
// Control flow that ends a block

// stmtEnds reports whether s always leaves the block it is in, as
// bpftrace's control-flow analysis decides it: a return, break or
// continue (inside a loop: elsewhere they are errors, not jumps), a call
// of exit() (which returns from the probe), or a statement whose every
// path does one of those. Loops never end the enclosing block: their
// jumps apply to the loop.
func stmtEnds(s ast.Stmt, inLoop bool) bool {
	switch s := s.(type) {
	case *ast.JumpStmt:
		return s.Keyword == "return" || inLoop
	case *ast.ExprStmt:
		return exprEnds(s.X, inLoop)
	}
	return false
}

// exprEnds is stmtEnds for an expression evaluated as part of a
// statement.
func exprEnds(x ast.Expr, inLoop bool) bool {
	switch x := x.(type) {
	case *ast.CallExpr:
		return x.Fun != nil && x.Fun.Name == "exit" && !x.Bang && len(x.Args) <= 1
	case *ast.ParenExpr:
		return exprEnds(x.X, inLoop)
	case *ast.BinaryExpr:
		return exprEnds(x.X, inLoop) || exprEnds(x.Y, inLoop)
	case *ast.IndexExpr:
		return exprEnds(x.X, inLoop) || exprEnds(x.Index, inLoop)
	case *ast.IfExpr:
		return exprEnds(x.Cond, inLoop) || (x.Then != nil && x.Else != nil && exprEnds(x.Then, inLoop) && exprEnds(x.Else, inLoop))
	case *ast.BlockExpr:
		if x == nil {
			return false
		}
		for _, s := range x.Stmts {
			if stmtEnds(s, inLoop) {
				return true
			}
		}
		return x.Value != nil && exprEnds(x.Value, inLoop)
	}
	return false
}
