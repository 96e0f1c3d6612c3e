package channel

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"sync"
	"time"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Shape of the synthetic room: the diffuse tail starts tailOnset after the
// direct sound; earlyReflections discrete reflections arrive in
// [earlyMin, earlyMax) and carry earlyShare of the reverberant energy.
const (
	tailOnset        = 5 * time.Millisecond
	earlyReflections = 4
	earlyMin         = 1 * time.Millisecond
	earlyMax         = 20 * time.Millisecond
	earlyShare       = 0.25
)

// ImpulseResponse returns a synthetic room impulse response at fs Hz: a
// direct impulse of 1 at index 0, a few discrete early reflections between 1
// and 20 ms, and a diffuse tail of Gaussian noise from 5 ms on whose
// amplitude decays by 60 dB over rt60,
//
//	tail[n] = g · exp(−3·ln(10)·t/rt60) · N(0, 1),   t = n/fs,
//
// ending at 5 ms + rt60. The early reflections carry a quarter of the
// reverberant energy, the tail the rest, and g scales the two together so
// that
//
//	directToReverbDB = 10·log10(1 / Σ_{n≥1} h[n]²).
//
// It panics unless fs > 0 and rt60 > 0.
func ImpulseResponse(fs float64, rt60 time.Duration, directToReverbDB float64, rng *rand.Rand) []float32 {
	if !(fs > 0) || rt60 <= 0 {
		panic(fmt.Sprintf("channel: no room with RT60 %v at %v Hz sampling", rt60, fs))
	}
	decay := 3 * math.Ln10 / rt60.Seconds() // amplitude decay per second
	env := func(t float64) float64 { return math.Exp(-decay * t) }

	n := int(math.Ceil((tailOnset+rt60).Seconds()*fs)) + 1
	h := make([]float64, n)
	var tailEnergy float64
	for i := max(1, int(math.Round(tailOnset.Seconds()*fs))); i < n; i++ {
		h[i] = env(float64(i)/fs) * rng.NormFloat64()
		tailEnergy += h[i] * h[i]
	}

	var early [earlyReflections]struct {
		at  int
		amp float64
	}
	var earlyEnergy float64
	for k := range early {
		t := earlyMin.Seconds() + rng.Float64()*(earlyMax-earlyMin).Seconds()
		amp := env(t) * (0.5 + 0.5*rng.Float64())
		if rng.IntN(2) == 0 {
			amp = -amp
		}
		early[k].at = min(n-1, max(1, int(math.Round(t*fs))))
		early[k].amp = amp
		earlyEnergy += amp * amp
	}
	// Scale the reflections to their share of the tail, then add them.
	scale := math.Sqrt(earlyShare / (1 - earlyShare) * tailEnergy / earlyEnergy)
	for _, e := range early {
		h[e.at] += scale * e.amp
	}

	var reverb float64
	for _, v := range h[1:] {
		reverb += v * v
	}
	g := math.Sqrt(math.Pow(10, -directToReverbDB/10) / reverb)
	ir := make([]float32, n)
	ir[0] = 1
	for i := 1; i < n; i++ {
		ir[i] = float32(g * h[i])
	}
	return ir
}

// Reverb returns x, sampled at fs Hz, as heard in a room: x convolved with
// ImpulseResponse(fs, rt60, directToReverbDB, rng). The direct path has unit
// gain, so the output is louder than x by the reverberant energy. The output
// keeps the whole tail: it has len(x)+len(ir)−1 samples, about
// rt60 + 5 ms longer than x. rt60 = 0 returns a copy of x.
func Reverb(x []float32, fs float64, rt60 time.Duration, directToReverbDB float64, rng *rand.Rand) []float32 {
	if rt60 == 0 {
		return append([]float32(nil), x...)
	}
	return Convolve(x, ImpulseResponse(fs, rt60, directToReverbDB, rng))
}

// Convolve returns the full linear convolution of x and h, of length
// len(x)+len(h)−1 (empty if either is empty), computed by FFT overlap-add.
func Convolve(x, h []float32) []float32 {
	return newConvolver(h).apply(x)
}

// convolver convolves signals with one response h, keeping h's transform
// for each FFT size it has used. It is safe for concurrent use.
type convolver struct {
	h       []float32
	spectra sync.Map // FFT size → []complex128
}

func newConvolver(h []float32) *convolver { return &convolver{h: h} }

// blockSize returns the FFT size for convolving n samples with h: the
// power of two that minimises the work of overlap-add, 2 transforms of
// size·log2(size) per block of size−len(h)+1 samples.
func (c *convolver) blockSize(n int) int {
	best, bestCost := 0, math.Inf(1)
	for k := bits.Len(uint(len(c.h))); ; k++ {
		size := 1 << k
		block := size - len(c.h) + 1
		if block < 1 {
			continue
		}
		cost := float64((n+block-1)/block) * 2 * float64(size*k)
		if cost < bestCost {
			best, bestCost = size, cost
		}
		if block >= n {
			return best
		}
	}
}

func (c *convolver) spectrum(fft *fourier.FFT, size int) []complex128 {
	if s, ok := c.spectra.Load(size); ok {
		return s.([]complex128)
	}
	seq := make([]float64, size)
	for i, v := range c.h {
		seq[i] = float64(v)
	}
	s, _ := c.spectra.LoadOrStore(size, fft.Coefficients(nil, seq))
	return s.([]complex128)
}

func (c *convolver) apply(x []float32) []float32 {
	h := c.h
	if len(x) == 0 || len(h) == 0 {
		return []float32{}
	}
	out := make([]float64, len(x)+len(h)-1)
	if len(h) <= 32 || len(x) <= 32 {
		for i, v := range x {
			for k, c := range h {
				out[i+k] += float64(v) * float64(c)
			}
		}
		return toFloat32(out)
	}

	size := c.blockSize(len(x))
	block := size - len(h) + 1
	fft := getFFT(size)
	defer putFFT(fft)
	hf := c.spectrum(fft, size)
	seq := make([]float64, size)
	xf := make([]complex128, len(hf))
	norm := 1 / float64(size) // gonum's transforms are unnormalised

	for start := 0; start < len(x); start += block {
		end := min(start+block, len(x))
		clear(seq)
		for i, v := range x[start:end] {
			seq[i] = float64(v)
		}
		fft.Coefficients(xf, seq)
		for i := range xf {
			xf[i] *= hf[i]
		}
		fft.Sequence(seq, xf)
		for i, v := range seq[:min(end-start+len(h)-1, len(out)-start)] {
			out[start+i] += v * norm
		}
	}
	return toFloat32(out)
}

func toFloat32(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}
