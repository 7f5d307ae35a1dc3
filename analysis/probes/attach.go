package probes

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/scanner"
	"github.com/bt-tools/bt/analysis/source"
)

// Result is what ParseAttachPoint finds in one attach point.
type Result struct {
	// Name is the optional `name=` prefix, "" when absent.
	Name string
	// Provider is the canonical provider name, "" when the provider is
	// unknown or a wildcard matching several providers.
	Provider string
	// Fields are the attach point's parts in source order, the provider
	// first. A `function+offset` part becomes two fields (func and
	// offset); `path@file` separates path and file like a ':'.
	Fields []ast.AttachField
	// Problems are the errors found, with spans in the file but no File
	// set (the caller fills it in).
	Problems []diag.Diagnostic
}

// part is one ':'- or '@'-separated piece of a raw attach point.
type part struct {
	start, end int // offsets in raw, quotes included
	text       string
	quoted     bool
	param      bool  // contains an unquoted positional parameter $N
	plus       []int // offsets in raw of unquoted '+'
}

type apContext struct {
	raw      string
	base     source.Pos
	prov     *Provider
	provName string
	parts    []part // the parts after the provider
	param    bool   // some part has a positional parameter: counts unknown
	res      *Result
	// literal: a probe name expanded from an attach point, where '$' is
	// a character of a name (a symbol may contain it), not a parameter.
	literal bool
}

// ParseAttachPoint splits the attach point raw, which starts at start in
// its file, into fields by its provider's grammar and reports what does
// not fit. Positional parameters ($1) may appear anywhere outside quotes;
// since their values are only known at run time, fields containing them
// are not checked further (and neither is the number of fields, as a
// parameter may expand to several).
func ParseAttachPoint(raw string, start source.Pos) Result {
	return parseAttachPoint(&apContext{raw: raw, base: start})
}

// ParseProbeName splits a probe name that attach points expand to (a
// checked attach point's target, e.g. "uprobe:/bin/x:fn$") into fields
// by its provider's grammar: as ParseAttachPoint, but a '$' is part of a
// name, since expansion has replaced positional parameters and symbols
// may contain the character.
func ParseProbeName(name string) Result {
	return parseAttachPoint(&apContext{raw: name, literal: true})
}

func parseAttachPoint(c *apContext) Result {
	res := Result{}
	c.res = &res
	raw := c.raw
	parts := c.lex()
	if len(parts) == 0 || raw == "" {
		c.errSpan(0, len(raw), "empty attach point")
		return res
	}
	first := parts[0]
	provStart := first.start
	provText := first.text
	if !first.quoted {
		if i := strings.IndexByte(provText, '='); i >= 0 && i != len(provText)-1 {
			res.Name = provText[:i]
			provText = provText[i+1:]
			provStart = first.start + i + 1
		}
	}
	c.parts = parts[1:]
	for _, p := range parts {
		if p.param {
			c.param = true
		}
	}
	res.Fields = append(res.Fields, ast.AttachField{
		Range: c.rng(provStart, first.end), Role: RoleProvider, Text: provText, Quoted: first.quoted,
	})
	if provText == "" {
		c.errSpan(0, max(len(raw), 1), "attach point has no provider")
		c.generic()
		return res
	}
	if first.param {
		// The provider itself comes from a parameter: nothing to check.
		c.generic()
		return res
	}
	if HasWildcard(provText) {
		var matches []*Provider
		for _, p := range Providers {
			if MatchWildcard(provText, p.Name) {
				matches = append(matches, p)
			}
		}
		switch len(matches) {
		case 0:
			c.problem(CodeUnknownProvider, provStart, first.end, "", "no probe provider matches '%s'", provText)
			c.generic()
			return res
		case 1:
			c.prov = matches[0]
		default:
			c.generic()
			return res
		}
	} else {
		c.prov = Lookup(provText)
	}
	if c.prov == nil {
		hint := ""
		if s := Suggest(provText); s != "" {
			hint = fmt.Sprintf("did you mean '%s'?", s)
		}
		c.problem(CodeUnknownProvider, provStart, first.end, hint, "unknown probe provider '%s'", provText)
		c.generic()
		return res
	}
	c.provName = c.prov.Name
	res.Provider = c.prov.Name
	c.prov.parse(c)
	c.checkFields()
	return res
}

