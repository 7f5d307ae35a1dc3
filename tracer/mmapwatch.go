package tracer

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmapWatch follows, on every CPU, the executable mappings processes
// make, their forks, execs and exits, from the kernel's perf side-band
// records (PERF_RECORD_MMAP2, FORK, COMM with COMM_EXEC, EXIT,
// NAMESPACES) of a dummy software event — what perf record does to symbolize samples of
// processes that are gone — and writes them into a procHistory. The
// records are written while the process runs, so a stack printed after
// it exited still finds its PIE executable and shared libraries.
//
// A goroutine drains the rings when they are half full; a symbol
// lookup drains them too (drain), so the history is current when a
// stack is printed. No event of the traced program's ring buffer waits
// on any of this.
type mmapWatch struct {
	mu    sync.Mutex // one reader of the rings at a time
	rings []*perfRing
	hist  *procHistory
	recs  []sideRecord // reused between drains
	stop  int          // eventfd that ends the goroutine
	done  chan struct{}
}

// perfRing is one CPU's perf ring buffer: a metadata page, then the
// data pages.
type perfRing struct {
	fd   int
	mem  []byte
	data []byte
	head *uint64 // perf_event_mmap_page.data_head, written by the kernel
	tail *uint64 // perf_event_mmap_page.data_tail, written by the reader
}

// sideRecord is a side-band record copied out of a ring, with the time
// it was written (records of different CPUs are applied in time order).
type sideRecord struct {
	time uint64
	typ  uint32
	misc uint16
	body []byte // after the header, without the trailing sample id
}

const (
	// ringPages is each CPU's data size in pages (a power of two): 128
	// KiB holds some hundred execs' records between two reads.
	ringPages = 32
	// Offsets in struct perf_event_mmap_page.
	perfDataHead = 1024
	perfDataTail = 1032

	perfRecordMiscMmapBuildID = 1 << 14
	perfRecordFork            = 7
	perfRecordExit            = 4
	perfRecordComm            = 3
	perfRecordNamespaces      = 16
	mntNSIndex                = 5 // of a NAMESPACES record's (dev, inode) pairs

	// perfBitNamespaces is perf_event_attr's namespaces bit, which
	// x/sys/unix does not name.
	perfBitNamespaces = 1 << 28
)

// startMmapWatch opens the side-band event on every online CPU. It fails
// without the privilege to watch all processes; the run goes on then,
// symbolizing only what /proc has when stacks are printed.
func startMmapWatch(hist *procHistory) (w *mmapWatch, err error) {
	cpus, err := onlineCPUs()
	if err != nil {
		return nil, err
	}
	w = &mmapWatch{hist: hist, stop: -1, done: make(chan struct{})}
	defer func() {
		if err != nil {
			w.closeRings()
		}
	}()
	page := os.Getpagesize()
	attr := unix.PerfEventAttr{
		Type:        unix.PERF_TYPE_SOFTWARE,
		Config:      unix.PERF_COUNT_SW_DUMMY,
		Size:        uint32(unsafe.Sizeof(unix.PerfEventAttr{})),
		Sample_type: unix.PERF_SAMPLE_TIME,
		Bits: unix.PerfBitMmap | unix.PerfBitMmap2 | unix.PerfBitComm | unix.PerfBitCommExec |
			unix.PerfBitTask | unix.PerfBitSampleIDAll | unix.PerfBitWatermark | perfBitNamespaces,
		Wakeup: uint32(ringPages * page / 2), // wakeup_watermark, in bytes
	}
	for _, cpu := range cpus {
		fd, err := unix.PerfEventOpen(&attr, -1, cpu, -1, unix.PERF_FLAG_FD_CLOEXEC)
		if err != nil {
			return nil, fmt.Errorf("perf_event_open (side-band, cpu %d): %w", cpu, err)
		}
		mem, err := unix.Mmap(fd, 0, (1+ringPages)*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("mapping the side-band ring of cpu %d: %w", cpu, err)
		}
		w.rings = append(w.rings, &perfRing{fd: fd, mem: mem, data: mem[page:],
			head: (*uint64)(unsafe.Pointer(&mem[perfDataHead])),
			tail: (*uint64)(unsafe.Pointer(&mem[perfDataTail]))})
	}
	if w.stop, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		return nil, err
	}
	go w.run()
	return w, nil
}

// run drains the rings whenever one is past its watermark, until close.
func (w *mmapWatch) run() {
	defer close(w.done)
	fds := make([]unix.PollFd, 0, len(w.rings)+1)
	fds = append(fds, unix.PollFd{Fd: int32(w.stop), Events: unix.POLLIN})
	for _, r := range w.rings {
		fds = append(fds, unix.PollFd{Fd: int32(r.fd), Events: unix.POLLIN})
	}
	for {
		_, err := unix.Poll(fds, -1)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return
		}
		if fds[0].Revents != 0 {
			return
		}
		for i := range fds[1:] {
			// An event in error (its CPU went offline) would wake
			// every poll: it is left out from then on.
			if fds[1+i].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 {
				fds[1+i].Fd = -1
			}
		}
		w.drain()
	}
}

