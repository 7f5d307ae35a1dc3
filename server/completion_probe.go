package server

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/probes"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/btfindex"
)

// Completion of attach points: providers at the start of a top-level
// item, then the provider's targets field by field, from the kernel
// index (tracepoints, functions, raw tracepoints, iterators), the file
// system and ELF symbols (uprobe, usdt) and the fixed tables (software
// and hardware events, time units).

// apPart is one colon-separated part of an attach point being typed.
type apPart struct {
	text   string // unquoted
	start  source.Pos
	quoted bool
}

// splitAttach splits raw (which starts at start) at the colons outside
// double quotes.
func splitAttach(raw string, start source.Pos) []apPart {
	var parts []apPart
	cur := apPart{start: start}
	var b strings.Builder
	inQuote := false
	for i := 0; i < len(raw); i++ {
		ch := raw[i]
		switch {
		case ch == '"':
			inQuote = !inQuote
			if b.Len() == 0 && inQuote {
				cur.quoted = true
			}
			continue
		case ch == '\\' && inQuote && i+1 < len(raw):
			i++
			b.WriteByte(raw[i])
			continue
		case ch == ':' && !inQuote:
			cur.text = b.String()
			parts = append(parts, cur)
			b.Reset()
			cur = apPart{start: start + source.Pos(i+1)}
			continue
		}
		b.WriteByte(ch)
	}
	cur.text = b.String()
	return append(parts, cur)
}

// legacyProviderNames are spellings still accepted but not offered.
var legacyProviderNames = map[string]bool{"BEGIN": true, "END": true, "kfunc": true, "kretfunc": true}

// attachPoint completes an attach point whose text up to the cursor is
// raw, starting at start. first is set at the start of a top-level item,
// where keywords and snippets are offered too.
func (c *completer) attachPoint(raw string, start source.Pos, first bool) {
	if i := strings.IndexByte(raw, '='); i >= 0 && !strings.ContainsAny(raw[:i], ":\"") {
		raw, start = raw[i+1:], start+source.Pos(i+1) // name=provider:...
	}
	parts := splitAttach(raw, start)
	if len(parts) == 1 {
		if c.trigger != "" && c.trigger != "@" && c.trigger != "$" {
			return // ':' '.' '/' ... typed outside of an attach point's target
		}
		c.providers(parts[0], first)
		return
	}
	p := probes.Lookup(parts[0].text)
	if p == nil {
		return
	}
	i := len(parts) - 1
	cur := parts[i]
	if cur.quoted {
		cur.start++ // keep the opening quote
	}
	switch p.Name {
	case "tracepoint":
		switch i {
		case 1:
			c.tracepointCategories(cur)
		case 2:
			c.tracepointEvents(parts[1].text, cur)
		}
	case "kprobe", "kretprobe":
		switch i {
		case 1:
			c.kernelFuncs("", cur, false)
		case 2:
			c.kernelFuncs(parts[1].text, cur, false)
		}
	case "fentry", "fexit":
		switch i {
		case 1:
			c.kernelModules(cur, true)
			c.kernelFuncs("", cur, true)
		case 2:
			if parts[1].text != "bpf" {
				c.kernelFuncs(parts[1].text, cur, true)
			}
		}
	case "rawtracepoint":
		if i == 1 || i == 2 {
			if i == 1 {
				c.kernelModules(cur, false)
			}
			c.rawTracepoints(cur)
		}
	case "uprobe", "uretprobe":
		switch i {
		case 1:
			c.filePaths(cur)
		case 2:
			c.elfFunctions(parts[1].text, cur)
		}
	case "usdt":
		switch i {
		case 1:
			c.filePaths(cur)
		case 2, 3:
			ns := ""
			if i == 3 {
				ns = parts[2].text
			}
			c.usdtProbes(parts[1].text, ns, cur, i == 2)
		}
	case "software", "hardware", "profile", "interval":
		if i == 1 {
			c.fixedTargets(p.Name, cur)
		}
	case "self":
		switch i {
		case 1:
			c.plainItems(cur, []string{"signal"}, protocol.CompletionItemKindEvent, "trigger kind")
		case 2:
			c.plainItems(cur, btfindex.SelfSignals, protocol.CompletionItemKindEnumMember, "signal")
		}
	case "iter":
		if i == 1 {
			c.iterators(cur)
		}
	}
}

