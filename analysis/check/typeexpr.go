package check

import (
	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/types"
	"strings"
)

// builtinTypes are the type names bpftrace itself defines.
var builtinTypes = map[string]types.Type{
	"bool":   types.Bool{},
	"int8":   types.Int8,
	"int16":  types.Int16,
	"int32":  types.Int32,
	"int64":  types.Int64,
	"uint8":  types.Uint8,
	"uint16": types.Uint16,
	"uint32": types.Uint32,
	"uint64": types.Uint64,
	"void":   types.Void{},
}

// cTypeNames are C and kernel integer type names resolved without a
// kernel (with one, the kernel's BTF answers first).
var cTypeNames = map[string]types.Type{
	"char": types.Int8, "short": types.Int16, "int": types.Int32, "long": types.Int64,
	"s8": types.Int8, "s16": types.Int16, "s32": types.Int32, "s64": types.Int64,
	"u8": types.Uint8, "u16": types.Uint16, "u32": types.Uint32, "u64": types.Uint64,
	"__s8": types.Int8, "__s16": types.Int16, "__s32": types.Int32, "__s64": types.Int64,
	"__u8": types.Uint8, "__u16": types.Uint16, "__u32": types.Uint32, "__u64": types.Uint64,
	"int8_t": types.Int8, "int16_t": types.Int16, "int32_t": types.Int32, "int64_t": types.Int64,
	"uint8_t": types.Uint8, "uint16_t": types.Uint16, "uint32_t": types.Uint32, "uint64_t": types.Uint64,
	"size_t": types.Uint64, "ssize_t": types.Int64, "pid_t": types.Int32, "uid_t": types.Uint32,
	"gid_t": types.Uint32, "loff_t": types.Int64, "off_t": types.Int64, "dev_t": types.Uint32,
	"umode_t": types.Uint16, "gfp_t": types.Uint32, "sector_t": types.Uint64, "bool_t": types.Bool{},
}

// resolveType turns a written type into a type; nil after an error.
func (c *checker) resolveType(te *ast.TypeExpr) types.Type {
	return c.resolveTypeFor(te, nil)
}

// resolveTypeFor resolves te for a cast of a value of type from, which
// sizes an array written without a length (`(int8[])x`).
func (c *checker) resolveTypeFor(te *ast.TypeExpr, from types.Type) types.Type {
	if te == nil {
		return nil
	}
	var base types.Type
	sized := false // string/buffer/inet take [N] as their size
	switch {
	case te.Typeof != nil:
		base = c.expr(te.Typeof)
	case te.Name != nil:
		name := te.Name.Name
		if name == "" {
			return nil // a type the parser could not read (reported there)
		}
		if te.Keyword == "" && c.macro != nil {
			if ref, ok := c.macro.exprs[name]; ok {
				base = c.macroTypeArg(te.Name, ref)
				break
			}
		}
		switch {
		case te.Keyword == "" && (name == "string" || name == "buffer" || name == "inet"):
			sized = true
		default:
			base = c.namedType(te.Keyword, name, te.Name, true)
		}
	}
	if base == nil && !sized {
		return nil
	}
	for i, s := range te.Suffixes {
		if s.Pointer {
			if sized {
				base = c.sizedBase(te.Name.Name, 0, te)
				sized = false
				if base == nil {
					return nil
				}
			}
			base = &types.Pointer{Elem: base, Space: c.addrSpace()}
			continue
		}
		n := -1
		if s.Len != nil {
			c.expr(s.Len)
			v, ok := c.constOf(s.Len)
			if !ok && c.positionalUnknown(s.Len) {
				v, ok = 0, true // its size is known when the script runs
			}
			if !ok || v < 0 {
				c.errorf(s.Len, CodeNotConstant, "an array length must be a non-negative constant")
				return nil
			}
			n = int(v)
		}
		if sized {
			if n < 0 {
				n = 0
			}
			base = c.sizedBase(te.Name.Name, n, te)
			sized = false
			if base == nil {
				return nil
			}
			continue
		}
		if n < 0 {
			// `T[]`: sized by the cast's operand, only as the last suffix.
			n = 0
			if i == len(te.Suffixes)-1 && from != nil && known(from) && known(base) && base.Size() > 0 {
				sz := from.Size()
				if sz%base.Size() != 0 {
					c.errorf(te, CodeInvalidCast, "cannot size %s[] from %s: %d bytes is not a multiple of %d", typeName(base), typeName(from), sz, base.Size())
					return nil
				}
				n = sz / base.Size()
			}
		}
		if IsUnknown(base) {
			continue
		}
		base = &types.Array{Elem: base, Len: n}
	}
	if sized {
		base = c.sizedBase(te.Name.Name, 0, te)
	}
	if base != nil {
		c.info.Types[te] = base
	}
	return base
}

