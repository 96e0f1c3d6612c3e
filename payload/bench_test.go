package payload

import (
	"encoding/hex"
	"testing"
)

// Parsing cost per payload, for the receiver's hot path; each frame is
// checked once with IsTyped and, if typed, parsed.
func BenchmarkParse(b *testing.B) {
	cases := []struct {
		name string
		hex  string
	}{
		{"kind=ndef-text", "d101105402656e48656c6c6f2c20776f726c6421"},
		{"kind=matter", "d1011755004d543a2d32344a3041464e30304b4130363438473030"},
		{"kind=bt-oob", "d2200c6170706c69636174696f6e2f766e642e626c7565746f6f74682e65702e6f6f620c0006050403020103ff6162"},
	}
	for _, c := range cases {
		msg, err := hex.DecodeString(c.hex)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if !IsTyped(msg) {
					b.Fatal("not typed")
				}
				m, err := ParseMessage(msg)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := FromNDEF(m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
