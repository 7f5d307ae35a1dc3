package btfindex

import (
	"cmp"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bt-tools/bt/internal/atomicfile"
)

// ErrNoKallsyms is returned by KprobeFuncs for an index of a kernel other
// than the running one (a BTF file): what kprobes attach to is not known.
var ErrNoKallsyms = errors.New("kallsyms is not available for this kernel")

// KprobeFuncs are the kernel functions kprobes can attach to, sorted by
// name then module: tracefs's available_filter_functions when readable
// (exactly that list), else kallsyms's text symbols without those never
// traceable (__pfx_ padding, __cfi_ stubs, .cold parts). The list is one
// string of "name\tmodule\n" lines, indexed by line, so neither building
// it from the on-disk copy nor looking a name up allocates per name.
type KprobeFuncs struct {
	From  string // "tracefs" or "kallsyms"
	text  string
	lines []int32 // start of each line in text
}

// Len is the number of functions.
func (s *KprobeFuncs) Len() int { return len(s.lines) }

// At returns function i's name and module ("vmlinux" for the kernel).
func (s *KprobeFuncs) At(i int) (name, module string) {
	line := s.text[s.lines[i]:]
	tab := strings.IndexByte(line, '\t')
	nl := strings.IndexByte(line, '\n')
	return line[:tab], line[tab+1 : nl]
}

func (s *KprobeFuncs) name(i int) string {
	line := s.text[s.lines[i]:]
	return line[:strings.IndexByte(line, '\t')]
}

// PrefixRange returns the half-open range of functions whose names start
// with prefix.
func (s *KprobeFuncs) PrefixRange(prefix string) (int, int) {
	lo := s.search(prefix)
	hi := lo
	for hi < len(s.lines) && strings.HasPrefix(s.name(hi), prefix) {
		hi++
	}
	return lo, hi
}

