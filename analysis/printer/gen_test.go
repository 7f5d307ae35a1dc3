package printer

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// scriptGen writes random, syntactically valid bpftrace scripts with
// random layout: comments of both kinds and blank lines between tokens,
// long names and argument lists that need breaking, nesting that
// exhausts the width budget. It drives the comparison with bpftrace's
// formatter and the round-trip checks beyond the hand-written scripts.
type scriptGen struct {
	r     *rand.Rand
	sb    strings.Builder
	depth int
	loop  int // inside while/for/unroll
	inFn  bool
	// maxDepth bounds expression nesting (6 when zero).
	maxDepth int
	// comments numbers the comments so that each can be told apart.
	comments int
}

var genWords = []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"}

// sep writes the layout between two tokens: usually one space,
// sometimes a newline, a blank line or a comment.
func (g *scriptGen) sep() {
	switch n := g.r.Intn(40); {
	case n < 28:
		g.sb.WriteByte(' ')
	case n < 32:
		g.sb.WriteByte('\n')
	case n < 33:
		g.sb.WriteString("\n\n")
	case n < 36:
		g.comments++
		fmt.Fprintf(&g.sb, " // c%d %s\n", g.comments, genWords[g.r.Intn(8)])
	case n < 38:
		g.comments++
		fmt.Fprintf(&g.sb, " /* c%d */ ", g.comments)
	default:
		g.comments += 2
		fmt.Fprintf(&g.sb, "\n/* c%d\n * c%d\n */\n", g.comments-1, g.comments)
	}
}

// t writes tokens, each after a separator.
func (g *scriptGen) t(toks ...string) {
	for _, tok := range toks {
		g.sep()
		g.sb.WriteString(tok)
	}
}

func (g *scriptGen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }

func (g *scriptGen) name() string {
	n := genWords[g.r.Intn(len(genWords))]
	if g.r.Intn(6) == 0 {
		n += "_with_a_rather_long_name"
	}
	return n
}

func (g *scriptGen) variable() string { return "$" + g.name() }

func (g *scriptGen) primary() {
	switch g.r.Intn(14) {
	case 0:
		g.t(g.pick("0", "1", "42", "0x10", "1_000", "10ms", "1e3", "5u"))
	case 1:
		g.t(fmt.Sprintf("%q", g.pick("", "x", "hello world", "tab\there", "a longer string literal for breaking")))
	case 2:
		g.t(g.pick("pid", "tid", "comm", "nsecs", "arg0", "retval", "true", "false", "$1", "cpu"))
	case 3, 4:
		g.t(g.variable())
	case 5:
		g.t("@"+g.name(), "[")
		g.expr()
		if g.r.Intn(2) == 0 {
			g.t(",")
			g.expr()
		}
		g.t("]")
	case 6:
		g.call()
	case 7:
		g.t(g.variable(), ".", g.name())
	case 8:
		g.t("(")
		g.expr()
		g.t(",")
		g.expr()
		g.t(")")
	case 9:
		g.t("(", g.pick("uint64", "int8", "struct task_struct *", "int32[4]"), ")")
		g.primary()
	case 10:
		g.t("(", g.name(), "=")
		g.expr()
		g.t(",", g.name()+"x", "=")
		g.expr()
		g.t(")")
	case 11:
		g.t("(")
		g.expr()
		g.t(")")
	case 12:
		g.t(g.variable(), "[")
		g.expr()
		g.t("]")
	default:
		g.t("sizeof", "(", g.pick("int32", "struct task_struct", "$x"), ")")
	}
}

func (g *scriptGen) call() {
	g.t(g.pick("f", "count", "str", "printf", "max", "some_helper_function"), "(")
	n := g.r.Intn(4)
	if g.r.Intn(5) == 0 {
		n = 4 + g.r.Intn(12)
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			g.t(",")
		}
		g.expr()
	}
	g.t(")")
}

var genBinops = []string{"+", "-", "*", "%", "&", "|", "^", "<<", ">>", "==", "!=", "<", "<=", ">", ">=", "&&", "||"}

func (g *scriptGen) expr() {
	g.depth++
	defer func() { g.depth-- }()
	if g.depth > 6 || g.maxDepth > 0 && g.depth > g.maxDepth {
		g.primary()
		return
	}
	switch g.r.Intn(10) {
	case 0, 1, 2:
		g.primary()
	case 3, 4, 5:
		g.expr()
		g.t(genBinops[g.r.Intn(len(genBinops))])
		g.expr()
	case 6:
		g.t(g.pick("!", "-", "~"))
		g.primary()
	case 7:
		g.expr()
		g.t("?")
		g.expr()
		g.t(":")
		g.expr()
	case 8:
		// A value that starts with `if` or `{` would read as a statement.
		g.t("{")
		g.stmt()
		g.t("(")
		g.expr()
		g.t(")", "}")
	default:
		g.t("if", "(")
		g.expr()
		g.t(")", "{")
		g.expr()
		g.t("}", "else", "{")
		g.expr()
		g.t("}")
	}
}

