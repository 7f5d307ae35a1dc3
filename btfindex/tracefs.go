package btfindex

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/bt-tools/bt/internal/atomicfile"
)

// Tracepoint is one tracepoint event.
type Tracepoint struct {
	Category string // the tracefs system; "*" when unknown (BTF-only, see CategoryGuessed)
	Event    string
	Source   Source // tracefs, cache or btf
	// CategoryGuessed is set when the category is not known but inferred
	// from the event name (BTF has no categories): "sched" for
	// sched_switch, "*" when no guess could be made.
	CategoryGuessed bool
}

// String is "category:event".
func (t Tracepoint) String() string { return t.Category + ":" + t.Event }

// TracepointField is one field of a tracepoint's record (args.NAME).
type TracepointField struct {
	Name string
	// Decl is the declaration as the format file spells it (or as BTF gives
	// it): "char prev_comm[16]", "__data_loc char[] name".
	Decl string
	// Type is Decl without the name: "char[16]", "__data_loc char[]",
	// "const char *".
	Type    string
	Offset  int // bytes from the start of the record
	Size    int // bytes
	Signed  bool
	Common  bool     // a common_* header field (not shown by bpftrace -lv)
	DataLoc bool     // __data_loc: a u32 (len<<16 | offset) of dynamic data
	BTF     btf.Type // the BTF type, when the format came from BTF; else nil
}

// TracepointFormat is a tracepoint's record layout.
type TracepointFormat struct {
	Tracepoint
	ID     int    // the event ID (0 when unknown)
	Source Source // where the fields came from: tracefs, cache or btf
	Fields []TracepointField
	// Class is, for a format from BTF, the event class whose
	// trace_event_raw_CLASS struct gave the fields; ClassGuessed is set when
	// the class was inferred (see guessEventClass), not named after the
	// event.
	Class        string
	ClassGuessed bool
}

// Args are the fields a bpftrace script sees (without the common_ ones).
func (f *TracepointFormat) Args() []TracepointField {
	var out []TracepointField
	for _, fl := range f.Fields {
		if !fl.Common {
			out = append(out, fl)
		}
	}
	return out
}

// tpCatalogue is the set of tracepoints, from one source.
type tpCatalogue struct {
	source   Source
	dir      string // live tracefs root (source tracefs)
	events   []Tracepoint
	byName   map[string]int // "cat:event" -> index in events
	byEvent  map[string][]int
	eventsID [32]byte // hash of available_events (source tracefs/cache)
	note     string   // why a fallback is used

	mu      sync.Mutex
	formats map[string]*TracepointFormat // read or cached formats
	failed  map[string]error
}

// TracefsDir returns the tracefs root the index reads ("" when none is
// readable) and, when none is, why.
func (ix *Index) TracefsDir() (string, string) {
	c := ix.catalogue()
	return c.dir, c.note
}

func (ix *Index) tracefsDirs() []string {
	if ix.opts.TracefsDirs != nil {
		return ix.opts.TracefsDirs
	}
	if ix.opts.BTFFile != "" {
		return nil
	}
	return DefaultTracefsDirs
}

// findTracefs returns the first directory whose available_events is
// readable, mounting tracefs first when the default directory is not
// mounted and we may. note explains a failure.
func (ix *Index) findTracefs() (dir string, events []byte, note string) {
	dirs := ix.tracefsDirs()
	if len(dirs) == 0 {
		return "", nil, "tracefs not used"
	}
	var lastErr error
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "available_events"))
		if err == nil {
			return d, b, ""
		}
		lastErr = err
	}
	if ix.opts.TracefsDirs == nil && !ix.opts.NoMount {
		if d, b, err := mountTracefs(DefaultTracefsDirs[0]); err == nil {
			return d, b, ""
		} else if !errors.Is(err, errNotRoot) {
			lastErr = err
		}
	}
	if errors.Is(lastErr, os.ErrPermission) {
		return "", nil, fmt.Sprintf("tracefs is not readable (%v); run as root", lastErr)
	}
	if os.Geteuid() != 0 {
		return "", nil, fmt.Sprintf("tracefs is not available (%v); as root, mount it with: mount -t tracefs tracefs %s", lastErr, DefaultTracefsDirs[0])
	}
	return "", nil, fmt.Sprintf("tracefs is not available: %v", lastErr)
}

