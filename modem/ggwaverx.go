package modem

import (
	"bytes"
	"cmp"
	"math"
	"slices"

	"warble/fsk"
)

// ggReceiver finds ggwave transmissions of any of its protocols. Input is
// brought to ggwave's 48 kHz, then one 1024-point FFT every ggHop samples
// gives a spectrogram shared by every protocol: protocols with the same
// tones (normal, fast, fastest) differ only in how many frames are summed.
//
// Markers are found by summing 16 frames coherently (the tones keep their
// phase from frame to frame, since each is a whole number of cycles per
// frame) and comparing the energy of the marker's 16 bins with that of the
// 16 bins between them, in each half of the band, each sum leaving out its
// two strongest bins (the trimmed sums T):
//
//	score = min(T(on_low)/T(off_low), T(on_high)/T(off_high))
//
// An end marker that peaks above the threshold sends the receiver back
// through its history for a start marker at a distance that some protocol
// and message length explain. The data between them is read group by
// group, each group's frames summed coherently; the timing is refined by
// how peaked the groups' spectra are; the length comes from a
// maximum-likelihood choice among the lengths that fit; and the message is
// decoded by Reed-Solomon with erasures of the least reliable bytes
// (generalised minimum distance decoding).
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
	nRows    int64 // rows computed
	bands    []*ggBand
	fed      int64 // input samples received
	cw       [ggMaxPayload + 1][]byte
	dec      rsDecoder
	scr      ggScratch
	cands    []ggCand
	recent   []ggCand // candidates read lately, oldest first
	last     Frame    // the last frame handed out
	foundEnd int64    // end-marker row of the frame read last
}

const (
	ggHop            = 128                           // spectrogram hop at 48 kHz
	ggRowsPerFrame   = ggFrame / ggHop               // 8
	ggMarkRows       = ggMarkFrames * ggRowsPerFrame // rows spanned by a marker
	ggSearchRows     = 22                            // timing search either side, rows
	ggExactRows      = 6                             // marker tolerance once the timing is known, rows
	ggMinZ           = 7                             // how far above noise, in standard deviations, the data must be peaked
	ggLocalRows      = 8                             // an end marker must be the best within this many rows
	ggPeakWin        = 64                            // rows either side over which a marker must peak
	ggStartRows      = 10                            // start marker tolerance either side, rows
	ggThreshold      = 3.0                           // marker score that triggers a search
	ggExactThreshold = 2.0                           // marker score needed where the timing puts a marker
	ggMaxMargin      = 10                            // largest log-likelihood margin of a byte the decoder may change
)

// ggBand is the history of one tone band (protocols with the same start
// bin and group size).
type ggBand struct {
	bin0, width, nib int
	protos           []ggProto
	rows             []complex64 // width bins per row, from rowBase
	rowBase          int64
	start, end       []float32 // marker scores per row, from scoreBase
	scoreBase        int64
	keep             int   // rows of history kept
	lastEnd          int64 // end-marker row of the last frame found
}

type ggProto struct {
	p      Profile
	groups []int // distinct group counts of messages of 1..140 bytes
}

