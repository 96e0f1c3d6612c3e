package fsk

import (
	"fmt"
	"math"
	"math/bits"
)

// FFT is an in-place complex FFT of a fixed power-of-two size in single
// precision. It is the spectrogram engine of the preamble search, where it
// runs once per half symbol on every band; gonum's FFTPACK port (float64, any
// size) is kept as the reference it is tested against and measured beside in
// BenchmarkFFT.
//
// It works by decimation in frequency with radix-4 butterflies (a final
// radix-2 stage when the size is an odd power of two), which leaves the
// spectrum in bit-reversed order: [FFT.TransformScrambled] stops there, for
// callers that read only some bins through [FFT.Bin], and [FFT.Transform]
// puts it in natural order. For a block of size N and k < N/4, with
// W = exp(−j2π/N) and a_i = x[k+iN/4], one butterfly is
//
//	y0 = (a0+a2) + (a1+a3)
//	y1 = ((a0+a2) − (a1+a3))·W^2k
//	y2 = ((a0−a2) − j(a1−a3))·W^k
//	y3 = ((a0−a2) + j(a1−a3))·W^3k
//
// written to x[k], x[k+N/4], x[k+N/2], x[k+3N/4].
type FFT struct {
	n      int
	rev    []int32
	swaps  []int32       // pairs i < j = rev[i] to exchange for natural order
	stages [][]complex64 // per radix-4 stage: W^k, W^2k, W^3k for k < N/4
	vec    [][]float32   // the same, laid out for radix4Pairs
}

// NewFFT returns an FFT of size n, a power of two from 2 to 65536.
func NewFFT(n int) (*FFT, error) {
	if n < 2 || n > 1<<16 || n&(n-1) != 0 {
		return nil, fmt.Errorf("fsk: fft size %d is not a power of two in 2..65536", n)
	}
	f := &FFT{n: n, rev: make([]int32, n)}
	shift := 64 - uint(bits.TrailingZeros(uint(n)))
	for i := range f.rev {
		f.rev[i] = int32(bits.Reverse64(uint64(i)) >> shift)
	}
	for i, j := range f.rev {
		if int(j) > i {
			f.swaps = append(f.swaps, int32(i), j)
		}
	}
	for size := n; size >= 4; size >>= 2 {
		q := size / 4
		tw := make([]complex64, 3*q)
		for k := 0; k < q; k++ {
			for m := 1; m <= 3; m++ {
				s, c := math.Sincos(-2 * math.Pi * float64(m*k) / float64(size))
				tw[3*k+m-1] = complex(float32(c), float32(s))
			}
		}
		f.stages = append(f.stages, tw)
		f.vec = append(f.vec, pairTwiddles(tw))
	}
	return f, nil
}

// Len returns the transform size.
func (f *FFT) Len() int { return f.n }

// Bin returns the index in a scrambled spectrum at which bin k lies.
func (f *FFT) Bin(k int) int { return int(f.rev[k]) }

// Transform replaces x (of length Len) by its discrete Fourier transform
// X[k] = Σ_n x[n]·exp(−j2πkn/N).
func (f *FFT) Transform(x []complex64) {
	f.TransformScrambled(x)
	x = x[:f.n]
	for k := 0; k+1 < len(f.swaps); k += 2 {
		i, j := f.swaps[k], f.swaps[k+1]
		x[i], x[j] = x[j], x[i]
	}
}

// TransformScrambled is [FFT.Transform] without the final reordering: bin k
// of the spectrum is left at x[Bin(k)].
func (f *FFT) TransformScrambled(x []complex64) {
	n := f.n
	x = x[:n]
	size := n
	for i, tw := range f.stages {
		q := size / 4
		if q == 1 {
			radix4Last(x)
			size = 1
			break
		}
		radix4Stage(x, q, tw, f.vec[i])
		size = q
	}
	if size == 2 {
		radix2Last(x)
	}
}

// pairTwiddles lays out the twiddles of one stage (W^k, W^2k, W^3k for each
// k) for radix4Pairs, two k at a time: for m = 1, 2, 3 the vectors
// [Re, Re, Re', Re'] and [−Im, Im, −Im', Im'] of W^mk and W^m(k+1).
func pairTwiddles(tw []complex64) []float32 {
	q := len(tw) / 3
	if q < 2 {
		return nil
	}
	v := make([]float32, 0, 12*q)
	for k := 0; k+1 < q; k += 2 {
		for m := 0; m < 3; m++ {
			a, b := tw[3*k+m], tw[3*(k+1)+m]
			v = append(v, real(a), real(a), real(b), real(b), -imag(a), imag(a), -imag(b), imag(b))
		}
	}
	return v
}

// radix4Scalar runs one radix-4 stage on a block x of size 4q.
func radix4Scalar(x []complex64, tw []complex64) {
	q := len(x) / 4
	a0 := x[:q]
	a1 := x[q : 2*q]
	a2 := x[2*q : 3*q]
	a3 := x[3*q : 4*q]
	a1, a2, a3 = a1[:len(a0)], a2[:len(a0)], a3[:len(a0)]
	w := tw[:3*len(a0)]
	for k := range a0 {
		p, r, u, v := a0[k], a1[k], a2[k], a3[k]
		b0r, b0i := real(p)+real(u), imag(p)+imag(u)
		b1r, b1i := real(p)-real(u), imag(p)-imag(u)
		b2r, b2i := real(r)+real(v), imag(r)+imag(v)
		// −j·(r−v)
		jr, ji := imag(r)-imag(v), real(v)-real(r)
		a0[k] = complex(b0r+b2r, b0i+b2i)
		a1[k] = mul(b0r-b2r, b0i-b2i, w[3*k+1])
		a2[k] = mul(b1r+jr, b1i+ji, w[3*k])
		a3[k] = mul(b1r-jr, b1i-ji, w[3*k+2])
	}
}

// mul returns (re + j·im)·w in single precision (Go's complex64 product
// goes through float64).
func mul(re, im float32, w complex64) complex64 {
	return complex(re*real(w)-im*imag(w), re*imag(w)+im*real(w))
}

// radix4 is the butterfly with unit twiddles on b[o], b[o+q], b[o+2q],
// b[o+3q].
func radix4(b []complex64, o, q int) {
	p, r, u, v := b[o], b[o+q], b[o+2*q], b[o+3*q]
	b0r, b0i := real(p)+real(u), imag(p)+imag(u)
	b1r, b1i := real(p)-real(u), imag(p)-imag(u)
	b2r, b2i := real(r)+real(v), imag(r)+imag(v)
	jr, ji := imag(r)-imag(v), real(v)-real(r)
	b[o] = complex(b0r+b2r, b0i+b2i)
	b[o+q] = complex(b0r-b2r, b0i-b2i)
	b[o+2*q] = complex(b1r+jr, b1i+ji)
	b[o+3*q] = complex(b1r-jr, b1i-ji)
}
