package tracer

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"

	"github.com/bt-tools/bt/btfindex"
)

// cxxSymbols finds the mangled C++ function symbols of the ELF file at
// path whose demangled name, without its parameter list, matches pattern
// (uprobe:FILE:cpp:PATTERN, as bpftrace takes "ns::fn" or "fn*"). Names
// are demangled by binutils' c++filt, one run for the whole file.
func cxxSymbols(path, pattern string) ([]string, error) {
	funcs, err := btfindex.ELFFunctions(path)
	if err != nil {
		return nil, err
	}
	var mangled []string
	for _, f := range funcs {
		if strings.HasPrefix(f, "_Z") {
			mangled = append(mangled, f)
		}
	}
	if len(mangled) == 0 {
		return nil, nil
	}
	filt, err := exec.LookPath("c++filt")
	if err != nil {
		return nil, fmt.Errorf("demangling C++ names needs c++filt (binutils): %w", err)
	}
	cmd := exec.Command(filt)
	cmd.Stdin = strings.NewReader(strings.Join(mangled, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("c++filt: %w", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(mangled) {
		return nil, fmt.Errorf("c++filt returned %d names for %d", len(lines), len(mangled))
	}
	m := btfindex.CompileMatcher(pattern)
	var match []string
	for i, d := range lines {
		if !m.Match(withoutParams(d)) && !m.Match(d) {
			continue
		}
		match = append(match, mangled[i])
	}
	return match, nil
}

// withoutParams cuts a demangled function name before its parameter
// list: "ns::f(int, char*) const" is "ns::f".
func withoutParams(d string) string {
	depth := 0
	for i := 0; i < len(d); i++ {
		switch d[i] {
		case '<':
			depth++
		case '>':
			depth--
		case '(':
			if depth == 0 && i > 0 && !bytes.HasSuffix([]byte(d[:i]), []byte("operator")) {
				return d[:i]
			}
		}
	}
	return d
}
