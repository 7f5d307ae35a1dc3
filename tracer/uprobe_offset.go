package tracer

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/bt-tools/bt/analysis/scanner"
)

// One uprobe at one place of a file: where it goes is decided here, with
// bpftrace's rules for a function, function+offset or address, and the
// probe is opened through the kernel's uprobe PMU at that file offset
// (which may be 0: a flat binary's first instruction).
//
// The rules: an address names the function containing it (so the bounds
// below apply to it too); one no function contains is refused, unless
// --unsafe, which attaches there with a warning (a stripped or non-ELF
// file). A function whose symbol has size 0 is refused at its start
// unless --unsafe (nothing says where it ends); an offset at or past the
// end of its function is refused.

// hintUnsafe ends the messages of the refusals --unsafe lifts.
const hintUnsafe = "\nUse --unsafe to force attachment. WARNING: This option could lead to data corruption in the target process."

// uprobePlace is where a uprobe goes, by what its attach point gives.
type uprobePlace struct {
	name   string // the file as written, for messages
	probe  string // the attach point, for messages
	sym    string // function, "" when by address
	offset uint64 // after sym
	addr   uint64 // virtual address, when sym is ""
	ret    bool   // uretprobe
}

// uprobeSym is a function symbol of a file.
type uprobeSym struct {
	name       string
	addr, size uint64
}

// uprobeFile is what deciding a uprobe's file offset needs of a file:
// its function symbols and loadable segments, read once per run
// (session.uprobeFile), however many uprobes go in it.
type uprobeFile struct {
	path  string // the file read
	syms  []uprobeSym
	loads []elf.ProgHeader
	err   error // opening it as an ELF file failed: not ELF, or unreadable
}

// readUprobeFile reads the function symbols and loadable segments of the
// file at path.
func readUprobeFile(path string) *uprobeFile {
	f, err := elf.Open(path)
	if err != nil {
		return &uprobeFile{path: path, err: err}
	}
	defer f.Close()
	file := &uprobeFile{path: path, syms: functionSymbols(f)}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			file.loads = append(file.loads, p.ProgHeader)
		}
	}
	return file
}

// uprobeFileOffset decides the file offset of p in file, the file read
// for p's target. warn receives the warning of an address attached to blindly
// under --unsafe.
func uprobeFileOffset(p uprobePlace, file *uprobeFile, unsafeMode bool, warn io.Writer) (uint64, error) {
	if file.err != nil {
		if p.sym == "" && unsafeMode {
			// Not an ELF file: the address is an offset in it.
			warnBlindAddress(warn, p)
			return p.addr, nil
		}
		if p.sym == "" {
			return 0, fmt.Errorf("Could not resolve address: %s:0x%x", p.name, p.addr)
		}
		return 0, file.err
	}
	syms := file.syms
	sym, offset := p.sym, p.offset
	if sym == "" {
		s, ok := symbolContaining(syms, p.addr)
		if !ok {
			if !unsafeMode {
				return 0, fmt.Errorf("Could not resolve address: %s:0x%x", p.name, p.addr)
			}
			warnBlindAddress(warn, p)
			return file.vaddrToFileOffset(p.addr)
		}
		sym, offset = s.name, p.addr-s.addr
	}
	var s *uprobeSym
	for i := range syms {
		if syms[i].name == sym {
			s = &syms[i]
			break
		}
	}
	if s == nil {
		return 0, fmt.Errorf("Could not resolve symbol: %s:%s", p.name, sym)
	}
	if p.ret && offset != 0 {
		return 0, fmt.Errorf("uretprobes cannot be attached at function offset. (address resolved to: %s+%d)", sym, offset)
	}
	switch {
	case s.size == 0 && offset == 0:
		if !unsafeMode {
			return 0, fmt.Errorf("Could not determine boundary for %s (symbol has size 0).%s", sym, hintUnsafe)
		}
	case offset >= s.size:
		return 0, fmt.Errorf("Offset outside the function bounds ('%s' size is %d)", sym, s.size)
	}
	return file.vaddrToFileOffset(s.addr + offset)
}

