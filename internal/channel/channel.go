// Package channel simulates the acoustic path between a warble transmitter
// and receiver, for tests and benchmarks: white Gaussian noise at a stated
// signal-to-noise ratio, clock skew, resampling, band limits, room
// reverberation, gain with clipping and silence padding.
//
// Every function takes and returns mono []float32 samples at a stated sample
// rate and leaves its input unmodified. Functions that need randomness take a
// *rand.Rand, so a fixed seed (rand.New(rand.NewPCG(1, 2))) reproduces a run
// exactly.
//
// The noise level is set by the full-band SNR, the yardstick of warble's
// benchmarks: the mean power of the signal over its active span (the
// transmission, see [Span]) divided by the power of white Gaussian noise
// spread over 0 … fs/2, which is the per-sample noise variance σ²:
//
//	SNR = (1/(End−Start)) · Σ_{n=Start}^{End−1} x[n]²  /  σ²
//	SNR [dB] = 10·log10(SNR)
//
// [AddNoise] adds noise at a given SNR, [Skew] models a transmitter clock that
// runs fast or slow, [Resample] changes the sample rate, [BandPass] narrows
// the band (a telephone is 300–3400 Hz), [Reverb] adds a statistical room,
// and [Config] composes them in a fixed order.
//
// A [Scene] is the physical counterpart, in sound pressure levels rather
// than SNRs: a loudspeaker at a level in dB SPL and a microphone some metres
// apart in a shoebox [Room] simulated by the image-source method, with
// loudspeaker and microphone [Response]s and [Ambient] sound (pink noise,
// speech babble, music) at an A-weighted level. Its named rooms
// ([SmallOffice], [LivingRoom], [Hall]) are those of warble's range
// benchmark, benchmarks/rooms.
//
// All functions are safe for concurrent use, provided each goroutine uses its
// own *rand.Rand.
package channel

import (
	"fmt"
	"math"
)

// Span is a half-open range [Start, End) of sample indices. It marks the
// active part of a signal, the transmission, over which signal power is
// measured. The zero Span means the whole signal.
type Span struct {
	Start, End int
}

// Len returns the number of samples in s.
func (s Span) Len() int { return s.End - s.Start }

// resolve returns s as a range within a signal of n samples, treating the
// zero Span as the whole signal. It panics if s lies outside the signal.
func (s Span) resolve(n int) Span {
	if s == (Span{}) {
		return Span{0, n}
	}
	if s.Start < 0 || s.End < s.Start || s.End > n {
		panic(fmt.Sprintf("channel: span [%d, %d) outside signal of %d samples", s.Start, s.End, n))
	}
	return s
}

// ActiveSpan returns the span from the first to the last sample of x whose
// magnitude reaches thresholdDB relative to the peak magnitude of x (for
// example −40). It returns the empty span {0, 0} if x is silent.
func ActiveSpan(x []float32, thresholdDB float64) Span {
	var peak float64
	for _, v := range x {
		peak = max(peak, math.Abs(float64(v)))
	}
	if peak == 0 {
		return Span{}
	}
	level := peak * math.Pow(10, -math.Abs(thresholdDB)/20)
	start := -1
	end := 0
	for i, v := range x {
		if math.Abs(float64(v)) >= level {
			if start < 0 {
				start = i
			}
			end = i + 1
		}
	}
	return Span{start, end}
}

// Power returns the mean power of x over s (the zero Span meaning all of x),
// or 0 if s is empty.
func Power(x []float32, s Span) float64 {
	s = s.resolve(len(x))
	if s.Len() == 0 {
		return 0
	}
	var sum float64
	for _, v := range x[s.Start:s.End] {
		sum += float64(v) * float64(v)
	}
	return sum / float64(s.Len())
}

// Pad returns x with before zero samples in front and after zero samples
// behind. It panics if before or after is negative.
func Pad(x []float32, before, after int) []float32 {
	if before < 0 || after < 0 {
		panic(fmt.Sprintf("channel: negative padding (%d before, %d after)", before, after))
	}
	y := make([]float32, before+len(x)+after)
	copy(y[before:], x)
	return y
}

// Gain returns x scaled by gainDB decibels and clipped to [−1, 1], as a
// converter at full scale would.
func Gain(x []float32, gainDB float64) []float32 {
	g := float32(math.Pow(10, gainDB/20))
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = clip(v * g)
	}
	return y
}

// Clip returns x with every sample limited to [−1, 1].
func Clip(x []float32) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = clip(v)
	}
	return y
}

func clip(v float32) float32 {
	return min(max(v, -1), 1)
}
