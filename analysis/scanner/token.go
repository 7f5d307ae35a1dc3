// Package scanner splits bpftrace source text into tokens.
//
// bpftrace's lexical structure depends on where the parser is: attach
// points, C preprocessor lines and C definitions are read as raw text with
// their own rules, everything else as ordinary tokens. The Scanner
// therefore offers both: Scan for the next token and a few Raw* methods
// the parser calls at the top level. Positions are byte offsets into the
// text (source.Pos).
package scanner

import "github.com/bt-tools/bt/analysis/source"

// Kind is the kind of a token.
type Kind uint8

// Token kinds.
const (
	EOF     Kind = iota
	ILLEGAL      // a character that starts no token
	HASH         // '#', only meaningful at the top level (preprocessor line)

	IDENT      // name
	INT        // 123, 0x1f, 1_000, 10ms, 2e3 (Lit is the text as written)
	STRING     // "..." (Lit as written, Val decoded)
	VARIABLE   // $name (Lit is the name without '$')
	POSITIONAL // $1 (Lit is the digits)
	PARAMCOUNT // $#
	MAP        // @name or @ (Lit is the name without '@', possibly empty)

	LPAREN   // (
	RPAREN   // )
	LBRACK   // [
	RBRACK   // ]
	LBRACE   // {
	RBRACE   // }
	COMMA    // ,
	SEMI     // ;
	COLON    // :
	DOT      // .
	DOTDOT   // ..
	QUESTION // ?
	ARROW    // ->

	ADD  // +
	SUB  // -
	MUL  // *
	QUO  // /
	REM  // %
	AND  // &
	OR   // |
	XOR  // ^
	SHL  // <<
	SHR  // >>
	NOT  // !
	TILD // ~
	LAND // &&
	LOR  // ||
	EQL  // ==
	NEQ  // !=
	LSS  // <
	LEQ  // <=
	GTR  // >
	GEQ  // >=
	INC  // ++
	DEC  // --

	ASSIGN     // =
	ADD_ASSIGN // +=
	SUB_ASSIGN // -=
	MUL_ASSIGN // *=
	QUO_ASSIGN // /=
	REM_ASSIGN // %=
	AND_ASSIGN // &=
	OR_ASSIGN  // |=
	XOR_ASSIGN // ^=
	SHL_ASSIGN // <<=
	SHR_ASSIGN // >>=

	numKinds
)

var kindText = [numKinds]string{
	EOF: "end of file", ILLEGAL: "illegal character", HASH: "'#'",
	IDENT: "identifier", INT: "integer", STRING: "string", VARIABLE: "variable",
	POSITIONAL: "positional parameter", PARAMCOUNT: "'$#'", MAP: "map",
	LPAREN: "(", RPAREN: ")", LBRACK: "[", RBRACK: "]", LBRACE: "{", RBRACE: "}",
	COMMA: ",", SEMI: ";", COLON: ":", DOT: ".", DOTDOT: "..", QUESTION: "?", ARROW: "->",
	ADD: "+", SUB: "-", MUL: "*", QUO: "/", REM: "%", AND: "&", OR: "|", XOR: "^",
	SHL: "<<", SHR: ">>", NOT: "!", TILD: "~", LAND: "&&", LOR: "||", EQL: "==", NEQ: "!=",
	LSS: "<", LEQ: "<=", GTR: ">", GEQ: ">=", INC: "++", DEC: "--",
	ASSIGN: "=", ADD_ASSIGN: "+=", SUB_ASSIGN: "-=", MUL_ASSIGN: "*=", QUO_ASSIGN: "/=",
	REM_ASSIGN: "%=", AND_ASSIGN: "&=", OR_ASSIGN: "|=", XOR_ASSIGN: "^=",
	SHL_ASSIGN: "<<=", SHR_ASSIGN: ">>=",
}

// String returns the operator text for operators and a description for
// the other kinds.
func (k Kind) String() string {
	if k < numKinds {
		return kindText[k]
	}
	return "token"
}

// IsOperator reports whether k is punctuation or an operator.
func (k Kind) IsOperator() bool { return k >= LPAREN && k < numKinds }

// IsAssign reports whether k is '=' or a compound assignment operator.
func (k Kind) IsAssign() bool { return k >= ASSIGN && k <= SHR_ASSIGN }

// Token is one token of the source.
type Token struct {
	Kind Kind
	Pos  source.Pos // first byte
	End  source.Pos // one past the last byte
	Lit  string     // identifier/variable/map name, literal text; "" for operators
	Val  string     // decoded value of a STRING
}

// Span returns the token's byte range.
func (t Token) Span() source.Span { return source.Span{Start: t.Pos, End: t.End} }

// Describe renders the token for messages, e.g. "'}'", "identifier 'foo'",
// "end of file".
func (t Token) Describe() string {
	switch t.Kind {
	case EOF:
		return "end of file"
	case IDENT:
		return "'" + t.Lit + "'"
	case VARIABLE:
		return "'$" + t.Lit + "'"
	case MAP:
		return "'@" + t.Lit + "'"
	case POSITIONAL:
		return "'$" + t.Lit + "'"
	case INT:
		return "integer " + t.Lit
	case STRING:
		return "string " + clip(t.Lit)
	case ILLEGAL:
		return "'" + t.Lit + "'"
	case HASH:
		return "'#'"
	}
	return "'" + t.Kind.String() + "'"
}

func clip(s string) string {
	if len(s) > 24 {
		return s[:20] + "...\""
	}
	return s
}
