package cheader

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestVmlinuxMatchesBpftool compares our header with bpftool's dump of the
// same BTF: both must declare the same records, enums, typedefs and
// enumerators under the same names (___N suffixes included), and every
// record and enum must have the same members, up to spacing, attributes,
// padding and integer-literal suffixes, which we write differently.
func TestVmlinuxMatchesBpftool(t *testing.T) {
	h, _ := kernelHeader(t)
	bpftool, err := exec.LookPath("bpftool")
	if err != nil {
		t.Skip("bpftool not installed (apt-get install bpftool): skipping the comparison")
	}
	ref, err := exec.Command(bpftool, "btf", "dump", "file", vmlinuxPath, "format", "c").Output()
	if err != nil {
		t.Skipf("bpftool cannot dump %s: %v", vmlinuxPath, err)
	}
	ours, theirs := declarations(string(h)), declarations(string(ref))
	// The one deliberate difference: va_list keeps the kernel's layout.
	if ours["typedef va_list"] != "typedef __builtin_va_list___btf va_list;" {
		t.Errorf("va_list: %q", ours["typedef va_list"])
	}
	delete(ours, "typedef va_list")
	delete(theirs, "typedef va_list")
	delete(ours, "typedef __builtin_va_list___btf")
	bad := 0
	for k, v := range theirs {
		if w, ok := ours[k]; !ok {
			bad++
			if bad < 20 {
				t.Errorf("bpftool declares %s, we do not", k)
			}
		} else if w != v {
			bad++
			if bad < 20 {
				t.Errorf("%s differs:\nbpftool: %s\nours:    %s", k, v, w)
			}
		}
	}
	for k := range ours {
		if _, ok := theirs[k]; !ok {
			bad++
			if bad < 20 {
				t.Errorf("we declare %s, bpftool does not", k)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d differences over %d declarations", bad, len(theirs))
	}
	t.Logf("%d declarations agree", len(theirs))
}

var (
	reRecordOpen = regexp.MustCompile(`^(struct|union|enum) (\w+) \{$`)
	reTypedef    = regexp.MustCompile(`^typedef .*?\b(\w+)(\)\(.*\))?(\[\d+\])*;$`)
	rePad        = regexp.MustCompile(`^(long|int|short|char): \d+;$`)
	reAttr       = regexp.MustCompile(`\s*__attribute__\(\((?:[^()]|\([^()]*(?:\([^()]*\))?[^()]*\))*\)\)`)
	reStar       = regexp.MustCompile(`\s*\*\s*`)
	reSuffix     = regexp.MustCompile(`(\d)U?LL\b`)
)

// declarations maps "struct foo", "enum bar", "typedef baz" to a normalized
// text of the top-level declaration.
func declarations(h string) map[string]string {
	out := map[string]string{}
	var key string
	var body []string
	norm := func(l string) string {
		l = reAttr.ReplaceAllString(l, "")
		l = strings.Join(strings.Fields(l), " ")
		l = reStar.ReplaceAllString(l, "*")
		return reSuffix.ReplaceAllString(l, "$1")
	}
	for _, line := range strings.Split(h, "\n") {
		if key != "" {
			if strings.HasPrefix(line, "}") {
				out[key] = strings.Join(body, " ")
				key = ""
				continue
			}
			if l := norm(line); l != "" && !rePad.MatchString(l) {
				body = append(body, l)
			}
			continue
		}
		if m := reRecordOpen.FindStringSubmatch(line); m != nil {
			key, body = m[1]+" "+m[2], nil
		} else if m := reTypedef.FindStringSubmatch(line); m != nil && !strings.Contains(line, "{") {
			out["typedef "+m[1]] = norm(line)
		}
	}
	return out
}
