package modem

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"warble/internal/channel"
)

// streamFor builds the benchmark input: noise, one frame of p at −3 dB, noise.
func streamFor(b *testing.B, p Profile, rate int) []float32 {
	rng := rand.New(rand.NewPCG(12, 13))
	payload := randPayload(rng, 16)
	x := transmit(b, p, rate, payload, rate, rate)
	return channel.AddNoise(nil, x, -3, span(b, p, rate, len(payload), rate), rng)
}

func BenchmarkReceive(b *testing.B) {
	type bc struct {
		p    Profile
		auto bool
		rate int
	}
	var cases []bc
	for _, p := range Profiles() {
		for _, rate := range rates {
			if p.Validate(rate) == nil {
				cases = append(cases, bc{p, false, rate})
			}
		}
	}
	cases = append(cases, bc{Audible, true, 48000})
	for _, c := range cases {
		name := c.p.Name
		var ps []Profile
		if c.auto {
			name = "auto"
		} else {
			ps = []Profile{c.p}
		}
		b.Run(fmt.Sprintf("profile=%s/rate=%d", name, c.rate), func(b *testing.B) {
			x := streamFor(b, c.p, c.rate)
			r, err := NewReceiver(c.rate, ps...)
			if err != nil {
				b.Fatal(err)
			}
			audioSeconds := float64(len(x)) / float64(c.rate)
			fr := make([]Frame, 0, 4)
			b.ReportAllocs()
			for b.Loop() {
				r.Reset()
				fr = feed(r, x, 4096)
				if len(fr) != 1 {
					b.Fatalf("got %s", describe(fr))
				}
			}
			b.ReportMetric(audioSeconds*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, p := range Profiles() {
		for _, rate := range rates {
			if p.Validate(rate) != nil {
				continue
			}
			b.Run(fmt.Sprintf("profile=%s/rate=%d", p.Name, rate), func(b *testing.B) {
				e, err := NewEncoder(p, rate)
				if err != nil {
					b.Fatal(err)
				}
				payload := []byte("0123456789abcdef")
				audioSeconds := e.Airtime(len(payload)).Seconds()
				dst := make([]float32, 0, int(audioSeconds*float64(rate))+1)
				b.ReportAllocs()
				for b.Loop() {
					if dst, err = e.Encode(dst[:0], payload); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(audioSeconds*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
			})
		}
	}
}

// longStream is a minute of noise at 48 kHz holding six audible frames at
// −5 dB full-band SNR, one every ten seconds: mostly the idle listening that
// dominates a long recording.
func longStream(b *testing.B) []float32 {
	const rate = 48000
	rng := rand.New(rand.NewPCG(3, 4))
	y := make([]float32, rate*60)
	e, err := NewEncoder(Audible, rate)
	if err != nil {
		b.Fatal(err)
	}
	burst, err := e.Encode(nil, []byte("0123456789abcdef"))
	if err != nil {
		b.Fatal(err)
	}
	for at := rate; at+len(burst) < len(y); at += rate * 10 {
		copy(y[at:], burst)
	}
	return channel.AddNoise(nil, y, -5, channel.Span{Start: rate, End: rate + len(burst)}, rng)
}

// BenchmarkReceiveLong decodes a minute of mostly noise in 4096-sample
// chunks, with one receiver per native profile, one for the three of them
// (native) and the default one (auto).
func BenchmarkReceiveLong(b *testing.B) {
	const rate = 48000
	x := longStream(b)
	audioSeconds := float64(len(x)) / rate
	cases := []struct {
		name string
		ps   []Profile
	}{{"room", []Profile{Room}}, {"audible", []Profile{Audible}}, {"fast", []Profile{Fast}}, {"ultrasonic", []Profile{Ultrasonic}}, {"native", Profiles()}, {"auto", nil}}
	for _, c := range cases {
		b.Run(fmt.Sprintf("profile=%s/rate=%d", c.name, rate), func(b *testing.B) {
			r, err := NewReceiver(rate, c.ps...)
			if err != nil {
				b.Fatal(err)
			}
			fr := make([]Frame, 0, 8)
			b.ReportAllocs()
			for b.Loop() {
				r.Reset()
				fr = fr[:0]
				for i := 0; i < len(x); i += 4096 {
					fr = r.Receive(fr, x[i:min(i+4096, len(x))])
				}
				fr = r.Flush(fr)
			}
			b.ReportMetric(audioSeconds*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}