// lex splits raw at unquoted ':' and '@' and removes quotes.
func (c *apContext) lex() []part {
	raw := c.raw
	parts := make([]part, 0, 4)
	cur := part{start: 0}
	// text collects the unquoted text of a part that has quotes; a part
	// without quotes is just its slice of raw.
	var text []byte
	startQuoted := func(i int) {
		if !cur.quoted {
			cur.quoted = true
			text = append(text[:0], raw[cur.start:i]...)
		}
	}
	finish := func(end int) {
		cur.end = end
		if cur.quoted {
			cur.text = string(text)
		} else {
			cur.text = raw[cur.start:end]
		}
		parts = append(parts, cur)
	}
	for i := 0; i < len(raw); {
		ch := raw[i]
		switch {
		case ch == '"':
			startQuoted(i)
			q := i
			i++
			for i < len(raw) && raw[i] != '"' {
				if raw[i] == '\\' && i+1 < len(raw) {
					i++
				}
				text = append(text, raw[i])
				i++
			}
			if i >= len(raw) {
				c.errSpan(q, len(raw), "quoted part of attach point is not terminated: missing '\"'")
				continue
			}
			i++ // closing quote
		case ch == ':' || ch == '@':
			finish(i)
			cur = part{start: i + 1}
			i++
		case ch == '$' && !c.literal:
			j := i + 1
			if j < len(raw) && raw[j] >= '1' && raw[j] <= '9' {
				for j < len(raw) && raw[j] >= '0' && raw[j] <= '9' {
					j++
				}
				if _, errs := scanner.ParseInt(raw[i+1 : j]); len(errs) > 0 {
					c.errSpan(i, j, "positional parameter %s is out of range", raw[i:j])
				}
				cur.param = true
				if cur.quoted {
					text = append(text, raw[i:j]...)
				}
				i = j
				continue
			}
			end := min(i+2, len(raw))
			c.problem(CodeBadAttachPoint, i, end, fmt.Sprintf("to use a literal '$', quote this part, e.g. \"%s\"", raw[i:end]),
				"'%s' in an attach point is not a positional parameter ($1, $2, ...)", raw[i:end])
			if cur.quoted {
				text = append(text, ch)
			}
			i++
		default:
			if ch == '+' {
				cur.plus = append(cur.plus, i)
			}
			if cur.quoted {
				text = append(text, ch)
			}
			i++
		}
	}
	finish(len(raw))
	return parts
}

func (c *apContext) rng(s, e int) ast.Range {
	return ast.Range{Lo: c.base + source.Pos(s), Hi: c.base + source.Pos(e)}
}

// problem records a problem at raw[s:e]. The span is kept inside the
// attach point; an empty span (a missing field) covers the separator
// before it.
func (c *apContext) problem(code diag.Code, s, e int, hint, format string, args ...any) {
	e = min(max(e, 0), len(c.raw))
	s = min(max(s, 0), e)
	if s == e && s > 0 {
		s--
	}
	c.res.Problems = append(c.res.Problems, diag.Diagnostic{
		Severity: diag.Error,
		Code:     code,
		Location: diag.Location{Span: source.Span{Start: c.base + source.Pos(s), End: c.base + source.Pos(e)}},
		Message:  fmt.Sprintf(format, args...),
		Hint:     hint,
	})
}

func (c *apContext) errSpan(s, e int, format string, args ...any) {
	c.problem(CodeBadAttachPoint, s, e, "", format, args...)
}

// errAll reports a problem covering the whole attach point.
func (c *apContext) errAll(hint, format string, args ...any) {
	c.problem(CodeBadAttachPoint, 0, len(c.raw), hint, format, args...)
}

func (c *apContext) errPart(i int, format string, args ...any) {
	p := c.parts[i]
	c.errSpan(p.start, p.end, format, args...)
}

// field adds part i with role.
func (c *apContext) field(i int, role string) {
	p := c.parts[i]
	c.res.Fields = append(c.res.Fields, ast.AttachField{Range: c.rng(p.start, p.end), Role: role, Text: p.text, Quoted: p.quoted})
}

// generic labels every part after the provider as RoleArg.
func (c *apContext) generic() {
	for i := range c.parts {
		c.field(i, RoleArg)
	}
}

