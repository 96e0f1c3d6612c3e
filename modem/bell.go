package modem

import (
	"fmt"
	"math"
	"time"
)

// Bell 103 and 202 modems as minimodem speaks them: binary FSK at Baud
// bits per second, a mark (1) and a space (0) tone, bytes framed 8-N-1 —
// a space start bit, eight data bits least significant first, a mark stop
// bit — with the line resting on mark between bytes. They carry no check
// of any kind, so a receiver hands out whatever bytes it framed while a
// carrier was present, marked [Frame].Unverified.

// BellParams are the parameters of one Bell-style modem.
type BellParams struct {
	Baud    float64 // bits per second
	MarkHz  float64 // tone of a 1 bit and of the idle line
	SpaceHz float64 // tone of a 0 bit
}

// Bell103 is the Bell 103 originating modem (minimodem 300): 300 baud,
// mark 1270 Hz, space 1070 Hz.
var Bell103 = Profile{
	Name:      "bell103",
	Family:    Bell,
	Bell:      BellParams{Baud: 300, MarkHz: 1270, SpaceHz: 1070},
	Amplitude: 0.7,
}

// Bell202 is the Bell 202 modem (minimodem 1200): 1200 baud, mark 1200 Hz,
// space 2200 Hz.
var Bell202 = Profile{
	Name:      "bell202",
	Family:    Bell,
	Bell:      BellParams{Baud: 1200, MarkHz: 1200, SpaceHz: 2200},
	Amplitude: 0.7,
}

// BellProfiles returns the Bell modems. They are never part of automatic
// detection: ask for them by name.
func BellProfiles() []Profile { return []Profile{Bell103, Bell202} }

const (
	bellLeaderBits  = 32   // mark bits before the first byte, for the receiver to lock on
	bellTrailerBits = 4    // mark bits after the last byte
	bellMaxPayload  = 4096 // bytes per transmission the encoder accepts
)

var (
	_ format      = bellFormat{}
	_ detector    = (*bellReceiver)(nil)
	_ transmitter = (*bellEncoder)(nil)
)

// bellFormat is the [format] of the [Bell] family.
type bellFormat struct{}

func (bellFormat) validate(p Profile, sampleRate int) error {
	if err := p.validateShared(sampleRate); err != nil {
		return err
	}
	return p.Bell.validate(p.Name, sampleRate)
}

func (bellFormat) airtime(p Profile, n int) (time.Duration, error) {
	if err := checkPayload(n, bellMaxPayload); err != nil {
		return 0, err
	}
	return p.Bell.airtime(n), nil
}

func (bellFormat) bandHz(p Profile) (lo, hi float64) {
	return min(p.Bell.MarkHz, p.Bell.SpaceHz), max(p.Bell.MarkHz, p.Bell.SpaceHz)
}

func (bellFormat) newTransmitter(p Profile, sampleRate int) (transmitter, error) {
	return &bellEncoder{b: p.Bell, rate: sampleRate, amp: p.Amplitude}, nil
}

// newDetectors returns one detector per Bell profile.
func (bellFormat) newDetectors(ps []Profile, sampleRate int, stats *Stats) ([]detector, error) {
	ds := make([]detector, len(ps))
	for i, p := range ps {
		ds[i] = newBellReceiver(p, sampleRate, stats)
	}
	return ds, nil
}

// airtime returns the duration of an n-byte transmission.
func (b BellParams) airtime(n int) time.Duration {
	return time.Duration(float64(b.bits(n)) / b.Baud * float64(time.Second))
}

func (b BellParams) validate(name string, sampleRate int) error {
	if !(b.Baud >= 10 && b.Baud <= 9600) {
		return fmt.Errorf("modem: profile %s: %g baud is outside 10..9600", name, b.Baud)
	}
	if !(b.MarkHz > 0 && b.SpaceHz > 0) || b.MarkHz == b.SpaceHz {
		return fmt.Errorf("modem: profile %s: mark %g Hz and space %g Hz must be distinct and positive", name, b.MarkHz, b.SpaceHz)
	}
	if _, ref := b.refHz(); ref+b.Baud >= float64(sampleRate)/2 {
		return fmt.Errorf("modem: profile %s: reference tone %.0f Hz with its sidebands is above Nyquist (%d Hz)", name, ref, sampleRate/2)
	}
	if float64(sampleRate)/b.Baud < 16 {
		return fmt.Errorf("modem: profile %s: %g baud needs a sample rate of at least %.0f Hz", name, b.Baud, 16*b.Baud)
	}
	return nil
}

