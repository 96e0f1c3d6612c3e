package modem

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"testing"

	"warble/internal/channel"
	"warble/internal/wav"
)

// TestGGWaveNoEarlyReading decodes a recorded ggwave-fastest message whose
// length block, read one group early, passes for a whole one-byte message
// (see testdata/README.md): only the real message may come out, whatever
// the profiles listened for and the chunking.
func TestGGWaveNoEarlyReading(t *testing.T) {
	f, err := os.Open("testdata/ggwave-early-start.wav")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	x, rate, err := wav.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := hex.DecodeString("c2b41a9eb4c7f7cbbb55811cca4ba384")
	sets := map[string][]Profile{
		"fastest": {GGWaveFastest},
		"ggwave":  GGWaveProfiles(),
		"all":     append(Profiles(), GGWaveProfiles()...),
	}
	for name, ps := range sets {
		for _, chunk := range []int{997, 4096, len(x)} {
			fr := decodeAll(t, rate, x, chunk, ps...)
			if len(fr) != 1 || fr[0].Profile != GGWaveFastest.Name || !bytes.Equal(fr[0].Payload, want) {
				t.Errorf("%s, chunks of %d: got %s, want one ggwave-fastest frame %x", name, chunk, describe(fr), want)
			}
		}
	}
}

// TestGGWaveNoShiftedReading sends short ggwave-fastest messages in white
// noise to a receiver of every ggwave protocol. Read a group early, or at
// ggwave-fast's pace from an earlier start, a message's length block is a
// valid message of its own; no such reading may come out.
func TestGGWaveNoShiftedReading(t *testing.T) {
	const (
		rate   = 48000
		trials = 20
	)
	for _, tc := range []struct {
		n   int
		snr float64
	}{{5, 0}, {16, 0}, {16, -4}} {
		n, snr := tc.n, tc.snr
		rng := rand.New(rand.NewPCG(31, uint64(n)))
		r, err := NewReceiver(rate, GGWaveProfiles()...)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for i := 0; i < trials; i++ {
			payload := randPayload(rng, n)
			x := transmit(t, GGWaveFastest, rate, payload, rate/2+rng.IntN(ggFrame), rate/2)
			act := channel.Span{Start: rate / 2, End: len(x) - rate/2}
			r.Reset()
			for _, f := range feed(r, channel.AddNoise(nil, x, snr, act, rng), 4096) {
				if f.Profile != GGWaveFastest.Name || !bytes.Equal(f.Payload, payload) {
					t.Errorf("%d bytes at %+.0f dB, trial %d: wrong frame {%s %x}, sent %x", n, snr, i, f.Profile, f.Payload, payload)
					continue
				}
				found++
			}
		}
		if found < trials*9/10 {
			t.Errorf("%d bytes at %+.0f dB: found %d of %d", n, snr, found, trials)
		}
	}
}
