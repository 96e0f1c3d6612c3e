package modem

import (
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
//
// The stages live in their own files, as compress/flate splits its
// decoder: resample.go (input to 48 kHz), ggwave_gate.go (the gate and the
// rows), ggwave_marker.go (marker scoring), ggwave_timing.go (candidates
// and timing), ggwave_reverb.go (the echo path), ggwave_length.go (length
// choice and Reed–Solomon), ggwave_dedup.go (de-duplication) and
// ggwave_skew.go (the clock-error path).
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
