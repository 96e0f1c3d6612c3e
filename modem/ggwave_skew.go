package modem

import (
	"math"
	"slices"
)

// The clock-error path of the ggwave receiver.
//
// The main path sums a marker's 16 frames, and a group's frames,
// coherently. A transmitter whose clock is off by a fraction s moves a
// tone of bin k to k·(1+s), which turns its phase by 2π·k·s from one
// frame to the next: over 16 frames the sum cancels once 16·k·s nears a
// whole turn, which for the ultrasound protocols (k ≈ 330) is at
// s ≈ 0.02%, and at ±0.5% the tones have moved by up to two bins.
//
// This path looks for end markers at clock errors up to ±0.65%, in steps
// that move the top marker tone by at most a third of a bin (0.1% for the
// ultrasound band), only while the band holds tones (see tonal), with the
// energies of the last 16 whole frames summed
// incoherently (phase plays no part), each marker bin read at k·(1+s)
// between the two bins nearest it:
//
//	E(k·(1+s)) = (1−φ)·E(⌊k·(1+s)⌋) + φ·E(⌊k·(1+s)⌋+1),  φ = frac(k·(1+s))
//
// scored as the main path scores its markers. Where one peaks, the clock
// error is measured from the end marker's own tones: tone k, read at the
// bin m nearest where it landed, turns by 2π·(k·(1+s) − m) per frame, so
//
//	s = (m + arg(Σ_j X_{j+1}[m]·conj X_j[m])/2π)/k − 1
//
// for each of its 16 tones, of which the median is taken, and 10 of which
// must agree with it (tones that are not a marker's turn at random). The
// samples
// that can hold the transmission are then resampled by 1+s, which puts
// its tones back on their bins and its frames back to their length, and
// read by a second receiver of the band's protocols, whose frames are
// handed out only if they end where the marker was seen.
type ggSkew struct {
	bands []*ggSkewBand
	fires []ggSkewFire
	y     []float32
	stats Stats
}

// The clock errors searched: 0, ±step … up to ±ggSkewMax, the step such
// that the top marker tone moves by at most ggSkewBinStep bins from one
// to the next, and at most ggSkewStepMax.
const (
	ggSkewMax       = 0.0065
	ggSkewStepMax   = 0.003
	ggSkewBinStep   = 0.35
	ggSkewThreshold = 3    // incoherent end-marker score that counts as a marker
	ggSkewTaps      = 6    // whole bins a fractional bin is read from
	ggSkewTonal     = 1.25 // peakedness of the band's energies that makes the search run
	ggSkewGap       = 8    // frames without tones that end a run of them
	ggSkewAgree     = 10   // marker tones of 16 whose clock errors must agree
	ggSkewRing      = 64   // whole frames of bins kept
	ggSkewPeak      = 8    // frames a peak must stay the best
	ggSkewCoherent  = 0.2  // turns over 16 frames of the top marker tone below which the main path reads the transmission
)

// ggSkewBand is the clock-error state of one tone band.
type ggSkewBand struct {
	band   *ggBand
	lo, n  int         // bins kept: lo … lo+n−1
	steps  int         // clock errors searched each way
	step   float64     // between them
	idx    [][2]int    // their positions in a scrambled spectrum
	ring   []complex64 // ggSkewRing frames × n bins
	taps   []ggSkewTap // by clock error and marker bin: how to read the bin
	eRing  []float32   // 16 frames × clock errors × 32 marker bins: energies
	eSum   []float64   // those energies summed over the last 16 frames
	eFrame []int64     // the frame each slot of eRing holds
	eValid int64       // eSum sums the 16 frames up to this one (−1: none)
	pSum   []float64   // whole-bin energies summed over the last 16 frames
	frames int64       // frames seen
	sub    *ggReceiver // reads resampled transmissions; made on first use
	maxLen int         // frames of the band's longest transmission

	runFrom   int64 // first frame of the band's current run of tonal frames
	lastTonal int64 // last tonal frame

	pending  bool
	pendG    int64 // first frame of the pending end marker
	pendS    float64
	pendSc   float32
	lastFire int64
}

