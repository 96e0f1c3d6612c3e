package modem

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"warble/internal/channel"
	"warble/internal/peers"
)

// skewed returns x sent by a transmitter whose clock is off by pct
// percent, between silences, with white noise at snr dB over the
// transmission.
func skewed(x []float32, pct float64, rate int, snr float64, rng *rand.Rand) []float32 {
	x = channel.Skew(x, pct*1e4)
	sp := channel.Span{Start: rate / 4, End: rate/4 + len(x)}
	x = channel.Pad(x, rate/4, rate/5)
	return channel.AddNoise(nil, x, snr, sp, rng)
}

// TestGGWaveSkew has every ggwave receiver hold a transmitter clock that
// is off by up to ±0.5% at +6 dB full-band SNR. Where the clock-error
// path read the frame, the clock error it reports is within 0.02% of the
// truth (the main path reports none).
func TestGGWaveSkew(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	pcts := []float64{-0.5, -0.3, -0.1, 0.2, 0.4, 0.5}
	rates := []int{48000, 44100}
	if testing.Short() || raceEnabled {
		pcts = []float64{-0.5, 0.5}
		rates = []int{48000}
	}
	for _, rate := range rates {
		for _, p := range GGWaveProfiles() {
			for _, pct := range pcts {
				payload := randPayload(rng, 1+rng.IntN(24))
				x := skewed(transmit(t, p, rate, payload, 0, 0), pct, rate, 6, rng)
				fr := decodeAll(t, rate, x, 4096)
				if len(fr) != 1 || !bytes.Equal(fr[0].Payload, payload) || fr[0].Profile != p.Name {
					t.Errorf("%s at %d Hz, %+.1f%%: got %s", p.Name, rate, pct, describe(fr))
					continue
				}
				if d := fr[0].SkewPPM - pct*1e4; fr[0].SkewPPM != 0 && (d < -200 || d > 200) {
					t.Errorf("%s at %d Hz, %+.1f%%: reported skew %.0f ppm", p.Name, rate, pct, fr[0].SkewPPM)
				}
			}
		}
	}
}

// TestGGWaveSkewLong holds the clock error over the longest message, whose
// groups drift by several frames from where an exact clock puts them.
func TestGGWaveSkewLong(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	ps := []Profile{GGWaveUNormal, GGWaveFastest, GGWaveDTFast}
	if testing.Short() || raceEnabled {
		ps = ps[1:2]
	}
	for _, p := range ps {
		for _, pct := range []float64{-0.5, 0.5} {
			payload := randPayload(rng, ggMaxPayload)
			x := skewed(transmit(t, p, 48000, payload, 0, 0), pct, 48000, 6, rng)
			fr := decodeAll(t, 48000, x, 4096, p)
			if len(fr) != 1 || !bytes.Equal(fr[0].Payload, payload) {
				t.Errorf("%s, %+.1f%%: got %s", p.Name, pct, describe(fr))
			}
		}
	}
}

// TestGGWaveSkewChunking gives the same frames whatever the chunking, with
// the clock-error path doing the reading.
func TestGGWaveSkewChunking(t *testing.T) {
	const rate = 44100
	rng := rand.New(rand.NewPCG(45, 46))
	x := skewed(transmit(t, GGWaveUFast, rate, []byte("skewed"), 0, 0), 0.37, rate, 3, rng)
	x = append(x, skewed(transmit(t, GGWaveFast, rate, []byte("and again"), 0, 0), -0.42, rate, 3, rng)...)
	want := decodeAll(t, rate, x, len(x))
	if len(want) != 2 || string(want[0].Payload) != "skewed" || string(want[1].Payload) != "and again" {
		t.Fatalf("whole: got %s", describe(want))
	}
	for _, c := range []int{1000, 4096, 7777} {
		if got := decodeAll(t, rate, x, c); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("chunk %d: got %s, want %s", c, describe(got), describe(want))
		}
	}
}

// TestGGWaveSkewFromPeer decodes ggwave's own transmissions with its clock
// off by ±0.5%.
func TestGGWaveSkewFromPeer(t *testing.T) {
	needGGWave(t)
	ctx := peerContext(t)
	rng := rand.New(rand.NewPCG(47, 48))
	payload := []byte("clock error")
	ps := GGWaveProfiles()
	if testing.Short() || raceEnabled {
		ps = []Profile{GGWaveFastest, GGWaveUFastest}
	}
	for _, p := range ps {
		x, err := peers.GGWaveEncode(ctx, ggPeerName(p), payload, 48000)
		if err != nil {
			t.Fatal(err)
		}
		x = trimSilence(x)
		for _, pct := range []float64{-0.5, 0.5} {
			fr := decodeAll(t, 48000, skewed(x, pct, 48000, 6, rng), 4096)
			if len(fr) != 1 || !bytes.Equal(fr[0].Payload, payload) || fr[0].Profile != p.Name {
				t.Errorf("%s, %+.1f%%: got %s", p.Name, pct, describe(fr))
			}
		}
	}
}
