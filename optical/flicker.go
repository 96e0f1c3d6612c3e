package optical

// Decoding stage 2, flicker removal: the lamp's mains flicker, a strong
// line at 100/120 Hz and its harmonics, subtracted before the clock is
// recovered.

import (
	"math"
	"math/cmplx"
)

// flicker is the lamp flicker removed: twice the mains frequency of 50 or
// 60 Hz and its second and third harmonics. The third is removed only where
// it is not aliased.
var flicker = []float64{100, 120, 200, 240, 300, 360}

const maxAliasedFlicker = 240

// removeToneAt subtracts from v, sampled at times t, the sinusoid of largest
// amplitude with a frequency in [lo, hi] Hz, if it stands out from its
// neighbours (four times their median), as a lamp does and data does not.
func removeToneAt(t, v []float64, lo, hi float64) {
	m := mean(v)
	z := func(f float64) complex128 {
		var re, im float64
		for k, x := range v {
			s, c := math.Sincos(2 * math.Pi * f * (t[k] - t[0]))
			re += (x - m) * c
			im -= (x - m) * s
		}
		return complex(re, im)
	}
	step := 0.3 / (t[len(t)-1] - t[0])
	var mags []float64
	for f := lo; f <= hi; f += step {
		mags = append(mags, cmplx.Abs(z(f)))
	}
	top := 0.0
	for _, a := range mags {
		top = max(top, a)
	}
	if top < 4*median(mags) {
		return
	}
	f := peak(z, lo, hi, step)
	amp := 2 * z(f) / complex(float64(len(v)), 0)
	for k := range v {
		s, c := math.Sincos(2 * math.Pi * f * (t[k] - t[0]))
		v[k] -= real(amp)*c - imag(amp)*s
	}
}

// removeTone subtracts from x the sinusoid of largest amplitude with a
// frequency in [lo, hi] Hz.
func removeTone(x []float64, dt, lo, hi float64) {
	m := mean(x)
	dur := float64(len(x)) * dt
	f := peak(func(f float64) complex128 { return tone(x, m, dt, f) }, lo, hi, 0.3/dur)
	z := tone(x, m, dt, f)
	amp := 2 * z / complex(float64(len(x)), 0)
	rot := cmplx.Exp(complex(0, 2*math.Pi*f*dt))
	ph := complex(1, 0)
	for k := range x {
		x[k] -= real(amp * ph)
		ph *= rot
		if k&1023 == 1023 {
			ph /= complex(cmplx.Abs(ph), 0)
		}
	}
}