// ggSkewTap reads the spectrum at a fractional bin k+δ from the four
// whole bins around it, j0 … j0+3 (positions in the band's bins), by the
// interpolation that is exact for a frame of N samples,
//
//	X(k+δ) = Σ_m X[m]·e^{jπ(m−k−δ)(N−1)/N}·sin(π(m−k−δ))/(N·sin(π(m−k−δ)/N))
//
// cut to the terms that carry most of it.
type ggSkewTap struct {
	j0 int
	w  [ggSkewTaps]complex64
}

// ggSkewFire is an end marker to read at a clock error.
type ggSkewFire struct {
	b *ggSkewBand
	g int64
	s float64
}

// due returns the row by which the main path has looked at the end
// marker of a fire: it reads a marker when the row ggPeakWin rows after
// the marker's first row is scored, ggMarkRows rows later still. The
// incoherent score may peak a few frames before that first row.
func (fi ggSkewFire) due() int64 {
	return (fi.g+4)*ggRowsPerFrame + ggPeakWin + ggMarkRows
}

// ggSkewLatency is the input, at 48 kHz, needed after an end marker for
// the clock-error path to read it: until its fire is due, with the score
// peaking up to ggSkewPeak frames after the marker's first frame.
const ggSkewLatency = (4+ggSkewPeak)*ggFrame + (ggPeakWin+ggMarkRows)*ggHop + ggFrame - ggMarkFrames*ggFrame

func newGGSkew(r *ggReceiver) *ggSkew {
	k := &ggSkew{}
	for _, b := range r.bands {
		sb := &ggSkewBand{band: b, lastFire: -1 << 40}
		sb.lo = int(math.Floor(float64(b.bin0)*(1-ggSkewMax))) - ggSkewTaps
		hi := int(math.Ceil(float64(b.bin0+31)*(1+ggSkewMax))) + ggSkewTaps
		sb.n = hi - sb.lo
		sb.idx = make([][2]int, sb.n)
		for i := range sb.idx {
			sb.idx[i] = [2]int{r.fft.Bin(sb.lo + i), r.fft.Bin(ggFrame - sb.lo - i)}
		}
		sb.ring = make([]complex64, ggSkewRing*sb.n)
		sb.step = min(ggSkewStepMax, ggSkewBinStep/float64(b.bin0+31))
		sb.steps = int(math.Ceil(ggSkewMax/sb.step - 0.5))
		nh := 2*sb.steps + 1
		sb.taps = make([]ggSkewTap, nh*32)
		for h := 0; h < nh; h++ {
			sk := float64(h-sb.steps) * sb.step
			for i := 0; i < 32; i++ {
				f := float64(b.bin0+i) * (1 + sk)
				j := int(math.Floor(f)) - ggSkewTaps/2 + 1
				t := &sb.taps[h*32+i]
				t.j0 = j - sb.lo
				for q := range t.w {
					d := float64(j+q) - f
					amp := 1.0
					if math.Abs(d) > 1e-9 {
						amp = math.Sin(math.Pi*d) / (ggFrame * math.Sin(math.Pi*d/ggFrame))
					}
					sn, cs := math.Sincos(math.Pi * d * (ggFrame - 1) / ggFrame)
					t.w[q] = complex64(complex(amp*cs, amp*sn))
				}
			}
		}
		sb.eRing = make([]float32, ggMarkFrames*nh*32)
		sb.eSum = make([]float64, nh*32)
		sb.eFrame = make([]int64, ggMarkFrames)
		sb.pSum = make([]float64, sb.n)
		for _, p := range b.protos {
			g := p.p.GGWave
			sb.maxLen = max(sb.maxLen, g.frames(ggMaxPayload))
		}
		k.bands = append(k.bands, sb)
	}
	return k
}

