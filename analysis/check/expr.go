package check

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// expr checks x and records its type; nil means the type could not be
// determined (an error was reported, or the value depends on something
// not typed yet in this round).
func (c *checker) expr(x ast.Expr) types.Type {
	if x == nil {
		return nil
	}
	t := c.expr1(x)
	if t != nil {
		c.info.Types[x] = t
	}
	return t
}

func (c *checker) expr1(x ast.Expr) types.Type {
	switch x := x.(type) {
	case *ast.IntLit:
		c.info.Consts[x] = int64(x.Value)
		if x.Overflow {
			return types.Uint64
		}
		return literalType(x.Value)
	case *ast.StringLit:
		return &types.String{Len: len(x.Value) + 1}
	case *ast.BoolLit:
		if x.Value {
			c.info.Consts[x] = 1
		} else {
			c.info.Consts[x] = 0
		}
		return types.Bool{}
	case *ast.PositionalParam:
		return c.positional(x)
	case *ast.Variable:
		return c.varRead(x)
	case *ast.MapExpr:
		m := c.useMap(x, x, true)
		if m == nil {
			return nil
		}
		return c.mapValue(m, x)
	case *ast.MapAccess:
		return c.mapAccess(x)
	case *ast.BinaryExpr:
		return c.binary(x)
	case *ast.UnaryExpr:
		return c.unary(x)
	case *ast.CondExpr:
		return c.cond(x)
	case *ast.IfExpr:
		return c.ifExpr(x, true)
	case *ast.BlockExpr:
		return c.block(x, true)
	case *ast.ParenExpr:
		t := c.expr(x.X)
		if v, ok := c.info.Consts[x.X]; ok {
			c.info.Consts[x] = v
		}
		return t
	case *ast.TupleExpr:
		return c.tuple(x)
	case *ast.RecordExpr:
		return c.record(x)
	case *ast.NamedExpr:
		return c.expr(x.Value)
	case *ast.FieldExpr:
		return c.field(x)
	case *ast.TupleIndexExpr:
		return c.tupleIndex(x)
	case *ast.IndexExpr:
		return c.index(x)
	case *ast.CallExpr:
		return c.call(x)
	case *ast.CastExpr:
		return c.cast(x)
	case *ast.SizeofExpr:
		return c.sizeof(x)
	case *ast.OffsetofExpr:
		return c.offsetof(x)
	case *ast.TypeofExpr:
		if x.Type != nil {
			return c.resolveType(x.Type)
		}
		return c.typeOperand(x.X)
	case *ast.TypeinfoExpr:
		var t types.Type
		if x.Type != nil {
			t = c.resolveType(x.Type)
		} else {
			t = c.typeOperand(x.X)
		}
		c.unstable(x, "typeinfo")
		if t != nil {
			c.info.Typeinfo[x] = t
		}
		return &types.Record{
			Names: []string{"btf_id", "base_type", "full_type"},
			Elems: []types.Type{types.Uint64, &types.String{Len: 64}, &types.String{Len: 64}},
		}
	case *ast.ComptimeExpr:
		t := c.expr(x.X)
		if v, ok := c.info.Consts[x.X]; ok {
			c.info.Consts[x] = v
		} else if t != nil && !IsUnknown(t) && !compileTimeExpr(x.X) && !c.positionalUnknown(x.X) {
			c.errorf(x, CodeNotConstant, "comptime needs an expression known when the script is compiled")
		}
		return t
	case *ast.Ident:
		return c.ident(x)
	case *ast.RangeExpr:
		c.errorf(x, CodeBadRange, "a range is only allowed in a for loop header")
		c.expr(x.From)
		c.expr(x.To)
		return nil
	case *ast.BadExpr:
		return nil
	}
	return nil
}

// typeOperand checks an expression whose type alone is wanted (sizeof,
// typeof, typeinfo operands): it is not evaluated at run time.
func (c *checker) typeOperand(x ast.Expr) types.Type {
	if x == nil {
		return nil
	}
	// The type of a whole map with keys is its key type, of a scalar
	// map its value type. Naming a map here does not decide whether it
	// has keys: the types may come from assignments further on.
	if me, ok := ast.Unparen(x).(*ast.MapExpr); ok {
		m := c.maps[c.mapAlias(mapName(me))]
		if m == nil || (m.key == nil && m.value == nil) {
			if m == nil && !c.writtenMaps[c.mapAlias(mapName(me))] {
				c.useMapWhole(me) // reports the undefined map
			}
			return nil
		}
		c.info.Uses[me] = m.sym
		t := m.value
		if m.key != nil && (m.firstUse == nil || !m.firstScalar) {
			t = m.key
		}
		if t != nil {
			c.info.Types[x] = t
		}
		return t
	}
	// A bare identifier in a type context is a type name (macros are
	// not expanded there); builtins and macro parameters are values.
	if id, ok := x.(*ast.Ident); ok {
		if c.macro != nil {
			if ref, isParam := c.macro.exprs[id.Name]; isParam {
				return c.macroTypeArg(id, ref)
			}
		}
		if b, isBuiltin := builtins.Lookup(id.Name); isBuiltin && b.Kind == builtins.Variable {
			// `typeof(pid)`: the builtin's value, not a kernel type that
			// happens to share the name (struct pid).
			return c.expr(x)
		}
		if t := c.namedType("", id.Name, id, false); t != nil {
			return t
		}
		if _, isBuiltin := builtins.Lookup(id.Name); !isBuiltin && c.findMacro(id.Name, 0) != nil {
			return c.namedType("", id.Name, id, true)
		}
	}
	return c.expr(x)
}

// constOf returns the constant value of a checked expression.
func (c *checker) constOf(x ast.Expr) (int64, bool) {
	v, ok := c.info.Consts[x]
	return v, ok
}

// constString returns the string x is when the script is compiled: a
// string literal, an expression folded to one (Info.Strings), or a
// typeinfo() name.
func (c *checker) constString(x ast.Expr) (string, bool) {
	switch y := ast.Unparen(x).(type) {
	case *ast.StringLit:
		return y.Value, true
	case *ast.FieldExpr:
		// typeinfo(x).base_type and .full_type: bpftrace folds typeinfo()
		// into a literal record once x's type is known.
		if ti, ok := ast.Unparen(y.X).(*ast.TypeinfoExpr); ok && !y.Arrow && y.Field != nil {
			if t := c.info.Typeinfo[ti]; t != nil && !hasUnknown(t) {
				base, full := TypeinfoStrings(t)
				switch y.Field.Name {
				case "base_type":
					return base, true
				case "full_type":
					return full, true
				}
			}
		}
	}
	s, ok := c.info.Strings[x]
	if !ok {
		s, ok = c.info.Strings[ast.Unparen(x)]
	}
	return s, ok
}