func (g *scriptGen) block() {
	g.t("{")
	for i, n := 0, g.r.Intn(4); i < n; i++ {
		g.stmt()
	}
	g.t("}")
}

func (g *scriptGen) stmt() {
	g.depth++
	defer func() { g.depth-- }()
	n := g.r.Intn(14)
	if g.depth > 4 && n > 7 {
		n = 0
	}
	switch n {
	case 0, 1:
		g.t(g.variable(), g.pick("=", "+=", "-=", "<<="))
		g.expr()
		g.t(";")
	case 2:
		g.t("@"+g.name(), "[")
		g.expr()
		g.t("]", "=")
		g.expr()
		g.t(";")
	case 3:
		g.t("let", g.variable())
		if g.r.Intn(2) == 0 {
			g.t(":", g.pick("int64", "string", "uint8[4]"))
		}
		g.t("=")
		g.expr()
		g.t(";")
	case 4:
		g.call()
		g.t(";")
	case 5:
		g.t("printf", "(", `"%d %s %d\n"`)
		for i, n := 0, 1+g.r.Intn(8); i < n; i++ {
			g.t(",")
			g.expr()
		}
		g.t(")", ";")
	case 6:
		g.t(g.variable(), g.pick("++", "--"), ";")
	case 7:
		if g.loop > 0 {
			g.t(g.pick("break", "continue"), ";")
		} else if g.inFn {
			g.t("return")
			g.expr()
			g.t(";")
		} else {
			g.t("exit", "(", ")", ";")
		}
	case 8, 9:
		g.t("if", "(")
		g.expr()
		g.t(")")
		g.block()
		for g.r.Intn(3) == 0 {
			g.t("else", "if", "(")
			g.expr()
			g.t(")")
			g.block()
		}
		if g.r.Intn(2) == 0 {
			g.t("else")
			g.block()
		}
	case 10:
		g.loop++
		g.t("while", "(", g.variable(), "<", "10", ")")
		g.block()
		g.loop--
	case 11:
		g.loop++
		if g.r.Intn(2) == 0 {
			g.t("for", g.variable(), ":", "@"+g.name())
		} else {
			g.t("for", "(", g.variable(), ":", "0", "..", g.pick("10", "$n"), ")")
		}
		g.block()
		g.loop--
	case 12:
		g.t("unroll", "(", g.pick("3", "2 + 1"), ")")
		g.block()
	default:
		g.t("{")
		g.stmt()
		g.t("}")
	}
}

func (g *scriptGen) script() string {
	g.sb.Reset()
	if g.r.Intn(3) == 0 {
		g.sb.WriteString("config = {")
		g.t("max_map_keys", "=", "100", ";", "missing_probes", "=", "warn", "}")
		g.sb.WriteByte('\n')
	}
	for i, n := 0, 1+g.r.Intn(5); i < n; i++ {
		switch g.r.Intn(6) {
		case 0:
			g.t("macro", g.name(), "(", g.variable(), ",", g.name()+"_arg", ")", "{")
			g.stmt()
			g.t("(")
			g.expr()
			g.t(")", "}")
		case 1:
			g.inFn = true
			g.t("fn", g.name(), "(", g.variable(), ":", "int64", ")", ":", "int64")
			g.block()
			g.inFn = false
		case 2:
			g.t("let", "@"+g.name()+"_decl", "=", "hash", "(", "100", ")", ";")
		default:
			aps := []string{"BEGIN", "kprobe:vfs_read", "tracepoint:syscalls:sys_enter_openat", "uprobe:/bin/bash:readline", "interval:s:1"}
			g.sep()
			g.sb.WriteString(aps[g.r.Intn(len(aps))])
			for g.r.Intn(3) == 0 {
				g.sb.WriteString(",")
				g.sep()
				g.sb.WriteString(aps[g.r.Intn(len(aps))])
			}
			if g.r.Intn(2) == 0 {
				g.sb.WriteString(" /")
				g.expr()
				g.t("/")
			}
			g.block()
		}
		g.sb.WriteByte('\n')
	}
	return g.sb.String()
}

// genScripts returns n random scripts from a fixed seed.
func genScripts(n int, seed int64) []string {
	g := &scriptGen{r: rand.New(rand.NewSource(seed))}
	out := make([]string, n)
	for i := range out {
		out[i] = g.script()
	}
	return out
}

// TestRoundTripGenerated checks the printer's promises on generated
// scripts.
func TestRoundTripGenerated(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 50
	}
	checked := 0
	for i, src := range genScripts(n, 1) {
		if checkRoundTrip(t, fmt.Sprintf("generated #%d", i), []byte(src)) {
			checked++
		} else if i < 5 {
			f, diags := parse(t, "gen", []byte(src))
			_ = f
			t.Logf("generated #%d does not parse:\n%s\n%s", i, src, render(diags))
		}
	}
	t.Logf("%d of %d generated scripts parse and round-trip", checked, n)
	if checked < n*9/10 {
		t.Errorf("only %d of %d generated scripts parse: the generator is wrong", checked, n)
	}
}
