// Package ast declares the syntax tree of a bpftrace script.
//
// The tree is complete and concrete enough to print the script back
// (comments are kept on the File) and precise enough for tools: every node
// records the byte range it covers in its source.File. The checker keys
// its results (types, symbol definitions and uses) by node pointer, the
// way go/types keys Info by go/ast nodes, so nodes are never shared
// between two places in a tree.
//
// Attach points are kept as written and also split into fields by the
// provider table of package probes; C text (preprocessor lines and
// struct/union/enum definitions) is kept verbatim for the C front end.
package ast

import "github.com/bt-tools/bt/analysis/source"

// Node is any node of the tree.
type Node interface {
	Pos() source.Pos // first byte
	End() source.Pos // one past the last byte
	Span() source.Span
}

// Range is embedded in every node and records its byte range.
type Range struct {
	Lo, Hi source.Pos
}

func (r *Range) Pos() source.Pos   { return r.Lo }
func (r *Range) End() source.Pos   { return r.Hi }
func (r *Range) Span() source.Span { return source.Span{Start: r.Lo, End: r.Hi} }

// RangeOf makes a Range from a span.
func RangeOf(s source.Span) Range { return Range{Lo: s.Start, Hi: s.End} }

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// Stmt is a statement node inside a block.
type Stmt interface {
	Node
	stmtNode()
}

// Decl is a top-level item of a script.
type Decl interface {
	Node
	declNode()
}

// ---------------------------------------------------------------------
// Comments

// Comment is one // or /* */ comment; Text includes the delimiters.
type Comment struct {
	Range
	Text string
}

// CommentGroup is a run of comments with no blank line and no token
// between them.
type CommentGroup struct {
	Range
	List []*Comment
}

// ---------------------------------------------------------------------
// The file

// File is one parsed script. Its range is the whole text.
type File struct {
	Range
	Source  *source.File
	Shebang *Shebang // nil when absent
	Decls   []Decl   // every top-level item in source order
	// Comments holds every comment outside C text (comments inside a
	// CDecl are part of its Text), grouped, in source order.
	Comments []*CommentGroup
}

// Shebang is the `#!...` first line.
type Shebang struct {
	Range
	Text string // without the trailing newline
}

// CKind says which C construct a CDecl holds.
type CKind int

const (
	CPreprocessor CKind = iota // #include, #define, #if..., one logical line (with \ continuations)
	CDefinition                // struct/union/enum/typedef definition up to and including its ';' if any
)

// CDecl is C text kept verbatim for the C front end, comments included.
type CDecl struct {
	Range
	Kind CKind
	Text string
}

// ConfigBlock is `config = { key = value; ... }`.
type ConfigBlock struct {
	Range
	Entries []*ConfigEntry
}

// ConfigEntry is one `key = value` of a config block.
type ConfigEntry struct {
	Range
	Key   *Ident
	Value Expr // IntLit, StringLit, BoolLit or Ident (e.g. stack_mode = perf)
}

// ImportDecl is a top-level `import "path";`.
type ImportDecl struct {
	Range
	Path *StringLit
}

// MapDecl is `let @name = kind(max_entries);`.
type MapDecl struct {
	Range
	Map  *MapExpr
	Kind *Ident // hash, lruhash, percpuhash, percpulruhash, ...
	Args []Expr // usually one IntLit: max entries
}

// MacroDecl is `macro name(params) { body }`; params are *Variable,
// *MapExpr or *Ident (expression parameter). Params is nil (not empty)
// when the declaration has no parameter list at all.
type MacroDecl struct {
	Range
	Name      *Ident
	HasParens bool
	Params    []Expr
	Body      *BlockExpr
}

// FnDecl is `fn name($a: type, ...): type { body }`.
type FnDecl struct {
	Range
	Name   *Ident
	Params []*Param
	Result *TypeExpr
	Body   *BlockExpr
}

// Param is one `$name: type` parameter of a fn.
type Param struct {
	Range
	Var  *Variable
	Type *TypeExpr
}

// Probe is one action block: attach points, optional predicate, body.
type Probe struct {
	Range
	AttachPoints []*AttachPoint
	Predicate    Expr // nil when there is none
	PredRange    Range
	Body         *BlockExpr
}

