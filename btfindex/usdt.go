package btfindex

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// USDTLocation is one place a USDT probe fires, ready to attach: the
// uprobe's file offset, the semaphore's file offset (0: none) and the
// argument spec of the note.
type USDTLocation struct {
	Probe        USDTProbe
	Offset       uint64
	RefCtrOffset uint64
}

// USDTLocations finds the locations of the probes of the ELF file at
// path whose provider and name match (an empty provider matches any).
// Addresses in the notes are virtual addresses at link time: they are
// corrected for prelinking (.stapsdt.base) and turned into file offsets
// through the loadable segments, as the kernel's uprobes want them.
func USDTLocations(path, provider, name string) ([]USDTLocation, error) {
	probes, err := USDTProbes(path)
	if err != nil {
		return nil, err
	}
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var base uint64
	if s := f.Section(".stapsdt.base"); s != nil {
		base = s.Addr
	}
	// Wildcards remain where the checker could not expand the target
	// (no path: the -p process's files, or every process's).
	nameOK, provOK := usdtMatcher(name), usdtMatcher(provider)
	var out []USDTLocation
	for _, p := range probes {
		// A probe whose name has quotes in the note is written quoted and
		// escaped in a script; a target name spelled back from the script
		// has lost the escaped quotes.
		if !nameOK(p.Name) && p.Name != `"`+name+`"` || provider != "" && !provOK(p.Provider) {
			continue
		}
		pc := p.PC
		if base != 0 && p.Base != 0 {
			pc += base - p.Base
		}
		off, ok := fileOffset(f, pc)
		if !ok {
			return nil, fmt.Errorf("%s: USDT probe %s:%s at %#x is in no loadable segment", path, p.Provider, p.Name, pc)
		}
		loc := USDTLocation{Probe: p, Offset: off}
		if p.Semaphore != 0 {
			if loc.RefCtrOffset, ok = fileOffset(f, p.Semaphore); !ok {
				return nil, fmt.Errorf("%s: semaphore of USDT probe %s:%s at %#x is in no loadable segment", path, p.Provider, p.Name, p.Semaphore)
			}
		}
		out = append(out, loc)
	}
	return out, nil
}

// fileOffset maps a virtual address to its offset in the file.
func fileOffset(f *elf.File, addr uint64) (uint64, bool) {
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && addr >= p.Vaddr && addr < p.Vaddr+p.Filesz {
			return addr - p.Vaddr + p.Off, true
		}
	}
	return 0, false
}

// USDTArgKind says where a USDT argument is.
type USDTArgKind int

const (
	USDTConst USDTArgKind = iota // an immediate: $5
	USDTReg                      // a register: %rdi
	USDTMem                      // memory at base + index*scale + displacement: -8(%rbp), 8(%rax,%rbx,4)
)

// USDTArg is one argument of a USDT note's spec, e.g. "-4@%edi".
type USDTArg struct {
	Size   int  // in bytes: 1, 2, 4 or 8
	Signed bool // a negative size in the spec
	Kind   USDTArgKind
	// Reg is the register, as the field of x86-64's struct pt_regs it is
	// saved in ("di", "ax", "r8", "ip"); the whole register is read and
	// the value truncated to Size.
	Reg  string
	Disp int64 // USDTMem: the displacement
	// Index and Scale are a USDTMem operand's scaled index register
	// (x86's SIB form, "(%rax,%rbx,8)"); Index is "" when there is none.
	// Reg is "" for an index-only operand such as "16(,%rcx,4)".
	Index string
	Scale int
	Const int64 // USDTConst: the value
}

// ParseUSDTArgs parses a note's argument spec: space-separated
// SIZE@OPERAND with SIZE 1, 2, 4 or 8 (negative when signed) and OPERAND
// $IMM, %REG or DISP(%REG), the forms GCC and Clang write on x86-64.
func ParseUSDTArgs(spec string) ([]USDTArg, error) {
	var out []USDTArg
	for _, a := range strings.Fields(spec) {
		arg, err := parseUSDTArg(a)
		if err != nil {
			return nil, fmt.Errorf("USDT argument %q: %v", a, err)
		}
		out = append(out, arg)
	}
	return out, nil
}