// bits returns the bits on the line for an n-byte transmission.
func (b BellParams) bits(n int) int { return bellLeaderBits + 10*n + bellTrailerBits }

// bellEncoder synthesises continuous-phase Bell FSK.
type bellEncoder struct {
	b    BellParams
	rate int
	amp  float64
}

func (e *bellEncoder) airtime(n int) time.Duration { return e.b.airtime(n) }

func (e *bellEncoder) maxPayload() int { return bellMaxPayload }

func (e *bellEncoder) appendTo(dst []float32, payload []byte) ([]float32, error) {
	line := make([]bool, 0, e.b.bits(len(payload)))
	for i := 0; i < bellLeaderBits; i++ {
		line = append(line, true)
	}
	for _, c := range payload {
		line = append(line, false)
		for i := 0; i < 8; i++ {
			line = append(line, c>>i&1 == 1)
		}
		line = append(line, true)
	}
	for i := 0; i < bellTrailerBits; i++ {
		line = append(line, true)
	}
	perBit := float64(e.rate) / e.b.Baud
	total := int(math.Round(float64(len(line)) * perBit))
	ramp := max(1, int(0.002*float64(e.rate))) // 2 ms rise and fall against clicks
	var ph float64
	for s := 0; s < total; s++ {
		bit := min(int(float64(s)/perBit), len(line)-1)
		f := e.b.SpaceHz
		if line[bit] {
			f = e.b.MarkHz
		}
		env := 1.0
		if s < ramp {
			env = float64(s) / float64(ramp)
		} else if total-s < ramp {
			env = float64(total-s) / float64(ramp)
		}
		dst = append(dst, float32(e.amp*env*math.Sin(ph)))
		ph += 2 * math.Pi * f / float64(e.rate)
		if ph > 2*math.Pi {
			ph -= 2 * math.Pi
		}
	}
	return dst, nil
}

// bellReceiver demodulates one Bell modem sample by sample. Complex mixers
// and moving sums over one bit of w samples give the energy at the mark and
// space tones and at two reference tones above the band, where no Bell
// signal is:
//
//	E_f(t) = |Σ x[n]·e^(−jω_f n)|²,  over the last w samples
//
// The references measure the noise per tone, N(t) = mean of the two, and
// q(t) = max(E_mark, E_space)/N is the tone-to-noise ratio of the window
// ending at t.
//
// Decisions lag the input by a little over one byte, so that a byte is
// judged on all of its bits at once and nothing is lost to a receiver
// that is still locking on: a transmission may start at the first sample
// with as little as one bit of idle line before its first start bit
// (minimodem sends two). A byte starts at a mark-to-space edge; the bit
// timing is then chosen, within half a bit of the edge, as the one whose
// ten windows best separate mark from space,
//
//	score(o) = (E_space − E_mark)(t_0) + Σ_{k=1..8} |E_mark − E_space|(t_k) + (E_mark − E_space)(t_9)
//
// with t_k = edge + o + (k + ½)·w, the end of bit k's window. The byte is
// kept if the bit before it is mark, its start bit space (summed over the
// windows that hold half of it or more, so that a phase jump of the mark
// tone, which looks like space for a moment, does not start a byte), its
// stop bit mark, and the tones stand above the noise at every bit and on
// average. Once a byte is read, the next is first looked for where it
// would start if it followed at once (see readByte): there the checks are
// looser, since the timing is known. Bytes that follow one another with
// less than [bellSplitBits] bits of idle line between them form one
// transmission, handed out when the line has idled that long
// (or fallen silent), and only if its tone-to-noise ratio over all its
// bits reaches [bellCarrierOn].
type bellReceiver struct {
	p     Profile
	rate  int
	stats *Stats

	win    int     // samples per bit, rounded: the moving-sum length
	perBit float64 // samples per bit
	delay  int64   // samples the decisions lag the input
	step   float64 // timing search step, samples
	rot    [bellMixers]complex128
	ph     [bellMixers]complex128
	ring   []bellTap
	pos    int
	sum    [bellMixers]complex128
	sumP   float64
	n      int64 // samples consumed

	hist []bellHist // the window energies ending at each of the last len(hist) samples
	mask int64

	m        int64 // next sample the framer looks at (m < n − delay)
	skipTo   int64 // the framer looks for the next start bit from here
	next     int64 // where the next byte's start bit turns to space, if it follows at once
	lastMark bool
	runFrom  int64 // first sample of the current run of tone above the noise

	buf       []byte  // the bytes of the transmission being framed
	burstFrom int64   // its first sample
	lastEnd   float64 // end of its last stop bit, samples
	lastBurst float64 // end of the last byte of the transmission before
	sigE      float64 // tone energy at its bit ends
	noiseE    float64 // noise energy per tone at the same instants
}