// providers offers the probe providers (and, at the start of an item,
// the top-level keywords and probe snippets).
func (c *completer) providers(part apPart, first bool) {
	prefix := part.text
	if c.trigger == "$" || c.trigger == "@" {
		return
	}
	for _, p := range probes.Providers {
		if p.Legacy {
			continue
		}
		names := append([]string{p.Name}, p.Aliases...)
		for k, name := range names {
			if legacyProviderNames[name] || !strings.HasPrefix(strings.ToLower(name), strings.ToLower(prefix)) {
				continue
			}
			insert := name
			if strings.Contains(p.Forms[0], ":") {
				insert += ":"
			}
			detail := p.Summary
			sortKey := "1" + p.Name
			if k > 0 {
				detail = "alias of " + p.Name
				sortKey = "2" + name
			}
			var doc strings.Builder
			fmt.Fprintf(&doc, "**%s** — %s\n\n```bpftrace\n%s\n```", p.Name, p.Summary, strings.Join(p.Forms, "\n"))
			c.add(completionItem{Label: name, Kind: protocol.CompletionItemKindModule, Detail: detail,
				Documentation: c.doc(doc.String()), TextEdit: c.edit(part.start, insert), SortText: sortKey})
		}
	}
	if !first {
		return
	}
	for _, kw := range []struct{ name, detail string }{
		{"config", "configuration block"}, {"import", "import a .bt, .h or .bpf.c file"},
		{"macro", "macro definition"}, {"fn", "function definition"}, {"let", "map declaration"},
	} {
		if strings.HasPrefix(kw.name, prefix) {
			c.add(completionItem{Label: kw.name, Kind: protocol.CompletionItemKindKeyword, Detail: kw.detail,
				TextEdit: c.edit(part.start, kw.name), SortText: "3" + kw.name})
		}
	}
	for _, sn := range probeSnippets {
		if strings.HasPrefix(sn.label, prefix) || prefix == "" {
			c.addSnippet(sn.label, sn.detail, sn.body, part.start, "4"+sn.label)
		}
	}
}

var probeSnippets = []struct{ label, detail, body string }{
	{"tracepoint", "tracepoint probe with a body", "tracepoint:${1:category}:${2:event}\n{\n  $0\n}"},
	{"kprobe-latency", "kprobe + kretprobe pair measuring a kernel function's latency",
		"kprobe:${1:function}\n{\n  @start[tid] = nsecs;\n}\n\nkretprobe:${1:function}\n/@start[tid]/\n{\n  @usecs = hist((nsecs - @start[tid]) / 1000);\n  delete(@start, tid);\n}"},
	{"interval-print", "print and clear a map periodically",
		"interval:s:${1:1}\n{\n  print(@${2:map});\n  clear(@${2:map});\n}"},
	{"profile", "sample kernel stacks on every CPU", "profile:hz:${1:99}\n{\n  @[kstack] = count();\n}"},
	{"begin", "runs once at start", "begin\n{\n  $0\n}"},
	{"end", "runs once at exit", "end\n{\n  $0\n}"},
	{"config", "configuration block", "config = {\n  ${1:max_strlen} = ${2:1024};\n}"},
	{"macro", "macro definition", "macro ${1:name}(${2:\\$x})\n{\n  $0\n}"},
	{"fn", "function definition", "fn ${1:name}(\\$${2:x}: ${3:int64}): ${4:int64}\n{\n  $0\n}"},
}

func (c *completer) plainItems(part apPart, names []string, kind protocol.CompletionItemKind, detail string) {
	for _, n := range names {
		if strings.HasPrefix(n, part.text) {
			c.add(completionItem{Label: n, Kind: kind, Detail: detail, TextEdit: c.edit(part.start, n)})
		}
	}
}

func (c *completer) kernel() *kernelIndex { return c.snap.Kernel }

func (c *completer) tracepointCategories(part apPart) {
	k := c.kernel()
	if k == nil {
		return
	}
	for _, cat := range k.tracepointCategories() {
		if strings.HasPrefix(cat, part.text) {
			n := len(k.tracepointEvents(cat))
			c.add(completionItem{Label: cat, Kind: protocol.CompletionItemKindModule,
				Detail: fmt.Sprintf("tracepoint category (%d events)", n), TextEdit: c.edit(part.start, cat)})
		}
	}
	c.capItems()
}

func (c *completer) tracepointEvents(cat string, part apPart) {
	k := c.kernel()
	if k == nil {
		return
	}
	for _, ev := range k.tracepointEvents(cat) {
		if strings.HasPrefix(ev, part.text) {
			c.add(completionItem{Label: ev, Kind: protocol.CompletionItemKindEvent, Detail: "tracepoint " + cat,
				TextEdit: c.edit(part.start, ev), Data: &resolveData{URI: c.snap.URI, Kind: "tracepoint", Module: cat, Name: ev}})
		}
	}
	c.capItems()
}

