package modem

import (
	"bytes"
	"cmp"
	"math"
	"slices"

	"warble/fsk"
)

// ggReceiver finds ggwave transmissions of any of its protocols. Input is
// brought to ggwave's 48 kHz; protocols with the same tones (normal, fast,
// fastest) share a band and differ only in how many frames are summed.
//
// Markers are found by summing 16 frames coherently (the tones keep their
// phase from frame to frame, since each is a whole number of cycles per
// frame) and comparing the energy of the marker's 16 bins with that of the
// 16 bins between them, in each half of the band, each sum leaving out its
// two strongest bins (the trimmed sums T):
//
//	score = min(T(on_low)/T(off_low), T(on_high)/T(off_high))
//
// A gate computes this score once per whole frame from one 1024-point
// transform per two frames, and keeps each band's bins of every frame.
// The score at the finer timing of ggHop samples (a row) is computed only
// near where the gate saw a marker: as rows arrive within ggActiveRows of
// a gate end-marker hit, and on demand elsewhere.
//
// An end marker that peaks above the threshold sends the receiver back
// through its history for a start marker at a distance that some protocol
// and message length explain. The data between them is first read from
// the gate's whole frames, which must be peaked well above noise; then
// group by group at the finer timing, each group's frames summed
// coherently; the timing is refined by how peaked the groups' spectra are;
// the length comes from a maximum-likelihood choice among the lengths that
// fit; and the message is decoded by Reed-Solomon with erasures of the
// least reliable bytes (generalised minimum distance decoding).
type ggReceiver struct {
	ps       []Profile
	rate     int
	stats    *Stats
	rs       *resampler // nil at 48 kHz
	x        []float32  // 48 kHz samples from xBase on
	xBase    int64
	res      []float32
	fft      *fsk.FFT
	work     []complex64
	nRows    int64     // rows appended (computed or not)
	gFrames  int64     // frames the gate has seen
	fold     []float32 // 16 frames from row foldS summed, by sample index mod ggFrame
	foldS    int64
	win      ggWindow
	spec     []complex64
	bands    []*ggBand
	fed      int64 // input samples received
	cw       [ggMaxPayload + 1][]byte
	dec      rsDecoder
	scr      ggScratch
	cands    []ggCand
	recent   []ggCand // candidates read lately, oldest first
	last     Frame    // the last frame handed out
	foundEnd int64    // end-marker row of the frame read last
	foundFit float32  // start-marker score of the frame read last
	reads    []ggRead // readings of one end marker's candidates
	skew     *ggSkew  // the clock-error path (ggwave_skew.go); nil in its own readers
}

const (
	ggHop            = 128                           // spectrogram hop at 48 kHz
	ggRowsPerFrame   = ggFrame / ggHop               // 8
	ggMarkRows       = ggMarkFrames * ggRowsPerFrame // rows spanned by a marker
	ggSearchRows     = 22                            // how far the data may start from where the markers put it, rows
	ggExactRows      = 6                             // marker tolerance once the timing is known, rows
	ggEchoLagRows    = 12                            // how far before the reading's timing its markers may sit, rows
	ggMinZ           = 7                             // how far above noise, in standard deviations, the data must be peaked
	ggLocalRows      = 8                             // an end marker must be the best within this many rows
	ggPeakWin        = 64                            // rows either side over which a marker must peak
	ggStartRows      = 10                            // start marker tolerance either side, rows
	ggThreshold      = 3.0                           // marker score that triggers a search
	ggExactThreshold = 2.0                           // marker score needed where the timing puts a marker
	ggMaxMargin      = 10                            // largest log-likelihood margin of a byte the decoder may change
	ggGate           = 2.0                           // gate score near which marker scores that must reach ggThreshold are computed
	ggExactGate      = 1.3                           // gate score near which marker scores that must reach ggExactThreshold are computed
	ggActiveRows     = 2 * ggRowsPerFrame            // rows either side of a gate end-marker hit whose scores are computed
	ggCoarseZ        = 4.5                           // how far above noise the data must be peaked at frame resolution to be searched
	ggPairRows       = 2                             // rows apart of the two rows one transform computes
	ggCoarseGroups   = 24                            // most groups the whole-frame look reads
	ggFineRows       = 8                             // timing search either side of the best whole-frame timing, rows
	ggFitRatio       = 1.25                          // a reading whose start marker scores this much below the best reading's loses, however long
	ggGroupZ         = 4                             // peakedness z-score a one-byte message's first group must reach and the group after it must not
	ggMarkerBalance  = 8                             // largest ratio of the start and end marker scores of one frame
)

// ggBand is the history of one tone band (protocols with the same start
// bin and group size).
type ggBand struct {
	bin0, width, nib int
	protos           []ggProto
	rowBase          int64
	start, end       []float32 // marker scores per row, from scoreBase
	scoreBase        int64
	flags            []uint8 // per row from rowBase: ggScored, ggActive
	keep             int     // rows of history kept
	lastEnd          int64   // end-marker row of the last frame found

	// The gate: marker scores of 16 whole frames every frame.
	frames       []complex64 // width bins of every whole frame from frBase
	frBase       int64
	idx          [][2]int       // positions of bins bin0+i and N−bin0−i in a scrambled spectrum
	gidx         [32][2]int     // the first 32 of idx
	gsum         [32]complex128 // marker bins of the last 16 frames, summed
	gstart, gend []float32      // gate marker scores per frame from gBase
	gBase        int64
	activeUntil  int64 // last row made active as it arrives
}

// ggWindow holds the rows of one band from base on, computed as a read
// needs them.
type ggWindow struct {
	band *ggBand
	base int64
	rows []complex64 // band.width bins per row
	have []bool
}

const (
	ggScored = 1 << iota // start and end hold the row's scores
	ggActive             // the gate saw an end marker near the row
)

// ggProto is one protocol of a band.
type ggProto struct {
	p      Profile
	groups []int // distinct group counts of messages of 1..140 bytes
}

// ggScratch is reused between decode attempts.
type ggScratch struct {
	energy []float32
	ll     []float32
	margin []float32
	ratios []float32
	hard   []byte
	order  []int
	cw     []byte
	work   []byte
	idle   []float32
	sum    []complex64
	one    []float32
	lens   []ggLen
}

