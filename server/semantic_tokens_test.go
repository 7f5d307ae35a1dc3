package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bt-tools/bt/analysis/source"
)

// decodedToken is one semantic token with absolute position.
type decodedToken struct {
	line, char, length int
	typ                string
	mods               []string
}

func decodeTokens(t *testing.T, data []uint32) []decodedToken {
	t.Helper()
	if len(data)%5 != 0 {
		t.Fatalf("token data length %d", len(data))
	}
	var out []decodedToken
	line, char := 0, 0
	for i := 0; i < len(data); i += 5 {
		if data[i] > 0 {
			line += int(data[i])
			char = int(data[i+1])
		} else {
			char += int(data[i+1])
		}
		d := decodedToken{line: line, char: char, length: int(data[i+2]), typ: tokenTypes[data[i+3]]}
		for b, m := range tokenModifiers {
			if data[i+4]&(1<<b) != 0 {
				d.mods = append(d.mods, m)
			}
		}
		out = append(out, d)
	}
	return out
}

// render writes each token as text:type[.mod...] for comparison.
func renderTokens(text string, toks []decodedToken) string {
	f := source.NewFile("", []byte(text))
	var parts []string
	for _, tk := range toks {
		a := f.PosOf(source.EditorPosition{Line: tk.line, Character: tk.char}, source.UTF16)
		b := f.PosOf(source.EditorPosition{Line: tk.line, Character: tk.char + tk.length}, source.UTF16)
		s := fmt.Sprintf("%s:%s", text[a:b], tk.typ)
		for _, m := range tk.mods {
			s += "." + m
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestSemanticTokens(t *testing.T) {
	c := newClient(t, Options{})
	res := c.initialize(testCaps, nil)
	if res.Capabilities.SemanticTokensProvider == nil {
		t.Fatal("semantic tokens not announced")
	}
	src := `// count reads
macro twice(x) { x * 2 }
kprobe:vfs_read /pid > 100/ {
  $n = twice(arg2);
  @bytes[comm] = sum($n);
  printf("%s\n", curtask->comm);
}
/* two
   lines */
interval:s:1 { print(@bytes); }
`
	c.open(uri1, src, 1)
	var st semanticTokens
	c.mustCall("textDocument/semanticTokens/full", map[string]any{"textDocument": map[string]any{"uri": uri1}}, &st)
	got := renderTokens(src, decodeTokens(t, st.Data))
	want := "// count reads:comment " +
		"macro:keyword twice:macro.declaration x:parameter.declaration x:parameter *:operator 2:number " +
		"kprobe:namespace vfs_read:event /:operator pid:variable.readonly.defaultLibrary >:operator 100:number /:operator " +
		"$n:variable.declaration =:operator twice:macro arg2:variable.readonly.defaultLibrary " +
		"@bytes:variable.declaration comm:variable.readonly.defaultLibrary =:operator sum:function.defaultLibrary $n:variable " +
		"printf:function.defaultLibrary \"%s\\n\":string curtask:variable.readonly.defaultLibrary ->:operator comm:property " +
		"/* two:comment    lines */:comment " +
		"interval:namespace s:keyword 1:number print:function.defaultLibrary @bytes:variable"
	if got != want {
		t.Errorf("tokens:\n got %s\nwant %s", got, want)
	}
	// A range gives the tokens of its lines only, positions still absolute.
	c.mustCall("textDocument/semanticTokens/range", map[string]any{"textDocument": map[string]any{"uri": uri1},
		"range": map[string]any{"start": map[string]any{"line": 9, "character": 0}, "end": map[string]any{"line": 10, "character": 0}}}, &st)
	if got := renderTokens(src, decodeTokens(t, st.Data)); got != "interval:namespace s:keyword 1:number print:function.defaultLibrary @bytes:variable" {
		t.Errorf("range tokens: %s", got)
	}
}
