// Package optical carries warble's protected frames by light: a display
// shows one luminance level per refresh and a light sensor or camera reads
// them back. The frames are [codec] frames, so a token is the same bytes
// whether it is heard or seen.
//
// # Signal
//
// A transmission is a preamble followed by the frame's codec symbols. Each
// symbol is held for [Profile.SlotsPerSymbol] display refreshes (slots) at
// one of M+1 luminance levels, M = 2^[Profile.BitsPerSymbol], spaced evenly
// from [Profile.Low] to [Profile.High] (fractions of full white, linear
// light):
//
//	level(i) = Low + (High − Low) · i / M,   i = 0 … M
//
// No two successive symbols share a level, so every symbol boundary is an
// edge and a refresh shown twice cannot pass for two equal symbols. Symbol
// value v, whose Gray index is g (v = g ⊕ g>>1, so that neighbouring levels
// differ in one bit), is shown after a symbol at level j at
//
//	i = g       if g < j
//	i = g + 1   otherwise
//
// The preamble is the 13-chip Barker code held for SlotsPerSymbol slots per
// chip at the top and bottom levels, inverted in [Safe] so that the receiver
// tells the profiles apart; a postamble of three symbols alternating between
// the bottom and top levels, starting with the one the last symbol is not
// on, marks the end.
//
// [Full] has 9 levels from black to white and 3 bits per symbol at code rate
// 2/3: a 16-byte token takes 214 refreshes, 3.57 s at 60 Hz (36 payload
// bit/s). [Safe] has 5 levels from 0.8 to 1.0 of white and 2 bits per
// symbol at rate 2/3: 306 refreshes, 5.10 s.
//
// # Refreshes shown twice or skipped
//
// Holding each symbol for two refreshes lets the receiver see every symbol
// even when the display repeats or skips a refresh. It divides the slots
// after the preamble into symbols of 0 to 4 slots (2 nominal) by dynamic
// programming over (symbol, slot, level), scoring each symbol by the squared
// distance of its slots from its level and a penalty per slot away from
// nominal. The rule that successive levels differ, and the known levels of
// the last preamble chips and of the postamble, anchor the division at both
// ends. A symbol whose refreshes were all skipped leaves no trace of where it
// was, so the receiver tries each place for it until the frame verifies.
//
// # Receiver
//
// [Decode] takes a whole trace (timestamps by the sensor's clock, any sample
// rate of at least 2.5 samples per refresh, not necessarily uniform). It
// resamples the trace to 16 bins per refresh and removes lamp flicker near
// 100 and 120 Hz and their second and third harmonics, as the strongest sinusoid
// within ±3% of each (flicker above half the sample rate is fitted at the
// samples' own times, where it is aliased, and the trace is then decoded
// both with and without that fit). It finds the refresh clock from the
// spectral line of edge energy
//
//	e(t) = (mean(x[t, t+P/2)) − mean(x[t−P/2, t)))²,   Z(f) = Σ e(tₖ)·exp(−2πi·f·tₖ)
//
// searched within ±3% of the nominal rate (so sensor clock errors of a few
// percent and unknown lag are absorbed), once with e clipped at its 98th
// percentile (so that a few large steps, such as a dark screen turning to a
// safe-mode transmission, do not swamp the line) and once without, decoding
// with both clocks if they disagree. It averages the middle of each refresh
// slot and finds preambles by normalised correlation (whole, first half and
// last half; a strong candidate is also tried one chip either side). It
// undoes the display's and sensor's response with the first-order
// equaliser
//
//	x[n] = (v[n] − r·v[n−1]) / (1 − r),   r = r↑ if v[n] ≥ v[n−1], else r↓
//
// for the pair r↑, r↓ (each 0 to 0.6: displays often rise faster than they
// fall) that makes the preamble's two levels tightest, trying the second
// best pair too, fits
// the unknown gain and offset to the medians of those two levels, divides
// the slots into symbols, refines the levels from the symbols found, and
// hands bit LLRs to the codec's Viterbi decoder. Only frames whose CRC-32C
// verifies are returned.
//
// Profiles are plain values and Decode keeps no state: everything here is
// safe for concurrent use.
package optical

import (
	"fmt"

	"warble/codec"
)

// Profile is one way of flashing frames. Sender and receiver must agree on
// it; [Decode] tries every profile given.
type Profile struct {
	Name           string
	BitsPerSymbol  int     // b: M = 2^b levels (1..4)
	SlotsPerSymbol int     // display refreshes per symbol (2..8)
	Low, High      float64 // luminance of the bottom and top level, 0 ≤ Low < High ≤ 1
	Rate           codec.Rate
	invert         bool // preamble chips inverted
}

