package codegen

import "testing"

// TestComptimeBranchNotCompiled: a comptime condition decided by
// typeinfo() compiles only the branch taken; the other, left untyped by
// the checker (wrong for the type at hand), is not compiled.
func TestComptimeBranchNotCompiled(t *testing.T) {
	compileSrc(t, `config = { unstable_typeinfo = enable }
macro show(x) { if comptime (typeinfo(x).base_type == "string") { print(strlen(x)); } else { print(x + 1); } }
begin { show("abc"); show(41); $a = (uint64)1; if comptime (typeinfo($a).base_type == "string") { print(strlen($a)); } }`, Options{})
}
