package codec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

var benchSizes = []int{16, 140}

// The benchmarks use 32-FSK symbols (b=5) and the default interleaver.

func BenchmarkEncode(b *testing.B) {
	for _, r := range rates {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("rate=%v/bytes=%d", r, n), func(b *testing.B) {
				c := mustNew(b, Config{BitsPerSymbol: 5, Rate: r})
				payload := testPayload(rand.New(rand.NewPCG(1, 2)), n)
				syms := make([]byte, 0, c.Symbols(n))
				b.ReportAllocs()
				b.SetBytes(int64(n))
				for b.Loop() {
					syms, _ = c.Encode(syms[:0], payload)
				}
				airtime := float64(c.Symbols(n)) * symbolSeconds
				b.ReportMetric(airtime*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
			})
		}
	}
}

// symbolSeconds is the symbol duration of warble's audible profile, used to
// express decoding speed as a multiple of the frame's airtime.
const symbolSeconds = 0.016

// BenchmarkDecode measures Decode of one frame (ns/op is per frame) from
// noisy LLRs; x-realtime is the frame's airtime at 16 ms per symbol over the
// time to decode it.
func BenchmarkDecode(b *testing.B) {
	for _, r := range rates {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("rate=%v/bytes=%d", r, n), func(b *testing.B) {
				c := mustNew(b, Config{BitsPerSymbol: 5, Rate: r})
				rng := rand.New(rand.NewPCG(1, 2))
				payload := testPayload(rng, n)
				syms, _ := c.Encode(nil, payload)
				llr := perfectLLRs(nil, syms, 5, 4)
				for i := range llr {
					llr[i] += float32(rng.NormFloat64())
				}
				d := c.NewDecoder()
				out := make([]byte, 0, n)
				b.ReportAllocs()
				b.SetBytes(int64(n))
				for b.Loop() {
					if _, err := d.Decode(out[:0], llr, n); err != nil {
						b.Fatal(err)
					}
				}
				airtime := float64(c.Symbols(n)) * symbolSeconds
				b.ReportMetric(airtime*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
			})
		}
	}
}

func BenchmarkDecodeHeader(b *testing.B) {
	for _, r := range []Rate{Rate12, Rate78} {
		b.Run(fmt.Sprintf("rate=%v", r), func(b *testing.B) {
			c := mustNew(b, Config{BitsPerSymbol: 5, Rate: r})
			syms, _ := c.Encode(nil, make([]byte, 16))
			llr := perfectLLRs(nil, syms, 5, 4)
			d := c.NewDecoder()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.DecodeHeader(llr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSymbolLLRs reports ns per symbol.
func BenchmarkSymbolLLRs(b *testing.B) {
	for _, bits := range []int{4, 5, 8} {
		b.Run(fmt.Sprintf("bits=%d", bits), func(b *testing.B) {
			const nsym = 64
			rng := rand.New(rand.NewPCG(1, 2))
			loglik := make([]float32, nsym<<bits)
			for i := range loglik {
				loglik[i] = float32(10 * rng.Float64())
			}
			llr := make([]float32, 0, nsym*bits)
			b.ReportAllocs()
			for b.Loop() {
				llr = SymbolLLRs(llr[:0], loglik, bits)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*nsym), "ns/symbol")
		})
	}
}
