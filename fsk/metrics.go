package fsk

import "math"

// Metrics turns tone energies into soft information.
type Metrics struct {
	N0 float64 // mean energy of a tone that was not sent (noise floor)
	Es float64 // energy of the sent tone, noise excluded
}

// Estimate measures N0 and Es over a run of symbols whose energies are laid
// out m per symbol: each symbol's idle tones (all but its strongest) give the
// noise floor, and its strongest tone less that floor gives the signal.
func Estimate(energies []float32, m int) Metrics {
	if m < 2 || len(energies) < m {
		return Metrics{N0: 1}
	}
	var idle, peak float64
	n := len(energies) / m
	for s := 0; s < n; s++ {
		row := energies[s*m : (s+1)*m]
		var sum, max float64
		for _, e := range row {
			sum += float64(e)
			if float64(e) > max {
				max = float64(e)
			}
		}
		idle += sum - max
		peak += max
	}
	n0 := idle / float64(n*(m-1))
	if n0 <= 0 || math.IsNaN(n0) {
		n0 = 1e-30
	}
	es := peak/float64(n) - n0
	// The strongest of m noise tones has mean about N0·H(m); below that the
	// estimate is noise, so keep Es at a small positive floor.
	if floor := 0.5 * n0; es < floor {
		es = floor
	}
	return Metrics{N0: n0, Es: es}
}

// SNR returns Es/N0 as a ratio.
func (m Metrics) SNR() float64 { return m.Es / m.N0 }

// LogLikelihoods appends, for each energy e, log I0(2·√(Es·e)/N0): the
// log-likelihood, up to a constant shared by all tones, that the tone was sent.
func (m Metrics) LogLikelihoods(dst []float32, energies []float32) []float32 {
	k := 2 * math.Sqrt(m.Es) / m.N0
	for _, e := range energies {
		dst = append(dst, float32(logI0(k*math.Sqrt(math.Max(float64(e), 0)))))
	}
	return dst
}

// logI0 approximates log I0(x) within 1e-3 for all x ≥ 0.
func logI0(x float64) float64 {
	if x < 3.75 {
		t := x / 3.75
		t *= t
		return math.Log(1 + t*(3.5156229+t*(3.0899424+t*(1.2067492+t*(0.2659732+t*(0.0360768+t*0.0045813))))))
	}
	t := 3.75 / x
	p := 0.39894228 + t*(0.01328592+t*(0.00225319+t*(-0.00157565+t*(0.00916281+t*(-0.02057706+t*(0.02635537+t*(-0.01647633+t*0.00392377)))))))
	return x - 0.5*math.Log(x) + math.Log(p)
}