// foldStringOffset folds a constant string plus a constant integer (in
// either order) as bpftrace does: the string without its first n bytes,
// a literal itself. ok is false when x is not such a sum.
func (c *checker) foldStringOffset(x *ast.BinaryExpr) (t types.Type, ok bool) {
	if x.Op != "+" {
		return nil, false
	}
	s, sok := c.constString(x.X)
	n, nok := c.constOf(x.Y)
	if !sok || !nok {
		if s, sok = c.constString(x.Y); !sok {
			return nil, false
		}
		if n, nok = c.constOf(x.X); !nok {
			return nil, false
		}
	}
	if n < 0 {
		return nil, false
	}
	rest := ""
	if n < int64(len(s)) {
		rest = s[n:]
	} else {
		c.warnf(x, CodeEmptyString, "literal string will always be empty")
	}
	c.info.Strings[x] = rest
	return &types.String{Len: len(rest) + 1}, true
}

// ---------------------------------------------------------------------
// Variables

func (c *checker) lookupVar(name string) (*Symbol, *varAlias) {
	if c.scope != nil {
		if s := c.scope.lookup(name); s != nil {
			return s, nil
		}
	}
	if c.macro != nil {
		if a, ok := c.macro.vars[name]; ok {
			return a.scope.lookup(a.name), a
		}
	}
	return nil, nil
}

// callerVar finds a variable of the code that expanded the current
// macro (bpftrace leaves variables a macro reads without assigning them
// pointing to its caller's).
func (c *checker) callerVar(name string) *Symbol {
	for e := c.macro; e != nil; e = e.parent {
		if e.callerScope != nil {
			if s := e.callerScope.lookup(name); s != nil {
				return s
			}
		}
		if e.parent != nil {
			if a, ok := e.parent.vars[name]; ok {
				return a.scope.lookup(a.name)
			}
		}
	}
	return nil
}

func (c *checker) varRead(x *ast.Variable) types.Type {
	sym, alias := c.lookupVar(x.Name)
	if sym == nil && alias == nil && c.macro != nil {
		if leaked := c.callerVar(x.Name); leaked != nil {
			e := c.warnf(x, CodeMacroCallerVar, "macro %s reads $%s of its caller without taking it as a parameter", c.macro.def.decl.Name.Name, x.Name)
			e.Hint = fmt.Sprintf("add $%s to the macro's parameters and pass it explicitly", x.Name)
			sym = leaked
		}
	}
	if sym == nil && alias == nil && c.closed != nil {
		if old := c.closed[x.Name]; old != nil {
			e := c.errorf(x, CodeUndefinedVariable, "variable $%s is not defined here: the block that assigns it has ended", x.Name)
			e.Hint = fmt.Sprintf("declare it before that block with let $%s; (bpftrace before 0.21 kept variables for the whole probe)", x.Name)
			noteAt(e, old.File, old.Decl, "$%s is assigned here", x.Name)
			sym = old
		}
	}
	if sym == nil {
		if alias != nil {
			c.errorf(x, CodeUndefinedVariable, "variable $%s (passed to the macro as $%s) is not defined", alias.name, x.Name)
			return nil
		}
		e := c.errorf(x, CodeUndefinedVariable, "Undefined or undeclared variable: $%s", x.Name)
		if c.scope != nil {
			var names []string
			for _, s := range c.scope.visible() {
				names = append(names, s.Name[1:])
			}
			c.suggestFixPrefixed(e, x, "$", x.Name, names)
		}
		if c.macro != nil {
			e.Hint = "a macro sees only its own variables and the $variables passed to it"
		}
		return nil
	}
	c.info.Uses[x] = sym
	if !c.assigned[sym] {
		c.warnf(x, CodeUsedBeforeAssigned, "Variable used before it was assigned: $%s", x.Name)
		c.assigned[sym] = true
	}
	return sym.Type
}

// ---------------------------------------------------------------------
// Maps

func (c *checker) mapAccess(x *ast.MapAccess) types.Type {
	if x.Map == nil {
		return nil
	}
	m := c.useMap(x.Map, x, false)
	kt := c.mapKeyType(x.Keys)
	if m == nil {
		return nil
	}
	c.joinKey(m, kt, x)
	v := c.mapValue(m, x.Map)
	if v != nil {
		c.info.Types[x.Map] = &types.Map{Key: m.key, Value: v}
	}
	return v
}

// ---------------------------------------------------------------------
// Operators

func isComparison(op string) bool {
	switch op {
	case "==", "!=", "<", "<=", ">", ">=":
		return true
	}
	return false
}

func (c *checker) binary(x *ast.BinaryExpr) types.Type {
	lt := c.expr(x.X)
	rt := c.expr(x.Y)
	if x.Op == "&&" || x.Op == "||" {
		c.checkCondition(x.X, lt, "an operand of "+x.Op)
		c.checkCondition(x.Y, rt, "an operand of "+x.Op)
		if lv, ok := c.constOf(x.X); ok {
			if rv, ok := c.constOf(x.Y); ok {
				c.info.Consts[x] = b2i(x.Op == "&&" && lv != 0 && rv != 0 || x.Op == "||" && (lv != 0 || rv != 0))
			}
		}
		return types.Bool{}
	}
	if x.Op == "==" || x.Op == "!=" {
		// typeinfo(x).base_type == "int": known when the script is
		// compiled, so comptime can choose a branch by it.
		if ls, ok := c.constString(x.X); ok {
			if rs, ok := c.constString(x.Y); ok {
				c.info.Consts[x] = b2i((ls == rs) == (x.Op == "=="))
			}
		}
	}
	if lt == nil || rt == nil {
		if isComparison(x.Op) {
			return types.Bool{}
		}
		return nil
	}
	if t, ok := c.foldStringOffset(x); ok {
		return t
	}
	if IsUnknown(lt) || IsUnknown(rt) {
		if isComparison(x.Op) {
			return types.Bool{}
		}
		if p := ptrOf(lt); p != nil && (x.Op == "+" || x.Op == "-") {
			return lt
		}
		return Unknown
	}
	t := c.binaryType(x, lt, rt)
	if t != nil {
		if ft := c.fold(x); ft != nil {
			return ft
		}
	}
	return t
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// fold evaluates a binary operation on two integer constants the way
// bpftrace folds literals before typing: the result is a literal.
func (c *checker) fold(x *ast.BinaryExpr) types.Type {
	lv, lok := c.constOf(x.X)
	rv, rok := c.constOf(x.Y)
	if !lok || !rok {
		return nil
	}
	if (x.Op == "/" || x.Op == "%") && rv == 0 {
		// bool operands too: bpftrace cannot fold false / false.
		c.errorf(x, CodeDivByZero, "%s by zero", map[string]string{"/": "division", "%": "modulo"}[x.Op])
		return nil
	}
	if !isIntConstExpr(c, x.X) || !isIntConstExpr(c, x.Y) {
		return nil
	}
	// A cast operand makes the operation typed, as on variables: its value
	// is still known (and wraps), but its type is the binary operation's,
	// not a literal's ((uint8)5 + 1 is a uint64, as in bpftrace).
	typed := hasCast(x.X) || hasCast(x.Y)
	if msg := c.foldRange(x, lv, rv); msg != "" && !typed {
		c.errorf(x, CodeLiteralRange, "%s", msg)
		return nil
	}
	var v int64
	switch x.Op {
	case "+":
		v = lv + rv
	case "-":
		v = lv - rv
	case "*":
		v = lv * rv
	case "/":
		if rv == 0 {
			c.errorf(x, CodeDivByZero, "division by zero")
			return nil
		}
		v = lv / rv
	case "%":
		if rv == 0 {
			c.errorf(x, CodeDivByZero, "modulo by zero")
			return nil
		}
		v = lv % rv
	case "&":
		v = lv & rv
	case "|":
		v = lv | rv
	case "^":
		v = lv ^ rv
	case "<<":
		if rv < 0 || rv >= 64 {
			return nil
		}
		v = lv << uint(rv)
	case ">>":
		if rv < 0 || rv >= 64 {
			return nil
		}
		v = lv >> uint(rv)
	case "==":
		v = b2i(lv == rv)
	case "!=":
		v = b2i(lv != rv)
	case "<":
		v = b2i(lv < rv)
	case "<=":
		v = b2i(lv <= rv)
	case ">":
		v = b2i(lv > rv)
	case ">=":
		v = b2i(lv >= rv)
	default:
		return nil
	}
	if typed {
		c.info.Consts[x] = v
		return nil
	}
	if !isComparison(x.Op) {
		// Constants above the int64 range are stored as negative int64s:
		// the sign of the result comes from exact arithmetic (or, for bit
		// operations and shifts, from the operands').
		l, r := c.bigConst(x.X, lv), c.bigConst(x.Y, rv)
		nonNeg := l.Sign() >= 0 && r.Sign() >= 0
		switch x.Op {
		case "+", "-", "*":
			var res big.Int
			switch x.Op {
			case "+":
				res.Add(l, r)
			case "-":
				res.Sub(l, r)
			default:
				res.Mul(l, r)
			}
			nonNeg = res.Sign() >= 0
		case "/", "%":
			nonNeg = nonNeg || (x.Op == "%" && l.Sign() >= 0)
		case ">>":
			nonNeg = l.Sign() >= 0
		}
		c.info.Consts[x] = v
		if nonNeg {
			return literalType(uint64(v))
		}
		return negLiteralType(v)
	}
	c.info.Consts[x] = v
	return nil
}

// hasCast reports whether the constant expression x has a cast among its
// operands, which makes it a typed value rather than a literal.
func hasCast(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.CastExpr:
		return true
	case *ast.ParenExpr:
		return hasCast(x.X)
	case *ast.UnaryExpr:
		return hasCast(x.X)
	case *ast.BinaryExpr:
		return hasCast(x.X) || hasCast(x.Y)
	}
	return false
}

