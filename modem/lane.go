package modem

import (
	"bytes"
	"math"
	"slices"

	"warble/codec"
	"warble/fsk"
)

// lane runs one profile: the downconverter's first stage on every sample,
// the preamble search on a spectrogram of its coarse decimation, and, only
// around candidates, the downconverter's filter and the fine stage that
// refines time and skew, demodulates with soft metrics and asks the codec for
// a verified payload.
type lane struct {
	p     Profile
	stats *Stats
	rate  float64
	dc    *fsk.Downconverter
	fsd   float64 // decimated complex rate
	fc    float64 // band centre
	sym   float64 // symbol length in decimated samples
	win   int     // spectrogram window
	hop   int     // spectrogram hop
	code  *codec.Code
	dec   *codec.Decoder
	np    int // preamble symbols

	// The lane keeps a history of the downconverter's stage-1 output u and
	// runs its stage-2 filter only where a candidate needs the decimated
	// signal z; the spectrogram reads the cheaper coarse decimation of u.
	u     []complex64 // stage-1 history; u[0] is index uBase, a multiple of fd
	uBase int64
	uKeep int
	uTmp  []complex64
	fd    int         // stage-1 samples per decimated sample
	flen  int         // stage-2 filter length
	z     []complex64 // decimated signal near candidates; z[0] is index zBase
	zBase int64

	fft         *fsk.FFT
	fbuf        []complex64
	rows        [][]float32 // ring of normalised spectrogram rows
	clipped     [][]float32 // the same rows clipped at clipShare
	flat        []float32   // rows end to end
	flatClipped []float32   // clipped end to end
	nrows       int64       // rows computed so far
	rowOff      []int       // row offset of each preamble symbol
	steps       []skewStep
	thresh      float32
	bandLo      int       // spectrogram bins kept, for the search and the noise floor: [bandLo, bandHi) around 0
	binIdx      []int32   // where bin bandLo+j lies in the FFT's scrambled output
	soff        []int     // offsets in flat of the rows of the preamble symbols being scored
	reach       []float32 // the most the symbols after symbol i can add, plus a margin
	clActive    bool
	clRow       int64
	clStep      int
	clScore     float32
	clRaw       float32

	pending []cand
	recent  []recentFrame
	lastEnd float64

	fineStep float64
	bank     fsk.ToneBank
	freqs    []float64
	en       []float32
	ll       []float32
	vals     []float32
	llr      []float32
	payload  []byte
	data     []int // the tones that carry data
	wide     int   // skew steps either side of the search's pick that refine tries
	syms     []byte

	lead      int  // samples of silence the stream is led with
	primed    bool // the lead has been fed
	leadZeros []float32
}

// clipShare caps one preamble symbol's contribution to the search score, in
// units of the noise floor.
const clipShare = 6

type skewStep struct {
	eps  float64
	bins []int
}

type cand struct {
	row   int64
	eps   float64
	tau   float64 // refined start of the preamble, decimated samples
	n     int     // payload length once the header decoded
	stage int     // 0 coarse, 1 header decoded
}

type recentFrame struct {
	start, end float64
	sum        uint64
}

func nextPow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