var errNotRoot = errors.New("not root")

// mountTracefs mounts tracefs on dir when we are root and dir is an empty
// (unmounted) directory.
func mountTracefs(dir string) (string, []byte, error) {
	if os.Geteuid() != 0 {
		return "", nil, errNotRoot
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", nil, err
	}
	if len(ents) != 0 {
		return "", nil, fmt.Errorf("%s is not empty but has no available_events", dir)
	}
	if err := unix.Mount("tracefs", dir, "tracefs", 0, ""); err != nil {
		return "", nil, fmt.Errorf("mount -t tracefs tracefs %s: %w", dir, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "available_events"))
	if err != nil {
		return "", nil, err
	}
	return dir, b, nil
}

func (ix *Index) catalogue() *tpCatalogue {
	ix.tpOnce.Do(func() { ix.tp = ix.loadCatalogue() })
	return ix.tp
}

func (ix *Index) loadCatalogue() *tpCatalogue {
	c := &tpCatalogue{formats: map[string]*TracepointFormat{}, failed: map[string]error{}}
	dir, events, note := ix.findTracefs()
	if dir != "" {
		c.source, c.dir = SourceTracefs, dir
		c.eventsID = sha256.Sum256(events)
		c.events = parseAvailableEvents(events, SourceTracefs)
		c.index()
		return c
	}
	c.note = note
	if ix.btfErr == nil && !ix.opts.NoCache {
		if cc, err := ix.loadCatalogueCache(); err == nil {
			cc.note = note
			return cc
		}
	}
	if ix.btfErr == nil {
		ix.catalogueFromBTF(c)
		return c
	}
	c.source = SourceNone
	return c
}

func (c *tpCatalogue) index() {
	slices.SortFunc(c.events, func(a, b Tracepoint) int {
		if x := strings.Compare(a.Category, b.Category); x != 0 {
			return x
		}
		return strings.Compare(a.Event, b.Event)
	})
	c.events = slices.CompactFunc(c.events, func(a, b Tracepoint) bool { return a.Category == b.Category && a.Event == b.Event })
	c.byName = make(map[string]int, len(c.events))
	c.byEvent = make(map[string][]int, len(c.events))
	for i, e := range c.events {
		c.byName[e.String()] = i
		c.byEvent[e.Event] = append(c.byEvent[e.Event], i)
	}
}

func parseAvailableEvents(b []byte, src Source) []Tracepoint {
	var out []Tracepoint
	for line := range bytes.Lines(b) {
		line = bytes.TrimSpace(line)
		cat, ev, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(cat) == 0 || len(ev) == 0 {
			continue
		}
		out = append(out, Tracepoint{Category: string(cat), Event: string(ev), Source: src})
	}
	return out
}

// TracepointSource says where the tracepoint catalogue comes from
// (tracefs, cache, btf, or none) and, for a fallback, why.
func (ix *Index) TracepointSource() (Source, string) {
	c := ix.catalogue()
	return c.source, c.note
}

// Tracepoints lists every tracepoint, sorted by category then event.
func (ix *Index) Tracepoints() []Tracepoint {
	return slices.Clone(ix.catalogue().events)
}

// LookupTracepoint finds a tracepoint. category may be "" or "*" to look
// the event up in any category (BTF-only catalogues do not know
// categories). The error is a *NotFoundError with suggestions.
func (ix *Index) LookupTracepoint(category, event string) (Tracepoint, error) {
	c := ix.catalogue()
	if category != "" && category != "*" {
		if i, ok := c.byName[category+":"+event]; ok {
			return c.events[i], nil
		}
		if c.source == SourceBTF {
			// Categories are guesses: the event name decides.
			if is := c.byEvent[event]; len(is) > 0 {
				return c.events[is[0]], nil
			}
		}
	} else if is := c.byEvent[event]; len(is) > 0 {
		return c.events[is[0]], nil
	}
	names := make([]string, 0, len(c.events))
	for _, e := range c.events {
		if category == "" || category == "*" || c.source == SourceBTF {
			names = append(names, e.Event)
		} else {
			names = append(names, e.String())
		}
	}
	want := event
	if category != "" && category != "*" && c.source != SourceBTF {
		want = category + ":" + event
	}
	if c.source == SourceNone {
		return Tracepoint{}, fmt.Errorf("tracepoint %s:%s: no tracepoint catalogue: %s", category, event, c.note)
	}
	return Tracepoint{}, &NotFoundError{What: "tracepoint", Name: category + ":" + event, Suggestions: Suggest(want, names)}
}

