package codegen

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/types"
)

// defaultsWithoutText are the defaults of config keys whose documented
// default is a sentence about the build: bt is built without blazesym.
var defaultsWithoutText = map[string]any{
	"use_blazesym":    false,
	"show_debug_info": false,
}

// configValue is the value in effect for a config key, as the config
// builtin reports it: the script's config block, then the command line
// or environment, then the key's default. Bools are bool, integers
// uint64, everything else its text.
func (c *compiler) configValue(k *builtins.ConfigKey) any {
	v, ok := c.config(k.Name)
	if !ok {
		if d, ok := defaultsWithoutText[k.Name]; ok {
			v = d
		} else {
			v = k.Default
		}
	}
	switch k.Type {
	case builtins.ConfigBool:
		b, _ := builtins.BoolValue(v)
		return b
	case builtins.ConfigInt:
		switch x := v.(type) {
		case int64:
			return uint64(x)
		case int:
			return uint64(x)
		case uint64:
			return x
		}
		// a default such as "0 (chosen from the available memory...)"
		f := strings.Fields(fmt.Sprint(v))
		if len(f) > 0 {
			if n, err := strconv.ParseUint(f[0], 0, 64); err == nil {
				return n
			}
		}
		return uint64(0)
	}
	return fmt.Sprint(v)
}

// configCall is the config builtin: the record of the configuration in
// effect, known at compile time and built in scratch memory.
func configCall(b *builder, n ast.Expr, args []ast.Expr) result {
	rec, ok := types.Underlying(b.typeOf(n)).(*types.Record)
	if !ok {
		b.fail(n, "config without a record type")
	}
	off := b.allocResult(rec.Size())
	offs := rec.Offsets()
	img := make([]byte, rec.Size())
	for i, name := range rec.Names {
		k, ok := builtins.LookupConfig(name)
		if !ok {
			b.fail(n, "unknown config key %s", name)
		}
		field := img[offs[i] : offs[i]+rec.Elems[i].Size()]
		switch v := b.c.configValue(k).(type) {
		case bool:
			if v {
				field[0] = 1
			}
		case uint64:
			binary.NativeEndian.PutUint64(field, v)
		case string:
			// truncated to the field, which keeps its terminating NUL
			copy(field[:len(field)-1], v)
		}
	}
	b.storeBytes(off, img, len(img))
	return memAt(off)
}

func init() {
	lowerings["config"] = configCall
}