// drain applies every record the rings hold to the history, in the
// order they were written.
func (w *mmapWatch) drain() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.recs = w.recs[:0]
	for _, r := range w.rings {
		w.recs = r.read(w.recs)
	}
	slices.SortStableFunc(w.recs, func(a, b sideRecord) int { return cmp.Compare(a.time, b.time) })
	for _, rec := range w.recs {
		w.apply(rec)
	}
}

// read copies the ring's records out and frees their space.
func (r *perfRing) read(out []sideRecord) []sideRecord {
	head := atomic.LoadUint64(r.head)
	tail := atomic.LoadUint64(r.tail)
	size := uint64(len(r.data))
	for tail+8 <= head {
		// Records are 8-byte aligned and the ring a power of two: a
		// header never wraps, a body may.
		off := tail % size
		typ := le.Uint32(r.data[off:])
		misc := le.Uint16(r.data[off+4:])
		n := uint64(le.Uint16(r.data[off+6:]))
		if n < 8 || tail+n > head {
			break
		}
		rec := make([]byte, n)
		if k := copy(rec, r.data[off:]); uint64(k) < n {
			copy(rec[k:], r.data)
		}
		tail += n
		// sample_id_all with PERF_SAMPLE_TIME: every record but a
		// sample ends with its time.
		if n < 16 {
			continue
		}
		out = append(out, sideRecord{time: le.Uint64(rec[n-8:]), typ: typ, misc: misc, body: rec[8 : n-8]})
	}
	atomic.StoreUint64(r.tail, tail)
	return out
}

// apply records one side-band record in the history.
func (w *mmapWatch) apply(rec sideRecord) {
	b := rec.body
	switch rec.typ {
	case unix.PERF_RECORD_MMAP2:
		// pid, tid u32; addr, len, pgoff u64; maj, min u32 (or a build
		// id); ino, ino_generation u64; prot, flags u32; filename.
		if len(b) < 64 || rec.misc&perfRecordMiscMmapBuildID != 0 {
			return
		}
		name := b[64:]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		path := strings.TrimSuffix(string(name), " (deleted)")
		if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || le.Uint32(b[56:])&unix.PROT_EXEC == 0 {
			return // anonymous, [vdso], //anon, or a data mapping
		}
		start, length := le.Uint64(b[8:]), le.Uint64(b[16:])
		w.hist.mmap(le.Uint32(b), mapping{start: start, end: start + length, offset: le.Uint64(b[24:]),
			inode: le.Uint64(b[40:]), path: path})
	case perfRecordFork:
		// pid, ppid, tid, ptid u32; time u64. A new thread has pid ==
		// ppid: only a new process has mappings of its own.
		if len(b) >= 16 && le.Uint32(b) != le.Uint32(b[4:]) {
			w.hist.fork(le.Uint32(b), le.Uint32(b[4:]))
		}
	case perfRecordComm:
		if len(b) >= 8 && rec.misc&unix.PERF_RECORD_MISC_COMM_EXEC != 0 {
			w.hist.exec(le.Uint32(b))
		}
	case perfRecordNamespaces:
		// pid, tid u32; nr u64; nr (dev, inode) u64 pairs. Written at
		// fork, unshare and setns.
		if len(b) >= 16 && le.Uint64(b[8:]) > mntNSIndex && len(b) >= 16+16*(mntNSIndex+1) {
			w.hist.namespace(le.Uint32(b), le.Uint64(b[16+16*mntNSIndex+8:]))
		}
	case perfRecordExit:
		// The thread group leader's exit is the process's.
		if len(b) >= 16 && le.Uint32(b) == le.Uint32(b[8:]) {
			w.hist.exit(le.Uint32(b))
		}
	}
	// PERF_RECORD_LOST: records dropped when the ring was full. Which
	// processes they were of is unknown; their addresses may stay
	// numbers.
}

// close stops the goroutine, applies what is left and releases every
// ring and event.
func (w *mmapWatch) close() {
	if w == nil {
		return
	}
	if w.stop >= 0 {
		var one [8]byte
		le.PutUint64(one[:], 1)
		unix.Write(w.stop, one[:])
		<-w.done
	}
	w.drain()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closeRings()
}

func (w *mmapWatch) closeRings() {
	for _, r := range w.rings {
		unix.Munmap(r.mem)
		unix.Close(r.fd)
	}
	w.rings = nil
	if w.stop >= 0 {
		unix.Close(w.stop)
		w.stop = -1
	}
}
