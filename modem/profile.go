// Package modem joins package fsk (samples ⇄ tone energies) and package codec
// (payload ⇄ protected symbols) into warble's sound modem: named profiles, an
// [Encoder] from payload to samples, and a streaming [Receiver] that finds
// every frame of one or more profiles in a stream of samples.
//
// A transmission is a burst of continuous-phase M-FSK symbols: a preamble of
// known tones (a Costas-like pattern that pins down time, frequency and clock
// skew at once), then the codec's symbols, each a tone chosen by the Gray code
// of the symbol value. Its airtime is
//
//	T_air = (P + ⌈Symbols(n)/Parallel⌉)·T
//
// for a preamble of P symbols, an n-byte payload, symbol duration T and
// Parallel tones sounded at once in each data slot (see [Profile.HopSets]
// for how the slots hop between tone sets to outlast a room's echoes).
//
// The modem also speaks its peers' formats, each a [Family] of profiles:
// ggwave's ([GGWaveProfiles], bit-compatible with ggwave 0.4.0, found in
// automatic mode alongside the native profiles) and the Bell 103/202
// modems as minimodem speaks them ([BellProfiles], only by name, since
// they carry no check and their frames are [Frame].Unverified).
package modem

import (
	"fmt"
	"math"
	"slices"
	"time"

	"warble/codec"
	"warble/fsk"
)

// Family is the wire format a [Profile] speaks.
type Family int

const (
	// Native is warble's own format (the zero value): the fields Tones,
	// Preamble, Code and MaxSkew describe it.
	Native Family = iota
	// GGWave is ggwave 0.4.0's variable-length message, described by the
	// GGWave field; see [GGWaveProfiles].
	GGWave
	// Bell is Bell 103/202 asynchronous FSK as minimodem speaks it,
	// described by the Bell field; see [BellProfiles]. It has no integrity
	// check: its frames are [Frame].Unverified.
	Bell
)

// Profile is a complete description of one way of sending frames. Profiles
// are plain values; [NewEncoder] and [NewReceiver] validate them.
type Profile struct {
	Name     string
	Family   Family       // wire format; Native unless set
	GGWave   GGWaveParams // Family GGWave only
	Bell     BellParams   // Family Bell only
	Tones    fsk.Tones
	Preamble []int        // tone index of each preamble symbol
	Code     codec.Config // M = 2^Code.BitsPerSymbol tones per group; Tones.Count = M·Parallel·HopSets
	// Parallel is the number of tones sounded at once in each data slot
	// (0 means 1): each carries one code symbol, at 1/Parallel of the
	// amplitude, so a slot of duration Tones.Symbol carries Parallel symbols.
	Parallel int
	// HopSets is the number of disjoint tone sets the data slots cycle
	// through (0 means 1): slot s uses set s mod HopSets, so a tone is
	// sounded again only HopSets slots later, after its room echoes have
	// decayed, and the bins a slot is read from hold none of the echoes of
	// the HopSets−1 slots before it.
	HopSets   int
	MaxSkew   float64 // largest clock skew searched, as a fraction (0.022 = 2.2%)
	Amplitude float64 // peak amplitude of the burst, 0..1
}

// Room is the default profile, made for rooms: a 16-byte token in 1.39 s,
// heard across a living room or a hall whose echoes outweigh the direct
// sound. Each 48 ms slot sounds four tones at once, one per 16-tone group,
// from one of four disjoint sets of 64 tones interleaved over 1.0–6.5 kHz,
// so a tone's echo has four slots (192 ms) to decay before its bins are
// read again, and each slot gathers its tones' early echoes rather than
// fighting them. The preamble's six tones are its own, so their echoes
// never land in a data bin.
var Room = Profile{
	Name: "room",
	Tones: fsk.Tones{
		BaseHz:     1000,
		SpacingHz:  1000.0 / 48,
		Count:      262,
		Symbol:     48 * time.Millisecond,
		Transition: 0.1,
		Ramp:       4 * time.Millisecond,
	},
	Preamble:  []int{5, 209, 78, 143, 25, 249},
	Code:      codec.Config{BitsPerSymbol: 4, Rate: codec.Rate12, InterleaveSymbols: 28},
	Parallel:  4,
	HopSets:   4,
	MaxSkew:   0.022,
	Amplitude: 0.7,
}

// Audible is the profile for short range and narrow channels: a 16-byte
// token in 1.26 s, every tone between 1.25 and 3.19 kHz, so it survives 8
// and 16 kHz capture, telephone band limits and small speakers. Its 16 ms
// symbols reuse tones that still ring in a reverberant room: beyond a metre
// or so indoors, use [Room].
var Audible = Profile{
	Name: "audible",
	Tones: fsk.Tones{
		BaseHz:     1250,
		SpacingHz:  62.5,
		Count:      32,
		Symbol:     16 * time.Millisecond,
		Transition: 0.1,
		Ramp:       2 * time.Millisecond,
	},
	Preamble:  []int{2, 29, 12, 21, 7, 25},
	Code:      codec.Config{BitsPerSymbol: 5, Rate: codec.Rate12, InterleaveSymbols: 24},
	MaxSkew:   0.022,
	Amplitude: 0.7,
}

// Fast trades sensitivity for speed: 16 tones of 4 ms from 1 to 4.75 kHz,
// with a rate-3/4 code, about 94 bytes per second.
var Fast = Profile{
	Name: "fast",
	Tones: fsk.Tones{
		BaseHz:     1000,
		SpacingHz:  250,
		Count:      16,
		Symbol:     4 * time.Millisecond,
		Transition: 0.1,
		Ramp:       500 * time.Microsecond,
	},
	Preamble:  []int{1, 14, 5, 10, 0, 15, 8, 3},
	Code:      codec.Config{BitsPerSymbol: 4, Rate: codec.Rate34, InterleaveSymbols: 20},
	MaxSkew:   0.022,
	Amplitude: 0.7,
}

