package fsk

import (
	"fmt"
	"math"
	"slices"
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
// The mixing frequency is the requested centre rounded to a multiple of
// fs/L for a table of L ≥ 1024 samples (a whole number of blocks), so the
// mixer is a periodic table, exact at every sample index however long the
// stream; [Downconverter.CenterHz] returns it.
//
// [Downconverter.Process] runs both stages on a stream. The stages are also
// available apart, for a receiver that keeps a history of u and filters only
// the stretches it needs: [Downconverter.Mix] runs stage 1 on a stream,
// [Downconverter.Filter] runs stage 2 on a stretch of u, and
// [Downconverter.Coarse] is a cheap stand-in for stage 2, the sum of D
// consecutive u, for a detector that can afford the droop
// |cos(πf/fs1)| at frequency f (for D = 2).
//
// Chunks of any size may be pushed; the output depends only on the sample
// stream, never on how it was split. A tone of amplitude A inside the band
// comes out of stage 2 with amplitude A/2·R.
type Downconverter struct {
	rate, center float64
	r, d         int
	stride       int       // mixer table entries per block: R rounded up to a multiple of 4
	mixRe, mixIm []float32 // exp(−jωi) block by block, zero-padded to stride
	block        int       // table block of the next stage-1 block
	part         []float32 // input of a partial stage-1 block
	taps         []float32
	half         []float32   // halfband form: h[mid+x] for odd x = 1, 3, …; nil if not halfband
	u            []complex64 // stage-1 samples not yet consumed by Process's filter
}

// mixTable is the least mixer table length in input samples.
const mixTable = 1024

// NewDownconverter returns a downconverter from sampleRate to complex
// baseband around centerHz (rounded to the mixer's grid, at most
// sampleRate/2048 away), keeping ±halfWidthHz.
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
	var half []float32
	if d == 2 {
		half = halfband(taps)
	}
	blocks := (mixTable + r - 1) / r
	l := r * blocks
	m := math.Round(centerHz * float64(l) / fs)
	dc := &Downconverter{rate: fs, center: m * fs / float64(l), r: r, d: d, taps: taps, half: half}
	dc.stride = (r + 3) &^ 3
	dc.mixRe = make([]float32, blocks*dc.stride)
	dc.mixIm = make([]float32, blocks*dc.stride)
	mi := int64(m)
	for b := 0; b < blocks; b++ {
		for i := 0; i < r; i++ {
			// Exact phase: (m·k mod L)/L of a cycle at sample k.
			k := int64(b*r + i)
			ph := float64((mi*k)%int64(l)) / float64(l)
			s, c := math.Sincos(-2 * math.Pi * ph)
			dc.mixRe[b*dc.stride+i], dc.mixIm[b*dc.stride+i] = float32(c), float32(s)
		}
	}
	dc.part = make([]float32, 0, r)
	dc.u = make([]complex64, 0, n+1024)
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

// halfband returns the odd-offset taps h[mid+1], h[mid+3], … of a symmetric
// filter whose even-offset taps (other than the centre) are zero to rounding,
// setting those to exactly zero; nil if the filter is not of that form. A
// cutoff of a quarter of the rate gives one: every other tap of the sinc
// vanishes, halving the work of a decimation by two.
func halfband(h []float32) []float32 {
	n := len(h)
	mid := (n - 1) / 2
	if n%2 == 0 || n < 3 {
		return nil
	}
	for x := 2; x <= mid; x += 2 {
		if math.Abs(float64(h[mid+x])) > 1e-6*math.Abs(float64(h[mid])) {
			return nil
		}
	}
	var odd []float32
	for x := 1; x <= mid; x += 2 {
		if h[mid+x] != h[mid-x] {
			return nil
		}
		odd = append(odd, h[mid+x])
	}
	for x := 2; x <= mid; x += 2 {
		h[mid+x], h[mid-x] = 0, 0
	}
	return odd
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
	dc.block = 0
	dc.part = dc.part[:0]
	dc.u = dc.u[:0]
}

// OutputRate returns the complex sample rate of the output in Hz.
func (dc *Downconverter) OutputRate() float64 { return dc.rate / float64(dc.r*dc.d) }

// Decimation returns the number of input samples per output sample.
func (dc *Downconverter) Decimation() int { return dc.r * dc.d }

// MixDecimation returns R, the input samples per stage-1 sample.
func (dc *Downconverter) MixDecimation() int { return dc.r }

// FilterDecimation returns D, the stage-1 samples per output sample.
func (dc *Downconverter) FilterDecimation() int { return dc.d }

// FilterLen returns the length of the stage-2 filter: output q reads the
// stage-1 samples qD .. qD+FilterLen−1.
func (dc *Downconverter) FilterLen() int { return len(dc.taps) }

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
	for len(x) > 0 {
		// Stage 1 in pieces that fit the spare room of u.
		room := cap(dc.u) - len(dc.u)
		k := min(len(x), room*dc.r-len(dc.part))
		if k <= 0 {
			dst = dc.drain(dst)
			continue
		}
		dc.u = dc.Mix(dc.u, x[:k])
		x = x[k:]
		dst = dc.drain(dst)
	}
	return dst
}

// drain filters the stage-1 samples held and keeps what the next output
// still needs.
func (dc *Downconverter) drain(dst []complex64) []complex64 {
	n0 := len(dst)
	dst = dc.Filter(dst, dc.u)
	if used := (len(dst) - n0) * dc.d; used > 0 {
		m := copy(dc.u, dc.u[used:])
		dc.u = dc.u[:m]
	}
	return dst
}

