package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// Errors for frames that do not verify. They reach the caller wrapped in a
// [*CorruptFrameError]; test with [errors.Is].
var (
	ErrHeader = errors.New("codec: corrupt frame header")
	ErrCRC    = errors.New("codec: frame failed its CRC-32C check")
)

// CorruptFrameError reports a frame that decoded but did not verify.
type CorruptFrameError struct {
	Err    error  // ErrHeader or ErrCRC
	Detail string // what was wrong, e.g. "length byte 200 is out of range 0..139"
}

func (e *CorruptFrameError) Error() string { return e.Err.Error() + ": " + e.Detail }
func (e *CorruptFrameError) Unwrap() error { return e.Err }

func corrupt(err error, format string, args ...any) error {
	return &CorruptFrameError{Err: err, Detail: fmt.Sprintf(format, args...)}
}

// llrLimit bounds input LLRs so that path metrics stay finite and precise
// in float32; NaN counts as 0 (no information).
const llrLimit = 1e4

// trellis[ns][x] is the 2-bit output (x<<1 | y) of the branch into state ns
// from its predecessor (ns<<1)&63 | x. A state holds the last 6 input bits,
// newest in bit 5.
var trellis = func() (t [64][2]uint8) {
	for ns := range 64 {
		for x := range 2 {
			reg := ns>>5<<6 | ns<<1&63 | x
			o1 := parity(reg & poly1)
			o2 := parity(reg & poly2)
			t[ns][x] = uint8(o1<<1 | o2)
		}
	}
	return t
}()

func b2u(b bool) uint64 {
	var u uint64
	if b {
		u = 1
	}
	return u
}

// fmax is max for values known not to be NaN.
func fmax(a, b float32) float32 {
	if b > a {
		return b
	}
	return a
}

// butterfly[j] is trellis[j][0]; see viterbi.
var butterfly = func() (b [32]uint8) {
	for j := range b {
		b[j] = trellis[j][0]
	}
	return b
}()

func parity(v int) int {
	v ^= v >> 4
	v ^= v >> 2
	v ^= v >> 1
	return v & 1
}

// Decoder decodes frames of one [Code]. It holds scratch space (about 30 KB,
// allocated by [Code.NewDecoder]), so its methods do not allocate on success.
// A Decoder is not safe for concurrent use; it keeps no state between calls.
type Decoder struct {
	c     *Code
	coded []float32 // deinterleaved punctured LLRs
	pairs []float32 // depunctured LLRs, x and y per step
	dec   []uint64  // survivor decisions per step, one bit per state
	frame [maxFrameBytes]byte
}

// NewDecoder returns a Decoder for c.
func (c *Code) NewDecoder() *Decoder {
	return &Decoder{
		c:     c,
		coded: make([]float32, 2*maxSteps),
		pairs: make([]float32, 2*maxSteps),
		dec:   make([]uint64, maxSteps),
	}
}

// DecodeHeader decodes the header from the first [Code.HeaderSymbols]·b LLRs
// of llr (channel order, as for [Decoder.Decode]; any further LLRs are
// ignored) and returns the payload length. The header is checked (CRC-5,
// version, length range) but is trusted only once [Decoder.Decode] has
// verified the whole frame.
func (d *Decoder) DecodeHeader(llr []float32) (n int, err error) {
	c := d.c
	b, s := c.cfg.BitsPerSymbol, c.cfg.InterleaveSymbols
	if len(llr) < s*b {
		return 0, fmt.Errorf("codec: header needs %d LLRs (%d symbols of %d bits), got %d", s*b, s, b, len(llr))
	}
	d.deinterleave(llr[:s*b], s, c.hdrCoded)
	d.depuncture(c.hdrSteps, c.hdrCoded)
	d.traceback(c.hdrSteps, d.viterbi(c.hdrSteps), 8*headerBytes)
	h0, h1 := d.frame[0]^pn[0], d.frame[1]^pn[1]
	if err := checkHeader(h0, h1); err != nil {
		return 0, err
	}
	return int(h0) + 1, nil
}

func checkHeader(h0, h1 byte) error {
	ver := h1 >> 5
	if got, want := h1&0x1F, crc5(h0, ver); got != want {
		return corrupt(ErrHeader, "header check 0x%02x, computed 0x%02x", got, want)
	}
	if ver != version {
		return corrupt(ErrHeader, "version %d is not %d", ver, version)
	}
	if h0 >= MaxPayload {
		return corrupt(ErrHeader, "length byte %d is out of range 0..%d", h0, MaxPayload-1)
	}
	return nil
}

