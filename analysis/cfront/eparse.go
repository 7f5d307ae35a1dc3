package cfront

import (
	"bufio"
	"bytes"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bt-tools/bt/analysis/source"
)

// eResult is what `clang -E -dD` output tells: the macros with where
// they are defined, the includes, and the code text (for the trailer that
// makes clang lay out every record).
type eResult struct {
	macros   map[string]*macro
	macroAt  map[string]ePos
	includes []Include
	code     strings.Builder
}

type ePos struct {
	path string
	line int
}

// parsePreprocessed reads clang -E -dD output.
func (j *clangJob) parsePreprocessed(out []byte) *eResult {
	r := &eResult{macros: map[string]*macro{}, macroAt: map[string]ePos{}}
	type frame struct {
		path string
		line int
	}
	var stack []frame
	cur := frame{path: "", line: 1}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<16), 1<<26)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# ") && len(line) > 2 && line[2] >= '0' && line[2] <= '9' {
			// # LINE "FILE" FLAGS
			rest := line[2:]
			sp := strings.IndexByte(rest, ' ')
			if sp < 0 {
				continue
			}
			n, err := strconv.Atoi(rest[:sp])
			if err != nil {
				continue
			}
			rest = rest[sp+1:]
			path, flags := splitMarker(rest)
			switch {
			case hasFlag(flags, "1"):
				stack = append(stack, cur)
				j.noteInclude(r, cur.path, cur.line, path)
				cur = frame{path: path, line: n}
			case hasFlag(flags, "2"):
				for len(stack) > 0 {
					top := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					if top.path == path {
						break
					}
				}
				cur = frame{path: path, line: n}
			default:
				cur = frame{path: path, line: n}
			}
			continue
		}
		switch {
		case strings.HasPrefix(line, "#define "):
			if m, ok := parseDefine(line, len("#define"), len(line)); ok {
				m.builtin = strings.HasPrefix(cur.path, "<")
				m.off = -1
				r.macros[m.name] = m
				r.macroAt[m.name] = ePos{cur.path, cur.line}
			}
		case strings.HasPrefix(line, "#undef "):
			name := strings.TrimSpace(line[len("#undef "):])
			delete(r.macros, name)
			delete(r.macroAt, name)
		case strings.HasPrefix(line, "#pragma"):
		default:
			if !strings.HasPrefix(cur.path, "<") {
				r.code.WriteString(line)
				r.code.WriteByte('\n')
			}
		}
		cur.line++
	}
	return r
}

