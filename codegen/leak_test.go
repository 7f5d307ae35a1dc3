package codegen

import (
	"errors"
	"os"
	"testing"

	"github.com/cilium/ebpf"
)

// TestNoLeakedObjects loads a script with maps, callbacks and
// subprograms, closes it, and checks that none of the programs and maps
// it created (by ID) still exists.
func TestNoLeakedObjects(t *testing.T) {
	needRoot(t)
	obj := compileSrc(t, `fn f($a: int64): int64 { return $a * 2; }
begin { @m[1] = f(2); @c = count(); @h = hist(3); $n = 0; for ($kv : @m) { $n += $kv.1; } printf("%d %d\n", $n, len(@m)); }
tracepoint:syscalls:sys_enter_getp* { @[probe, kstack] = count(); }`, Options{})
	coll, err := ebpf.NewCollectionWithOptions(obj.Spec, ebpf.CollectionOptions{})
	if err != nil {
		t.Fatal(LoadDiag(obj, err))
	}
	var progIDs []ebpf.ProgramID
	var mapIDs []ebpf.MapID
	for _, p := range coll.Programs {
		info, err := p.Info()
		if err != nil {
			t.Fatal(err)
		}
		id, _ := info.ID()
		progIDs = append(progIDs, id)
	}
	for _, m := range coll.Maps {
		info, err := m.Info()
		if err != nil {
			t.Fatal(err)
		}
		id, _ := info.ID()
		mapIDs = append(mapIDs, id)
	}
	if len(progIDs) != 2 || len(mapIDs) < 8 {
		t.Fatalf("%d programs, %d maps", len(progIDs), len(mapIDs))
	}
	coll.Close()
	// the kernel frees objects asynchronously (RCU): retry a bounded time
	for try := 0; ; try++ {
		alive := 0
		for _, id := range progIDs {
			if p, err := ebpf.NewProgramFromID(id); err == nil {
				p.Close()
				alive++
			} else if !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
		}
		for _, id := range mapIDs {
			if m, err := ebpf.NewMapFromID(id); err == nil {
				m.Close()
				alive++
			} else if !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
		}
		if alive == 0 {
			return
		}
		if try == 1000 {
			t.Fatalf("%d objects still alive after close", alive)
		}
		waitABit()
	}
}