// sizedBase makes string[n], buffer[n] or inet[n].
func (c *checker) sizedBase(name string, n int, te *ast.TypeExpr) types.Type {
	switch name {
	case "string":
		return &types.String{Len: n}
	case "buffer":
		return &types.Buffer{Len: n}
	case "inet":
		if n == 0 {
			n = 16
		}
		return &types.Opaque{Kind: types.Inet, Bytes: n}
	}
	return nil
}

// addrSpace is the address space of pointers made by casts in the
// current probe.
func (c *checker) addrSpace() types.AddrSpace {
	if c.probe == nil || len(c.probe.providers) == 0 {
		return types.AddrNone
	}
	switch c.probe.providers[0] {
	case "kprobe", "kretprobe", "fentry", "fexit", "tracepoint", "iter", "rawtracepoint":
		return types.AddrKernel
	case "uprobe", "uretprobe", "usdt":
		return types.AddrUser
	}
	return types.AddrNone
}

// userType looks a struct, union, enum or typedef name up in the DWARF of
// the binaries the current uprobe probe attaches to (nil if none has it),
// as bpftrace does for casts and declarations in uprobes.
func (c *checker) userType(full string) types.Type {
	ut, ok := c.cfg.Kernel.(UserTypes)
	if !ok || c.probe == nil || c.probe.info == nil {
		return nil
	}
	for _, ai := range c.probe.info.Attach {
		if len(ai.Binaries) == 0 {
			continue
		}
		if t, ok := ut.UserType(ai.Binaries, full); ok {
			return t
		}
	}
	return nil
}

// namedType resolves a type name: bpftrace's own, the script's C, the
// DWARF of the probe's uprobe binaries, then the kernel. keyword is
// "struct", "union", "enum" or "". With report, an unknown name is an
// error (only when a kernel could have known it).
func (c *checker) namedType(keyword, name string, n ast.Node, report bool) types.Type {
	if keyword == "" {
		if t, ok := builtinTypes[name]; ok {
			return t
		}
	}
	full := name
	if keyword != "" {
		full = keyword + " " + name
	}
	if t, ok := c.cType(full); ok {
		c.recordCType(n, full, t)
		return t
	}
	if t := c.userType(full); t != nil {
		return t
	}
	if c.cfg.Kernel != nil {
		if t, ok := c.cfg.Kernel.Type(full); ok && t != nil {
			c.recordCType(n, full, t)
			return t
		}
	}
	if keyword == "" {
		if t, ok := cTypeNames[name]; ok {
			return t
		}
	}
	if !report {
		return nil
	}
	if c.cfg.Kernel == nil || (c.cfg.C == nil && c.hasCIncl) {
		// Without a kernel (or with C we cannot see) the type may well
		// exist: it is unknown, not wrong.
		return Unknown
	}
	e := c.errorf(n, CodeUnknownType, "Cannot resolve unknown type \"%s\"", full)
	prefix := full
	if len(prefix) > 3 {
		prefix = full[:len(keyword)+min(3, len(name))+boolInt(keyword != "")]
	}
	var names []string
	names = append(names, c.cfg.Kernel.TypeNames(prefix, 200)...)
	if keyword == "" {
		for k := range builtinTypes {
			names = append(names, k)
		}
	}
	c.suggest(e, n, full, names)
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (c *checker) recordCType(n ast.Node, name string, t types.Type) {
	if n == nil {
		return
	}
	c.info.Uses[n] = &Symbol{Kind: SymCType, Name: name, Type: t}
}

// cType looks a type name up in the program's C. A struct, union or enum
// the script's own C defines wins over the kernel's of the same name (as
// in bpftrace); one that only imported C defines does not: there it is
// the C code's view of the kernel's type (often a CO-RE subset with
// preserve_access_index), and the script sees the kernel's whole type.
func (c *checker) cType(full string) (types.Type, bool) {
	if c.cfg.C == nil {
		return nil, false
	}
	t, ok := c.cfg.C.Type(full)
	if !ok || t == nil {
		return nil, false
	}
	if definer, ok := c.cfg.C.(interface{ DefinedByScript(string) bool }); ok && !definer.DefinedByScript(full) &&
		c.cfg.Kernel != nil && isTaggedName(full) {
		if kt, ok := c.cfg.Kernel.Type(full); ok && kt != nil {
			return nil, false
		}
	}
	return t, true
}

// isTaggedName reports whether a type name has a struct, union or enum
// keyword.
func isTaggedName(full string) bool {
	kw, _, _ := strings.Cut(full, " ")
	return kw == "struct" || kw == "union" || kw == "enum"
}
