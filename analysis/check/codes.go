package check

import "github.com/bt-tools/bt/analysis/diag"

// Diagnostic codes of the checker. Every code is registered below with
// its default severity and a one-line summary.
const (
	CodeABIConstant            diag.Code = "kernel-abi-constant"
	CodeAggregationNotAssigned diag.Code = "aggregation-not-assigned"
	CodeArgCount               diag.Code = "wrong-argument-count"
	CodeArgType                diag.Code = "wrong-argument-type"
	CodeArgsMismatch           diag.Code = "args-type-mismatch"
	CodeArgsUnknown            diag.Code = "args-unknown"
	CodeBadAssign              diag.Code = "invalid-assignment"
	CodeBadMapKey              diag.Code = "invalid-map-key"
	CodeBadMapKind             diag.Code = "invalid-map-declaration"
	CodeBadRange               diag.Code = "invalid-range"
	CodeBranchMismatch         diag.Code = "branch-type-mismatch"
	CodeConfigDuplicate        diag.Code = "duplicate-config-key"
	CodeConfigInImport         diag.Code = "config-in-import"
	CodeConfigKey              diag.Code = "unknown-config-key"
	CodeConfigNoEffect         diag.Code = "obsolete-config-key"
	CodeConfigValue            diag.Code = "invalid-config-value"
	CodeDiscardedValue         diag.Code = "discarded-value"
	CodeDivByZero              diag.Code = "division-by-zero"
	CodeDuplicateFn            diag.Code = "duplicate-function"
	CodeEmptyString            diag.Code = "empty-string-constant"
	CodeDuplicateMacro         diag.Code = "duplicate-macro"
	CodeDuplicateMapDecl       diag.Code = "duplicate-map-declaration"
	CodeDuplicateParam         diag.Code = "duplicate-parameter"
	CodeFail                   diag.Code = "fail"
	CodeFormat                 diag.Code = "format-mismatch"
	CodeFormatArgs             diag.Code = "format-argument-count"
	CodeGetoptConflict         diag.Code = "getopt-conflict"
	CodeIgnoredArgs            diag.Code = "ignored-arguments"
	CodeImplicitSignChange     diag.Code = "implicit-sign-conversion"
	CodeImplicitTruncation     diag.Code = "implicit-truncation"
	CodeImport                 diag.Code = "import-failed"
	CodeImportWorldWritable    diag.Code = "import-world-writable"
	CodeInternal               diag.Code = "internal-error"
	CodeInvalidAddressOf       diag.Code = "invalid-address-of"
	CodeInvalidCast            diag.Code = "invalid-cast"
	CodeInvalidCondition       diag.Code = "invalid-condition"
	CodeInvalidDeref           diag.Code = "invalid-dereference"
	CodeInvalidIndex           diag.Code = "invalid-index"
	CodeInvalidOperand         diag.Code = "invalid-operand"
	CodeInvalidOperands        diag.Code = "invalid-operands"
	CodeJumpOutsideLoop        diag.Code = "jump-outside-loop"
	CodeLegacyArrow            diag.Code = "legacy-args-arrow"
	CodeLegacyBegin            diag.Code = "legacy-begin"
	CodeLegacyBuiltin          diag.Code = "legacy-builtin"
	CodeLegacyCall             diag.Code = "legacy-call"
	CodeLegacyConfig           diag.Code = "legacy-config-key"
	CodeLegacyEnd              diag.Code = "legacy-end"
	CodeLegacyKfunc            diag.Code = "legacy-kfunc"
	CodeLegacyWhile            diag.Code = "legacy-while"
	CodeLiteralRange           diag.Code = "literal-out-of-range"
	CodeMacroCallerVar         diag.Code = "macro-caller-variable"
	CodeMacroParamKind         diag.Code = "macro-argument-kind"
	CodeMacroExpansion         diag.Code = "macro-expansion"
	CodeMacroRecursion         diag.Code = "macro-recursion"
	CodeMacroUnhygienic        diag.Code = "macro-unhygienic-access"
	CodeMapKeyConflict         diag.Code = "map-key-conflict"
	CodeMapKindMismatch        diag.Code = "map-kind-mismatch"
	CodeMapScalarKeyed         diag.Code = "map-scalar-keyed"
	CodeMapTypeConflict        diag.Code = "map-type-conflict"
	CodeMissingReturn          diag.Code = "missing-return"
	CodeNeverAssigned          diag.Code = "never-assigned"
	CodeNoSuchField            diag.Code = "no-such-field"
	CodeNoValue                diag.Code = "no-value"
	CodeNotAStruct             diag.Code = "not-a-struct"
	CodeNotATuple              diag.Code = "not-a-tuple"
	CodeNotAValue              diag.Code = "not-a-value"
	CodeNotConstant            diag.Code = "not-constant"
	CodeNotInFor               diag.Code = "not-in-for-loop"
	CodeNotInProbe             diag.Code = "builtin-not-allowed"
	CodePointerMismatch        diag.Code = "pointer-type-mismatch"
	CodeRemovedBuiltin         diag.Code = "removed-builtin"
	CodeReturnValue            diag.Code = "invalid-return"
	CodeShadowing              diag.Code = "variable-shadowing"
	CodeSignedDivision         diag.Code = "signed-division"
	CodeTupleIndex             diag.Code = "tuple-index-out-of-range"
	CodeUndefinedMap           diag.Code = "undefined-map"
	CodeUnassignedMap          diag.Code = "unassigned-map"
	CodeUndefinedVariable      diag.Code = "undefined-variable"
	CodeUnknownFunction        diag.Code = "unknown-function"
	CodeUnknownIdent           diag.Code = "unknown-identifier"
	CodeUnknownMacro           diag.Code = "unknown-macro"
	CodeUnknownType            diag.Code = "unknown-type"
	CodeUnnecessaryCast        diag.Code = "unnecessary-cast"
	CodeUnrollCount            diag.Code = "invalid-unroll-count"
	CodeUnreachable            diag.Code = "unreachable-code"
	CodeUnresolvedType         diag.Code = "unresolved-type"
	CodeUnsafe                 diag.Code = "unsafe-builtin"
	CodeUnstable               diag.Code = "unstable-feature"
	CodeUnusedMap              diag.Code = "unused-map"
	CodeUsedBeforeAssigned     diag.Code = "used-before-assigned"
	CodeVarTypeConflict        diag.Code = "variable-type-conflict"
)