// ggLen is a message length and the log-likelihood of its length block.
type ggLen struct {
	n  int
	ll float32
}

func newGGReceiver(ps []Profile, rate int, stats *Stats) *ggReceiver {
	r := &ggReceiver{ps: ps, rate: rate, stats: stats, recent: make([]ggCand, 0, 64)}
	if rate != ggRate {
		r.rs = newResampler(rate, ggRate)
	}
	r.fft, _ = fsk.NewFFT(ggFrame)
	r.work = make([]complex64, ggFrame)
	r.fold = make([]float32, ggFrame)
	r.spec = make([]complex64, ggFrame)
	r.foldS = -1
	for _, p := range ps {
		g := p.GGWave
		var b *ggBand
		for _, o := range r.bands {
			if o.bin0 == g.FreqStartBin && o.nib == g.nibbles() {
				b = o
			}
		}
		if b == nil {
			b = &ggBand{bin0: g.FreqStartBin, nib: g.nibbles(), width: max(32, 16*g.nibbles()), lastEnd: -1 << 40, activeUntil: -1}
			b.idx = make([][2]int, b.width)
			for i := range b.idx {
				b.idx[i] = [2]int{r.fft.Bin(b.bin0 + i), r.fft.Bin(ggFrame - b.bin0 - i)}
			}
			copy(b.gidx[:], b.idx)
			r.bands = append(r.bands, b)
		}
		pr := ggProto{p: p}
		for n := 1; n <= ggMaxPayload; n++ {
			if k := g.groups(n); !slices.Contains(pr.groups, k) {
				pr.groups = append(pr.groups, k)
			}
		}
		b.protos = append(b.protos, pr)
		span := ggMarkRows*2 + g.groups(ggMaxPayload)*g.FramesPerTx*ggRowsPerFrame
		b.keep = max(b.keep, span+2*ggSearchRows+ggPeakWin+ggMarkRows+64)
	}
	for n := 1; n <= ggMaxPayload; n++ {
		r.cw[n] = rsEncode(nil, []byte{byte(n)}, ggLenBytes-1)
	}
	// Reserve the whole history up front so that steady-state reception
	// does not allocate: marker scores per row, whole frames, the samples
	// behind the rows (trimmed once a quarter is stale), and one band's
	// rows for reading.
	var rows, win int
	for _, b := range r.bands {
		n := b.keep + b.keep/4 + 2*ggMarkRows
		rows = max(rows, n)
		win = max(win, n*b.width)
		b.flags = make([]uint8, 0, n)
		b.start = make([]float32, 0, n)
		b.end = make([]float32, 0, n)
		b.gstart = make([]float32, 0, n/ggRowsPerFrame+8)
		b.gend = make([]float32, 0, n/ggRowsPerFrame+8)
		b.frames = make([]complex64, 0, (n/ggRowsPerFrame+8)*b.width)
	}
	r.x = make([]float32, 0, (rows*ggHop+ggFrame)*4/3+1<<14)
	r.win.rows = make([]complex64, 0, win)
	r.win.have = make([]bool, 0, rows)
	r.skew = newGGSkew(r)
	return r
}

func (r *ggReceiver) profiles() []Profile { return r.ps }

func (r *ggReceiver) reset() {
	if r.rs != nil {
		r.rs.reset()
	}
	r.x = r.x[:0]
	r.xBase, r.nRows, r.gFrames, r.fed, r.foldS = 0, 0, 0, 0, -1
	r.win.band = nil
	r.recent = r.recent[:0]
	r.last, r.foundEnd = Frame{Payload: r.last.Payload[:0]}, 0
	for _, b := range r.bands {
		b.flags, b.start, b.end, b.gstart, b.gend = b.flags[:0], b.start[:0], b.end[:0], b.gstart[:0], b.gend[:0]
		b.frames, b.frBase, b.gsum = b.frames[:0], 0, [32]complex128{}
		b.rowBase, b.scoreBase, b.gBase, b.lastEnd, b.activeUntil = 0, 0, 0, -1<<40, -1
	}
	if r.skew != nil {
		r.skew.reset()
	}
}

func (r *ggReceiver) latency() int {
	n := 2*ggFrame + ggPeakWin*ggHop
	if r.skew != nil {
		n = max(n, ggSkewLatency)
	}
	n = n * r.rate / ggRate
	if r.rs != nil {
		n += 2 * r.rs.delay()
	}
	return n + 64
}

func (r *ggReceiver) receive(dst []Frame, samples []float32) []Frame {
	r.fed += int64(len(samples))
	in := samples
	if r.rs != nil {
		r.res = r.rs.process(r.res[:0], samples)
		in = r.res
	}
	r.x = append(r.x, in...)
	// The gate and the rows advance in the order their samples complete,
	// so that the frames found do not depend on how the input was split.
	end := r.xBase + int64(len(r.x))
	for {
		gNeed := (r.gFrames + 2) * ggFrame
		rNeed := r.nRows*ggHop + ggFrame
		if gNeed <= rNeed && gNeed <= end {
			r.gate()
			continue
		}
		if rNeed > end {
			break
		}
		for _, b := range r.bands {
			b.flags = append(b.flags, 0)
		}
		r.nRows++
		if s := r.nRows - ggMarkRows; s >= 0 {
			for _, b := range r.bands {
				dst = r.score(dst, b, s)
			}
		}
		if r.skew != nil && len(r.skew.fires) > 0 {
			dst = r.skewFire(dst)
		}
	}
	// Keep the samples of every row still in a band's history, and of the
	// row before (which ensureScore may slide from).
	keepFrom := min(r.nRows*ggHop, r.gFrames*ggFrame)
	for _, b := range r.bands {
		keepFrom = min(keepFrom, (b.rowBase-1)*ggHop)
	}
	if drop := keepFrom - r.xBase; drop > 8*ggFrame && drop > int64(len(r.x))/4 {
		n := copy(r.x, r.x[drop:])
		r.x = r.x[:n]
		r.xBase += drop
	}
	return dst
}