func (k *ggSkew) reset() {
	for _, sb := range k.bands {
		clear(sb.ring)
		clear(sb.eRing)
		clear(sb.eSum)
		clear(sb.pSum)
		for i := range sb.eFrame {
			sb.eFrame[i] = -1
		}
		sb.eValid = -1
		sb.frames, sb.pending, sb.lastFire = 0, false, -1<<40
		sb.runFrom, sb.lastTonal = 0, -1<<40
	}
	k.fires = k.fires[:0]
}

// frame returns frame f of the band's ring.
func (sb *ggSkewBand) frame(f int64) []complex64 {
	i := int(f%ggSkewRing) * sb.n
	return sb.ring[i : i+sb.n]
}

// gate takes the next two whole frames, transformed together (one in the
// real part of spec, one in the imaginary part), and queues the end
// markers that peak.
func (k *ggSkew) gate(spec []complex64) {
	for _, sb := range k.bands {
		for half := 0; half < 2; half++ {
			f := sb.frames
			row := sb.frame(f)
			for i, ix := range sb.idx {
				z, m := spec[ix[0]], spec[ix[1]]
				if half == 0 {
					row[i] = complex(real(z)+real(m), imag(z)-imag(m))
				} else {
					row[i] = complex(imag(z)+imag(m), real(m)-real(z))
				}
			}
			sb.frames++
			if sb.tonal(f) {
				if f-sb.lastTonal > ggSkewGap {
					sb.runFrom = f
				}
				sb.lastTonal = f
				sb.sums(f)
				k.look(sb, f-(ggMarkFrames-1), true)
			} else {
				k.look(sb, f-(ggMarkFrames-1), false)
			}
		}
	}
}

// tonal reports whether the last 16 frames up to f hold tones in the
// band, from their whole-bin energies E_i summed over the frames: noise
// spreads evenly over the n bins, tones gather in a few,
//
//	n·Σ E_i² / (Σ E_i)² ≥ ggSkewTonal
//
// Only then are the marker bins read at every clock error, which costs
// far more.
func (sb *ggSkewBand) tonal(f int64) bool {
	var s1, s2 float64
	for i, v := range sb.frame(f) {
		sb.pSum[i] += float64(real(v)*real(v) + imag(v)*imag(v))
		if f >= ggMarkFrames {
			o := sb.frame(f - ggMarkFrames)[i]
			sb.pSum[i] -= float64(real(o)*real(o) + imag(o)*imag(o))
		}
		if f%1024 == 1023 {
			// Re-sum against rounding drift.
			sb.pSum[i] = 0
			for j := f - ggMarkFrames + 1; j <= f; j++ {
				o := sb.frame(j)[i]
				sb.pSum[i] += float64(real(o)*real(o) + imag(o)*imag(o))
			}
		}
		e := max(sb.pSum[i], 0)
		s1 += e
		s2 += e * e
	}
	return f >= ggMarkFrames-1 && s1 > 0 && float64(sb.n)*s2 >= ggSkewTonal*s1*s1
}

// sums makes eSum the marker-bin energies at every clock error summed over
// the 16 frames up to f, reading the frames not read yet.
func (sb *ggSkewBand) sums(f int64) {
	n := len(sb.eSum)
	if sb.eValid != f-1 || f%1024 == 0 {
		clear(sb.eSum)
		for j := f - ggMarkFrames + 1; j <= f; j++ {
			e := sb.energies(j)
			for i, v := range e {
				sb.eSum[i] += float64(v)
			}
		}
	} else {
		slot := int(f % ggMarkFrames)
		old := sb.eRing[slot*n : (slot+1)*n]
		for i, v := range old {
			sb.eSum[i] -= float64(v) // frame f−16
		}
		for i, v := range sb.energies(f) {
			sb.eSum[i] += float64(v)
		}
	}
	sb.eValid = f
}

