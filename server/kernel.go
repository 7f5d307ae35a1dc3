package server

import (
	"os"
	"sort"
	"sync"
	"time"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/analysis/parser"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/btfindex"
	"github.com/bt-tools/bt/btfindex/kernelcheck"
)

// kernelIndex is the kernel index of one configuration with the derived
// tables completion needs, computed once each.
type kernelIndex struct {
	ix *btfindex.Index
	// ck answers the checker from ix; made once so that its caches
	// (probe arguments, converted types) live as long as the index.
	ck check.Kernel

	tpOnce     sync.Once
	categories []string            // sorted tracepoint categories
	events     map[string][]string // category -> sorted events

	rawOnce sync.Once
	rawTPs  []string // raw tracepoint events (sorted, unique)

	iterOnce sync.Once
	iters    []string // BPF iterators

	warm chan struct{} // closed when the background warm-up is over

	// analysed is closed after the first analysis against this index:
	// the slower part of the warm-up waits for it, so as not to compete
	// with the first diagnostics for the CPU.
	analysed     chan struct{}
	analysedOnce sync.Once
}

// markAnalysed records that an analysis used the index.
func (k *kernelIndex) markAnalysed() { k.analysedOnce.Do(func() { close(k.analysed) }) }

// openKernelIndex opens the index cfg describes: the running kernel, or
// the BTF file cfg.BTF. It starts decoding the BTF types in the
// background, so that the first struct completion does not pay for it.
func openKernelIndex(cfg Config) (*kernelIndex, error) {
	opts := btfindex.Options{NoMount: true}
	if cfg.BTF != "" {
		opts.BTFFile = cfg.BTF
	}
	ix, err := btfindex.Open(opts)
	if err != nil {
		return nil, err
	}
	k := &kernelIndex{ix: ix, ck: kernelcheck.New(ix), warm: make(chan struct{}), analysed: make(chan struct{})}
	go func() {
		defer close(k.warm)
		if ix.HasBTF() {
			ix.Spec("") // decode vmlinux BTF once; errors surface in queries
		}
		select {
		case <-k.analysed:
		case <-time.After(2 * time.Second):
		}
		warmCheckKernel(k.ck)
	}()
	return k, nil
}

// warmCheckKernel has the checker's kernel adapter read what it reads
// lazily on the first kprobe it cannot find in BTF (the traceable
// function list from tracefs or kallsyms: hundreds of milliseconds), so
// that the user's first typed kprobe does not wait for it.
func warmCheckKernel(ck check.Kernel) {
	f := source.NewFile("warm-up.bt", []byte("kprobe:bt_lsp_warm_up_no_such_function { }\n"))
	file, _ := parser.ParseFile(f)
	for _, d := range file.Decls {
		if p, ok := d.(*ast.Probe); ok {
			for _, ap := range p.AttachPoints {
				ck.Resolve(ap, f)
			}
		}
	}
}

// waitWarm waits (bounded) for the background warm-up; used by
// benchmarks that measure steady-state latency.
func (k *kernelIndex) waitWarm(d time.Duration) bool {
	select {
	case <-k.warm:
		return true
	case <-time.After(d):
		return false
	}
}

func (k *kernelIndex) loadTracepoints() {
	k.tpOnce.Do(func() {
		k.events = map[string][]string{}
		for _, tp := range k.ix.Tracepoints() {
			if _, ok := k.events[tp.Category]; !ok {
				k.categories = append(k.categories, tp.Category)
			}
			k.events[tp.Category] = append(k.events[tp.Category], tp.Event)
		}
		sort.Strings(k.categories)
		for _, evs := range k.events {
			sort.Strings(evs)
		}
	})
}

// tracepointCategories returns the sorted categories.
func (k *kernelIndex) tracepointCategories() []string {
	k.loadTracepoints()
	return k.categories
}

// tracepointEvents returns the events of a category; "*" or "" (a BTF
// catalogue without categories) gives every event.
func (k *kernelIndex) tracepointEvents(cat string) []string {
	k.loadTracepoints()
	if evs, ok := k.events[cat]; ok {
		return evs
	}
	if cat == "" || cat == "*" || btfindex.HasWildcard(cat) {
		m := btfindex.CompileMatcher(cat)
		var out []string
		for _, c := range k.categories {
			if cat == "" || m.Match(c) {
				out = append(out, k.events[c]...)
			}
		}
		sort.Strings(out)
		return out
	}
	return nil
}

// rawTracepoints lists raw tracepoint event names.
func (k *kernelIndex) rawTracepoints() []string {
	k.rawOnce.Do(func() {
		probes, err := k.ix.List("rawtracepoint:*")
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, p := range probes {
			if !seen[p.Name] {
				seen[p.Name] = true
				k.rawTPs = append(k.rawTPs, p.Name)
			}
		}
		sort.Strings(k.rawTPs)
	})
	return k.rawTPs
}

// iterators lists the BPF iterators the kernel offers.
func (k *kernelIndex) iterators() []string {
	k.iterOnce.Do(func() {
		probes, err := k.ix.List("iter:*")
		if err != nil {
			return
		}
		for _, p := range probes {
			k.iters = append(k.iters, p.Name)
		}
		sort.Strings(k.iters)
	})
	return k.iters
}

// elfCache keeps the function symbols of uprobe targets, keyed by path
// and invalidated by the file's modification time and size.
var elfCache = struct {
	sync.Mutex
	m map[string]elfEntry
}{m: map[string]elfEntry{}}

type elfEntry struct {
	mtime time.Time
	size  int64
	funcs []string
	err   error
}

const elfCacheMax = 32

// elfFunctions returns the function symbols of the ELF file at path.
func elfFunctions(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	elfCache.Lock()
	e, ok := elfCache.m[path]
	elfCache.Unlock()
	if ok && e.mtime.Equal(st.ModTime()) && e.size == st.Size() {
		return e.funcs, e.err
	}
	funcs, err := btfindex.ELFFunctions(path)
	elfCache.Lock()
	defer elfCache.Unlock()
	if len(elfCache.m) >= elfCacheMax {
		for k := range elfCache.m { // evict an arbitrary entry
			delete(elfCache.m, k)
			break
		}
	}
	elfCache.m[path] = elfEntry{mtime: st.ModTime(), size: st.Size(), funcs: funcs, err: err}
	return funcs, err
}

func init() {
	// Not a capability: initialize is the first moment the configuration
	// is known, so the kernel index is opened (and its BTF decoded) in the
	// background from there, and the first didOpen usually finds it ready.
	capabilityHooks = append(capabilityHooks, func(s *Server, _ *serverCapabilities) {
		a, ok := s.analyzer.(*coreAnalyzer)
		if !ok {
			return
		}
		s.mu.Lock()
		cfg := s.config // initialize has merged initializationOptions
		s.mu.Unlock()
		go a.kernelFor(cfg)
	})
}
