package wav

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

func BenchmarkRead(b *testing.B) {
	const frames = 1 << 16
	rng := rand.New(rand.NewPCG(40, 41))
	cases := []struct {
		f        Format
		channels int
	}{
		{Format{Bits: 8}, 1},
		{PCM16, 1},
		{PCM16, 2},
		{PCM16, 6},
		{Format{Bits: 24}, 1},
		{Format{Bits: 24}, 2},
		{Format{Bits: 32}, 1},
		{Format{Bits: 32, Float: true}, 1},
		{Format{Bits: 32, Float: true}, 2},
		{Format{Bits: 64, Float: true}, 1},
	}
	for _, c := range cases {
		name := fmt.Sprintf("bits=%d/channels=%d", c.f.Bits, c.channels)
		if c.f.Float {
			name = fmt.Sprintf("bits=%d/float/channels=%d", c.f.Bits, c.channels)
		}
		file := encode(b, gridSignal(rng, c.channels, frames, c.f), 48000, c.f)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(frames * c.channels * c.f.Bits / 8))
			src := bytes.NewReader(file)
			var d Reader
			dst := make([]float32, 4096)
			for b.Loop() {
				src.Reset(file)
				if err := d.Reset(src); err != nil {
					b.Fatal(err)
				}
				for {
					_, err := d.Read(dst)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / frames
			b.ReportMetric(ns, "ns/sample")
			b.ReportMetric(frames/48000.0*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}

func BenchmarkWriter(b *testing.B) {
	samples := make([]float32, 4096)
	rng := rand.New(rand.NewPCG(42, 43))
	for i := range samples {
		samples[i] = float32(rng.Float64()*2 - 1)
	}
	b.ReportAllocs()
	b.SetBytes(2 * int64(len(samples)))
	w, err := NewWriter(discardSeeker{}, 48000)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := w.Write(samples); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(samples)), "ns/sample")
}

type discardSeeker struct{}

func (discardSeeker) Write(p []byte) (int, error)    { return len(p), nil }
func (discardSeeker) Seek(int64, int) (int64, error) { return 0, nil }
