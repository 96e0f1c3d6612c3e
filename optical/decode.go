package optical

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"warble/codec"
)

// Decoding runs in stages, one file each, as compress/flate splits its
// decoder: resample.go (irregular samples into fixed bins), flicker.go
// (mains flicker removed), clock.go (refresh clock and slot values),
// segment.go (slots cut into symbols), levels.go (level and noise fitting,
// soft decisions) and equalize.go (a slow sensor's smear undone); this
// file finds preamble candidates and drives the stages per candidate.

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
