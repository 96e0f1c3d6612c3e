package modem

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"warble/internal/channel"
)

func TestBellRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, p := range BellProfiles() {
		for _, rate := range []int{22050, 44100, 48000} {
			payload := randPayload(rng, 40)
			x := transmit(t, p, rate, payload, rate/5, rate/5)
			x = channel.AddNoise(nil, x, 6, channel.Span{Start: rate / 5, End: len(x) - rate/5}, rng)
			fr := decodeAll(t, rate, x, 4096, p)
			if len(fr) != 1 || !bytes.Equal(fr[0].Payload, payload) || !fr[0].Unverified {
				t.Errorf("%s at %d Hz: got %s", p.Name, rate, describe(fr))
			}
		}
	}
}

// TestBellBursts hands out one frame per carrier burst.
func TestBellBursts(t *testing.T) {
	const rate = 48000
	x := transmit(t, Bell202, rate, []byte("one"), rate/10, rate/4)
	x = append(x, transmit(t, Bell202, rate, []byte("two"), 0, 0)...)
	fr := decodeAll(t, rate, x, 999, Bell202)
	if len(fr) != 2 || string(fr[0].Payload) != "one" || string(fr[1].Payload) != "two" {
		t.Fatalf("got %s", describe(fr))
	}
	if fr[0].StartSample < rate/10-rate/100 || fr[0].StartSample > rate/10+rate/100 {
		t.Errorf("first burst starts at %d, want about %d", fr[0].StartSample, rate/10)
	}
}

func TestBellChunking(t *testing.T) {
	const rate = 44100
	rng := rand.New(rand.NewPCG(33, 34))
	x := transmit(t, Bell103, rate, []byte("chunk me"), rate/7, rate/5)
	x = channel.AddNoise(nil, x, 3, channel.Span{}, rng)
	want := decodeAll(t, rate, x, len(x), Bell103)
	if len(want) != 1 || string(want[0].Payload) != "chunk me" {
		t.Fatalf("whole: got %s", describe(want))
	}
	for _, c := range []int{1, 7, 4096} {
		if got := decodeAll(t, rate, x, c, Bell103); !reflect.DeepEqual(got, want) {
			t.Errorf("chunk %d: got %s, want %s", c, describe(got), describe(want))
		}
	}
}

// TestBellNoise gives no frames on noise or silence: without a carrier
// nothing is printed.
func TestBellNoise(t *testing.T) {
	const rate = 48000
	rng := rand.New(rand.NewPCG(35, 36))
	x := channel.Noise(nil, 10*rate, 0.3, rng)
	x = append(x, make([]float32, rate)...)
	for _, p := range BellProfiles() {
		if fr := decodeAll(t, rate, x, 4096, p); len(fr) != 0 {
			t.Errorf("%s: noise gave %s", p.Name, describe(fr))
		}
	}
}

func TestBellBadInput(t *testing.T) {
	for name, mod := range map[string]func(*Profile){
		"baud":      func(p *Profile) { p.Bell.Baud = 0 },
		"same tone": func(p *Profile) { p.Bell.SpaceHz = p.Bell.MarkHz },
		"nyquist":   func(p *Profile) { p.Bell.SpaceHz = 30000 },
		"amplitude": func(p *Profile) { p.Amplitude = 0 },
	} {
		p := Bell202
		mod(&p)
		if _, err := NewEncoder(p, 48000); err == nil || !strings.HasPrefix(err.Error(), "modem: ") {
			t.Errorf("%s: NewEncoder: %v", name, err)
		}
		if _, err := NewReceiver(48000, p); err == nil {
			t.Errorf("%s: NewReceiver: no error", name)
		}
	}
	e, err := NewEncoder(Bell103, 8000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Encode(nil, nil); err == nil {
		t.Error("empty payload: no error")
	}
	for _, p := range AutoProfiles() {
		if p.Family == Bell {
			t.Errorf("%s is in AutoProfiles", p.Name)
		}
	}
}
