package modem

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"warble/internal/channel"
)

// TestGGWaveShortNoWrongFrames sends 1- and 7-byte ggwave-fastest
// messages, whose Reed-Solomon blocks carry only 2 and 4 parity bytes, in
// white noise to a receiver of every ggwave protocol, and counts the frames
// that are not the message sent: wrong bytes (a short block decoded with
// too little parity left to check it, or a reading shifted by part of a
// group) must not come out; the right bytes under a slower protocol's name
// (the message read at half its pace, offset by half a group) still do at
// times and must stay rare.
func TestGGWaveShortNoWrongFrames(t *testing.T) {
	const (
		rate         = 48000
		trials       = 40
		maxWrongName = 20 // of 240 messages
	)
	r, err := NewReceiver(rate, GGWaveProfiles()...)
	if err != nil {
		t.Fatal(err)
	}
	var wrongBytes, wrongName int
	for _, n := range []int{1, 7} {
		for _, snr := range []float64{0, -8, -12} {
			rng := rand.New(rand.NewPCG(47, uint64(n)<<8|uint64(-snr)))
			found := 0
			for i := 0; i < trials; i++ {
				payload := randPayload(rng, n)
				x := transmit(t, GGWaveFastest, rate, payload, rate/2+rng.IntN(ggFrame), rate/2)
				act := channel.Span{Start: rate / 2, End: len(x) - rate/2}
				r.Reset()
				for _, f := range feed(r, channel.AddNoise(nil, x, snr, act, rng), 4096) {
					switch {
					case !bytes.Equal(f.Payload, payload):
						wrongBytes++
						t.Logf("%d bytes at %+.0f dB, trial %d: wrong frame {%s %x}, sent %x", n, snr, i, f.Profile, f.Payload, payload)
					case f.Profile != GGWaveFastest.Name:
						wrongName++
						t.Logf("%d bytes at %+.0f dB, trial %d: sent by %s, read as %s", n, snr, i, GGWaveFastest.Name, f.Profile)
					default:
						found++
					}
				}
			}
			t.Logf("%d bytes at %+.0f dB: found %d of %d", n, snr, found, trials)
			if snr == 0 && found < trials*8/10 {
				t.Errorf("%d bytes at %+.0f dB: found %d of %d", n, snr, found, trials)
			}
		}
	}
	t.Logf("wrong frames: %d with wrong bytes, %d with the right bytes under another protocol", wrongBytes, wrongName)
	if wrongBytes > 0 {
		t.Errorf("%d frames with wrong bytes in %d messages, want none", wrongBytes, 6*trials)
	}
	if wrongName > maxWrongName {
		t.Errorf("%d frames under another protocol in %d messages, want at most %d", wrongName, 6*trials, maxWrongName)
	}
}