func splitMarker(s string) (path string, flags []string) {
	if !strings.HasPrefix(s, `"`) {
		return s, nil
	}
	// The file name is a C string literal.
	i := 1
	for i < len(s) && s[i] != '"' {
		if s[i] == '\\' {
			i++
		}
		i++
	}
	lit := s[:min(i+1, len(s))]
	if b, err := unescapeC(strings.Trim(lit, `"`)); err == nil {
		path = string(b)
	}
	if i+1 < len(s) {
		flags = strings.Fields(s[i+1:])
	}
	return path, flags
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

// noteInclude records an #include found when clang entered path from
// includer at line.
func (j *clangJob) noteInclude(r *eResult, includer string, line int, path string) {
	if strings.HasPrefix(includer, "<") || includer == "" || strings.HasPrefix(path, "<") {
		return
	}
	inc := Include{Path: path, Found: true, Followed: true, Direct: j.isMain(includer)}
	if v, ok := j.virtual[path]; ok {
		inc.Name, inc.Path = v, ""
	}
	if strings.HasPrefix(path, j.stubDir+string(filepath.Separator)) {
		inc.Path, inc.Found, inc.Followed = "", false, false
	}
	if j.pchDir != "" && strings.HasPrefix(path, j.pchDir+string(filepath.Separator)) {
		inc.Name, inc.Path = strings.TrimPrefix(path, j.pchDir+string(filepath.Separator)), ""
	}
	// The directive's text gives the name as written and its column.
	var f *source.File
	if j.isMain(includer) {
		f = source.NewFile("main.c", []byte(j.c.text))
	} else {
		f = j.fileText(includer)
	}
	text := f.LineText(line)
	if name, system, col, ok := includeDirective(text); ok {
		inc.Name, inc.System = name, system
		off := int(f.LineStart(line)) + col
		inc.Loc = j.location(includer, off)
	} else {
		inc.Loc = j.location(includer, int(f.LineStart(line)))
		if inc.Name == "" {
			inc.Name = filepath.Base(path)
		}
	}
	r.includes = append(r.includes, inc)
}

// includeDirective parses `#include <x>` or `#include "x"` on one line,
// returning the name and the byte column of its opening delimiter.
func includeDirective(line string) (name string, system bool, col int, ok bool) {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i >= len(line) || line[i] != '#' {
		return "", false, 0, false
	}
	i++
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	for _, kw := range []string{"include_next", "include", "import"} {
		if strings.HasPrefix(line[i:], kw) {
			i += len(kw)
			break
		}
	}
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i >= len(line) {
		return "", false, 0, false
	}
	closer := byte('"')
	if line[i] == '<' {
		closer, system = '>', true
	} else if line[i] != '"' {
		return "", false, 0, false
	}
	end := strings.IndexByte(line[i+1:], closer)
	if end < 0 {
		return "", false, 0, false
	}
	return line[i+1 : i+1+end], system, i, true
}

// layoutTrailer makes clang compute (and so dump) the layout of every
// struct and union defined at file scope: named tags, and typedef names
// of untagged ones. Records nested in them are laid out with them.
func layoutTrailer(code string) string {
	toks := lex(code, 0, len(code))
	seen := map[string]bool{}
	var b strings.Builder
	n := 0
	add := func(expr string) {
		if seen[expr] {
			return
		}
		seen[expr] = true
		b.WriteString("typedef char __bt_layout_" + strconv.Itoa(n) + "[sizeof(" + expr + ") + 1];\n")
		n++
	}
	skipAttrs := func(i int) int {
		for i < len(toks) && toks[i].kind == tIdent && (toks[i].text == "__attribute__" || toks[i].text == "__attribute") {
			i++
			depth := 0
			for i < len(toks) {
				if toks[i].is("(") {
					depth++
				} else if toks[i].is(")") {
					depth--
					if depth == 0 {
						i++
						break
					}
				}
				i++
			}
		}
		return i
	}
	depth := 0
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.is("{"):
			depth++
			continue
		case t.is("}"):
			depth--
			continue
		}
		if t.kind != tIdent {
			continue
		}
		if t.text == "struct" || t.text == "union" {
			k := skipAttrs(i + 1)
			if k < len(toks) && toks[k].kind == tIdent {
				name := toks[k].text
				k = skipAttrs(k + 1)
				if k < len(toks) && toks[k].is("{") {
					add(t.text + " " + name)
				}
			}
			continue
		}
		if t.text == "typedef" && depth == 0 {
			k := i + 1
			for k < len(toks) && toks[k].kind == tIdent && isStorageOrQual(toks[k].text) {
				k++
			}
			if k >= len(toks) || (toks[k].text != "struct" && toks[k].text != "union") {
				continue
			}
			k = skipAttrs(k + 1)
			if k < len(toks) && toks[k].kind == tIdent {
				k = skipAttrs(k + 1)
			}
			if k >= len(toks) || !toks[k].is("{") {
				continue
			}
			d := 0
			for ; k < len(toks); k++ {
				if toks[k].is("{") {
					d++
				} else if toks[k].is("}") {
					d--
					if d == 0 {
						break
					}
				}
			}
			for k++; k < len(toks) && !toks[k].is(";"); k++ {
				if toks[k].kind == tIdent && k+1 < len(toks) && (toks[k+1].is(";") || toks[k+1].is(",")) && !toks[k-1].is("*") {
					add(toks[k].text)
				}
			}
		}
	}
	return b.String()
}