// Decode decodes the frame of an n-byte payload from its Symbols(n)·b bit
// LLRs in channel order (b per symbol, most significant bit first, as
// [SymbolLLRs] gives them), verifies it and appends the payload to dst. On
// any error dst is returned unchanged: a payload that fails its CRC is never
// returned.
func (d *Decoder) Decode(dst []byte, llr []float32, n int) ([]byte, error) {
	c := d.c
	if n < 1 || n > MaxPayload {
		return dst, fmt.Errorf("codec: payload length %d is out of range 1..%d", n, MaxPayload)
	}
	nsym := c.Symbols(n)
	if want := nsym * c.cfg.BitsPerSymbol; len(llr) != want {
		return dst, fmt.Errorf("codec: a %d-byte payload needs %d LLRs (%d symbols of %d bits), got %d", n, want, nsym, c.cfg.BitsPerSymbol, len(llr))
	}
	steps := frameSteps(n)
	ncoded := c.codedLen(steps)
	d.deinterleave(llr, nsym, ncoded)
	d.depuncture(steps, ncoded)
	d.viterbi(steps)
	d.traceback(steps, 0, steps-tailBits)

	f := d.frame[:headerBytes+n+crcBytes]
	for i := range f {
		f[i] ^= pn[i]
	}
	if err := checkHeader(f[0], f[1]); err != nil {
		return dst, err
	}
	if int(f[0])+1 != n {
		return dst, corrupt(ErrHeader, "length byte gives %d bytes, decoded as %d", int(f[0])+1, n)
	}
	body := f[:headerBytes+n]
	if got, want := binary.BigEndian.Uint32(f[headerBytes+n:]), crc32.Checksum(body, castagnoli); got != want {
		return dst, corrupt(ErrCRC, "frame says 0x%08x, computed 0x%08x", got, want)
	}
	return append(dst, body[headerBytes:]...), nil
}

// deinterleave gathers the first ncoded coded-bit LLRs of a frame of nsym
// symbols from llr (channel order) into d.coded, clamping them.
func (d *Decoder) deinterleave(llr []float32, nsym, ncoded int) {
	b, s := d.c.cfg.BitsPerSymbol, d.c.cfg.InterleaveSymbols
	coded := d.coded[:ncoded]
	for s0 := 0; s0 < nsym; s0 += s {
		blk := min(s, nsym-s0)
		base := s0 * b
		for p := range b {
			for i := range blk {
				j := base + p*blk + i
				if j >= ncoded {
					return
				}
				v := llr[(s0+i)*b+p]
				switch {
				case v > llrLimit:
					v = llrLimit
				case v < -llrLimit:
					v = -llrLimit
				case v != v: // NaN
					v = 0
				}
				coded[j] = v
			}
		}
	}
}

// depuncture spreads d.coded over steps trellis steps in d.pairs, with 0 at
// punctured positions.
func (d *Decoder) depuncture(steps, ncoded int) {
	pat := d.c.pattern
	pairs := d.pairs[:2*steps]
	coded := d.coded[:ncoded]
	k, ph := 0, 0
	for t := range steps {
		m := pat[ph]
		pairs[2*t], pairs[2*t+1] = 0, 0
		if m&2 != 0 {
			pairs[2*t] = coded[k]
			k++
		}
		if m&1 != 0 {
			pairs[2*t+1] = coded[k]
			k++
		}
		if ph++; ph == len(pat) {
			ph = 0
		}
	}
}

// viterbi runs add-compare-select over steps steps from state 0, storing
// survivor decisions in d.dec, and returns the best final state. Metrics are
// correlations (larger is better), renormalised to a maximum of 0 each step.
func (d *Decoder) viterbi(steps int) int {
	negInf := float32(math.Inf(-1))
	var pm, npm [64]float32
	for i := range pm {
		pm[i] = negInf
	}
	pm[0] = 0
	pairs := d.pairs[:2*steps]
	dec := d.dec[:steps]
	for t := range dec {
		l0, l1 := pairs[2*t], pairs[2*t+1]
		bm := [4]float32{l0 + l1, l0 - l1, l1 - l0, -l0 - l1}
		var decision uint64
		best := negInf
		// States j and j+32 share the predecessors 2j and 2j+1. Both
		// generators tap the newest and the oldest bit, so the four
		// branches of this butterfly carry outputs o, o^3, o^3, o, whose
		// metrics are m, −m, −m, m.
		for j := range 32 {
			p0, p1 := pm[2*j], pm[2*j+1]
			m := bm[butterfly[j]&3]
			// Branch-free compare-select: noisy decisions defeat branch
			// prediction.
			a, b := p0+m, p1-m
			decision |= b2u(b > a) << j
			a = fmax(a, b)
			npm[j] = a
			best = fmax(best, a)
			a, b = p0-m, p1+m
			decision |= b2u(b > a) << (j + 32)
			a = fmax(a, b)
			npm[j+32] = a
			best = fmax(best, a)
		}
		for i := range pm {
			pm[i] = npm[i] - best
		}
		dec[t] = decision
	}
	end := 0
	for i := range pm {
		if pm[i] > pm[end] {
			end = i
		}
	}
	return end
}

// traceback follows the survivors back from state at step steps and writes
// the first nbits decoded input bits into d.frame, MSB first.
func (d *Decoder) traceback(steps, state, nbits int) {
	clear(d.frame[:(nbits+7)/8])
	for t := steps - 1; t >= 0; t-- {
		if t < nbits && state>>5 != 0 {
			d.frame[t/8] |= 0x80 >> (t % 8)
		}
		state = state<<1&63 | int(d.dec[t]>>state&1)
	}
}