// gate transforms the next two whole frames at once (one in the real part,
// one in the imaginary part), updates every band's 16-frame marker sums
// with them, and makes the rows near a likely end marker computed.
func (r *ggReceiver) gate() {
	f0 := r.gFrames
	a := r.x[f0*ggFrame-r.xBase : (f0+1)*ggFrame-r.xBase]
	b := r.x[(f0+1)*ggFrame-r.xBase : (f0+2)*ggFrame-r.xBase]
	w := r.work[:len(a)]
	for i := range w {
		w[i] = complex(a[i], b[i])
	}
	r.fft.TransformScrambled(r.work)
	r.gFrames += 2
	if r.skew != nil {
		r.skew.gate(r.work)
	}
	for _, bd := range r.bands {
		n := len(bd.frames)
		if n+2*bd.width > cap(bd.frames) {
			bd.frames = append(bd.frames, make([]complex64, 2*bd.width)...)
		}
		bd.frames = bd.frames[:n+2*bd.width]
		s0, s1 := bd.frames[n:n+bd.width], bd.frames[n+bd.width:]
		for i, ix := range bd.idx {
			// Z[k] = A[k] + jB[k] with A and B the spectra of real
			// signals: 2A[k] = Z[k] + conj Z[N−k], 2jB[k] = Z[k] − conj Z[N−k].
			z, m := r.work[ix[0]], r.work[ix[1]]
			s0[i] = complex(real(z)+real(m), imag(z)-imag(m))
			s1[i] = complex(imag(z)+imag(m), real(m)-real(z))
		}
		for f := f0; f <= f0+1; f++ {
			// The last 16 frames' marker bins, summed as they pass.
			for i, v := range bd.frame(f)[:32] {
				bd.gsum[i] += complex128(v)
			}
			if old := f - ggMarkFrames; old >= 0 {
				for i, v := range bd.frame(old)[:32] {
					bd.gsum[i] -= complex128(v)
				}
			}
			g := f - (ggMarkFrames - 1) // first frame of the 16
			if g < 0 {
				continue
			}
			var sum [32]complex64
			for i, v := range bd.gsum {
				sum[i] = complex64(v)
			}
			st, en := markerRatios(sum[:])
			if g < bd.gBase {
				continue
			}
			bd.gstart = append(bd.gstart, st)
			bd.gend = append(bd.gend, en)
			if en >= ggGate {
				r.activate(bd, g*ggRowsPerFrame)
			}
		}
	}
}

// activate marks the rows of band b within ggActiveRows of row h as
// active: the peak search computes their end-marker scores.
func (r *ggReceiver) activate(b *ggBand, h int64) {
	last := b.scoreBase + int64(len(b.start))
	for s := max(h-ggActiveRows, b.scoreBase); s < last; s++ {
		b.flags[s-b.scoreBase] |= ggActive
	}
	b.activeUntil = max(b.activeUntil, h+ggActiveRows)
}

// endScore returns the end-marker score of row d of band b for the peak
// search: computed if the gate made the row active, 0 otherwise.
func (r *ggReceiver) endScore(b *ggBand, d int64) float32 {
	i := d - b.scoreBase
	if b.flags[i] == ggActive {
		r.ensureScore(b, d)
	}
	return b.end[i]
}

// setWindow makes the window hold the rows of band b from row base on,
// none computed yet, unless it already does.
func (r *ggReceiver) setWindow(b *ggBand, base int64) {
	w := &r.win
	n := int(r.nRows - base)
	if w.band == b && w.base == base && len(w.have) == n {
		return
	}
	if w.band != b || w.base != base {
		w.have = growBool(w.have, n)
		clear(w.have)
	} else {
		// The same rows, and those that have arrived since.
		m := len(w.have)
		w.have = growBool(w.have, n)
		clear(w.have[m:])
	}
	w.band, w.base = b, base
	w.rows = growC(w.rows, n*b.width)
}

// row returns row h of the window's band, computing it, and row
// h+ggPairRows with it when that row has arrived: one transform carries
// both, one in the real part and one in the imaginary part.
func (r *ggReceiver) row(h int64) []complex64 {
	w := &r.win
	b := w.band
	i := int(h - w.base)
	if !w.have[i] {
		a := r.x[h*ggHop-r.xBase : h*ggHop-r.xBase+ggFrame]
		j := i + ggPairRows
		pair := j < len(w.have) && !w.have[j]
		if pair {
			c := r.x[(h+ggPairRows)*ggHop-r.xBase : (h+ggPairRows)*ggHop-r.xBase+ggFrame]
			for k, v := range a {
				r.work[k] = complex(v, c[k])
			}
		} else {
			for k, v := range a {
				r.work[k] = complex(v, 0)
			}
		}
		r.fft.TransformScrambled(r.work)
		row := w.rows[i*b.width : (i+1)*b.width]
		if pair {
			next := w.rows[j*b.width : (j+1)*b.width]
			for k, ix := range b.idx {
				z, m := r.work[ix[0]], r.work[ix[1]]
				row[k] = complex((real(z)+real(m))/2, (imag(z)-imag(m))/2)
				next[k] = complex((imag(z)+imag(m))/2, (real(m)-real(z))/2)
			}
			w.have[j] = true
		} else {
			for k, ix := range b.idx {
				row[k] = r.work[ix[0]]
			}
		}
		w.have[i] = true
	}
	return w.rows[i*b.width : (i+1)*b.width]
}

