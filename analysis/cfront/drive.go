package cfront

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

func sourcePos(off int) source.Pos { return source.Pos(off) }

// runClang reads c through clang into u.
func runClangInto(u *Unit, c cbuf, origDir string, opt *Options, deps map[string]bool) error {
	j := &clangJob{opt: opt, u: u, c: c, origDir: origDir, timeout: 2 * time.Minute}
	defer func() {
		for p := range j.deps {
			deps[p] = true
		}
	}()
	if err := j.preparePCH(); err != nil {
		return err
	}
	if err := j.setup(); err != nil {
		if j.tmp != "" {
			os.RemoveAll(j.tmp)
		}
		return err
	}
	defer os.RemoveAll(j.tmp)

	// The declarations, with a trailer that makes clang lay out every
	// record the main file defines so the layout dump has them (records
	// only headers define are laid out by this package's engine unless
	// the main file's records contain them).
	j.mainLen = len(c.text)
	trailer := "\n" + layoutTrailer(c.text)
	if err := os.WriteFile(j.mainPath, []byte(c.text+trailer), 0o644); err != nil {
		return err
	}

	// clang -E (macros, includes) runs beside the AST dump.
	type eres struct {
		out []byte
		err error
	}
	ech := make(chan eres, 1)
	go func() {
		out, err := j.preprocess()
		ech <- eres{out, err}
	}()
	layouts, b, res, perr := j.astRun()
	e := <-ech
	if e.err != nil {
		return e.err
	}
	if len(j.missing) > 0 {
		// The AST run stopped at a missing header; now stand-ins exist.
		layouts, b, res, perr = j.astRun()
	}
	er := j.parsePreprocessed(e.out)
	u.Includes = append(u.Includes, er.includes...)
	for _, inc := range er.includes {
		if inc.Path != "" {
			j.deps[inc.Path] = true
		}
	}
	_ = layouts
	if res.err != nil {
		return res.err
	}
	j.addClangDiags(res.stderr)
	if perr != nil && !u.Diags.HasErrors() {
		return fmt.Errorf("cfront: reading clang's AST: %v (exit %d: %s)", perr, res.code, strings.TrimSpace(string(res.stderr)))
	}
	if !res.sawJSON && res.code != 0 && !u.Diags.HasErrors() {
		return fmt.Errorf("cfront: clang failed (exit %d): %s", res.code, strings.TrimSpace(string(res.stderr)))
	}
	if j.pch != "" {
		if err := j.probeHeaderTypes(b); err != nil {
			return err
		}
	}
	b.buildRecords()
	for _, name := range b.order {
		if t, ok := b.sc.typedef(name); ok {
			ti := b.typedefs[name]
			u.Types[name] = t
			if l := ti.node.Loc.eff(); l.valid() {
				u.TypeLocs[name] = j.location(l.rfile, *l.Offset)
			}
		}
	}
	b.buildRecords() // records first reached through typedefs
	b.buildFuncs()
	b.buildVars()
	b.buildRecords()
	j.buildDefines(er, b)
	return nil
}

type astResult struct {
	stderr  []byte
	code    int
	err     error
	sawJSON bool
}

// astRun runs clang -fsyntax-only with the JSON AST and record layout
// dumps, decoding the output as it streams.
func (j *clangJob) astRun() (map[string]*recLayout, *astBuilder, astResult, error) {
	args := append(j.baseArgs(), "-fsyntax-only", "-Xclang", "-ast-dump=json", "-Xclang", "-fdump-record-layouts", j.mainPath)
	pr, pw := io.Pipe()
	done := make(chan astResult, 1)
	go func() {
		stderr, code, err := j.run(args, pw)
		pw.Close()
		done <- astResult{stderr: stderr, code: code, err: err}
	}()
	layouts := map[string]*recLayout{}
	b := newASTBuilder(j, layouts)
	br := bufio.NewReaderSize(pr, 1<<20)
	sawJSON, perr := readLayouts(br, layouts)
	if perr == nil && sawJSON {
		perr = decodeAST(io.MultiReader(strings.NewReader("{\n"), br), b.add)
		if perr == nil {
			// Layouts may also follow the AST.
			_, perr = readLayouts(br, layouts)
		}
	}
	io.Copy(io.Discard, pr) // let clang finish
	res := <-done
	res.sawJSON = sawJSON
	return layouts, b, res, perr
}

