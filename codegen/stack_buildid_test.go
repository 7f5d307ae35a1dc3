package codegen

import (
	"testing"

	"github.com/cilium/ebpf"
)

// ustack(build_id) records into its own stack map, flagged for build
// ids (frames of 32 bytes); other user stacks keep theirs.
func TestUstackBuildIDMap(t *testing.T) {
	obj := compileSrc(t, `tracepoint:syscalls:sys_enter_getpid { print(ustack(build_id)); print(ustack); }`, Options{})
	if obj.UserBuildIDStacks == "" || obj.UserStacks == "" || obj.UserBuildIDStacks == obj.UserStacks {
		t.Fatalf("stack maps: build id %q, user %q", obj.UserBuildIDStacks, obj.UserStacks)
	}
	spec := obj.Spec.Maps[obj.UserBuildIDStacks]
	if spec == nil || spec.Type != ebpf.StackTrace || spec.Flags&bpfFStackBuildID == 0 || spec.ValueSize != buildIDFrameSize*maxStackFrames {
		t.Fatalf("build id stack map %+v", spec)
	}
	if u := obj.Spec.Maps[obj.UserStacks]; u.Flags&bpfFStackBuildID != 0 || u.ValueSize != 8*maxStackFrames {
		t.Fatalf("user stack map %+v", u)
	}
	plain := compileSrc(t, `tracepoint:syscalls:sys_enter_getpid { print(ustack); }`, Options{})
	if plain.UserBuildIDStacks != "" {
		t.Fatalf("a program without ustack(build_id) has build id stack map %q", plain.UserBuildIDStacks)
	}
}
