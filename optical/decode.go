package optical

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"sort"
	"time"

	"warble/codec"
)

// Frame is one verified payload found in a trace.
type Frame struct {
	Profile string        // name of the profile it was sent with
	Start   time.Duration // start of the preamble, by the trace's clock
	// SNR is the contrast-to-noise ratio in dB: the step from the bottom to
	// the top level over the noise of one slot's mean.
	SNR float64
	// SkewPPM is how much faster than nominal the refreshes came, by the
	// trace's clock, in parts per million.
	SkewPPM float64
	Payload []byte
}

// ErrSampleRate is returned for a trace sampled too slowly to see single
// refreshes.
var ErrSampleRate = errors.New("optical: trace is sampled too slowly")

const (
	binsPerSlot = 16
	maxBins     = 1 << 23 // about 2.4 hours at 60 Hz
	skewRange   = 0.03    // refresh clock search range, as a fraction
	corrMin     = 0.6     // preamble correlation threshold
	tailChips   = 7       // preamble chips correlated
	maxCands    = 12      // preamble candidates tried per profile
	winStart    = 0.25    // slot averaging window, as fractions of a slot
	winEnd      = 0.9
)

// Decode finds and verifies the transmissions in tr, sent with any of
// profiles (all of [Profiles] if none are given) on a display refreshing at
// refreshHz. It returns them in order of time. An error means the trace
// cannot be read as a light trace; finding nothing is not an error.
func Decode(tr Trace, refreshHz float64, profiles ...Profile) ([]Frame, error) {
	if !(refreshHz >= 10 && refreshHz <= 500) {
		return nil, fmt.Errorf("optical: refresh rate %g Hz is outside 10..500", refreshHz)
	}
	if len(profiles) == 0 {
		profiles = Profiles()
	}
	codes := make([]*codec.Code, len(profiles))
	for i, p := range profiles {
		c, err := p.check()
		if err != nil {
			return nil, err
		}
		codes[i] = c
	}
	if err := tr.check(); err != nil {
		return nil, err
	}
	n := len(tr.T)
	dur := tr.T[n-1] - tr.T[0]
	if fs := float64(n-1) / dur; fs < 2.5*refreshHz {
		return nil, fmt.Errorf("%w: %.1f samples per second, need at least %.0f for %g Hz refreshes", ErrSampleRate, fs, 2.5*refreshHz, refreshHz)
	}
	dt := 1 / (refreshHz * binsPerSlot)
	if dur/dt > maxBins {
		return nil, fmt.Errorf("optical: trace of %.0f s is too long (at most %.0f s)", dur, maxBins*dt)
	}
	// Lamp flicker above half the sample rate is aliased: it is fitted on
	// the samples themselves, at their own times, before resampling. The fit
	// can also take some of a strong signal with it, so the trace is
	// decoded both with and without it.
	fs := float64(n-1) / dur
	var aliased []float64
	for _, f := range flicker {
		if fs <= 2.2*f*1.03 && f <= maxAliasedFlicker {
			fa := math.Mod(f, fs)
			fa = min(fa, fs-fa)
			if fa > 8 && fa < fs/2-2 {
				aliased = append(aliased, f)
			}
		}
	}
	frames := decodeSamples(tr, fs, dt, refreshHz, profiles, codes)
	if len(aliased) > 0 {
		v := append([]float64(nil), tr.V...)
		for _, f := range aliased {
			removeToneAt(tr.T, v, f*0.97, f*1.03)
		}
		frames = mergeFrames(frames, decodeSamples(Trace{T: tr.T, V: v}, fs, dt, refreshHz, profiles, codes))
	}
	sort.Slice(frames, func(i, j int) bool { return frames[i].Start < frames[j].Start })
	return frames, nil
}

