package bench

import "testing"

func TestHeardCount(t *testing.T) {
	a, b := []byte("payload-a......."), []byte("payload-b.......")
	h := Heard{Frames: [][]byte{a, a, []byte("junk")}}
	if n := h.Count([][]byte{a, b}); n != 1 {
		t.Errorf("frames: count %d, want 1", n)
	}
	if n := h.FalseCount([][]byte{a, b}); n != 2 {
		t.Errorf("frames: false %d, want 2", n)
	}
	raw := Heard{Raw: append(append([]byte("xx"), a...), "yy"...)}
	if n := raw.Count([][]byte{a}); n != 1 {
		t.Errorf("raw: count %d, want 1", n)
	}
	if n := raw.FalseCount([][]byte{a}); n != 4 {
		t.Errorf("raw: false %d, want 4", n)
	}
	if n := (Heard{Raw: []byte{}}).Count([][]byte{a}); n != 0 {
		t.Errorf("empty raw: count %d", n)
	}
}