// foldRange says why folding x's constant operands overflows the 64-bit
// integers, as bpftrace's literal folding does: a negative operand makes
// the operation signed (both operands and the result must fit int64);
// otherwise the result must fit uint64 or, below zero, int64. Shifts by
// 64 or more overflow. "" when it fits.
func (c *checker) foldRange(x *ast.BinaryExpr, lv, rv int64) string {
	l, r := c.bigConst(x.X, lv), c.bigConst(x.Y, rv)
	minI, maxI := big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)
	maxU := new(big.Int).SetUint64(math.MaxUint64)
	signed := l.Sign() < 0 || r.Sign() < 0
	var res *big.Int
	switch x.Op {
	case "+":
		res = new(big.Int).Add(l, r)
	case "-":
		res = new(big.Int).Sub(l, r)
	case "*":
		res = new(big.Int).Mul(l, r)
	case "&", "|", "^":
		res = big.NewInt(0) // only the operands' signedness matters
	case "<<", ">>":
		if r.Sign() < 0 || r.Cmp(big.NewInt(64)) >= 0 {
			return fmt.Sprintf("shifting by %s overflows a 64-bit integer", r)
		}
		return ""
	default:
		return ""
	}
	if signed {
		for _, o := range []*big.Int{l, r} {
			if o.Cmp(maxI) > 0 {
				return fmt.Sprintf("%s overflows: %s does not fit int64, which the negative operand makes the operation", describeOp(x.Op), o)
			}
		}
	}
	switch {
	case res.Cmp(minI) < 0:
		return fmt.Sprintf("%s underflows: %s is below the smallest int64", describeOp(x.Op), res)
	case signed && res.Cmp(maxI) > 0:
		return fmt.Sprintf("%s overflows: %s does not fit int64", describeOp(x.Op), res)
	case res.Cmp(maxU) > 0:
		return fmt.Sprintf("%s overflows: %s does not fit uint64", describeOp(x.Op), res)
	}
	return ""
}

func describeOp(op string) string { return "constant " + op }

// bigConst is x's constant value v read with x's type's sign: an
// unsigned constant above the int64 range is stored as a negative v.
func (c *checker) bigConst(x ast.Expr, v int64) *big.Int {
	if it, ok := types.Underlying(c.info.Types[x]).(*types.Int); ok && !it.Signed && v < 0 {
		return new(big.Int).SetUint64(uint64(v))
	}
	return big.NewInt(v)
}

// isIntConstExpr reports whether x is an integer constant that folds
// like a literal.
func isIntConstExpr(c *checker, x ast.Expr) bool {
	t := c.info.Types[x]
	return t != nil && isInt(t)
}

// binaryType is the type of `lt op rt` for known operand types.
func (c *checker) binaryType(x *ast.BinaryExpr, lt, rt types.Type) types.Type {
	op := x.Op
	cmp := isComparison(op)
	lb, rb := isBool(lt), isBool(rt)
	if lb && rb {
		return types.Bool{}
	}
	lp, rp := ptrOf(lt), ptrOf(rt)
	if lp != nil || rp != nil {
		return c.pointerBinary(x, lt, rt, lp, rp)
	}
	li, ri := valueInt(lt), valueInt(rt)
	if lb {
		li = types.Uint8
	}
	if rb {
		ri = types.Uint8
	}
	if li != nil && ri != nil {
		return c.intBinary(x, lt, rt, li, ri)
	}
	if cmp {
		if op != "==" && op != "!=" {
			c.badOperands(x, lt, rt)
			return types.Bool{}
		}
		// A char array (a C struct's char name[N]) compares with a
		// string as the string it holds, as in bpftrace.
		if (isCharArray(lt) && isString(rt)) || (isString(lt) && isCharArray(rt)) {
			return types.Bool{}
		}
		switch l := types.Underlying(lt).(type) {
		case *types.String:
			if !isString(rt) {
				c.mismatch(x, lt, rt)
			}
			return types.Bool{}
		case *types.Array:
			r, ok := types.Underlying(rt).(*types.Array)
			if !ok {
				c.mismatch(x, lt, rt)
			} else if l.Len != r.Len {
				c.errorf(x, CodeInvalidOperands, "arrays of different lengths (%d and %d) cannot be compared", l.Len, r.Len)
			} else if !types.Identical(l.Elem, r.Elem) || !isInt(l.Elem) {
				c.errorf(x, CodeInvalidOperands, "only arrays of the same integer type can be compared (%s and %s)", typeName(lt), typeName(rt))
			}
			return types.Bool{}
		case *types.Tuple, *types.Record:
			if !sameKind(lt, rt) {
				c.mismatch(x, lt, rt)
			}
			return types.Bool{}
		case *types.Opaque, *types.Buffer:
			if !sameKind(lt, rt) {
				c.mismatch(x, lt, rt)
			}
			return types.Bool{}
		case *types.Struct:
			if !sameKind(lt, rt) {
				c.mismatch(x, lt, rt)
			}
			return types.Bool{}
		}
		c.mismatch(x, lt, rt)
		return types.Bool{}
	}
	if (li != nil) != (ri != nil) {
		c.mismatch(x, lt, rt)
		return nil
	}
	c.badOperands(x, lt, rt)
	return nil
}

