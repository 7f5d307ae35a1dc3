package builtins

import (
	"fmt"
	"strings"

	"github.com/bt-tools/bt/analysis/types"
)

// Pattern is the closed vocabulary of parameter and result types. The
// parameter patterns say which arguments are accepted (see Param.Check);
// the result patterns say how the checker derives the result type.
type Pattern uint8

const (
	// Concrete is exactly TypeSpec.Type. As a parameter an integer type
	// accepts any integer (the width is the one bpftrace converts to;
	// overload resolution prefers the variant of the argument's width), a
	// string type accepts a string of any size, other types must be
	// identical.
	Concrete Pattern = iota

	// ---- parameter patterns

	// Any value of any type ("T").
	Any
	// AnyInt is an integer or enum of any width and sign.
	AnyInt
	// IntOrPointer is an integer or a pointer (an address).
	IntOrPointer
	// Pointer is a pointer to anything.
	Pointer
	// StructPtr is a pointer to the struct named TypeSpec.Name (without
	// the "struct" keyword). As a result: a kernel pointer to that struct,
	// whose definition the checker takes from BTF (curtask).
	StructPtr
	// PointerOrStruct is a pointer or a C struct value (path's argument).
	PointerOrStruct
	// String is a string of any size.
	String
	// StringLike is a string, an array of int8 or a pointer to int8 (the
	// string helpers of the standard library).
	StringLike
	// StrSource is what str() reads from: a string, an integer address or
	// a pointer.
	StrSource
	// BufSource is what buf() reads from: an integer address, a string, a
	// pointer or an array.
	BufSource
	// StringLit is a string literal (a constant).
	StringLit
	// FormatString is a string literal with printf verbs that the
	// following (variadic) arguments are checked against; see
	// ParseFormat.
	FormatString
	// Condition is a value tested for truth: bool, integer or pointer.
	Condition
	// IntLit is an integer literal (a constant); Param.Range bounds it.
	IntLit
	// Literal is a bool, integer or string literal.
	Literal
	// Map is a whole map `@m`, written without keys.
	Map
	// MapKey is a key of the map given as argument 0: one value, or a
	// tuple for a map with several keys. The checker unifies it with the
	// map's key type.
	MapKey
	// MapValueVar is a scratch variable `$v` that receives a map value.
	MapValueVar
	// MapElem is a map element `@m[k]`.
	MapElem
	// TypeOrExpr is a type, or an expression whose static type is used
	// (the expression is not evaluated).
	TypeOrExpr
	// TypeName is a type (or typeof(...)).
	TypeName
	// Ident is a bare identifier; Param.Choices lists the accepted ones
	// when the set is closed (stack modes, timestamp modes, namespaces).
	Ident
	// FieldPath is a field name or a dotted path of field names.
	FieldPath
	// Stack is a kstack or ustack value; TypeSpec.Name "kstack" or
	// "ustack" narrows it to one of them.
	Stack
	// ByteArray is an array of one-byte integers, or a string, of exactly
	// TypeSpec.Len bytes.
	ByteArray
	// MacSource is what macaddr() reads from: an integer address, a
	// pointer, or an array of at least 6 bytes (not a string literal).
	MacSource

	// ---- result patterns

	// SameAs is the type of argument TypeSpec.Arg. With Space set, a
	// pointer result is moved to that address space (kptr, uptr).
	SameAs
	// StrFromArg is string[n+Len] where n is the value of the integer
	// literal argument TypeSpec.Arg; string[max_strlen] when that argument
	// is absent or not a literal. str (Len 1) falls back to max_strlen,
	// with a warning, when n+1 exceeds it; path (Len 0) is not capped.
	StrFromArg
	// BufFromArg is buffer[n] where n is the integer literal argument
	// TypeSpec.Arg; with one argument, the size of the array passed; both
	// capped by max_strlen minus the buffer header.
	BufFromArg
	// MaxString is string[max_strlen] (a string sized by the config).
	MaxString
	// ConstString is a string computed at compile time, sized to fit it
	// (probe, probetype).
	ConstString
	// KStack is a kernel stack; mode and limit come from the call's
	// optional arguments, else the stack_mode config and 127 frames.
	KStack
	// UStack is a user stack, like KStack.
	UStack
	// ProbeArgs is the args struct of the probe: the traced function's
	// parameters (fentry, fexit, uprobe with DWARF, rawtracepoint) or the
	// tracepoint's fields, from BTF.
	ProbeArgs
	// ProbeRetval is the return value: uint64 for kretprobe and uretprobe,
	// the function's BTF return type for fexit.
	ProbeRetval
	// ProbeFunc is the traced function's name: usym_t in uprobe and
	// uretprobe, ksym_t elsewhere.
	ProbeFunc
	// ProbeCtx is a pointer to the program's context: struct pt_regs for
	// kprobe-like probes, struct bpf_perf_event_data for perf events,
	// struct bpf_iter__<name> for iter.
	ProbeCtx
	// UserSymPtr is a user-space pointer to an unsigned integer as wide as
	// the ELF symbol named by the string literal argument (1, 2, 4 or 8
	// bytes; 8 when unknown).
	UserSymPtr
	// ConfigRecord is a record of the configuration values; see
	// ConfigRecordFields.
	ConfigRecord
	// LiteralType is the type of a value whose default is the literal
	// argument TypeSpec.Arg: bool for a bool, uint64 for a non-negative
	// integer, int64 for a negative one, string[max_strlen] for a string
	// (getopt).
	LiteralType
	// PtrToTypeArg is a pointer to the type given as argument TypeSpec.Arg
	// (container_of).
	PtrToTypeArg
	// TypeResult is the static type of argument TypeSpec.Arg itself, usable
	// only where a type is expected (typeof).
	TypeResult
	// TypeinfoRecord is the record (btf_id, base_type, full_type) that
	// describes the type of the argument.
	TypeinfoRecord
)

