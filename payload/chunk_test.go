package payload

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func longText(t *testing.T, n int) Typed {
	t.Helper()
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString("the quick brown fox jumps over the lazy dog ")
	}
	typed, err := NewText(Text{Lang: "en", Text: b.String()[:n]})
	if err != nil {
		t.Fatal(err)
	}
	return typed
}

func TestSplitFitsOneFrame(t *testing.T) {
	typed := longText(t, 100)
	frames, err := Split(typed.Message, 140)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 1 {
		t.Fatalf("%d frames, want 1", len(frames))
	}
	if !IsTyped(frames[0]) {
		t.Fatal("a whole message in one frame is not typed")
	}
}

// TestSplitReassemble splits messages of many lengths (and several
// records) into frames and joins them again, for several frame sizes.
func TestSplitReassemble(t *testing.T) {
	uri, _ := URIRecord("https://example.com/" + strings.Repeat("p", 300))
	ext, _ := ExternalRecord("example.com:blob", []byte(strings.Repeat("x", 90)))
	for _, max := range []int{40, 64, 140} {
		for _, n := range []int{130, 141, 200, 400, 1000, 3000} {
			typed := longText(t, n)
			msgs := []Message{typed.Message, append(Message{uri, ext}, typed.Message...)}
			for mi, m := range msgs {
				frames, err := Split(m, max)
				if err != nil {
					t.Fatalf("max %d n %d: %v", max, n, err)
				}
				var r Reassembler
				var got []Event
				for i, f := range frames {
					if len(f) > max {
						t.Fatalf("frame %d is %d bytes, more than %d", i, len(f), max)
					}
					if printableText(f) {
						t.Fatalf("frame %d is printable text", i)
					}
					for _, e := range r.Add(f) {
						switch e.Status {
						case Plain:
							t.Fatalf("max %d n %d msg %d: frame %d of %d taken as plain: %x", max, n, mi, i, len(frames), f)
						case Done, Failed:
							got = append(got, e)
						}
					}
				}
				if len(got) != 1 || got[0].Status != Done {
					t.Fatalf("max %d n %d msg %d: %d frames gave %+v", max, n, mi, len(frames), got)
				}
				want := mustJSON(mustFromNDEF(t, m))
				if j := mustJSON(got[0].Typed); j != want {
					t.Fatalf("max %d n %d msg %d: got %.200s, want %.200s", max, n, mi, j, want)
				}
				if got[0].Parts != len(frames) {
					t.Errorf("parts %d, want %d", got[0].Parts, len(frames))
				}
			}
		}
	}
}

func mustFromNDEF(t *testing.T, m Message) Typed {
	typed, err := FromNDEF(m)
	if err != nil {
		t.Fatal(err)
	}
	return typed
}

// TestMissingPart drops each frame in turn: the message never comes out,
// and the loss is reported as ErrMissingPart.
func TestMissingPart(t *testing.T) {
	frames, err := Split(longText(t, 500).Message, 140)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) < 4 {
		t.Fatalf("only %d frames", len(frames))
	}
	for drop := range frames {
		var r Reassembler
		var evs []Event
		for i, f := range frames {
			if i != drop {
				evs = append(evs, r.Add(f)...)
			}
		}
		evs = append(evs, r.Flush()...)
		failed := false
		for _, e := range evs {
			if e.Status == Done {
				t.Fatalf("dropping frame %d still gave a payload", drop)
			}
			if e.Status == Failed {
				failed = true
				if !errors.Is(e.Err, ErrMissingPart) {
					t.Errorf("dropping frame %d: %v, want ErrMissingPart", drop, e.Err)
				}
			}
		}
		if !failed {
			t.Errorf("dropping frame %d reported nothing", drop)
		}
	}
	// Repeated transmissions: the first copy loses a frame, the second
	// is whole.
	var r Reassembler
	var evs []Event
	for i, f := range frames {
		if i != 1 {
			evs = append(evs, r.Add(f)...)
		}
	}
	for _, f := range frames {
		evs = append(evs, r.Add(f)...)
	}
	done := 0
	for _, e := range evs {
		if e.Status == Done {
			done++
		}
	}
	if done != 1 {
		t.Fatalf("a lossy then a whole transmission gave %d payloads, want 1", done)
	}
}