// count checks the number of parts after the provider against the
// allowed counts and reports a mismatch; it returns false on mismatch.
func (c *apContext) count(allowed ...int) bool {
	n := len(c.parts)
	for _, a := range allowed {
		if n == a {
			return true
		}
	}
	if c.param {
		return false
	}
	var forms []string
	for _, f := range c.prov.Forms {
		forms = append(forms, "'"+f+"'")
	}
	hint := "expected " + strings.Join(forms, " or ")
	switch {
	case len(allowed) == 1 && allowed[0] == 0:
		c.errAll(hint, "%s probes take no arguments, found %d", c.prov.Name, n)
	default:
		want := fmt.Sprint(allowed[0])
		for i, a := range allowed[1:] {
			if i == len(allowed)-2 {
				want += " or " + fmt.Sprint(a)
			} else {
				want += ", " + fmt.Sprint(a)
			}
		}
		s := "s"
		if len(allowed) == 1 && allowed[0] == 1 {
			s = ""
		}
		c.errAll(hint, "%s probes take %s field%s after the provider, found %d", c.prov.Name, want, s, n)
	}
	return false
}

// uint checks that part i is an unsigned integer the way bpftrace reads
// attach point numbers (separators, suffixes and 1e6 allowed).
func (c *apContext) uint(i int, what string) (uint64, bool) {
	p := c.parts[i]
	if p.param {
		return 0, false
	}
	if p.text == "" {
		c.errSpan(p.start, p.end, "missing %s", what)
		return 0, false
	}
	if !isDigitStr(p.text) {
		c.errPart(i, "%s must be an integer, found '%s'", what, p.text)
		return 0, false
	}
	v, errs := scanner.ParseInt(p.text)
	if len(errs) > 0 {
		c.errPart(i, "invalid %s '%s': %s", what, p.text, errs[0].Message)
		return 0, false
	}
	return v, true
}

