package btfindex

import (
	"os"
	"strings"
)

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
	for len(s) > 0 {
		nl := indexByteString(s, '\n')
		var line string
		if nl < 0 {
			line, s = s, ""
		} else {
			line, s = s[:nl], s[nl+1:]
		}
		// "ffffffff81000000 T name\t[module]"
		sp := indexByteString(line, ' ')
		if sp < 0 || sp+3 > len(line) {
			continue
		}
		typ := line[sp+1]
		if typ != 't' && typ != 'T' && typ != 'w' && typ != 'W' {
			continue
		}
		rest := line[sp+3:]
		mod := "vmlinux"
		if tab := indexByteString(rest, '\t'); tab >= 0 {
			m := rest[tab+1:]
			rest = rest[:tab]
			if len(m) > 2 && m[0] == '[' && m[len(m)-1] == ']' {
				mod = m[1 : len(m)-1]
			}
		}
		set := vmlinux
		if mod != "vmlinux" {
			set = ks.text[mod]
			if set == nil {
				set = map[string]struct{}{}
				ks.text[mod] = set
			}
		}
		set[rest] = struct{}{}
	}
	return ks
}

func (ks *kallsyms) has(module, name string) bool {
	_, ok := ks.text[module][name]
	return ok
}

func indexByteString(s string, c byte) int { return strings.IndexByte(s, c) }
