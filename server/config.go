package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Config is the user's configuration of the server. It arrives in
// initializationOptions and in workspace/didChangeConfiguration (older
// clients never answer workspace/configuration, so we never ask).
type Config struct {
	// BTF is a BTF file (raw or a vmlinux ELF) to check against instead
	// of the running kernel's /sys/kernel/btf/vmlinux.
	BTF string `json:"btf"`
	// Clang is the clang binary for the script's C parts and imported C;
	// empty finds clang on PATH, "none" disables it.
	Clang string `json:"clang"`
	// NoKernel checks without any kernel facts (kernel-independent mode).
	NoKernel bool `json:"noKernel"`
	// IncludeDirs are extra include directories for C.
	IncludeDirs []string `json:"includeDirs"`
}

func defaultConfig() Config { return Config{} }

// merge overlays the JSON settings in raw onto c. It accepts the settings
// object itself, or one nested under "bt" (VS Code sends its section),
// and ignores unknown keys.
func (c *Config) merge(raw json.RawMessage) error {
	// Lua clients (Neovim 0.7) encode an empty table as [].
	var empty []any
	if t := strings.TrimSpace(string(raw)); t == "" || t == "null" || (json.Unmarshal(raw, &empty) == nil && len(empty) == 0) {
		return nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return fmt.Errorf("settings must be an object: %v", err)
	}
	if nested, ok := probe["bt"]; ok {
		raw = nested
	}
	// Decode into a copy so a bad value leaves the old config intact.
	next := *c
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return fmt.Errorf("settings must be an object: %v", err)
	}
	set := func(key string, dst any) error {
		v, ok := fields[key]
		if !ok || string(v) == "null" || (len(v) > 0 && v[0] == '{') {
			return nil // absent, or an object handled below
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("setting %q: %v", key, err)
		}
		return nil
	}
	// Accept both the flat names and the VS Code extension's dotted ones.
	for _, e := range []struct {
		keys []string
		dst  any
	}{
		{[]string{"btf"}, &next.BTF},
		{[]string{"clang", "clang.path", "clangPath"}, &next.Clang},
		{[]string{"noKernel", "kernelIndependent"}, &next.NoKernel},
		{[]string{"includeDirs"}, &next.IncludeDirs},
	} {
		for _, k := range e.keys {
			if err := set(k, e.dst); err != nil {
				return err
			}
		}
	}
	if clang, ok := fields["clang"]; ok {
		// {"clang": {"path": "..."}} as the VS Code settings nest it.
		var nested struct {
			Path string `json:"path"`
		}
		if json.Unmarshal(clang, &nested) == nil && nested.Path != "" {
			next.Clang = nested.Path
		}
	}
	*c = next
	return nil
}

func init() {
	register("workspace/didChangeConfiguration", didChangeConfiguration)
}

func didChangeConfiguration(ctx context.Context, s *Server, params json.RawMessage) (any, error) {
	var p struct {
		Settings json.RawMessage `json:"settings"`
	}
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	if len(p.Settings) == 0 || string(p.Settings) == "null" {
		return nil, nil
	}
	s.mu.Lock()
	err := s.config.merge(p.Settings)
	docs := make([]*document, 0, len(s.docs))
	for _, d := range s.docs {
		docs = append(docs, d)
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	// The kernel or C setup may have changed: re-analyse everything open.
	s.analyzer.Reset()
	for _, d := range docs {
		s.setDocument(ctx, d.uri, d.version, d.file.Text, true)
	}
	return nil, nil
}
