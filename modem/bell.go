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

func (e *bellEncoder) airtime(n int) time.Duration {
	return time.Duration(float64(e.b.bits(n)) / e.b.Baud * float64(time.Second))
}

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
// The references measure the noise per tone, N(t) = mean of the two. The
// carrier is present while the stronger of mark and space, smoothed over a
// few bits, stands above N likewise smoothed; a byte starts at a
// mark-to-space edge and is sampled at the centre of each bit, and is kept
// only if its stop bit is mark and the tone stood above the noise through
// the byte.
type bellReceiver struct {
	p     Profile
	rate  int
	stats *Stats

	win    int     // samples per bit, rounded: the moving-sum length
	perBit float64 // samples per bit
	rot    [bellMixers]complex128
	ph     [bellMixers]complex128
	ring   []bellTap
	pos    int
	sum    [bellMixers]complex128
	sumP   float64
	n      int64 // samples consumed

	carrier   bool
	quiet     int // consecutive samples below the carrier-off level
	lastMark  bool
	inByte    bool
	edge      float64 // input sample (fractional) of the start-bit edge
	bitIdx    int
	cur       byte
	buf       []byte
	burstFrom int64
	num, den  float64 // smoothed tone and noise energies
	alpha     float64 // smoothing per sample
	qSum      float64 // tone-to-noise ratio summed over the current byte's bit centres
	qMin      float64 // and its least value
	sigE      float64 // tone energy at the bit centres of the burst
	noiseE    float64 // noise energy per tone at the same instants
}

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
	bellCarrierOn  = 6    // smoothed tone-to-noise ratio that raises the carrier
	bellCarrierOff = 2    // ratio below which, held for two bits, it drops
	bellByteMin    = 4    // least mean tone-to-noise ratio over a byte's bits
	bellBitMin     = 2.5  // least tone-to-noise ratio at any bit of a byte
	bellSmoothBits = 4    // time constant of the smoothing, in bits
	bellFloor      = 1e-7 // mean square below which input is silence
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
	r1, r2 := p.Bell.refHz()
	for i, f := range [bellMixers]float64{p.Bell.MarkHz, p.Bell.SpaceHz, r1, r2} {
		r.rot[i] = complexExp(-2 * math.Pi * f / float64(rate))
	}
	r.ring = make([]bellTap, r.win)
	r.alpha = 1 / (bellSmoothBits * r.perBit)
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
	r.pos = 0
	r.sumP = 0
	r.n = 0
	r.carrier, r.quiet, r.lastMark, r.inByte = false, 0, false, false
	r.buf = r.buf[:0]
	r.num, r.den = 0, 0
	r.sigE, r.noiseE = 0, 0
}

// latency is the silence needed after a burst for the carrier to drop.
func (r *bellReceiver) latency() int { return 6*r.win + 16 }

func (r *bellReceiver) receive(dst []Frame, samples []float32) []Frame {
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
		r.n++
		if r.n&1023 == 0 {
			for i := range r.ph {
				r.ph[i] /= complex(cmplxAbs(r.ph[i]), 0)
			}
		}
		if r.n&4095 == 0 {
			r.resum()
		}
		dst = r.step(dst)
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

func (r *bellReceiver) step(dst []Frame) []Frame {
	em, es := energy(r.sum[bellMark]), energy(r.sum[bellSpace])
	noise := (energy(r.sum[bellRef1]) + energy(r.sum[bellRef2])) / 2
	w := float64(r.win)
	tone := max(em, es)
	q := 0.0 // tone-to-noise ratio in this window
	if r.sumP > bellFloor*w {
		q = tone / max(noise, 1e-12*r.sumP*w)
	} else {
		tone = 0
	}
	// The carrier rises on the ratio smoothed over a few bits, so that
	// noise, whose ratio in one window swings widely about 1, does not
	// raise it; it drops on the unsmoothed ratio, at once when the input
	// falls silent.
	r.num += r.alpha * (tone - r.num)
	r.den += r.alpha * (noise - r.den)
	now := float64(r.n - 1)
	if !r.carrier {
		warm := r.n >= int64(2*bellSmoothBits*r.perBit) // the smoothing has seen enough input
		if warm && r.num >= bellCarrierOn*r.den && r.num > 0 {
			r.carrier = true
			r.quiet = 0
			r.burstFrom = r.n - int64(r.win)
			r.buf = r.buf[:0]
			r.inByte = false
			r.lastMark = em >= es
			r.sigE, r.noiseE = 0, 0
		}
		return dst
	}
	if q < bellCarrierOff {
		r.quiet++
		if r.quiet > 2*r.win {
			return r.drop(dst)
		}
	} else {
		r.quiet = 0
	}
	mark := em >= es
	if !r.inByte {
		if r.lastMark && !mark {
			r.inByte = true
			r.edge = now
			r.bitIdx = 0
			r.cur = 0
		}
		r.lastMark = mark
		return dst
	}
	r.lastMark = mark
	at := r.edge + (float64(r.bitIdx)+0.5)*r.perBit
	if now < math.Floor(at+0.5) {
		return dst
	}
	switch {
	case r.bitIdx == 0:
		if mark { // a glitch, not a start bit
			r.inByte = false
			return dst
		}
		r.qSum, r.qMin = 0, q
	case r.bitIdx <= 8:
		if mark {
			r.cur |= 1 << (r.bitIdx - 1)
		}
	}
	r.qSum += q
	r.qMin = min(r.qMin, q)
	r.sigE += tone
	r.noiseE += noise
	if r.bitIdx < 9 {
		r.bitIdx++
		return dst
	}
	r.inByte = false
	// Keep the byte only if its stop bit is mark and the tones stood
	// above the noise through it, at every bit.
	if mark && r.qSum/10 >= bellByteMin && r.qMin >= bellBitMin {
		r.buf = append(r.buf, r.cur)
	} else {
		r.stats.PayloadErrors++
	}
	return dst
}

// drop ends a carrier burst and hands out its bytes.
func (r *bellReceiver) drop(dst []Frame) []Frame {
	r.carrier = false
	r.inByte = false
	r.stats.Candidates++
	if len(r.buf) == 0 {
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
	r.buf = r.buf[:0]
	return dst
}
