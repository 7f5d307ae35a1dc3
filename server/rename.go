package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/ast"
	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/scanner"
)

func init() {
	register("textDocument/rename", rename)
	register("textDocument/prepareRename", prepareRename)
	capabilityHooks = append(capabilityHooks, func(s *Server, c *serverCapabilities) {
		if s.clientCaps.TextDocument.Rename.PrepareSupport {
			c.RenameProvider = map[string]bool{"prepareProvider": true}
		} else {
			c.RenameProvider = true
		}
	})
}

// sigil returns the prefix a target's name is written with.
func (t *target) sigil() string {
	switch {
	case t.kind == targetMap:
		return "@"
	case t.kind == targetVar:
		if _, ok := t.node.(*ast.Variable); ok {
			return "$"
		}
	}
	return ""
}

// renameRefused is the error for a rename that cannot be done; clients
// show its message.
func renameRefused(format string, args ...any) error {
	return jsonrpc2.Errorf(jsonrpc2.InvalidRequest, format, args...)
}

// prepareRename says whether the name at the cursor can be renamed, and
// which range the editor should select.
func prepareRename(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p docPositionParams
	snap, pos, err := s.snapshotAt(params, &p)
	if err != nil {
		return nil, err
	}
	t := targetAt(snap, pos)
	if t == nil {
		return nil, nil // nothing renameable here
	}
	return map[string]any{
		"range":       lspRange(snap.File, t.node.Span(), s.positionEncoding()),
		"placeholder": t.sigil() + t.name,
	}, nil
}

type renameParams struct {
	docPositionParams
	NewName string `json:"newName"`
}

// rename renames a map, variable, macro or fn everywhere it is used.
func rename(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p renameParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	snap, pos, err := s.snapshotAt(params, &p.docPositionParams)
	if err != nil {
		return nil, err
	}
	t := targetAt(snap, pos)
	if t == nil {
		return nil, renameRefused("there is no map, variable, macro or fn to rename here")
	}
	name, err := validateNewName(t, p.NewName)
	if err != nil {
		return nil, renameRefused("%v", err)
	}
	all := refs(snap, t)
	if err := renameConflict(snap, t, name, all); err != nil {
		return nil, renameRefused("%v", err)
	}
	enc := s.positionEncoding()
	changes := map[protocol.DocumentURI][]protocol.TextEdit{}
	for _, r := range all {
		uri := protocol.DocumentURI(fileURI(snap, r.file))
		changes[uri] = append(changes[uri], protocol.TextEdit{Range: lspRange(r.file.Source, r.node.Span(), enc), NewText: t.sigil() + name})
	}
	return protocol.WorkspaceEdit{Changes: changes}, nil
}

// validateNewName checks a new name against the rules of the target's
// kind and returns it without its sigil.
func validateNewName(t *target, newName string) (string, error) {
	sig := t.sigil()
	name := strings.TrimSpace(newName)
	if sig != "" {
		name = strings.TrimPrefix(name, sig)
	}
	if name == "" {
		return "", fmt.Errorf("the new name is empty")
	}
	if strings.ContainsAny(name[:1], "@$") {
		return "", fmt.Errorf("%q: a %s keeps its %q sigil", newName, t.kindName(), sig)
	}
	if !scanner.IsIdentStart(name[0]) {
		return "", fmt.Errorf("%q is not a valid name: it must start with a letter or '_'", newName)
	}
	for i := 1; i < len(name); i++ {
		if !scanner.IsIdentChar(name[i]) {
			return "", fmt.Errorf("%q is not a valid name: only letters, digits and '_' may follow the first character", newName)
		}
	}
	switch t.kind {
	case targetMacro, targetFn:
		if _, ok := builtins.Lookup(name); ok {
			return "", fmt.Errorf("%q is a builtin", name)
		}
		if isReservedWord(name) {
			return "", fmt.Errorf("%q is a keyword", name)
		}
	case targetVar:
		if sig == "" && isReservedWord(name) {
			return "", fmt.Errorf("%q is a keyword", name)
		}
	}
	return name, nil
}

func (t *target) kindName() string {
	return map[targetKind]string{targetMap: "map", targetVar: "variable", targetMacro: "macro", targetFn: "fn"}[t.kind]
}

func isReservedWord(s string) bool {
	switch s {
	case "if", "else", "while", "for", "unroll", "return", "break", "continue", "let", "import", "macro", "fn",
		"config", "sizeof", "offsetof", "typeof", "typeinfo", "comptime", "true", "false", "struct", "union", "enum":
		return true
	}
	return false
}

// renameConflict refuses a rename that would merge the target with
// another entity of the same name.
func renameConflict(snap *Snapshot, t *target, name string, own []ref) error {
	if name == t.name {
		return nil
	}
	other := &target{kind: t.kind, name: name, scope: t.scope, file: t.file, node: t.node}
	if t.kind == targetVar && t.sym != nil {
		other.sym = nil // any variable of that name in the same item
	}
	if t.kind == targetMacro || t.kind == targetFn {
		for _, f := range snap.Files() {
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.MacroDecl:
					if d.Name != nil && d.Name.Name == name {
						return fmt.Errorf("a macro named %s already exists", name)
					}
				case *ast.FnDecl:
					if d.Name != nil && d.Name.Name == name {
						return fmt.Errorf("a fn named %s already exists", name)
					}
				}
			}
		}
		return nil
	}
	if len(refs(snap, other)) > 0 {
		return fmt.Errorf("%s%s already exists", t.sigil(), name)
	}
	return nil
}