// energies returns frame f's marker bins read at every clock error
// searched, as energies, reading them unless they have been.
func (sb *ggSkewBand) energies(f int64) []float32 {
	n := len(sb.eSum)
	slot := int(f % ggMarkFrames)
	e := sb.eRing[slot*n : (slot+1)*n]
	if sb.eFrame[slot] == f {
		return e
	}
	row := sb.frame(f)
	for i := range sb.taps {
		t := &sb.taps[i]
		var v complex64
		for q, x := range row[t.j0 : t.j0+ggSkewTaps] {
			v += x * t.w[q]
		}
		e[i] = real(v)*real(v) + imag(v)*imag(v)
	}
	sb.eFrame[slot] = f
	return e
}

// look scores the end marker whose first frame is g at every clock error
// searched, and queues a peak once ggSkewPeak frames have passed it.
func (k *ggSkew) look(sb *ggSkewBand, g int64, tonal bool) {
	var best, bestStart float32
	var bestS float64
	for step := -sb.steps; tonal && step <= sb.steps; step++ {
		s := float64(step) * sb.step
		var on, off [2]trimmedSum
		for i, v := range sb.eSum[(step+sb.steps)*32 : (step+sb.steps+1)*32] {
			e := float32(v)
			if m := i & 3; m == 0 || m == 3 {
				on[i/16].add(e)
			} else {
				off[i/16].add(e)
			}
		}
		start, end := float32(math.MaxFloat32), float32(math.MaxFloat32)
		for h := 0; h < 2; h++ {
			n, f := on[h].value(), off[h].value()
			start = min(start, n/(f+1e-30))
			end = min(end, f/(n+1e-30))
		}
		if end > best {
			best, bestS = end, s
		}
		bestStart = max(bestStart, start)
	}
	// A start marker read two bins off looks much like an end marker; read
	// at its own clock error it looks more like a start marker still.
	if best >= ggSkewThreshold && best > bestStart && g > sb.lastFire+ggSkewPeak && (!sb.pending || best > sb.pendSc) {
		sb.pending, sb.pendG, sb.pendS, sb.pendSc = true, g, bestS, best
	}
	if sb.pending && g >= sb.pendG+ggSkewPeak {
		sb.pending = false
		sb.lastFire = sb.pendG
		if s, ok := sb.measure(sb.pendG, sb.pendS); ok {
			k.fires = append(k.fires, ggSkewFire{b: sb, g: sb.pendG, s: s})
		}
	}
}

// measure returns the clock error of the end marker from frame g, found
// near s, from how its tones turn from frame to frame; false if the main
// path reads it well enough.
func (sb *ggSkewBand) measure(g int64, s0 float64) (float64, bool) {
	var est [16]float64
	var wts [16]float64
	for i := 0; i < 16; i++ {
		k := float64(sb.band.bin0 + 2*i + 1 - i%2)
		m := int(math.Round(k * (1 + s0)))
		var c complex128
		for j := g; j < g+ggMarkFrames-1; j++ {
			a, b := sb.frame(j)[m-sb.lo], sb.frame(j + 1)[m-sb.lo]
			c += complex128(b) * complex(float64(real(a)), -float64(imag(a)))
		}
		turn := math.Atan2(imag(c), real(c)) / (2 * math.Pi)
		est[i] = (float64(m)+turn)/k - 1
		wts[i] = math.Hypot(real(c), imag(c))
	}
	s := weightedMedian(est[:], wts[:])
	if math.Abs(s)*float64(sb.band.bin0+31)*ggMarkFrames < ggSkewCoherent || math.Abs(s) > ggSkewMax {
		return 0, false
	}
	// A marker's tones all turn as one clock error says; tones that merely
	// fill the marker's bins (music, a warble transmission) turn each its
	// own way. Most must agree within half a turn over the 16 frames.
	agree := 0
	for i, e := range est {
		k := float64(sb.band.bin0 + 2*i + 1 - i%2)
		if math.Abs(e-s)*k*ggMarkFrames <= 0.5 {
			agree++
		}
	}
	return s, agree >= ggSkewAgree
}

