package tracer

import (
	"slices"
	"sync"

	"github.com/bt-tools/bt/btfindex"
)

// procHistory remembers the executable file mappings of processes as
// they were while the processes lived — from the mmap watcher's records
// and from snapshots of /proc/PID/maps — so that their addresses can be
// symbolized after they have exited, when /proc no longer has them.
//
// A process's mappings are kept in the order they were made; a later
// mapping over the same addresses shadows an earlier one (munmap is not
// reported, so old entries stay). An exec forgets them; a fork gives the
// child its parent's. The entries of exited processes are kept for the
// maxExited most recent exits, bounding memory on a busy system.
type procHistory struct {
	mu     sync.Mutex
	procs  map[uint32]*procRecord
	exited []uint32          // pids whose process exited, oldest first
	paths  map[string]string // interned file paths
	max    int               // exited processes kept
	// inNS lists the processes seen in each mount namespace (by its
	// inode): the files a process of a container mapped are found
	// through the root of another that still runs there.
	inNS map[uint64][]uint32
}

// procRecord is what is known of one process's mappings.
type procRecord struct {
	maps []mapping
	// parent is the process this one was forked from, when the parent's
	// mappings were unknown then (it started before bt): the child
	// shares them until it execs. 0 when none.
	parent uint32
	exited bool
	mntNS  uint64 // its mount namespace's inode, 0 when unknown
}

// maxExited is how many exited processes' mappings are kept: a process
// maps some 5 to 50 executable regions of 56 bytes each, so at most 2
// to 25 MB (the paths are shared).
const maxExited = 8192

func newProcHistory() *procHistory {
	return &procHistory{procs: map[uint32]*procRecord{}, paths: map[string]string{}, max: maxExited,
		inNS: map[uint64][]uint32{}}
}

// record is the entry of the running process pid: a new one when the
// pid was not seen or its last process exited (the pid was reused).
func (h *procHistory) record(pid uint32) *procRecord {
	p := h.procs[pid]
	if p == nil || p.exited {
		p = &procRecord{}
		h.procs[pid] = p
	}
	return p
}

func (h *procHistory) intern(path string) string {
	if s, ok := h.paths[path]; ok {
		return s
	}
	h.paths[path] = path
	return path
}

// mmap records a new executable mapping of process pid.
func (h *procHistory) mmap(pid uint32, m mapping) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m.path = h.intern(m.path)
	p := h.record(pid)
	p.maps = append(p.maps, m)
}

// fork records that process child was forked from process parent: it
// has the parent's mappings. Mappings the child already has (their
// records were read first, from another CPU's ring) come after them.
func (h *procHistory) fork(child, parent uint32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.record(child)
	pp, known := h.procs[parent]
	if !known {
		c.parent = parent
		return
	}
	if c.mntNS == 0 && pp.mntNS != 0 {
		h.setNS(child, c, pp.mntNS)
	}
	inherited := pp.maps[:len(pp.maps):len(pp.maps)] // appends copy
	c.maps = append(inherited, c.maps...)
	c.parent = pp.parent
}

// exec records that process pid replaced its program: the mappings it
// had are gone.
func (h *procHistory) exec(pid uint32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.record(pid)
	p.maps, p.parent = nil, 0
}

// exit records that process pid exited; the oldest exited processes
// beyond the limit are forgotten.
func (h *procHistory) exit(pid uint32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.procs[pid]
	if !ok || p.exited {
		return
	}
	p.exited = true
	h.exited = append(h.exited, pid)
	for len(h.exited) > h.max {
		old := h.exited[0]
		h.exited = h.exited[1:]
		// The pid may have been reused by a live process since.
		if q := h.procs[old]; q != nil && q.exited {
			delete(h.procs, old)
		}
	}
}

// namespace records the mount namespace process pid is in.
func (h *procHistory) namespace(pid uint32, mntNS uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.setNS(pid, h.record(pid), mntNS)
}

// maxNSMembers bounds a namespace's member list before the processes
// no longer running are pruned from it.
const maxNSMembers = 64

func (h *procHistory) setNS(pid uint32, p *procRecord, ns uint64) {
	if p.mntNS == ns || ns == 0 {
		return
	}
	p.mntNS = ns
	members := h.inNS[ns]
	if len(members) >= maxNSMembers {
		members = slices.DeleteFunc(members, func(q uint32) bool {
			r := h.procs[q]
			return r == nil || r.exited || r.mntNS != ns
		})
	}
	h.inNS[ns] = append(members, pid)
}

// neighbours lists the other processes recorded in pid's mount
// namespace that have not exited, most recent first; nil when pid's
// namespace is unknown or is except.
func (h *procHistory) neighbours(pid uint32, except uint64) []uint32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.procs[pid]
	if p == nil || p.mntNS == 0 || p.mntNS == except {
		return nil
	}
	var out []uint32
	members := h.inNS[p.mntNS]
	for i := len(members) - 1; i >= 0; i-- {
		q := members[i]
		if r := h.procs[q]; q != pid && r != nil && !r.exited && r.mntNS == p.mntNS {
			out = append(out, q)
		}
	}
	return out
}

// snapshot records the mappings /proc/PID/maps lists now, before the
// ones learned later (a library loaded afterwards shadows them).
func (h *procHistory) snapshot(pid uint32, maps []btfindex.Mapping) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ms := execMappings(maps)
	for i := range ms {
		ms[i].path = h.intern(ms[i].path)
	}
	if len(ms) == 0 {
		return
	}
	p := h.record(pid)
	p.maps = append(ms, p.maps...)
}

// lookup finds the mapping that held addr in process pid, the latest
// one when several did. When none is known and the process was forked
// from one whose mappings bt never learned, that parent is returned.
func (h *procHistory) lookup(pid uint32, addr uint64) (m mapping, ok bool, parent uint32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.procs[pid]
	if p == nil {
		return mapping{}, false, 0
	}
	if m, ok := latestMapping(p.maps, addr); ok {
		return m, true, 0
	}
	return mapping{}, false, p.parent
}

// known reports whether anything is recorded for pid.
func (h *procHistory) known(pid uint32) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.procs[pid]
	return ok
}

// latestMapping is the last of maps that contains addr.
func latestMapping(maps []mapping, addr uint64) (mapping, bool) {
	for i := len(maps) - 1; i >= 0; i-- {
		if m := maps[i]; addr >= m.start && addr < m.end {
			return m, true
		}
	}
	return mapping{}, false
}