func newLane(p Profile, rate int, stats *Stats) (*lane, error) {
	code, err := codec.New(p.Code)
	if err != nil {
		return nil, err
	}
	lo, hi := p.BandHz()
	fc := (lo + hi) / 2
	// The margin covers the skew, a tone spacing, and the mixer's rounding
	// of the centre (at most rate/2048).
	hw := (hi-lo)/2 + p.Tones.SpacingHz + p.MaxSkew*hi + float64(rate)/2048
	dc, err := fsk.NewDownconverter(rate, fc, hw)
	if err != nil {
		return nil, err
	}
	fc = dc.CenterHz()
	l := &lane{p: p, stats: stats, rate: float64(rate), dc: dc, fsd: dc.OutputRate(), fc: fc, code: code, dec: code.NewDecoder(), np: len(p.Preamble)}
	l.sym = p.Tones.SymbolSeconds() * l.fsd
	l.data = p.dataTones()
	l.lead = int(dc.InputPosition(0)) + int(2*l.sym+16)*dc.Decimation()
	if p.parallel() > 1 || p.hopSets() > 1 {
		l.wide = 8
	}
	l.win = int(math.Round(l.sym))
	l.hop = int(math.Round(l.sym / 2))
	if l.hop < 1 {
		l.hop = 1
	}
	nf := nextPow2(int(math.Ceil(1.3 * float64(l.win))))
	if l.fft, err = fsk.NewFFT(nf); err != nil {
		return nil, err
	}
	l.fbuf = make([]complex64, nf)
	l.rowOff = make([]int, l.np)
	for i := range l.rowOff {
		l.rowOff[i] = int(math.Round(float64(i) * l.sym / float64(l.hop)))
	}
	binHz := l.fsd / float64(nf)
	span := (hi-lo)/2 + p.Tones.SpacingHz + math.Abs(fc-(lo+hi)/2)
	bandHi := int(span/binHz) + 1
	l.bandLo = -bandHi
	for b := l.bandLo; b < bandHi; b++ {
		l.binIdx = append(l.binIdx, int32(l.fft.Bin((b+nf)%nf)))
	}
	nr := l.rowOff[l.np-1] + 8
	nb := len(l.binIdx)
	l.flat = make([]float32, nr*nb)
	l.flatClipped = make([]float32, nr*nb)
	l.rows = make([][]float32, nr)
	l.clipped = make([][]float32, nr)
	for i := range l.rows {
		l.rows[i] = l.flat[i*nb : (i+1)*nb]
		l.clipped[i] = l.flatClipped[i*nb : (i+1)*nb]
	}
	l.soff = make([]int, l.np)
	l.reach = make([]float32, l.np)
	for i := range l.reach {
		l.reach[i] = clipShare*float32(l.np-1-i) + 0.01
	}
	// Skew steps: neighbouring steps move the top tone by half a bin.
	d := 0.5 * binHz / hi
	n := int(math.Ceil(p.MaxSkew/d)) * 2
	if n < 0 {
		n = 0
	}
	for i := 0; i <= n; i++ {
		eps := -p.MaxSkew + 2*p.MaxSkew*float64(i)/math.Max(float64(n), 1)
		if n == 0 {
			eps = 0
		}
		st := skewStep{eps: eps, bins: make([]int, l.np)}
		for k, t := range p.Preamble {
			f := p.Tones.Hz(t)*(1+eps) - fc
			b := int(math.Round(f/binHz)) - l.bandLo
			st.bins[k] = max(0, min(len(l.binIdx)-1, b))
		}
		// A step that reads the same bins as the one before scores the
		// same and, coming later, never wins a tie: skip it.
		if k := len(l.steps); k > 0 && slices.Equal(l.steps[k-1].bins, st.bins) {
			continue
		}
		l.steps = append(l.steps, st)
	}
	l.thresh = thresholdFor(l.np, n+1)
	l.fineStep = 0.05 * p.Tones.SpacingHz / hi
	maxSyms := l.np + p.slots(code.Symbols(codec.MaxPayload)) + 4
	keep := int(float64(maxSyms)*l.sym/(1-p.MaxSkew)) + 4*l.win + 64
	l.fd, l.flen = dc.FilterDecimation(), dc.FilterLen()
	l.uKeep = keep*l.fd + l.flen + l.fd
	l.u = make([]complex64, 0, 2*l.uKeep)
	l.z = make([]complex64, 0, keep+64)
	l.pending = make([]cand, 0, 16)
	l.recent = make([]recentFrame, 0, 8)
	l.lastEnd = math.Inf(-1)
	return l, nil
}

func (l *lane) reset() {
	l.dc.Reset()
	l.u = l.u[:0]
	l.uBase = 0
	l.z = l.z[:0]
	l.zBase = 0
	l.nrows = 0
	l.clActive = false
	l.pending = l.pending[:0]
	l.recent = l.recent[:0]
	l.lastEnd = math.Inf(-1)
	l.primed = false
}