// capItems keeps the first maxKernelItems items (in the order the
// client will sort them) and marks the list incomplete.
func (c *completer) capItems() {
	if len(c.items) <= maxKernelItems {
		return
	}
	sort.SliceStable(c.items, func(i, j int) bool { return sortKey(c.items[i]) < sortKey(c.items[j]) })
	c.items = c.items[:maxKernelItems]
	c.incomplete = true
}

func sortKey(it completionItem) string {
	if it.SortText != "" {
		return it.SortText
	}
	return it.Label
}

// kernelFuncs offers the kernel's functions starting with the part's
// text: attachable ones first, at most maxKernelItems. fentry lists only
// functions with few enough arguments for a trampoline.
func (c *completer) kernelFuncs(module string, part apPart, fentry bool) {
	k := c.kernel()
	if k == nil || btfindex.HasWildcard(part.text) {
		return
	}
	ix := k.ix
	names := ix.FuncNames(part.text)
	var funcs []btfindex.KernelFunc
	if len(names) <= 4*maxKernelItems {
		funcs = ix.Funcs(part.text)
	} else {
		// Too many to decode each: take names in order until enough are
		// attachable, looking each one up.
		c.incomplete = true
		var skipped []btfindex.KernelFunc
		for i, name := range names {
			if i > 0 && names[i-1] == name {
				continue
			}
			if c.ctx.Err() != nil {
				return
			}
			f, err := ix.Func(module, name)
			if err != nil {
				continue
			}
			if f.Attachable {
				funcs = append(funcs, f)
			} else {
				skipped = append(skipped, f)
			}
			if len(funcs) >= maxKernelItems {
				break
			}
		}
		funcs = append(funcs, skipped...)
	}
	for _, f := range funcs {
		if module != "" && f.Module != module {
			continue
		}
		if fentry && f.NumParams > btfindex.MaxTraceArgs {
			continue
		}
		sortText := "0" + f.Name
		detail := "kernel function"
		if !f.Attachable {
			sortText = "1" + f.Name
			detail = "kernel function (not attachable: inlined or notrace)"
		}
		if f.Module != "vmlinux" && f.Module != "" {
			detail += " [" + f.Module + "]"
		}
		it := completionItem{Label: f.Name, Kind: protocol.CompletionItemKindFunction, Detail: detail,
			TextEdit: c.edit(part.start, f.Name), SortText: sortText,
			Data: &resolveData{URI: c.snap.URI, Kind: "func", Module: f.Module, Name: f.Name}}
		if !f.Attachable {
			it.Tags = []protocol.CompletionItemTag{protocol.CompletionItemTagDeprecated}
		}
		c.add(it)
	}
	c.capItems()
}

// kernelModules offers BTF module names (and "bpf" for fentry:bpf:...).
func (c *completer) kernelModules(part apPart, bpf bool) {
	k := c.kernel()
	if k == nil || part.text == "" {
		return
	}
	mods := append([]string(nil), k.ix.Modules()...)
	if bpf {
		mods = append(mods, "bpf")
	}
	for _, m := range mods {
		if strings.HasPrefix(m, part.text) {
			c.add(completionItem{Label: m, Kind: protocol.CompletionItemKindModule, Detail: "module",
				TextEdit: c.edit(part.start, m), SortText: "2" + m})
		}
	}
}

func (c *completer) rawTracepoints(part apPart) {
	k := c.kernel()
	if k == nil {
		return
	}
	all := k.rawTracepoints()
	i := sort.SearchStrings(all, part.text)
	for ; i < len(all) && strings.HasPrefix(all[i], part.text); i++ {
		c.add(completionItem{Label: all[i], Kind: protocol.CompletionItemKindEvent, Detail: "raw tracepoint",
			TextEdit: c.edit(part.start, all[i])})
		if len(c.items) > maxKernelItems {
			break
		}
	}
	c.capItems()
}

func (c *completer) iterators(part apPart) {
	k := c.kernel()
	if k == nil {
		return
	}
	for _, name := range k.iterators() {
		if strings.HasPrefix(name, part.text) {
			c.add(completionItem{Label: name, Kind: protocol.CompletionItemKindEvent, Detail: "BPF iterator",
				TextEdit: c.edit(part.start, name)})
		}
	}
	c.capItems()
}

