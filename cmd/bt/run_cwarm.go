package main

import (
	"strings"

	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/check"
	"github.com/bt-tools/bt/codegen/clink"
)

// warmCScope is what a warm start checks imported C against: the BTF of
// the objects clink's cache already holds for every imported file, so
// that neither the checker nor the compiler runs clang. It is nil when
// any file would need clang (not compiled yet, changed, a header, or C
// in the script itself); bt then reads the C with clang as bt check
// does. A program that fails to check against it is checked again the
// usual way, whose diagnostics are the ones reported (BTF has no
// #define, for one).
func warmCScope(files []*ast.File, cimports []check.CImport, comp *clink.Compiler) check.CScope {
	if comp == nil || len(cimports) == 0 {
		return nil
	}
	for _, f := range files {
		for _, d := range f.Decls {
			if _, ok := d.(*ast.CDecl); ok {
				return nil
			}
		}
	}
	var units []check.BTFUnit
	for _, ci := range cimports {
		objPath := ci.Path
		switch {
		case strings.HasSuffix(ci.Path, ".bpf.c"):
			obj, err := comp.Cached(ci.Path)
			if err != nil || obj == nil {
				return nil
			}
			objPath = obj.File
		case strings.HasSuffix(ci.Path, ".bpf.o"):
		default:
			return nil
		}
		spec, err := btf.LoadSpec(objPath)
		if err != nil {
			return nil
		}
		units = append(units, check.BTFUnit{Path: ci.Path, Spec: spec})
	}
	return check.NewCScopeFromBTF(units)
}

// warmCheck checks root against warmCScope when bt run set warmC and
// every imported C file is in the cache; ok is false when it cannot, or
// when the program does not check against the objects (checkProgram
// then reads the C with clang, whose diagnostics are the ones to show).
// --include adds C that only clang reads: no warm start then.
func (c *checker) warmCheck(root *ast.File, files []*ast.File, cimports []check.CImport, cfg check.Config) (*check.Program, bool) {
	if c.warmC == nil || len(c.flags.includeFiles) > 0 {
		return nil, false
	}
	cs := warmCScope(files, cimports, c.warmC)
	if cs == nil {
		return nil, false
	}
	cfg.C = cs
	prog := check.Check([]*ast.File{root}, cfg)
	if prog.Diags.HasErrors() {
		return nil, false
	}
	return prog, true
}
