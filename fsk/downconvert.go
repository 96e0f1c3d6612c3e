package fsk

import (
	"fmt"
	"math"
)

// Downconverter mixes a band of a real signal down to complex baseband and
// decimates it, in two stages:
//
//  1. integrate and dump over R input samples with the mixer folded in,
//     u[m] = Σ_{i<R} x[mR+i]·exp(−jω(mR+i)), which keeps white noise white,
//     so it costs no sensitivity, and attenuates the band edges by at most
//     sinc(hw·R/fs) ≥ 0.93;
//  2. a Kaiser-windowed sinc FIR filter on u, decimating by D,
//     z[q] = Σ_k h[k]·u[qD+k].
//
// Chunks of any size may be pushed; the output depends only on the sample
// stream, never on how it was split. A tone of amplitude A inside the band
// comes out with amplitude A/2·R.
type Downconverter struct {
	rate, center float64
	r, d         int
	mix          []complex64 // exp(−jωi), i < R
	step         complex128  // exp(−jωR)
	rot          complex128  // exp(−jω·mR) for the next block
	blocks       int64       // stage-1 blocks done
	acc          complex64   // stage-1 accumulator
	fill         int         // samples in acc
	taps         []float32
	hist         []complex64 // stage-1 history for the FIR: len(taps)-1 + pending
	skip         int         // stage-1 samples to drop before the next output
}

// NewDownconverter returns a downconverter from sampleRate to complex
// baseband around centerHz, keeping ±halfWidthHz.
func NewDownconverter(sampleRate int, centerHz, halfWidthHz float64) (*Downconverter, error) {
	fs := float64(sampleRate)
	if halfWidthHz <= 0 || centerHz-halfWidthHz < 0 || centerHz+halfWidthHz > fs/2 {
		return nil, fmt.Errorf("fsk: band %g±%g Hz does not fit in 0..%g Hz", centerHz, halfWidthHz, fs/2)
	}
	r := int(0.2 * fs / halfWidthHz)
	if r < 1 {
		r = 1
	}
	fs1 := fs / float64(r)
	d := int(fs1 / (2.5 * halfWidthHz))
	if d < 1 {
		d = 1
	}
	fsd := fs1 / float64(d)
	// Pass ±hw, stop from fsd−hw (where aliases start to land in the band).
	trans := fsd - 2*halfWidthHz
	if trans < 0.05*fs1 {
		trans = 0.05 * fs1
	}
	n := int(math.Ceil(2.9*fs1/trans)) | 1
	if n > 127 {
		n = 127
	}
	cut := (halfWidthHz + trans/2) / fs1 // cycles per stage-1 sample
	taps := kaiserLowpass(n, cut, 4.5)
	dc := &Downconverter{rate: fs, center: centerHz, r: r, d: d, taps: taps}
	w := 2 * math.Pi * centerHz / fs
	dc.mix = make([]complex64, r)
	for i := range dc.mix {
		s, c := math.Sincos(-w * float64(i))
		dc.mix[i] = complex(float32(c), float32(s))
	}
	s, c := math.Sincos(-w * float64(r))
	dc.step = complex(c, s)
	dc.hist = make([]complex64, 0, len(taps)-1+256)
	dc.Reset()
	return dc, nil
}

// kaiserLowpass designs an n-tap lowpass with cutoff in cycles per sample and
// unit DC gain.
func kaiserLowpass(n int, cut, beta float64) []float32 {
	h := make([]float64, n)
	mid := float64(n-1) / 2
	sum := 0.0
	for i := range h {
		x := float64(i) - mid
		s := 2 * cut
		if x != 0 {
			s = math.Sin(2*math.Pi*cut*x) / (math.Pi * x)
		}
		r := 0.0
		if mid > 0 {
			r = x / mid
		}
		h[i] = s * bessel0(beta*math.Sqrt(math.Max(0, 1-r*r))) / bessel0(beta)
		sum += h[i]
	}
	out := make([]float32, n)
	for i := range h {
		out[i] = float32(h[i] / sum)
	}
	return out
}

