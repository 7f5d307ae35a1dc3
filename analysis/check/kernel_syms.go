package check

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	// Reading /proc/kallsyms costs the kernel a few hundred milliseconds:
	// the list is kept on disk per kernel identity (which changes when a
	// module with BTF is loaded).
	cache := ""
	if k.cacheDir != "" && k.idx.Identity() != "" {
		cache = filepath.Join(k.cacheDir, "kprobes-"+k.idx.Identity()+".txt")
		if s, src, ok := readKprobeCache(cache); ok {
			k.ksyms, k.ksymsSrc = s, src
			return s, src, nil
		}
	}
	// tracefs's available_filter_functions is preferred to kallsyms: it
	// lists exactly the traceable functions. Looking for tracefs reads
	// its event list, so it is only done here, when kprobes need it.
	if dir := k.tracefsDir(); dir != "" {
		if b, err := os.ReadFile(dir + "/available_filter_functions"); err == nil && len(b) > 0 {
			k.ksyms, k.ksymsSrc = parseFilterFunctions(string(b)), "tracefs"
		}
	}
	if k.ksyms == nil {
		b, err := os.ReadFile(k.kallsymsPath)
		if err != nil || len(b) == 0 {
			if err == nil {
				err = errNoKallsyms
			}
			k.ksymsErr = err
			return nil, "", err
		}
		k.ksyms, k.ksymsSrc = parseKallsymsText(string(b)), "kallsyms"
	}
	if cache != "" {
		writeKprobeCache(cache, k.ksyms, k.ksymsSrc)
	}
	return k.ksyms, k.ksymsSrc, nil
}

const kprobeCacheMagic = "bt-kprobes v1 "

func readKprobeCache(path string) (*kprobeSyms, string, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", false
	}
	text := string(b)
	nl := strings.IndexByte(text, '\n')
	if nl < 0 || !strings.HasPrefix(text, kprobeCacheMagic) {
		return nil, "", false
	}
	src := text[len(kprobeCacheMagic):nl]
	s := &kprobeSyms{}
	for rest := text[nl+1:]; len(rest) > 0; {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		name, mod, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, "", false
		}
		s.names = append(s.names, name)
		s.mods = append(s.mods, mod)
	}
	if !sort.IsSorted(s) {
		return nil, "", false
	}
	return s, src, true
}

func writeKprobeCache(path string, s *kprobeSyms, src string) {
	var b strings.Builder
	b.WriteString(kprobeCacheMagic + src + "\n")
	for i, n := range s.names {
		b.WriteString(n)
		b.WriteByte('\t')
		b.WriteString(s.mods[i])
		b.WriteByte('\n')
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return
	}
	tmp := path + fmt.Sprintf(".%d.tmp", os.Getpid())
	if os.WriteFile(tmp, []byte(b.String()), 0o644) != nil || os.Rename(tmp, path) != nil {
		os.Remove(tmp)
	}
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

// tracefsDir is the running kernel's tracefs directory, "" when there is
// none or the kernel is not the running one.
func (k *kernel) tracefsDir() string {
	if !k.running {
		return ""
	}
	dir, _ := k.idx.TracefsDir()
	return dir
}