func isDigitStr(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// isUint reports whether s reads as an unsigned integer.
func isUint(s string) bool {
	if !isDigitStr(s) {
		return false
	}
	_, errs := scanner.ParseInt(s)
	return len(errs) == 0
}

// funcOrAddress adds part i as a function (with optional +offset) or an
// absolute address.
func (c *apContext) funcOrAddress(i int, allowOffset bool) {
	p := c.parts[i]
	if p.param {
		c.field(i, RoleFunc)
		return
	}
	if len(p.plus) > 0 {
		if !allowOffset {
			c.res.Fields = append(c.res.Fields, ast.AttachField{Range: c.rng(p.start, p.end), Role: RoleFunc, Text: p.text, Quoted: p.quoted})
			c.errSpan(p.plus[0], p.end, "%s probes cannot be attached at an offset", c.prov.Name)
			return
		}
		if len(p.plus) > 1 {
			c.res.Fields = append(c.res.Fields, ast.AttachField{Range: c.rng(p.start, p.end), Role: RoleFunc, Text: p.text, Quoted: p.quoted})
			c.errSpan(p.plus[1], p.end, "only one +offset is allowed")
			return
		}
		plus := p.plus[0]
		fn := unquote(c.raw[p.start:plus])
		off := c.raw[plus+1 : p.end]
		c.res.Fields = append(c.res.Fields,
			ast.AttachField{Range: c.rng(p.start, plus), Role: RoleFunc, Text: fn, Quoted: strings.Contains(c.raw[p.start:plus], "\"")},
			ast.AttachField{Range: c.rng(plus+1, p.end), Role: RoleOffset, Text: unquote(off)})
		if fn == "" {
			c.errSpan(p.start, plus+1, "missing function name before '+'")
		}
		switch {
		case off == "":
			c.errSpan(plus, plus+1, "missing offset after '+'")
		case !isUint(off):
			c.errSpan(plus+1, p.end, "offset must be an integer, found '%s'", off)
		}
		return
	}
	if !p.quoted && isUint(p.text) {
		c.field(i, RoleAddress)
		return
	}
	if p.text == "" {
		c.errSpan(p.start, p.end, "missing function name")
	}
	c.field(i, RoleFunc)
}

func unquote(s string) string {
	if !strings.ContainsRune(s, '"') {
		return s
	}
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			in = !in
		case in && s[i] == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// checkFields reports wildcards where the provider does not accept them
// and '/' in fields that cannot hold a path.
func (c *apContext) checkFields() {
	for _, f := range c.res.Fields[1:] {
		if strings.Contains(f.Text, "$") && !f.Quoted {
			continue // positional parameter, unknown value
		}
		switch f.Role {
		case RolePath, RoleFile, RolePin, RoleArg:
			continue
		}
		s, e := int(f.Lo-c.base), int(f.Hi-c.base)
		if c.reported(f.Lo, f.Hi) {
			continue
		}
		if i := strings.IndexByte(f.Text, '/'); i >= 0 && !f.Quoted {
			c.problem(CodeBadAttachPoint, s, e,
				"a predicate needs white space before it, e.g. 'kprobe:f /pid == 1/ { }'",
				"'/' is not allowed in the %s of %s probe", f.Role, article(c.prov.Name))
			continue
		}
		if HasWildcard(f.Text) && !c.prov.AllowsWildcard(f.Role) && !c.wildcardExempt(f) {
			c.problem(CodeBadAttachPoint, s, e, "", "wildcards are not allowed in the %s of %s probe", f.Role, article(c.prov.Name))
		}
	}
}

// article prefixes a provider name with "a" or "an".
func article(name string) string {
	if name != "" && strings.ContainsRune("aeiou", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}

// reported reports whether a problem already covers part of [lo, hi).
func (c *apContext) reported(lo, hi source.Pos) bool {
	for _, p := range c.res.Problems {
		if p.Span.Start < hi && lo < p.Span.End {
			return true
		}
	}
	return false
}

// wildcardExempt covers the listing-only wildcard forms bpftrace accepts.
func (c *apContext) wildcardExempt(f ast.AttachField) bool {
	switch c.prov.Name {
	case "profile", "interval":
		return f.Role == RoleRate && len(c.parts) == 1
	case "software", "hardware":
		return f.Role == RoleCount && f.Text == "*"
	case "fentry", "fexit":
		return f.Role == RoleProgID && f.Text == "*"
	case "begin", "end":
		return true
	}
	return false
}

// Per-provider grammars.

func parseBeginEnd(c *apContext) {
	if len(c.parts) == 1 && c.parts[0].text == "*" {
		c.field(0, RoleArg)
		return
	}
	if !c.count(0) {
		c.generic()
	}
}

func parseSelf(c *apContext) {
	if !c.count(2) {
		c.generic()
		return
	}
	c.field(0, RoleTrigger)
	c.field(1, RoleSignal)
	if c.parts[0].text != "signal" && !c.parts[0].param {
		c.errPart(0, "unknown self probe trigger '%s' (the only trigger is 'signal')", c.parts[0].text)
		return
	}
	if !slices.Contains(c.prov.Signals, c.parts[1].text) && !c.parts[1].param {
		c.errPart(1, "unsupported signal '%s' for a self probe (supported: %s)", c.parts[1].text, strings.Join(c.prov.Signals, ", "))
	}
}

func parseNamed(c *apContext) {
	if !c.count(1) {
		c.generic()
		return
	}
	c.field(0, RoleName)
	if c.parts[0].text == "" {
		c.errSpan(c.parts[0].start-1, c.parts[0].end, "%s probes need a name", c.prov.Name)
	}
}

func parseKprobe(c *apContext, offset bool) {
	switch len(c.parts) {
	case 1:
		c.funcOrAddress(0, offset)
	case 2:
		c.field(0, RoleModule)
		c.funcOrAddress(1, offset)
	default:
		c.count(1, 2)
		c.generic()
	}
}

var uprobeLangs = map[string]bool{"cpp": true}

func parseUprobe(c *apContext, entry bool) {
	n := len(c.parts)
	// path@file:line[:column]
	if n >= 2 && c.parts[1].start > 0 && c.raw[c.parts[1].start-1] == '@' {
		c.field(0, RolePath)
		if !entry {
			c.errAll("", "uretprobe cannot be attached at a source location")
		}
		if HasWildcard(c.parts[0].text) {
			c.errPart(0, "wildcards cannot be used with a source location")
		}
		if n != 3 && n != 4 {
			c.errAll("expected 'uprobe:path@file:line[:column]'", "a uprobe source location needs a file and a line")
			for i := 1; i < n; i++ {
				c.field(i, RoleArg)
			}
			return
		}
		c.field(1, RoleFile)
		c.field(2, RoleLine)
		c.uint(2, "line number")
		if n == 4 {
			c.field(3, RoleColumn)
			c.uint(3, "column number")
		}
		if c.parts[1].text == "" {
			c.errSpan(c.parts[1].start-1, c.parts[1].end, "missing source file after '@'")
		}
		return
	}
	switch n {
	case 1: // target from -p PID
		c.funcOrAddress(0, entry)
	case 2:
		c.field(0, RolePath)
		c.funcOrAddress(1, entry)
	case 3:
		c.field(0, RolePath)
		c.field(1, RoleLang)
		if !uprobeLangs[c.parts[1].text] && !c.parts[1].param {
			c.errPart(1, "unsupported language '%s' (supported: cpp)", c.parts[1].text)
		}
		c.funcOrAddress(2, entry)
	default:
		c.count(1, 2, 3)
		c.generic()
		return
	}
	if n >= 2 && c.parts[0].text == "" && !c.param {
		c.errSpan(c.parts[0].start-1, c.parts[0].end, "missing %s target path", c.prov.Name)
	}
	last := c.res.Fields[len(c.res.Fields)-1]
	if last.Role == RoleAddress && n >= 2 && HasWildcard(c.parts[0].text) {
		c.errPart(0, "wildcards cannot be used with an absolute address")
	}
}

func parseUsdt(c *apContext) {
	switch len(c.parts) {
	case 1: // target from -p PID
		c.field(0, RoleName)
	case 2:
		c.field(0, RolePath)
		c.field(1, RoleName)
	case 3:
		c.field(0, RolePath)
		c.field(1, RoleNamespace)
		c.field(2, RoleName)
	default:
		c.count(1, 2, 3)
		c.generic()
		return
	}
	if last := c.parts[len(c.parts)-1]; last.text == "" && !c.param {
		c.errSpan(max(last.start-1, 0), last.end, "missing USDT probe name")
	}
}

func parseTracepoint(c *apContext) {
	if len(c.parts) == 1 && (HasWildcard(c.parts[0].text) || c.param) {
		// tracepoint:*foo* lists every category.
		c.field(0, RoleEvent)
		return
	}
	if !c.count(2) {
		c.generic()
		return
	}
	c.field(0, RoleCategory)
	c.field(1, RoleEvent)
	for i, what := range []string{"category", "event"} {
		if c.parts[i].text == "" {
			c.errSpan(max(c.parts[i].start-1, 0), c.parts[i].end, "missing tracepoint %s", what)
		}
	}
}

func parseRawTracepoint(c *apContext) {
	switch len(c.parts) {
	case 1:
		c.field(0, RoleEvent)
	case 2:
		c.field(0, RoleModule)
		c.field(1, RoleEvent)
	default:
		c.count(1, 2)
		c.generic()
		return
	}
	if last := c.parts[len(c.parts)-1]; last.text == "" {
		c.errSpan(max(last.start-1, 0), last.end, "missing raw tracepoint name")
	}
}

func parseFrequency(c *apContext) {
	switch len(c.parts) {
	case 1:
		c.field(0, RoleRate)
		p := c.parts[0]
		if p.param || HasWildcard(p.text) {
			return
		}
		if v, ok := c.uint(0, c.prov.Name+" period"); ok && v < 1000 {
			c.problem(CodeBadAttachPoint, p.start, p.end, "give a unit, e.g. '"+c.prov.Name+":s:1' or '"+c.prov.Name+":1s'",
				"%s period %s is too short: a period without a unit is in nanoseconds and must be at least 1000 (1us)", c.prov.Name, p.text)
		}
	case 2:
		c.field(0, RoleUnit)
		c.field(1, RoleRate)
		if u := c.parts[0]; !u.param && !slices.Contains(c.prov.Units, u.text) {
			c.problem(CodeBadAttachPoint, u.start, u.end, "use one of "+strings.Join(c.prov.Units, ", "), "unknown %s unit '%s'", c.prov.Name, u.text)
		}
		if v, ok := c.uint(1, c.prov.Name+" rate"); ok && v == 0 {
			c.errPart(1, "%s rate must be positive", c.prov.Name)
		}
	default:
		c.count(1, 2)
		c.generic()
	}
}

func parsePerfEvent(c *apContext) {
	switch len(c.parts) {
	case 1, 2:
	default:
		c.count(1, 2)
		c.generic()
		return
	}
	c.field(0, RoleEvent)
	ev := c.parts[0]
	if !ev.param {
		if HasWildcard(ev.text) {
			c.errPart(0, "wildcards are not allowed in %s event names", c.prov.Name)
		} else if !c.prov.isEvent(ev.text) {
			hint := "known events: " + strings.Join(c.prov.EventNames(), ", ")
			c.problem(CodeBadAttachPoint, ev.start, ev.end, hint, "unknown %s event '%s'", c.prov.Name, ev.text)
		}
	}
	if len(c.parts) == 2 {
		c.field(1, RoleCount)
		// "event:" (empty count) means the default count, as documented.
		if t := c.parts[1].text; t != "*" && t != "" {
			c.uint(1, c.prov.Name+" count")
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func parseWatchpoint(c *apContext) {
	if !c.count(3) {
		c.generic()
		return
	}
	c.field(0, RoleAddress)
	c.field(1, RoleLength)
	c.field(2, RoleMode)
	if v, ok := c.uint(0, "watchpoint address"); ok && v == 0 {
		c.errPart(0, "watchpoint address must not be zero")
	}
	if v, ok := c.uint(1, "watchpoint length"); ok && v != 1 && v != 2 && v != 4 && v != 8 {
		c.errPart(1, "watchpoint length must be 1, 2, 4 or 8, found %d", v)
	}
	m := c.parts[2]
	if m.param {
		return
	}
	if m.text == "" {
		c.errSpan(max(m.start-1, 0), m.end, "missing watchpoint mode (a combination of r, w and x)")
		return
	}
	seen := map[rune]bool{}
	for _, r := range m.text {
		if r != 'r' && r != 'w' && r != 'x' {
			c.errPart(2, "watchpoint mode must combine r, w and x, found '%s'", m.text)
			return
		}
		if seen[r] {
			c.errPart(2, "watchpoint mode '%s' repeats '%c'", m.text, r)
			return
		}
		seen[r] = true
	}
}

func parseFentry(c *apContext) {
	n := len(c.parts)
	if n >= 1 && c.parts[0].text == "bpf" && !c.parts[0].quoted {
		c.field(0, RoleModule)
		switch n {
		case 1:
			c.errAll("expected '"+c.prov.Name+":bpf[:prog_id]:prog_name'", "%s:bpf needs a BPF program name", c.prov.Name)
		case 2:
			c.field(1, RoleFunc)
		case 3:
			c.field(1, RoleProgID)
			c.field(2, RoleFunc)
			if t := c.parts[1].text; t != "*" && !c.parts[1].param && !isUint(t) {
				c.errPart(1, "BPF program id must be a number or '*', found '%s'", t)
			}
		default:
			c.count(1, 2, 3)
			for i := 1; i < n; i++ {
				c.field(i, RoleArg)
			}
		}
		return
	}
	switch n {
	case 1:
		c.field(0, RoleFunc)
	case 2:
		c.field(0, RoleModule)
		c.field(1, RoleFunc)
	case 3:
		if !c.param {
			c.errAll("", "only the 'bpf' form of %s takes three fields", c.prov.Name)
		}
		c.generic()
		return
	default:
		c.count(1, 2)
		c.generic()
		return
	}
	if last := c.parts[n-1]; last.text == "" {
		c.errSpan(max(last.start-1, 0), last.end, "missing function name")
	}
}

func parseIter(c *apContext) {
	switch len(c.parts) {
	case 1:
		c.field(0, RoleIterator)
	case 2:
		c.field(0, RoleIterator)
		c.field(1, RolePin)
	default:
		c.count(1, 2)
		c.generic()
		return
	}
	if c.parts[0].text == "" {
		c.errSpan(max(c.parts[0].start-1, 0), c.parts[0].end, "missing iterator name")
	}
	if len(c.parts) == 2 && HasWildcard(c.parts[1].text) {
		c.errPart(1, "wildcards are not allowed in the pin of an iter probe")
	}
}