// latency is the number of input samples the filters hold back.
func (l *lane) profiles() []Profile { return []Profile{l.p} }

func (l *lane) latency() int {
	return int(l.dc.InputPosition(0)) + 8*l.dc.Decimation() + int(3*l.sym)*l.dc.Decimation()
}

func (l *lane) zEnd() int64 { return l.zBase + int64(len(l.z)) }

// zAvail returns how many decimated samples the history covers: z[q] can be
// computed for q < zAvail.
func (l *lane) zAvail() int64 {
	end := l.uBase + int64(len(l.u))
	if end < int64(l.flen) {
		return 0
	}
	return (end-int64(l.flen))/int64(l.fd) + 1
}

// zMin returns the first decimated sample the history still covers.
func (l *lane) zMin() int64 { return (l.uBase + int64(l.fd) - 1) / int64(l.fd) }

// ensureZ makes l.z hold the decimated samples [lo, hi), clamped to what the
// history covers, filtering only what it does not hold yet.
func (l *lane) ensureZ(lo, hi int64) {
	lo = max(lo, l.zMin())
	hi = min(hi, l.zAvail())
	if lo < l.zBase || lo > l.zEnd() {
		l.z = l.z[:0]
		l.zBase = lo
	}
	from := l.zEnd()
	if hi <= from {
		return
	}
	if int(hi-l.zBase) > cap(l.z) && lo > l.zBase {
		n := copy(l.z, l.z[lo-l.zBase:])
		l.z = l.z[:n]
		l.zBase = lo
	}
	fd := int64(l.fd)
	l.z = l.dc.Filter(l.z, l.u[from*fd-l.uBase:(hi-1)*fd+int64(l.flen)-l.uBase])
}

func (l *lane) receive(out []Frame, samples []float32) []Frame {
	if !l.primed {
		// Lead the stream with silence, so that a transmission starting
		// at the first sample sits wholly inside the filtered history,
		// with room before it for the search's rows and refine's reach.
		l.primed = true
		if cap(l.leadZeros) < l.lead {
			l.leadZeros = make([]float32, l.lead)
		}
		out = l.receive(out, l.leadZeros[:l.lead])
	}
	l.uTmp = l.dc.Mix(l.uTmp[:0], samples)
	ut := l.uTmp
	for len(ut) > 0 {
		if len(l.u) == cap(l.u) {
			drop := len(l.u) - l.uKeep
			drop -= drop % l.fd
			n := copy(l.u, l.u[drop:])
			l.u = l.u[:n]
			l.uBase += int64(drop)
		}
		k := min(cap(l.u)-len(l.u), len(ut))
		l.u = append(l.u, ut[:k]...)
		ut = ut[k:]
		out = l.advance(out)
	}
	return out
}

// advance computes the rows that the history now covers, searches them for
// preambles and runs the pending candidates that have enough samples.
func (l *lane) advance(out []Frame) []Frame {
	for {
		start := l.nrows * int64(l.hop)
		if start+int64(l.win) > l.zAvail() {
			break
		}
		l.computeRow(start)
		l.nrows++
		if s := l.nrows - 1 - int64(l.rowOff[l.np-1]); s >= 0 {
			l.search(s)
		}
	}
	return l.runPending(out)
}

func (l *lane) computeRow(start int64) {
	buf := l.fbuf
	l.dc.Coarse(buf[:l.win], l.u[start*int64(l.fd)-l.uBase:])
	clear(buf[l.win:])
	l.fft.TransformScrambled(buf)
	slot := l.nrows % int64(len(l.rows))
	row := l.rows[slot][:len(l.binIdx)]
	clipped := l.clipped[slot][:len(row)]
	sum, mx := bandEnergies(row, buf, l.binIdx)
	mean := (sum - mx) / float32(len(row)-1)
	if !(mean > 0) {
		mean = 1e-30
	}
	scaleClip(row, clipped, 1/mean, clipShare)
}

