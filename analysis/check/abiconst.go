package check

import (
	"fmt"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/diag"
	"github.com/bt-tools/bt/analysis/kabi"
	"github.com/bt-tools/bt/analysis/types"
)

// abiConst resolves an identifier no header, define or enum gave a value
// from the kernel's ABI constant table, when the script #includes C:
// the header that would define it is not installed (kernel headers are
// rarely) or lacks it (the UAPI <linux/socket.h> has no AF_INET). A note
// says where the value comes from, once per name and file. ok is false
// when the table does not apply.
func (c *checker) abiConst(x *ast.Ident) (types.Type, bool) {
	if !c.hasCIncl {
		return nil, false
	}
	k, ok := kabi.Lookup(x.Name)
	if !ok {
		return nil, false
	}
	t := defineIntType(k.Value)
	c.info.Consts[x] = k.Value
	c.info.Uses[x] = &Symbol{Kind: SymDefine, Name: x.Name, Type: t, Doc: abiDoc(x.Name, k)}
	key := c.file.Name + "\x00" + x.Name
	if !c.abiNoted[key] {
		if c.abiNoted == nil {
			c.abiNoted = map[string]bool{}
		}
		c.abiNoted[key] = true
		c.report(diag.Info, x, CodeABIConstant, "%s is not defined by the included headers: using the kernel's value %d (%s)", x.Name, k.Value, abiOrigin(x.Name, k))
	}
	return t, true
}

// abiHint is, for an unknown identifier in a script without #include,
// where the kernel defines it.
func abiHint(name string) string {
	k, ok := kabi.Lookup(name)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s is a kernel constant (%d, from <%s>): #include the header that defines it", name, k.Value, k.Header)
}

func abiOrigin(name string, k kabi.Const) string {
	if kabi.Internal(name) {
		return "kernel-internal, from the kernel's " + k.Header
	}
	return "from the kernel UAPI header <" + k.Header + ">"
}

func abiDoc(name string, k kabi.Const) string {
	return fmt.Sprintf("Kernel ABI constant %s = %d (%s).", name, k.Value, abiOrigin(name, k))
}
