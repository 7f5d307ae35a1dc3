package check

import (
	"errors"
	"os"
	"sort"
	"strings"
)

// kprobeSyms are the kernel functions kprobes can attach to, by name
// (sorted; a name may repeat, once per module).
type kprobeSyms struct {
	names []string
	mods  []string
}

func (s *kprobeSyms) Len() int { return len(s.names) }
func (s *kprobeSyms) Less(i, j int) bool {
	return s.names[i] < s.names[j] || (s.names[i] == s.names[j] && s.mods[i] < s.mods[j])
}
func (s *kprobeSyms) Swap(i, j int) {
	s.names[i], s.names[j] = s.names[j], s.names[i]
	s.mods[i], s.mods[j] = s.mods[j], s.mods[i]
}

// has reports whether function fn is attachable, in module mod ("" for
// any).
func (s *kprobeSyms) has(mod, fn string) bool {
	i := sort.SearchStrings(s.names, fn)
	for ; i < len(s.names) && s.names[i] == fn; i++ {
		if mod == "" || s.mods[i] == mod {
			return true
		}
	}
	return false
}

func (s *kprobeSyms) hasModule(mod string) bool {
	for _, m := range s.mods {
		if m == mod {
			return true
		}
	}
	return false
}

var errNoKallsyms = errors.New("kallsyms is not available for this kernel")

// kprobeSyms reads, once, what kprobes may attach to on the running
// kernel: tracefs's available_filter_functions when readable (exactly
// that), else the text symbols of kallsyms without the symbols that are
// never functions one can trace (__pfx_ padding, __cfi_ stubs, .cold
// parts).
func (k *kernel) kprobeSyms() (*kprobeSyms, string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ksyms != nil || k.ksymsErr != nil {
		return k.ksyms, k.ksymsSrc, k.ksymsErr
	}
	if k.kallsymsPath == "" {
		k.ksymsErr = errNoKallsyms
		return nil, "", k.ksymsErr
	}
	if k.filterPath != "" {
		if b, err := os.ReadFile(k.filterPath); err == nil && len(b) > 0 {
			k.ksyms, k.ksymsSrc = parseFilterFunctions(string(b)), "tracefs"
			return k.ksyms, k.ksymsSrc, nil
		}
	}
	b, err := os.ReadFile(k.kallsymsPath)
	if err != nil || len(b) == 0 {
		if err == nil {
			err = errNoKallsyms
		}
		k.ksymsErr = err
		return nil, "", err
	}
	k.ksyms, k.ksymsSrc = parseKallsymsText(string(b)), "kallsyms"
	return k.ksyms, k.ksymsSrc, nil
}

// kprobeCandidates is what kprobe wildcards match against: kprobeSyms,
// or every BTF function when kallsyms is unknown (another kernel's BTF).
func (k *kernel) kprobeCandidates() (*kprobeSyms, string, error) {
	if s, src, err := k.kprobeSyms(); err == nil {
		return s, src, nil
	}
	if err := k.idx.BTFError(); err != nil {
		return nil, "", err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.btfSyms == nil {
		s := &kprobeSyms{}
		for _, f := range k.idx.Funcs("") {
			s.names = append(s.names, f.Name)
			s.mods = append(s.mods, f.Module)
		}
		k.btfSyms = s
	}
	return k.btfSyms, "btf", nil
}

func parseFilterFunctions(text string) *kprobeSyms {
	s := &kprobeSyms{}
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		name, mod := strings.TrimSpace(line), "vmlinux"
		if i := strings.IndexByte(name, ' '); i >= 0 {
			m := strings.TrimSpace(name[i+1:])
			name = name[:i]
			if len(m) > 2 && m[0] == '[' && m[len(m)-1] == ']' {
				mod = m[1 : len(m)-1]
			}
		}
		if name == "" {
			continue
		}
		s.names = append(s.names, name)
		s.mods = append(s.mods, mod)
	}
	sort.Sort(s)
	return s
}

func parseKallsymsText(text string) *kprobeSyms {
	s := &kprobeSyms{}
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		// "ffffffff81000000 T name\t[module]"
		sp := strings.IndexByte(line, ' ')
		if sp < 0 || sp+3 > len(line) {
			continue
		}
		switch line[sp+1] {
		case 't', 'T', 'w', 'W':
		default:
			continue
		}
		rest, mod := line[sp+3:], "vmlinux"
		if tab := strings.IndexByte(rest, '\t'); tab >= 0 {
			m := strings.TrimSpace(rest[tab+1:])
			rest = rest[:tab]
			if len(m) > 2 && m[0] == '[' && m[len(m)-1] == ']' {
				mod = m[1 : len(m)-1]
			}
		}
		if rest == "" || strings.HasPrefix(rest, "__pfx_") || strings.HasPrefix(rest, "__cfi_") ||
			strings.HasSuffix(rest, ".cold") || strings.Contains(rest, ".cold.") {
			continue
		}
		s.names = append(s.names, rest)
		s.mods = append(s.mods, mod)
	}
	sort.Sort(s)
	return s
}