// isPlainChar reports whether t is C's char, signed char or unsigned
// char itself (not a typedef such as uint8_t).
func isPlainChar(t types.Type) bool {
	i, ok := t.(*types.Int)
	return ok && i.Bits == 8
}

// isCharArray reports whether t is an array of one-byte integers (C char).
func isCharArray(t types.Type) bool {
	a, ok := types.Underlying(t).(*types.Array)
	if !ok {
		return false
	}
	i, ok := types.Underlying(a.Elem).(*types.Int)
	return ok && i.Size() == 1
}

func (c *checker) mismatch(x *ast.BinaryExpr, lt, rt types.Type) {
	e := c.errorf(x, CodeInvalidOperands, "operator %s cannot compare or combine %s with %s", x.Op, typeName(lt), typeName(rt))
	noteAt(e, c.file, x.X, "left operand has type %s", typeName(lt))
	noteAt(e, c.file, x.Y, "right operand has type %s", typeName(rt))
}

func (c *checker) badOperands(x *ast.BinaryExpr, lt, rt types.Type) {
	c.errorf(x, CodeInvalidOperands, "operator %s cannot be used on %s and %s", x.Op, typeName(lt), typeName(rt))
}

func (c *checker) intBinary(x *ast.BinaryExpr, lt, rt types.Type, li, ri *types.Int) types.Type {
	op := x.Op
	// A sign-flexible (literal) side adopts the other side's sign.
	la, ra := *li, *ri
	lf, rf := isFlex(lt) || isFlex(li), isFlex(rt) || isFlex(ri)
	if lf && !rf {
		la.Signed = ra.Signed
	} else if rf && !lf {
		ra.Signed = la.Signed
	}
	cmp := isComparison(op)
	var res types.Type
	signed := la.Signed || ra.Signed || op == "-"
	if la == ra {
		signed = la.Signed || op == "-"
	} else if !cmp && (op == "/" || op == "%") && (la.Signed || ra.Signed) {
		e := c.warnf(x, CodeSignedDivision, "signed operands of %s are undefined behaviour in BPF for negative values", op)
		e.Hint = "cast the operands to an unsigned type to silence this warning"
	}
	common := mkInt(64, signed)
	if cmp {
		// Comparisons convert both sides to a common type.
		j, _ := joinInt(&la, &ra)
		common = mkInt(64, j.Signed)
		if la == ra {
			common = mkInt(64, la.Signed)
		}
		res = types.Bool{}
	} else {
		res = common
	}
	for _, side := range []struct {
		e ast.Expr
		t types.Type
		i types.Int
		f bool
	}{{x.X, lt, la, lf}, {x.Y, rt, ra, rf}} {
		if side.f || types.Identical(side.t, common) {
			continue
		}
		if !side.i.Signed && common.Signed && side.i.Bits == 64 {
			c.signWarning(side.e, side.t, common)
		}
		c.convert(side.e, side.t, common)
	}
	return res
}

func (c *checker) signWarning(x ast.Expr, from, to types.Type) {
	c.warnf(ast.Unparen(x), CodeImplicitSignChange, "%s value converted to %s may change its meaning; add an explicit cast if intended", typeName(from), typeName(to))
}

func (c *checker) pointerBinary(x *ast.BinaryExpr, lt, rt types.Type, lp, rp *types.Pointer) types.Type {
	op := x.Op
	cmp := isComparison(op)
	if lp != nil && rp != nil {
		if cmp {
			if !types.Identical(lp.Elem, rp.Elem) && !isVoid(lp.Elem) && !isVoid(rp.Elem) && known(lp.Elem) && known(rp.Elem) {
				e := c.warnf(x, CodePointerMismatch, "comparing pointers to different types: %s and %s", typeName(lt), typeName(rt))
				_ = e
			}
			return types.Bool{}
		}
		c.badOperands(x, lt, rt)
		return nil
	}
	ptr, other := lt, rt
	if lp == nil {
		ptr, other = rt, lt
	}
	if !isInt(other) && !isBool(other) && !castableAgg(other) {
		c.badOperands(x, lt, rt)
		return nil
	}
	switch {
	case op == "-" && lp == nil:
		c.badOperands(x, lt, rt)
		return nil
	case op == "+" || op == "-":
		return ptr
	case cmp:
		return types.Bool{}
	}
	c.badOperands(x, lt, rt)
	return nil
}

func (c *checker) unary(x *ast.UnaryExpr) types.Type {
	switch x.Op {
	case "-":
		if lit, ok := ast.Unparen(x.X).(*ast.IntLit); ok {
			c.expr(x.X)
			if lit.Value > 1<<63 || lit.Overflow {
				c.errorf(x, CodeLiteralRange, "-%s does not fit in a 64-bit signed integer", lit.Raw)
				return types.Int64
			}
			v := -int64(lit.Value)
			if lit.Value == 1<<63 {
				v = math.MinInt64
			}
			c.info.Consts[x] = v
			return negLiteralType(v)
		}
		t := c.expr(x.X)
		if !known(t) {
			return t
		}
		i := valueInt(t)
		if i == nil || isBool(t) {
			c.errorf(x, CodeInvalidOperand, "operator - cannot be used on %s", typeName(t))
			return nil
		}
		if v, ok := c.constOf(x.X); ok {
			c.info.Consts[x] = -v
			if -v < 0 {
				return negLiteralType(-v)
			}
			return literalType(uint64(-v))
		}
		return mkInt(64, i.Signed && true)
	case "!":
		t := c.expr(x.X)
		if known(t) && !isBool(t) && !isInt(t) && !castableAgg(t) {
			c.errorf(x, CodeInvalidOperand, "operator ! cannot be used on %s", typeName(t))
		}
		if v, ok := c.constOf(x.X); ok {
			c.info.Consts[x] = b2i(v == 0)
		}
		return types.Bool{}
	case "~":
		t := c.expr(x.X)
		if !known(t) {
			return t
		}
		i := valueInt(t)
		if i == nil || isBool(t) {
			c.errorf(x, CodeInvalidOperand, "operator ~ cannot be used on %s", typeName(t))
			return nil
		}
		if v, ok := c.constOf(x.X); ok {
			c.info.Consts[x] = ^v
		}
		return mkInt(64, i.Signed)
	case "*":
		t := c.expr(x.X)
		if !known(t) {
			return t
		}
		p := ptrOf(t)
		if p == nil {
			if isInt(t) {
				// An integer is an address: *addr reads a uint64 there.
				return types.Uint64
			}
			if id, ok := ast.Unparen(x.X).(*ast.Ident); ok && id.Name == "args" && structOf(t) != nil {
				return t // *args is args (old scripts)
			}
			c.errorf(x, CodeInvalidDeref, "cannot dereference %s: it is not a pointer", typeName(t))
			return nil
		}
		if isVoid(p.Elem) {
			c.errorf(x, CodeInvalidDeref, "cannot dereference a void pointer; cast it to a typed pointer first")
			return nil
		}
		return p.Elem
	case "&":
		return c.addressOf(x)
	case "++", "--":
		return c.incDec(x)
	}
	c.expr(x.X)
	return nil
}