var patternNames = [...]string{
	Concrete: "", Any: "T", AnyInt: "int", IntOrPointer: "uint64",
	Pointer: "void *", StructPtr: "struct %s *", PointerOrStruct: "struct %s *",
	String: "string", StringLike: "string", StrSource: "char *", BufSource: "void *",
	StringLit: "const string", FormatString: "const string", Condition: "bool",
	IntLit: "const int64", Literal: "literal", Map: "map", MapKey: "mapkey",
	MapValueVar: "mapvalue", MapElem: "@map[key]", TypeOrExpr: "TYPE|EXPRESSION",
	TypeName: "Type", Ident: "Identifier", FieldPath: "FIELD[.SUBFIELD]",
	Stack: "stack", ByteArray: "char[%d]", MacSource: "char[6]",
	SameAs: "T", StrFromArg: "string", BufFromArg: "buffer", MaxString: "string",
	ConstString: "string", KStack: "kstack_t", UStack: "ustack_t", ProbeArgs: "struct args",
	ProbeRetval: "uint64", ProbeFunc: "ksym_t", ProbeCtx: "ctx_t *",
	UserSymPtr: "T *", ConfigRecord: "Record", LiteralType: "T",
	PtrToTypeArg: "Container *", TypeResult: "TYPE", TypeinfoRecord: "Record",
}

func (p Pattern) String() string {
	if int(p) < len(patternNames) && patternNames[p] != "" {
		return strings.TrimSpace(strings.NewReplacer("%s", "T", "%d", "N").Replace(patternNames[p]))
	}
	if p == Concrete {
		return "concrete"
	}
	return fmt.Sprintf("Pattern(%d)", uint8(p))
}

// IsResult reports whether p is a result-only pattern.
func (p Pattern) IsResult() bool { return p >= SameAs }

