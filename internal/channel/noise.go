package channel

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Noise appends n samples of white Gaussian noise with standard deviation
// sigma (variance sigma², which is the noise power over 0 … fs/2) to dst and
// returns the extended slice.
func Noise(dst []float32, n int, sigma float64, rng *rand.Rand) []float32 {
	dst = slices.Grow(dst, n)
	for range n {
		dst = append(dst, float32(sigma*rng.NormFloat64()))
	}
	return dst
}

// NoiseSigma returns the noise standard deviation σ that puts a signal of
// mean power signalPower at a full-band SNR of snrDB decibels:
//
//	σ = sqrt(signalPower / 10^(snrDB/10))
func NoiseSigma(signalPower, snrDB float64) float64 {
	return math.Sqrt(signalPower / math.Pow(10, snrDB/10))
}

// AddNoise appends x plus white Gaussian noise to dst and returns the
// extended slice. The noise variance is set so that the mean power of x over
// active (the zero Span meaning all of x) is snrDB decibels above it; see the
// package documentation. Silent samples outside active get noise too. If x
// has no power over active, no noise is added.
//
// dst may be x[:0] to add the noise in place. AddNoise panics if active lies
// outside x.
func AddNoise(dst, x []float32, snrDB float64, active Span, rng *rand.Rand) []float32 {
	sigma := NoiseSigma(Power(x, active), snrDB)
	dst = slices.Grow(dst, len(x))
	if sigma == 0 {
		return append(dst, x...)
	}
	for _, v := range x {
		dst = append(dst, v+float32(sigma*rng.NormFloat64()))
	}
	return dst
}
