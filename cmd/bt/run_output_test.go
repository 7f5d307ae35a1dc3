package main

import "testing"

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
		{"kernel enum size", `begin { printf("%d\n", sizeof(BTF_VAR_STATIC)); exit() }`, []string{"-q"}, "8\n\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"run"}, tc.args...), "-e", tc.script)
			code, out, errOut := run(t, "", args...)
			if code != 0 || out != tc.want {
				t.Errorf("exit %d, stdout %q, want %q (stderr %q)", code, out, tc.want, errOut)
			}
		})
	}
}