// bellHist is the state of the bit windows ending at one sample.
type bellHist struct{ mark, space, noise float32 }

// The mixers: mark, space and two references.
const (
	bellMark = iota
	bellSpace
	bellRef1
	bellRef2
	bellMixers
)

type bellTap struct {
	v [bellMixers]complex128
	p float64
}

const (
	bellCarrierOn   = 6   // least tone-to-noise ratio, over all its bits, of a transmission handed out
	bellCarrierOff  = 2   // ratio below which the line counts as without tone
	bellByteMin     = 4   // least mean tone-to-noise ratio over a byte's bits
	bellBitMin      = 2.5 // least tone-to-noise ratio at any bit of a byte
	bellExpectedMin = 3   // least mean tone-to-noise ratio of a byte where the last one ended
	// FSK sends one tone at a time, so at a bit's end one of mark and
	// space stands bellPurity times above the other; speech and music,
	// whose harmonics fill both, rarely do so bit after bit.
	bellPurity       = 2.5
	bellPureMin      = 8    // bits of 10 that must be so, for a byte found at an edge
	bellPureExpected = 6    // and for a byte where the last one ended
	bellSplitBits    = 3    // bits of idle line that end a transmission
	bellFloor        = 1e-7 // mean square below which input is silence
)

// refHz returns the reference tones: two and three baud above the upper
// tone, clear of the signal's main lobes.
func (b BellParams) refHz() (float64, float64) {
	top := max(b.MarkHz, b.SpaceHz)
	return top + 2*b.Baud, top + 3*b.Baud
}

func newBellReceiver(p Profile, rate int, stats *Stats) *bellReceiver {
	r := &bellReceiver{p: p, rate: rate, stats: stats}
	r.perBit = float64(rate) / p.Bell.Baud
	r.win = max(2, int(math.Round(r.perBit)))
	r.step = max(1, r.perBit/32)
	r1, r2 := p.Bell.refHz()
	for i, f := range [bellMixers]float64{p.Bell.MarkHz, p.Bell.SpaceHz, r1, r2} {
		r.rot[i] = complexExp(-2 * math.Pi * f / float64(rate))
	}
	r.ring = make([]bellTap, r.win)
	// The framer reads up to 10 bits and the search's half bit past the
	// sample it looks at.
	r.delay = int64(math.Ceil(10.5*r.perBit)) + 2
	size := int64(1)
	for size < r.delay+2*int64(r.win)+16 {
		size *= 2
	}
	r.hist = make([]bellHist, size)
	r.mask = size - 1
	r.reset()
	return r
}

func complexExp(x float64) complex128 {
	s, c := math.Sincos(x)
	return complex(c, s)
}

func (r *bellReceiver) profiles() []Profile { return []Profile{r.p} }

func (r *bellReceiver) reset() {
	for i := range r.ph {
		r.ph[i] = 1
		r.sum[i] = 0
	}
	clear(r.ring)
	clear(r.hist)
	r.pos = 0
	r.sumP = 0
	r.n = 0
	r.m, r.skipTo, r.next, r.lastMark, r.runFrom = 0, 0, -1, false, 0
	r.buf = r.buf[:0]
	r.lastEnd, r.lastBurst = math.Inf(-1), math.Inf(-1)
	r.sigE, r.noiseE = 0, 0
}