// Ultrasonic is the room profile's design moved to 17.0–20.1 kHz, where
// most people hear nothing, with 64 ms slots: a 16-byte token in 1.86 s.
// It needs a sample rate of 44.1 kHz or more.
var Ultrasonic = Profile{
	Name: "ultrasonic",
	Tones: fsk.Tones{
		BaseHz:     17000,
		SpacingHz:  1000.0 / 64,
		Count:      198,
		Symbol:     64 * time.Millisecond,
		Transition: 0.15,
		Ramp:       6 * time.Millisecond,
	},
	Preamble:  []int{4, 158, 59, 108, 19, 188},
	Code:      codec.Config{BitsPerSymbol: 4, Rate: codec.Rate12, InterleaveSymbols: 28},
	Parallel:  4,
	HopSets:   3,
	MaxSkew:   0.022,
	Amplitude: 0.7,
}

// Profiles returns warble's native profiles, the default first.
func Profiles() []Profile { return []Profile{Room, Audible, Fast, Ultrasonic} }

// AutoProfiles returns the profiles a receiver made without any listens
// for: the native ones and ggwave's. Bell modems, which cannot tell a frame
// from noise, are not among them.
func AutoProfiles() []Profile { return append(Profiles(), GGWaveProfiles()...) }

// allProfiles returns every named profile.
func allProfiles() []Profile { return append(AutoProfiles(), BellProfiles()...) }

// Lookup returns the profile with the given name: native, ggwave or Bell.
// For a name no profile has it returns an [*UnknownProfileError].
func Lookup(name string) (Profile, error) {
	for _, p := range allProfiles() {
		if p.Name == name {
			return p, nil
		}
	}
	var names []string
	for _, p := range allProfiles() {
		names = append(names, p.Name)
	}
	return Profile{}, &UnknownProfileError{Name: name, Known: names}
}

// Validate checks the profile on its own and at sampleRate.
func (p Profile) Validate(sampleRate int) error {
	if p.Name == "" {
		return fmt.Errorf("modem: profile has no name")
	}
	f, err := p.format()
	if err != nil {
		return err
	}
	return f.validate(p, sampleRate)
}

// validateShared checks what the peer families (ggwave, Bell) check before
// their own parameters: the amplitude and the sample rate.
func (p Profile) validateShared(sampleRate int) error {
	if !(p.Amplitude > 0 && p.Amplitude <= 1) {
		return fmt.Errorf("modem: profile %s: amplitude %g is outside (0, 1]", p.Name, p.Amplitude)
	}
	return checkRate(sampleRate)
}

// Airtime returns the duration of a transmission of an n-byte payload. A
// length the profile cannot carry gives a [*PayloadLengthError].
func (p Profile) Airtime(n int) (time.Duration, error) {
	f, err := p.format()
	if err != nil {
		return 0, err
	}
	return f.airtime(p, n)
}

// parallel returns the number of tones sounded at once in a data slot.
func (p Profile) parallel() int { return max(1, p.Parallel) }

// hopSets returns the number of tone sets the data slots cycle through.
func (p Profile) hopSets() int { return max(1, p.HopSets) }

// alphabet returns M, the tones one code symbol chooses among.
func (p Profile) alphabet() int { return 1 << p.Code.BitsPerSymbol }

// slots returns the number of data slots that carry n code symbols.
func (p Profile) slots(n int) int { return (n + p.parallel() - 1) / p.parallel() }

// dataTones returns the tones that carry data, in order: all tones when
// they number M·Parallel·HopSets, otherwise the tones the preamble does not
// use.
func (p Profile) dataTones() []int {
	n := p.alphabet() * p.parallel() * p.hopSets()
	t := make([]int, 0, p.Tones.Count)
	for k := 0; k < p.Tones.Count; k++ {
		if n == p.Tones.Count || !slices.Contains(p.Preamble, k) {
			t = append(t, k)
		}
	}
	return t[:min(n, len(t))]
}

// dataTone returns the position in [Profile.dataTones] of the tone that
// carries value v as code symbol i: symbol i sounds in slot i/Parallel as its
// group i%Parallel, from the slot's hop set. The tones of one set are
// interleaved across the whole band (position (gray(v)·Parallel +
// group)·HopSets + set), so each group's alphabet spans the band and fades
// in a room independently tone by tone.
func (p Profile) dataTone(i, v int) int {
	m, k := p.parallel(), p.hopSets()
	slot, g := i/m, i%m
	return (gray(v)*m+g)*k + slot%k
}

// NetBitRate returns the payload bits per second of a 16-byte token.
func (p Profile) NetBitRate() float64 {
	a, err := p.Airtime(16)
	if err != nil {
		return 0
	}
	return 128 / a.Seconds()
}

// BandHz returns the lowest and highest tone (0, 0 for an unknown family).
func (p Profile) BandHz() (lo, hi float64) {
	f, err := p.format()
	if err != nil {
		return 0, 0
	}
	return f.bandHz(p)
}

// gray maps a symbol value to its tone.
func gray(v int) int { return v ^ v>>1 }

// thresholdFor returns the preamble detection threshold, in units of the
// noise floor summed over the preamble, for a search over steps skew values.
func thresholdFor(preamble, steps int) float32 {
	return float32(3.3*float64(preamble) + math.Log(float64(steps)))
}