// TracepointFormat returns the record layout of a tracepoint: from the
// live format file, the cached catalogue, or BTF (trace_event_raw_*).
func (ix *Index) TracepointFormat(category, event string) (*TracepointFormat, error) {
	tp, err := ix.LookupTracepoint(category, event)
	if err != nil {
		return nil, err
	}
	c := ix.catalogue()
	key := tp.String()
	c.mu.Lock()
	f, ok := c.formats[key]
	ferr := c.failed[key]
	c.mu.Unlock()
	if ok {
		return f, nil
	}
	if ferr != nil {
		return nil, ferr
	}
	switch c.source {
	case SourceTracefs:
		f, err = readFormat(c.dir, tp)
	case SourceBTF:
		f, err = ix.formatFromBTF(tp)
	default:
		err = fmt.Errorf("tracepoint %s: no format in the cached catalogue", key)
	}
	c.mu.Lock()
	if err != nil {
		c.failed[key] = err
	} else {
		c.formats[key] = f
	}
	c.mu.Unlock()
	return f, err
}

func readFormat(dir string, tp Tracepoint) (*TracepointFormat, error) {
	b, err := os.ReadFile(filepath.Join(dir, "events", tp.Category, tp.Event, "format"))
	if err != nil {
		return nil, fmt.Errorf("tracepoint %s: %w", tp, err)
	}
	f, err := ParseFormat(b)
	if err != nil {
		return nil, fmt.Errorf("tracepoint %s: %w", tp, err)
	}
	f.Tracepoint = tp
	f.Source = SourceTracefs
	return f, nil
}

// ParseFormat parses a tracefs events/CATEGORY/EVENT/format file. Fields
// before the first blank line of the format section are the common ones.
func ParseFormat(b []byte) (*TracepointFormat, error) {
	f := &TracepointFormat{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	inFormat, common := false, true
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "name: "):
			f.Event = strings.TrimSpace(line[len("name: "):])
		case strings.HasPrefix(line, "ID: "):
			f.ID, _ = strconv.Atoi(strings.TrimSpace(line[len("ID: "):]))
		case strings.HasPrefix(line, "format:"):
			inFormat = true
		case strings.HasPrefix(line, "print fmt:"):
			inFormat = false
		case inFormat && strings.TrimSpace(line) == "":
			common = false
		case inFormat && strings.HasPrefix(strings.TrimSpace(line), "field:"):
			fl, err := parseFieldLine(strings.TrimSpace(line))
			if err != nil {
				return nil, err
			}
			fl.Common = common
			f.Fields = append(f.Fields, fl)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if f.Fields == nil {
		return nil, errors.New("format has no fields")
	}
	return f, nil
}

// parseFieldLine parses "field:char comm[16];\toffset:8;\tsize:16;\tsigned:0;".
func parseFieldLine(line string) (TracepointField, error) {
	var fl TracepointField
	seen := 0
	for part := range strings.SplitSeq(line, ";") {
		part = strings.TrimSpace(part)
		k, v, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		var err error
		switch k {
		case "field":
			fl.Decl = strings.TrimSpace(v)
		case "offset":
			fl.Offset, err = strconv.Atoi(v)
			seen |= 1
		case "size":
			fl.Size, err = strconv.Atoi(v)
			seen |= 2
		case "signed":
			fl.Signed = v == "1"
		}
		if err != nil {
			return fl, fmt.Errorf("bad field line %q", line)
		}
	}
	if fl.Decl == "" || seen != 3 {
		return fl, fmt.Errorf("bad field line %q", line)
	}
	fl.Name, fl.Type = splitDecl(fl.Decl)
	fl.DataLoc = strings.HasPrefix(fl.Decl, "__data_loc ")
	return fl, nil
}