// ensureScore computes the marker scores of row s of band b, and of every
// other band lacking them. The 16 frames a marker spans are summed sample
// by sample before one transform (by linearity, the same as summing their
// spectra); the sum is kept by sample index mod ggFrame, which turns each
// bin by a phase that the scores, built from energies, ignore, and lets
// the next row's sum follow by adding and removing ggHop samples. Row s+1
// shares the transform (in its imaginary part) when its scores have a
// place.
func (r *ggReceiver) ensureScore(b *ggBand, s int64) {
	if b.flags[s-b.scoreBase]&ggScored != 0 {
		return
	}
	r.foldTo(s)
	// Row s+1, when its scores have a place, rides in the imaginary part.
	pair := s+1 < b.scoreBase+int64(len(b.start))
	for i, v := range r.fold {
		r.spec[i] = complex(v, 0)
	}
	if pair {
		r.foldTo(s + 1)
		for i, v := range r.fold {
			r.spec[i] = complex(real(r.spec[i]), v)
		}
	}
	r.fft.TransformScrambled(r.spec)
	var sa, sb [32]complex64
	for _, o := range r.bands {
		i := s - o.scoreBase
		if i < 0 || i >= int64(len(o.start)) {
			continue
		}
		next := pair && i+1 < int64(len(o.start)) && o.flags[i+1]&ggScored == 0
		if o.flags[i]&ggScored != 0 && !next {
			continue
		}
		for k, ix := range o.gidx {
			z, m := r.spec[ix[0]], r.spec[ix[1]]
			if pair {
				sa[k] = complex(real(z)+real(m), imag(z)-imag(m))
				sb[k] = complex(imag(z)+imag(m), real(m)-real(z))
			} else {
				sa[k] = z
			}
		}
		if o.flags[i]&ggScored == 0 {
			o.start[i], o.end[i] = markerRatios(sa[:])
			o.flags[i] |= ggScored
		}
		if next {
			o.start[i+1], o.end[i+1] = markerRatios(sb[:])
			o.flags[i+1] |= ggScored
		}
	}
}

// foldTo makes r.fold the 16 frames from row s summed, by sample index
// mod ggFrame: slid from the previous row's sum, or summed afresh.
func (r *ggReceiver) foldTo(s int64) {
	const span = ggMarkFrames * ggFrame
	if r.foldS >= 0 && s == r.foldS+1 {
		out := r.x[r.foldS*ggHop-r.xBase:]
		in := r.x[r.foldS*ggHop+span-r.xBase:]
		o := int(r.foldS*ggHop) % ggFrame
		fold := r.fold[o : o+ggHop]
		for i := range fold {
			fold[i] += in[i] - out[i]
		}
	} else if s != r.foldS {
		clear(r.fold)
		x := r.x[s*ggHop-r.xBase : s*ggHop+span-r.xBase]
		o := int(s*ggHop) % ggFrame
		for k := 0; k < ggMarkFrames; k++ {
			seg := x[k*ggFrame : (k+1)*ggFrame]
			for i, v := range seg[:ggFrame-o] {
				r.fold[o+i] += v
			}
			for i, v := range seg[ggFrame-o:] {
				r.fold[i] += v
			}
		}
	}
	r.foldS = s
}

// frame returns whole frame f of band b.
func (b *ggBand) frame(f int64) []complex64 {
	i := int(f-b.frBase) * b.width
	return b.frames[i : i+b.width]
}

// markerRatios returns the start and end marker scores of the coherent
// sum of a marker's 32 bins.
func markerRatios(sum []complex64) (start, end float32) {
	// Each half's 8 on and 8 off bins are summed without their two
	// strongest: a marker lights all 8, while data tones that fall on
	// marker bins light one or two per group and must not move the peak.
	var on, off [2]trimmedSum
	for i, v := range sum {
		e := real(v)*real(v) + imag(v)*imag(v)
		if m := i & 3; m == 0 || m == 3 {
			on[i/16].add(e)
		} else {
			off[i/16].add(e)
		}
	}
	const tiny = 1e-30
	start, end = math.MaxFloat32, math.MaxFloat32
	for h := 0; h < 2; h++ {
		n, f := on[h].value(), off[h].value()
		start = min(start, n/(f+tiny))
		end = min(end, f/(n+tiny))
	}
	return start, end
}

// score appends the marker scores of row s of band b, looks for an end
// marker peaking ggPeakWin rows earlier, and trims the history.
func (r *ggReceiver) score(dst []Frame, b *ggBand, s int64) []Frame {
	b.start = append(b.start, 0)
	b.end = append(b.end, 0)
	if s <= b.activeUntil {
		b.flags[s-b.scoreBase] |= ggActive
	}
	if c := s - ggPeakWin; c >= b.scoreBase && c >= b.lastEnd+ggMarkRows {
		e := r.endScore(b, c)
		// An end marker is the best score within ggLocalRows rows and at
		// least half the best within ggPeakWin: data just before a marker
		// can make a lesser peak of its own.
		peak := e >= ggThreshold
		for d := int64(1); peak && d <= ggPeakWin; d++ {
			before, after := float32(0), r.endScore(b, c+d)
			if c-d >= b.scoreBase {
				before = r.endScore(b, c-d)
			}
			if d <= ggLocalRows && (before >= e || after > e) || before > 2*e || after > 2*e {
				peak = false
			}
		}
		if peak {
			dst = r.decode(dst, b, c)
		}
	}
	if extra := int(s-b.scoreBase) - b.keep; extra > b.keep/4 {
		b.start = b.start[:copy(b.start, b.start[extra:])]
		b.end = b.end[:copy(b.end, b.end[extra:])]
		b.scoreBase += int64(extra)
		b.flags = b.flags[:copy(b.flags, b.flags[extra:])]
		b.rowBase = b.scoreBase
		if g := b.rowBase/ggRowsPerFrame - 2 - b.gBase; g > 0 && g <= int64(len(b.gstart)) {
			b.gstart = b.gstart[:copy(b.gstart, b.gstart[g:])]
			b.gend = b.gend[:copy(b.gend, b.gend[g:])]
			b.gBase += g
		}
		if f := b.rowBase/ggRowsPerFrame - 2 - b.frBase; f > 0 && f <= int64(len(b.frames)/b.width) {
			b.frames = b.frames[:copy(b.frames, b.frames[f*int64(b.width):])]
			b.frBase += f
		}
	}
	return dst
}

// ggRead is a candidate read successfully.
type ggRead struct {
	f    Frame
	end  int64   // end-marker row
	fit  float32 // start-marker score where the reading puts it
	span int     // data frames
}

// ggCand is a start marker that fits an end marker.
type ggCand struct {
	proto  *ggProto
	groups int
	hs     int64 // row of the start marker, as the end marker places it
	score  float32
}