// AttachPoint is one probe specification, e.g. `kprobe:vfs_read+8` or
// `uprobe:"/usr/lib/x y.so":foo`.
type AttachPoint struct {
	Range
	Raw string // exactly as written in the source
	// Name is the optional `name=` prefix (empty when absent).
	Name string
	// Provider is the canonical provider name ("kprobe" for `k:`, "begin"
	// for `BEGIN`); empty when the provider is unknown.
	Provider string
	// Fields are the attach point's parts in order, the provider first,
	// split and labelled by the provider's grammar in package probes.
	Fields []AttachField
}

// AttachField is one colon-separated part of an attach point. A
// `function+offset` part is two fields (roles "func" and "offset"), and
// `path@file` separates at '@' like at ':'. Text has quotes removed; an
// unquoted positional parameter stays in it as written ("$1").
type AttachField struct {
	Range
	Role   string // from package probes: "provider", "module", "func", "path", "category", "event", "unit", "rate", "offset", ...
	Text   string // unquoted text
	Quoted bool
}

// BadDecl stands for top-level text that could not be parsed.
type BadDecl struct{ Range }

func (*CDecl) declNode()       {}
func (*ConfigBlock) declNode() {}
func (*ImportDecl) declNode()  {}
func (*MapDecl) declNode()     {}
func (*MacroDecl) declNode()   {}
func (*FnDecl) declNode()      {}
func (*Probe) declNode()       {}
func (*BadDecl) declNode()     {}

// ---------------------------------------------------------------------
// Statements

// ExprStmt is an expression used as a statement (calls, if, blocks, ...).
// Like every statement its range does not include a terminating ';'.
type ExprStmt struct {
	Range
	X Expr
}

// AssignStmt is `lhs op rhs` where op is "=" or a compound operator such
// as "+=". Lhs is a *Variable, *MapExpr, *MapAccess, or the discard
// identifier `_` (an *Ident; `_ = expr` discards a value). The parser
// reports other left-hand sides but keeps them in the tree.
type AssignStmt struct {
	Range
	Lhs   Expr
	Op    string // "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="
	OpPos source.Pos
	Rhs   Expr
}

// LetStmt is `let $x;`, `let $x: type;` or `let $x[: type] = value;`.
type LetStmt struct {
	Range
	Var   *Variable
	Type  *TypeExpr // nil when not annotated
	Value Expr      // nil when not initialised
}

// WhileStmt is `while (cond) { body }` (deprecated in bpftrace). Cond is
// a *ParenExpr when written in parentheses, as it usually is; bpftrace
// also accepts a unary expression without them (`while !$done { }`).
type WhileStmt struct {
	Range
	Cond Expr
	Body *BlockExpr
}

// UnrollStmt is `unroll(n) { body }`; Count is a *ParenExpr when written
// in parentheses.
type UnrollStmt struct {
	Range
	Count Expr
	Body  *BlockExpr
}

// ForStmt is `for ($x : @map) { }` or `for ($i : start..end) { }`.
type ForStmt struct {
	Range
	Var    *Variable
	Iter   Expr // *MapExpr for map iteration, *RangeExpr for integer ranges
	Body   *BlockExpr
	Parens bool // the header was written with parentheses
}

// JumpStmt is `return [value]`, `break` or `continue`.
type JumpStmt struct {
	Range
	Keyword string // "return", "break", "continue"
	Value   Expr   // return value in a fn; nil otherwise
}

// ImportStmt is an `import "path";` inside a block.
type ImportStmt struct {
	Range
	Path *StringLit
}

// BadStmt stands for a statement that could not be parsed.
type BadStmt struct{ Range }

func (*ExprStmt) stmtNode()   {}
func (*AssignStmt) stmtNode() {}
func (*LetStmt) stmtNode()    {}
func (*WhileStmt) stmtNode()  {}
func (*UnrollStmt) stmtNode() {}
func (*ForStmt) stmtNode()    {}
func (*JumpStmt) stmtNode()   {}
func (*ImportStmt) stmtNode() {}
func (*BadStmt) stmtNode()    {}

// ---------------------------------------------------------------------
// Expressions