// decodeSamples decodes a checked trace sampled at about fs per second.
func decodeSamples(tr Trace, fs, dt, refreshHz float64, profiles []Profile, codes []*codec.Code) []Frame {
	x := resample(tr, dt)
	for _, f := range flicker {
		if fs > 2.2*f*1.03 && 1/dt > 2.2*f*1.03 {
			removeTone(x, dt, f*0.97, f*1.03)
		}
	}
	// The clock is found with the edge energy clipped and not; if the two
	// disagree, both are decoded.
	period, phase := refreshClock(x, dt, refreshHz, true)
	frames := decodeClock(tr, x, dt, refreshHz, period, phase, profiles, codes)
	p2, ph2 := refreshClock(x, dt, refreshHz, false)
	dph := math.Abs(math.Mod(ph2-phase+1.5*period, period) - period/2)
	if math.Abs(1/p2-1/period) > 0.02 || dph > period/8 {
		frames = mergeFrames(frames, decodeClock(tr, x, dt, refreshHz, p2, ph2, profiles, codes))
	}
	return frames
}

// mergeFrames appends to frames those of more that it does not hold yet.
func mergeFrames(frames, more []Frame) []Frame {
	for _, f := range more {
		dup := false
		for _, g := range frames {
			if bytes.Equal(f.Payload, g.Payload) && (f.Start-g.Start).Abs() < 200*time.Millisecond {
				dup = true
			}
		}
		if !dup {
			frames = append(frames, f)
		}
	}
	return frames
}

// decodeClock decodes the resampled trace x with the given refresh clock.
func decodeClock(tr Trace, x []float64, dt, refreshHz, period, phase float64, profiles []Profile, codes []*codec.Code) []Frame {
	sl := slots(x, dt, period, phase)
	var frames []Frame
	var used [][2]int // slot spans of frames found
	for pi, p := range profiles {
		d := &frameDecoder{p: p, code: codes[pi], dec: codes[pi].NewDecoder(), v: sl.v}
		for _, cand := range d.candidates() {
			start := cand.start
			overlap := false
			for _, u := range used {
				if start < u[1] && start+len(d.p.preamble()) > u[0] {
					overlap = true
				}
			}
			if overlap {
				continue
			}
			// The preamble ends in alternating chips, so a start one chip
			// off still fits; a strong candidate is tried there too.
			thorough := cand.corr >= thoroughCorr
			shifts := []int{0}
			if thorough {
				shifts = append(shifts, p.SlotsPerSymbol, -p.SlotsPerSymbol)
			}
			var payload []byte
			var end int
			var snr float64
			ok := false
			for _, sh := range shifts {
				if payload, end, snr, ok = d.decodeAt(start+sh, thorough); ok {
					start += sh
					break
				}
			}
			if !ok {
				continue
			}
			used = append(used, [2]int{start, end})
			t0 := tr.T[0] + sl.t0 + float64(start)*period
			frames = append(frames, Frame{
				Profile: p.Name,
				Start:   time.Duration(math.Round(t0 * 1e9)),
				SNR:     snr,
				SkewPPM: math.Round((1/(period*refreshHz) - 1) * 1e6),
				Payload: payload,
			})
		}
	}
	return frames
}

// resample averages tr into bins of dt seconds from tr.T[0], filling empty
// bins by linear interpolation.
func resample(tr Trace, dt float64) []float64 {
	t0 := tr.T[0]
	nb := int((tr.T[len(tr.T)-1]-t0)/dt) + 1
	sum := make([]float64, nb)
	cnt := make([]int32, nb)
	for i, t := range tr.T {
		k := min(int((t-t0)/dt), nb-1)
		sum[k] += tr.V[i]
		cnt[k]++
	}
	j := 0 // tr.T[j] <= bin centre < tr.T[j+1] where possible
	for k := range sum {
		if cnt[k] > 0 {
			sum[k] /= float64(cnt[k])
			continue
		}
		c := t0 + (float64(k)+0.5)*dt
		for j+1 < len(tr.T)-1 && tr.T[j+1] <= c {
			j++
		}
		ta, tb := tr.T[j], tr.T[j+1]
		if tb <= ta {
			sum[k] = tr.V[j]
			continue
		}
		w := (c - ta) / (tb - ta)
		w = max(0, min(1, w))
		sum[k] = tr.V[j] + w*(tr.V[j+1]-tr.V[j])
	}
	return sum
}

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

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
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

