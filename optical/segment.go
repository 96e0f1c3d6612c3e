package optical

// Decoding stage 4, segmentation: a dynamic programme that cuts the slot
// values into symbols, allowing for slots the display repeated or dropped.

import (
	"math"
)

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