// search scores a preamble starting at row s over every skew step. The
// detection score clips each symbol's share; the raw sum picks the step.
func (l *lane) search(s int64) {
	nr := len(l.rows)
	soff := l.soff[:len(l.rowOff)]
	base := int(s % int64(nr))
	for i, off := range l.rowOff {
		r := base + off
		if r >= nr {
			r -= nr
		}
		soff[i] = r * len(l.binIdx)
	}
	best, raw, bestStep := l.bestStep()
	if bestStep >= 0 && best > l.thresh {
		// A strong preamble reaches the clipped maximum a row early too;
		// the raw score then picks the row that is on time.
		if !l.clActive || best > l.clScore || (best == l.clScore && raw > l.clRaw) {
			l.clActive, l.clRow, l.clStep, l.clScore, l.clRaw = true, s, bestStep, best, raw
		}
	}
	if l.clActive && s > l.clRow+2 {
		l.clActive = false
		if float64(l.clRow*int64(l.hop)) < l.lastEnd-float64(l.hop) {
			return // inside a frame already decoded
		}
		if len(l.pending) == cap(l.pending) {
			l.pending = l.pending[1:] // the oldest has waited longest; let it go
		}
		l.pending = append(l.pending, cand{row: l.clRow, eps: l.steps[l.clStep].eps})
		l.stats.Candidates++
	}
}

// bestStep scores every skew step of the search set up in l.soff
// and returns the highest clipped score, ties going to the higher raw score,
// that raw score and its step; −1 if no score tops the threshold. Only a score above the
// threshold can start a candidate, so the best starts there, and a step is
// dropped as soon as its remaining symbols, at clipShare each, could not
// lift it that high (reach holds a margin for rounding, so no step that could
// win is dropped).
func (l *lane) bestStep() (float32, float32, int) {
	soff := l.soff[:len(l.rowOff)]
	reach := l.reach[:len(soff)]
	flat, clipped := l.flat, l.flatClipped
	best, bestRaw, bestStep := l.thresh, float32(math.Inf(-1)), -1
	for k, st := range l.steps {
		// Clip each symbol's share so that one strong data tone that
		// happens to sit where the preamble expects one cannot trigger.
		bins := st.bins[:len(soff)]
		var sc float32
		i := 0
		for ; i < len(bins); i++ {
			sc += clipped[soff[i]+bins[i]]
			if sc+reach[i] < best {
				break
			}
		}
		if i < len(bins) || sc < best {
			continue
		}
		var raw float32
		for i, b := range bins {
			raw += flat[soff[i]+b]
		}
		if sc > best || raw > bestRaw {
			best, bestRaw, bestStep = sc, raw, k
		}
	}
	return best, bestRaw, bestStep
}

// runPending advances every candidate as far as the history allows.
func (l *lane) runPending(out []Frame) []Frame {
	i := 0
	for i < len(l.pending) {
		c := &l.pending[i]
		drop, done := false, false
		switch c.stage {
		case 0:
			need := float64(c.row*int64(l.hop)+int64(l.hop)) + float64(l.np+l.p.slots(l.code.HeaderSymbols())+1)*l.sym/(1-l.p.MaxSkew) + float64(l.win)
			if float64(l.zAvail()) < need {
				break
			}
			lo := c.row*int64(l.hop) - int64(l.hop)
			if lo < l.zMin() || l.inside(float64(c.row*int64(l.hop))) {
				drop = true
				break
			}
			l.ensureZ(lo-8, l.zAvail())
			l.refine(c)
			if l.isRecent(c.tau) {
				drop = true
				break
			}
			n, err := l.header(c)
			if err != nil {
				l.stats.HeaderErrors++
				drop = true
				break
			}
			c.n, c.stage = n, 1
			fallthrough
		case 1:
			symE := l.sym / (1 + c.eps)
			need := c.tau + float64(l.np+l.p.slots(l.code.Symbols(c.n))+1)*symE + float64(l.win) + 2
			if float64(l.zAvail()) < need {
				break
			}
			l.ensureZ(int64(c.tau)-8, l.zAvail())
			f, ok := l.frame(c, need)
			drop = true
			if ok {
				out = append(out, f)
				done = true
			}
		}
		if drop || done {
			copy(l.pending[i:], l.pending[i+1:])
			l.pending = l.pending[:len(l.pending)-1]
			continue
		}
		i++
	}
	return out
}