// frameDecoder looks for the frames of one profile in a run of slot values.
type frameDecoder struct {
	// scratch space for segment
	cost        []float64
	from, prevL []int8

	par  segParams
	p    Profile
	code *codec.Code
	dec  *codec.Decoder
	v    []float64
}

// candidates returns the slots where the preamble may start, best first.
// They are found by normalised correlation with the whole preamble and with
// its first and last tailChips chips, so that a refresh repeated or dropped
// within the preamble does not hide it; a candidate may start before slot 0.
func (d *frameDecoder) candidates() []candidate {
	pre := d.p.preamble()
	var all []candidate
	part := tailChips * d.p.SlotsPerSymbol
	for _, win := range [][2]int{{0, len(pre)}, {len(pre) - part, len(pre)}, {0, part}} {
		off := win[0]
		corr := correlate(d.v, d.p, pre[win[0]:win[1]])
		w := d.p.SlotsPerSymbol
		for s, r := range corr {
			if r < corrMin {
				continue
			}
			best := true
			for j := max(0, s-w); j <= min(len(corr)-1, s+w); j++ {
				if corr[j] > r || (corr[j] == r && j < s) {
					best = false
				}
			}
			if best {
				all = append(all, candidate{s - off, r})
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].corr > all[j].corr })
	var c []candidate
	for _, a := range all {
		dup := false
		for _, b := range c {
			if b.start == a.start {
				dup = true
			}
		}
		if !dup && len(c) < maxCands {
			c = append(c, a)
		}
	}
	return c
}

// candidate is a possible preamble start and its correlation.
type candidate struct {
	start int
	corr  float64
}

// thoroughCorr is the preamble correlation from which a candidate is worth
// every equaliser and segmentation setting; weaker ones get the first.
const thoroughCorr = 0.8

// correlate returns the normalised correlation of v with the levels of
// template at each offset.
func correlate(v []float64, p Profile, template []int) []float64 {
	q := make([]float64, len(template))
	var qs, qq float64
	for i, l := range template {
		q[i] = p.level(l)
		qs += q[i]
	}
	qm := qs / float64(len(q))
	for i := range q {
		q[i] -= qm
		qq += q[i] * q[i]
	}
	n := len(v) - len(q)
	if n <= 0 {
		return nil
	}
	corr := make([]float64, n)
	for s := range corr {
		var sv, svv, svq float64
		for i, w := range q {
			x := v[s+i]
			sv += x
			svv += x * x
			svq += x * w
		}
		vm := sv / float64(len(q))
		if vv := svv - vm*sv; vv > 0 {
			corr[s] = svq / math.Sqrt(vv*qq)
		}
	}
	return corr
}

// levelModel maps level indices to expected slot values.
type levelModel struct {
	mu    []float64
	sigma float64
	rms   float64 // root mean square residual of the fit, outliers and all
}