// fixedTargets offers software/hardware events and profile/interval
// units from the provider table.
func (c *completer) fixedTargets(provider string, part apPart) {
	bp, ok := btfindex.LookupProvider(provider)
	if !ok {
		return
	}
	for _, t := range bp.Targets {
		detail := ""
		switch provider {
		case "profile", "interval":
			detail = map[string]string{"hz": "rate: times per second", "s": "period in seconds",
				"ms": "period in milliseconds", "us": "period in microseconds"}[t.Name]
		default:
			detail = fmt.Sprintf("%s event, sampled every %d by default", provider, t.DefaultPeriod)
		}
		for _, name := range []string{t.Name, t.Alias} {
			if name == "" || !strings.HasPrefix(name, part.text) {
				continue
			}
			d := detail
			if name == t.Alias {
				d = "alias of " + t.Name
			}
			c.add(completionItem{Label: name, Kind: protocol.CompletionItemKindEvent, Detail: d,
				TextEdit: c.edit(part.start, name)})
		}
	}
}

// docDir is the directory of the document, for relative paths.
func (c *completer) docDir() string {
	name := c.snap.File.Name
	if !filepath.IsAbs(name) {
		wd, _ := os.Getwd()
		return wd
	}
	return filepath.Dir(name)
}

// filePaths completes a uprobe or usdt binary path from the file system:
// directories (to go on) and files that can be traced (executables and
// shared libraries).
func (c *completer) filePaths(part apPart) {
	typed := part.text
	dirPart, base := "", typed
	if i := strings.LastIndexByte(typed, '/'); i >= 0 {
		dirPart, base = typed[:i+1], typed[i+1:]
	}
	dir := dirPart
	if dir == "" {
		dir = c.docDir()
	} else if !filepath.IsAbs(dir) {
		dir = filepath.Join(c.docDir(), dir)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, base) || (strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".")) {
			continue
		}
		full := filepath.Join(dir, name)
		st, err := os.Stat(full) // follow symlinks
		if err != nil {
			continue
		}
		switch {
		case st.IsDir():
			c.add(completionItem{Label: name + "/", Kind: protocol.CompletionItemKindFolder,
				TextEdit: c.edit(part.start, dirPart+name+"/"), SortText: "0" + name})
		case st.Mode().IsRegular() && (st.Mode()&0o111 != 0 || strings.Contains(name, ".so")):
			c.add(completionItem{Label: name, Kind: protocol.CompletionItemKindFile, Detail: full,
				TextEdit: c.edit(part.start, dirPart+name), SortText: "1" + name})
		}
		if len(c.items) > 4*maxKernelItems {
			break
		}
	}
	c.capItems()
}

// binaryPath resolves a uprobe target as bpftrace would, relative paths
// against the document's directory.
func (c *completer) binaryPath(target string) (string, bool) {
	if target == "" || btfindex.HasWildcard(target) || strings.HasPrefix(target, "$") {
		return "", false
	}
	if strings.Contains(target, "/") && !filepath.IsAbs(target) {
		target = filepath.Join(c.docDir(), target)
	}
	p, err := btfindex.ResolveBinary(target)
	if err != nil {
		return "", false
	}
	return p, true
}

// elfFunctions offers the function symbols of a uprobe's binary.
func (c *completer) elfFunctions(target string, part apPart) {
	path, ok := c.binaryPath(target)
	if !ok {
		return
	}
	funcs, err := elfFunctions(path)
	if err != nil {
		return
	}
	i := sort.SearchStrings(funcs, part.text)
	for ; i < len(funcs) && strings.HasPrefix(funcs[i], part.text); i++ {
		c.add(completionItem{Label: funcs[i], Kind: protocol.CompletionItemKindFunction,
			Detail: "function in " + filepath.Base(path), TextEdit: c.edit(part.start, funcs[i])})
		if len(c.items) > maxKernelItems {
			break
		}
	}
	c.capItems()
}

// usdtProbes offers a binary's USDT probes: "namespace:name" in the
// first field after the path, names of the namespace in the next.
func (c *completer) usdtProbes(target, ns string, part apPart, withNS bool) {
	path, ok := c.binaryPath(target)
	if !ok {
		return
	}
	list, err := btfindex.USDTProbes(path)
	if err != nil {
		return
	}
	for _, p := range list {
		label := p.Name
		if withNS {
			label = p.Provider + ":" + p.Name
		} else if p.Provider != ns {
			continue
		}
		if strings.HasPrefix(label, part.text) {
			c.add(completionItem{Label: label, Kind: protocol.CompletionItemKindEvent,
				Detail: "USDT probe, arguments " + p.Args, TextEdit: c.edit(part.start, label)})
		}
	}
	c.capItems()
}
