package cfront

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/source"
)

// clangJob is one read of C through clang.
type clangJob struct {
	opt      *Options
	u        *Unit
	c        cbuf
	origDir  string // directory of the original file, for "..." includes
	tmp      string
	mainPath string // the temp copy clang reads
	vincDir  string // virtual headers
	stubDir  string // empty stand-ins for missing headers
	pch      string // precompiled header to use, or ""
	pchDir   string // where the precompiled header's source lives
	pchName  string
	noForce  bool // leave out ForceIncludes (building a precompiled header)

	missing  map[string]bool
	files    map[string]*source.File // header texts, for positions
	virtual  map[string]string       // path -> include name, for virtual headers
	deps     map[string]bool         // files clang read (for cache validation)
	mainLen  int                     // length of the C before the trailer
	timeout  time.Duration
	runCount atomic.Int64
	filesMu  sync.Mutex
}

var diagLine = regexp.MustCompile(`^(.+?):(\d+):(\d+): (fatal error|error|warning|note|remark): (.*)$`)
var notFound = regexp.MustCompile(`^'(.+)' file not found`)

// baseArgs are clang's arguments for reading the job's C (not -E).
func (j *clangJob) baseArgs() []string { return j.args(false) }

// args are clang's arguments; forE: for clang -E, which does not read
// precompiled headers. A parameter, not a field of the job: the -E run
// and the AST run build their arguments at the same time.
func (j *clangJob) args(forE bool) []string {
	a := []string{j.opt.Clang, "-x", "c", "-fno-color-diagnostics", "-fno-caret-diagnostics",
		"-fdiagnostics-show-option", "-ferror-limit=200", "-Wno-unknown-attributes"}
	target := j.opt.Target
	if target == "" {
		target = "bpf"
	}
	a = append(a, "-target", target)
	a = append(a, "-D__BPFTRACE__", "-D__TARGET_ARCH_"+hostArch())
	if !j.opt.NoBTF {
		a = append(a, "-DBPFTRACE_HAVE_BTF")
	}
	for _, k := range sortedKeys(j.opt.Defines) {
		if v := j.opt.Defines[k]; v != "" {
			a = append(a, "-D"+k+"="+v)
		} else {
			a = append(a, "-D"+k)
		}
	}
	if j.pchDir != "" {
		a = append(a, "-I", j.pchDir)
	}
	a = append(a, "-I", j.vincDir)
	if j.origDir != "" {
		a = append(a, "-iquote", j.origDir)
	}
	for _, d := range j.opt.IncludeDirs {
		a = append(a, "-I", d)
	}
	for _, d := range j.opt.SystemIncludeDirs {
		a = append(a, "-isystem", d)
	}
	if d := multiarchDir(); d != "" {
		a = append(a, "-isystem", d)
	}
	a = append(a, "-idirafter", j.stubDir)
	if j.pch != "" {
		if forE {
			// -E does not read precompiled headers: skip the header's
			// text through its include guard instead.
			a = append(a, "-D"+j.pchGuard())
		} else {
			a = append(a, "-include-pch", j.pch)
		}
	}
	if !j.noForce {
		for _, inc := range j.opt.ForceIncludes {
			a = append(a, "-include", inc)
		}
	}
	return a
}

func (j *clangJob) run(args []string, stdout io.Writer) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), j.timeout)
	defer cancel()
	j.runCount.Add(1)
	return j.opt.runner().Run(ctx, j.tmp, args, stdout)
}

