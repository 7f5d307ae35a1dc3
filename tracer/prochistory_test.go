package tracer

import (
	"encoding/binary"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bt-tools/bt/btfindex"
)

func lookupPath(h *procHistory, pid uint32, addr uint64) string {
	m, ok, _ := h.lookup(pid, addr)
	if !ok {
		return ""
	}
	return m.path
}

func TestProcHistory(t *testing.T) {
	h := newProcHistory()
	h.mmap(10, mapping{start: 0x1000, end: 0x2000, path: "/bin/a"})
	h.mmap(10, mapping{start: 0x5000, end: 0x6000, path: "/lib/x.so"})
	// A later mapping over the same addresses shadows the earlier one.
	h.mmap(10, mapping{start: 0x5000, end: 0x5800, path: "/lib/y.so"})
	for _, c := range []struct {
		addr uint64
		want string
	}{{0x1000, "/bin/a"}, {0x1fff, "/bin/a"}, {0x2000, ""}, {0x5100, "/lib/y.so"}, {0x5900, "/lib/x.so"}, {0x10, ""}} {
		if got := lookupPath(h, 10, c.addr); got != c.want {
			t.Errorf("lookup(10, %#x) = %q, want %q", c.addr, got, c.want)
		}
	}

	// A fork inherits; the child's own mappings are its own.
	h.fork(11, 10)
	h.mmap(11, mapping{start: 0x9000, end: 0xa000, path: "/lib/z.so"})
	if got := lookupPath(h, 11, 0x1000); got != "/bin/a" {
		t.Errorf("forked child: %q", got)
	}
	if got := lookupPath(h, 10, 0x9000); got != "" {
		t.Errorf("the child's mapping shows in the parent: %q", got)
	}
	// Records of the child read before its fork's (another CPU's ring)
	// are kept after the inherited ones.
	h.mmap(12, mapping{start: 0x1000, end: 0x2000, path: "/bin/own"})
	h.fork(12, 10)
	if got := lookupPath(h, 12, 0x1000); got != "/bin/own" {
		t.Errorf("child mapping read before the fork: %q", got)
	}

	// exec forgets.
	h.exec(11)
	if got := lookupPath(h, 11, 0x1000); got != "" {
		t.Errorf("after exec: %q", got)
	}

	// A child of a process bt knows nothing of points to it.
	h.fork(20, 99)
	if _, ok, parent := h.lookup(20, 0x1000); ok || parent != 99 {
		t.Errorf("child of an unknown process: ok %v parent %d", ok, parent)
	}

	// Snapshots come before later records; data mappings are left out.
	h.snapshot(30, []btfindex.Mapping{
		{Start: 0x1000, End: 0x2000, Exec: true, Path: "/bin/snap"},
		{Start: 0x3000, End: 0x4000, Path: "/bin/data"},
	})
	h.mmap(30, mapping{start: 0x1800, end: 0x1900, path: "/lib/late.so"})
	if got := lookupPath(h, 30, 0x1850); got != "/lib/late.so" {
		t.Errorf("snapshot shadows a later mapping: %q", got)
	}
	if got := lookupPath(h, 30, 0x3000); got != "" {
		t.Errorf("data mapping recorded: %q", got)
	}

	// Exited processes are kept up to the limit, oldest dropped first.
	h.max = 2
	h.exit(10)
	h.exit(12)
	h.exit(30)
	if h.known(10) || !h.known(12) || !h.known(30) {
		t.Errorf("after three exits with a limit of two: known 10 %v, 12 %v, 30 %v", h.known(10), h.known(12), h.known(30))
	}
	// A reused pid starts afresh: the exited process's mappings are not
	// the new one's.
	h.mmap(50, mapping{start: 0x1000, end: 0x2000, path: "/bin/old"})
	h.exit(50)
	h.fork(50, 11) // 11 exec'd: it has no mappings
	if got := lookupPath(h, 50, 0x1000); got != "" {
		t.Errorf("reused pid after fork: %q", got)
	}
	h.mmap(51, mapping{start: 0x1000, end: 0x2000, path: "/bin/old"})
	h.exit(51)
	h.mmap(51, mapping{start: 0x3000, end: 0x4000, path: "/bin/new"})
	if got := lookupPath(h, 51, 0x1000); got != "" {
		t.Errorf("reused pid: the exited process's mapping is the new one's: %q", got)
	}
	// A pid reused by a new process is not dropped for the old one's
	// exit.
	h.fork(12, 11)
	h.exit(40) // unknown: nothing to keep
	h.mmap(41, mapping{start: 1, end: 2, path: "/x"})
	h.exit(41)
	h.mmap(42, mapping{start: 1, end: 2, path: "/x"})
	h.exit(42)
	if !h.known(12) {
		t.Error("a live process's entry was dropped for its pid's previous exit")
	}
}