func (c *checker) addressOf(x *ast.UnaryExpr) types.Type {
	switch y := ast.Unparen(x.X).(type) {
	case *ast.Variable:
		t := c.expr(y)
		if t == nil {
			if sym, _ := c.lookupVar(y.Name); sym != nil && sym.Type == nil {
				c.errorf(y, CodeNoValue, "$%s has no type yet, so its address cannot be taken", y.Name)
			}
			return nil
		}
		return &types.Pointer{Elem: t, Space: types.AddrKernel}
	case *ast.MapExpr:
		if m := c.maps[c.mapAlias(mapName(y))]; (m == nil || (!m.written && m.decl == nil)) && !c.writtenMaps[c.mapAlias(mapName(y))] {
			c.useMapWhole(y) // reports the undefined map
			return nil
		}
		if !c.maybeScalar(y) {
			// The address of a whole map with keys.
			m := c.useMapWhole(y)
			if m == nil || m.value == nil {
				return nil
			}
			return &types.Pointer{Elem: &types.Map{Key: m.key, Value: m.value}, Space: types.AddrKernel}
		}
		t := c.expr(x.X)
		if t == nil {
			return nil
		}
		if aggOf(t) != nil {
			c.errorf(x, CodeInvalidAddressOf, "cannot take the address of a %s aggregation", typeName(t))
			return nil
		}
		return &types.Pointer{Elem: t, Space: types.AddrKernel}
	case *ast.MapAccess:
		if y.Map != nil {
			if m := c.maps[c.mapAlias(mapName(y.Map))]; (m == nil || (!m.written && m.decl == nil)) && !c.writtenMaps[c.mapAlias(mapName(y.Map))] {
				c.expr(x.X)
				c.errorf(y.Map, CodeUndefinedMap, "map %s is never assigned, so its elements have no address", mapName(y.Map))
				return nil
			}
		}
		t := c.expr(x.X)
		if t == nil {
			return nil
		}
		if aggOf(t) != nil {
			c.errorf(x, CodeInvalidAddressOf, "cannot take the address of a %s aggregation", typeName(t))
			return nil
		}
		return &types.Pointer{Elem: t, Space: types.AddrKernel}
	case *ast.FieldExpr, *ast.IndexExpr:
		t := c.expr(x.X)
		if t == nil {
			return nil
		}
		return &types.Pointer{Elem: t, Space: types.AddrKernel}
	}
	c.expr(x.X) // the parser reports & of anything else
	return nil
}

// incDec is ++ and -- on variables and maps (maps start at zero).
func (c *checker) incDec(x *ast.UnaryExpr) types.Type {
	switch y := ast.Unparen(x.X).(type) {
	case *ast.Variable:
		sym, alias := c.lookupVar(y.Name)
		if sym == nil {
			_ = alias
			c.varRead(y)
			return nil
		}
		t := c.varRead(y)
		if t == nil {
			return nil
		}
		if ptrOf(t) != nil {
			return t
		}
		if !isInt(t) {
			c.errorf(x, CodeInvalidOperand, "operator %s needs an integer or a pointer, but $%s is %s", x.Op, y.Name, typeName(t))
			return nil
		}
		c.assignVar(sym, mkInt(64, intOf(t).Signed || x.Op == "--"), x)
		return sym.Type
	case *ast.MapExpr, *ast.MapAccess:
		var m *mapState
		var me *ast.MapExpr
		if ma, ok := y.(*ast.MapAccess); ok {
			me = ma.Map
			if me == nil {
				return nil
			}
			m = c.useMapFor(me, ma, false, true)
			kt := c.mapKeyType(ma.Keys)
			c.joinKey(m, kt, ma)
		} else {
			me = y.(*ast.MapExpr)
			m = c.useMapFor(me, me, true, true)
		}
		if m == nil {
			return nil
		}
		m.written = true
		cur := m.value
		if cur != nil && aggOf(cur) != nil {
			c.errorf(x, CodeInvalidOperand, "operator %s cannot be used on %s, which holds a %s aggregation", x.Op, m.name, typeName(cur))
			return nil
		}
		if cur != nil && ptrOf(cur) == nil && !isInt(cur) {
			c.errorf(x, CodeInvalidOperand, "operator %s needs an integer or a pointer, but %s holds %s", x.Op, m.name, typeName(cur))
			return nil
		}
		nt := types.Type(types.Int64)
		if cur != nil && ptrOf(cur) != nil {
			nt = cur
		} else if cur != nil && !intOf(cur).Signed && x.Op == "++" {
			nt = types.Uint64
		}
		c.joinValue(m, nt, x, x)
		if _, ok := y.(*ast.MapExpr); ok {
			c.info.Types[me] = m.value
		} else {
			c.info.Types[y] = m.value
		}
		return m.value
	}
	c.expr(x.X) // the parser reports ++/-- of anything else
	return nil
}

// ---------------------------------------------------------------------
// Conditions and branches

// checkCondition reports a value that cannot be tested for truth.
func (c *checker) checkCondition(x ast.Expr, t types.Type, what string) {
	if !known(t) {
		return
	}
	if isBool(t) || isInt(t) || ptrOf(t) != nil || castableAgg(t) {
		return
	}
	if _, lit := ast.Unparen(x).(*ast.StringLit); lit && !strings.HasPrefix(what, "an operand") {
		return // a constant condition, always true
	}
	c.errorf(ast.Unparen(x), CodeInvalidCondition, "%s must be a bool, an integer or a pointer, not %s", what, typeName(t))
}

func (c *checker) cond(x *ast.CondExpr) types.Type {
	ct := c.expr(x.Cond)
	c.checkCondition(x.Cond, ct, "the condition")
	var tt types.Type
	if x.Then != nil {
		tt = c.expr(x.Then)
	} else {
		tt = ct
	}
	et := c.expr(x.Else)
	return c.branches(x, x.Then, x.Else, tt, et)
}