// Mix runs stage 1 on the stream x, appending the completed stage-1 samples
// to dst.
func (dc *Downconverter) Mix(dst []complex64, x []float32) []complex64 {
	r := dc.r
	for len(x) > 0 {
		if len(dc.part) > 0 || len(x) < r {
			// A partial block waits in part until it is whole, then takes
			// the same arithmetic as any other block.
			k := min(r-len(dc.part), len(x))
			dc.part = append(dc.part, x[:k]...)
			x = x[k:]
			if len(dc.part) == r {
				dst = dc.mixBlocks(dst, dc.part, 1)
				dc.part = dc.part[:0]
			}
			continue
		}
		nb := len(x) / r
		dst = dc.mixBlocks(dst, x, nb)
		x = x[nb*r:]
	}
	return dst
}

// mixBlocks appends the stage-1 samples of the first nb blocks of x.
func (dc *Downconverter) mixBlocks(dst []complex64, x []float32, nb int) []complex64 {
	r, st := dc.r, dc.stride
	per := len(dc.mixRe) / st // blocks in the table
	for nb > 0 {
		k := min(nb, per-dc.block)
		at := len(dst)
		dst = slices.Grow(dst, k)[:at+k]
		out := dst[at:]
		mr := dc.mixRe[dc.block*st : (dc.block+k)*st]
		mi := dc.mixIm[dc.block*st : (dc.block+k)*st]
		// The vector kernel reads stride samples from each block start, so
		// it stops where that would pass the end of x.
		fast := k
		if st > r {
			fast = 0
			if len(x) >= st {
				fast = min(k, (len(x)-st)/r+1)
			}
		}
		mixDump(out[:fast], x, mr, mi, r, st)
		for b := fast; b < k; b++ {
			out[b] = mixOne(x[b*r:b*r+r], mr[b*st:b*st+st], mi[b*st:b*st+st])
		}
		x = x[k*r:]
		nb -= k
		dc.block += k
		if dc.block == per {
			dc.block = 0
		}
	}
	return dst
}

// mixOne integrates one block x (len R) against a stride-long table row whose
// entries past R are zero, summing in the order of the vector kernel: four
// running lanes s_j = Σ_v x[4v+j]·m[4v+j], then (s0+s2)+(s1+s3).
func mixOne(x, mr, mi []float32) complex64 {
	var re, im [4]float32
	for i, v := range x {
		re[i&3] += float32(v * mr[i])
		im[i&3] += float32(v * mi[i])
	}
	// Lanes past len(x) add v·0 = 0 in the kernel, which changes nothing.
	return complex((re[0]+re[2])+(re[1]+re[3]), (im[0]+im[2])+(im[1]+im[3]))
}

// Filter runs stage 2 on u, a stretch of stage-1 samples that starts at a
// multiple of D, appending one output for every D samples of u that the
// filter covers in full: z[q] = Σ_k h[k]·u[qD+k].
func (dc *Downconverter) Filter(dst []complex64, u []complex64) []complex64 {
	n := len(dc.taps)
	if dc.half != nil {
		mid := (n - 1) / 2
		c := dc.taps[mid]
		half := dc.half
		for pos := 0; pos+n <= len(u); pos += 2 {
			a := u[pos : pos+n]
			re0, im0 := c*real(a[mid]), c*imag(a[mid])
			var re1, im1 float32
			lo, hi := mid-1, mid+1
			k := 0
			for ; k+1 < len(half); k += 2 {
				h0, h1 := half[k], half[k+1]
				p, q := a[hi], a[lo]
				re0 += h0 * (real(p) + real(q))
				im0 += h0 * (imag(p) + imag(q))
				p, q = a[hi+2], a[lo-2]
				re1 += h1 * (real(p) + real(q))
				im1 += h1 * (imag(p) + imag(q))
				hi += 4
				lo -= 4
			}
			if k < len(half) {
				p, q := a[hi], a[lo]
				re0 += half[k] * (real(p) + real(q))
				im0 += half[k] * (imag(p) + imag(q))
			}
			dst = append(dst, complex(re0+re1, im0+im1))
		}
		return dst
	}
	h := dc.taps
	for pos := 0; pos+n <= len(u); pos += dc.d {
		a := u[pos : pos+n]
		a = a[:len(h)]
		var re0, re1, im0, im1 float32
		k := 0
		for ; k+1 < len(h); k += 2 {
			re0 += h[k] * real(a[k])
			im0 += h[k] * imag(a[k])
			re1 += h[k+1] * real(a[k+1])
			im1 += h[k+1] * imag(a[k+1])
		}
		if k < len(h) {
			re0 += h[k] * real(a[k])
			im0 += h[k] * imag(a[k])
		}
		dst = append(dst, complex(re0+re1, im0+im1))
	}
	return dst
}

// Coarse is a cheap stand-in for [Downconverter.Filter] on the same u: the
// sum of the D stage-1 samples around the filter's centre,
// v[q] = Σ_{i<D} u[qD+c+i] with c = (FilterLen−1)/2 − (D−1)/2, which lines
// up with z[q] within half a stage-1 sample. It keeps white noise white but
// lets the band edges droop. It writes len(dst) outputs and needs u to hold
// (len(dst)−1)·D + c + D samples.
func (dc *Downconverter) Coarse(dst []complex64, u []complex64) {
	d := dc.d
	c := (len(dc.taps)-1)/2 - (d-1)/2
	u = u[c:]
	if d == 2 {
		pairSum(dst, u[:2*len(dst)])
		return
	}
	for q := range dst {
		var re, im float32
		for _, v := range u[q*d : q*d+d] {
			re += real(v)
			im += imag(v)
		}
		dst[q] = complex(re, im)
	}
}
