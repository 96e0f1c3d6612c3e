package payload

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// seeds returns the inputs of one key across the vectors, failing the
// test when there are none (a seed glob that silently matches nothing
// would leave the fuzzer unseeded).
func seeds(f *testing.F, key string) [][]byte {
	f.Helper()
	var out [][]byte
	for _, v := range readVectors(f, "../testdata/payload/*.txt") {
		s, ok := v.kv[key]
		if !ok {
			continue
		}
		if key == "text" {
			out = append(out, []byte(s))
			continue
		}
		b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
		if err != nil {
			f.Fatalf("%v: %v", v, err)
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		f.Fatalf("no %s: seeds in ../testdata/payload/*.txt", key)
	}
	return out
}

// FuzzParseMessage: a message that parses encodes to one that parses to
// the same records, and whatever it carries prints and reads back.
func FuzzParseMessage(f *testing.F) {
	for _, s := range seeds(f, "hex") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMessage(b)
		if err != nil {
			if IsTyped(b) {
				t.Fatalf("IsTyped of bytes that do not parse: %v", err)
			}
			return
		}
		again, err := m.Marshal()
		if err != nil {
			t.Fatalf("parsed message does not encode: %v", err)
		}
		m2, err := ParseMessage(again)
		if err != nil {
			t.Fatalf("re-encoded message does not parse: %v", err)
		}
		if len(m2) != len(m) {
			t.Fatalf("%d records became %d", len(m), len(m2))
		}
		for i := range m {
			if m[i].TNF != m2[i].TNF || !bytes.Equal(m[i].Type, m2[i].Type) || !bytes.Equal(m[i].ID, m2[i].ID) || !bytes.Equal(m[i].Payload, m2[i].Payload) {
				t.Fatalf("record %d changed: %v became %v", i, m[i], m2[i])
			}
		}
		typed, err := FromNDEF(m)
		if err != nil {
			return
		}
		_ = typed.Line()
		j := mustJSON(typed)
		if _, err := FromJSON(typed.Kind, []byte(j)); err != nil {
			t.Fatalf("fields %s do not read back: %v", j, err)
		}
		// Split and reassemble in small frames: the same payload comes out.
		frames, err := Split(m, 40)
		if err != nil {
			return
		}
		var r Reassembler
		var done []Event
		for _, fr := range frames {
			for _, e := range r.Add(fr) {
				if e.Status == Done || e.Status == Failed {
					done = append(done, e)
				}
			}
		}
		if len(done) != 1 || done[0].Status != Done {
			t.Fatalf("%d frames of %x reassembled to %+v", len(frames), again, done)
		}
		if got := mustJSON(done[0].Typed); got != j {
			t.Fatalf("reassembled %s, want %s", got, j)
		}
	})
}

// FuzzParseText: WIFI:, DPP:, MT: and manual codes, and any other QR text.
func FuzzParseText(f *testing.F) {
	for _, s := range seeds(f, "text") {
		f.Add(string(s))
	}
	f.Fuzz(func(t *testing.T, s string) {
		typed, ok, err := ParseQRText(s)
		if !ok || err != nil {
			return
		}
		q, err := typed.QRText()
		if err != nil {
			t.Fatalf("%q parsed but has no QR text: %v", s, err)
		}
		again, ok, err := ParseQRText(q)
		if !ok || err != nil {
			t.Fatalf("%q wrote %q, which does not read back: %v", s, q, err)
		}
		if a, b := mustJSON(typed), mustJSON(again); a != b {
			t.Fatalf("%q: %s became %s", s, a, b)
		}
	})
}

// FuzzBluetooth: both OOB record payloads.
func FuzzBluetooth(f *testing.F) {
	for _, s := range seeds(f, "payload_hex") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if o, err := ParseBTOOB(b); err == nil {
			p, err := o.Marshal()
			if err != nil {
				t.Fatalf("parsed bt-oob does not encode: %v", err)
			}
			o2, err := ParseBTOOB(p)
			if err != nil {
				t.Fatalf("re-encoded bt-oob does not parse: %v", err)
			}
			a, _ := NewBTOOB(o)
			c, _ := NewBTOOB(o2)
			if mustJSON(a) != mustJSON(c) {
				t.Fatalf("bt-oob %s became %s", mustJSON(a), mustJSON(c))
			}
		}
		if o, err := ParseBLEOOB(b); err == nil {
			p, err := o.Marshal()
			if err != nil {
				t.Fatalf("parsed ble-oob does not encode: %v", err)
			}
			o2, err := ParseBLEOOB(p)
			if err != nil {
				t.Fatalf("re-encoded ble-oob does not parse: %v", err)
			}
			a, _ := NewBLEOOB(o)
			c, _ := NewBLEOOB(o2)
			if mustJSON(a) != mustJSON(c) {
				t.Fatalf("ble-oob %s became %s", mustJSON(a), mustJSON(c))
			}
		}
	})
}

// FuzzReassembler feeds frames (each a length byte and that many bytes)
// to a Reassembler: it must not panic, and printable text is never typed.
func FuzzReassembler(f *testing.F) {
	for _, s := range seeds(f, "hex") {
		if len(s) < 256 {
			f.Add(append([]byte{byte(len(s))}, s...))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Reassembler
		for len(b) > 0 {
			n := min(int(b[0]), len(b)-1)
			fr := b[1 : 1+n]
			b = b[1+n:]
			evs := r.Add(fr)
			if printableText(fr) && (len(evs) != 1 || evs[0].Status != Plain) {
				t.Fatalf("printable frame %q made %+v", fr, evs)
			}
		}
		r.Flush()
	})
}