// latency is the input needed after a transmission's last sample for it to
// be handed out: the decision lag and the idle line that ends it.
func (r *bellReceiver) latency() int {
	return int(r.delay) + int(math.Ceil((bellSplitBits+1)*r.perBit)) + 2
}

func (r *bellReceiver) receive(dst []Frame, samples []float32) []Frame {
	w := float64(r.win)
	for _, v := range samples {
		x := float64(v)
		old := &r.ring[r.pos]
		for i := range r.ph {
			t := complex(x, 0) * r.ph[i]
			r.ph[i] *= r.rot[i]
			r.sum[i] += t - old.v[i]
			old.v[i] = t
		}
		r.sumP += x*x - old.p
		old.p = x * x
		r.pos++
		if r.pos == r.win {
			r.pos = 0
		}
		h := &r.hist[r.n&r.mask]
		if r.sumP > bellFloor*w {
			noise := (energy(r.sum[bellRef1]) + energy(r.sum[bellRef2])) / 2
			*h = bellHist{
				mark:  float32(energy(r.sum[bellMark])),
				space: float32(energy(r.sum[bellSpace])),
				noise: float32(max(noise, 1e-12*r.sumP*w)),
			}
		} else {
			*h = bellHist{}
		}
		r.n++
		if r.n&1023 == 0 {
			for i := range r.ph {
				r.ph[i] /= complex(cmplxAbs(r.ph[i]), 0)
			}
		}
		if r.n&4095 == 0 {
			r.resum()
		}
		for r.m < r.n-r.delay {
			dst = r.frame(dst, r.m)
			r.m++
		}
	}
	return dst
}

// resum recomputes the moving sums from the ring against rounding drift.
func (r *bellReceiver) resum() {
	r.sum = [bellMixers]complex128{}
	r.sumP = 0
	for _, t := range r.ring {
		for i := range r.sum {
			r.sum[i] += t.v[i]
		}
		r.sumP += t.p
	}
}

func cmplxAbs(z complex128) float64 { return math.Hypot(real(z), imag(z)) }

func energy(z complex128) float64 { return real(z)*real(z) + imag(z)*imag(z) }

// at returns the windows ending at sample t (rounded), which must be
// within the history.
func (r *bellReceiver) at(t float64) bellHist {
	return r.hist[int64(math.Floor(t+0.5))&r.mask]
}

func (h bellHist) q() float64 {
	if h.noise == 0 {
		return 0
	}
	return float64(max(h.mark, h.space) / h.noise)
}

// frame moves the framer on to sample m.
func (r *bellReceiver) frame(dst []Frame, m int64) []Frame {
	h := r.hist[m&r.mask]
	q := h.q()
	if q < bellCarrierOff {
		r.runFrom = m + 1
	}
	if len(r.buf) > 0 && float64(m) > r.lastEnd+bellSplitBits*r.perBit {
		dst = r.emit(dst)
	}
	mark := h.mark >= h.space
	edge := r.lastMark && !mark
	r.lastMark = mark
	if len(r.buf) > 0 && m == r.next && r.readByte(float64(m), true) {
		return dst
	}
	if m < r.skipTo || !edge || q < bellBitMin {
		return dst
	}
	r.readByte(float64(m), false)
	return dst
}