// ggScratch is reused between decode attempts.
type ggScratch struct {
	energy []float32
	ll     []float32
	margin []float32
	hard   []byte
	order  []int
	cw     []byte
	work   []byte
	idle   []float32
	sum    []complex64
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
	for _, p := range ps {
		g := p.GGWave
		var b *ggBand
		for _, o := range r.bands {
			if o.bin0 == g.FreqStartBin && o.nib == g.nibbles() {
				b = o
			}
		}
		if b == nil {
			b = &ggBand{bin0: g.FreqStartBin, nib: g.nibbles(), width: max(32, 16*g.nibbles()), lastEnd: -1 << 40}
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
	// does not allocate; pages are only touched as rows arrive.
	for _, b := range r.bands {
		n := b.keep + b.keep/4 + 2*ggMarkRows
		b.rows = make([]complex64, 0, n*b.width)
		b.start = make([]float32, 0, n)
		b.end = make([]float32, 0, n)
	}
	return r
}

func (r *ggReceiver) profiles() []Profile { return r.ps }

func (r *ggReceiver) reset() {
	if r.rs != nil {
		r.rs.reset()
	}
	r.x = r.x[:0]
	r.xBase, r.nRows, r.fed = 0, 0, 0
	r.recent = r.recent[:0]
	r.last, r.foundEnd = Frame{Payload: r.last.Payload[:0]}, 0
	for _, b := range r.bands {
		b.rows, b.start, b.end = b.rows[:0], b.start[:0], b.end[:0]
		b.rowBase, b.scoreBase, b.lastEnd = 0, 0, -1<<40
	}
}

func (r *ggReceiver) latency() int {
	n := (2*ggFrame + ggPeakWin*ggHop) * r.rate / ggRate
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
	for {
		first := r.nRows * ggHop
		if first+ggFrame > r.xBase+int64(len(r.x)) {
			break
		}
		seg := r.x[first-r.xBase : first-r.xBase+ggFrame]
		for i, v := range seg {
			r.work[i] = complex(v, 0)
		}
		r.fft.Transform(r.work)
		for _, b := range r.bands {
			b.rows = append(b.rows, r.work[b.bin0:b.bin0+b.width]...)
		}
		r.nRows++
		if s := r.nRows - ggMarkRows; s >= 0 {
			for _, b := range r.bands {
				dst = r.score(dst, b, s)
			}
		}
	}
	if drop := r.nRows*ggHop - r.xBase; drop > 8*ggFrame {
		n := copy(r.x, r.x[drop:])
		r.x = r.x[:n]
		r.xBase += drop
	}
	return dst
}

// row returns row h of band b.
func (b *ggBand) row(h int64) []complex64 {
	i := int(h-b.rowBase) * b.width
	return b.rows[i : i+b.width]
}

// markerScores returns the start and end marker scores of the 16 frames
// from row h.
func (b *ggBand) markerScores(h int64, sum []complex64) (start, end float32) {
	clear(sum)
	for k := int64(0); k < ggMarkFrames; k++ {
		row := b.row(h + k*ggRowsPerFrame)[:32]
		for i, v := range row {
			sum[i] += v
		}
	}
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
	r.scr.sum = growC(r.scr.sum, 32)
	st, en := b.markerScores(s, r.scr.sum)
	b.start = append(b.start, st)
	b.end = append(b.end, en)
	if c := s - ggPeakWin; c >= b.scoreBase && c >= b.lastEnd+ggMarkRows {
		e := b.end[c-b.scoreBase]
		// An end marker is the best score within ggLocalRows rows and at
		// least half the best within ggPeakWin: data just before a marker
		// can make a lesser peak of its own.
		peak := e >= ggThreshold
		for d := int64(1); peak && d <= ggPeakWin; d++ {
			before, after := float32(0), b.end[c+d-b.scoreBase]
			if c-d >= b.scoreBase {
				before = b.end[c-d-b.scoreBase]
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
		n := int(b.scoreBase - b.rowBase)
		b.rows = b.rows[:copy(b.rows, b.rows[n*b.width:])]
		b.rowBase = b.scoreBase
	}
	return dst
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
				best = max(best, b.start[d-b.scoreBase])
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
	// a valid one-byte message); the reading that spans the most frames
	// explains the markers and wins.
	var (
		found    Frame
		foundEnd int64
		span     = -1
	)
	for _, c := range cands {
		if r.tried(c) {
			continue
		}
		r.stats.Candidates++
		f, ok := r.read(b, c)
		if !ok {
			continue
		}
		if s := c.groups * c.proto.p.GGWave.FramesPerTx; s > span {
			found, foundEnd, span = f, r.foundEnd, s
		}
	}
	if span < 0 {
		return dst
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
	d := f.StartSample - r.last.StartSample
	same := r.last.Payload != nil && f.Profile == r.last.Profile && bytes.Equal(f.Payload, r.last.Payload) &&
		d > -int64(r.rate/10) && d < int64(r.rate/10)
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
			row := b.row(t0 + (int64(j)*f+k)*ggRowsPerFrame)[:width]
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

// marked reports whether scores (b.start or b.end) peak at row h: their
// best within ggExactRows rows of h passes ggExactThreshold and is at least
// a quarter of the best within ggPeakWin rows.
func (b *ggBand) marked(scores []float32, h int64) bool {
	var near, wide float32
	for d := h - ggPeakWin; d <= h+ggPeakWin; d++ {
		i := d - b.scoreBase
		if i < 0 || i >= int64(len(scores)) {
			continue
		}
		wide = max(wide, scores[i])
		if d >= h-ggExactRows && d <= h+ggExactRows {
			near = max(near, scores[i])
		}
	}
	return near >= ggExactThreshold && near >= wide/4
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
	// shifted by less, groups straddle two symbols. Search every other
	// row, then the rows either side of the best.
	step := int64(g.FramesPerTx) * ggRowsPerFrame
	last := b.rowBase + int64(len(b.rows)/b.width)
	metric := func(t0 int64) (float32, bool) {
		if t0 < b.rowBase || t0+int64(c.groups)*step > last {
			return 0, false
		}
		return peakedness(r.energies(b, c, t0)), true
	}
	best, bestT := float32(math.Inf(-1)), base
	for d := int64(-ggSearchRows); d <= ggSearchRows; d += 2 {
		if m, ok := metric(base + d); ok && m > best {
			best, bestT = m, base+d
		}
	}
	for _, t0 := range []int64{bestT - 1, bestT + 1} {
		if m, ok := metric(t0); ok && m > best {
			best, bestT = m, t0
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

// readAt decodes candidate c with its data starting at row bestT.
func (r *ggReceiver) readAt(b *ggBand, c ggCand, bestT int64) (Frame, bool) {
	g := c.proto.p.GGWave
	// Both markers must sit where this protocol, length and timing put
	// them.
	he := bestT + int64(c.groups*g.FramesPerTx)*ggRowsPerFrame
	if !b.marked(b.start, bestT-ggMarkRows) || !b.marked(b.end, he) {
		return Frame{}, false
	}
	e := r.energies(b, c, bestT)
	// Noise alone gives each nibble a strongest-bin share of 0.211 on
	// average (sd 0.057); the data must stand well clear of that.
	nNib := len(e) / 16
	if z := (float64(peakedness(e))/float64(nNib) - 0.211) / (0.057 / math.Sqrt(float64(nNib))); z < ggMinZ {
		return Frame{}, false
	}
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
		spare := 1
		if nsym >= 6 {
			spare = 2
		}
	attempts:
		for s := 0; s <= nsym-spare; s++ {
			copy(work, r.scr.cw)
			if _, err := r.dec.decode(work, nsym, r.scr.order[:s], spare); err != nil {
				continue
			}
			// Reject a correction that overrules a confident byte.
			for i := range work {
				if work[i] != r.scr.cw[i] && margin(i) > ggMaxMargin {
					continue attempts
				}
			}
			snr := 10 * math.Log10(float64(b.nib)*2*met.SNR()/float64(g.FramesPerTx*ggFrame))
			start := float64((bestT-ggMarkRows)*ggHop) * float64(r.rate) / ggRate
			if r.rs != nil {
				start -= float64(r.rs.delay())
			}
			r.foundEnd = he
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

func growC(b []complex64, n int) []complex64 {
	if cap(b) < n {
		return make([]complex64, n)
	}
	return b[:n]
}
