package parser

import "github.com/bt-tools/bt/analysis/diag"

// Diagnostic codes the parser reports. Lexical codes live in package
// scanner, attach point codes in package probes.
const (
	// CodeSyntax is a token that cannot appear where it is.
	CodeSyntax diag.Code = "syntax"
	// CodeExpectedToken is a specific token missing: ';', ')', '{', ...
	CodeExpectedToken diag.Code = "expected-token"
	// CodeMisplacedCDefinition is #include/#define/struct... after the
	// config block, an import or a probe.
	CodeMisplacedCDefinition diag.Code = "misplaced-c-definition"
	// CodeMisplacedConfig is a config block after a probe, macro, fn or
	// map declaration.
	CodeMisplacedConfig diag.Code = "misplaced-config"
	// CodeDuplicateConfig is a second config block.
	CodeDuplicateConfig diag.Code = "duplicate-config"
	// CodeMisplacedImport is a top-level import after a probe, macro, fn
	// or map declaration.
	CodeMisplacedImport diag.Code = "misplaced-import"
	// CodeBadMapDeclaration is a top-level let that is not
	// `let @name = kind(entries);`.
	CodeBadMapDeclaration diag.Code = "bad-map-declaration"
	// CodeBadAssignment is an assignment to something that cannot be
	// assigned (a tuple field, an expression, ...).
	CodeBadAssignment diag.Code = "bad-assignment"
	// CodeBadIncrement is ++ or -- applied to something other than a
	// variable or map.
	CodeBadIncrement diag.Code = "bad-increment"
	// CodeBadAddressOf is & applied to something other than a variable or
	// map.
	CodeBadAddressOf diag.Code = "bad-address-of"
	// CodeBadPositional is $0 or a parameter number too large.
	CodeBadPositional diag.Code = "bad-positional"
	// CodeDuplicateField is a record with the same field name twice.
	CodeDuplicateField diag.Code = "duplicate-field"
	// CodeBadMacroParam is a macro parameter that is not $var, @map or a
	// plain name (or is a builtin's name).
	CodeBadMacroParam diag.Code = "bad-macro-param"
	// CodeNestingTooDeep is input nested deeper than the parser follows.
	CodeNestingTooDeep diag.Code = "nesting-too-deep"
	// CodeTooManyErrors ends a list of diagnostics that was cut short.
	CodeTooManyErrors diag.Code = "too-many-errors"
)

func init() {
	diag.Register(
		diag.CodeInfo{Code: CodeSyntax, Severity: diag.Error, Summary: "a token that cannot appear where it is"},
		diag.CodeInfo{Code: CodeExpectedToken, Severity: diag.Error, Summary: "a required token is missing, e.g. ';' between statements or ')' after arguments"},
		diag.CodeInfo{Code: CodeMisplacedCDefinition, Severity: diag.Error, Summary: "a C preprocessor line or struct/union/enum definition after the config block, an import or a probe"},
		diag.CodeInfo{Code: CodeMisplacedConfig, Severity: diag.Error, Summary: "a config block after a probe, macro, function or map declaration"},
		diag.CodeInfo{Code: CodeDuplicateConfig, Severity: diag.Error, Summary: "a second config block"},
		diag.CodeInfo{Code: CodeMisplacedImport, Severity: diag.Error, Summary: "a top-level import after a probe, macro, function or map declaration"},
		diag.CodeInfo{Code: CodeBadMapDeclaration, Severity: diag.Error, Summary: "a top-level let that is not a map declaration like `let @m = hash(100);`"},
		diag.CodeInfo{Code: CodeBadAssignment, Severity: diag.Error, Summary: "an assignment to something that is not a variable, map or map element"},
		diag.CodeInfo{Code: CodeBadIncrement, Severity: diag.Error, Summary: "++ or -- applied to something that is not a variable, map or map element"},
		diag.CodeInfo{Code: CodeBadAddressOf, Severity: diag.Error, Summary: "& applied to something that is not a variable, map or map element"},
		diag.CodeInfo{Code: CodeBadPositional, Severity: diag.Error, Summary: "a positional parameter that is $0 or too large"},
		diag.CodeInfo{Code: CodeDuplicateField, Severity: diag.Error, Summary: "a record literal names the same field twice"},
		diag.CodeInfo{Code: CodeBadMacroParam, Severity: diag.Error, Summary: "a macro parameter that is not $var, @map or a plain name, or is a builtin's name"},
		diag.CodeInfo{Code: CodeNestingTooDeep, Severity: diag.Error, Summary: "expressions or blocks nested deeper than the parser follows"},
		diag.CodeInfo{Code: CodeTooManyErrors, Severity: diag.Error, Summary: "parsing stopped reporting after too many errors"},
	)
}