// readByte reads the byte whose start bit's window turns to space at e,
// and reports whether it took the byte's place on the line. A byte found
// at an edge must pass every check. A byte expected where the last one
// ended (next), in the rhythm of back-to-back bytes, needs only a start
// bit with tone in it: its timing is known, so noise that would fail a
// check at an edge cannot push the reading off it, and a byte damaged
// past its stop bit still keeps the rhythm for the bytes after it.
func (r *bellReceiver) readByte(e float64, expected bool) bool {
	P := r.perBit
	reach := P / 2
	if expected {
		reach = P / 4
	}
	best, bestScore := 0.0, float32(math.Inf(-1))
	for o := -reach; o <= reach; o += r.step {
		var s float32
		for k := 0; k < 10; k++ {
			h := r.at(e + o + (float64(k)+0.5)*P)
			d := h.mark - h.space
			switch {
			case k == 0:
				s -= d
			case k == 9:
				s += d
			default:
				s += max(d, -d)
			}
		}
		if s > bestScore {
			best, bestScore = o, s
		}
	}
	var c byte
	var start, stop bool
	pure := 0 // bits where one tone stands well clear of the other
	qSum, qMin := 0.0, math.Inf(1)
	var sig, noise float64
	for k := 0; k < 10; k++ {
		h := r.at(e + best + (float64(k)+0.5)*P)
		mark := h.mark >= h.space
		switch {
		case k == 0:
			start = !mark
		case k == 9:
			stop = mark
		case mark:
			c |= 1 << (k - 1)
		}
		q := h.q()
		qSum += q
		qMin = min(qMin, q)
		sig += float64(max(h.mark, h.space))
		if max(h.mark, h.space) >= bellPurity*min(h.mark, h.space) {
			pure++
		}
		noise += float64(h.noise)
	}
	// The start bit is space through the windows that hold at least half
	// of it, not for a moment only, as where a tone's phase jumps.
	t0 := e + best + 0.5*P
	var lead float32
	for t := math.Floor(t0 - P/2); t <= t0+P/2; t++ {
		h := r.at(t)
		lead += h.space - h.mark
	}
	if expected {
		if !start || lead <= 0 || qSum/10 < bellExpectedMin || pure < bellPureExpected {
			return false // idle line, or the end of the tone
		}
	} else {
		// And the bit before it is idle line or a stop bit, mark; before
		// the first byte of a transmission, the two bits before it (the
		// least leader minimodem sends), so that noise at the onset of
		// the tone does not start the framing inside the first byte.
		h := r.at(t0 - P)
		idle := h.mark >= h.space && h.q() >= bellBitMin
		if h2 := r.at(t0 - 2*P); len(r.buf) == 0 && (h2.mark < h2.space || h2.q() < bellBitMin) {
			idle = false
		}
		if !start || !stop || lead <= 0 || !idle || qSum/10 < bellByteMin || qMin < bellBitMin || pure < bellPureMin {
			if len(r.buf) > 0 {
				r.stats.PayloadErrors++
			}
			return false
		}
	}
	if len(r.buf) == 0 {
		from := e + best - P/2 // first sample of the start bit
		r.burstFrom = max(r.runFrom, int64(math.Ceil(r.lastBurst)), int64(from-64*P), 0)
		r.sigE, r.noiseE = 0, 0
	}
	if stop {
		r.buf = append(r.buf, c)
	} else {
		r.stats.PayloadErrors++ // a framing error: the byte is lost, its place kept
	}
	r.sigE += sig
	r.noiseE += noise
	r.lastEnd = e + best + 9.5*P
	r.next = int64(math.Floor(e + best + 10*P + 0.5))
	r.skipTo = r.next
	return true
}

// emit ends the transmission being framed and hands it out if its tones
// stood clear of the noise.
func (r *bellReceiver) emit(dst []Frame) []Frame {
	r.stats.Candidates++
	r.lastBurst = r.lastEnd
	defer func() { r.buf = r.buf[:0] }()
	if r.sigE < bellCarrierOn*r.noiseE {
		return dst
	}
	// A tone of power P in a window of w samples gives energy P·w²/2, white
	// noise of variance σ² gives w·σ² per tone, so the full-band SNR is
	// 2·(E_tone − N)/(w·N).
	snr := 40.0
	if r.noiseE > 0 && r.sigE > r.noiseE {
		snr = math.Min(snr, 10*math.Log10(2*(r.sigE-r.noiseE)/(float64(r.win)*r.noiseE)))
	}
	dst = append(dst, Frame{
		Payload:     append([]byte(nil), r.buf...),
		Profile:     r.p.Name,
		StartSample: r.burstFrom,
		SNR:         snr,
		Unverified:  true,
		done:        float64(r.n),
	})
	r.stats.Frames++
	return dst
}