// warnBlindAddress warns of a uprobe attached under --unsafe at an
// address no function is known to hold.
func warnBlindAddress(warn io.Writer, p uprobePlace) {
	fmt.Fprintf(warn, "WARNING: Could not determine instruction boundary for %s (binary appears stripped). Misaligned probes can lead to tracee crashes!\n", p.probe)
}

// functionSymbols are the defined function symbols of f, from its symbol
// table and its dynamic symbols.
func functionSymbols(f *elf.File) []uprobeSym {
	var out []uprobeSym
	for _, read := range []func() ([]elf.Symbol, error){f.Symbols, f.DynamicSymbols} {
		syms, err := read()
		if err != nil {
			continue
		}
		for _, s := range syms {
			if elf.ST_TYPE(s.Info) != elf.STT_FUNC || s.Section == elf.SHN_UNDEF || s.Value == 0 {
				continue
			}
			name, _, _ := strings.Cut(s.Name, "@") // versioned dynamic names
			out = append(out, uprobeSym{name: name, addr: s.Value, size: s.Size})
		}
	}
	return out
}

// symbolContaining finds the function whose extent holds addr.
func symbolContaining(syms []uprobeSym, addr uint64) (uprobeSym, bool) {
	for _, s := range syms {
		if addr >= s.addr && addr < s.addr+s.size {
			return s, true
		}
	}
	return uprobeSym{}, false
}

// vaddrToFileOffset turns a virtual address of the file into the file
// offset the kernel's uprobes take, through the loadable segment holding
// it.
func (file *uprobeFile) vaddrToFileOffset(addr uint64) (uint64, error) {
	for _, p := range file.loads {
		if addr >= p.Vaddr && addr < p.Vaddr+p.Memsz {
			return addr - p.Vaddr + p.Off, nil
		}
	}
	return 0, fmt.Errorf("address 0x%x is in no loadable segment", addr)
}

// uprobePMU is the kernel's uprobe PMU: its perf event type and the
// config bit that makes a uretprobe.
var uprobePMU = sync.OnceValues(func() (pmu struct{ typ, retBit uint32 }, err error) {
	b, err := os.ReadFile("/sys/bus/event_source/devices/uprobe/type")
	if err != nil {
		return pmu, fmt.Errorf("the kernel has no uprobe PMU: %w", err)
	}
	t, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32)
	if err != nil {
		return pmu, err
	}
	pmu.typ = uint32(t)
	b, err = os.ReadFile("/sys/bus/event_source/devices/uprobe/format/retprobe")
	if err != nil {
		return pmu, err
	}
	bit, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "config:")
	n, err := strconv.ParseUint(bit, 10, 32)
	if !ok || err != nil {
		return pmu, fmt.Errorf("unexpected uprobe PMU retprobe format %q", b)
	}
	pmu.retBit = uint32(n)
	return pmu, nil
})

// attachUprobeAt opens a uprobe (uretprobe when ret) at offset of path,
// in process pid only when pid > 0, and links prog to it with cookie.
func attachUprobeAt(path string, offset uint64, ret bool, pid int, prog *ebpf.Program, cookie uint64) (io.Closer, error) {
	pmu, err := uprobePMU()
	if err != nil {
		return nil, err
	}
	cpath, err := unix.BytePtrFromString(path)
	if err != nil {
		return nil, err
	}
	attr := unix.PerfEventAttr{Type: pmu.typ, Sample: 1, Wakeup: 1, Ext1: uint64(uintptr(unsafe.Pointer(cpath))), Ext2: offset}
	if ret {
		attr.Config |= 1 << pmu.retBit
	}
	// A uprobe's program runs on whichever CPU hits it: one event for
	// every thread (on "CPU 0", as the kernel requires), or for one
	// process on any CPU.
	evPID, cpu := -1, 0
	if pid > 0 {
		evPID, cpu = pid, -1
	}
	pl, err := attachPerf(&attr, evPID, cpu, prog, cookie)
	runtime.KeepAlive(cpath)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			return nil, fmt.Errorf("process %d is gone: %w", pid, err)
		}
		return nil, err
	}
	return pl, nil
}

// attachNumber reads a number of an attach point (a count, a rate) as
// bpftrace does: 1000, 1_000, 1e3, 0x3e8, or a duration in nanoseconds.
func attachNumber(s string) (uint64, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, errs := scanner.ParseInt(s)
	return n, len(errs) == 0
}