// fitPreamble fits gain and offset to the preamble at slot start. The
// preamble has only the bottom and top levels, so its slot values are split
// into two clusters, each summarised by its median, rather than matched slot
// by slot: a refresh repeated or dropped within the preamble, or a slot of
// idle light caught at its edge, then does no harm.
func (d *frameDecoder) fitPreamble(start int) (levelModel, bool) {
	end := start + len(d.p.preamble())
	if end > len(d.v) || end-max(0, start) < 4*d.p.SlotsPerSymbol {
		return levelModel{}, false
	}
	v := d.v[max(0, start):end]
	if len(v) < 4*d.p.SlotsPerSymbol {
		return levelModel{}, false
	}
	sorted := append([]float64(nil), v...)
	sort.Float64s(sorted)
	lo, hi := sorted[len(sorted)*15/100], sorted[len(sorted)*85/100]
	var cl, ch, res []float64
	for range 6 {
		cl, ch, res = cl[:0], ch[:0], res[:0]
		for _, x := range v {
			if x-lo < hi-x {
				cl = append(cl, x)
				res = append(res, math.Abs(x-lo))
			} else {
				ch = append(ch, x)
				res = append(res, math.Abs(x-hi))
			}
		}
		if len(cl) == 0 || len(ch) == 0 {
			return levelModel{}, false
		}
		lo, hi = median(cl), median(ch)
	}
	if !(hi > lo) {
		return levelModel{}, false
	}
	a := (hi - lo) / (d.p.High - d.p.Low)
	c := lo - a*d.p.Low
	m := levelModel{mu: make([]float64, 1<<d.p.BitsPerSymbol+1)}
	for i := range m.mu {
		m.mu[i] = a*d.p.level(i) + c
	}
	// The median absolute residual, robust to slots caught mid-transition
	// or outside the preamble, scaled to a Gaussian σ.
	var ss float64
	for _, r := range res {
		ss += r * r
	}
	m.rms = math.Sqrt(ss / float64(len(res)))
	m.sigma = d.floorSigma(1.4826*median(res), m)
	return m, true
}

// median returns the median of x, reordering it.
func median(x []float64) float64 {
	sort.Float64s(x)
	n := len(x)
	if n%2 == 1 {
		return x[n/2]
	}
	return (x[n/2-1] + x[n/2]) / 2
}

// floorSigma keeps sigma from claiming more precision than the level steps
// can be trusted to.
func (d *frameDecoder) floorSigma(sigma float64, m levelModel) float64 {
	step := math.Abs(m.mu[len(m.mu)-1]-m.mu[0]) / float64(len(m.mu)-1)
	return max(sigma, 0.05*step, 1e-12)
}

// Segmentation priors: a symbol lasts SlotsPerSymbol slots, one more when
// the display repeats a refresh, one fewer when it drops one, two more when
// it repeats two.
// Each slot a path explains earns kappa, so that paths ending at different
// slots compare fairly. The receiver tries each setting in turn until a
// frame verifies.
type segParams struct {
	penOff float64 // cost of a symbol one slot longer or shorter
	kappa  float64
}

var (
	penNominal = -math.Log(0.94)
	segTries   = []segParams{{-math.Log(0.03), 1}, {-math.Log(0.15), 1}, {-math.Log(0.005), 3}}
)

