package channel

import (
	"fmt"
	"math"
	"sync"
)

// The band-limited interpolator behind Skew and Resample: a Kaiser-windowed
// sinc evaluated from a polyphase table, with linear interpolation between
// adjacent phases. With 32 taps each side (at the lower rate), β = 9 and 512
// phases, and fs the lower of the two rates: the response is flat within
// 0.001 dB up to 0.42·fs, −6 dB at 0.47·fs and below −90 dB beyond 0.52·fs,
// and the interpolation error on an in-band tone is about −105 dB.
const (
	interpHalfTaps = 32   // kernel half-width in output-rate samples
	interpPhases   = 512  // table rows per input sample
	interpBeta     = 9.0  // Kaiser window shape
	interpCutoff   = 0.94 // −6 dB point as a fraction of the lower Nyquist frequency
	cutoffSteps    = 4096 // cutoffs are rounded down to 1/cutoffSteps to bound the table cache
)

// kernelTable holds the kernel sampled at interpPhases+1 fractional offsets.
// Row p, tap k weighs input sample i0−half+1+k for an output at i0 + p/phases.
type kernelTable struct {
	half int       // kernel half-width in input samples
	taps int       // 2·half
	coef []float32 // (interpPhases+1) rows of taps
}

var tables sync.Map // cutoff step (int) → *kernelTable

// tableFor returns the kernel table for a cutoff given as a fraction of the
// input Nyquist frequency, building and caching it on first use.
func tableFor(cutoff float64) *kernelTable {
	step := int(cutoff * cutoffSteps)
	if t, ok := tables.Load(step); ok {
		return t.(*kernelTable)
	}
	t, _ := tables.LoadOrStore(step, newKernelTable(float64(step)/cutoffSteps))
	return t.(*kernelTable)
}

func newKernelTable(cutoff float64) *kernelTable {
	half := int(math.Ceil(interpHalfTaps / cutoff))
	t := &kernelTable{half: half, taps: 2 * half, coef: make([]float32, (interpPhases+1)*2*half)}
	i0beta := besselI0(interpBeta)
	row := make([]float64, t.taps)
	for p := 0; p <= interpPhases; p++ {
		frac := float64(p) / interpPhases
		var sum float64
		for k := range row {
			tau := float64(k-half+1) - frac
			u := tau / float64(half)
			var h float64
			if math.Abs(u) < 1 {
				h = cutoff * sinc(cutoff*tau) * besselI0(interpBeta*math.Sqrt(1-u*u)) / i0beta
			}
			row[k] = h
			sum += h
		}
		// Unit gain at DC for every phase, so a constant stays constant.
		for k, h := range row {
			t.coef[p*t.taps+k] = float32(h / sum)
		}
	}
	return t
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the modified Bessel function of the first kind, order 0.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1; k < 500; k++ {
		term *= q / float64(k*k)
		sum += term
		if term < 1e-17*sum {
			break
		}
	}
	return sum
}

// at returns the band-limited value of x at fractional index pos, taking x
// to be zero outside its bounds.
func (t *kernelTable) at(x []float32, pos float64) float32 {
	fl := math.Floor(pos)
	i0 := int(fl)
	p := (pos - fl) * interpPhases
	ip := int(p)
	a := float32(p - float64(ip))
	if ip >= interpPhases { // pos−fl rounded up to 1
		ip, a = interpPhases-1, 1
	}
	r0 := t.coef[ip*t.taps : (ip+1)*t.taps]
	r1 := t.coef[(ip+1)*t.taps : (ip+2)*t.taps]
	start := i0 - t.half + 1
	var s0, s1 float32
	if start >= 0 && start+t.taps <= len(x) {
		xs := x[start : start+t.taps]
		r0, r1 = r0[:len(xs)], r1[:len(xs)]
		var u0, u1 float32 // second accumulators shorten the dependency chains
		k := 0
		for ; k+1 < len(xs); k += 2 {
			v, w := xs[k], xs[k+1]
			s0 += r0[k] * v
			s1 += r1[k] * v
			u0 += r0[k+1] * w
			u1 += r1[k+1] * w
		}
		for ; k < len(xs); k++ {
			s0 += r0[k] * xs[k]
			s1 += r1[k] * xs[k]
		}
		s0 += u0
		s1 += u1
	} else {
		lo := max(0, -start)
		hi := min(t.taps, len(x)-start)
		for k := lo; k < hi; k++ {
			v := x[start+k]
			s0 += r0[k] * v
			s1 += r1[k] * v
		}
	}
	return s0 + a*(s1-s0)
}

// interpolate returns n samples of x taken at positions j·num/den, j = 0 … n−1,
// through a lowpass at cutoff (a fraction of the input Nyquist frequency).
func interpolate(x []float32, n int, num, den, cutoff float64) []float32 {
	t := tableFor(cutoff)
	y := make([]float32, n)
	for j := range y {
		y[j] = t.at(x, float64(j)*num/den)
	}
	return y
}

// Skew returns x as it would be heard if the transmitter's clock ran ppm
// parts per million fast relative to the receiver's: time is scaled by
// r = 1 + ppm·10⁻⁶, so a tone of f Hz comes out at f·r Hz and the length is
// round(len(x)/r) samples:
//
//	y[j] = x(j·r)
//
// where x(t) is the band-limited (windowed-sinc) interpolation of x. For
// ppm > 0 content that would land above the Nyquist frequency is filtered out
// first. Skew panics unless r > 0.
func Skew(x []float32, ppm float64) []float32 {
	r := 1 + ppm*1e-6
	if !(r > 0) || math.IsInf(r, 0) {
		panic(fmt.Sprintf("channel: clock skew %v ppm out of range", ppm))
	}
	if ppm == 0 {
		return append([]float32(nil), x...)
	}
	n := int(math.Round(float64(len(x)) / r))
	return interpolate(x, n, r, 1, interpCutoff*min(1, 1/r))
}

// Resample returns x, sampled at fromHz, resampled to toHz. Downsampling
// removes content above about 0.47·toHz first (the band-limited kernel is
// widened by fromHz/toHz), so nothing aliases. The output has
// ceil(len(x)·toHz/fromHz) samples, and output sample j is x at input time
// j·fromHz/toHz exactly. Resample panics unless both rates are positive.
func Resample(x []float32, fromHz, toHz int) []float32 {
	if fromHz <= 0 || toHz <= 0 {
		panic(fmt.Sprintf("channel: cannot resample from %d Hz to %d Hz", fromHz, toHz))
	}
	if fromHz == toHz {
		return append([]float32(nil), x...)
	}
	g := gcd(fromHz, toHz)
	from, to := int64(fromHz/g), int64(toHz/g)
	n := int((int64(len(x))*to + from - 1) / from)
	return interpolate(x, n, float64(from), float64(to), interpCutoff*min(1, float64(to)/float64(from)))
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