// decode tries every protocol and length that put a start marker at the
// right distance before the end marker at row he.
func (r *ggReceiver) decode(dst []Frame, b *ggBand, he int64) []Frame {
	cands := r.cands[:0]
	for i := range b.protos {
		pr := &b.protos[i]
		f := int64(pr.p.GGWave.FramesPerTx)
		for _, k := range pr.groups {
			hs := he - ggMarkRows - int64(k)*f*ggRowsPerFrame
			if hs+ggStartRows < b.scoreBase {
				continue
			}
			var best float32
			for d := max(hs-ggStartRows, b.scoreBase); d <= hs+ggStartRows; d++ {
				best = max(best, r.scoreAt(b, d, false, ggGate))
			}
			if best >= ggThreshold {
				cands = append(cands, ggCand{proto: pr, groups: k, hs: hs, score: best})
			}
		}
	}
	r.cands = cands
	if len(cands) == 0 {
		return dst
	}
	slices.SortStableFunc(cands, func(a, b ggCand) int { return cmp.Compare(b.score, a.score) })
	// A short message read at half its protocol's pace can pass for a
	// shorter message of a faster protocol (the length block read twice is
	// a valid one-byte message); of the readings whose start marker fits
	// nearly as well as the best one's, the one that spans the most frames
	// explains the markers and wins. (Read at a slower protocol's pace from
	// an earlier start, a short message's length block is a valid message
	// too, but there the start marker fits worse.)
	reads := r.reads[:0]
	var bestFit float32
	for _, c := range cands {
		if r.tried(c) {
			continue
		}
		r.stats.Candidates++
		f, ok := r.read(b, c)
		if !ok {
			continue
		}
		reads = append(reads, ggRead{f: f, end: r.foundEnd, fit: r.foundFit, span: c.groups * c.proto.p.GGWave.FramesPerTx})
		bestFit = max(bestFit, r.foundFit)
	}
	r.reads = reads
	var (
		found    Frame
		foundEnd int64
		span     = -1
	)
	for _, rd := range reads {
		if ggFitRatio*rd.fit >= bestFit && rd.span > span {
			found, foundEnd, span = rd.f, rd.end, rd.span
		}
	}
	if span < 0 {
		return dst
	}
	// A message read at twice its protocol's pace, offset by half a group,
	// keeps its payload: each slow group holds one fast group and half a
	// group of marker, whose tones are spread too thin to win. Its start
	// marker then sits inside the fast message's own. The same payload
	// read over fewer frames is the message as sent.
	for _, rd := range reads {
		if rd.span < span && ggFitRatio*rd.fit >= bestFit && bytes.Equal(rd.f.Payload, found.Payload) {
			found, foundEnd, span = rd.f, rd.end, rd.span
		}
	}
	// No later end marker before this one's may start another frame.
	b.lastEnd = max(he, foundEnd)
	if r.isRepeat(found) {
		r.stats.Duplicates++
		return dst
	}
	// Completed when the row that confirmed the end marker arrived.
	found.done = float64((he+ggPeakWin+ggMarkRows)*ggHop+ggFrame) * float64(r.rate) / ggRate
	r.stats.Frames++
	return append(dst, found)
}

// isRepeat reports whether f is the frame handed out last, found again,
// and remembers f.
func (r *ggReceiver) isRepeat(f Frame) bool {
	// The same message found again, by the other path or at another
	// timing, starts within half its airtime of the first finding; a
	// message sent again starts at least a whole airtime later.
	d := f.StartSample - r.last.StartSample
	tol := int64(r.rate / 10)
	if p, err := Lookup(f.Profile); err == nil {
		if a, err := p.Airtime(len(f.Payload)); err == nil {
			tol = max(tol, int64(a.Seconds()*float64(r.rate)/2))
		}
	}
	same := r.last.Payload != nil && f.Profile == r.last.Profile && bytes.Equal(f.Payload, r.last.Payload) &&
		d > -tol && d < tol
	// The caller owns f.Payload: keep a copy.
	r.last.Payload = append(r.last.Payload[:0], f.Payload...)
	r.last.Profile, r.last.StartSample = f.Profile, f.StartSample
	return same
}

// tried reports whether a candidate of the same protocol and length with
// nearly the same start was read before, and remembers c.
func (r *ggReceiver) tried(c ggCand) bool {
	for _, o := range r.recent {
		if o.proto == c.proto && o.groups == c.groups && o.hs >= c.hs-ggExactRows && o.hs <= c.hs+ggExactRows {
			return true
		}
	}
	if len(r.recent) == cap(r.recent) && len(r.recent) > 0 {
		copy(r.recent, r.recent[1:])
		r.recent = r.recent[:len(r.recent)-1]
	}
	r.recent = append(r.recent, c)
	return false
}

// energies fills r.scr.energy with the group spectra of candidate c whose
// data starts at row t0: groups × nibbles × 16 energies.
func (r *ggReceiver) energies(b *ggBand, c ggCand, t0 int64) []float32 {
	g := c.proto.p.GGWave
	f := int64(g.FramesPerTx)
	width := b.nib * 16
	r.scr.energy = growF(r.scr.energy, c.groups*width)
	r.scr.sum = growC(r.scr.sum, width)
	for j := 0; j < c.groups; j++ {
		sum := r.scr.sum
		clear(sum)
		for k := int64(0); k < f; k++ {
			row := r.row(t0 + (int64(j)*f+k)*ggRowsPerFrame)[:width]
			for i, v := range row {
				sum[i] += v
			}
		}
		e := r.scr.energy[j*width : (j+1)*width]
		for i, v := range sum {
			e[i] = real(v)*real(v) + imag(v)*imag(v)
		}
	}
	return r.scr.energy
}

// groupZ returns how far above noise, in standard deviations, group j of
// candidate c read from row t0 is peaked, or 0 if its rows are out of
// reach.
func (r *ggReceiver) groupZ(b *ggBand, c ggCand, t0 int64, j int) float64 {
	f := int64(c.proto.p.GGWave.FramesPerTx)
	start := t0 + int64(j)*f*ggRowsPerFrame
	end := start + f*ggRowsPerFrame
	if start < r.win.base || end > r.nRows || end-r.win.base > int64(len(r.win.have)) {
		return 0
	}
	width := b.nib * 16
	r.scr.sum = growC(r.scr.sum, width)
	sum := r.scr.sum
	clear(sum)
	for k := int64(0); k < f; k++ {
		for i, v := range r.row(start + k*ggRowsPerFrame)[:width] {
			sum[i] += v
		}
	}
	r.scr.one = growF(r.scr.one, width)
	e := r.scr.one
	for i, v := range sum {
		e[i] = real(v)*real(v) + imag(v)*imag(v)
	}
	return (float64(peakedness(e))/float64(b.nib) - 0.211) / (0.057 / math.Sqrt(float64(b.nib)))
}

