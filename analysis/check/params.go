package check

import (
	"strconv"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/source"
	"github.com/bt-tools/bt/analysis/types"
)

// NamedParam is one command-line option a script reads with getopt().
type NamedParam struct {
	Name string
	// Default is the default value: bool, int64 or string.
	Default any
	Type    types.Type
	Doc     string // the optional description
	Node    *ast.CallExpr
	File    *source.File
}

// paramState collects positional and named parameters during a walk.
type paramState struct {
	maxPositional int
	count         bool
	named         []*NamedParam
	byName        map[string]*NamedParam
}

func (p *paramState) reset() {
	*p = paramState{byName: map[string]*NamedParam{}}
}

func (p *paramState) usePositional(x *ast.PositionalParam) {
	if x.Count {
		p.count = true
		return
	}
	if x.N > p.maxPositional {
		p.maxPositional = x.N
	}
}

// useGetopt records getopt("name", default[, "description"]).
func (p *paramState) useGetopt(c *checker, x *ast.CallExpr, args []argInfo) {
	if len(args) == 0 {
		return
	}
	nameLit, ok := ast.Unparen(args[0].x).(*ast.StringLit)
	if !ok {
		return
	}
	np := &NamedParam{Name: nameLit.Value, Node: x, File: c.file}
	np.Default, np.Type = false, types.Bool{}
	if len(args) > 1 {
		switch v := ast.Unparen(args[1].x).(type) {
		case *ast.StringLit:
			np.Default, np.Type = v.Value, &types.String{Len: c.maxStr}
		case *ast.BoolLit:
			np.Default = v.Value
		default:
			if n, ok := c.constOf(args[1].x); ok {
				np.Default = n
				if n < 0 {
					np.Type = types.Int64
				} else {
					np.Type = types.Uint64
				}
			}
		}
	}
	if len(args) > 2 {
		if d, ok := ast.Unparen(args[2].x).(*ast.StringLit); ok {
			np.Doc = d.Value
		}
	}
	if prev := p.byName[np.Name]; prev != nil {
		if !sameKind(prev.Type, np.Type) {
			e := c.errorf(args[1%len(args)].x, CodeGetoptConflict, "option %s is read as %s here but as %s elsewhere",
				np.Name, typeName(np.Type), typeName(prev.Type))
			noteAt(e, prev.File, prev.Node, "first read here")
		}
		return
	}
	p.byName[np.Name] = np
	p.named = append(p.named, np)
}

func (p *paramState) publish(prog *Program) {
	prog.Positional = p.maxPositional
	prog.UsesParamCount = p.count
	prog.NamedParams = nil
	for _, np := range p.named {
		prog.NamedParams = append(prog.NamedParams, *np)
	}
}

// positional checks $N or $#: with values from the command line it is
// the constant bpftrace will see, an integer or a string (bpftrace reads
// a parameter that is a number as an integer, anything else as a
// string); without them an int64 of unknown value.
func (c *checker) positional(x *ast.PositionalParam) types.Type {
	c.params.usePositional(x)
	if !c.cfg.HasPositional {
		if x.Count {
			return types.Uint64
		}
		return types.Int64
	}
	if x.Count {
		c.info.Consts[x] = int64(len(c.cfg.Positional))
		return types.Uint64
	}
	val := ""
	if x.N >= 1 && x.N <= len(c.cfg.Positional) {
		val = c.cfg.Positional[x.N-1]
	}
	if val == "" {
		c.info.Consts[x] = 0
		return types.Int64
	}
	if v, ok := positionalInt(val); ok {
		c.info.Consts[x] = v
		return types.Int64
	}
	c.info.Strings[x] = val
	return &types.String{Len: len(val) + 1}
}

// positionalInt reads a positional parameter's value as bpftrace does
// when it is a number: decimal, 0x hexadecimal or 0 octal, with a sign.
func positionalInt(s string) (int64, bool) {
	t := strings.TrimPrefix(s, "-")
	if t == "" || t[0] < '0' || t[0] > '9' {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		if u, uerr := strconv.ParseUint(s, 0, 64); uerr == nil {
			return int64(u), true
		}
		return 0, false
	}
	return v, true
}

// positionalUnknown reports whether x is not a known constant only
// because it reads positional parameters whose values were not given.
func (c *checker) positionalUnknown(x ast.Expr) bool {
	if c.cfg.HasPositional || x == nil {
		return false
	}
	found := false
	ast.Inspect(x, func(n ast.Node) bool {
		if _, ok := n.(*ast.PositionalParam); ok {
			found = true
		}
		return !found
	})
	return found
}
