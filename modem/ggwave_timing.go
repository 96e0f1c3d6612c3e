package modem

// The ggwave receiver's timing: the start markers that fit an end marker,
// the coarse and fine placement of the data groups, and the noise and
// peakedness figures that judge a placement.

import (
	"bytes"
	"cmp"
	"math"
	"slices"

	"warble/fsk"
)

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
	r.scr.energy = resize(r.scr.energy, c.groups*width)
	r.scr.sum = resize(r.scr.sum, width)
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
	r.scr.sum = resize(r.scr.sum, width)
	sum := r.scr.sum
	clear(sum)
	for k := int64(0); k < f; k++ {
		for i, v := range r.row(start + k*ggRowsPerFrame)[:width] {
			sum[i] += v
		}
	}
	r.scr.one = resize(r.scr.one, width)
	e := r.scr.one
	for i, v := range sum {
		e[i] = real(v)*real(v) + imag(v)*imag(v)
	}
	return peakZ(peakedness(e), b.nib)
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

// Noise alone gives each nibble a strongest-bin share (see [peakedness]) of
// ggNoisePeak on average, with standard deviation ggNoisePeakSD.
const (
	ggNoisePeak   = 0.211
	ggNoisePeakSD = 0.057
)

// peakZ returns how far above noise, in standard deviations of the mean
// over n nibbles, a summed strongest-bin share of peaked lies:
//
//	z = (peaked/n − ggNoisePeak) / (ggNoisePeakSD/√n)
func peakZ(peaked float32, n int) float64 {
	return (float64(peaked)/float64(n) - ggNoisePeak) / (ggNoisePeakSD / math.Sqrt(float64(n)))
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
	r.scr.energy = resize(r.scr.energy, width)
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
	if z := peakZ(best, nNib); z < ggCoarseZ {
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
	// The data must stand well clear of noise.
	nNib := len(e) / 16
	if z := peakZ(peakedness(e), nNib); z < ggMinZ {
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
