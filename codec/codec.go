// Package codec is warble's protected frame: it turns a payload of 1 to
// [MaxPayload] bytes into a sequence of channel symbols of
// [Config.BitsPerSymbol] bits each, and recovers the payload from soft
// information (bit log-likelihood ratios). The same frames are carried by the
// sound channel (M-ary FSK, one tone per symbol) and the light channel. The
// package knows nothing of either; the modem adds the synchronisation
// preamble.
//
// # Frame layout
//
// Before coding, a frame is these bytes, each sent most significant bit first:
//
//	header   2 bytes   byte0 = payload length − 1 (0..139)
//	                   byte1 = version<<5 | CRC-5(byte0, version), version = 1
//	payload  n bytes
//	CRC-32C  4 bytes   Castagnoli CRC over header and payload, big-endian
//
// The header check is a CRC-5 with polynomial x⁵+x²+1 (0x05), register
// initialised to 0b11111, no reflection and no final XOR, computed over the 11
// bits byte0 (MSB first) then the 3 version bits (MSB first). The polynomial is
// primitive (period 31), so every 1- and 2-bit error in the 16-bit header is
// detected.
//
// # Coding
//
// All frame bits are whitened, XORed with the PN9 sequence of the Fibonacci
// LFSR x⁹+x⁵+1 seeded with all ones (first output bits 1111 1111 1000 0111
// …), so that an all-zero payload does not give a constant symbol stream:
//
//	out   = r₀
//	r     = r>>1 | (r₀ ⊕ r₅)<<8,  r = 0x1FF initially
//
// The whitened bits, followed by 6 zero tail bits, are encoded by the K=7,
// rate-1/2 convolutional code with the CCSDS/NASA generators 171 and 133
// (octal), starting in state 0. With input u_t and register
// reg = u_t·2⁶ + u_{t−1}·2⁵ + … + u_{t−6}, each step emits
//
//	x_t = parity(reg & 0o171),  y_t = parity(reg & 0o133)   (x first)
//
// The coded stream is then punctured by [Config.Rate] with the DVB-S
// matrices (1 keeps a bit, columns are successive steps):
//
//	Rate12  X: 1        Y: 1        sent: x₁ y₁
//	Rate23  X: 10       Y: 11       sent: x₁ y₁ y₂
//	Rate34  X: 101      Y: 110      sent: x₁ y₁ y₂ x₃
//	Rate56  X: 10101    Y: 11010    sent: x₁ y₁ y₂ x₃ y₄ x₅
//	Rate78  X: 1000101  Y: 1111010  sent: x₁ y₁ y₂ y₃ y₄ x₅ y₆ x₇
//
// # Symbol mapping and interleaving
//
// The punctured bits are padded with zeros to a multiple of b =
// [Config.BitsPerSymbol] and cut into blocks of S·b bits, S =
// [Config.InterleaveSymbols]; the last block may be shorter, and then S is the
// number of symbols in it. Within a block, coded bit j goes to symbol j mod S
// at bit position j div S, where position 0 is the most significant bit of
// the symbol value:
//
//	symbol[i] = Σ_p  bit[p·S + i] · 2^(b−1−p)
//
// so the b bits of one symbol lie S coded bits apart. LLRs are handled in the
// same channel order: b per symbol, most significant bit first.
//
// The first block ([Code.HeaderSymbols] symbols) always holds the header and
// at least 40 further trellis steps of look-ahead, so a receiver can learn
// the payload length from it with [Decoder.DecodeHeader] before the rest of
// the frame arrives.
//
// # Decoding
//
// LLRs follow llr = log P(bit=0)/P(bit=1). The decoder is a soft-decision
// Viterbi decoder with float32 path metrics; punctured positions count as
// llr = 0. A payload is returned only if its CRC-32C verifies; otherwise the
// error wraps [ErrHeader] or [ErrCRC] in a [*CorruptFrameError].
package codec

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/bits"
)

// MaxPayload is the largest payload in bytes.
const MaxPayload = 140

const (
	headerBytes = 2
	crcBytes    = 4
	tailBits    = 6 // K − 1
	version     = 1

	// headerLookahead is how many trellis steps past the 16 header bits the
	// header block must cover, so that the truncated Viterbi decision on the
	// header is nearly as good as a decision on the whole frame (about 6
	// constraint lengths).
	headerLookahead = 40
	headerSteps     = 8*headerBytes + headerLookahead

	maxFrameBytes = headerBytes + MaxPayload + crcBytes
	maxSteps      = 8*maxFrameBytes + tailBits

	defaultInterleave = 16

	poly1 = 0o171
	poly2 = 0o133
)

