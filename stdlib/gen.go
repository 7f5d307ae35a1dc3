package stdlib

// The C (in bpf/, where the go tool does not mistake it for cgo) is
// compiled by clang; its tables come from the Linux UAPI headers. Both
// results are committed, so building bt needs neither.

//go:generate sh -c "cd bpf && go run ../internal/gentables && go run ../internal/genobj"