// Ident is a bare identifier: a builtin (pid, comm, args, arg0, retval),
// a macro called without parentheses, a config value, a field name, or
// the discard `_`. The checker decides which.
type Ident struct {
	Range
	Name string
}

// IntLit is an integer literal in any base, with `_` separators and an
// optional C integer suffix or duration suffix, e.g. 0x10, 1_000, 10ms.
type IntLit struct {
	Range
	Raw   string // as written
	Value uint64 // after applying base, separators and duration suffix
	// Overflow is set when the literal does not fit in 64 bits.
	Overflow bool
}

// StringLit is a double-quoted string literal.
type StringLit struct {
	Range
	Raw   string // as written, with quotes and escapes
	Value string // decoded
}

// BoolLit is `true` or `false`.
type BoolLit struct {
	Range
	Value bool
}

// PositionalParam is `$1`, `$2`, ...; or `$#` (Count set, N zero).
type PositionalParam struct {
	Range
	N     int
	Count bool
}

// Variable is a scratch variable `$name`; Name excludes the `$`.
type Variable struct {
	Range
	Name string
}

// MapExpr is a map `@name` (or the anonymous map `@`, Name ""), without
// keys; Name excludes the `@`.
type MapExpr struct {
	Range
	Name string
}

// MapAccess is `@name[k1, k2, ...]`. A single tuple key `@m[(a, b)]` is
// one key that is a *TupleExpr.
type MapAccess struct {
	Range
	Map  *MapExpr
	Keys []Expr
}

// BinaryExpr is `x op y` for the arithmetic, bitwise, relational and
// logical operators.
type BinaryExpr struct {
	Range
	X     Expr
	Op    string // "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "==", "!=", "<", "<=", ">", ">=", "&&", "||"
	OpPos source.Pos
	Y     Expr
}

// UnaryExpr is a prefix operator (`-x`, `!x`, `~x`, `*p`, `&$v`,
// `&@m[k]`, `++x`, `--x`) or a postfix one (`x++`, `x--`).
type UnaryExpr struct {
	Range
	Op      string // "-", "!", "~", "*", "&", "++", "--"
	OpPos   source.Pos
	X       Expr
	Postfix bool
}

// CondExpr is `cond ? then : else`, or `cond ?: else` (Then nil).
type CondExpr struct {
	Range
	Cond, Then, Else Expr
}

// IfExpr is `if (cond) { } [else if ... | else { }]`; it is an expression
// in bpftrace (its blocks may yield values) and a statement when wrapped
// in an ExprStmt. Cond is a *ParenExpr when written in parentheses
// (bpftrace also accepts a unary expression without them: `if !$x { }`).
type IfExpr struct {
	Range
	Cond Expr
	Then *BlockExpr
	Else Expr // nil, *BlockExpr or *IfExpr
}

// BlockExpr is `{ stmts [value] }`: a block, whose optional trailing
// expression without `;` is its value. Probe, fn and loop bodies have no
// value: there a final expression without `;` is an ExprStmt, and (as in
// bpftrace) the values of the blocks inside that expression (if/else
// branches, nested blocks) become ExprStmts too.
type BlockExpr struct {
	Range
	Stmts []Stmt
	Value Expr // nil when the block yields nothing
}

// ParenExpr is `(x)`; kept so positions and the user's grouping survive.
type ParenExpr struct {
	Range
	X Expr
}

// TupleExpr is `(a, b, ...)`, `(a,)` or `()`.
type TupleExpr struct {
	Range
	Elems []Expr
}

// RecordExpr is `(name = value, ...)`.
type RecordExpr struct {
	Range
	Fields []*NamedExpr
}

// NamedExpr is one `name = value` of a record.
type NamedExpr struct {
	Range
	Name  *Ident
	Value Expr
}

// FieldExpr is `x.field` or `x->field` (Arrow set; a legacy alias).
type FieldExpr struct {
	Range
	X     Expr
	Arrow bool
	Field *Ident
}

// TupleIndexExpr is `x.0`, `x.1`, ...
type TupleIndexExpr struct {
	Range
	X        Expr
	Index    int
	IndexPos source.Pos
}

// IndexExpr is `x[i]` on an array, pointer or tuple.
type IndexExpr struct {
	Range
	X     Expr
	Index Expr
}