// inside reports whether a preamble found at decimated sample at would start
// within a frame already decoded: such candidates are that frame's own data.
func (l *lane) inside(at float64) bool {
	for _, r := range l.recent {
		if at > r.start+l.sym/2 && at < r.end-float64(l.hop) {
			return true
		}
	}
	return false
}

func (l *lane) isRecent(tau float64) bool {
	for _, r := range l.recent {
		if math.Abs(r.start-tau) < l.sym/2 {
			return true
		}
	}
	return false
}

// preambleScore sums the preamble tones' energies for a start tau and skew.
func (l *lane) preambleScore(tau, eps float64) float32 {
	symE := l.sym / (1 + eps)
	w := int(math.Round(symE))
	l.freqs = l.freqs[:0]
	for _, t := range l.p.Preamble {
		l.freqs = append(l.freqs, l.p.Tones.Hz(t)*(1+eps)-l.fc)
	}
	var total float32
	for i := range l.p.Preamble {
		at := int64(math.Round(tau+float64(i)*symE)) - l.zBase
		if at < 0 || at+int64(w) > int64(len(l.z)) {
			return 0
		}
		total += toneEnergy(l.z[at:at+int64(w)], l.freqs[i], l.fsd)
	}
	return total
}

// toneEnergy is a single-tone correlation over z.
func toneEnergy(z []complex64, f, fs float64) float32 {
	s, c := math.Sincos(-2 * math.Pi * f / fs)
	step := complex(c, s)
	rot := complex128(1)
	var acc complex128
	for i, v := range z {
		acc += complex128(v) * rot
		rot *= step
		if i&63 == 63 {
			rot /= complex(math.Hypot(real(rot), imag(rot)), 0)
		}
	}
	return float32(real(acc)*real(acc) + imag(acc)*imag(acc))
}

// refine finds the preamble's start and the skew by coordinate ascent.
func (l *lane) refine(c *cand) {
	tau0 := float64(c.row * int64(l.hop))
	eps := c.eps
	bestTau, best := tau0, float32(-1)
	// The search's clipped score ties between neighbouring skew steps when
	// the preamble is strong, so look a few steps either side of its pick.
	coarse := 0.5 * (l.fsd / float64(l.fft.Len())) / l.p.Tones.TopHz()
	e0 := eps
	for de := -l.wide; de <= l.wide; de++ {
		e := math.Max(-l.p.MaxSkew, math.Min(l.p.MaxSkew, e0+float64(de)*coarse))
		for d := -l.hop; d <= l.hop; d++ {
			if s := l.preambleScore(tau0+float64(d), e); s > best {
				best, bestTau, eps = s, tau0+float64(d), e
			}
		}
	}
	step := l.fineStep
	span := 0.5*0.5*(l.fsd/float64(l.fft.Len()))/l.p.Tones.TopHz() + step
	for round := 0; round < 3; round++ {
		bestEps := eps
		for e := eps - span; e <= eps+span+1e-12; e += step {
			if s := l.preambleScore(bestTau, e); s > best {
				best, bestEps = s, e
			}
		}
		eps = math.Max(-l.p.MaxSkew, math.Min(l.p.MaxSkew, bestEps))
		base := bestTau
		for d := -2; d <= 2; d++ {
			if s := l.preambleScore(base+float64(d), eps); s > best {
				best, bestTau = s, base+float64(d)
			}
		}
		span = 2 * step
		step /= 2
	}
	c.tau, c.eps = bestTau, eps
}