// splitDecl splits a C declaration "unsigned long args[6]" into its name
// ("args") and type ("unsigned long[6]").
func splitDecl(decl string) (name, typ string) {
	s := strings.TrimSpace(decl)
	arr := ""
	for strings.HasSuffix(s, "]") {
		i := strings.LastIndexByte(s, '[')
		if i < 0 {
			break
		}
		arr = s[i:] + arr
		s = strings.TrimSpace(s[:i])
	}
	i := len(s)
	for i > 0 && (isIdentByte(s[i-1])) {
		i--
	}
	name = s[i:]
	typ = strings.TrimSpace(s[:i])
	if typ == "" { // "__data_loc char[] name": the brackets belong to the type
		return name, strings.TrimSpace(decl)
	}
	return name, typ + arr
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// catalogueFromBTF derives the tracepoints from BTF: every btf_trace_EVENT
// typedef is an event. BTF does not record categories: they are guessed
// from the event name's first word when other events share it.
func (ix *Index) catalogueFromBTF(c *tpCatalogue) {
	c.source = SourceBTF
	const prefix = "btf_trace_"
	lo, hi := ix.typeTab().prefixRange(prefix)
	var events []string
	words := map[string]int{}
	for i := lo; i < hi; i++ {
		if ix.typeTab().info[i] != kindTypedef {
			continue
		}
		ev := ix.typeTab().names[i][len(prefix):]
		events = append(events, ev)
		if w, _, ok := strings.Cut(ev, "_"); ok {
			words[w]++
		}
	}
	for _, ev := range events {
		cat := "*"
		if w, _, ok := strings.Cut(ev, "_"); ok && words[w] > 1 {
			cat = w
		}
		c.events = append(c.events, Tracepoint{Category: cat, Event: ev, Source: SourceBTF, CategoryGuessed: true})
	}
	c.index()
}

// formatFromBTF builds a tracepoint's record from the trace_event_raw_EVENT
// struct, which exists for events that define their own class (events
// sharing a class through DEFINE_EVENT have none under their name).
func (ix *Index) formatFromBTF(tp Tracepoint) (*TracepointFormat, error) {
	class, guessed := tp.Event, false
	t, err := ix.Type("struct trace_event_raw_" + class)
	if err != nil {
		class, guessed = ix.guessEventClass(tp.Event)
		if class == "" {
			return nil, fmt.Errorf("tracepoint %s: BTF has no struct trace_event_raw_%s and the event's class cannot be told from BTF; its fields are known only from tracefs", tp, tp.Event)
		}
		if t, err = ix.Type("struct trace_event_raw_" + class); err != nil {
			return nil, err
		}
	}
	ms, err := Members(t)
	if err != nil {
		return nil, err
	}
	f := &TracepointFormat{Tracepoint: tp, Source: SourceBTF, Class: class, ClassGuessed: guessed}
	for _, m := range ms {
		fl := TracepointField{Name: m.Name, Offset: int(m.ByteOffset()), Size: int(m.Size), Signed: IsSigned(m.Type), BTF: m.Type}
		switch {
		case m.Name == "ent": // struct trace_entry: the common fields
			if ent, err := Members(m.Type); err == nil {
				for _, e := range ent {
					f.Fields = append(f.Fields, TracepointField{Name: e.Name, Decl: e.CDecl(), Type: CDecl(e.Type, ""), Offset: int(e.ByteOffset()), Size: int(e.Size), Signed: IsSigned(e.Type), Common: true, BTF: e.Type})
				}
			}
			continue
		case m.Name == "__data":
			continue // the flexible tail holding dynamic data
		case strings.HasPrefix(m.Name, "__data_loc_"):
			fl.Name = m.Name[len("__data_loc_"):]
			fl.DataLoc = true
			fl.Decl = "__data_loc " + "char[] " + fl.Name
			fl.Type = "__data_loc char[]"
		case strings.HasPrefix(m.Name, "__rel_loc_"):
			fl.Name = m.Name[len("__rel_loc_"):]
			fl.DataLoc = true
			fl.Decl = "__rel_loc char[] " + fl.Name
			fl.Type = "__rel_loc char[]"
		default:
			fl.Decl = m.CDecl()
			fl.Type = CDecl(m.Type, "")
		}
		f.Fields = append(f.Fields, fl)
	}
	return f, nil
}

// guessEventClass finds the class (DECLARE_EVENT_CLASS) of an event
// defined with DEFINE_EVENT, which has no trace_event_raw_ struct of its
// own: the classes whose __bpf_trace_CLASS function has the same
// prototype as the event's __probestub_/__traceiter_ function are the
// candidates, and the one whose name shares the longest prefix with the
// event's wins ("sched_wakeup" -> "sched_wakeup_template"). A tie is no
// answer.
func (ix *Index) guessEventClass(event string) (string, bool) {
	var proto btf.Type
	for _, prefix := range []string{"__probestub_", "__traceiter_"} {
		if f, err := ix.Func("", prefix+event); err == nil {
			if t, err := ix.typeByID(ix.modIndex(f.Module), uint32(f.ID)); err == nil {
				proto = t.(*btf.Func).Type
				break
			}
		}
	}
	if proto == nil {
		return "", false
	}
	best, bestLen, tie := "", -1, false
	lo, hi := ix.funcTab().prefixRange("__bpf_trace_")
	for i := lo; i < hi; i++ {
		t, err := ix.typeByID(ix.funcTab().mods[i], ix.funcTab().ids[i])
		if err != nil || t.(*btf.Func).Type != proto {
			continue
		}
		class := ix.funcTab().names[i][len("__bpf_trace_"):]
		if a, b := ix.typeTab().exactRange("trace_event_raw_" + class); a == b {
			continue
		}
		n := len(commonPrefixStr(class, event))
		switch {
		case n > bestLen:
			best, bestLen, tie = class, n, false
		case n == bestLen:
			tie = true
		}
	}
	if tie || bestLen <= 0 {
		return "", false
	}
	return best, true
}

func (ix *Index) modIndex(name string) uint16 {
	for i, m := range ix.mods {
		if m.name == name {
			return uint16(i)
		}
	}
	return 0
}

// The tracepoint catalogue cache: one file per vmlinux BTF, written by
// CacheTracepoints from live tracefs and read when tracefs is not readable.
//
//	magic "btf-tpcat" | u32 version | [32]vmlinux id | [32]available_events hash | body | u32 crc32c
const tpCacheMagic = "btf-tpcat"
const tpCacheVersion = 1

func (ix *Index) tpCachePath() (string, error) {
	dir, err := ix.cacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, fmt.Sprintf("tracepoints-%x.bin", ix.vmlinuxID[:16])), nil
}