func TestProcHistoryNamespaces(t *testing.T) {
	h := newProcHistory()
	const own, container = 1, 2
	h.namespace(1, own)
	h.namespace(5, container)
	h.namespace(6, container)
	h.fork(7, 6) // inherits its parent's namespace
	if got := h.neighbours(5, own); !slices.Equal(got, []uint32{7, 6}) {
		t.Errorf("neighbours(5) = %v, want [7 6]", got)
	}
	if got := h.neighbours(1, own); got != nil {
		t.Errorf("neighbours in bt's own namespace = %v", got)
	}
	if got := h.neighbours(99, own); got != nil {
		t.Errorf("neighbours of an unknown process = %v", got)
	}
	h.exit(6)
	h.namespace(7, own) // setns into bt's
	if got := h.neighbours(5, own); got != nil {
		t.Errorf("after an exit and a setns: neighbours(5) = %v", got)
	}
	// The member list is pruned of gone processes as it grows.
	for pid := uint32(100); pid < 100+3*maxNSMembers; pid++ {
		h.namespace(pid, container)
		h.mmap(pid, mapping{start: 1, end: 2, path: "/x"})
		h.exit(pid)
	}
	if n := len(h.inNS[container]); n > maxNSMembers {
		t.Errorf("%d members kept for the namespace", n)
	}
}

func TestSameInode(t *testing.T) {
	const ino = 0x1234567
	if !sameInode(ino, ino) || !sameInode(ino|3<<62, ino) || sameInode(ino+1, ino) {
		t.Error("sameInode")
	}
}

func TestSymbolCacheOf(t *testing.T) {
	for _, c := range []struct {
		v    string
		want symbolCache
	}{{"PER_PID", cachePerPID}, {"per_program", cachePerProgram}, {"None", cacheNone}, {"0", cacheNone}} {
		if got := symbolCacheOf(c.v, false); got != c.want {
			t.Errorf("symbolCacheOf(%q) = %v, want %v", c.v, got, c.want)
		}
	}
	// The default with -c is PER_PROGRAM, as bpftrace's.
	for _, v := range []string{"", "1", "<nil>"} {
		if got := symbolCacheOf(v, true); got != cachePerProgram {
			t.Errorf("symbolCacheOf(%q) with a command = %v", v, got)
		}
	}
}

// ringRecord encodes a side-band record with its trailing time.
func ringRecord(typ uint32, misc uint16, time uint64, body []byte) []byte {
	n := 8 + len(body) + 8
	n = (n + 7) &^ 7
	b := make([]byte, n)
	binary.LittleEndian.PutUint32(b, typ)
	binary.LittleEndian.PutUint16(b[4:], misc)
	binary.LittleEndian.PutUint16(b[6:], uint16(n))
	copy(b[8:], body)
	binary.LittleEndian.PutUint64(b[n-8:], time)
	return b
}

func mmap2Body(pid uint32, addr, length, pgoff, inode uint64, prot uint32, name string) []byte {
	b := make([]byte, 64, 64+len(name)+8)
	binary.LittleEndian.PutUint32(b, pid)
	binary.LittleEndian.PutUint32(b[4:], pid)
	binary.LittleEndian.PutUint64(b[8:], addr)
	binary.LittleEndian.PutUint64(b[16:], length)
	binary.LittleEndian.PutUint64(b[24:], pgoff)
	binary.LittleEndian.PutUint64(b[40:], inode)
	binary.LittleEndian.PutUint32(b[56:], prot)
	b = append(b, name...)
	return append(b, 0)
}

func taskBody(pid, ppid, tid uint32) []byte {
	b := make([]byte, 24)
	binary.LittleEndian.PutUint32(b, pid)
	binary.LittleEndian.PutUint32(b[4:], ppid)
	binary.LittleEndian.PutUint32(b[8:], tid)
	return b
}

// fakeRing is a perfRing over ordinary memory, its records written at
// tail so that they wrap around the end.
func fakeRing(size int, tail uint64, recs ...[]byte) *perfRing {
	mem := make([]byte, 4096+size)
	r := &perfRing{mem: mem, data: mem[4096:], head: new(uint64), tail: new(uint64)}
	*r.tail = tail
	pos := tail
	for _, rec := range recs {
		for _, c := range rec {
			r.data[pos%uint64(size)] = c
			pos++
		}
	}
	*r.head = pos
	return r
}

