package channel

import (
	"math"
	"math/bits"
	"sync"

	"gonum.org/v1/gonum/dsp/fourier"
)

// fftPools keeps FFT plans by size: making one costs as much as a
// transform, and a plan is not safe for concurrent use.
var fftPools sync.Map // size → *sync.Pool

func getFFT(size int) *fourier.FFT {
	p, ok := fftPools.Load(size)
	if !ok {
		p, _ = fftPools.LoadOrStore(size, &sync.Pool{New: func() any { return fourier.NewFFT(size) }})
	}
	return p.(*sync.Pool).Get().(*fourier.FFT)
}

func putFFT(f *fourier.FFT) {
	if p, ok := fftPools.Load(f.Len()); ok {
		p.(*sync.Pool).Put(f)
	}
}

// DefaultMicFullScaleSPL is the sound pressure level, in dB SPL, that a
// microphone turns into a full-scale sine (amplitude 1, RMS 1/√2) when a
// [Scene] leaves MicFullScaleSPL zero. 120 dB SPL is a typical MEMS
// microphone's: a sensitivity of −26 dBFS at 94 dB SPL (1 Pa).
const DefaultMicFullScaleSPL = 120.0

// fullScaleSinePower is the mean power of a full-scale sine.
const fullScaleSinePower = 0.5

// AWeightDB returns the A-weighting of IEC 61672-1 at f Hz, in dB:
//
//	R_A(f) = 12194²·f⁴ / ((f² + 20.6²) · sqrt((f² + 107.7²)(f² + 737.9²)) · (f² + 12194²))
//	A(f)   = 20·log10(R_A(f)) + 2.00
//
// (0 dB at 1 kHz, −19.1 dB at 100 Hz, −2.5 dB at 10 kHz).
func AWeightDB(f float64) float64 {
	return 20*math.Log10(aWeight(f)) + 2.00
}

// aWeight is R_A(f), the unnormalised A-weighting amplitude.
func aWeight(f float64) float64 {
	f2 := f * f
	return 12194 * 12194 * f2 * f2 /
		((f2 + 20.6*20.6) * math.Sqrt((f2+107.7*107.7)*(f2+737.9*737.9)) * (f2 + 12194*12194))
}

// LevelDBA returns the A-weighted level of x, sampled at fs Hz, in dB(A)
// SPL for a microphone whose full-scale sine is fullScaleSPL dB SPL: the
// mean power of x weighted by A(f) (applied in the frequency domain),
// relative to a full-scale sine's. It returns −Inf for silence.
func LevelDBA(x []float32, fs int, fullScaleSPL float64) float64 {
	return fullScaleSPL + 10*math.Log10(aPower(x, fs)/fullScaleSinePower)
}

// LevelDB returns the unweighted level of x in dB SPL for a microphone whose
// full-scale sine is fullScaleSPL dB SPL.
func LevelDB(x []float32, fullScaleSPL float64) float64 {
	return fullScaleSPL + 10*math.Log10(Power(x, Span{})/fullScaleSinePower)
}

// aPower returns the A-weighted mean power of x by Parseval's theorem over
// its zero-padded FFT.
func aPower(x []float32, fs int) float64 {
	if len(x) == 0 {
		return 0
	}
	size := 1 << bits.Len(uint(len(x)-1))
	size = max(size, 2)
	seq := make([]float64, size)
	for i, v := range x {
		seq[i] = float64(v)
	}
	fft := getFFT(size)
	coef := fft.Coefficients(nil, seq)
	putFFT(fft)
	norm := math.Pow(10, 2.00/10) // the +2.00 dB that puts 1 kHz at 0 dB
	var sum float64
	for k, c := range coef {
		f := float64(k) * float64(fs) / float64(size)
		w := aWeight(f)
		p := (real(c)*real(c) + imag(c)*imag(c)) * w * w * norm
		if k != 0 && k != size/2 {
			p *= 2
		}
		sum += p
	}
	return sum / float64(size) / float64(len(x))
}