// declText is the main-file source of a declaration from its start to
// end (exclusive), whitespace collapsed, comments dropped.
func (b *astBuilder) declText(start, end int) string {
	text := b.j.c.text
	if start < 0 || end > len(text) || start >= end {
		return ""
	}
	return stripComments(collapse(text[start:end]))
}

func (b *astBuilder) buildFuncs() {
	u := b.j.u
	for _, n := range b.funcs {
		f := &Func{Name: n.Name, Variadic: n.Variadic, Static: n.StorageClass == "static", Inline: n.Inline}
		if ft, ok := b.typeOf(n.Type).(*FuncType); ok {
			f.Result = ft.Result
		} else {
			f.Result = &Unsupported{Spelling: n.Type.QualType}
		}
		end := -1
		for _, c := range n.Inner {
			switch c.Kind {
			case "ParmVarDecl":
				f.Params = append(f.Params, Param{Name: c.Name, Type: b.typeOf(c.Type)})
			case "CompoundStmt":
				f.Defined = true
				if c.Range != nil && c.Range.Begin.eff().valid() {
					end = *c.Range.Begin.eff().Offset
				}
			}
		}
		l := n.Loc.eff()
		f.Loc = b.j.location(l.rfile, *l.Offset)
		if n.Range != nil {
			begin := n.Range.Begin.eff()
			if end < 0 {
				e := n.Range.End.eff()
				if e.valid() {
					end = *e.Offset + e.TokLen
				}
			}
			if begin.valid() {
				f.Decl = b.declText(*begin.Offset, end)
			}
		}
		if old, ok := u.Funcs[f.Name]; ok && old.Defined && !f.Defined {
			continue
		}
		u.Funcs[f.Name] = f
	}
}

func (b *astBuilder) buildVars() {
	u := b.j.u
	for _, n := range b.vars {
		g := &Global{Name: n.Name, Type: b.typeOf(n.Type), Extern: n.StorageClass == "extern", Static: n.StorageClass == "static"}
		if n.Type != nil {
			q := n.Type.QualType
			g.Const = strings.HasSuffix(q, " const") || (strings.HasPrefix(q, "const ") && !strings.Contains(q, "*"))
		}
		for _, a := range n.Inner {
			if a.Kind == "SectionAttr" {
				g.Section = a.SectionName
			}
		}
		l := n.Loc.eff()
		g.Loc = b.j.location(l.rfile, *l.Offset)
		if n.Range != nil {
			begin, e := n.Range.Begin.eff(), n.Range.End.eff()
			if begin.valid() && e.valid() {
				end := *e.Offset + e.TokLen
				// Stop before an initializer.
				if t := b.declText(*begin.Offset, end); t != "" {
					g.Decl = t
					if i := strings.Index(t, " = "); i >= 0 {
						g.Decl = t[:i]
					}
				}
			}
		}
		if old, ok := u.Globals[g.Name]; ok && !old.Extern && g.Extern {
			continue
		}
		u.Globals[g.Name] = g
	}
}

// buildDefines evaluates the macros clang reported.
func (j *clangJob) buildDefines(er *eResult, b *astBuilder) {
	x := &expander{macros: er.macros}
	ident := func(n string) (cval, bool) { v, ok := b.sc.consts[n]; return v, ok }
	p := &parser{sc: b.sc}
	typeName := func(e *evaluator) (types.Type, bool) { return p.typeNameIn(e) }
	for name, m := range er.macros {
		if m.builtin {
			continue
		}
		at := er.macroAt[name]
		d := &Define{Name: name, Loc: j.defineLoc(at, name)}
		evalDefine(d, m, x, ident, typeName)
		j.u.Defines[name] = d
	}
}

// defineLoc finds the macro name on the #define line clang reported.
func (j *clangJob) defineLoc(at ePos, name string) Location {
	var f *source.File
	if j.isMain(at.path) {
		f = source.NewFile("main.c", []byte(j.c.text[:j.mainLen]))
	} else {
		f = j.fileText(at.path)
	}
	start := int(f.LineStart(at.line))
	text := f.LineText(at.line)
	col := 0
	if i := strings.Index(text, "define"); i >= 0 {
		rest := text[i+len("define"):]
		if k := strings.Index(rest, name); k >= 0 {
			col = i + len("define") + k
		}
	}
	return j.location(at.path, start+col)
}