// dereverb takes out of each group's spectrum the echo of the group before:
// in a room a group's tones ring on in the same bins through the next
// group. The echo's share, beta, is the median over the nibbles whose value
// changed between groups of the energy the next group still holds in the
// previous value's bin over the energy it had there; each group then loses
// beta times the previous group's spectrum (as read, so the echoes of
// earlier groups go with it). It uses the hard decisions of the last
// reading and reports whether there was an echo to take out.
func (r *ggReceiver) dereverb(b *ggBand, e []float32) bool {
	nNib := len(e) / 16
	ratios := r.scr.ratios[:0]
	for q := b.nib; q < nNib; q++ {
		p, cur := int(r.scr.hard[q-b.nib]), int(r.scr.hard[q])
		if p == cur {
			continue
		}
		if den := e[(q-b.nib)*16+p]; den > 0 {
			ratios = append(ratios, e[q*16+p]/den)
		}
	}
	r.scr.ratios = ratios
	if len(ratios) < 4 {
		return false
	}
	slices.Sort(ratios)
	beta := min(ratios[len(ratios)/2], 0.9)
	if !(beta > 0.05) {
		return false
	}
	// From the last group back, so each reads its predecessor unchanged.
	for q := nNib - 1; q >= b.nib; q-- {
		cur, prev := e[q*16:q*16+16], e[(q-b.nib)*16:(q-b.nib)*16+16]
		for i := range cur {
			cur[i] = max(cur[i]-beta*prev[i], 0.05*cur[i])
		}
	}
	return true
}

// echoed reports whether every nibble of stream byte i that the hard
// decisions read differently from the corrected message is the corrected
// value of the same nibble one or two groups earlier: the echo of a
// previous symbol rather than noise. The stream is the length block of an n-byte
// message followed by work, its corrected payload and parity.
func (r *ggReceiver) echoed(b *ggBand, n int, work []byte, i int) bool {
	fixed := func(q int) byte {
		j := q / 2
		var v byte
		if j < ggLenBytes {
			v = r.cw[n][j]
		} else {
			v = work[j-ggLenBytes]
		}
		if q%2 == 1 {
			return v >> 4
		}
		return v & 15
	}
	for _, q := range []int{2 * i, 2*i + 1} {
		if r.scr.hard[q] == fixed(q) {
			continue
		}
		// One or two groups back: a hall rings for longer than a group.
		if !(q >= b.nib && r.scr.hard[q] == fixed(q-b.nib)) && !(q >= 2*b.nib && r.scr.hard[q] == fixed(q-2*b.nib)) {
			return false
		}
	}
	return true
}

// trimmedSum sums values without the two largest.
type trimmedSum struct{ sum, top1, top2 float32 }

func (t *trimmedSum) add(v float32) {
	t.sum += v
	if v > t.top1 {
		t.top1, t.top2 = v, t.top1
	} else if v > t.top2 {
		t.top2 = v
	}
}

func (t *trimmedSum) value() float32 { return t.sum - t.top1 - t.top2 }

// scoreAt returns the marker score of row d of band b (start or end):
// computed where the gate saw that marker reach gate near it, 0 elsewhere.
func (r *ggReceiver) scoreAt(b *ggBand, d int64, end bool, gate float32) float32 {
	i := d - b.scoreBase
	if b.flags[i]&ggScored == 0 {
		gs := b.gstart
		if end {
			gs = b.gend
		}
		g := d / ggRowsPerFrame
		hit := false
		for f := max(g-1, b.gBase); f <= g+2 && f-b.gBase < int64(len(gs)); f++ {
			hit = hit || gs[f-b.gBase] >= gate
		}
		if !hit {
			return 0
		}
		r.ensureScore(b, d)
	}
	if end {
		return b.end[i]
	}
	return b.start[i]
}

// marked reports whether the start or end marker scores peak at row h: their
// best within ggExactRows rows of h passes ggExactThreshold and is at least
// a quarter of the best within ggPeakWin rows. It returns that best too.
func (r *ggReceiver) marked(b *ggBand, end bool, h int64) (float32, bool) {
	near := r.near(b, end, h)
	n := int64(len(b.start))
	if near < ggExactThreshold {
		return near, false
	}
	// Only a score above 4·near, where the gate is surely above 2·near,
	// can overrule it.
	for d := max(h-ggPeakWin, b.scoreBase); d <= h+ggPeakWin && d-b.scoreBase < n; d++ {
		if (d < h-ggExactRows || d > h+ggExactRows) && r.scoreAt(b, d, end, 2*near) > 4*near {
			return near, false
		}
	}
	return near, true
}

// near returns the best start or end marker score within ggExactRows rows
// of row h.
func (r *ggReceiver) near(b *ggBand, end bool, h int64) float32 {
	var near float32
	n := int64(len(b.start))
	for d := max(h-ggExactRows, b.scoreBase); d <= h+ggExactRows && d-b.scoreBase < n; d++ {
		near = max(near, r.scoreAt(b, d, end, ggExactGate))
	}
	return near
}

// estimate measures the noise floor and the tone energy of a message's
// nibbles. The floor is the median of the bins not sent, scaled to the
// mean (by 1/ln 2, as for exponentially distributed noise energies), so
// that the spill of strong tones into their neighbours does not count as
// noise.
func (r *ggReceiver) estimate(e []float32) fsk.Metrics {
	idle := r.scr.idle[:0]
	var peak float64
	n := len(e) / 16
	for q := 0; q < n; q++ {
		v := e[q*16 : q*16+16]
		top := 0
		for i := range v {
			if v[i] > v[top] {
				top = i
			}
		}
		peak += float64(v[top])
		idle = append(idle, v[:top]...)
		idle = append(idle, v[top+1:]...)
	}
	r.scr.idle = idle
	if len(idle) == 0 {
		return fsk.Metrics{N0: 1, Es: 1}
	}
	slices.Sort(idle)
	n0 := float64(idle[len(idle)/2]) / math.Ln2
	if n0 <= 0 {
		n0 = 1e-30
	}
	es := max(peak/float64(n)-n0, 0.5*n0)
	return fsk.Metrics{N0: n0, Es: es}
}

