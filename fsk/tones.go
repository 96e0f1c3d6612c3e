package fsk

import (
	"fmt"
	"math"
)

// ToneBank measures the energy of a set of tones over a window of complex
// baseband samples: a bank of Goertzel filters evaluated as direct
// correlations against precomputed oscillators, so the tones may sit at any
// frequency (skew-corrected, between FFT bins).
type ToneBank struct {
	n    int
	freq []float64
	osc  []complex64 // len(freq)*n, row k = exp(−j2π f_k i / fs)
	dup  []float32   // len(freq)*2n: Re osc[i] twice, for each i
	sgn  []float32   // len(freq)*2n: −Im osc[i], Im osc[i], for each i
}

// NewToneBank returns a bank for the given baseband frequencies (Hz, may be
// negative) over windows of n samples at sampleRate.
func NewToneBank(freqHz []float64, n int, sampleRate float64) (*ToneBank, error) {
	tb := &ToneBank{}
	return tb, tb.Set(freqHz, n, sampleRate)
}

// Set retunes the bank, reusing its storage when it is large enough.
func (tb *ToneBank) Set(freqHz []float64, n int, sampleRate float64) error {
	if n < 1 || len(freqHz) == 0 || sampleRate <= 0 {
		return fmt.Errorf("fsk: tone bank needs tones, a window and a rate (got %d tones, %d samples, %g Hz)", len(freqHz), n, sampleRate)
	}
	tb.n = n
	tb.freq = append(tb.freq[:0], freqHz...)
	need := len(freqHz) * n
	if cap(tb.osc) < need {
		tb.osc = make([]complex64, need)
	}
	tb.osc = tb.osc[:need]
	if cap(tb.dup) < 2*need {
		tb.dup = make([]float32, 2*need)
		tb.sgn = make([]float32, 2*need)
	}
	tb.dup, tb.sgn = tb.dup[:2*need], tb.sgn[:2*need]
	for k, f := range freqHz {
		w := -2 * math.Pi * f / sampleRate
		row := tb.osc[k*n : (k+1)*n]
		for i := range row {
			s, c := math.Sincos(w * float64(i))
			row[i] = complex(float32(c), float32(s))
			at := 2 * (k*n + i)
			tb.dup[at], tb.dup[at+1] = float32(c), float32(c)
			tb.sgn[at], tb.sgn[at+1] = -float32(s), float32(s)
		}
	}
	return nil
}

// Window returns the window length in samples.
func (tb *ToneBank) Window() int { return tb.n }

// Energies appends |Σ_i z[i]·exp(−j2π f_k i/fs)|² for each tone k to dst.
// z must hold at least Window samples.
func (tb *ToneBank) Energies(dst []float32, z []complex64) []float32 {
	for k := range tb.freq {
		dst = append(dst, tb.Energy(k, z))
	}
	return dst
}

// Energy returns the energy of tone k alone over z, as [ToneBank.Energies]
// measures it.
func (tb *ToneBank) Energy(k int, z []complex64) float32 {
	n := tb.n
	re, im := cdot(z[:n], tb.dup[2*k*n:2*(k+1)*n], tb.sgn[2*k*n:2*(k+1)*n])
	return re*re + im*im
}

// cdotScalar returns Σ_i z[i]·(dup[2i] + j·sgn[2i+1]), the correlation of z
// with one oscillator row in the layout of ToneBank.dup and ToneBank.sgn.
func cdotScalar(z []complex64, dup, sgn []float32) (re, im float32) {
	dup = dup[:2*len(z)]
	sgn = sgn[:2*len(z)]
	var re0, im0, re1, im1 float32
	i := 0
	for ; i+1 < len(z); i += 2 {
		v := z[i]
		c, s := dup[2*i], sgn[2*i+1]
		re0 += real(v)*c - imag(v)*s
		im0 += real(v)*s + imag(v)*c
		v = z[i+1]
		c, s = dup[2*i+2], sgn[2*i+3]
		re1 += real(v)*c - imag(v)*s
		im1 += real(v)*s + imag(v)*c
	}
	if i < len(z) {
		v := z[i]
		c, s := dup[2*i], sgn[2*i+1]
		re0 += real(v)*c - imag(v)*s
		im0 += real(v)*s + imag(v)*c
	}
	return re0 + re1, im0 + im1
}

// Goertzel returns the energy |Σ_n x[n]·exp(−j2π f n/fs)|² of one tone in
// real samples, by the Goertzel recurrence s[n] = x[n] + 2cos(ω)s[n−1] − s[n−2].
func Goertzel(x []float32, freqHz, sampleRate float64) float64 {
	w := 2 * math.Pi * freqHz / sampleRate
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - c*s1*s2
}