func parseUSDTArg(a string) (USDTArg, error) {
	var arg USDTArg
	size, op, ok := strings.Cut(a, "@")
	if !ok {
		// An operand without a size: a 64-bit value.
		size, op = "8", a
	}
	n, err := strconv.Atoi(size)
	if err != nil {
		return arg, fmt.Errorf("bad size %q", size)
	}
	if n < 0 {
		arg.Signed, n = true, -n
	}
	switch n {
	case 1, 2, 4, 8:
		arg.Size = n
	default:
		return arg, fmt.Errorf("bad size %d", n)
	}
	switch {
	case strings.HasPrefix(op, "$"):
		arg.Kind = USDTConst
		v, err := strconv.ParseInt(op[1:], 0, 64)
		if err != nil {
			return arg, fmt.Errorf("bad constant %q", op)
		}
		arg.Const = v
	case strings.HasPrefix(op, "%"):
		arg.Kind = USDTReg
		if arg.Reg, err = usdtRegister(op[1:]); err != nil {
			return arg, err
		}
	default:
		open := strings.IndexByte(op, '(')
		if open < 0 || !strings.HasSuffix(op, ")") {
			return arg, fmt.Errorf("unknown operand %q", op)
		}
		arg.Kind = USDTMem
		if d := op[:open]; d != "" {
			if arg.Disp, err = strconv.ParseInt(d, 0, 64); err != nil {
				return arg, fmt.Errorf("bad displacement %q", d)
			}
		}
		if err := parseUSDTAddress(&arg, op[open+1:len(op)-1]); err != nil {
			return arg, fmt.Errorf("memory operand %q: %v", op, err)
		}
	}
	return arg, nil
}

// parseUSDTAddress parses what is between a memory operand's
// parentheses: "%base" or AT&T's "%base,%index,scale" with the base or
// the scale omitted ("(,%rcx,4)", "(%rax,%rbx)").
func parseUSDTAddress(arg *USDTArg, inner string) error {
	parts := strings.Split(inner, ",")
	if len(parts) > 3 {
		return fmt.Errorf("too many parts")
	}
	reg := func(s string) (string, error) {
		if !strings.HasPrefix(s, "%") {
			return "", fmt.Errorf("%q is not a register", s)
		}
		return usdtRegister(s[1:])
	}
	var err error
	if parts[0] != "" || len(parts) == 1 {
		if arg.Reg, err = reg(parts[0]); err != nil {
			return err
		}
	}
	if len(parts) == 1 {
		return nil
	}
	if arg.Index, err = reg(parts[1]); err != nil {
		return err
	}
	if arg.Index == "ip" || arg.Index == "sp" {
		return fmt.Errorf("%s cannot be an index register", parts[1])
	}
	arg.Scale = 1
	if len(parts) == 3 && parts[2] != "" {
		if arg.Scale, err = strconv.Atoi(parts[2]); err != nil || (arg.Scale != 1 && arg.Scale != 2 && arg.Scale != 4 && arg.Scale != 8) {
			return fmt.Errorf("bad scale %q", parts[2])
		}
	}
	return nil
}

// x86Registers maps every name of a general-purpose register (64, 32,
// 16 and low 8 bits) to its struct pt_regs field.
var x86Registers = func() map[string]string {
	m := map[string]string{"rip": "ip", "eip": "ip"}
	for _, r := range []struct{ field, q, d, w, b string }{
		{"ax", "rax", "eax", "ax", "al"}, {"bx", "rbx", "ebx", "bx", "bl"},
		{"cx", "rcx", "ecx", "cx", "cl"}, {"dx", "rdx", "edx", "dx", "dl"},
		{"si", "rsi", "esi", "si", "sil"}, {"di", "rdi", "edi", "di", "dil"},
		{"bp", "rbp", "ebp", "bp", "bpl"}, {"sp", "rsp", "esp", "sp", "spl"},
	} {
		m[r.q], m[r.d], m[r.w], m[r.b] = r.field, r.field, r.field, r.field
	}
	for i := 8; i <= 15; i++ {
		n := "r" + strconv.Itoa(i)
		for _, suffix := range []string{"", "d", "w", "b"} {
			m[n+suffix] = n
		}
	}
	return m
}()

func usdtRegister(name string) (string, error) {
	if f, ok := x86Registers[name]; ok {
		return f, nil
	}
	return "", fmt.Errorf("register %%%s is not supported", name)
}