// TypeSpec is a parameter's or result's type: a concrete type or a
// pattern.
type TypeSpec struct {
	Pattern Pattern
	// Type is the concrete type (Concrete).
	Type types.Type
	// Arg is the index of the argument a derived result depends on
	// (SameAs, StrFromArg, BufFromArg, LiteralType, PtrToTypeArg,
	// TypeResult).
	Arg int
	// Len is the byte count of ByteArray, and the bytes added to the
	// literal length for StrFromArg.
	Len int
	// Name is the struct name of StructPtr and PointerOrStruct.
	Name string
	// Space is the address space SameAs moves a pointer to (kptr, uptr).
	Space types.AddrSpace
	// Display overrides how the spec is printed in signatures, to follow
	// bpftrace's reference notation (`ksym_t`, `T *`, `curr_ns|init`).
	Display string
}

// String is the spec as printed in a signature.
func (t TypeSpec) String() string {
	if t.Display != "" {
		return t.Display
	}
	switch t.Pattern {
	case Concrete:
		if t.Type == nil {
			return ""
		}
		return t.Type.String()
	case StructPtr, PointerOrStruct:
		return fmt.Sprintf(patternNames[t.Pattern], t.Name)
	case ByteArray:
		return fmt.Sprintf(patternNames[t.Pattern], t.Len)
	case Stack:
		if t.Name != "" {
			return t.Name
		}
	}
	return t.Pattern.String()
}

// IsVoid reports whether the spec is the void type (a statement-like
// builtin).
func (t TypeSpec) IsVoid() bool {
	_, ok := t.Type.(types.Void)
	return t.Pattern == Concrete && ok
}

// ---------------------------------------------------------------------
// Arguments and overload resolution

// ArgForm says how an argument was written.
type ArgForm uint8

const (
	// ArgExpr is any other expression (calls, literals, fields, ...).
	ArgExpr ArgForm = iota
	// ArgMap is a whole map `@m`.
	ArgMap
	// ArgMapElem is a map element `@m[k]`.
	ArgMapElem
	// ArgVariable is a scratch variable `$x`.
	ArgVariable
	// ArgIdent is a bare identifier that names no value (a stack mode,
	// a namespace, a field name).
	ArgIdent
	// ArgType is a type (`uint32`, `struct task_struct *`, typeof(x)).
	ArgType
)

// Arg describes one argument of a call for overload resolution.
type Arg struct {
	Form ArgForm
	// Type is the argument's value type; nil when unknown (unresolved
	// arguments are accepted by every value pattern, so one error does
	// not cascade).
	Type types.Type
	// Literal marks an integer, string or bool literal (after constant
	// folding).
	Literal bool
	// Int and Neg give an integer literal's value: -Int when Neg.
	Int uint64
	Neg bool
	// Str is a string literal's value or an identifier's name.
	Str string
	// ValueUnknown marks a literal whose value is not known here (a
	// positional parameter checked without the command line's values):
	// ranges and choices are not checked against it.
	ValueUnknown bool
}

func (a Arg) isValue() bool {
	return a.Form == ArgExpr || a.Form == ArgVariable || a.Form == ArgMapElem
}

// intValue returns the literal's value as an int64 and whether it fits.
func (a Arg) intValue() (int64, bool) {
	if a.Neg {
		if a.Int > 1<<63 {
			return 0, false
		}
		return -int64(a.Int), true
	}
	if a.Int > 1<<63-1 {
		return 0, false
	}
	return int64(a.Int), true
}

func isInteger(t types.Type) bool { return types.IsInteger(t) }

func isPointer(t types.Type) bool { return types.IsPointer(t) }

func isString(t types.Type) bool {
	_, ok := types.Underlying(t).(*types.String)
	return ok
}

func isBool(t types.Type) bool {
	_, ok := types.Underlying(t).(types.Bool)
	return ok
}

func isArray(t types.Type) bool {
	_, ok := types.Underlying(t).(*types.Array)
	return ok
}

func intBits(t types.Type) int {
	switch u := types.Underlying(t).(type) {
	case *types.Int:
		return u.Bits
	case *types.Enum:
		return u.Bytes * 8
	}
	return 0
}

// isInt8 reports whether t is a one-byte signed integer (char).
func isInt8(t types.Type) bool {
	i, ok := types.Underlying(t).(*types.Int)
	return ok && i.Bits == 8 && i.Signed
}

