package check

import (
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
