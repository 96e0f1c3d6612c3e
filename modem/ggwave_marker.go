package modem

// The ggwave receiver's marker scoring: the trimmed on/off ratio of a
// marker's bins at each row, and the end-marker peaks that start a decode.

import (
	"math"
)

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
