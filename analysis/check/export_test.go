package check

// Test helpers of this package that the external tests (package
// check_test, which may import btfindex/kernelcheck) use too.

var (
	ParseScript = parseScript
	DiagsWith   = diagsWith
	CfrontModes = cfrontModes
)