// demod measures the code symbols [from, to) of candidate c into l.en, M
// energies per symbol in the order of its alphabet's tones (tone gray(v)
// carries value v); with track it follows timing drift block by block (an
// early-late gate on the strongest tone of each group), for long frames
// under clock skew.
func (l *lane) demod(c *cand, from, to int, track bool) {
	eps := c.eps
	symE := l.sym / (1 + eps)
	w := int(math.Round(symE))
	M, m, k := l.p.alphabet(), l.p.parallel(), l.p.hopSets()
	l.freqs = l.freqs[:0]
	for t := 0; t < l.p.Tones.Count; t++ {
		l.freqs = append(l.freqs, l.p.Tones.Hz(t)*(1+eps)-l.fc)
	}
	_ = l.bank.Set(l.freqs, w, l.fsd)
	l.en = l.en[:0]
	// tone returns the tone index of alphabet tone u in group g of slot j.
	tone := func(j, g, u int) int { return l.data[(u*m+g)*k+j%k] }
	// Second-order timing loop: off is the offset and drift the extra
	// samples per slot, both corrected once per block from the early-late
	// balance of the strongest tones.
	const block = 8
	off, drift := 0.0, 0.0
	first, last := from/m, (to+m-1)/m
	pos := func(j int, d float64) int64 {
		return int64(math.Round(c.tau+float64(l.np+j)*symE+off+float64(j-first)*drift+d)) - l.zBase
	}
	for b := first; b < last; b += block {
		e := min(b+block, last)
		if track {
			// The strongest tone of each group on time, then that tone's
			// energy one sample early and one late.
			var sc [3]float64
			for j := b; j < e; j++ {
				at := pos(j, 0)
				if at < 0 || at+int64(w) > int64(len(l.z)) {
					continue
				}
				for g := range m {
					top, mx := 0, float32(-1)
					for u := range M {
						if v := l.bank.Energy(tone(j, g, u), l.z[at:at+int64(w)]); v > mx {
							top, mx = tone(j, g, u), v
						}
					}
					sc[1] += float64(mx)
					for d := int64(-1); d <= 1; d += 2 {
						if at+d < 0 || at+d+int64(w) > int64(len(l.z)) {
							continue
						}
						sc[d+1] += float64(l.bank.Energy(top, l.z[at+d:at+d+int64(w)]))
					}
				}
			}
			if den := sc[0] - 2*sc[1] + sc[2]; den < 0 {
				errS := math.Max(-1, math.Min(1, 0.5*(sc[0]-sc[2])/den))
				off += 0.6 * errS
				drift += 0.15 * errS / block
			}
		}
		for j := b; j < e; j++ {
			at := max(0, min(pos(j, 0), int64(len(l.z)-w)))
			if m == 1 && k == 1 {
				l.en = l.bank.Energies(l.en, l.z[at:at+int64(w)])
				continue
			}
			for g := range m {
				if i := j*m + g; i < from || i >= to {
					continue
				}
				for u := range M {
					l.en = append(l.en, l.bank.Energy(tone(j, g, u), l.z[at:at+int64(w)]))
				}
			}
		}
	}
}

// llrs turns l.en (m energies per symbol) into bit LLRs in l.llr.
func (l *lane) llrs(met fsk.Metrics) {
	m := l.p.alphabet()
	l.ll = met.LogLikelihoods(l.ll[:0], l.en)
	// Reorder from tone to symbol value: value v is tone gray(v).
	l.vals = l.vals[:0]
	for s := 0; s+m <= len(l.ll); s += m {
		for v := 0; v < m; v++ {
			l.vals = append(l.vals, l.ll[s+gray(v)])
		}
	}
	l.llr = codec.SymbolLLRs(l.llr[:0], l.vals, l.p.Code.BitsPerSymbol)
}

func (l *lane) header(c *cand) (int, error) {
	h := l.code.HeaderSymbols()
	l.demod(c, 0, h, false)
	l.llrs(fsk.Estimate(l.en, l.p.alphabet()))
	return l.dec.DecodeHeader(l.llr)
}

