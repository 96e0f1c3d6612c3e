package optical

// Decoding stage 3, clock recovery: the display's refresh period and phase
// from the spectral line of the trace's edge energy, then the mean of each
// refresh slot.

import (
	"math"
	"math/cmplx"
	"sort"
)

// tone returns Σ x[k]·exp(−2πi·f·k·dt) for x with its mean removed.
func tone(x []float64, mean, dt, f float64) complex128 {
	rot := cmplx.Exp(complex(0, -2*math.Pi*f*dt))
	ph := complex(1, 0)
	var z complex128
	for k, v := range x {
		z += complex(v-mean, 0) * ph
		ph *= rot
		if k&1023 == 1023 { // keep |ph| at 1
			ph /= complex(cmplx.Abs(ph), 0)
		}
	}
	return z
}

// peak searches |Z(f)| of g over [lo, hi] and returns the frequency of the
// largest value, refined by a parabola through its neighbours.
func peak(g func(f float64) complex128, lo, hi, step float64) float64 {
	n := int((hi-lo)/step) + 1
	mag := make([]float64, n)
	best := 0
	for i := range mag {
		mag[i] = cmplx.Abs(g(lo + float64(i)*step))
		if mag[i] > mag[best] {
			best = i
		}
	}
	f := lo + float64(best)*step
	if best > 0 && best < n-1 {
		a, b, c := mag[best-1], mag[best], mag[best+1]
		if den := a - 2*b + c; den < 0 {
			f += step * 0.5 * (a - c) / den
		}
	}
	return f
}

// refreshClock finds the refresh period (s) and the time of one slot
// boundary (s from the first bin, in [0, period)) from the spectral line of
// edge energy near refreshHz, with the edge energy clipped if clip.
func refreshClock(x []float64, dt, refreshHz float64, clip bool) (period, phase float64) {
	h := binsPerSlot / 2
	cum := make([]float64, len(x)+1)
	for i, v := range x {
		cum[i+1] = cum[i] + v
	}
	e := make([]float64, len(x))
	for i := h; i+h <= len(x); i++ {
		d := (cum[i+h] - 2*cum[i] + cum[i-h]) / float64(h)
		e[i] = d * d
	}
	// A few large steps, such as from a dark screen into a safe-mode
	// transmission, can swamp the line with their broad spectrum: clipping
	// the edge energy at its 98th percentile stops them.
	sorted := append([]float64(nil), e...)
	sort.Float64s(sorted)
	if top := sorted[len(sorted)*98/100]; clip && top > 0 {
		for i, v := range e {
			e[i] = min(v, top)
		}
	}
	m := mean(e)
	dur := float64(len(x)) * dt
	f := peak(func(f float64) complex128 { return tone(e, m, dt, f) }, refreshHz*(1-skewRange), refreshHz*(1+skewRange), 0.25/dur)
	z := tone(e, m, dt, f)
	period = 1 / f
	phase = math.Mod(-cmplx.Phase(z)/(2*math.Pi*f), period)
	if phase < 0 {
		phase += period
	}
	return period, phase
}

// slotValues holds the mean of each refresh slot.
type slotValues struct {
	t0 float64   // start of slot 0, seconds from the first bin
	v  []float64 // mean of each slot's averaging window
}

// slots averages x over the window of each slot whose boundaries are
// phase + k·period.
func slots(x []float64, dt, period, phase float64) slotValues {
	cum := make([]float64, len(x)+1)
	for i, v := range x {
		cum[i+1] = cum[i] + v*dt
	}
	end := float64(len(x)) * dt
	// integral returns ∫₀ᵗ x, with x constant over each bin.
	integral := func(t float64) float64 {
		k := int(t / dt)
		if k >= len(x) {
			return cum[len(x)]
		}
		return cum[k] + (t-float64(k)*dt)*x[k]
	}
	var s slotValues
	s.t0 = phase
	for t := phase; t+period <= end; t += period {
		a, b := t+winStart*period, t+winEnd*period
		s.v = append(s.v, (integral(b)-integral(a))/(b-a))
	}
	return s
}