// USDTFiles lists the files a usdt target's path stands for: with a
// wildcard ('*', or left out) every file mapped executable into process
// pid, or into any process when pid is 0, as bpftrace searches them; a
// glob pattern, its matches; else the binary ResolveBinary finds.
func USDTFiles(target string, pid int) ([]string, error) {
	switch {
	case target == "" || target == "*":
		pids := []int{pid}
		if pid == 0 {
			pids = allPIDs()
		}
		var out []string
		seen := map[string]bool{}
		for _, p := range pids {
			for _, f := range MappedExecutables(p) {
				if !seen[f] {
					seen[f] = true
					out = append(out, f)
				}
			}
		}
		return out, nil
	case strings.ContainsAny(target, "*?["):
		return filepath.Glob(target)
	}
	p, err := ResolveBinary(target)
	if err != nil {
		return nil, err
	}
	return []string{p}, nil
}

// Mapping is one file mapping of a process (a line of /proc/PID/maps).
type Mapping struct {
	Start, End, Offset uint64
	Exec               bool   // mapped executable
	Dev                uint64 // the file's device, as stat reports it
	Inode              uint64
	Path               string
}

// ProcessMappings reads the file mappings of process pid (anonymous and
// special mappings such as [stack] are left out).
func ProcessMappings(pid int) ([]Mapping, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil, err
	}
	var out []Mapping
	for line := range strings.Lines(string(b)) {
		// start-end perms offset major:minor inode path
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasPrefix(f[5], "/") {
			continue
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		maj, min, _ := strings.Cut(f[3], ":")
		var m Mapping
		var errs [6]error
		m.Start, errs[0] = strconv.ParseUint(lo, 16, 64)
		m.End, errs[1] = strconv.ParseUint(hi, 16, 64)
		m.Offset, errs[2] = strconv.ParseUint(f[2], 16, 64)
		ma, e3 := strconv.ParseUint(maj, 16, 32)
		mi, e4 := strconv.ParseUint(min, 16, 32)
		m.Inode, errs[5] = strconv.ParseUint(f[4], 10, 64)
		errs[3], errs[4] = e3, e4
		if errors.Join(errs[:]...) != nil {
			continue
		}
		m.Dev = uint64(unix.Mkdev(uint32(ma), uint32(mi)))
		m.Exec = strings.Contains(f[1], "x")
		// a path may hold spaces; a file deleted since it was mapped is
		// named as it was
		m.Path = strings.TrimSuffix(strings.Join(f[5:], " "), " (deleted)")
		out = append(out, m)
	}
	return out, nil
}

// MappedExecutables are the files mapped executable into process pid, in
// the order of their first mapping.
func MappedExecutables(pid int) []string {
	maps, _ := ProcessMappings(pid)
	var out []string
	seen := map[string]bool{}
	for _, m := range maps {
		if m.Exec && !seen[m.Path] {
			seen[m.Path] = true
			out = append(out, m.Path)
		}
	}
	return out
}

func allPIDs() []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// AddressToFileOffset turns a virtual address of the ELF file at path
// (as nm prints it, and as bpftrace takes uprobe:FILE:ADDRESS) into the
// file offset the kernel's uprobes want.
func AddressToFileOffset(path string, addr uint64) (uint64, error) {
	f, err := elf.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	off, ok := fileOffset(f, addr)
	if !ok {
		return 0, fmt.Errorf("address %#x is in no loadable segment of %s", addr, path)
	}
	return off, nil
}

// usdtMatcher matches a provider or probe name, which may hold wildcards.
func usdtMatcher(pattern string) func(string) bool {
	if !strings.ContainsAny(pattern, "*?{[") {
		return func(s string) bool { return s == pattern }
	}
	m := CompileMatcher(pattern)
	return m.Match
}

// LoadBias is what process pid added to the virtual addresses of the ELF
// file at path where it mapped it (a PIE or a shared library): the start
// of the file's mapping at offset 0 less the address its first loadable
// segment asks for. The file is recognised by device and inode, so a
// relative path or another name of it works. ok is false when the
// process does not map the file.
func LoadBias(pid int, path string) (bias uint64, ok bool) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	sys, isUnix := st.Sys().(*syscall.Stat_t)
	if !isUnix {
		return 0, false
	}
	maps, _ := ProcessMappings(pid)
	var start uint64
	found := false
	for _, m := range maps {
		if m.Inode == sys.Ino && m.Dev == sys.Dev && m.Offset == 0 {
			start, found = m.Start, true
			break
		}
	}
	if !found {
		return 0, false
	}
	ef, err := elf.Open(path)
	if err != nil {
		return 0, false
	}
	defer ef.Close()
	for _, p := range ef.Progs {
		if p.Type == elf.PT_LOAD {
			vaddr := p.Vaddr
			if p.Align > 1 {
				vaddr &^= p.Align - 1
			}
			return start - vaddr, true
		}
	}
	return 0, false
}
