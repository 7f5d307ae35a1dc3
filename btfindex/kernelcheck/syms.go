package kernelcheck

// kprobeCandidates calls add for every function a kprobe wildcard with
// literal prefix may match: what kprobes can attach to on the running
// kernel (the index's KprobeFuncs), or every BTF function when that is
// unknown (another kernel's BTF). It returns where the names came from,
// or false when there is nothing to match against.
func (k *kernel) kprobeCandidates(prefix string, add func(mod, name string)) (string, bool) {
	if s, err := k.idx.KprobeFuncs(); err == nil {
		lo, hi := s.PrefixRange(prefix)
		for i := lo; i < hi; i++ {
			name, mod := s.At(i)
			add(mod, name)
		}
		return s.From, true
	}
	if k.idx.BTFError() != nil {
		return "", false
	}
	for _, f := range k.idx.Funcs(prefix) {
		add(f.Module, f.Name)
	}
	return "btf", true
}