// branches joins the types of two alternative values (ternary arms, if
// and else blocks).
func (c *checker) branches(x, a, b ast.Node, at, bt types.Type) types.Type {
	if at == nil || bt == nil {
		return nil
	}
	if IsUnknown(at) {
		return bt
	}
	if IsUnknown(bt) {
		return at
	}
	if isVoid(at) && isVoid(bt) {
		return at
	}
	j, ok := join(at, bt)
	if !ok || isVoid(at) != isVoid(bt) {
		e := c.errorf(x, CodeBranchMismatch, "the two branches have different types: %s and %s", typeName(at), typeName(bt))
		if a != nil {
			noteAt(e, c.file, a, "this branch is %s", typeName(at))
		}
		if b != nil {
			noteAt(e, c.file, b, "this branch is %s", typeName(bt))
		}
		return nil
	}
	if a != nil && !types.Identical(at, j) {
		if ae, ok := a.(ast.Expr); ok {
			c.assignConversion(ae, at, j)
		}
	}
	if b != nil && !types.Identical(bt, j) {
		if be, ok := b.(ast.Expr); ok {
			c.assignConversion(be, bt, j)
		}
	}
	return j
}

// ifExpr checks an if; value says whether its value is used.
func (c *checker) ifExpr(x *ast.IfExpr, value bool) types.Type {
	ct := c.expr(x.Cond)
	c.checkCondition(x.Cond, ct, "the condition")
	if usesPositional(x.Cond) {
		// Decided by the command line: fail() below may not be reached.
		c.paramCond++
		defer func() { c.paramCond-- }()
	}
	if ce, ok := ast.Unparen(x.Cond).(*ast.ComptimeExpr); ok {
		// A compile-time condition removes the branch not taken: it is
		// not checked, as bpftrace does not compile it.
		v, known := c.constOf(ce)
		if !known {
			// Undecided here (a type the checker does not know): the
			// compiler decides, so fail() in a branch is not reached yet.
			c.paramCond++
			defer func() { c.paramCond-- }()
		}
		if known {
			var taken ast.Expr = x.Then
			if v == 0 {
				taken = x.Else
			}
			switch b := taken.(type) {
			case *ast.BlockExpr:
				return c.block(b, value)
			case *ast.IfExpr:
				return c.ifExpr(b, value)
			}
			return types.Void{}
		}
	}
	tt := c.block(x.Then, value)
	var et types.Type
	switch e := x.Else.(type) {
	case *ast.BlockExpr:
		et = c.block(e, value)
	case *ast.IfExpr:
		et = c.ifExpr(e, value)
		if et != nil {
			c.info.Types[e] = et
		}
	case nil:
		if value && tt != nil && !isVoid(tt) {
			c.errorf(x, CodeBranchMismatch, "an if used as a value needs an else branch")
			return nil
		}
		return types.Void{}
	}
	if !value {
		return types.Void{}
	}
	return c.branches(x, x.Then, x.Else, tt, et)
}

// ---------------------------------------------------------------------
// Tuples and records

func (c *checker) tuple(x *ast.TupleExpr) types.Type {
	elems := make([]types.Type, 0, len(x.Elems))
	ok := true
	for _, e := range x.Elems {
		t := c.expr(e)
		if t == nil {
			ok = false
			continue
		}
		if !c.storable(e, t, "a tuple element") {
			ok = false
		}
		if castableAgg(t) {
			t = aggInt(aggOf(t))
		}
		elems = append(elems, t)
	}
	if !ok {
		return nil
	}
	return &types.Tuple{Elems: elems}
}

func (c *checker) record(x *ast.RecordExpr) types.Type {
	r := &types.Record{}
	ok := true
	for _, f := range x.Fields {
		if f == nil || f.Name == nil {
			ok = false
			continue
		}
		t := c.expr(f.Value)
		if t == nil {
			ok = false
			continue
		}
		c.info.Types[f] = t
		if !c.storable(f.Value, t, "a record field") {
			ok = false
		}
		if castableAgg(t) {
			t = aggInt(aggOf(t))
		}
		if r.Index(f.Name.Name) >= 0 {
			continue // the parser reports duplicates
		}
		r.Names = append(r.Names, f.Name.Name)
		r.Elems = append(r.Elems, t)
	}
	if !ok {
		return nil
	}
	return r
}

// storable reports (and complains about) values that cannot be kept in a
// tuple, record, variable or map.
func (c *checker) storable(x ast.Expr, t types.Type, what string) bool {
	switch u := t.(type) {
	case types.Void:
		c.errorf(x, CodeNoValue, "this expression has no value and cannot be %s", what)
		return false
	case *types.Aggregation:
		if !castableAgg(u) {
			c.errorf(x, CodeBadAssign, "a %s aggregation cannot be %s", u, what)
			return false
		}
	case *types.Map:
		c.errorf(x, CodeBadAssign, "a map cannot be %s", what)
		return false
	}
	return true
}

// ---------------------------------------------------------------------
// Field access, indexing

func (c *checker) field(x *ast.FieldExpr) types.Type {
	if x.Field == nil {
		c.expr(x.X)
		return nil
	}
	name := x.Field.Name
	if id, ok := x.X.(*ast.Ident); ok && id.Name == "args" && !c.isShadowed(id) {
		return c.argsField(x, id)
	}
	t := c.expr(x.X)
	if x.Arrow {
		c.legacyArrow(x)
	}
	if !known(t) {
		return t
	}
	return c.fieldOf(x, t, name)
}

// isShadowed reports whether the identifier names a macro expression
// parameter instead of the builtin.
func (c *checker) isShadowed(id *ast.Ident) bool {
	if c.macro != nil {
		if _, ok := c.macro.exprs[id.Name]; ok {
			return true
		}
	}
	return false
}

// fieldOf is the type of field name of a value of type t (auto-deref of
// pointers to structs).
func (c *checker) fieldOf(x *ast.FieldExpr, t types.Type, name string) types.Type {
	base := t
	if p := ptrOf(t); p != nil {
		base = p.Elem
		if IsUnknown(base) {
			return Unknown
		}
	}
	switch u := types.Underlying(base).(type) {
	case *types.Struct:
		f, ok := u.Field(name)
		if !ok {
			if len(u.Fields()) == 0 && u.Bytes == 0 && u.Origin != "c" {
				// An opaque (forward-declared) struct: nothing to check.
				return Unknown
			}
			e := c.errorf(x.Field, CodeNoSuchField, "%s has no field %s", typeName(base), name)
			c.suggestFix(e, x.Field, name, fieldNames(u))
			return nil
		}
		ft := f.Type
		if a, ok := ft.(*types.Array); ok && u.Origin == "c" && isPlainChar(a.Elem) {
			// a char array field of the script's C reads as a string, as
			// the kernel's (BTF) do (not arrays of typedefs like uint8_t)
			ft = &types.String{Len: a.Len, CharArray: true}
		}
		c.info.Uses[x.Field] = &Symbol{Kind: SymField, Name: name, Type: ft}
		if p := ptrOf(t); p != nil {
			ft = withSpace(ft, p.Space)
		}
		return ft
	case *types.Record:
		i := u.Index(name)
		if i < 0 {
			e := c.errorf(x.Field, CodeNoSuchField, "record %s has no field %s", typeName(base), name)
			c.suggestFix(e, x.Field, name, u.Names)
			return nil
		}
		c.info.Uses[x.Field] = &Symbol{Kind: SymField, Name: name, Type: u.Elems[i]}
		return u.Elems[i]
	case *types.Tuple:
		if n, err := strconv.Atoi(name); err == nil {
			if n < 0 || n >= len(u.Elems) {
				c.errorf(x.Field, CodeTupleIndex, "tuple index %d is out of range: the tuple has %d element%s", n, len(u.Elems), plural(len(u.Elems)))
				return nil
			}
			return u.Elems[n]
		}
	}
	if ptrOf(t) != nil && ptrOf(base) != nil {
		c.errorf(x, CodeNotAStruct, "cannot access field %s of %s: dereference the pointer to pointer first", name, typeName(t))
		return nil
	}
	c.errorf(x, CodeNotAStruct, "Can not access field '%s' on expression of type '%s'", name, typeinfoFull(t))
	return nil
}