// setup creates the temp directory with the main file and headers.
func (j *clangJob) setup() error {
	var err error
	j.tmp, err = os.MkdirTemp("", "bt-cfront-")
	if err != nil {
		return err
	}
	j.vincDir = filepath.Join(j.tmp, "include")
	j.stubDir = filepath.Join(j.tmp, "missing")
	for _, d := range []string{j.vincDir, j.stubDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	j.mainPath = filepath.Join(j.tmp, "main.c")
	j.missing = map[string]bool{}
	j.files = map[string]*source.File{}
	j.virtual = map[string]string{}
	j.deps = map[string]bool{}
	for _, name := range sortedKeys(j.opt.VirtualHeaders) {
		if name == j.pchName {
			continue
		}
		p, err := safeJoin(j.vincDir, name)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, j.opt.VirtualHeaders[name], 0o644); err != nil {
			return err
		}
		j.virtual[p] = name
	}
	for _, name := range sortedKeys(j.opt.HeaderFiles) {
		p, err := safeJoin(j.vincDir, name)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		target, err := filepath.Abs(j.opt.HeaderFiles[name])
		if err != nil {
			return err
		}
		if err := os.Symlink(target, p); err != nil {
			return err
		}
	}
	return os.WriteFile(j.mainPath, []byte(j.c.text), 0o644)
}

// safeJoin joins an include name under dir, refusing names that leave it.
func safeJoin(dir, name string) (string, error) {
	p := filepath.Join(dir, filepath.FromSlash(name))
	if !strings.HasPrefix(p, dir+string(filepath.Separator)) {
		return "", fmt.Errorf("cfront: header name %q leaves the include directory", name)
	}
	return p, nil
}

// preprocess runs clang -E -dD, standing in empty headers for missing
// ones (each reported) until everything is found, and returns the
// output.
func (j *clangJob) preprocess() ([]byte, error) {
	for round := 0; ; round++ {
		var out bytes.Buffer
		args := append(j.args(true), "-E", "-dD", j.mainPath)
		stderr, code, err := j.run(args, &out)
		if err != nil {
			return nil, err
		}
		added := false
		if code != 0 && round < 32 {
			for _, line := range strings.Split(string(stderr), "\n") {
				m := diagLine.FindStringSubmatch(line)
				if m == nil || m[4] != "fatal error" {
					continue
				}
				nf := notFound.FindStringSubmatch(m[5])
				if nf == nil || j.missing[nf[1]] {
					continue
				}
				name := nf[1]
				p, err := safeJoin(j.stubDir, name)
				if err != nil {
					continue
				}
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return nil, err
				}
				if err := os.WriteFile(p, nil, 0o644); err != nil {
					return nil, err
				}
				j.missing[name] = true
				lineNo, _ := strconv.Atoi(m[2])
				col, _ := strconv.Atoi(m[3])
				loc := j.locate(m[1], lineNo, col)
				j.u.Diags.Add(diag.Diagnostic{Severity: diag.Error, Code: CodeIncludeNotFound, Location: loc,
					Message: fmt.Sprintf("'%s' file not found", name)})
				added = true
			}
		}
		if !added {
			return out.Bytes(), nil
		}
	}
}

// fileText returns the text of a file clang read, for positions.
func (j *clangJob) fileText(path string) *source.File {
	j.filesMu.Lock()
	defer j.filesMu.Unlock()
	if f, ok := j.files[path]; ok {
		return f
	}
	name := path
	if v, ok := j.virtual[path]; ok {
		name = v
	} else if strings.HasPrefix(path, j.stubDir+string(filepath.Separator)) {
		name = strings.TrimPrefix(path, j.stubDir+string(filepath.Separator))
	} else if j.pchDir != "" && strings.HasPrefix(path, j.pchDir+string(filepath.Separator)) {
		name = strings.TrimPrefix(path, j.pchDir+string(filepath.Separator))
	}
	text, err := os.ReadFile(path)
	if err != nil {
		text = nil
	}
	f := source.NewFile(name, text)
	j.files[path] = f
	return f
}

// isMain reports whether a clang path is the main file.
func (j *clangJob) isMain(path string) bool {
	return path == j.mainPath || path == "main.c" || path == "./main.c"
}

// mainOffset converts a 1-based line and byte column of the temp main
// file to an offset in it.
func (j *clangJob) mainOffset(line, col int) int {
	text := j.c.text
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			return len(text)
		}
		off += i + 1
	}
	return min(off+col-1, len(text))
}

