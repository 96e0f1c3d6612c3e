package modem

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"warble/internal/channel"
)

// TestHopSets checks the hopping profiles' tone plan: consecutive slots
// sound disjoint sets, a tone returns only HopSets slots later, and no data
// tone is a preamble tone.
func TestHopSets(t *testing.T) {
	for _, p := range []Profile{Room, Ultrasonic} {
		t.Run("profile="+p.Name, func(t *testing.T) {
			data := p.dataTones()
			if len(data) != p.alphabet()*p.parallel()*p.hopSets() {
				t.Fatalf("%d data tones, want %d", len(data), p.alphabet()*p.parallel()*p.hopSets())
			}
			for _, k := range data {
				if slices.Contains(p.Preamble, k) {
					t.Errorf("tone %d carries both data and the preamble", k)
				}
			}
			m := p.parallel()
			// The tones each slot may sound, over 2·HopSets slots.
			sets := make([]map[int]bool, 2*p.hopSets())
			for j := range sets {
				sets[j] = map[int]bool{}
				for g := range m {
					for v := range p.alphabet() {
						sets[j][data[p.dataTone(j*m+g, v)]] = true
					}
				}
				if len(sets[j]) != m*p.alphabet() {
					t.Fatalf("slot %d can sound %d tones, want %d", j, len(sets[j]), m*p.alphabet())
				}
			}
			for j := range sets {
				for d := 1; d < p.hopSets() && j+d < len(sets); d++ {
					for k := range sets[j] {
						if sets[j+d][k] {
							t.Fatalf("tone %d sounds in slot %d and again %d slots later", k, j, d)
						}
					}
				}
			}
		})
	}
}

// TestRoomReverb is the room profile's reason to be: a token heard through a
// living room's echoes (RT60 0.6 s, the echoes 12 dB above the direct sound,
// as at 3–4 m), where the short-symbol audible profile hears nothing. The
// noise is at 0 dB full-band SNR against the direct sound. ggwave's normal
// protocol, whose long steps ggwave itself hears there, comes through
// warble's ggwave receiver too.
func TestRoomReverb(t *testing.T) {
	const rate, trials = 16000, 8
	for _, c := range []struct {
		p        Profile
		min, max int // successes of trials
	}{{Room, trials, trials}, {Audible, 0, trials / 2}, {GGWaveNormal, trials - 2, trials}} {
		ok := 0
		for tr := range trials {
			rng := rand.New(rand.NewPCG(uint64(tr), 11))
			payload := []byte(fmt.Sprintf("room token %5d", tr))
			x := transmit(t, c.p, rate, payload, rate/4+rng.IntN(rate/10), rate/2)
			sp := span(t, c.p, rate, len(payload), 0)
			pw := channel.Power(x, channel.Span{Start: len(x) - rate/2 - sp.Len(), End: len(x) - rate/2})
			y := channel.Reverb(x, rate, 600*time.Millisecond, -12, rng)
			sigma := channel.NoiseSigma(pw, 0)
			for i := range y {
				y[i] += float32(sigma * rng.NormFloat64())
			}
			fr := decodeAll(t, rate, y, 1000, c.p)
			for _, f := range fr {
				if !bytes.Equal(f.Payload, payload) {
					t.Fatalf("%s: wrong payload %q, sent %q", c.p.Name, f.Payload, payload)
				}
				ok++
				if c.p.Name == "room" && (!f.EchoKnown || !(f.EchoDB > echoyDB)) {
					t.Errorf("%s: echo %.1f dB in a reverberant room, want above %d dB", c.p.Name, f.EchoDB, echoyDB)
				}
			}
		}
		if ok < c.min || ok > c.max {
			t.Errorf("%s: %d of %d tokens through the room, want %d to %d", c.p.Name, ok, trials, c.min, c.max)
		}
		t.Logf("%s: %d of %d", c.p.Name, ok, trials)
	}
}

// TestEchoDry checks that a dry path reads as one: no echo, no hint.
func TestEchoDry(t *testing.T) {
	const rate = 48000
	x := transmit(t, Room, rate, []byte("dry"), rate/10, rate/10)
	fr := decodeAll(t, rate, x, 4096, Room)
	if len(fr) != 1 {
		t.Fatalf("got %s", describe(fr))
	}
	if f := fr[0]; !f.EchoKnown || !(f.EchoDB < -20) || f.Hint != "" {
		t.Errorf("dry path: echo %.1f dB, hint %q; want below −20 dB and none", f.EchoDB, f.Hint)
	}
	// Audible does not measure echoes.
	x = transmit(t, Audible, rate, []byte("dry"), rate/10, rate/10)
	if fr = decodeAll(t, rate, x, 4096, Audible); len(fr) != 1 {
		t.Fatalf("audible: got %s", describe(fr))
	}
	if fr[0].EchoKnown {
		t.Errorf("audible: echo %v dB known, want unknown", fr[0].EchoDB)
	}
}

// TestEdges sends transmissions that fill a stream from its first sample to
// its last, alone and two back to back with no gap: every native profile
// decodes them, at 48 and 44.1 kHz.
func TestEdges(t *testing.T) {
	for _, p := range Profiles() {
		for _, rate := range []int{48000, 44100} {
			if p.Validate(rate) != nil {
				continue
			}
			t.Run(fmt.Sprintf("profile=%s/rate=%d", p.Name, rate), func(t *testing.T) {
				a, b := []byte("edge to edge"), []byte("and straight on")
				x := transmit(t, p, rate, a, 0, 0)
				fr := decodeAll(t, rate, x, 4096, p)
				if len(fr) != 1 || !bytes.Equal(fr[0].Payload, a) {
					t.Fatalf("alone: got %s, want %q", describe(fr), a)
				}
				tol := max(time.Millisecond, time.Duration(p.Tones.Transition*float64(p.Tones.Symbol)/2))
				if float64(abs64(fr[0].StartSample)) > tol.Seconds()*float64(rate) {
					t.Errorf("alone: starts at %d, want 0", fr[0].StartSample)
				}
				x = append(x, transmit(t, p, rate, b, 0, 0)...)
				for _, chunk := range []int{1 << 20, 4096, 333} {
					fr = decodeAll(t, rate, x, chunk, p)
					if len(fr) != 2 || !bytes.Equal(fr[0].Payload, a) || !bytes.Equal(fr[1].Payload, b) {
						t.Fatalf("back to back, chunks of %d: got %s, want %q then %q", chunk, describe(fr), a, b)
					}
				}
			})
		}
	}
}