// peakedness is the timing metric: the share of each nibble's energy in
// its strongest bin, summed.
func peakedness(e []float32) float32 {
	var m float32
	for i := 0; i+16 <= len(e); i += 16 {
		var sum, top float32
		for _, v := range e[i : i+16] {
			sum += v
			top = max(top, v)
		}
		if sum > 0 {
			m += top / sum
		}
	}
	return m
}

// read decodes candidate c, or reports false.
func (r *ggReceiver) read(b *ggBand, c ggCand) (Frame, bool) {
	g := c.proto.p.GGWave
	base := c.hs + ggMarkRows
	// The timing makes every group's spectrum peaked. Shifted by a whole
	// group, one end takes in a marker, whose 8 tones per nibble are not;
	// shifted by less, groups straddle two symbols. Search every fourth
	// row near the best whole-frame timing, then two rows either side of
	// the best, then one: few rows of the window need computing.
	step := int64(g.FramesPerTx) * ggRowsPerFrame
	base, ok := r.coarse(b, c, base)
	if !ok {
		return Frame{}, false
	}
	last := r.nRows
	r.setWindow(b, b.rowBase)
	metric := func(t0 int64) (float32, bool) {
		if t0 < r.win.base || t0+int64(c.groups)*step > last {
			return 0, false
		}
		return peakedness(r.energies(b, c, t0)), true
	}
	best, bestT := float32(math.Inf(-1)), base
	for d := int64(-ggFineRows); d <= ggFineRows; d += 4 {
		if m, ok := metric(base + d); ok && m > best {
			best, bestT = m, base+d
		}
	}
	for _, d := range []int64{2, 1} {
		at := bestT
		for _, t0 := range []int64{at - d, at + d} {
			if m, ok := metric(t0); ok && m > best {
				best, bestT = m, t0
			}
		}
	}
	if math.IsInf(float64(best), -1) {
		return Frame{}, false
	}
	// In deep noise the timing may slip by a whole group, where only the
	// groups at either end tell the shifts apart: try those too.
	for _, t0 := range []int64{bestT, bestT - step, bestT + step} {
		if _, ok := metric(t0); !ok {
			continue
		}
		if f, ok := r.readAt(b, c, t0); ok {
			return f, true
		}
	}
	return Frame{}, false
}

// coarse reads the data of candidate c from whole frames at the frame
// offsets within ggSearchRows of row base, and returns the row of the most
// peaked, and whether that is peaked enough for the timing search to be
// worth its cost: a cheap first look, since noise makes many candidates.
func (r *ggReceiver) coarse(b *ggBand, c ggCand, base int64) (int64, bool) {
	g := c.proto.p.GGWave
	f := int64(g.FramesPerTx)
	width := b.nib * 16
	// Long messages are judged on ggCoarseGroups groups spread over them.
	used := min(c.groups, ggCoarseGroups)
	nNib := used * b.nib
	r.scr.energy = growF(r.scr.energy, width)
	e := r.scr.energy
	var sum [128]complex64
	last := b.frBase + int64(len(b.frames)/b.width)
	fb := (base + ggRowsPerFrame/2) / ggRowsPerFrame
	const reach = (ggSearchRows + ggRowsPerFrame - 1) / ggRowsPerFrame
	best, bestF := float32(-1), int64(0)
	for f0 := fb - reach; f0 <= fb+reach; f0++ {
		if f0 < b.frBase || f0+int64(c.groups)*f > last {
			continue
		}
		var m float32
		for u := 0; u < used; u++ {
			j := int64(u * c.groups / used)
			s := sum[:width]
			clear(s)
			for k := int64(0); k < f; k++ {
				for i, v := range b.frame(f0 + j*f + k)[:width] {
					s[i] += v
				}
			}
			for i, v := range s {
				e[i] = real(v)*real(v) + imag(v)*imag(v)
			}
			m += peakedness(e)
		}
		if m > best {
			best, bestF = m, f0
		}
	}
	if z := (float64(best)/float64(nNib) - 0.211) / (0.057 / math.Sqrt(float64(nNib))); z < ggCoarseZ {
		return 0, false
	}
	return bestF * ggRowsPerFrame, true
}

// readAt decodes candidate c with its data starting at row bestT.
func (r *ggReceiver) readAt(b *ggBand, c ggCand, bestT int64) (Frame, bool) {
	g := c.proto.p.GGWave
	// Both markers must sit where this protocol, length and timing put
	// them.
	he := bestT + int64(c.groups*g.FramesPerTx)*ggRowsPerFrame
	e := r.energies(b, c, bestT)
	// Noise alone gives each nibble a strongest-bin share of 0.211 on
	// average (sd 0.057); the data must stand well clear of that.
	nNib := len(e) / 16
	if z := (float64(peakedness(e))/float64(nNib) - 0.211) / (0.057 / math.Sqrt(float64(nNib))); z < ggMinZ {
		return Frame{}, false
	}
	// In a reverberant room the data read best a little late, where less
	// of the previous group's echo is in each group's frames, while the
	// markers, sounded after silence or followed by it, keep their place:
	// the markers may then sit up to ggEchoLagRows before the reading
	// puts them (less than a group of the fastest protocol).
	var ms, me float32
	ok := false
	for lag := int64(0); lag <= ggEchoLagRows && !ok; lag += 4 {
		var okS, okE bool
		ms, okS = r.marked(b, false, bestT-ggMarkRows-lag)
		if !okS {
			continue
		}
		me, okE = r.marked(b, true, he-lag)
		ok = okE
	}
	if !ok {
		return Frame{}, false
	}
	// Both markers are sent alike and heard alike. Shifted by a group or
	// more, a reading still finds the true start marker near its own but
	// only data where it puts the end marker: data can make a weak end
	// marker score, never one that matches a strong start marker. (A
	// one-byte message read a group early from a longer one's start is
	// valid: its payload is the longer message's length block.)
	if max(ms, me) > ggMarkerBalance*min(ms, me) {
		r.stats.HeaderErrors++
		return Frame{}, false
	}
	firstZ := r.groupZ(b, c, bestT, 0)
	// A second pass reads the groups with the echo of the group before
	// taken out, for rooms whose ringing outlasts a group.
	for pass := 0; pass < 2; pass++ {
		if pass == 1 && !r.dereverb(b, e) {
			break
		}
		if f, ok := r.readEnergies(b, c, e, bestT, he, ms, firstZ); ok {
			return f, true
		}
	}
	return Frame{}, false
}