// CallExpr is `name(args...)` — a builtin, stdlib or C function, fn, or
// macro. Bang is set for the macro-call form `name!(args...)`.
type CallExpr struct {
	Range
	Fun    *Ident
	Bang   bool
	Args   []Expr
	Lparen source.Pos
	Rparen source.Pos
}

// CastExpr is `(type)x`.
type CastExpr struct {
	Range
	Type *TypeExpr
	X    Expr
}

// SizeofExpr is `sizeof(type)` or `sizeof(expr)`; exactly one of Type
// and X is set. As in bpftrace, a bare identifier that is not a known type
// (`sizeof(foo_t)`) is kept as X, an *Ident: the checker reads it as a
// macro parameter or a type name. The same holds for offsetof, typeof
// and typeinfo.
type SizeofExpr struct {
	Range
	Type *TypeExpr
	X    Expr
}

// OffsetofExpr is `offsetof(type, field[.field...])` or
// `offsetof(expr, field...)`.
type OffsetofExpr struct {
	Range
	Type   *TypeExpr
	X      Expr
	Fields []*Ident
}

// TypeofExpr is `typeof(type)` or `typeof(expr)`; usable where a type is
// expected (casts, annotations, macro arguments).
type TypeofExpr struct {
	Range
	Type *TypeExpr
	X    Expr
}

// TypeinfoExpr is `typeinfo(type-or-expr)` (unstable in bpftrace).
type TypeinfoExpr struct {
	Range
	Type *TypeExpr
	X    Expr
}

// ComptimeExpr is `comptime expr`.
type ComptimeExpr struct {
	Range
	X Expr
}

// RangeExpr is `from..to` in a for loop header. (The bounds are not
// called Start/End because End is every node's method.)
type RangeExpr struct {
	Range
	From, To Expr
}

// BadExpr stands for an expression that could not be parsed.
type BadExpr struct{ Range }

func (*Ident) exprNode()           {}
func (*IntLit) exprNode()          {}
func (*StringLit) exprNode()       {}
func (*BoolLit) exprNode()         {}
func (*PositionalParam) exprNode() {}
func (*Variable) exprNode()        {}
func (*MapExpr) exprNode()         {}
func (*MapAccess) exprNode()       {}
func (*BinaryExpr) exprNode()      {}
func (*UnaryExpr) exprNode()       {}
func (*CondExpr) exprNode()        {}
func (*IfExpr) exprNode()          {}
func (*BlockExpr) exprNode()       {}
func (*ParenExpr) exprNode()       {}
func (*TupleExpr) exprNode()       {}
func (*RecordExpr) exprNode()      {}
func (*NamedExpr) exprNode()       {}
func (*FieldExpr) exprNode()       {}
func (*TupleIndexExpr) exprNode()  {}
func (*IndexExpr) exprNode()       {}
func (*CallExpr) exprNode()        {}
func (*CastExpr) exprNode()        {}
func (*SizeofExpr) exprNode()      {}
func (*OffsetofExpr) exprNode()    {}
func (*TypeofExpr) exprNode()      {}
func (*TypeinfoExpr) exprNode()    {}
func (*ComptimeExpr) exprNode()    {}
func (*RangeExpr) exprNode()       {}
func (*BadExpr) exprNode()         {}

// ---------------------------------------------------------------------
// Types

// TypeExpr is a written type: a base name with optional struct/union/enum
// keyword, or a typeof, followed by pointer and array suffixes in source
// order (bpftrace reads them left to right: `int32*[4]` is an array of
// four pointers). C-style `struct foo *` is the same as `struct foo*`.
type TypeExpr struct {
	Range
	Keyword  string      // "", "struct", "union" or "enum"
	Name     *Ident      // nil when Typeof is set
	Typeof   *TypeofExpr // `typeof(...)` used as a type
	Suffixes []TypeSuffix
}

// TypeSuffix is one `*` or `[N]` / `[]` after a type's base.
type TypeSuffix struct {
	Range
	Pointer bool
	Len     Expr // array length; nil for `[]` or a pointer
}

// Unparen strips any number of ParenExprs around x.
func Unparen(x Expr) Expr {
	for {
		p, ok := x.(*ParenExpr)
		if !ok {
			return x
		}
		x = p.X
	}
}
