package modem

// The ggwave receiver's last stages: the maximum-likelihood choice of the
// message length among those that fit, and Reed–Solomon decoding with
// erasures of the least reliable bytes (see rs.go for the code itself).

import (
	"cmp"
	"math"
	"slices"
)

// readEnergies decodes candidate c from its group spectra e, read from row
// bestT, its markers scoring ms at the start and ending at row he.
func (r *ggReceiver) readEnergies(b *ggBand, c ggCand, e []float32, bestT, he int64, ms float32, firstZ float64) (Frame, bool) {
	g := c.proto.p.GGWave
	nNib := len(e) / 16
	met := r.estimate(e)
	r.scr.ll = met.LogLikelihoods(r.scr.ll[:0], e)
	ll := r.scr.ll
	r.scr.hard = resize(r.scr.hard, nNib)
	r.scr.margin = resize(r.scr.margin, nNib)
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
		r.scr.cw = resize(r.scr.cw, total)
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
		r.scr.work = resize(r.scr.work, total)
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
