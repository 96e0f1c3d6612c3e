package optical

import (
	"math/rand/v2"
	"testing"

	"warble/internal/light"
)

// BenchmarkDecode decodes an 8-second 1 kHz trace holding a 16-byte token
// sent through every impairment of internal/light, and reports the airtime
// of the token and how many times faster than real time the trace decodes.
func BenchmarkDecode(b *testing.B) {
	for _, p := range Profiles() {
		b.Run("mode="+p.Name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			token := []byte("0123456789abcdef")
			lv, err := p.Levels(nil, token)
			if err != nil {
				b.Fatal(err)
			}
			c := harsh(1, rng)
			c.SampleRateHz = 1000
			s, err := light.Simulate(lv, c, rng)
			if err != nil {
				b.Fatal(err)
			}
			tr := toTrace(s)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				frames, err := Decode(tr, 60)
				if err != nil || len(frames) != 1 {
					b.Fatalf("got %v, %v", frames, err)
				}
			}
			dur := tr.T[len(tr.T)-1] - tr.T[0]
			b.ReportMetric(float64(p.Refreshes(len(token)))/60, "s-airtime")
			b.ReportMetric(dur*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}