// Rate is the code rate after puncturing.
type Rate int

// The code rates. The zero value is Rate12.
const (
	Rate12 Rate = iota // 1/2, no puncturing
	Rate23             // 2/3
	Rate34             // 3/4
	Rate56             // 5/6
	Rate78             // 7/8
)

func (r Rate) String() string {
	switch r {
	case Rate12:
		return "1/2"
	case Rate23:
		return "2/3"
	case Rate34:
		return "3/4"
	case Rate56:
		return "5/6"
	case Rate78:
		return "7/8"
	}
	return fmt.Sprintf("Rate(%d)", int(r))
}

// punctures holds, per rate, one mask per trellis step of the puncturing
// period: bit 1 keeps x (generator 171), bit 0 keeps y (generator 133).
var punctures = [...][]uint8{
	Rate12: {3},
	Rate23: {3, 1},
	Rate34: {3, 1, 2},
	Rate56: {3, 1, 2, 1, 2},
	Rate78: {3, 1, 1, 1, 2, 1, 2},
}

// Config selects a frame format. Transmitter and receiver must agree on it.
type Config struct {
	// BitsPerSymbol is b, the number of coded bits per channel symbol
	// (1..8): 5 for 32-FSK.
	BitsPerSymbol int
	// Rate is the code rate after puncturing.
	Rate Rate
	// InterleaveSymbols is S, the interleaver block length in symbols. The
	// first block must hold the header and its look-ahead, and must not be
	// longer than a 1-byte frame. Zero selects the default: 16, raised to
	// the smallest valid S or lowered to the largest.
	InterleaveSymbols int
}

// Code encodes frames in one [Config]. It is immutable and safe for
// concurrent use; decoding needs a [Decoder] from [Code.NewDecoder].
type Code struct {
	cfg       Config
	pattern   []uint8
	perPeriod int // coded bits per puncturing period
	hdrCoded  int // coded bits decoded by DecodeHeader
	hdrSteps  int // trellis steps decoded by DecodeHeader
}

// New checks cfg and returns its [Code].
func New(cfg Config) (*Code, error) {
	b := cfg.BitsPerSymbol
	if b < 1 || b > 8 {
		return nil, fmt.Errorf("codec: BitsPerSymbol %d is out of range 1..8", b)
	}
	if cfg.Rate < Rate12 || cfg.Rate > Rate78 {
		return nil, fmt.Errorf("codec: Rate %d is not one of Rate12, Rate23, Rate34, Rate56, Rate78", int(cfg.Rate))
	}
	c := &Code{cfg: cfg, pattern: punctures[cfg.Rate]}
	for _, m := range c.pattern {
		c.perPeriod += bits.OnesCount8(m)
	}
	smallest := c.Symbols(1)
	need := (c.codedLen(headerSteps) + b - 1) / b
	switch s := cfg.InterleaveSymbols; {
	case s == 0:
		c.cfg.InterleaveSymbols = min(max(defaultInterleave, need), smallest)
	case s < 0:
		return nil, fmt.Errorf("codec: InterleaveSymbols %d is negative", s)
	case s < need:
		return nil, fmt.Errorf("codec: InterleaveSymbols %d is too small: at %d bits per symbol and rate %v the header block needs at least %d symbols", s, b, cfg.Rate, need)
	case s > smallest:
		return nil, fmt.Errorf("codec: InterleaveSymbols %d is too large: at %d bits per symbol and rate %v a 1-byte frame has only %d symbols", s, b, cfg.Rate, smallest)
	}
	// DecodeHeader uses every coded bit of the first block that belongs to
	// every frame (not padding of a 1-byte frame), but only whole steps.
	avail := min(c.cfg.InterleaveSymbols*b, c.codedLen(frameSteps(1)))
	for c.codedLen(c.hdrSteps+1) <= avail {
		c.hdrSteps++
	}
	c.hdrCoded = c.codedLen(c.hdrSteps)
	return c, nil
}

// Config returns the configuration, with a zero InterleaveSymbols replaced by
// the value chosen.
func (c *Code) Config() Config { return c.cfg }

// frameSteps is the number of trellis steps (input bits including the tail)
// for an n-byte payload.
func frameSteps(n int) int { return 8*(headerBytes+n+crcBytes) + tailBits }

// codedLen is the number of punctured coded bits for the first steps steps.
func (c *Code) codedLen(steps int) int {
	p := len(c.pattern)
	n := steps / p * c.perPeriod
	for _, m := range c.pattern[:steps%p] {
		n += bits.OnesCount8(m)
	}
	return n
}

