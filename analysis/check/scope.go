package check

import "github.com/bt-tools/bt/analysis/ast"

// scope holds the scratch variables of one lexical block. bpftrace
// variables live from their first assignment (or let) to the end of the
// block that contains it.
type scope struct {
	parent *scope
	vars   map[string]*Symbol
	node   ast.Node // the block or probe that opened it
}

func newScope(parent *scope, node ast.Node) *scope {
	return &scope{parent: parent, node: node}
}

// define adds a variable to this scope (the map is made on first use:
// most blocks declare nothing).
func (s *scope) define(name string, sym *Symbol) {
	if s.vars == nil {
		s.vars = map[string]*Symbol{}
	}
	s.vars[name] = sym
}

// lookup finds a variable in this scope or an enclosing one.
func (s *scope) lookup(name string) *Symbol {
	for ; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v
		}
	}
	return nil
}

// visible returns every variable visible from s, innermost first, each
// name once (for completion and did-you-mean).
func (s *scope) visible() []*Symbol {
	seen := map[string]bool{}
	var out []*Symbol
	for ; s != nil; s = s.parent {
		for name, v := range s.vars {
			if !seen[name] {
				seen[name] = true
				out = append(out, v)
			}
		}
	}
	return out
}
