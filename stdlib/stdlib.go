package stdlib

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/bt-tools/bt/stdlib/internal/aot"
)

//go:embed *.bt bpf/*.bpf.c bpf/*.h bpf/*.bpf.o
var files embed.FS

// FS holds the library's sources and objects: the .bt files at the top,
// the C, its headers and objects in bpf/.
func FS() fs.FS { return files }

// Scripts are the names of the library's .bt files, sorted.
func Scripts() []string { return names(".", ".bt") }

// CSources are the paths of the library's .bpf.c files ("bpf/x.bpf.c"),
// sorted.
func CSources() []string { return names("bpf", ".bpf.c") }

func names(dir, suffix string) []string {
	ents, _ := files.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), suffix) {
			out = append(out, path.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

// Source returns the text of a library file.
func Source(name string) ([]byte, error) { return files.ReadFile(path.Clean(name)) }

// Object returns the compiled object of a library C file
// ("bpf/strings.bpf.c" -> the bytes of bpf/strings.bpf.o), for the
// architecture bt runs on when its objects differ between architectures.
func Object(csource string) ([]byte, error) {
	csource = path.Clean(csource)
	if !strings.HasSuffix(csource, ".bpf.c") {
		return nil, fmt.Errorf("stdlib: %s is not a BPF C file", csource)
	}
	dir, base := path.Split(csource)
	arch := ""
	if arches, ok := aot.PerArch[base]; ok {
		arch = kernelArch[runtime.GOARCH]
		if !slices.Contains(arches, arch) {
			return nil, fmt.Errorf("stdlib: %s has no tables for %s yet", base, runtime.GOARCH)
		}
	}
	return files.ReadFile(dir + aot.ObjectName(base, arch))
}

// kernelArch is the kernel's name for an architecture, as
// __TARGET_ARCH_<arch> spells it.
var kernelArch = map[string]string{
	"amd64": "x86", "386": "x86", "arm64": "arm64", "arm": "arm", "s390x": "s390",
	"ppc64le": "powerpc", "riscv64": "riscv", "loong64": "loongarch",
}
