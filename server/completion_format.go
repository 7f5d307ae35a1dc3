package server

import (
	"strings"

	"go.lsp.dev/protocol"

	"github.com/bt-tools/bt/analysis/builtins"
	"github.com/bt-tools/bt/analysis/scanner"
	"github.com/bt-tools/bt/analysis/source"
)

// formatVerbs completes a conversion after '%' in the format string of
// printf and the other formatting functions: toks are the tokens up to
// the cursor, the last one the unterminated or enclosing string. It
// reports whether the cursor was in such a place.
func (c *completer) formatVerbs(toks []scanner.Token) bool {
	n := len(toks)
	if n < 3 {
		return false
	}
	str := toks[n-1]
	if str.Kind != scanner.STRING || !(str.Pos < c.pos && (c.pos < str.End || !closedString(str.Lit))) {
		return false
	}
	if toks[n-2].Kind != scanner.LPAREN || toks[n-3].Kind != scanner.IDENT || !takesFormat(toks[n-3].Lit) {
		return false
	}
	// The text of the string before the cursor must end in a conversion
	// being written: '%', then flags, width, precision and length.
	text := string(c.snap.File.Text[str.Pos+1 : c.pos])
	i := strings.LastIndexByte(text, '%')
	if i < 0 || percentEscaped(text[:i]) {
		return false
	}
	spec := text[i+1:]
	j := len(spec)
	for j > 0 && strings.IndexByte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", spec[j-1]) >= 0 && strings.IndexByte("hlLjzt", spec[j-1]) < 0 {
		j--
	}
	if strings.Trim(spec[:j], "-+ #0123456789.*hlLjzt") != "" {
		return false // not a conversion being written
	}
	start := c.pos - source.Pos(len(spec)-j)
	typed := spec[j:]
	for _, v := range builtins.FormatVerbs {
		if !v.Supported || !strings.HasPrefix(v.Conv, typed) {
			continue
		}
		c.add(completionItem{
			Label:         "%" + spec[:j] + v.Conv,
			Kind:          protocol.CompletionItemKindValue,
			Detail:        v.Arg.String(),
			FilterText:    v.Conv,
			SortText:      "0" + v.Conv,
			TextEdit:      c.edit(start, v.Conv),
			Documentation: c.doc(v.Doc),
		})
	}
	return true
}

// takesFormat reports whether the builtin name's first parameter is a
// format string.
func takesFormat(name string) bool {
	b, ok := builtins.Lookup(name)
	if !ok {
		return false
	}
	for _, sig := range b.Variants {
		if len(sig.Params) > 0 && sig.Params[0].Type.Pattern == builtins.FormatString {
			return true
		}
	}
	return false
}

// closedString reports whether a string token as written has its
// closing quote.
func closedString(lit string) bool {
	if len(lit) < 2 || !strings.HasSuffix(lit, `"`) {
		return false
	}
	// An odd number of backslashes before the last quote escapes it.
	k := 0
	for i := len(lit) - 2; i >= 1 && lit[i] == '\\'; i-- {
		k++
	}
	return k%2 == 0
}

// percentEscaped reports whether a '%' following s is the second of
// "%%" (an odd run of '%' before it).
func percentEscaped(s string) bool {
	k := 0
	for i := len(s) - 1; i >= 0 && s[i] == '%'; i-- {
		k++
	}
	return k%2 == 1
}