// readEnergies decodes candidate c from its group spectra e, read from row
// bestT, its markers scoring ms at the start and ending at row he.
func (r *ggReceiver) readEnergies(b *ggBand, c ggCand, e []float32, bestT, he int64, ms float32, firstZ float64) (Frame, bool) {
	g := c.proto.p.GGWave
	nNib := len(e) / 16
	met := r.estimate(e)
	r.scr.ll = met.LogLikelihoods(r.scr.ll[:0], e)
	ll := r.scr.ll
	r.scr.hard = growB(r.scr.hard, nNib)
	r.scr.margin = growF(r.scr.margin, nNib)
	for q := 0; q < nNib; q++ {
		v := ll[q*16 : q*16+16]
		top, second := 0, -1
		for i := 1; i < 16; i++ {
			if v[i] > v[top] {
				second, top = top, i
			} else if second < 0 || v[i] > v[second] {
				second = i
			}
		}
		if second < 0 {
			second = 1
		}
		r.scr.hard[q] = byte(top)
		r.scr.margin[q] = v[top] - v[second]
	}
	nibLL := func(byteIdx int, val byte) float32 {
		q := 2 * byteIdx
		return ll[q*16+int(val&15)] + ll[(q+1)*16+int(val>>4)]
	}
	// The lengths whose messages have this many groups, best first.
	lens := r.scr.lens[:0]
	for n := 1; n <= ggMaxPayload; n++ {
		if g.groups(n) != c.groups {
			continue
		}
		var s float32
		for i, v := range r.cw[n] {
			s += nibLL(i, v)
		}
		lens = append(lens, ggLen{n, s})
	}
	r.scr.lens = lens
	slices.SortStableFunc(lens, func(a, b ggLen) int { return cmp.Compare(b.ll, a.ll) })
	if len(lens) > 2 {
		lens = lens[:2]
	}
	for _, lc := range lens {
		n := lc.n
		// The length block may overrule only bytes that were in doubt.
		ok := true
		for i, v := range r.cw[n] {
			q := 2 * i
			if r.scr.hard[q]|r.scr.hard[q+1]<<4 != v && min(r.scr.margin[q], r.scr.margin[q+1]) > ggMaxMargin {
				ok = false
			}
		}
		if !ok {
			r.stats.HeaderErrors++
			continue
		}
		// A one-byte message has the code of a length block: read a group
		// early, a longer message's length block is one. Its start marker
		// must then peak nearer the reading's than a group later; its first
		// group must be data, not the tail of a start marker (which lights
		// two nibbles with eight tones each and leaves the rest to noise);
		// and the group after it must be the end marker, not more data.
		if n == 1 && (r.near(b, false, bestT-ggMarkRows+int64(g.FramesPerTx)*ggRowsPerFrame) > ms ||
			firstZ < ggGroupZ || r.groupZ(b, c, bestT, c.groups) > ggGroupZ) {
			r.stats.HeaderErrors++
			continue
		}
		nsym := GGWaveParity(n)
		total := n + nsym
		r.scr.cw = growB(r.scr.cw, total)
		r.scr.order = r.scr.order[:0]
		for i := 0; i < total; i++ {
			q := 2 * (ggLenBytes + i)
			r.scr.cw[i] = r.scr.hard[q] | r.scr.hard[q+1]<<4
			r.scr.order = append(r.scr.order, i)
		}
		margin := func(i int) float32 {
			q := 2 * (ggLenBytes + i)
			return min(r.scr.margin[q], r.scr.margin[q+1])
		}
		slices.SortStableFunc(r.scr.order, func(a, b int) int { return cmp.Compare(margin(a), margin(b)) })
		r.scr.work = growB(r.scr.work, total)
		work := r.scr.work
		// Little parity leaves little to check a correction by: with one
		// spare syndrome, a short block with several bytes erased decodes
		// to wrong bytes even at high SNR. Two spare syndromes are kept.
		spare := 2
	attempts:
		for s := 0; s <= nsym-spare; s++ {
			copy(work, r.scr.cw)
			if _, err := r.dec.decode(work, nsym, r.scr.order[:s], spare); err != nil {
				continue
			}
			// Reject a correction that overrules a confident byte, unless
			// the room explains it: in a reverberant room the previous
			// group's tone rings on in the same bins, and can outshine
			// the tone sent. Each overruled nibble must then have been
			// read as the corrected reading of the group before.
			for i := range work {
				if work[i] != r.scr.cw[i] && margin(i) > ggMaxMargin && !r.echoed(b, n, work, ggLenBytes+i) {
					continue attempts
				}
			}
			snr := 10 * math.Log10(float64(b.nib)*2*met.SNR()/float64(g.FramesPerTx*ggFrame))
			start := float64((bestT-ggMarkRows)*ggHop) * float64(r.rate) / ggRate
			if r.rs != nil {
				start -= float64(r.rs.delay())
			}
			r.foundEnd, r.foundFit = he, ms
			return Frame{
				Payload:     append([]byte(nil), work[:n]...),
				Profile:     c.proto.p.Name,
				StartSample: int64(math.Max(0, math.Round(start))),
				SNR:         snr,
			}, true
		}
		r.stats.PayloadErrors++
	}
	return Frame{}, false
}

func growF(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

func growB(b []byte, n int) []byte { return grow(b, n) }

func growBool(b []bool, n int) []bool {
	if cap(b) < n {
		return append(b[:cap(b)], make([]bool, n-cap(b))...)
	}
	return b[:n]
}

func growC(b []complex64, n int) []complex64 {
	if cap(b) < n {
		return append(b[:cap(b)], make([]complex64, n-cap(b))...)
	}
	return b[:n]
}
