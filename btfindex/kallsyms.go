package btfindex

import (
	"os"
	"strings"
)

// eachKallsym calls fn for every well-formed line of a kallsyms file
// ("ffffffff81000000 T name\t[module]"): its address text, type letter,
// name and module ("" for the kernel itself). It is the one reader of
// the format; the attachable-function set, the address-to-symbol table
// and the kprobe function list are built on it.
func eachKallsym(s string, fn func(addr string, typ byte, name, mod string)) {
	for line := range strings.Lines(s) {
		line = strings.TrimSuffix(line, "\n")
		sp := strings.IndexByte(line, ' ')
		if sp < 0 || sp+3 > len(line) || line[sp+2] != ' ' {
			continue
		}
		name, mod := line[sp+3:], ""
		if tab := strings.IndexByte(name, '\t'); tab >= 0 {
			m := strings.TrimSpace(name[tab+1:])
			name = name[:tab]
			if len(m) > 2 && m[0] == '[' && m[len(m)-1] == ']' {
				mod = m[1 : len(m)-1]
			}
		}
		if name == "" {
			continue
		}
		fn(line[:sp], line[sp+1], name, mod)
	}
}

// isTextSymbol reports whether a kallsyms type letter is code (local or
// global, weak included).
func isTextSymbol(typ byte) bool {
	return typ == 't' || typ == 'T' || typ == 'w' || typ == 'W'
}

// kallsyms holds the kernel's text symbols by module ("vmlinux" for the
// kernel itself). A BTF function is attachable (kprobe, fentry) when it is
// a text symbol: inlined and some notrace functions are in BTF but not here.
// The names are substrings of one string, so the map costs no per-name
// allocation.
type kallsyms struct {
	text map[string]map[string]struct{} // module -> names
}

// readKallsyms reads and parses a kallsyms file; it returns nil when the
// file cannot be read.
func readKallsyms(path string) *kallsyms {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return nil
	}
	return parseKallsyms(string(b))
}

func parseKallsyms(s string) *kallsyms {
	ks := &kallsyms{text: map[string]map[string]struct{}{}}
	vmlinux := make(map[string]struct{}, 1<<17)
	ks.text["vmlinux"] = vmlinux
	eachKallsym(s, func(_ string, typ byte, name, mod string) {
		if !isTextSymbol(typ) {
			return
		}
		set := vmlinux
		if mod != "" {
			set = ks.text[mod]
			if set == nil {
				set = map[string]struct{}{}
				ks.text[mod] = set
			}
		}
		set[name] = struct{}{}
	})
	return ks
}

func (ks *kallsyms) has(module, name string) bool {
	_, ok := ks.text[module][name]
	return ok
}