func (l *lane) frame(c *cand, need float64) (Frame, bool) {
	ns := l.code.Symbols(c.n)
	l.demod(c, 0, ns, true)
	met := fsk.Estimate(l.en, l.p.alphabet())
	l.llrs(met)
	var err error
	l.payload, err = l.dec.Decode(l.payload[:0], l.llr, c.n)
	if err != nil {
		l.stats.PayloadErrors++
		return Frame{}, false
	}
	symE := l.sym / (1 + c.eps)
	end := c.tau + float64(l.np+l.p.slots(ns))*symE
	sum := checksum(l.payload)
	for _, r := range l.recent {
		if r.sum == sum && c.tau < r.end && end > r.start {
			l.stats.Duplicates++
			return Frame{}, false
		}
	}
	if len(l.recent) == cap(l.recent) {
		copy(l.recent, l.recent[1:])
		l.recent = l.recent[:len(l.recent)-1]
	}
	l.recent = append(l.recent, recentFrame{start: c.tau, end: end, sum: sum})
	l.lastEnd = end
	l.stats.Frames++
	echo := math.NaN()
	if l.p.hopSets() > 1 {
		echo = l.echo(c, ns, met)
	}
	echoKnown := !math.IsNaN(echo)
	echoDB := 0.0
	if echoKnown {
		echoDB = echo
	}
	snr := 10*math.Log10(met.SNR()*float64(l.p.parallel())) - 10*math.Log10(l.p.Tones.SymbolSeconds()*l.rate/2)
	start := l.dc.InputPosition(c.tau) - float64(l.dc.Decimation())/2 - float64(l.lead)
	return Frame{
		Payload:     bytes.Clone(l.payload),
		Profile:     l.p.Name,
		StartSample: int64(math.Round(math.Max(0, start))),
		SNR:         snr,
		SkewPPM:     c.eps * 1e6,
		EchoDB:      echoDB,
		EchoKnown:   echoKnown,
		Hint:        hint(10*math.Log10(met.SNR()), echo),
		done:        l.dc.InputPosition(need) - float64(l.lead),
	}, true
}

// Thresholds of [Frame].Hint: a symbol energy to noise density below
// weakEsN0dB leaves under about 3 dB of margin for the code, and an echo
// above echoyDB means the room's ringing rivals the direct sound.
const (
	weakEsN0dB = 14
	echoyDB    = -10
)

// hint turns a frame's symbol SNR and echo into advice for the user.
func hint(esN0dB, echoDB float64) string {
	weak, echoy := esN0dB < weakEsN0dB, echoDB > echoyDB
	switch {
	case weak && echoy:
		return "weak signal in strong echoes: move closer to the sender"
	case weak:
		return "weak signal: turn the volume up or move closer"
	case echoy:
		return "strong echoes: move closer to the sender"
	}
	return ""
}

// echo measures how strongly the tones of a decoded frame ring on: the
// energy its data tones still hold one slot after their own, over their
// energy in their slot, both less the noise floor, in dB. With hop sets the
// following slot sounds other tones, so what its window finds in these bins
// is the room's echo of them.
func (l *lane) echo(c *cand, ns int, met fsk.Metrics) float64 {
	syms, err := l.code.Encode(l.syms[:0], l.payload)
	if err != nil || len(syms) != ns {
		return math.NaN()
	}
	l.syms = syms
	M, m := l.p.alphabet(), l.p.parallel()
	symE := l.sym / (1 + c.eps)
	w := int(math.Round(symE))
	var on, next float64
	n := 0
	for j := 0; j+1 < l.p.slots(ns); j++ {
		at := int64(math.Round(c.tau+float64(l.np+j+1)*symE)) - l.zBase
		if at < 0 || at+int64(w) > int64(len(l.z)) {
			break
		}
		for g := range m {
			i := j*m + g
			if i >= ns {
				break
			}
			u := gray(int(syms[i]))
			on += float64(l.en[i*M+u])
			next += float64(l.bank.Energy(l.data[l.p.dataTone(i, int(syms[i]))], l.z[at:at+int64(w)]))
			n++
		}
	}
	on -= float64(n) * met.N0
	next -= float64(n) * met.N0
	if n == 0 || !(on > 0) {
		return math.NaN()
	}
	return 10 * math.Log10(math.Max(next, on*1e-4)/on)
}

func checksum(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