// segment finds the most likely division of the slots from first into the
// symbols of known level index head, then k symbols, then postamble
// symbols, with no two successive symbols on the same level. It returns
// each of the k symbols' first slot, length and level, and the slot after
// the postamble.
func (d *frameDecoder) segment(first int, head []int, k, post int, m levelModel) (seg segmentation, ok bool) {
	L := d.p.SlotsPerSymbol
	h := len(head)
	K := h + k + post
	M := len(m.mu)
	P := min(K*(L+2), len(d.v)-first) + 1 // slot positions 0 … P−1
	if P-1 < (h+post)*(L-1) {
		return seg, false
	}
	inf := math.Inf(1)
	// cost[(s·P + p)·M + l]: best cost of s symbols ending at slot p with
	// the last on level l.
	n := (K + 1) * P * M
	if cap(d.cost) < n {
		d.cost, d.from, d.prevL = make([]float64, n), make([]int8, n), make([]int8, n)
	}
	cost := d.cost[:n]
	from := d.from[:n]   // length of the last symbol
	prevL := d.prevL[:n] // level of the symbol before
	for i := range cost {
		cost[i] = inf
	}
	for l := range M {
		cost[l] = 0
	}
	w := 1 / (2 * m.sigma * m.sigma)
	allowed := make([]bool, M)
	for s := range K {
		for l := range allowed {
			switch {
			case s < h:
				allowed[l] = l == head[s]
			case s >= h+k:
				allowed[l] = l == 0 || l == M-1
			default:
				allowed[l] = true
			}
		}
		for p := range P {
			base := (s*P + p) * M
			// Best and second best predecessor level.
			b1, b2 := -1, -1
			for l := range M {
				c := cost[base+l]
				if c == inf {
					continue
				}
				if b1 < 0 || c < cost[base+b1] {
					b1, b2 = l, b1
				} else if b2 < 0 || c < cost[base+b2] {
					b2 = l
				}
			}
			if b1 < 0 {
				continue
			}
			// A symbol whose refreshes were all dropped leaves no slot; it
			// may have been on any level but the one before.
			if s >= h && s < h+k {
				nb := ((s+1)*P + p) * M
				for l := range M {
					pl := b1
					if pl == l {
						pl = b2
					}
					if pl < 0 {
						continue
					}
					if nc := cost[base+pl] + 2*d.par.penOff; nc < cost[nb+l] {
						cost[nb+l] = nc
						from[nb+l] = 0
						prevL[nb+l] = int8(pl)
					}
				}
			}
			var sv, svv float64
			for dl := 1; dl <= L+2 && p+dl < P; dl++ {
				v := d.v[first+p+dl-1]
				sv += v
				svv += v * v
				if dl < L-1 {
					continue
				}
				pen := d.par.penOff * float64(abs(dl-L))
				if dl == L {
					pen = penNominal
				}
				nb := ((s+1)*P + p + dl) * M
				for l, mu := range m.mu {
					if !allowed[l] {
						continue
					}
					pl := b1
					if pl == l {
						pl = b2
					}
					if pl < 0 {
						continue
					}
					nc := cost[base+pl] + (svv-2*mu*sv+float64(dl)*mu*mu)*w - d.par.kappa*float64(dl) + pen
					if nc < cost[nb+l] {
						cost[nb+l] = nc
						from[nb+l] = int8(dl)
						prevL[nb+l] = int8(pl)
					}
				}
			}
		}
	}
	endP, endL := -1, -1
	for p := range P {
		for l := range M {
			c := cost[(K*P+p)*M+l]
			if c < inf && (endP < 0 || c < cost[(K*P+endP)*M+endL]) {
				endP, endL = p, l
			}
		}
	}
	if endP < 0 {
		return seg, false
	}
	seg.end = first + endP
	seg.start, seg.len, seg.level = make([]int, K), make([]int, K), make([]int, K)
	p, l := endP, endL
	for s := K; s > 0; s-- {
		i := (s*P+p)*M + l
		dl, pl := int(from[i]), int(prevL[i])
		p -= dl
		seg.start[s-1], seg.len[s-1], seg.level[s-1] = first+p, dl, l
		l = pl
	}
	seg.start, seg.len, seg.level = seg.start[h:h+k], seg.len[h:h+k], seg.level[h-1:h+k]
	return seg, true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// segmentation is the symbols found by segment.
type segmentation struct {
	start, len []int
	level      []int // level of each symbol, after that of the one before the first
	end        int
}

// levelLogLik returns the log-likelihood of each level for slots v.
func levelLogLik(dst []float64, v []float64, m levelModel) []float64 {
	w := 1 / (2 * m.sigma * m.sigma)
	for _, mu := range m.mu {
		var e float64
		for _, x := range v {
			e += (x - mu) * (x - mu)
		}
		dst = append(dst, -e*w)
	}
	return dst
}

// llrs appends the bit LLRs of the segmented symbols. A symbol's value
// depends on the level before it, which is averaged over its posterior.
func (d *frameDecoder) llrs(dst []float32, seg segmentation, m levelModel) []float32 {
	b := d.p.BitsPerSymbol
	M := len(m.mu)
	prev := make([]float64, M) // posterior of the previous symbol's level
	prev[seg.level[0]] = 1
	var ll []float64
	sym := make([]float32, 1<<b)
	for s, st := range seg.start {
		ll = levelLogLik(ll[:0], d.v[st:st+seg.len[s]], m)
		for g := range 1 << b {
			var top float64 = math.Inf(-1)
			for j, pj := range prev {
				if pj > 0 {
					top = max(top, ll[shown(g, j)])
				}
			}
			var sum float64
			for j, pj := range prev {
				if pj > 0 {
					sum += pj * math.Exp(ll[shown(g, j)]-top)
				}
			}
			sym[gray(g)] = float32(top + math.Log(sum))
		}
		dst = codec.SymbolLLRs(dst, sym, b)
		top := math.Inf(-1)
		for _, x := range ll {
			top = max(top, x)
		}
		var sum float64
		for j, x := range ll {
			prev[j] = math.Exp(x - top)
			sum += prev[j]
		}
		for j := range prev {
			prev[j] /= sum
			if prev[j] < 1e-9 {
				prev[j] = 0
			}
		}
	}
	return dst
}

// refit re-estimates the levels and noise from the symbols as segmented.
func (d *frameDecoder) refit(seg segmentation, m levelModel) levelModel {
	M := len(m.mu)
	sum := make([]float64, M)
	cnt := make([]int, M)
	for s, st := range seg.start {
		for _, v := range d.v[st : st+seg.len[s]] {
			sum[seg.level[s+1]] += v
			cnt[seg.level[s+1]]++
		}
	}
	out := levelModel{mu: make([]float64, M)}
	for i := range out.mu {
		out.mu[i] = m.mu[i]
		if cnt[i] >= 3 {
			out.mu[i] = sum[i] / float64(cnt[i])
		}
	}
	var rss float64
	var nres int
	for s, st := range seg.start {
		for _, v := range d.v[st : st+seg.len[s]] {
			r := v - out.mu[seg.level[s+1]]
			rss += r * r
			nres++
		}
	}
	out.sigma = m.sigma
	if nres > M {
		out.sigma = d.floorSigma(math.Sqrt(rss/float64(nres-M)), out)
	}
	return out
}

// decodeAt tries to decode a frame whose preamble starts at slot start,
// with every equaliser and segmentation setting if thorough and with the
// first otherwise. It returns the payload, the slot after the frame and the
// SNR in dB.
func (d *frameDecoder) decodeAt(start int, thorough bool) (payload []byte, end int, snr float64, ok bool) {
	raw := d.v
	defer func() { d.v = raw }()
	// Undo the display's and sensor's response, which may be faster rising
	// than falling: try first the smear factors under which the preamble's
	// two levels are tightest.
	type smear struct {
		up, down float64
		m        levelModel
	}
	var tries []smear
	for _, up := range smearTries {
		for _, down := range smearTries {
			d.v = equalize(nil, raw, up, down)
			if m, ok := d.fitPreamble(start); ok {
				tries = append(tries, smear{up, down, m})
			}
		}
	}
	sort.SliceStable(tries, func(i, j int) bool { return tries[i].m.rms < tries[j].m.rms })
	// A preamble whose two levels are not clearly apart is not one.
	if len(tries) == 0 || math.Abs(tries[0].m.mu[len(tries[0].m.mu)-1]-tries[0].m.mu[0]) < minContrast*tries[0].m.sigma {
		return nil, 0, 0, false
	}
	nsm, npar := min(len(tries), smearsDecoded), len(segTries)
	if !thorough {
		nsm, npar = 1, 1
	}
	for _, sm := range tries[:nsm] {
		d.v = equalize(nil, raw, sm.up, sm.down)
		for _, par := range segTries[:npar] {
			d.par = par
			if payload, end, m, ok := d.decodeWith(start, sm.m); ok {
				contrast := math.Abs(m.mu[len(m.mu)-1] - m.mu[0])
				return payload, end, 20 * math.Log10(contrast/m.sigma), true
			}
		}
	}
	return nil, 0, 0, false
}

// refitPasses is how many times the levels are refitted from a failed
// decoding's symbols and the decoding tried again.
const refitPasses = 2

// minContrast is the least step between the preamble's levels, in slot
// noise σ, for the decoder to go on.
const minContrast = 4

// smearsDecoded is how many of the smear factors are decoded with.
const smearsDecoded = 2

// smearTries are the values of r tried by equalize, from none upwards.
var smearTries = []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6}