// TestPlainNeverTyped: printable text and warble's compact pairing codes
// (a 2-byte nameplate 1..9999 then 16 random bytes) are never typed.
func TestPlainNeverTyped(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		n := 1 + rng.IntN(140)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(0x20 + rng.IntN(0x5f))
		}
		if IsTyped(b) {
			t.Fatalf("ASCII %q is typed", b)
		}
		rs := make([]rune, 1+rng.IntN(40))
		for i := range rs {
			rs[i] = rune(0xa0 + rng.IntN(0x3000))
		}
		if s := []byte(string(rs)); printableText(s) && IsTyped(s) {
			t.Fatalf("text %q is typed", s)
		}
		code := make([]byte, 18)
		np := 1 + rng.IntN(9999)
		code[0], code[1] = byte(np>>8), byte(np)
		for i := 2; i < len(code); i++ {
			code[i] = byte(rng.Uint32())
		}
		if IsTyped(code) {
			t.Fatalf("compact code %x is typed", code)
		}
		var r Reassembler
		if evs := r.Add(code); len(evs) != 1 || evs[0].Status != Plain {
			t.Fatalf("compact code %x made %+v", code, evs)
		}
	}
}

// TestRandomBinaryNotPart: random binary frames (warble carries any
// bytes) are never taken for the start of a split message, which would
// wait for parts that never come.
func TestRandomBinaryNotPart(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		b := make([]byte, 4+rng.IntN(137))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		var r Reassembler
		for _, e := range r.Add(b) {
			if e.Status == Part {
				t.Fatalf("random frame %x starts a split message", b)
			}
		}
	}
}

func TestTypicalPayloadsFitOneFrame(t *testing.T) {
	vs := readVectors(t, "../testdata/payload/*.txt")
	checked := 0
	for _, v := range vs {
		if v.kv["error"] != "" {
			continue
		}
		typed, err := decodeVector(v)
		if err != nil {
			t.Fatalf("%v: %v", v, err)
		}
		b, err := typed.Message.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if typed.Kind != KindNDEF && len(b) > 140 && v.kv["frames"] != "2" {
			t.Errorf("%v: a %s payload is %d bytes, more than one frame", v, typed.Kind, len(b))
		}
		if v.kv["canonical"] == "yes" && typed.Kind != KindNDEF {
			t.Logf("%-8s %3d bytes  %v", typed.Kind, len(b), v)
		}
		if typed.Kind != KindNDEF && !IsTyped(b) {
			t.Errorf("%v: its frame is not typed", v)
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d vectors checked", checked)
	}
}

func TestPairInvite(t *testing.T) {
	uri := []byte("warble:pair?code=7-mfrggzdfmztwq2lknnwg23tpoa&via=lan")
	m, err := PairMessage(uri)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := PairInvite(b); !ok || string(got) != string(uri) {
		t.Fatalf("PairInvite = %q, %v", got, ok)
	}
	typed, _ := FromNDEF(m)
	q, err := typed.QRText()
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := PairInvite([]byte(q)); !ok || string(got) != string(uri) {
		t.Fatalf("PairInvite(%q) = %q, %v", q, got, ok)
	}
	// Another record type, a plain URI and a compact code are no invitation.
	other, _ := ExternalRecord("example.com:pair", uri)
	ob, _ := Message{other}.Marshal()
	for _, b := range [][]byte{ob, uri, {0, 7, 1, 2, 3}, nil} {
		if got, ok := PairInvite(b); ok {
			t.Errorf("PairInvite(%q) = %q, true", b, got)
		}
	}
}
