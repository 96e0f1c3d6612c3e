package channel

import (
	"fmt"
	"math"
)

// butterworthQ are the section Qs of a 4th-order Butterworth filter,
// 1/(2·cos θ) for pole angles θ = π/8 and 3π/8.
var butterworthQ = [2]float64{
	1 / (2 * math.Cos(math.Pi/8)),
	1 / (2 * math.Cos(3*math.Pi/8)),
}

// biquad is one second-order section, normalised so a0 = 1.
type biquad struct {
	b0, b1, b2, a1, a2 float64
}

// newBiquad designs one lowpass (or highpass) section of corner f0 Hz and
// quality q by the bilinear transform with prewarping; cascading the
// butterworthQ sections puts the −3 dB point exactly at f0.
func newBiquad(highpass bool, fs, f0, q float64) biquad {
	w0 := 2 * math.Pi * f0 / fs
	cw, alpha := math.Cos(w0), math.Sin(w0)/(2*q)
	a0 := 1 + alpha
	b := biquad{a1: -2 * cw / a0, a2: (1 - alpha) / a0}
	if highpass {
		b.b0 = (1 + cw) / 2 / a0
		b.b1 = -(1 + cw) / a0
	} else {
		b.b0 = (1 - cw) / 2 / a0
		b.b1 = (1 - cw) / a0
	}
	b.b2 = b.b0
	return b
}

// run filters y in place (transposed direct form II, state starting at rest).
func (b biquad) run(y []float32) {
	var s1, s2 float64
	for i, v := range y {
		in := float64(v)
		out := b.b0*in + s1
		s1 = b.b1*in - b.a1*out + s2
		s2 = b.b2*in - b.a2*out
		y[i] = float32(out)
	}
}

// BandPass returns x, sampled at fs Hz, through a 4th-order Butterworth
// highpass at lowHz cascaded with a 4th-order Butterworth lowpass at highHz
// (each −3 dB at its corner, falling 24 dB per octave beyond it). lowHz = 0
// leaves out the highpass and highHz = 0 the lowpass. The filter is causal,
// starts at rest and keeps the length of x; like any analogue band limit it
// delays the signal slightly (at 300–3400 Hz, about 0.3 ms mid-band and more
// near the corners).
//
// BandPass(x, fs, 300, 3400) approximates a telephone channel. It panics
// unless 0 ≤ lowHz < highHz < fs/2 (ignoring a zero corner).
func BandPass(x []float32, fs, lowHz, highHz float64) []float32 {
	if !(fs > 0) || !(lowHz >= 0) || !(highHz >= 0) || lowHz >= fs/2 || highHz >= fs/2 ||
		(highHz > 0 && lowHz >= highHz) {
		panic(fmt.Sprintf("channel: band %v–%v Hz invalid at %v Hz sampling", lowHz, highHz, fs))
	}
	y := append([]float32(nil), x...)
	for _, q := range butterworthQ {
		if lowHz > 0 {
			newBiquad(true, fs, lowHz, q).run(y)
		}
		if highHz > 0 {
			newBiquad(false, fs, highHz, q).run(y)
		}
	}
	return y
}
