package scanner

import (
	"strings"
	"testing"
)

func scanAll(src string) ([]Token, []string) {
	var s Scanner
	s.Init([]byte(src))
	var toks []Token
	var errs []string
	for {
		t, e := s.Scan()
		for _, d := range e {
			errs = append(errs, string(d.Code))
		}
		for _, d := range s.LayoutErrs {
			errs = append(errs, string(d.Code))
		}
		s.LayoutErrs = nil
		if t.Kind == EOF {
			return toks, errs
		}
		toks = append(toks, t)
	}
}

func TestTokens(t *testing.T) {
	src := `kprobe $x $12 $# @m @ "s\n" 0x1f 10ms a->b a.0 .. ++ -- += -= *= /= %= &= |= ^= <<= >>= << >> && || == != <= >= < > ! ~ ? : ; , ( ) [ ] { } # + - * / % & | ^ =`
	want := []Kind{IDENT, VARIABLE, POSITIONAL, PARAMCOUNT, MAP, MAP, STRING, INT, INT, IDENT, ARROW, IDENT, IDENT, DOT, INT, DOTDOT,
		INC, DEC, ADD_ASSIGN, SUB_ASSIGN, MUL_ASSIGN, QUO_ASSIGN, REM_ASSIGN, AND_ASSIGN, OR_ASSIGN, XOR_ASSIGN, SHL_ASSIGN, SHR_ASSIGN,
		SHL, SHR, LAND, LOR, EQL, NEQ, LEQ, GEQ, LSS, GTR, NOT, TILD, QUESTION, COLON, SEMI, COMMA,
		LPAREN, RPAREN, LBRACK, RBRACK, LBRACE, RBRACE, HASH, ADD, SUB, MUL, QUO, REM, AND, OR, XOR, ASSIGN}
	toks, errs := scanAll(src)
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	if len(toks) != len(want) {
		t.Fatalf("got %d tokens, want %d: %v", len(toks), len(want), toks)
	}
	for i, tok := range toks {
		if tok.Kind != want[i] {
			t.Errorf("token %d %q: kind %v, want %v", i, src[tok.Pos:tok.End], tok.Kind, want[i])
		}
	}
	if toks[1].Lit != "x" || toks[2].Lit != "12" || toks[4].Lit != "m" || toks[5].Lit != "" || toks[6].Val != "s\n" {
		t.Errorf("literals: %q %q %q %q %q", toks[1].Lit, toks[2].Lit, toks[4].Lit, toks[5].Lit, toks[6].Val)
	}
}

func TestStrings(t *testing.T) {
	for _, c := range []struct {
		src, val, err string
	}{
		{`"plain"`, "plain", ""},
		{`"a\tb\nc\rd\"e\\f"`, "a\tb\nc\rd\"e\\f", ""},
		{`"\101\0\7\377"`, "A\x00\x07\xff", ""},
		{`"\x41\X4a\xf"`, "AJ\x0f", ""},
		{`"\1009"`, "@9", ""},
		{`"\777"`, "\xff", "bad-escape"},
		{`"\x"`, "", "bad-escape"},
		{`"\q"`, "", "bad-escape"},
		{`"abc`, "abc", "unterminated-string"},
		{"\"ab\ncd\"", "ab", "unterminated-string"},
		{`"é✓"`, "é✓", ""},
	} {
		toks, errs := scanAll(c.src)
		if len(toks) == 0 || toks[0].Kind != STRING {
			t.Errorf("%s: no string token", c.src)
			continue
		}
		if toks[0].Val != c.val {
			t.Errorf("%s: value %q, want %q", c.src, toks[0].Val, c.val)
		}
		got := strings.Join(errs, ",")
		if c.err == "" && got != "" || c.err != "" && !strings.Contains(got, c.err) {
			t.Errorf("%s: errors %q, want %q", c.src, got, c.err)
		}
	}
}

