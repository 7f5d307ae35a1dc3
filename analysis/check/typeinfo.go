package check

import (
	"fmt"
	"strings"

	"github.com/bt-tools/bt/analysis/types"
)

// TypeinfoStrings gives the two names typeinfo(T) holds, as bpftrace
// v0.26 spells them: base_type, the kind ("int", "pointer", "string",
// "c_type", ...), and full_type, the whole type ("uint32", "int64 *",
// "string[16]", "struct task_struct", "(int64,string[4])"). The compiler
// stores them in the record; btf_id is 0, as in bpftrace.
func TypeinfoStrings(t types.Type) (base, full string) {
	return typeinfoBase(t), typeinfoFull(t)
}

func typeinfoBase(t types.Type) string {
	switch u := types.Underlying(t).(type) {
	case *types.Int, *types.Enum:
		return "int"
	case types.Bool:
		return "bool"
	case types.Void:
		return "void"
	case *types.String:
		return "string"
	case *types.Buffer:
		return "buffer"
	case *types.Pointer:
		return "pointer"
	case *types.Array:
		return "array"
	case *types.Struct:
		return "c_type"
	case *types.Tuple:
		return "tuple"
	case *types.Record:
		return "record"
	case *types.Stack:
		if u.User {
			return "ustack"
		}
		return "kstack"
	case *types.Aggregation:
		return u.Kind.String() + "_t"
	case *types.Opaque:
		return opaqueKindNames[u.Kind]
	}
	return t.String()
}

// opaqueKindNames are bpftrace's names of its opaque kinds.
var opaqueKindNames = map[types.OpaqueKind]string{
	types.Ksym: "ksym_t", types.Usym: "usym_t", types.Username: "username_t",
	types.Inet: "inet", types.MacAddr: "mac_address", types.Timestamp: "timestamp",
	types.CgroupPath: "cgroup_path_t", types.TimestampMode: "timestamp_mode",
}

func typeinfoFull(t types.Type) string {
	switch u := types.Underlying(t).(type) {
	case *types.Int:
		return u.String()
	case *types.Enum:
		return "enum " + u.Name
	case *types.String:
		if u.Len == 0 {
			return "string"
		}
		return fmt.Sprintf("string[%d]", u.Len)
	case *types.Buffer:
		return fmt.Sprintf("buffer[%d]", u.Len)
	case *types.Opaque:
		if u.Kind == types.Inet {
			return fmt.Sprintf("inet[%d]", u.Bytes)
		}
		return opaqueKindNames[u.Kind]
	case *types.Pointer:
		return typeinfoFull(u.Elem) + " *"
	case *types.Array:
		return fmt.Sprintf("%s[%d]", typeinfoFull(u.Elem), u.Len)
	case *types.Tuple:
		parts := make([]string, len(u.Elems))
		for i, e := range u.Elems {
			parts[i] = typeinfoFull(e)
		}
		return "(" + strings.Join(parts, ",") + ")"
	case *types.Record:
		parts := make([]string, len(u.Elems))
		for i, e := range u.Elems {
			parts[i] = "." + u.Names[i] + " = " + typeinfoFull(e)
		}
		return "record { " + strings.Join(parts, ", ") + " }"
	case *types.Aggregation:
		if u.Elem != nil && !u.Elem.Signed && u.Kind != types.AggCount && u.Kind < types.AggHist {
			return "u" + typeinfoBase(u)
		}
		return typeinfoBase(u)
	case types.Bool, types.Void, *types.Stack:
		return typeinfoBase(u)
	}
	return types.Underlying(t).String()
}