// bessel0 is the modified Bessel function of the first kind, order zero.
func bessel0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / 2) / float64(k)
		sum += term * term
		if term*term < 1e-12*sum {
			break
		}
	}
	return sum
}

// Reset forgets all input, as if newly made.
func (dc *Downconverter) Reset() {
	dc.rot = 1
	dc.blocks = 0
	dc.acc = 0
	dc.fill = 0
	dc.hist = dc.hist[:0]
	dc.skip = 0
}

// OutputRate returns the complex sample rate of the output in Hz.
func (dc *Downconverter) OutputRate() float64 { return dc.rate / float64(dc.r*dc.d) }

// Decimation returns the number of input samples per output sample.
func (dc *Downconverter) Decimation() int { return dc.r * dc.d }

// CenterHz returns the input frequency that lands at 0 Hz.
func (dc *Downconverter) CenterHz() float64 { return dc.center }

// Gain returns the amplitude of the output for an input tone of amplitude 1
// in the middle of the band.
func (dc *Downconverter) Gain() float64 { return float64(dc.r) / 2 }

// InputPosition returns the input sample index, possibly fractional, at the
// centre of the span that output sample q summarises.
func (dc *Downconverter) InputPosition(q float64) float64 {
	r := float64(dc.r)
	return (q*float64(dc.d)+float64(len(dc.taps)-1)/2)*r + (r-1)/2
}

// Process appends the output samples completed by x to dst.
func (dc *Downconverter) Process(dst []complex64, x []float32) []complex64 {
	r := dc.r
	for len(x) > 0 {
		// Finish a partly filled block first.
		if dc.fill > 0 || len(x) < r {
			k := r - dc.fill
			if k > len(x) {
				k = len(x)
			}
			acc := dc.acc
			for i, v := range x[:k] {
				m := dc.mix[dc.fill+i]
				acc += complex(v*real(m), v*imag(m))
			}
			dc.acc = acc
			dc.fill += k
			x = x[k:]
			if dc.fill == r {
				dst = dc.block(dst, dc.acc)
				dc.acc, dc.fill = 0, 0
			}
			continue
		}
		// Whole blocks straight from x.
		mix := dc.mix[:r]
		for len(x) >= r {
			var re, im float32
			blk := x[:r]
			for i, v := range blk {
				re += v * real(mix[i])
				im += v * imag(mix[i])
			}
			dst = dc.block(dst, complex(re, im))
			x = x[r:]
		}
	}
	return dst
}

// block takes one stage-1 sample, rotates it into place and runs the FIR.
func (dc *Downconverter) block(dst []complex64, u complex64) []complex64 {
	rot := dc.rot
	v := complex64(complex128(u) * rot)
	rot *= dc.step
	dc.blocks++
	if dc.blocks&1023 == 0 {
		// Re-anchor the rotator exactly, so rounding never accumulates.
		ph := math.Mod(dc.center*float64(dc.blocks)*float64(dc.r)/dc.rate, 1)
		s, c := math.Sincos(-2 * math.Pi * ph)
		rot = complex(c, s)
	}
	dc.rot = rot
	dc.hist = append(dc.hist, v)
	n := len(dc.taps)
	if len(dc.hist) < n {
		return dst
	}
	if dc.skip > 0 {
		dc.skip--
	} else {
		var re, im float32
		h := dc.hist[len(dc.hist)-n:]
		for k, t := range dc.taps {
			re += t * real(h[k])
			im += t * imag(h[k])
		}
		dst = append(dst, complex(re, im))
		dc.skip = dc.d - 1
	}
	if len(dc.hist) == cap(dc.hist) {
		copy(dc.hist, dc.hist[len(dc.hist)-(n-1):])
		dc.hist = dc.hist[:n-1]
	}
	return dst
}