// weightedMedian returns the value at which the weights of v below and
// above balance.
func weightedMedian(v, w []float64) float64 {
	var order [16]int
	o := order[:len(v)]
	for i := range o {
		o[i] = i
	}
	slices.SortFunc(o, func(a, b int) int {
		switch {
		case v[a] < v[b]:
			return -1
		case v[a] > v[b]:
			return 1
		}
		return 0
	})
	var total float64
	for _, x := range w {
		total += x
	}
	var acc float64
	for _, i := range o {
		acc += w[i]
		if acc >= total/2 {
			return v[i]
		}
	}
	return v[o[len(o)-1]]
}

// fire reads the queued end markers: the samples that can hold each
// transmission, resampled by 1+s, through a receiver of the band's
// protocols.
func (r *ggReceiver) skewFire(dst []Frame) []Frame {
	k := r.skew
	n := 0
	for _, fi := range k.fires {
		if fi.due() > r.nRows {
			k.fires[n] = fi
			n++
			continue
		}
		sb := fi.b
		if sb.band.lastEnd >= (fi.g-2)*ggRowsPerFrame {
			continue // the main path read it
		}
		r.stats.Candidates++
		endS := (fi.g + ggMarkFrames) * ggFrame // where the end marker ends
		s1 := min(endS+3*ggFrame, r.xBase+int64(len(r.x)))
		// The transmission started no earlier than its longest length
		// allows, nor long before the band last began to hold tones
		// (16 frames of them make a tonal frame).
		s0 := max(r.xBase, endS-int64(float64((sb.maxLen+4)*ggFrame)*(1+ggSkewMax)), (sb.runFrom-ggMarkFrames-4)*ggFrame)
		if s1-s0 < 2*ggMarkFrames*ggFrame {
			continue
		}
		// y[m] = x(s0 + m/(1+s)): the transmitter's time base.
		const den = 1 << 20
		num := int(math.Round(den * (1 + fi.s)))
		rs := newResampler(den, num)
		y := rs.process(k.y[:0], r.x[s0-r.xBase:s1-r.xBase])
		y = rs.process(y, make([]float32, rs.delay()+1))
		k.y = y
		if sb.sub == nil {
			ps := make([]Profile, len(sb.band.protos))
			for i, p := range sb.band.protos {
				ps[i] = p.p
			}
			sb.sub = newGGReceiver(ps, ggRate, &k.stats)
			sb.sub.skew = nil // its input is already on time
		}
		sub := sb.sub
		sub.reset()
		var got [4]Frame
		fr := sub.receive(got[:0], y)
		fr = sub.receive(fr, make([]float32, sub.latency()))
		for _, f := range fr {
			p := r.profile(f.Profile)
			// Keep only the transmission whose end marker was seen here.
			end := s0 + int64(math.Round(float64(f.StartSample+int64(p.GGWave.frames(len(f.Payload))*ggFrame))/(1+fi.s)))
			// The score peaks where the 16 frames hold the marker with the
			// least else in them: often a little after it.
			if end < (fi.g+1)*ggFrame || end > endS+2*ggFrame {
				continue
			}
			start := float64(s0) + float64(f.StartSample)/(1+fi.s)
			start = start * float64(r.rate) / ggRate
			if r.rs != nil {
				start -= float64(r.rs.delay())
			}
			f.StartSample = int64(math.Max(0, math.Round(start)))
			f.SkewPPM = fi.s * 1e6
			f.done = float64(r.gFrames*ggFrame) * float64(r.rate) / ggRate
			if r.isRepeat(f) {
				r.stats.Duplicates++
				continue
			}
			r.stats.Frames++
			dst = append(dst, f)
		}
	}
	k.fires = k.fires[:n]
	return dst
}

// profile returns the receiver's profile of the given name.
func (r *ggReceiver) profile(name string) Profile {
	for _, p := range r.ps {
		if p.Name == name {
			return p
		}
	}
	return Profile{}
}