// CacheTracepoints reads every tracepoint's format from live tracefs and
// saves the catalogue, so that later runs without access to tracefs (not
// root) can use it. It does nothing when the saved catalogue is current,
// and fails when tracefs is not readable or there is no BTF (the
// catalogue is keyed by the BTF's identity).
func (ix *Index) CacheTracepoints() error {
	if ix.btfErr != nil {
		return ix.btfErr
	}
	if ix.opts.NoCache {
		return errors.New("caching is off")
	}
	c := ix.catalogue()
	if c.source != SourceTracefs {
		return fmt.Errorf("tracefs is not readable: %s", c.note)
	}
	if ix.catalogueCurrent(c.eventsID) {
		return nil
	}
	formats := make([]*TracepointFormat, len(c.events))
	var wg sync.WaitGroup
	const workers = 4
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(c.events); i += workers {
				if f, err := ix.TracepointFormat(c.events[i].Category, c.events[i].Event); err == nil {
					formats[i] = f
				}
			}
		}()
	}
	wg.Wait()
	e := &encoder{}
	e.b = append(e.b, tpCacheMagic...)
	e.b = le.AppendUint32(e.b, tpCacheVersion)
	e.b = append(e.b, ix.vmlinuxID[:]...)
	e.b = append(e.b, c.eventsID[:]...)
	e.uvarint(uint64(len(c.events)))
	for i, ev := range c.events {
		e.str(ev.Category)
		e.str(ev.Event)
		f := formats[i]
		if f == nil {
			e.uvarint(0)
			continue
		}
		e.uvarint(uint64(len(f.Fields)) + 1)
		e.uvarint(uint64(f.ID))
		for _, fl := range f.Fields {
			e.str(fl.Decl)
			e.uvarint(uint64(fl.Offset))
			e.uvarint(uint64(fl.Size))
			flags := uint64(0)
			if fl.Signed {
				flags |= 1
			}
			if fl.Common {
				flags |= 2
			}
			e.uvarint(flags)
		}
	}
	e.b = le.AppendUint32(e.b, crc32.Checksum(e.b, crcTable))
	path, err := ix.tpCachePath()
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, e.b); err != nil {
		return err
	}
	pruneCache(filepath.Dir(path), "tracepoints-")
	return nil
}

