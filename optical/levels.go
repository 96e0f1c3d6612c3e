package optical

// Decoding stage 5, level fitting: the levels a frame's preamble shows
// and the noise about them, the log-likelihood of each level, and refits
// from the symbols as segmented.

import (
	"math"
	"sort"

	"warble/codec"
)

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
