package tracer

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// A BPF_F_STACK_BUILD_ID entry: valid frames give build id and offset,
// IP frames the address, and the first empty frame ends the stack.
func TestDecodeBuildIDFrames(t *testing.T) {
	frame := func(status int32, id byte, v uint64) []byte {
		f := make([]byte, 32)
		binary.LittleEndian.PutUint32(f, uint32(status))
		for i := 4; i < 24; i++ {
			f[i] = id
		}
		binary.LittleEndian.PutUint64(f[24:], v)
		return f
	}
	var buf []byte
	buf = append(buf, frame(buildIDValid, 0xab, 0x1126)...)
	buf = append(buf, frame(buildIDIP, 0, 0x7fff0010)...)
	buf = append(buf, frame(buildIDEmpty, 0, 0)...)
	buf = append(buf, frame(buildIDValid, 0xcd, 0x99)...) // after the end: ignored
	got := decodeBuildIDFrames(buf)
	if len(got) != 2 {
		t.Fatalf("%d frames, want 2: %+v", len(got), got)
	}
	if !bytes.Equal(got[0].BuildID, bytes.Repeat([]byte{0xab}, 20)) || got[0].Offset != 0x1126 {
		t.Errorf("frame 0 = %+v", got[0])
	}
	if got[1].BuildID != nil || got[1].Addr != 0x7fff0010 {
		t.Errorf("frame 1 = %+v", got[1])
	}
	if f := decodeBuildIDFrames(nil); f != nil {
		t.Errorf("empty entry gave %+v", f)
	}
}