// equalize undoes a first-order smear between successive slots of up on
// rising steps and down on falling ones,
//
//	v[n] = (1 − r)·x[n] + r·v[n−1]   ⇒   x[n] = (v[n] − r·v[n−1]) / (1 − r)
//
// writing x into dst's storage.
func equalize(dst, v []float64, up, down float64) []float64 {
	dst = append(dst[:0], v...)
	for n := len(v) - 1; n > 0; n-- {
		r := up
		if v[n] < v[n-1] {
			r = down
		}
		if r != 0 {
			dst[n] = (v[n] - r*v[n-1]) / (1 - r)
		}
	}
	return dst
}

// decodeWith runs decodeAt with the segmentation settings d.par, starting
// from the level model m.
func (d *frameDecoder) decodeWith(start int, m levelModel) (payload []byte, end int, _ levelModel, ok bool) {
	// The segmentation starts two preamble chips early, so that a refresh
	// repeated or dropped within the preamble does not shift the frame.
	pre := d.p.preamble()
	L := d.p.SlotsPerSymbol
	head := []int{pre[len(pre)-2*L], pre[len(pre)-L]}
	first := start + len(pre) - 2*L
	if first < 0 || first >= len(d.v) {
		return nil, 0, m, false
	}
	b := d.p.BitsPerSymbol
	hs := d.code.HeaderSymbols()
	var llr []float32
	for pass := range refitPasses + 1 {
		// The segmentation runs past the header block, whose own end is
		// not anchored.
		seg, ok := d.segment(first, head, hs+8, 0, m)
		if !ok {
			return nil, 0, m, false
		}
		seg.start, seg.len, seg.level = seg.start[:hs], seg.len[:hs], seg.level[:hs+1]
		llr = d.llrs(llr[:0], seg, m)
		n, err := d.dec.DecodeHeader(llr)
		if err != nil {
			if pass < refitPasses {
				m = d.refit(seg, m)
			}
			continue
		}
		k := d.code.Symbols(n)
		seg, ok = d.segment(first, head, k, postambleSymbols, m)
		if !ok {
			return nil, 0, m, false
		}
		llr = d.llrs(llr[:0], seg, m)
		if len(llr) != k*b {
			return nil, 0, m, false
		}
		if payload, err = d.dec.Decode(nil, llr, n); err == nil {
			return payload, seg.end, m, true
		}
		if payload, ok = d.moveVanished(seg, m, n); ok {
			return payload, seg.end, m, true
		}
		if pass < refitPasses {
			m = d.refit(seg, m)
		}
	}
	return nil, 0, m, false
}

