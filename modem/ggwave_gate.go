package modem

// The ggwave receiver's first stage, the gate: one 1024-point transform per
// two whole frames, each band's 16-frame marker sums updated from it, and
// the finer rows (every ggHop samples) computed only near where the gate
// saw a marker.

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
		w.have = resize(w.have, n)
		clear(w.have)
	} else {
		// The same rows, and those that have arrived since.
		m := len(w.have)
		w.have = resize(w.have, n)
		clear(w.have[m:])
	}
	w.band, w.base = b, base
	w.rows = resize(w.rows, n*b.width)
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