// The profiles. Full uses the whole range from black to white and flashes at
// up to 30 Hz: it can trigger seizures in people with photosensitive
// epilepsy. Safe keeps every level at or above 0.8 of white, so under WCAG
// 2.3.1 it never makes a general flash (that needs the darker image below
// 0.8 relative luminance) and no change is saturated red.
var (
	Full = Profile{Name: "full", BitsPerSymbol: 3, SlotsPerSymbol: 2, Low: 0, High: 1, Rate: codec.Rate23}
	Safe = Profile{Name: "safe", BitsPerSymbol: 2, SlotsPerSymbol: 2, Low: 0.8, High: 1, Rate: codec.Rate23, invert: true}
)

// Profiles lists the named profiles.
func Profiles() []Profile { return []Profile{Full, Safe} }

// Lookup returns the profile called name.
func Lookup(name string) (Profile, error) {
	for _, p := range Profiles() {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("optical: unknown profile %q (want full or safe)", name)
}

// barker13 is the preamble chip sequence.
var barker13 = [...]int8{1, 1, 1, 1, 1, -1, -1, 1, 1, -1, 1, -1, 1}

func (p Profile) check() (*codec.Code, error) {
	switch {
	case p.BitsPerSymbol < 1 || p.BitsPerSymbol > 4:
		return nil, fmt.Errorf("optical: profile %q: BitsPerSymbol %d is outside 1..4", p.Name, p.BitsPerSymbol)
	case p.SlotsPerSymbol < 2 || p.SlotsPerSymbol > 8:
		return nil, fmt.Errorf("optical: profile %q: SlotsPerSymbol %d is outside 2..8", p.Name, p.SlotsPerSymbol)
	case !(p.Low >= 0 && p.Low < p.High && p.High <= 1):
		return nil, fmt.Errorf("optical: profile %q: levels %g..%g are not 0 ≤ Low < High ≤ 1", p.Name, p.Low, p.High)
	}
	c, err := codec.New(codec.Config{BitsPerSymbol: p.BitsPerSymbol, Rate: p.Rate})
	if err != nil {
		return nil, fmt.Errorf("optical: profile %q: %w", p.Name, err)
	}
	return c, nil
}

// level returns the luminance of level index i.
func (p Profile) level(i int) float64 {
	m := 1 << p.BitsPerSymbol
	return p.Low + (p.High-p.Low)*float64(i)/float64(m)
}

// postambleSymbols is the number of symbols after the frame. They anchor
// its end, so that the receiver can tell where the last symbol stops.
const postambleSymbols = 3

// preamble returns the preamble as level indices, one per slot.
func (p Profile) preamble() []int {
	top := 1 << p.BitsPerSymbol
	out := make([]int, 0, len(barker13)*p.SlotsPerSymbol)
	for _, c := range barker13 {
		i := top
		if (c < 0) != p.invert {
			i = 0
		}
		for range p.SlotsPerSymbol {
			out = append(out, i)
		}
	}
	return out
}

func gray(i int) int { return i ^ i>>1 }

// shown returns the level index for Gray index g after a symbol at level
// prev.
func shown(g, prev int) int {
	if g < prev {
		return g
	}
	return g + 1
}

// Refreshes returns the number of display refreshes a transmission of an
// n-byte payload takes, or 0 if n is out of range or p is invalid.
func (p Profile) Refreshes(n int) int {
	c, err := p.check()
	if err != nil {
		return 0
	}
	s := c.Symbols(n)
	if s == 0 {
		return 0
	}
	return (len(barker13) + s + postambleSymbols) * p.SlotsPerSymbol
}

// Levels appends to dst the transmission of payload: one luminance level in
// [Low, High] per display refresh.
func (p Profile) Levels(dst []float64, payload []byte) ([]float64, error) {
	c, err := p.check()
	if err != nil {
		return dst, err
	}
	syms, err := c.Encode(nil, payload)
	if err != nil {
		return dst, fmt.Errorf("optical: %w", err)
	}
	pre := p.preamble()
	for _, i := range pre {
		dst = append(dst, p.level(i))
	}
	var index [16]int // symbol value → Gray index
	for i := range 1 << p.BitsPerSymbol {
		index[gray(i)] = i
	}
	hold := func(i int) {
		for range p.SlotsPerSymbol {
			dst = append(dst, p.level(i))
		}
	}
	prev := pre[len(pre)-1]
	for _, s := range syms {
		i := shown(index[s], prev)
		hold(i)
		prev = i
	}
	top := 1 << p.BitsPerSymbol
	i := 0
	if prev == 0 {
		i = top
	}
	for range postambleSymbols {
		hold(i)
		i = top - i
	}
	return dst, nil
}
