package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// What bt run prints for values whose printing depends on their type,
// as bpftrace v0.26 prints the same scripts on this machine (each case
// was run through both).
func TestRunOutputMatchesBpftrace(t *testing.T) {
	needRootRun(t)
	for _, tc := range []struct {
		name, script string
		args         []string // before -e
		want         string
	}{
		{"enum printf", `enum Foo { ONE = 1, TWO = 2, OTHER = 99999 }; begin { $t = TWO; @o = OTHER; $x = 7; printf("%d %s|%-5s|%5s|%s %s\n", ONE, ONE, ONE, $t, @o, (enum Foo)$x); exit() }`,
			nil, "1 ONE|ONE  |  TWO|OTHER 7\n\n\n@o: OTHER\n"},
		{"enum maps", `enum { ONE = 1, TWO = 2 }; begin { @k[ONE, TWO] = 1; @v = TWO; @t = (ONE, TWO); @n[ONE + 1] = TWO - 1; $z = ONE; $z = 2; print($z); $e = TWO; print($e); exit() }`,
			[]string{"-q"}, "2\nTWO\n\n\n@k[ONE, TWO]: 1\n@n[2]: 1\n@t: (ONE, TWO)\n@v: TWO\n"},
		{"enum json", `enum Foo { ONE = 1 }; begin { printf("%s\n", ONE); @v = ONE; exit() }`,
			[]string{"-q", "-f", "json"}, "{\"type\": \"printf\", \"data\": \"ONE\\n\"}\n{\"type\": \"map\", \"data\": {\"@v\": 1}}\n"},
		// A scalar map's element exists once written: cleared, deleted
		// or never written, the map prints nothing; zeroed, it prints 0.
		{"scalar map presence", `begin { @c = count(); clear(@c); @d = 4; delete(@d); if (pid == 0) { @n = 1; } @z = sum(3); zero(@z); @y = 2; @y++; exit() }`,
			[]string{"-q"}, "\n\n@y: 3\n@z: 0\n"},
		// str() of a literal or positional parameter is folded, its
		// length counting characters; str($1) of a number is its text.
		{"str of constants", `begin { $s = str("abcdef", 3); printf("%s|%s|%s|%s|%s|%s|\n", $s, str("ab", 5), str($1), str($1, 2), str($2), str($3)); exit() }`,
			[]string{"-q"}, "abc|ab|12345|12|xy||\n\n\n"},
		{"kernel enum size", `begin { printf("%d\n", sizeof(BTF_VAR_STATIC)); exit() }`, []string{"-q"}, "8\n\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"run"}, tc.args...), "-e", tc.script, "12345", "xy")
			code, out, errOut := run(t, "", args...)
			if code != 0 || out != tc.want {
				t.Errorf("exit %d, stdout %q, want %q (stderr %q)", code, out, tc.want, errOut)
			}
		})
	}
}

// BPFTRACE_DUMMY_TS_MAP makes tseries() read the time from a map.
func TestRunTseriesClockMap(t *testing.T) {
	needRootRun(t)
	t.Setenv("BPFTRACE_DUMMY_TS_MAP", "@ts")
	local := time.Local
	time.Local = time.UTC // the times print in local time
	defer func() { time.Local = local }()
	code, out, errOut := run(t, "", "run", "-q", "-e", `begin { @ts = (uint64)0; $i = 0; while ($i < 4) { @a = tseries(10 + $i, 100ms, 3, "max"); @ts += 100000000; $i++; } delete(@ts); exit(); }`)
	line := "|" + strings.Repeat(" ", 51) + "|"
	want := "\n\n@a:\n" +
		strings.Repeat(" ", 13) + "11" + strings.Repeat(" ", 19) + strings.Repeat(" ", 30) + "13\n" +
		"hh:mm:ss.ms  |" + strings.Repeat("_", 51) + "|\n" +
		"00:00:00.100 *" + line[1:] + " 11\n" +
		"00:00:00.200 " + line[:26] + "*" + line[27:] + " 12\n" +
		"00:00:00.300 " + line[:52] + "* 13\n" +
		strings.Repeat(" ", 12) + " v" + strings.Repeat("_", 51) + "v\n" +
		strings.Repeat(" ", 13) + "11" + strings.Repeat(" ", 19) + strings.Repeat(" ", 30) + "13\n\n"
	if code != 0 || out != want {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s\n(stderr %q)", code, out, want, errOut)
	}
}

// A string that fills max_strlen was cut short: it prints with the
// truncation trailer (str_trunc_trailer, ".." by default), wherever it
// is printed.
func TestRunStringTruncation(t *testing.T) {
	needRootRun(t)
	t.Setenv("BPFTRACE_MAX_STRLEN", "5")
	script := `begin { printf("%s|%-8s|%s|%s\n", str(comm), str(comm), comm, str(comm, 3)); @k[str(comm)] = (str(comm), 1); exit() }`
	b, err := os.ReadFile("/proc/self/comm")
	comm := strings.TrimSpace(string(b))
	if err != nil || len(comm) < 6 {
		t.Skipf("this process's comm %q is too short to be cut at 5 (%v)", comm, err)
	}
	for _, tc := range []struct{ trailer, want string }{
		{"", fmt.Sprintf("%[1]s..|%[1]s.. |%[2]s|%[3]s\n\n\n@k[%[1]s..]: (%[1]s.., 1)\n", comm[:5], comm, comm[:2])},
		{"_x", fmt.Sprintf("%[1]s_x|%[1]s_x |%[2]s|%[3]s\n\n\n@k[%[1]s_x]: (%[1]s_x, 1)\n", comm[:5], comm, comm[:2])},
	} {
		if tc.trailer != "" {
			t.Setenv("BPFTRACE_STR_TRUNC_TRAILER", tc.trailer)
		}
		code, out, errOut := run(t, "", "run", "-q", "-e", script)
		if code != 0 || out != tc.want {
			t.Errorf("trailer %q: exit %d, stdout %q, want %q (stderr %q)", tc.trailer, code, out, tc.want, errOut)
		}
	}
}

// A BPFTRACE_* environment variable takes precedence over the script's
// config block, as in bpftrace.
func TestRunEnvConfigOverridesScript(t *testing.T) {
	needRootRun(t)
	t.Setenv("BPFTRACE_MAX_STRLEN", "3")
	code, out, errOut := run(t, "", "run", "-q", "-e", `config = { max_strlen = 64 } begin { printf("%s\n", str(comm)); exit(); }`)
	b, _ := os.ReadFile("/proc/self/comm")
	if want := string(b[:3]) + "..\n\n\n"; code != 0 || out != want {
		t.Errorf("exit %d, stdout %q, want %q (stderr %q)", code, out, want, errOut)
	}
}