// withSpace moves a pointer type read through a pointer in space sp to
// that address space (a user struct's pointer fields, and the elements
// of its arrays of pointers, point to user memory).
func withSpace(t types.Type, sp types.AddrSpace) types.Type {
	switch p := t.(type) {
	case *types.Pointer:
		if p.Space != types.AddrUser && sp == types.AddrUser {
			return &types.Pointer{Elem: p.Elem, Space: sp}
		}
	case *types.Array:
		if e := withSpace(p.Elem, sp); e != p.Elem {
			return &types.Array{Elem: e, Len: p.Len}
		}
	}
	return t
}

func fieldNames(s *types.Struct) []string {
	var out []string
	var walk func(s *types.Struct, depth int)
	walk = func(s *types.Struct, depth int) {
		for _, f := range s.Fields() {
			if f.Name != "" {
				out = append(out, f.Name)
			} else if in := structOf(f.Type); in != nil && depth < 8 {
				walk(in, depth+1)
			}
		}
	}
	walk(s, 0)
	return out
}

func (c *checker) tupleIndex(x *ast.TupleIndexExpr) types.Type {
	t := c.expr(x.X)
	if !known(t) {
		return t
	}
	if p := ptrOf(t); p != nil {
		if tu, ok := types.Underlying(p.Elem).(*types.Tuple); ok {
			t = tu
		}
	}
	switch u := types.Underlying(t).(type) {
	case *types.Tuple:
		if x.Index < 0 || x.Index >= len(u.Elems) {
			c.errorf(x, CodeTupleIndex, "tuple index %d is out of range: the tuple has %d element%s", x.Index, len(u.Elems), plural(len(u.Elems)))
			return nil
		}
		return u.Elems[x.Index]
	}
	c.errorf(x, CodeNotATuple, "cannot use .%d on %s: it is not a tuple", x.Index, typeName(t))
	return nil
}

func (c *checker) index(x *ast.IndexExpr) types.Type {
	t := c.expr(x.X)
	it := c.expr(x.Index)
	if known(it) && !isInt(it) {
		c.errorf(x.Index, CodeInvalidIndex, "an index must be an integer, not %s", typeName(it))
	}
	if !known(t) {
		return t
	}
	switch u := types.Underlying(t).(type) {
	case *types.Array:
		if v, ok := c.constOf(x.Index); ok && (v < 0 || (u.Len > 0 && v >= int64(u.Len))) {
			c.errorf(x, CodeInvalidIndex, "the index %d is out of bounds for array of size %d", v, u.Len)
			return nil
		}
		return u.Elem
	case *types.Pointer:
		if isVoid(u.Elem) {
			c.errorf(x, CodeInvalidIndex, "cannot index a void pointer; cast it to a typed pointer first")
			return nil
		}
		return withSpace(u.Elem, u.Space)
	case *types.String:
		if v, ok := c.constOf(x.Index); ok && (v < 0 || (u.Len > 0 && v >= int64(u.Len))) {
			c.errorf(x.Index, CodeInvalidIndex, "index %d is out of bounds for %s", v, typeName(t))
			return nil
		}
		return types.Int8
	case *types.Tuple:
		v, ok := c.constOf(x.Index)
		if !ok && c.positionalUnknown(x.Index) {
			return Unknown
		}
		if !ok {
			c.errorf(x.Index, CodeNotConstant, "a tuple index must be a constant")
			return nil
		}
		if v < 0 || v >= int64(len(u.Elems)) {
			c.errorf(x.Index, CodeTupleIndex, "tuple index %d is out of range: the tuple has %d element%s", v, len(u.Elems), plural(len(u.Elems)))
			return nil
		}
		return u.Elems[v]
	}
	c.errorf(x, CodeInvalidIndex, "cannot index %s: only arrays, pointers, strings and tuples can be indexed", typeName(t))
	return nil
}

// ---------------------------------------------------------------------
// Casts and type operators

func (c *checker) cast(x *ast.CastExpr) types.Type {
	vt := c.expr(x.X)
	if x.Type == nil {
		return nil
	}
	to := c.resolveTypeFor(x.Type, vt)
	if to == nil {
		return nil
	}
	c.info.Types[x.Type] = to
	if v, ok := c.constOf(x.X); ok && isInt(to) {
		c.info.Consts[x] = truncate(v, intOf(to))
	}
	if !known(vt) || IsUnknown(to) {
		return to
	}
	if isLiteralExpr(x.X) && isInt(vt) {
		if a, ok := types.Underlying(to).(*types.Array); ok && (isInt(a.Elem) || isBool(a.Elem)) && a.Size() <= 8 {
			// A constant fills an integer array of any size.
			return to
		}
	}
	if err := castError(vt, to); err != "" {
		c.errorf(x, CodeInvalidCast, "%s", err)
		return nil
	}
	if types.Identical(vt, to) {
		// At "(type)", where bpftrace puts it.
		at := source.Span{Start: x.Span().Start, End: x.Type.Span().End}
		if c.file != nil {
			if i := bytes.IndexByte(c.file.Text[min(int(at.End), len(c.file.Text)):], ')'); i >= 0 {
				at.End += source.Pos(i + 1)
			}
		}
		c.reportSpan(diag.Warning, at, CodeUnnecessaryCast, "Unnecessary cast: expression is already of type %s", typeName(to))
	}
	if e, ok := types.Underlying(to).(*types.Enum); ok {
		if v, isConst := c.constOf(x.X); isConst && len(e.Values) > 0 {
			found := false
			for _, ev := range e.Values {
				if ev.Value == v {
					found = true
					break
				}
			}
			if !found {
				c.errorf(x, CodeInvalidCast, "%d is not a value of %s", v, typeName(to))
			}
		}
	}
	return to
}

// truncate converts a constant to the integer type t.
func truncate(v int64, t *types.Int) int64 {
	switch t.Bits {
	case 8:
		if t.Signed {
			return int64(int8(v))
		}
		return int64(uint8(v))
	case 16:
		if t.Signed {
			return int64(int16(v))
		}
		return int64(uint16(v))
	case 32:
		if t.Signed {
			return int64(int32(v))
		}
		return int64(uint32(v))
	}
	return v
}

