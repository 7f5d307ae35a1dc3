package diag

import "sort"

// Code is a diagnostic's stable identifier, printed as error[code]. Codes
// never change meaning once released: tools (SARIF uploads, editor
// filters, --werror allowlists) key on them.
type Code string

// CodeInfo describes a code for documentation and SARIF rule metadata.
type CodeInfo struct {
	Code     Code
	Severity Severity // default severity
	Summary  string   // one line, our own words
	// Bpftrace says bpftrace v0.26 reports the problem too. The drop-in
	// `bpftrace` prints only such warnings: bt's other warnings are bt
	// check's lints, which a bpftrace user never saw.
	Bpftrace bool
}

// codes is the one table of every diagnostic the project emits. Add a row
// here before emitting a new code; TestCodesDocumented keeps it honest.
var codes = map[Code]CodeInfo{}

// Register adds rows to the table; packages call it from init so that the
// table lives next to the code that emits it but is read in one place.
func Register(infos ...CodeInfo) {
	for _, ci := range infos {
		if _, dup := codes[ci.Code]; dup {
			panic("diag: code registered twice: " + string(ci.Code))
		}
		codes[ci.Code] = ci
	}
}

// Lookup returns the table row for c.
func Lookup(c Code) (CodeInfo, bool) {
	ci, ok := codes[c]
	return ci, ok
}

// All returns every registered code, sorted.
func All() []CodeInfo {
	out := make([]CodeInfo, 0, len(codes))
	for _, ci := range codes {
		out = append(out, ci)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}