// errSev is the severity of errors reported through reportSpan.
const errSev = diag.Error

func init() {
	diag.Register(
		diag.CodeInfo{Code: CodeABIConstant, Severity: diag.Info, Summary: "a kernel constant (AF_INET, EAGAIN, TASK_RUNNING...) the included headers do not define, taken from bt's table of the kernel's ABI constants"},
		diag.CodeInfo{Code: CodeAggregationNotAssigned, Severity: diag.Error, Summary: "an aggregation function such as count() or hist() is used other than as the value assigned to a map"},
		diag.CodeInfo{Code: CodeArgCount, Severity: diag.Error, Summary: "a function, macro or builtin is called with the wrong number of arguments"},
		diag.CodeInfo{Code: CodeArgType, Severity: diag.Error, Summary: "an argument has a type the called function does not accept"},
		diag.CodeInfo{Code: CodeArgsUnknown, Severity: diag.Info, Summary: "a probe's arguments could not be read (tracefs not mounted, no prototype in BTF): args fields are not checked"},
		diag.CodeInfo{Code: CodeArgsMismatch, Severity: diag.Error, Summary: "an args field has different types in the attach points of one probe"},
		diag.CodeInfo{Code: CodeBadAssign, Severity: diag.Error, Summary: "a value that cannot be stored (an aggregation, a map, nothing) is assigned, or the target cannot be assigned"},
		diag.CodeInfo{Code: CodeBadMapKey, Severity: diag.Error, Summary: "a value that cannot be a map key (no value, an aggregation, a map)"},
		diag.CodeInfo{Code: CodeBadMapKind, Severity: diag.Error, Summary: "a map declaration names an unknown kind or a bad number of entries"},
		diag.CodeInfo{Code: CodeBadRange, Severity: diag.Error, Summary: "a range a..b outside a for loop header, or with non-integer bounds; a for loop over something else"},
		diag.CodeInfo{Code: CodeBranchMismatch, Severity: diag.Error, Summary: "the branches of a ternary or an if used as a value have incompatible types"},
		diag.CodeInfo{Code: CodeConfigDuplicate, Severity: diag.Error, Summary: "a config block sets the same key twice"},
		diag.CodeInfo{Code: CodeConfigInImport, Severity: diag.Error, Summary: "an imported script has a config block"},
		diag.CodeInfo{Code: CodeConfigKey, Severity: diag.Error, Summary: "a config block sets a key bpftrace does not have (or one only the environment can set)"},
		diag.CodeInfo{Code: CodeConfigNoEffect, Severity: diag.Warning, Summary: "a config key that bpftrace still accepts but ignores"},
		diag.CodeInfo{Code: CodeConfigValue, Severity: diag.Error, Summary: "a config value of the wrong kind or not one of the accepted values"},
		diag.CodeInfo{Code: CodeDiscardedValue, Severity: diag.Warning, Summary: "the value of an expression statement is computed and thrown away"},
		diag.CodeInfo{Code: CodeDivByZero, Severity: diag.Error, Summary: "a constant division or modulo by zero"},
		diag.CodeInfo{Code: CodeEmptyString, Severity: diag.Warning, Summary: "a constant string plus an offset at or past its end: the result is always empty", Bpftrace: true},
		diag.CodeInfo{Code: CodeDuplicateFn, Severity: diag.Error, Summary: "two fn definitions with the same name"},
		diag.CodeInfo{Code: CodeDuplicateMacro, Severity: diag.Error, Summary: "two macros with the same name and number of parameters"},
		diag.CodeInfo{Code: CodeDuplicateMapDecl, Severity: diag.Error, Summary: "a map is declared twice"},
		diag.CodeInfo{Code: CodeDuplicateParam, Severity: diag.Error, Summary: "a fn declares the same parameter twice"},
		diag.CodeInfo{Code: CodeFail, Severity: diag.Error, Summary: "fail() is reached: the script reports its own compile-time error"},
		diag.CodeInfo{Code: CodeFormat, Severity: diag.Error, Summary: "a format verb does not fit its argument's type, or is not supported"},
		diag.CodeInfo{Code: CodeFormatArgs, Severity: diag.Error, Summary: "a format string has more verbs than arguments, or fewer"},
		diag.CodeInfo{Code: CodeGetoptConflict, Severity: diag.Error, Summary: "getopt() reads the same option with defaults of different types"},
		diag.CodeInfo{Code: CodeIgnoredArgs, Severity: diag.Warning, Summary: "arguments that have no effect (print's top and div on a stats map)"},
		diag.CodeInfo{Code: CodeImplicitSignChange, Severity: diag.Warning, Summary: "an integer is implicitly converted to a type of the other sign that cannot hold all its values"},
		diag.CodeInfo{Code: CodeImplicitTruncation, Severity: diag.Warning, Summary: "an integer is implicitly narrowed to a declared type"},
		diag.CodeInfo{Code: CodeImport, Severity: diag.Error, Summary: "an imported file cannot be found or read"},
		diag.CodeInfo{Code: CodeImportWorldWritable, Severity: diag.Error, Summary: "an import names a file, or a file in a directory, that every user may write (bpftrace refuses it too)"},
		diag.CodeInfo{Code: CodeInternal, Severity: diag.Error, Summary: "the checker failed; please report it"},
		diag.CodeInfo{Code: CodeInvalidAddressOf, Severity: diag.Error, Summary: "& applied to something whose address cannot be taken"},
		diag.CodeInfo{Code: CodeInvalidCast, Severity: diag.Error, Summary: "a cast between types that cannot be converted"},
		diag.CodeInfo{Code: CodeInvalidCondition, Severity: diag.Error, Summary: "a condition that is not a bool, an integer or a pointer"},
		diag.CodeInfo{Code: CodeInvalidDeref, Severity: diag.Error, Summary: "* applied to something that is not a typed pointer"},
		diag.CodeInfo{Code: CodeInvalidIndex, Severity: diag.Error, Summary: "[] on something that cannot be indexed, a non-integer index, or an index out of bounds"},
		diag.CodeInfo{Code: CodeInvalidOperand, Severity: diag.Error, Summary: "a unary operator (-, ~, !, ++, --) applied to a value of the wrong type"},
		diag.CodeInfo{Code: CodeInvalidOperands, Severity: diag.Error, Summary: "a binary operator applied to operands of types it does not combine"},
		diag.CodeInfo{Code: CodeJumpOutsideLoop, Severity: diag.Error, Summary: "break or continue outside a loop"},
		diag.CodeInfo{Code: CodeLegacyArrow, Severity: diag.Warning, Summary: "args->field, the old spelling of args.field"},
		diag.CodeInfo{Code: CodeLegacyBegin, Severity: diag.Warning, Summary: "BEGIN, the old spelling of the begin probe"},
		diag.CodeInfo{Code: CodeLegacyBuiltin, Severity: diag.Warning, Summary: "a deprecated builtin name"},
		diag.CodeInfo{Code: CodeLegacyCall, Severity: diag.Warning, Summary: "an old call form, such as delete(@m[k]) for delete(@m, k)"},
		diag.CodeInfo{Code: CodeLegacyConfig, Severity: diag.Warning, Summary: "an old name of a config key"},
		diag.CodeInfo{Code: CodeLegacyEnd, Severity: diag.Warning, Summary: "END, the old spelling of the end probe"},
		diag.CodeInfo{Code: CodeLegacyKfunc, Severity: diag.Warning, Summary: "kfunc/kretfunc, the old names of fentry/fexit"},
		diag.CodeInfo{Code: CodeLegacyWhile, Severity: diag.Warning, Summary: "a while loop (deprecated in favour of for loops over ranges)"},
		diag.CodeInfo{Code: CodeLiteralRange, Severity: diag.Error, Summary: "an integer literal that does not fit the type it is stored in"},
		diag.CodeInfo{Code: CodeMacroCallerVar, Severity: diag.Warning, Summary: "a macro reads a variable of its caller that is not one of its parameters"},
		diag.CodeInfo{Code: CodeMacroParamKind, Severity: diag.Error, Summary: "a macro argument of the wrong kind: a $variable or @map parameter given something else"},
		diag.CodeInfo{Code: CodeMacroExpansion, Severity: diag.Error, Summary: "a script #define used as a value whose replacement text is not one bpftrace expression"},
		diag.CodeInfo{Code: CodeMacroRecursion, Severity: diag.Error, Summary: "a macro that expands itself"},
		diag.CodeInfo{Code: CodeMacroUnhygienic, Severity: diag.Error, Summary: "a macro body uses a map that was not passed to it"},
		diag.CodeInfo{Code: CodeMapKeyConflict, Severity: diag.Error, Summary: "a map is used with keys of incompatible types"},
		diag.CodeInfo{Code: CodeMapKindMismatch, Severity: diag.Error, Summary: "a declared map kind that cannot hold the values assigned (aggregations need per-CPU maps)"},
		diag.CodeInfo{Code: CodeMapScalarKeyed, Severity: diag.Error, Summary: "a map is used both with and without keys"},
		diag.CodeInfo{Code: CodeMapTypeConflict, Severity: diag.Error, Summary: "a map is assigned values of incompatible types"},
		diag.CodeInfo{Code: CodeMissingReturn, Severity: diag.Error, Summary: "a fn with a result type can end without returning a value"},
		diag.CodeInfo{Code: CodeNeverAssigned, Severity: diag.Warning, Summary: "a variable declared with let is never assigned", Bpftrace: true},
		diag.CodeInfo{Code: CodeNoSuchField, Severity: diag.Error, Summary: "a field that the struct, record or probe arguments do not have"},
		diag.CodeInfo{Code: CodeNoValue, Severity: diag.Error, Summary: "an expression without a value (a void call) used as a value"},
		diag.CodeInfo{Code: CodeNotAStruct, Severity: diag.Error, Summary: "field access on a value that is not a struct, union or record"},
		diag.CodeInfo{Code: CodeNotATuple, Severity: diag.Error, Summary: "a tuple index on a value that is not a tuple"},
		diag.CodeInfo{Code: CodeNotAValue, Severity: diag.Error, Summary: "a function name used without calling it"},
		diag.CodeInfo{Code: CodeNotConstant, Severity: diag.Error, Summary: "an expression that must be known when the script is compiled is not"},
		diag.CodeInfo{Code: CodeNotInFor, Severity: diag.Error, Summary: "a builtin that cannot be used inside a for loop over a map"},
		diag.CodeInfo{Code: CodeNotInProbe, Severity: diag.Error, Summary: "a builtin used in a probe type (or a fn) where it is not available"},
		diag.CodeInfo{Code: CodePointerMismatch, Severity: diag.Warning, Summary: "pointers to different types are compared"},
		diag.CodeInfo{Code: CodeRemovedBuiltin, Severity: diag.Error, Summary: "a builtin that bpftrace no longer has"},
		diag.CodeInfo{Code: CodeReturnValue, Severity: diag.Error, Summary: "a return value of the wrong type, a value returned where none is expected or the reverse"},
		diag.CodeInfo{Code: CodeShadowing, Severity: diag.Error, Summary: "let or a for loop declares a variable that is already declared"},
		diag.CodeInfo{Code: CodeSignedDivision, Severity: diag.Warning, Summary: "/ or % on signed operands, undefined for negative values in BPF"},
		diag.CodeInfo{Code: CodeTupleIndex, Severity: diag.Error, Summary: "a tuple index past the end of the tuple"},
		diag.CodeInfo{Code: CodeUndefinedMap, Severity: diag.Error, Summary: "a map is read but never assigned or declared"},
		diag.CodeInfo{Code: CodeUnassignedMap, Severity: diag.Warning, Summary: "a map is read but nothing assigns it (it reads as zero)"},
		diag.CodeInfo{Code: CodeUndefinedVariable, Severity: diag.Error, Summary: "a variable is used where no assignment or let declares it"},
		diag.CodeInfo{Code: CodeUnknownFunction, Severity: diag.Error, Summary: "a call to a function that is not a builtin, macro, fn or C function"},
		diag.CodeInfo{Code: CodeUnknownIdent, Severity: diag.Error, Summary: "an identifier that names no builtin, macro, constant or parameter"},
		diag.CodeInfo{Code: CodeUnknownMacro, Severity: diag.Error, Summary: "name!() names no macro"},
		diag.CodeInfo{Code: CodeUnknownType, Severity: diag.Error, Summary: "a type name that bpftrace, the script's C and the kernel do not define"},
		diag.CodeInfo{Code: CodeUnnecessaryCast, Severity: diag.Warning, Summary: "a cast to the type the value already has", Bpftrace: true},
		diag.CodeInfo{Code: CodeUnrollCount, Severity: diag.Error, Summary: "unroll's count is not a constant between 1 and 100"},
		diag.CodeInfo{Code: CodeUnreachable, Severity: diag.Warning, Summary: "a statement after return, break, continue or exit(), which never runs", Bpftrace: true},
		diag.CodeInfo{Code: CodeUnresolvedType, Severity: diag.Error, Summary: "a variable's type cannot be determined from its assignments"},
		diag.CodeInfo{Code: CodeUnsafe, Severity: diag.Error, Summary: "a function that changes the traced system, used without --unsafe"},
		diag.CodeInfo{Code: CodeUnstable, Severity: diag.Warning, Summary: "an unstable feature, gated by its config key"},
		diag.CodeInfo{Code: CodeUnusedMap, Severity: diag.Warning, Summary: "a declared map that is never used", Bpftrace: true},
		diag.CodeInfo{Code: CodeUsedBeforeAssigned, Severity: diag.Warning, Summary: "a variable declared with let is read before any value is assigned", Bpftrace: true},
		diag.CodeInfo{Code: CodeVarTypeConflict, Severity: diag.Error, Summary: "a variable is assigned values of incompatible types, or a value that does not fit its declared type"},
	)
}