// Symbols returns the number of channel symbols for an n-byte payload, or 0
// if n is outside 1..[MaxPayload].
func (c *Code) Symbols(n int) int {
	if n < 1 || n > MaxPayload {
		return 0
	}
	b := c.cfg.BitsPerSymbol
	return (c.codedLen(frameSteps(n)) + b - 1) / b
}

// HeaderSymbols returns the number of leading symbols that
// [Decoder.DecodeHeader] needs: the first interleaver block, S symbols. It is
// at most Symbols(1).
func (c *Code) HeaderSymbols() int { return c.cfg.InterleaveSymbols }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// pn holds the whitening sequence, packed MSB first.
var pn = func() (seq [maxFrameBytes]byte) {
	r := uint(0x1FF)
	for i := range 8 * maxFrameBytes {
		out := r & 1
		r = r>>1 | (r&1^r>>5&1)<<8
		seq[i/8] |= byte(out) << (7 - i%8)
	}
	return seq
}()

// crc5 is the header check: polynomial x⁵+x²+1, initial value 0x1F, over
// the 8 bits of b0 and then the 3 bits of ver, most significant first.
func crc5(b0, ver byte) byte {
	msg := uint(b0)<<3 | uint(ver&7)
	r := uint(0x1F)
	for i := 10; i >= 0; i-- {
		fb := (msg>>i ^ r>>4) & 1
		r = r << 1 & 0x1F
		if fb != 0 {
			r ^= 0x05
		}
	}
	return byte(r)
}

func header(n int) (byte, byte) {
	b0 := byte(n - 1)
	return b0, version<<5 | crc5(b0, version)
}

// headers[n-1] holds the header of an n-byte payload.
var headers = func() (h [MaxPayload][2]byte) {
	for i := range h {
		h[i][0], h[i][1] = header(i + 1)
	}
	return h
}()

// Encode appends to dst the Symbols(len(payload)) symbols of the frame
// carrying payload, each in [0, 2^BitsPerSymbol). It does not allocate when
// dst has room.
func (c *Code) Encode(dst []byte, payload []byte) ([]byte, error) {
	n := len(payload)
	if n < 1 || n > MaxPayload {
		return dst, fmt.Errorf("codec: payload length %d is out of range 1..%d", n, MaxPayload)
	}
	// The CRC runs over the header table and the caller's payload rather
	// than over buf, which would make buf escape to the heap.
	hdr := headers[n-1][:]
	crc := crc32.Update(crc32.Checksum(hdr, castagnoli), castagnoli, payload)
	var buf [maxFrameBytes]byte
	f := append(buf[:0], hdr...)
	f = append(f, payload...)
	f = binary.BigEndian.AppendUint32(f, crc)
	return c.encodeFrame(dst, f), nil
}

// encodeFrame whitens, encodes, punctures and interleaves the frame bytes f
// (header, payload and CRC, not checked).
func (c *Code) encodeFrame(dst []byte, f []byte) []byte {
	var coded [2 * maxSteps]byte // one bit per byte
	k, state, ph := 0, 0, 0
	nbits := 8 * len(f)
	for t := range nbits + tailBits {
		bit := 0
		if t < nbits {
			bit = int((f[t/8]^pn[t/8])>>(7-t%8)) & 1
		}
		reg := bit<<6 | state
		m := c.pattern[ph]
		if m&2 != 0 {
			coded[k] = byte(bits.OnesCount8(uint8(reg&poly1)) & 1)
			k++
		}
		if m&1 != 0 {
			coded[k] = byte(bits.OnesCount8(uint8(reg&poly2)) & 1)
			k++
		}
		state = reg >> 1
		if ph++; ph == len(c.pattern) {
			ph = 0
		}
	}
	return c.interleave(dst, coded[:k])
}

// interleave maps coded bits to symbols; see the package documentation.
func (c *Code) interleave(dst []byte, coded []byte) []byte {
	b, s := c.cfg.BitsPerSymbol, c.cfg.InterleaveSymbols
	nsym := (len(coded) + b - 1) / b
	for s0 := 0; s0 < nsym; s0 += s {
		blk := min(s, nsym-s0)
		base := s0 * b
		for i := range blk {
			var v byte
			for p := range b {
				v <<= 1
				if j := base + p*blk + i; j < len(coded) {
					v |= coded[j]
				}
			}
			dst = append(dst, v)
		}
	}
	return dst
}