// Check reports whether a is accepted for p. The score ranks overloads:
// 2 an exact match, 1 a widening match, 0 accepted by conversion. A
// non-nil error explains the rejection.
func (p Param) Check(a Arg) (score int, err error) {
	score, err = p.Type.accepts(a)
	if err != nil {
		return 0, err
	}
	if len(p.Choices) > 0 && !a.ValueUnknown && (a.Form == ArgIdent || (a.Literal && isString(a.Type))) {
		found := false
		for _, c := range p.Choices {
			if c == a.Str {
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("%q is not one of %s", a.Str, strings.Join(p.Choices, ", "))
		}
	}
	if p.Range != nil && a.Literal && !a.ValueUnknown && a.Type != nil && isInteger(a.Type) {
		v, ok := a.intValue()
		if !ok || v < p.Range.Min || v > p.Range.Max {
			return 0, fmt.Errorf("must be between %d and %d", p.Range.Min, p.Range.Max)
		}
	}
	return score, nil
}

func (t TypeSpec) accepts(a Arg) (int, error) {
	want := func(what string) error { return fmt.Errorf("expects %s", what) }
	switch t.Pattern {
	case Map:
		if a.Form != ArgMap {
			return 0, want("a map (written @name, without keys)")
		}
		return 2, nil
	case MapElem:
		if a.Form != ArgMapElem {
			return 0, want("a map element @name[key]")
		}
		return 2, nil
	case MapValueVar:
		if a.Form != ArgVariable {
			return 0, want("a scratch variable $name")
		}
		return 2, nil
	case Ident:
		if a.Form != ArgIdent {
			return 0, want("an identifier")
		}
		return 2, nil
	case FieldPath:
		if a.Form != ArgIdent {
			return 0, want("a field name")
		}
		return 2, nil
	case TypeName:
		if a.Form != ArgType && a.Form != ArgIdent {
			return 0, want("a type")
		}
		return 2, nil
	case TypeOrExpr:
		if a.Form == ArgMap || a.Form == ArgIdent {
			return 0, want("a type or an expression")
		}
		return 2, nil
	}
	if t.Pattern.IsResult() {
		return 0, fmt.Errorf("builtins: result pattern %v used as a parameter", t.Pattern)
	}
	if !a.isValue() {
		return 0, want("a value")
	}
	if a.Type == nil {
		// Unknown type: accept what the form allows, without preference,
		// except that literal patterns still need a literal.
		switch t.Pattern {
		case StringLit, FormatString, IntLit, Literal:
			if !a.Literal {
				return 0, want("a literal")
			}
		}
		return 0, nil
	}
	if _, void := a.Type.(types.Void); void {
		return 0, want("a value (this expression has no value)")
	}
	ty := a.Type
	switch t.Pattern {
	case Concrete:
		switch want := types.Underlying(t.Type).(type) {
		case *types.Int:
			if !isInteger(ty) {
				return 0, fmt.Errorf("expects an integer (%s)", want)
			}
			switch b := intBits(ty); {
			case b == want.Bits:
				return 2, nil
			case b < want.Bits:
				return 1, nil
			}
			return 0, nil
		case *types.String:
			if !isString(ty) {
				return 0, fmt.Errorf("expects a string")
			}
			return 2, nil
		}
		if !types.Identical(types.Underlying(ty), types.Underlying(t.Type)) {
			return 0, fmt.Errorf("expects %s", t.Type)
		}
		return 2, nil
	case Any:
		return 1, nil
	case AnyInt:
		if !isInteger(ty) {
			return 0, want("an integer")
		}
		return 2, nil
	case IntOrPointer:
		if !isInteger(ty) && !isPointer(ty) {
			return 0, want("an integer or a pointer")
		}
		return 2, nil
	case Pointer:
		if !isPointer(ty) {
			return 0, want("a pointer")
		}
		return 2, nil
	case StructPtr:
		ptr, ok := types.Underlying(ty).(*types.Pointer)
		if !ok {
			return 0, fmt.Errorf("expects a struct %s pointer", t.Name)
		}
		st, ok := types.Underlying(ptr.Elem).(*types.Struct)
		if !ok || st.Union || st.Name != t.Name {
			return 0, fmt.Errorf("expects a struct %s pointer, not %s", t.Name, ty)
		}
		return 2, nil
	case PointerOrStruct:
		if _, ok := types.Underlying(ty).(*types.Struct); ok || isPointer(ty) {
			return 2, nil
		}
		return 0, want("a pointer or a struct")
	case String:
		if !isString(ty) {
			return 0, want("a string")
		}
		return 2, nil
	case StringLike:
		switch u := types.Underlying(ty).(type) {
		case *types.String:
			return 2, nil
		case *types.Array:
			if isInt8(u.Elem) {
				return 1, nil
			}
		case *types.Pointer:
			if isInt8(u.Elem) {
				return 1, nil
			}
		}
		return 0, want("a string, an int8 array or an int8 pointer")
	case StrSource:
		if isString(ty) || isInteger(ty) || isPointer(ty) {
			return 2, nil
		}
		return 0, want("a string, an integer or a pointer")
	case BufSource:
		if isString(ty) || isInteger(ty) || isPointer(ty) || isArray(ty) {
			return 2, nil
		}
		return 0, want("an integer, a string, a pointer or an array")
	case StringLit, FormatString:
		if !a.Literal || !isString(ty) {
			return 0, want("a string literal")
		}
		return 2, nil
	case Condition:
		if isBool(ty) || isInteger(ty) || isPointer(ty) {
			return 2, nil
		}
		return 0, want("a bool, an integer or a pointer")
	case IntLit:
		if !a.Literal || !isInteger(ty) {
			return 0, want("an integer literal")
		}
		return 2, nil
	case Literal:
		if !a.Literal || !(isInteger(ty) || isString(ty) || isBool(ty)) {
			return 0, want("a bool, integer or string literal")
		}
		return 2, nil
	case MapKey:
		return 1, nil
	case Stack:
		st, ok := types.Underlying(ty).(*types.Stack)
		if !ok || (t.Name == "kstack" && st.User) || (t.Name == "ustack" && !st.User) {
			return 0, want("a kstack or ustack value")
		}
		return 2, nil
	case ByteArray:
		switch u := types.Underlying(ty).(type) {
		case *types.Array:
			if u.Elem.Size() == 1 && u.Len == t.Len {
				return 2, nil
			}
		case *types.String:
			if u.Len == t.Len {
				return 2, nil
			}
		}
		return 0, fmt.Errorf("expects %d bytes (an array or string of that size)", t.Len)
	case MacSource:
		if a.Literal && isString(ty) {
			return 0, want("an address, not a string literal")
		}
		switch u := types.Underlying(ty).(type) {
		case *types.Int, *types.Enum, *types.Pointer:
			return 2, nil
		case *types.Array, *types.String:
			if u.Size() >= 6 {
				return 2, nil
			}
			return 0, want("at least 6 bytes")
		}
		return 0, want("an array, a pointer or an integer address")
	}
	return 0, fmt.Errorf("builtins: unhandled pattern %v", t.Pattern)
}

// Match reports whether args fit s. It returns, for each argument, the
// index of the parameter it binds to, and a score to rank overloads
// (higher is better). Optional parameters may be omitted anywhere; when
// several ways to omit them fit equally well, the earlier optional
// parameters are kept (print(@m, 10) binds 10 to top, not div).
func (s Signature) Match(args []Arg) (binding []int, score int, err error) {
	if s.Bare {
		return nil, 0, fmt.Errorf("%s is not called", s.Name)
	}
	lo, hi := s.ArgCount()
	if len(args) < lo || len(args) > hi {
		return nil, 0, countError(s.Name, lo, hi, len(args))
	}
	// The fixed (non-variadic) parameters, and the variadic one if any.
	fixed := s.Params
	variadic := -1
	if n := len(fixed); n > 0 && fixed[n-1].Variadic {
		variadic = n - 1
		fixed = fixed[:n-1]
	}
	var opts []int
	for i, p := range fixed {
		if p.Optional {
			opts = append(opts, i)
		}
	}
	var firstErr error
	best := -1
	// Try every subset of optional parameters to keep, preferring to keep
	// the earlier ones: the lowest bit omits the last optional parameter.
	for mask := 0; mask < 1<<len(opts); mask++ {
		keep := make([]int, 0, len(fixed))
		oi := 0
		for i, p := range fixed {
			if p.Optional {
				omitted := mask&(1<<(len(opts)-1-oi)) != 0
				oi++
				if omitted {
					continue
				}
			}
			keep = append(keep, i)
		}
		if len(args) < len(keep) || (variadic < 0 && len(args) != len(keep)) {
			continue
		}
		bind := make([]int, len(args))
		total := 0
		var bad error
		for ai := range args {
			pi := variadic
			if ai < len(keep) {
				pi = keep[ai]
			}
			sc, e := s.Params[pi].Check(args[ai])
			if e != nil {
				bad = &ArgError{Index: ai, Param: s.Params[pi], Err: e}
				break
			}
			bind[ai] = pi
			total += sc
		}
		if bad != nil {
			if firstErr == nil {
				firstErr = bad
			}
			continue
		}
		if total > best {
			best, binding = total, bind
		}
	}
	if binding == nil && len(args) == 0 {
		binding = []int{}
	}
	if best < 0 {
		if firstErr == nil {
			firstErr = countError(s.Name, lo, hi, len(args))
		}
		return nil, 0, firstErr
	}
	return binding, best, nil
}

// ArgError is a rejected argument.
type ArgError struct {
	Index int // argument position
	Param Param
	Err   error
}

func (e *ArgError) Error() string {
	name := e.Param.Name
	if name == "" {
		name = e.Param.Type.String()
	}
	return fmt.Sprintf("argument %d (%s) %v", e.Index+1, name, e.Err)
}

func (e *ArgError) Unwrap() error { return e.Err }

func countError(name string, lo, hi, n int) error {
	switch {
	case lo == hi && lo == 0:
		return fmt.Errorf("%s() takes no arguments (%d given)", name, n)
	case lo == hi:
		return fmt.Errorf("%s() takes %d argument%s (%d given)", name, lo, plural(lo), n)
	case hi == MaxArgs:
		return fmt.Errorf("%s() takes at least %d argument%s (%d given)", name, lo, plural(lo), n)
	}
	return fmt.Errorf("%s() takes %d to %d arguments (%d given)", name, lo, hi, n)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Resolve picks the overload of b that best fits a call's arguments. It
// returns the signature and, for each argument, its parameter index.
// When nothing fits, the error explains the closest miss: a wrong
// argument of a variant with the right arity, or the arity itself.
func (b *Builtin) Resolve(args []Arg) (*Signature, []int, error) {
	var (
		best      *Signature
		binding   []int
		bestScore = -1
		firstErr  error
		arityErr  error
	)
	lo, hi, callable := b.ArgCount()
	if !callable {
		return nil, nil, fmt.Errorf("%s is not a function", b.Name)
	}
	for i := range b.Variants {
		s := &b.Variants[i]
		if s.Bare {
			continue
		}
		bind, score, err := s.Match(args)
		if err != nil {
			var ae *ArgError
			if firstErr == nil && asArgError(err, &ae) {
				firstErr = err
			} else if arityErr == nil {
				arityErr = err
			}
			continue
		}
		if score > bestScore {
			best, binding, bestScore = s, bind, score
		}
	}
	if best != nil {
		return best, binding, nil
	}
	if firstErr != nil {
		return nil, nil, firstErr
	}
	if len(args) < lo || len(args) > hi {
		return nil, nil, countError(b.Name, lo, hi, len(args))
	}
	return nil, nil, arityErr
}

func asArgError(err error, target **ArgError) bool {
	ae, ok := err.(*ArgError)
	if ok {
		*target = ae
	}
	return ok
}