// locate converts clang's path:line:col to a diagnostic location in the
// original text: the script or imported file for the main file, the
// header's own text otherwise. The span covers the token there.
func (j *clangJob) locate(path string, line, col int) diag.Location {
	if j.isMain(path) {
		off := j.mainOffset(line, col)
		end := off
		if t := lex(j.c.text, off, min(len(j.c.text), off+512)); len(t) > 0 && t[0].off == off {
			end = off + len(t[0].text)
		}
		return diag.Location{File: j.u.File, Span: source.Span{Start: source.Pos(j.c.orig(off)), End: source.Pos(j.c.orig(end))}}
	}
	if strings.HasPrefix(path, "<") || path == "" {
		return diag.Location{File: j.u.File, Span: source.Span{Start: 0, End: 0}}
	}
	f := j.fileText(path)
	p := f.LineStart(line) + source.Pos(col-1)
	end := p
	if t := lex(string(f.Text), int(p), min(len(f.Text), int(p)+512)); len(t) > 0 && t[0].off == int(p) {
		end = p + source.Pos(len(t[0].text))
	}
	return diag.Location{File: f, Span: source.Span{Start: p, End: end}}
}

// location converts a clang position to a Location of this package.
func (j *clangJob) location(path string, off int) Location {
	if j.isMain(path) {
		o := j.c.orig(off)
		p := j.u.File.Position(source.Pos(o))
		return Location{File: j.u.File.Name, Offset: p.Offset, Line: p.Line, Col: p.Column}
	}
	f := j.fileText(path)
	p := f.Position(source.Pos(off))
	name := path
	if v, ok := j.virtual[path]; ok {
		name = v
	} else if j.pchDir != "" && strings.HasPrefix(path, j.pchDir+string(filepath.Separator)) {
		name = f.Name
	}
	return Location{File: name, Offset: p.Offset, Line: p.Line, Col: p.Column}
}

var tempLoc = regexp.MustCompile(`(\S*main\.c):(\d+):(\d+)`)

// addClangDiags turns clang's stderr into diagnostics. Notes attach to
// the diagnostic before them; diagnostics in the trailer this package
// appends are dropped.
func (j *clangJob) addClangDiags(stderr []byte) {
	var last *diag.Diagnostic
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	sc.Buffer(make([]byte, 1<<16), 1<<22)
	for sc.Scan() {
		m := diagLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		if j.isMain(m[1]) && j.mainOffset(line, col) >= j.mainLen {
			last = nil
			continue // our trailer
		}
		msg := j.rewriteMessage(m[5])
		loc := j.locate(m[1], line, col)
		if m[4] == "note" {
			if last != nil {
				last.Notes = append(last.Notes, diag.Note{Location: loc, Message: msg})
			}
			continue
		}
		if m[4] == "remark" {
			last = nil
			continue
		}
		sev, code := diag.Error, CodeCError
		if m[4] == "warning" {
			sev, code = diag.Warning, CodeCWarning
		}
		if nf := notFound.FindStringSubmatch(msg); nf != nil {
			code = CodeIncludeNotFound
		}
		j.u.Diags.Add(diag.Diagnostic{Severity: sev, Code: code, Location: loc, Message: msg})
		last = &j.u.Diags[len(j.u.Diags)-1]
	}
}

// rewriteMessage replaces temp paths in a clang message with the
// original names and positions.
func (j *clangJob) rewriteMessage(msg string) string {
	msg = tempLoc.ReplaceAllStringFunc(msg, func(s string) string {
		m := tempLoc.FindStringSubmatch(s)
		if !j.isMain(m[1]) {
			return s
		}
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		l := j.location(j.mainPath, j.mainOffset(line, col))
		return l.String()
	})
	for p, name := range j.virtual {
		msg = strings.ReplaceAll(msg, p, name)
	}
	msg = strings.ReplaceAll(msg, j.stubDir+string(filepath.Separator), "")
	msg = strings.ReplaceAll(msg, j.vincDir+string(filepath.Separator), "")
	return msg
}
