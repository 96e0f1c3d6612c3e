package fsk

import (
	"fmt"
	"math"
	"math/bits"
)

// FFT is an in-place radix-2 complex FFT of a fixed power-of-two size in
// single precision. It is the spectrogram engine of the preamble search,
// where it runs once per half symbol on every band; gonum's FFTPACK port
// (float64, any size) is kept as the reference it is tested against and
// measured beside in BenchmarkFFT.
type FFT struct {
	n   int
	rev []int32
	tw  []complex64 // exp(−j2πk/n), k < n/2
}

// NewFFT returns an FFT of size n, a power of two from 2 to 65536.
func NewFFT(n int) (*FFT, error) {
	if n < 2 || n > 1<<16 || n&(n-1) != 0 {
		return nil, fmt.Errorf("fsk: fft size %d is not a power of two in 2..65536", n)
	}
	f := &FFT{n: n, rev: make([]int32, n), tw: make([]complex64, n/2)}
	shift := 64 - uint(bits.TrailingZeros(uint(n)))
	for i := range f.rev {
		f.rev[i] = int32(bits.Reverse64(uint64(i)) >> shift)
	}
	for k := range f.tw {
		s, c := math.Sincos(-2 * math.Pi * float64(k) / float64(n))
		f.tw[k] = complex(float32(c), float32(s))
	}
	return f, nil
}

// Len returns the transform size.
func (f *FFT) Len() int { return f.n }

// Transform replaces x (of length Len) by its discrete Fourier transform
// X[k] = Σ_n x[n]·exp(−j2πkn/N).
func (f *FFT) Transform(x []complex64) {
	n := f.n
	x = x[:n]
	for i, j := range f.rev {
		if int(j) > i {
			x[i], x[j] = x[j], x[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		half := size >> 1
		step := n / size
		for start := 0; start < n; start += size {
			a := x[start : start+half]
			b := x[start+half : start+size]
			for k := range a {
				w := f.tw[k*step]
				t := complex(real(w)*real(b[k])-imag(w)*imag(b[k]), real(w)*imag(b[k])+imag(w)*real(b[k]))
				b[k] = a[k] - t
				a[k] += t
			}
		}
	}
}