// Records are read across the ring's end and applied in time order over
// every CPU's ring: a fork read after its child's exec, or an exec after
// the mappings that follow it, still ends with the right mappings.
func TestMmapWatchRecords(t *testing.T) {
	const size = 1024
	exe := mmap2Body(7, 0x5000, 0x1000, 0, 42, unix.PROT_READ|unix.PROT_EXEC, "/usr/bin/prog")
	lib := mmap2Body(7, 0x7000, 0x1000, 0x2000, 43, unix.PROT_READ|unix.PROT_EXEC, "/usr/lib/libx.so (deleted)")
	data := mmap2Body(7, 0x9000, 0x1000, 0, 44, unix.PROT_READ, "/usr/lib/data")
	anon := mmap2Body(7, 0xb000, 0x1000, 0, 0, unix.PROT_EXEC, "//anon")
	stale := mmap2Body(7, 0x5000, 0x1000, 0, 40, unix.PROT_EXEC, "/usr/bin/old")
	comm := append(taskBody(7, 7, 0)[:8], "prog\x00\x00\x00\x00"...)
	// pid 8, seven namespaces; the mount namespace's inode.
	ns := make([]byte, 16+16*7)
	binary.LittleEndian.PutUint32(ns, 8)
	binary.LittleEndian.PutUint64(ns[8:], 7)
	binary.LittleEndian.PutUint64(ns[16+16*mntNSIndex+8:], 4026532000)
	cpu0 := fakeRing(size, size-24, // the first record wraps
		ringRecord(unix.PERF_RECORD_MMAP2, 0, 1, stale),
		ringRecord(unix.PERF_RECORD_MMAP2, 0, 4, exe),
		ringRecord(unix.PERF_RECORD_MMAP2, 0, 6, data))
	cpu1 := fakeRing(size, 0,
		ringRecord(perfRecordComm, unix.PERF_RECORD_MISC_COMM_EXEC, 3, comm),
		ringRecord(unix.PERF_RECORD_MMAP2, 0, 5, lib),
		ringRecord(unix.PERF_RECORD_MMAP2, 0, 7, anon),
		ringRecord(perfRecordFork, 0, 8, taskBody(8, 7, 8)),
		ringRecord(perfRecordNamespaces, 0, 8, ns),
		ringRecord(perfRecordFork, 0, 9, taskBody(7, 7, 9)), // a thread
		ringRecord(perfRecordExit, 0, 10, taskBody(8, 7, 8)),
		ringRecord(2, 0, 11, make([]byte, 16))) // PERF_RECORD_LOST: skipped
	hist := newProcHistory()
	w := &mmapWatch{rings: []*perfRing{cpu0, cpu1}, hist: hist, stop: -1}
	w.drain()
	for _, r := range w.rings {
		if *r.tail != *r.head {
			t.Errorf("ring read to %d of %d", *r.tail, *r.head)
		}
	}
	for _, pid := range []uint32{7, 8} {
		m, ok, _ := hist.lookup(pid, 0x5010)
		if !ok || m.path != "/usr/bin/prog" || m.inode != 42 || m.start != 0x5000 || m.end != 0x6000 {
			t.Errorf("pid %d exe: %+v %v", pid, m, ok)
		}
		m, ok, _ = hist.lookup(pid, 0x7010)
		if !ok || m.path != "/usr/lib/libx.so" || m.offset != 0x2000 {
			t.Errorf("pid %d library: %+v %v", pid, m, ok)
		}
		for _, addr := range []uint64{0x9000, 0xb000} {
			if m, ok, _ := hist.lookup(pid, addr); ok {
				t.Errorf("pid %d: %#x recorded as %+v", pid, addr, m)
			}
		}
	}
	if p := hist.procs[8]; p == nil || !p.exited || p.mntNS != 4026532000 {
		t.Errorf("the child's exit or namespace was not recorded: %+v", p)
	}
	if p := hist.procs[7]; p == nil || p.exited {
		t.Error("a thread's creation or exit was taken for the process's")
	}
	// Nothing new: a second drain changes nothing.
	w.drain()
	if p := hist.procs[7]; p == nil || len(p.maps) != 2 {
		n := -1
		if p != nil {
			n = len(p.maps)
		}
		t.Errorf("pid 7 has %d mappings after a second drain, want 2", n)
	}
}