func TestParseInt(t *testing.T) {
	for _, c := range []struct {
		lit  string
		val  uint64
		code string
	}{
		{"0", 0, ""},
		{"42", 42, ""},
		{"1_000_000", 1000000, ""},
		{"0x10", 16, ""},
		{"0XfF", 255, ""},
		{"0777", 511, ""},
		{"00", 0, ""},
		{"1e6", 1000000, ""},
		{"5e9", 5000000000, ""},
		{"1e1_0", 10000000000, ""},
		{"2E3", 2000, ""},
		{"1u", 1, ""},
		{"123UL", 123, ""},
		{"1ll", 1, ""},
		{"0xffUL", 255, ""},
		{"1ns", 1, ""},
		{"1us", 1000, ""},
		{"1ms", 1000000, ""},
		{"1s", 1000000000, ""},
		{"1m", 60000000000, ""},
		{"1h", 3600000000000, ""},
		{"1d", 86400000000000, ""},
		{"1e6ms", 1000000000000, ""},
		{"18446744073709551615", 18446744073709551615, ""},
		{"18446744073709551616", 0, "integer-overflow"},
		{"0x10000000000000000", 0, "integer-overflow"},
		{"1e20", 0, "integer-overflow"},
		{"1e19", 10000000000000000000, ""},
		{"4294967296u", 0, "integer-overflow"},
		{"9223372036854775808ll", 0, "integer-overflow"},
		{"1abc", 0, "bad-integer"},
		{"1ulll", 0, "bad-integer"},
		{"1lul", 0, "bad-integer"},
		{"1S", 0, "bad-integer"},
		{"0b101", 0, "bad-integer"},
		{"08", 0, "bad-integer"},
		{"0x", 0, "bad-integer"},
		{"12e4", 0, "bad-integer"},
		{"1e0", 0, "bad-integer"},
		{"1_", 0, "bad-integer"},
		{"5e", 0, "bad-integer"},
	} {
		v, errs := ParseInt(c.lit)
		code := ""
		if len(errs) > 0 {
			code = string(errs[0].Code)
		}
		if code != c.code {
			t.Errorf("%s: code %q, want %q (%v)", c.lit, code, c.code, errs)
			continue
		}
		if c.code == "" && v != c.val {
			t.Errorf("%s = %d, want %d", c.lit, v, c.val)
		}
	}
}

func TestCommentsRecordedOnce(t *testing.T) {
	var s Scanner
	s.Init([]byte("a /* c1 */ b // c2\nc"))
	s.Scan()
	mark := s.Offset()
	s.Scan()
	s.SetOffset(mark) // rescan: comments must not be recorded twice
	s.Scan()
	s.Scan()
	if len(s.Comments) != 2 || s.Comments[0].Text != "/* c1 */" || s.Comments[1].Text != "// c2" {
		t.Fatalf("comments: %+v", s.Comments)
	}
	q := s
	q.Quiet = true
	q.SetOffset(0)
	q.Scan()
	q.Scan()
	if len(s.Comments) != 2 {
		t.Fatal("a quiet copy recorded comments")
	}
}

func TestRawAttachPoint(t *testing.T) {
	for src, want := range map[string]string{
		"kprobe:f {":                     "kprobe:f",
		"kprobe:f,kprobe:g":              "kprobe:f",
		"begin/pid/":                     "begin",
		"uprobe:/bin/sh:f /pred/":        "uprobe:/bin/sh:f",
		`uprobe:"/a b":f{`:               `uprobe:"/a b":f`,
		"kprobe:f;":                      "kprobe:f",
		"uprobe:/usr/lib/*/libc.so:f {":  "uprobe:/usr/lib/*/libc.so:f",
		"begin// comment":                "begin/",
		"begin/*c*/ {":                   "begin/*c*",
		`uprobe:"unterminated`:           `uprobe:"unterminated`,
		"t:syscalls:sys_enter_*\n{":      "t:syscalls:sys_enter_*",
		"w:0x10000000:8:rw\t{":           "w:0x10000000:8:rw",
		"uprobe:/bin/bash@readline.c:36": "uprobe:/bin/bash@readline.c:36",
	} {
		var s Scanner
		s.Init([]byte(src))
		end := s.RawAttachPoint()
		if got := src[:end]; got != want {
			t.Errorf("%q: got %q, want %q", src, got, want)
		}
	}
}

func TestRawC(t *testing.T) {
	src := "#define A(x) \\\n  (x) /* multi\nline */ + 1\nnext"
	var s Scanner
	s.Init([]byte(src))
	if end := s.RawLine(); src[:end] != "#define A(x) \\\n  (x) /* multi\nline */ + 1" {
		t.Errorf("RawLine read %q", src[:end])
	}
	def := "struct s { int a; char b[2]; /* } */ } __attribute__((packed)) ; after"
	s.Init([]byte(def))
	if !s.LooksLikeCDefinition() {
		t.Error("struct s { not a C definition")
	}
	end, errs := s.RawCDefinition()
	if def[:end] != "struct s { int a; char b[2]; /* } */ } __attribute__((packed)) ;" || len(errs) > 0 {
		t.Errorf("RawCDefinition read %q, %v", def[:end], errs)
	}
	for _, notDef := range []string{"struct:probe { }", "struct , x {", "struct x;"} {
		s.Init([]byte(notDef))
		if s.LooksLikeCDefinition() {
			t.Errorf("%q taken for a C definition", notDef)
		}
	}
	td := "typedef struct { int x; } t; rest"
	s.Init([]byte(td))
	if end, errs := s.RawTypedef(); td[:end] != "typedef struct { int x; } t;" || len(errs) > 0 {
		t.Errorf("RawTypedef read %q", td[:end])
	}
}