// moveVanished handles a segmentation with one symbol whose refreshes were
// all dropped. Nothing in the light shows where that symbol was, so each
// place is tried until the frame verifies.
func (d *frameDecoder) moveVanished(seg segmentation, m levelModel, n int) ([]byte, bool) {
	v := -1
	for i, l := range seg.len {
		if l == 0 {
			if v >= 0 {
				return nil, false
			}
			v = i
		}
	}
	if v < 0 {
		return nil, false
	}
	k := len(seg.start)
	alt := segmentation{start: make([]int, k), len: make([]int, k), level: make([]int, k+1)}
	var llr []float32
	for j := range k {
		if j == v {
			continue
		}
		// Remove symbol v and insert an empty one before symbol j.
		var idx []int
		for i := range k {
			if i != v {
				idx = append(idx, i)
			}
		}
		idx = append(idx[:j:j], append([]int{-1}, idx[j:]...)...)
		alt.level[0] = seg.level[0]
		for i, x := range idx {
			if x < 0 {
				alt.start[i], alt.len[i] = 0, 0
				alt.level[i+1] = alt.level[i]
				continue
			}
			alt.start[i], alt.len[i], alt.level[i+1] = seg.start[x], seg.len[x], seg.level[x+1]
		}
		llr = d.llrs(llr[:0], alt, m)
		if payload, err := d.dec.Decode(nil, llr, n); err == nil {
			return payload, true
		}
	}
	return nil, false
}
