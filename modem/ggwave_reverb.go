package modem

// The ggwave receiver's reverberation path: reading a message again with
// the echo of the group before taken out of each group's spectrum.

import (
	"slices"
)

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
