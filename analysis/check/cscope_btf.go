package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cilium/ebpf/btf"

	"github.com/bt-tools/bt/analysis/btftypes"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/types"
)

// BTFUnit is one compiled C file: its source path and the BTF of its
// object.
type BTFUnit struct {
	Path string
	Spec *btf.Spec
}

// NewCScopeFromBTF is the C a program imports as its compiled objects
// describe it: the functions they define (not the externs they call)
// with their signatures, and their named structs, unions, enums and
// typedefs. A warm `bt run` checks against it instead of reading the C
// with clang, when every imported file has an up-to-date object. It
// knows no #define (BTF has none): a script that uses one fails to
// check against it, and the caller then checks with NewCScope.
func NewCScopeFromBTF(units []BTFUnit) CScope {
	s := &btfCScope{types: map[string]types.Type{}, funcs: map[string]*CFunc{}, maps: map[string]*CMap{}}
	for _, u := range units {
		conv := btftypes.New(nil)
		for name, m := range cMapsFromBTF(u.Spec, u.Path, conv) {
			if old, dup := s.maps[name]; dup && (!old.Extern || m.Extern) {
				continue
			}
			s.maps[name] = m
		}
		for t, err := range u.Spec.All() {
			if err != nil {
				break
			}
			switch t := t.(type) {
			case *btf.Func:
				proto, ok := t.Type.(*btf.FuncProto)
				if !ok || t.Linkage == btf.ExternFunc || t.Name == "" {
					continue
				}
				if _, dup := s.funcs[t.Name]; dup {
					continue
				}
				f := &CFunc{Name: t.Name, Result: conv.Convert(proto.Return), Loc: Location{Path: u.Path}}
				for _, p := range proto.Params {
					if p.Type == nil {
						f.Variadic = true // a trailing ... has no type
						continue
					}
					f.Params = append(f.Params, CParam{Name: p.Name, Type: conv.Convert(p.Type)})
				}
				s.funcs[t.Name] = f
			case *btf.Struct, *btf.Union, *btf.Enum, *btf.Typedef:
				name := btfTypeName(t)
				if name == "" {
					continue
				}
				if _, dup := s.types[name]; !dup {
					ct := conv.Convert(t)
					if st, ok := ct.(*types.Struct); ok {
						st.Origin = "c"
					}
					s.types[name] = ct
				}
			}
		}
	}
	for n := range s.types {
		s.names = append(s.names, n)
	}
	for n := range s.funcs {
		s.names = append(s.names, n)
	}
	sort.Strings(s.names)
	return s
}

// btfTypeName is the C spelling a script uses for a named BTF type.
func btfTypeName(t btf.Type) string {
	name := t.TypeName()
	if name == "" {
		return ""
	}
	switch t.(type) {
	case *btf.Struct:
		return "struct " + name
	case *btf.Union:
		return "union " + name
	case *btf.Enum:
		return "enum " + name
	}
	return name
}

type btfCScope struct {
	types map[string]types.Type
	funcs map[string]*CFunc
	maps  map[string]*CMap
	names []string
}

func (s *btfCScope) Type(name string) (types.Type, bool) {
	t, ok := s.types[strings.Join(strings.Fields(name), " ")]
	return t, ok
}
func (s *btfCScope) Func(name string) (*CFunc, bool) { f, ok := s.funcs[name]; return f, ok }
func (s *btfCScope) DefinedByScript(string) bool     { return false } // compiled objects only
func (s *btfCScope) Define(string) (*CDefine, bool)  { return nil, false }
func (s *btfCScope) Names() []string                 { return s.names }
func (s *btfCScope) Map(name string) (*CMap, bool)   { m, ok := s.maps[name]; return m, ok }
func (s *btfCScope) CMaps() []*CMap                  { return sortedCMaps(s.maps) }

// objectUnit adds an imported compiled object's functions and types,
// read from its BTF, to scope.
func (b *cBuilder) objectUnit(scope *cScope, ci CImport) {
	spec, err := btf.LoadSpec(ci.Path)
	if err != nil {
		b.diags.Add(diag.Diagnostic{Severity: diag.Error, Code: CodeImport, Location: ci.At,
			Message: fmt.Sprintf("cannot read the BTF of %s: %v", ci.Path, err)})
		return
	}
	bs := NewCScopeFromBTF([]BTFUnit{{Path: ci.Path, Spec: spec}}).(*btfCScope)
	for name, t := range bs.types {
		if _, dup := scope.types[name]; !dup {
			scope.types[name] = t
		}
	}
	for name, f := range bs.funcs {
		if _, dup := scope.funcs[name]; !dup {
			scope.funcs[name] = f
		}
	}
	for name, m := range bs.maps {
		if old, dup := scope.maps[name]; !dup || old.Extern && !m.Extern {
			scope.maps[name] = m
		}
	}
}
