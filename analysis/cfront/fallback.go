package cfront

import (
	"sort"
	"strings"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// segment maps buf[bufOff:bufOff+n] to orig[origOff:origOff+n].
type segment struct{ bufOff, origOff, n int }

// cbuf is C text assembled for reading: the script's C declarations one
// after another (each on lines of its own), or a whole file's text. segs
// map buffer offsets back to the original.
type cbuf struct {
	text string
	segs []segment
}

// scriptBuf assembles a script's C parts.
func scriptBuf(decls []CText) cbuf {
	var b strings.Builder
	var segs []segment
	for _, d := range decls {
		segs = append(segs, segment{bufOff: b.Len(), origOff: int(d.Pos), n: len(d.Text)})
		b.WriteString(d.Text)
		b.WriteByte('\n')
		if needsSemicolon(d.Text) {
			// bpftrace ends a script's struct, union or enum definition
			// for the C compiler: `struct S { int x; }` needs no ';'.
			b.WriteString(";\n")
		}
	}
	return cbuf{text: b.String(), segs: segs}
}

// needsSemicolon says whether a script's C definition lacks its closing
// ';'. Comments after the definition do not count; a ';' too many is an
// empty declaration, which C allows, so doubt errs towards adding one.
func needsSemicolon(text string) bool {
	t := strings.TrimSpace(text)
	if t == "" || strings.HasPrefix(t, "#") {
		return false
	}
	for {
		last := t[strings.LastIndexByte(t, '\n')+1:]
		if strings.HasSuffix(t, "*/") {
			if i := strings.LastIndex(t, "/*"); i >= 0 {
				t = strings.TrimSpace(t[:i])
				continue
			}
		} else if i := strings.Index(last, "//"); i >= 0 {
			t = strings.TrimSpace(t[:len(t)-len(last)+i])
			continue
		}
		break
	}
	return t != "" && !strings.HasSuffix(t, ";")
}

func fileBuf(text string) cbuf {
	return cbuf{text: text, segs: []segment{{0, 0, len(text)}}}
}

// orig maps a buffer offset to the original text; offsets between
// segments map to the end of the segment before.
func (c cbuf) orig(off int) int {
	i := sort.Search(len(c.segs), func(i int) bool { return c.segs[i].bufOff > off }) - 1
	if i < 0 {
		if len(c.segs) > 0 {
			return c.segs[0].origOff
		}
		return off
	}
	s := c.segs[i]
	d := off - s.bufOff
	if d > s.n {
		d = s.n
	}
	return s.origOff + d
}

// CText is one piece of a script's C: its text, verbatim, and where it
// starts in the script. ast.CDecl converts with CTextOf.
type CText struct {
	Pos  source.Pos
	Text string
}

// predefinedMacros are the macros the fallback defines before the C:
// bpftrace's own, the BPF target's, and the libbpf annotations that
// .bpf.c files use (empty, as far as declarations are concerned).
func predefinedMacros(opt Options) map[string]*macro {
	defs := []string{
		"__BPFTRACE__ 1",
		"__bpf__ 1", "__BPF__ 1", "__LP64__ 1", "_LP64 1", "__CHAR_BIT__ 8",
		"__SIZEOF_SHORT__ 2", "__SIZEOF_INT__ 4", "__SIZEOF_LONG__ 8", "__SIZEOF_LONG_LONG__ 8",
		"__SIZEOF_POINTER__ 8", "__ORDER_LITTLE_ENDIAN__ 1234", "__ORDER_BIG_ENDIAN__ 4321",
		"__BYTE_ORDER__ __ORDER_LITTLE_ENDIAN__", "__STDC__ 1", "__STDC_VERSION__ 201710L",
		"__GNUC__ 4", "__clang__ 1", "NULL ((void *)0)",
		"SEC(name)", "__ksym", "__kconfig", "__weak __attribute__((weak))", "__hidden",
		"__always_inline inline", "__noinline", "__packed __attribute__((packed))",
		"__aligned(x) __attribute__((aligned(x)))", "__user", "__kernel", "__rcu", "__percpu",
		"__arg_ctx", "__arg_nonnull", "__arg_trusted", "__uint(name, val) int (*name)[val]",
		"__type(name, val) typeof(val) *name", "__array(name, val) typeof(val) *name[]",
		"__TARGET_ARCH_" + hostArch() + " 1",
	}
	if !opt.NoBTF {
		defs = append(defs, "BPFTRACE_HAVE_BTF 1")
	}
	m := map[string]*macro{}
	for _, d := range defs {
		mc, _ := parseDefine(d, 0, len(d))
		mc.builtin = true
		m[mc.name] = mc
	}
	for _, k := range sortedKeys(opt.Defines) {
		v := opt.Defines[k]
		if v == "" {
			v = "1"
		}
		d := k + " " + v
		if mc, ok := parseDefine(d, 0, len(d)); ok {
			mc.builtin = true
			m[mc.name] = mc
		}
	}
	return m
}

// ppOut is what the fallback preprocessor produces.
type ppOut struct {
	toks     []token
	macros   map[string]*macro
	includes []ppInclude
}

type ppInclude struct {
	name   string
	system bool
	off    int
}

type condFrame struct {
	parentActive, taken, sawElse bool
	off                          int
}

// preprocess runs the fallback preprocessor over c.text: directives are
// obeyed (includes recorded, not read), active lines are tokenized and
// macro-expanded.
func preprocess(c cbuf, predefined map[string]*macro, errf func(off int, code diag.Code, format string, args ...any)) ppOut {
	src := c.text
	out := ppOut{macros: map[string]*macro{}}
	for k, v := range predefined {
		out.macros[k] = v
	}
	x := &expander{macros: out.macros}
	active := true
	var stack []condFrame
	var pending []token // code tokens of the current run of lines
	flush := func() {
		if len(pending) > 0 {
			out.toks = append(out.toks, x.expand(pending)...)
			pending = nil
		}
	}
	evalIf := func(toks []token, off int) bool {
		// Expand macros, but not the operand of `defined`.
		var exp []token
		for i := 0; i < len(toks); i++ {
			t := toks[i]
			if t.kind == tIdent && t.text == "defined" {
				exp = append(exp, t)
				if i+1 < len(toks) && toks[i+1].is("(") && i+3 < len(toks) {
					exp = append(exp, toks[i+1], toks[i+2], toks[i+3])
					i += 3
				} else if i+1 < len(toks) {
					exp = append(exp, toks[i+1])
					i++
				}
				continue
			}
			j := i
			for j < len(toks) && !(toks[j].kind == tIdent && toks[j].text == "defined") {
				j++
			}
			exp = append(exp, x.expand(toks[i:j])...)
			i = j - 1
		}
		ev := &evaluator{toks: exp, ppMode: true, defined: func(n string) bool { _, ok := out.macros[n]; return ok }}
		v, err := ev.eval()
		if err != nil {
			errf(off, CodeCError, "invalid #if expression: %v", err)
			return false
		}
		return v.v != 0
	}
	for i := 0; i < len(src); {
		ls, le, next := logicalLine(src, i)
		i = next
		j := ls
		for j < le && (src[j] == ' ' || src[j] == '\t') {
			j++
		}
		if j >= le || src[j] != '#' {
			if active {
				pending = append(pending, lex(src, ls, le)...)
			}
			continue
		}
		flush()
		toks := lex(src, j+1, le)
		if len(toks) == 0 {
			continue // null directive
		}
		dir := toks[0]
		args := toks[1:]
		switch dir.text {
		case "if", "ifdef", "ifndef":
			f := condFrame{parentActive: active, off: dir.off}
			val := false
			if active {
				switch dir.text {
				case "if":
					val = evalIf(args, dir.off)
				case "ifdef", "ifndef":
					if len(args) == 0 || args[0].kind != tIdent {
						errf(dir.off, CodeCError, "#%s needs a macro name", dir.text)
					} else {
						_, def := out.macros[args[0].text]
						val = def == (dir.text == "ifdef")
					}
				}
			}
			f.taken = val
			stack = append(stack, f)
			active = active && val
		case "elif", "elifdef", "elifndef":
			if len(stack) == 0 {
				errf(dir.off, CodeCError, "#%s without #if", dir.text)
				continue
			}
			f := &stack[len(stack)-1]
			if f.sawElse {
				errf(dir.off, CodeCError, "#%s after #else", dir.text)
			}
			if f.taken || !f.parentActive {
				active = false
				continue
			}
			val := false
			switch dir.text {
			case "elif":
				val = evalIf(args, dir.off)
			default:
				if len(args) > 0 {
					_, def := out.macros[args[0].text]
					val = def == (dir.text == "elifdef")
				}
			}
			f.taken = val
			active = val
		case "else":
			if len(stack) == 0 {
				errf(dir.off, CodeCError, "#else without #if")
				continue
			}
			f := &stack[len(stack)-1]
			if f.sawElse {
				errf(dir.off, CodeCError, "#else after #else")
			}
			f.sawElse = true
			active = f.parentActive && !f.taken
			f.taken = true
		case "endif":
			if len(stack) == 0 {
				errf(dir.off, CodeCError, "#endif without #if")
				continue
			}
			active = stack[len(stack)-1].parentActive
			stack = stack[:len(stack)-1]
		default:
			if !active {
				continue
			}
			switch dir.text {
			case "define":
				m, ok := parseDefine(src, dir.off+len(dir.text), le)
				if !ok {
					errf(dir.off, CodeCError, "macro name missing after #define")
					continue
				}
				out.macros[m.name] = m
			case "undef":
				if len(args) > 0 {
					delete(out.macros, args[0].text)
				}
			case "include", "include_next":
				inc, ok := parseIncludeArg(src, args, le)
				if !ok {
					errf(dir.off, CodeCError, "#include expects \"FILENAME\" or <FILENAME>")
					continue
				}
				out.includes = append(out.includes, inc)
			case "error":
				errf(dir.off, CodeCError, "#error %s", collapse(src[dir.off+len(dir.text):le]))
			case "warning":
				errf(dir.off, CodeCWarning, "#warning %s", collapse(src[dir.off+len(dir.text):le]))
			case "pragma", "line", "ident", "sccs":
			default:
				errf(dir.off, CodeCError, "invalid preprocessing directive #%s", dir.text)
			}
		}
	}
	flush()
	for _, f := range stack {
		errf(f.off, CodeCError, "unterminated conditional directive")
	}
	return out
}

func parseIncludeArg(src string, args []token, le int) (ppInclude, bool) {
	if len(args) == 0 {
		return ppInclude{}, false
	}
	a := args[0]
	if a.kind == tString && strings.HasPrefix(a.text, `"`) {
		return ppInclude{name: strings.Trim(a.text, `"`), off: a.off}, true
	}
	if a.is("<") || a.is("<<") || a.is("<=") {
		end := strings.IndexByte(src[a.off:le], '>')
		if end < 0 {
			return ppInclude{}, false
		}
		return ppInclude{name: src[a.off+1 : a.off+end], system: true, off: a.off}, true
	}
	return ppInclude{}, false
}

// logicalLine returns the line starting at i: its extent without the
// newline, and where the next one starts. Backslash-newlines continue a
// line; a block comment that spans lines belongs to the line it starts on.
func logicalLine(src string, i int) (ls, le, next int) {
	ls = i
	j := i
	for j < len(src) {
		c := src[j]
		switch {
		case c == '\n':
			return ls, j, j + 1
		case c == '\\' && j+1 < len(src) && src[j+1] == '\n':
			j += 2
			continue
		case c == '/' && j+1 < len(src) && src[j+1] == '*':
			k := strings.Index(src[j+2:], "*/")
			if k < 0 {
				return ls, len(src), len(src)
			}
			j += k + 4
			continue
		case c == '/' && j+1 < len(src) && src[j+1] == '/':
			for j < len(src) && src[j] != '\n' {
				if src[j] == '\\' && j+1 < len(src) && src[j+1] == '\n' {
					j++
				}
				j++
			}
			continue
		case c == '"' || c == '\'':
			j = scanQuoted(src, j, len(src))
			continue
		}
		j++
	}
	return ls, len(src), len(src)
}

// unitSink fills a Unit from the fallback parser; offsets are buffer
// offsets mapped back through the cbuf.
type unitSink struct {
	u    *Unit
	c    cbuf
	src  string
	file *source.File
}

func (s *unitSink) loc(bufOff int) Location {
	p := s.file.Position(source.Pos(s.c.orig(bufOff)))
	return Location{File: s.file.Name, Offset: p.Offset, Line: p.Line, Col: p.Column}
}

func (s *unitSink) tagDefined(key string, t types.Type, off int) {
	s.u.Types[key] = t
	s.u.TypeLocs[key] = s.loc(off)
}

func (s *unitSink) typedefDefined(name string, t *types.Typedef, off int) {
	s.u.Types[name] = t
	s.u.TypeLocs[name] = s.loc(off)
}

func (s *unitSink) enumConst(name string, v int64, e *types.Enum, off int) {
	s.u.Enumerators[name] = &Enumerator{Name: name, Value: v, Enum: e, Loc: s.loc(off)}
}

func (s *unitSink) declText(start, end int) string {
	if start < 0 || end > len(s.src) || start >= end {
		return ""
	}
	return stripComments(collapse(s.src[start:end]))
}

func (s *unitSink) funcDeclared(f *Func, nameOff, start, end int) {
	f.Loc = s.loc(nameOff)
	f.Decl = s.declText(start, end)
	if old, ok := s.u.Funcs[f.Name]; ok && old.Defined && !f.Defined {
		return // keep the definition's position
	}
	s.u.Funcs[f.Name] = f
}

func (s *unitSink) globalDeclared(g *Global, nameOff, start, end int) {
	g.Loc = s.loc(nameOff)
	g.Decl = s.declText(start, end)
	if old, ok := s.u.Globals[g.Name]; ok && !old.Extern && g.Extern {
		return
	}
	s.u.Globals[g.Name] = g
}

// runFallback reads c with the built-in preprocessor and parser.
func runFallback(u *Unit, c cbuf, opt Options) {
	f := u.File
	errf := func(off int, code diag.Code, format string, args ...any) {
		span := source.Span{Start: source.Pos(c.orig(off)), End: source.Pos(c.orig(off))}
		if off < len(c.text) {
			// Underline the token at off.
			if t := lex(c.text, off, min(len(c.text), off+256)); len(t) > 0 && t[0].off == off {
				span.End = source.Pos(c.orig(off + len(t[0].text)))
			}
		}
		sev := diag.Error
		switch code {
		case CodeCWarning, CodeCUnsupported:
			sev = diag.Warning
		case CodeIncludeNotFollowed:
			sev = diag.Info
		}
		if code == CodeCUnsupported {
			format += " (install clang for full C support)"
		}
		u.Diags.Add(diag.Diagnostic{Severity: sev, Code: code, Location: diag.Location{File: f, Span: span}, Message: sprintf(format, args...)})
	}
	pre := predefinedMacros(opt)
	pp := preprocess(c, pre, errf)
	sink := &unitSink{u: u, c: c, src: c.text, file: f}
	for _, inc := range pp.includes {
		l := sink.loc(inc.off)
		u.Includes = append(u.Includes, Include{Name: inc.name, System: inc.system, Loc: l, Direct: true})
		spelled := `"` + inc.name + `"`
		if inc.system {
			spelled = "<" + inc.name + ">"
		}
		errf(inc.off, CodeIncludeNotFollowed, "#include %s is not read without clang; its types and macros are unknown", spelled)
	}
	sc := newScope()
	for k, v := range builtinTypedefs {
		sc.typedefs[k] = v
	}
	p := &parser{src: c.text, toks: pp.toks, sc: sc, sink: sink, errf: errf}
	p.translationUnit()
	// Defines: the user's macros as they stand at the end.
	x := &expander{macros: pp.macros}
	ident := func(n string) (cval, bool) { v, ok := sc.consts[n]; return v, ok }
	typeName := func(e *evaluator) (types.Type, bool) { return p.typeNameIn(e) }
	for name, m := range pp.macros {
		if m.builtin {
			continue
		}
		d := &Define{Name: name, Loc: sink.loc(m.off)}
		evalDefine(d, m, x, ident, typeName)
		u.Defines[name] = d
	}
}