// search is the index of the first name >= name.
func (s *KprobeFuncs) search(name string) int {
	lo, hi := 0, len(s.lines)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.name(m) < name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// Has reports whether function name is attachable in module ("" for
// any).
func (s *KprobeFuncs) Has(module, name string) bool {
	for i := s.search(name); i < len(s.lines); i++ {
		n, m := s.At(i)
		if n != name {
			return false
		}
		if module == "" || m == module {
			return true
		}
	}
	return false
}

// HasModule reports whether any function is in module.
func (s *KprobeFuncs) HasModule(module string) bool {
	return strings.Contains(s.text, "\t"+module+"\n")
}

// newKprobeFuncs sorts fs and lays them out as lines.
func newKprobeFuncs(from string, fs []kprobeFunc) *KprobeFuncs {
	slices.SortFunc(fs, func(a, b kprobeFunc) int {
		return cmp.Or(strings.Compare(a.name, b.name), strings.Compare(a.mod, b.mod))
	})
	var b strings.Builder
	s := &KprobeFuncs{From: from, lines: make([]int32, 0, len(fs))}
	for _, f := range fs {
		s.lines = append(s.lines, int32(b.Len()))
		b.WriteString(f.name)
		b.WriteByte('\t')
		b.WriteString(f.mod)
		b.WriteByte('\n')
	}
	s.text = b.String()
	return s
}

type kprobeFunc struct{ name, mod string }

// indexKprobeText indexes text as KprobeFuncs lines, checking that every
// line has a name and a module and that they are sorted.
func indexKprobeText(from, text string) (*KprobeFuncs, bool) {
	if len(text) >= 1<<31 {
		return nil, false
	}
	s := &KprobeFuncs{From: from, text: text, lines: make([]int32, 0, strings.Count(text, "\n"))}
	prev := ""
	for off := 0; off < len(text); {
		nl := strings.IndexByte(text[off:], '\n')
		if nl < 0 {
			return nil, false
		}
		line := text[off : off+nl]
		name, _, ok := strings.Cut(line, "\t")
		if !ok || name == "" || name < prev {
			return nil, false
		}
		s.lines = append(s.lines, int32(off))
		prev = name
		off += nl + 1
	}
	return s, true
}

const kprobeCacheMagic = "bt-kprobes v2 "

// KprobeFuncs returns, read once, what kprobes may attach to on the
// running kernel; ErrNoKallsyms for another kernel. Reading kallsyms costs
// the kernel a few hundred milliseconds, so the list is kept on disk per
// index identity (which changes when a module with BTF is loaded).
func (ix *Index) KprobeFuncs() (*KprobeFuncs, error) {
	ix.kprobeOnce.Do(func() { ix.kprobes, ix.kprobeErr = ix.readKprobeFuncs() })
	return ix.kprobes, ix.kprobeErr
}

func (ix *Index) readKprobeFuncs() (*KprobeFuncs, error) {
	ksPath := ix.kallsymsPath()
	if ksPath == "" {
		return nil, ErrNoKallsyms
	}
	cache := ""
	if dir, err := ix.cacheDir(); err == nil && !ix.opts.NoCache && ix.btfErr == nil {
		cache = filepath.Join(dir, "kprobes-"+ix.Identity()+".txt")
		if s, ok := readKprobeCache(cache); ok {
			return s, nil
		}
	}
	// Looking for tracefs reads its event list, so it is only done here,
	// when kprobes need it.
	var s *KprobeFuncs
	if dir, _ := ix.TracefsDir(); dir != "" {
		if b, err := os.ReadFile(filepath.Join(dir, "available_filter_functions")); err == nil && len(b) > 0 {
			s = newKprobeFuncs("tracefs", parseFilterFunctions(string(b)))
		}
	}
	if s == nil {
		b, err := os.ReadFile(ksPath)
		if err != nil || len(b) == 0 {
			if err == nil {
				err = ErrNoKallsyms
			}
			return nil, err
		}
		var fs []kprobeFunc
		eachKallsym(string(b), func(_ string, typ byte, name, mod string) {
			if !isTextSymbol(typ) || strings.HasPrefix(name, "__pfx_") || strings.HasPrefix(name, "__cfi_") ||
				strings.HasSuffix(name, ".cold") || strings.Contains(name, ".cold.") {
				return
			}
			if mod == "" {
				mod = "vmlinux"
			}
			fs = append(fs, kprobeFunc{name, mod})
		})
		s = newKprobeFuncs("kallsyms", fs)
	}
	if cache != "" {
		if os.MkdirAll(filepath.Dir(cache), 0o755) == nil {
			atomicfile.Write(cache, []byte(kprobeCacheMagic+s.From+"\n"+s.text))
		}
	}
	return s, nil
}

func readKprobeCache(path string) (*KprobeFuncs, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	text := string(b)
	nl := strings.IndexByte(text, '\n')
	if nl < 0 || !strings.HasPrefix(text, kprobeCacheMagic) {
		return nil, false
	}
	return indexKprobeText(text[len(kprobeCacheMagic):nl], text[nl+1:])
}

// parseFilterFunctions reads available_filter_functions: "name" or
// "name [module]" per line.
func parseFilterFunctions(text string) []kprobeFunc {
	var fs []kprobeFunc
	for line := range strings.Lines(text) {
		name, mod := strings.TrimSpace(line), "vmlinux"
		if i := strings.IndexByte(name, ' '); i >= 0 {
			m := strings.TrimSpace(name[i+1:])
			name = name[:i]
			if len(m) > 2 && m[0] == '[' && m[len(m)-1] == ']' {
				mod = m[1 : len(m)-1]
			}
		}
		if name != "" {
			fs = append(fs, kprobeFunc{name, mod})
		}
	}
	return fs
}

// ReadTraceableFunctions reads a list in available_filter_functions'
// format ("name" or "name [module]" a line) from path: tracefs's own, or
// another a user names (bpftrace's --traceable-functions).
func ReadTraceableFunctions(path string) (*KprobeFuncs, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return newKprobeFuncs(path, parseFilterFunctions(string(b))), nil
}
