package modem

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// transmit encodes payload with p at rate, with silence around it.
func transmit(t testing.TB, p Profile, rate int, payload []byte, before, after int) []float32 {
	t.Helper()
	e, err := NewEncoder(p, rate)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, before)
	x, err = e.Encode(x, payload)
	if err != nil {
		t.Fatal(err)
	}
	return append(x, make([]float32, after)...)
}

// noisy adds white Gaussian noise at a full-band SNR over the span [a, b).
func noisy(x []float32, a, b int, snrDB float64, rng *rand.Rand) []float32 {
	var p float64
	for _, v := range x[a:b] {
		p += float64(v) * float64(v)
	}
	p /= float64(b - a)
	sigma := math.Sqrt(p / math.Pow(10, snrDB/10))
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = v + float32(rng.NormFloat64()*sigma)
	}
	return y
}

func decodeAll(t testing.TB, rate int, x []float32, chunk int, ps ...Profile) []Frame {
	t.Helper()
	r, err := NewReceiver(rate, ps...)
	if err != nil {
		t.Fatal(err)
	}
	var fr []Frame
	for len(x) > 0 {
		n := min(chunk, len(x))
		fr = r.Receive(fr, x[:n])
		x = x[n:]
	}
	return r.Flush(fr)
}

func TestRoundTripQuick(t *testing.T) {
	for _, p := range Profiles() {
		for _, rate := range []int{16000, 44100, 48000} {
			if p.Validate(rate) != nil {
				continue
			}
			for _, n := range []int{1, 16, 64, 140} {
				t.Run(fmt.Sprintf("profile=%s/rate=%d/bytes=%d", p.Name, rate, n), func(t *testing.T) {
					payload := make([]byte, n)
					for i := range payload {
						payload[i] = byte(i*37 + n)
					}
					x := transmit(t, p, rate, payload, rate/3, rate/20)
					fr := decodeAll(t, rate, x, 4096)
					if len(fr) != 1 || !bytes.Equal(fr[0].Payload, payload) || fr[0].Profile != p.Name {
						t.Fatalf("got %d frames %+v", len(fr), fr)
					}
					t.Logf("snr %.1f skew %.0f start %v", fr[0].SNR, fr[0].SkewPPM, fr[0].Start)
				})
			}
		}
	}
}
