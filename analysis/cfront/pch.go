package cfront

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/bt-tools/bt/internal/atomicfile"
)

// Large virtual headers (a vmlinux.h of every kernel type is 3-5 MB, and
// its JSON AST 150+ MB) are precompiled once and reused: clang then parses
// only the main file, and its AST dump holds only the main file's
// declarations. The types the main file uses from the header are then
// asked of clang with a small probe file (see probeHeaderTypes).

var guardRe = regexp.MustCompile(`^\s*#\s*ifndef\s+([A-Za-z_]\w*)\s*\n\s*#\s*define\s+([A-Za-z_]\w*)`)

// includeGuard returns the header's include guard macro, or "".
func includeGuard(text []byte) string {
	// Skip leading comments and blank lines.
	s := string(text[:min(len(text), 1<<16)])
	for {
		t := strings.TrimLeft(s, " \t\r\n")
		switch {
		case strings.HasPrefix(t, "//"):
			i := strings.IndexByte(t, '\n')
			if i < 0 {
				return ""
			}
			s = t[i+1:]
			continue
		case strings.HasPrefix(t, "/*"):
			i := strings.Index(t, "*/")
			if i < 0 {
				return ""
			}
			s = t[i+2:]
			continue
		}
		s = t
		break
	}
	m := guardRe.FindStringSubmatch(s)
	if m == nil || m[1] != m[2] {
		return ""
	}
	return m[1]
}

// includesHeader reports whether text has an #include of name.
func includesHeader(text, name string) bool {
	re := regexp.MustCompile(`(?m)^\s*#\s*include\s*[<"]` + regexp.QuoteMeta(name) + `[>"]`)
	return re.MatchString(text)
}

// preparePCH picks the largest virtual header the main file includes that
// is big enough and has an include guard, and makes sure a precompiled
// form of it exists (building it if needed).
func (j *clangJob) preparePCH() error {
	limit := j.opt.PrecompileMin
	if limit < 0 {
		return nil
	}
	if limit == 0 {
		limit = 1 << 20
	}
	best := ""
	for _, name := range sortedKeys(j.opt.VirtualHeaders) {
		text := j.opt.VirtualHeaders[name]
		if len(text) < limit || (best != "" && len(text) <= len(j.opt.VirtualHeaders[best])) {
			continue
		}
		if includeGuard(text) == "" || !includesHeader(j.c.text, name) {
			continue
		}
		best = name
	}
	if best == "" {
		return nil
	}
	text := j.opt.VirtualHeaders[best]
	version, _ := clangVersion(j.opt)
	h := sha256.New()
	fmt.Fprintf(h, "pch-v1\x00%s\x00%s\x00%s\x00", version, j.opt.Clang, best)
	h.Write(text)
	// The flags that change what the header means.
	probe := &clangJob{opt: j.opt, vincDir: "-", stubDir: "-", noForce: true}
	for _, a := range probe.baseArgs() {
		fmt.Fprintf(h, "%s\x00", a)
	}
	key := hex.EncodeToString(h.Sum(nil))[:32]
	base := ""
	if j.opt.CacheDir != "" {
		base = filepath.Join(j.opt.CacheDir, "pch")
	} else {
		base = filepath.Join(os.TempDir(), "bt-cfront-pch-"+strconv.Itoa(os.Getuid()))
	}
	dir := filepath.Join(base, key)
	pch := filepath.Join(dir, "header.pch")
	hdr, err := safeJoin(dir, best)
	if err != nil {
		return err
	}
	if _, err := os.Stat(pch); err == nil {
		if old, err := os.ReadFile(hdr); err == nil && bytes.Equal(old, text) {
			j.pch, j.pchDir, j.pchName = pch, dir, best
			return nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(hdr), 0o755); err != nil {
		return err
	}
	if err := atomicfile.Write(hdr, text); err != nil {
		return err
	}
	// Build into a temp name, then rename: concurrent builders are safe.
	tmpFile, err := os.CreateTemp(dir, "header.pch.*.tmp")
	if err != nil {
		return err
	}
	tmpPCH := tmpFile.Name()
	tmpFile.Close()
	build := &clangJob{opt: j.opt, pchDir: dir, vincDir: dir, stubDir: dir, timeout: j.timeout, noForce: true}
	build.tmp = dir
	args := append(build.baseArgs(), "-x", "c-header", hdr, "-o", tmpPCH)
	var out bytes.Buffer
	stderr, code, err := build.run(args, &out)
	if err != nil {
		return err
	}
	if code != 0 {
		os.Remove(tmpPCH)
		// Not fatal: read the header the ordinary way.
		_ = stderr
		return nil
	}
	if err := os.Rename(tmpPCH, pch); err != nil {
		return err
	}
	j.pch, j.pchDir, j.pchName = pch, dir, best
	return nil
}

// pchGuard is the include guard of the precompiled header, defined for
// `clang -E` (which does not read precompiled headers) so the header's
// text is skipped there too.
func (j *clangJob) pchGuard() string {
	if j.pch == "" {
		return ""
	}
	return includeGuard(j.opt.VirtualHeaders[j.pchName])
}

// probeHeaderTypes asks clang for the types the main file names but the
// precompiled header defines (the AST dump leaves the header out): one
// probe struct per name, laid out with canonical member types.
func (j *clangJob) probeHeaderTypes(b *astBuilder) error {
	typedefs, tags := b.unresolvedNames()
	if len(typedefs) == 0 && len(tags) == 0 {
		return nil
	}
	var src strings.Builder
	n := 0
	type probe struct {
		kind string // "tdptr", "tdval", "tag"
		name string
	}
	probes := map[string]probe{}
	add := func(kind, name, decl string) {
		id := "__bt_probe_" + strconv.Itoa(n)
		n++
		probes["struct "+id] = probe{kind, name}
		fmt.Fprintf(&src, "struct %s { %s; };\ntypedef char %s_l[sizeof(struct %s) + 1];\n", id, decl, id, id)
	}
	for _, name := range typedefs {
		add("tdptr", name, name+" *__bt_f")
		add("tdval", name, name+" __bt_f")
	}
	for _, key := range tags {
		add("tag", key, key+" __bt_f")
	}
	probePath := filepath.Join(j.tmp, "probe.c")
	if err := os.WriteFile(probePath, []byte(src.String()), 0o644); err != nil {
		return err
	}
	args := append(j.baseArgs(), "-fsyntax-only", "-Xclang", "-fdump-record-layouts", "-Xclang", "-fdump-record-layouts-canonical", probePath)
	var out bytes.Buffer
	if _, _, err := j.run(args, &out); err != nil {
		return err
	}
	layouts := map[string]*recLayout{}
	var cur *recLayout
	for _, line := range strings.Split(out.String(), "\n") {
		cur = parseLayoutLine(line, cur, layouts)
	}
	for key, l := range layouts {
		p, isProbe := probes[key]
		if !isProbe {
			b.addDumpRecord(key, l)
			continue
		}
		if len(l.fields) != 1 {
			continue
		}
		spelling := l.fields[0].spelling
		switch p.kind {
		case "tdptr":
			b.typedefs[p.name] = &typedefInfo{node: &jnode{Name: p.name}, ptrSpelling: spelling}
			b.order = append(b.order, p.name)
		case "tag":
			if strings.HasPrefix(p.name, "enum ") {
				b.probedEnums[p.name] = l.size
			}
		}
	}
	return nil
}
