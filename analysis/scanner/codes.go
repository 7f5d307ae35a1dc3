package scanner

import "github.com/bt-tools/bt/analysis/diag"

// Diagnostic codes for lexical errors.
const (
	CodeUnterminatedString  diag.Code = "unterminated-string"
	CodeUnterminatedComment diag.Code = "unterminated-comment"
	CodeBadEscape           diag.Code = "bad-escape"
	CodeBadInteger          diag.Code = "bad-integer"
	CodeIntegerOverflow     diag.Code = "integer-overflow"
	CodeBadCharacter        diag.Code = "bad-character"
	CodeBadVariable         diag.Code = "bad-variable"
	CodeUnterminatedC       diag.Code = "unterminated-c-definition"
)

func init() {
	diag.Register(
		diag.CodeInfo{Code: CodeUnterminatedString, Severity: diag.Error, Summary: "a string literal is not closed before the end of its line"},
		diag.CodeInfo{Code: CodeUnterminatedComment, Severity: diag.Error, Summary: "a /* comment is not closed before the end of the file"},
		diag.CodeInfo{Code: CodeBadEscape, Severity: diag.Error, Summary: "a string literal contains an escape sequence bpftrace does not accept"},
		diag.CodeInfo{Code: CodeBadInteger, Severity: diag.Error, Summary: "an integer literal is malformed (bad digit, suffix, separator or exponent)"},
		diag.CodeInfo{Code: CodeIntegerOverflow, Severity: diag.Error, Summary: "an integer literal does not fit its type (64 bits unless a suffix says otherwise)"},
		diag.CodeInfo{Code: CodeBadCharacter, Severity: diag.Error, Summary: "a character that cannot start any token"},
		diag.CodeInfo{Code: CodeBadVariable, Severity: diag.Error, Summary: "'$' is not followed by a name, a parameter number or '#'"},
		diag.CodeInfo{Code: CodeUnterminatedC, Severity: diag.Error, Summary: "a C struct/union/enum definition or typedef is not closed"},
	)
}