// catalogueCurrent says whether the saved catalogue is intact and was
// saved from the same available_events, without decoding it.
func (ix *Index) catalogueCurrent(eventsID [32]byte) bool {
	path, err := ix.tpCachePath()
	if err != nil {
		return false
	}
	b, err := os.ReadFile(path)
	hdr := len(tpCacheMagic) + 4 + 64
	if err != nil || len(b) < hdr+4 || string(b[:len(tpCacheMagic)]) != tpCacheMagic ||
		le.Uint32(b[len(tpCacheMagic):]) != tpCacheVersion ||
		!bytes.Equal(b[len(tpCacheMagic)+4:len(tpCacheMagic)+36], ix.vmlinuxID[:]) ||
		!bytes.Equal(b[len(tpCacheMagic)+36:hdr], eventsID[:]) {
		return false
	}
	return crc32.Checksum(b[:len(b)-4], crcTable) == le.Uint32(b[len(b)-4:])
}

func (ix *Index) loadCatalogueCache() (*tpCatalogue, error) {
	path, err := ix.tpCachePath()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeCatalogue(b, ix.vmlinuxID)
}

func decodeCatalogue(b []byte, vmlinuxID [32]byte) (*tpCatalogue, error) {
	hdr := len(tpCacheMagic) + 4 + 64
	if len(b) < hdr+4 || string(b[:len(tpCacheMagic)]) != tpCacheMagic ||
		le.Uint32(b[len(tpCacheMagic):]) != tpCacheVersion ||
		!bytes.Equal(b[len(tpCacheMagic)+4:len(tpCacheMagic)+36], vmlinuxID[:]) {
		return nil, errBadCache
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, crcTable) != le.Uint32(b[len(b)-4:]) {
		return nil, errBadCache
	}
	c := &tpCatalogue{source: SourceCache, formats: map[string]*TracepointFormat{}, failed: map[string]error{}}
	copy(c.eventsID[:], b[len(tpCacheMagic)+36:hdr])
	d := &decoder{b: body[hdr:]}
	n := d.count(3)
	for range n {
		tp := Tracepoint{Category: string(d.bytes()), Event: string(d.bytes()), Source: SourceCache}
		nf := d.count(1)
		if d.err != nil {
			return nil, errBadCache
		}
		c.events = append(c.events, tp)
		if nf == 0 {
			continue
		}
		f := &TracepointFormat{Tracepoint: tp, Source: SourceCache, ID: int(d.uvarint())}
		for range nf - 1 {
			decl := string(d.bytes())
			off, size, flags := d.uvarint(), d.uvarint(), d.uvarint()
			if d.err != nil || off > 1<<20 || size > 1<<20 {
				return nil, errBadCache
			}
			fl := TracepointField{Decl: decl, Offset: int(off), Size: int(size), Signed: flags&1 != 0, Common: flags&2 != 0}
			fl.Name, fl.Type = splitDecl(decl)
			fl.DataLoc = strings.HasPrefix(decl, "__data_loc ")
			f.Fields = append(f.Fields, fl)
		}
		c.formats[tp.String()] = f
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, errBadCache
	}
	c.index()
	return c, nil
}