// castError explains why a value of type from cannot be cast to to, or
// returns "".
func castError(from, to types.Type) string {
	fu, tu := types.Underlying(from), types.Underlying(to)
	switch t := tu.(type) {
	case *types.Int, *types.Enum:
		switch f := fu.(type) {
		case *types.Int, *types.Enum, types.Bool, *types.Pointer:
			return ""
		case *types.Aggregation:
			if castableAgg(f) {
				return ""
			}
		case *types.Array:
			if isInt(f.Elem) && f.Size() == tu.Size() {
				return ""
			}
			if isInt(f.Elem) {
				return fmt.Sprintf("cannot cast %s (%d bytes) to %s (%d bytes): the sizes must be equal", typeName(from), f.Size(), typeName(to), tu.Size())
			}
		}
	case types.Bool:
		switch f := fu.(type) {
		case *types.Int, *types.Enum, types.Bool, *types.Pointer:
			return ""
		case *types.Aggregation:
			if castableAgg(f) {
				return ""
			}
		case *types.String:
			return "" // true when not empty
		}
	case *types.Pointer:
		switch fu.(type) {
		case *types.Int, *types.Enum, *types.Pointer:
			return ""
		case *types.Array, *types.String:
			return ""
		}
	case *types.Array:
		if isInt(t.Elem) || isBool(t.Elem) {
			switch f := fu.(type) {
			case *types.Int, *types.Enum:
				if t.Size() == f.Size() {
					return ""
				}
				return fmt.Sprintf("cannot cast %s (%d bytes) to %s (%d bytes): the sizes must be equal", typeName(from), f.Size(), typeName(to), t.Size())
			case *types.Array:
				if t.Size() == f.Size() {
					return ""
				}
				return fmt.Sprintf("cannot cast %s (%d bytes) to %s (%d bytes): the sizes must be equal", typeName(from), f.Size(), typeName(to), t.Size())
			case *types.String:
				if t.Size() == f.Size() {
					return ""
				}
			}
		}
	case *types.String:
		switch f := fu.(type) {
		case *types.String:
			if f.Len <= t.Len || t.Len == 0 {
				return ""
			}
			return fmt.Sprintf("cannot cast %s to %s: the string does not fit", typeName(from), typeName(to))
		case *types.Array:
			return ""
		}
	case *types.Struct:
		if types.Identical(fu, tu) {
			return ""
		}
	case *types.Tuple, *types.Record:
		if sameKind(fu, tu) {
			return ""
		}
	}
	if types.Identical(fu, tu) {
		return ""
	}
	return fmt.Sprintf("cannot cast %s to %s", typeName(from), typeName(to))
}

func (c *checker) sizeof(x *ast.SizeofExpr) types.Type {
	var t types.Type
	if x.Type != nil {
		t = c.resolveType(x.Type)
	} else {
		t = c.typeOperand(x.X)
	}
	if known(t) {
		if _, ok := t.(*types.Struct); ok || t.Size() > 0 || isVoid(t) {
			c.info.Consts[x] = int64(t.Size())
			// bpftrace replaces sizeof by its value: a literal.
			return literalType(uint64(t.Size()))
		}
	}
	return flexI64 // a constant not known here
}

func (c *checker) offsetof(x *ast.OffsetofExpr) types.Type {
	var t types.Type
	if x.Type != nil {
		t = c.resolveType(x.Type)
	} else {
		t = c.typeOperand(x.X)
	}
	if !known(t) {
		return flexI64 // a constant not known here
	}
	off := 0
	for _, f := range x.Fields {
		if f == nil {
			return types.Uint64
		}
		switch u := types.Underlying(t).(type) {
		case *types.Struct:
			fld, ok := u.Field(f.Name)
			if !ok {
				e := c.errorf(f, CodeNoSuchField, "%s has no field %s", typeName(t), f.Name)
				c.suggestFix(e, f, f.Name, fieldNames(u))
				return types.Uint64
			}
			off += fld.BitOffset / 8
			t = fld.Type
		case *types.Record:
			i := u.Index(f.Name)
			if i < 0 {
				e := c.errorf(f, CodeNoSuchField, "record %s has no field %s", typeName(t), f.Name)
				c.suggestFix(e, f, f.Name, u.Names)
				return types.Uint64
			}
			off += u.Offsets()[i]
			t = u.Elems[i]
		default:
			if IsUnknown(t) {
				return flexI64
			}
			c.errorf(f, CodeNotAStruct, "offsetof needs a struct or record, but %s is not one", typeName(t))
			return types.Uint64
		}
	}
	c.info.Consts[x] = int64(off)
	return literalType(uint64(off))
}

// convert records an implicit conversion of x from type from to to.
func (c *checker) convert(n ast.Node, from, to types.Type) {
	x, ok := n.(ast.Expr)
	if !ok || !known(from) || !known(to) || types.Identical(from, to) {
		return
	}
	c.info.Conversions[x] = to
}

// assignConversion records the conversion of value x (type from) stored
// into a location of type to, warning about sign changes.
func (c *checker) assignConversion(x ast.Expr, from, to types.Type) {
	if !known(from) || !known(to) {
		return
	}
	fi, ti := valueInt(from), intOf(to)
	if fi != nil && ti != nil && isLiteralExpr(x) {
		if v, ok := c.constOf(x); ok {
			big := fi == types.Uint64 && v < 0 // a literal beyond int64
			if (big && ti.Signed) || (!big && !literalFits(v, v < 0, uint64(v), ti)) {
				c.errorf(x, CodeLiteralRange, "%s does not fit in %s", string(c.textOf(x)), typeName(to))
			}
		}
	}
	if fi != nil && ti != nil && !isFlex(from) && !fits(from, to) && fi.Signed != ti.Signed && !isLiteralExpr(x) {
		c.signWarning(x, from, to)
	}
	c.convert(x, from, to)
}

// compileTimeExpr reports whether x is made of things known when the
// script is compiled (literals, type introspection, compile-time
// builtins), which comptime accepts even when the checker does not fold
// them.
func compileTimeExpr(x ast.Expr) bool {
	ok := true
	ast.Inspect(x, func(n ast.Node) bool {
		if !ok {
			return false
		}
		switch y := n.(type) {
		case *ast.TypeinfoExpr, *ast.TypeofExpr, *ast.SizeofExpr, *ast.OffsetofExpr:
			return false
		case *ast.CallExpr:
			if y.Fun != nil {
				if b, found := builtins.Lookup(y.Fun.Name); found && b.CompileTime {
					return false
				}
			}
			ok = false
		case *ast.Variable, *ast.MapExpr, *ast.MapAccess:
			ok = false
		}
		return true
	})
	return ok
}

// usesPositional reports whether x reads a positional parameter.
func usesPositional(x ast.Expr) bool {
	found := false
	ast.Inspect(x, func(n ast.Node) bool {
		if _, ok := n.(*ast.PositionalParam); ok {
			found = true
		}
		return !found
	})
	return found
}
