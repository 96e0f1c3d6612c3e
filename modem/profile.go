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
//	T_air = (P + Symbols(n))·T
//
// for a preamble of P symbols, an n-byte payload and symbol duration T.
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
	"strings"
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
	Name      string
	Family    Family       // wire format; Native unless set
	GGWave    GGWaveParams // Family GGWave only
	Bell      BellParams   // Family Bell only
	Tones     fsk.Tones
	Preamble  []int        // tone index of each preamble symbol
	Code      codec.Config // codec.Config.BitsPerSymbol must give 2^b == Tones.Count
	MaxSkew   float64      // largest clock skew searched, as a fraction (0.022 = 2.2%)
	Amplitude float64      // peak amplitude of the burst, 0..1
}

// Audible is the default profile: a 16-byte token in 1.26 s, every tone
// between 1.25 and 3.19 kHz, so it survives 8 and 16 kHz capture, telephone
// band limits and small speakers.
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

// Ultrasonic is the audible profile moved to 17.75–19.69 kHz, where most
// people hear nothing; it needs a sample rate of 44.1 kHz or more.
var Ultrasonic = Profile{
	Name: "ultrasonic",
	Tones: fsk.Tones{
		BaseHz:     17750,
		SpacingHz:  62.5,
		Count:      32,
		Symbol:     16 * time.Millisecond,
		Transition: 0.15,
		Ramp:       4 * time.Millisecond,
	},
	Preamble:  []int{2, 29, 12, 21, 7, 25, 16},
	Code:      codec.Config{BitsPerSymbol: 5, Rate: codec.Rate12, InterleaveSymbols: 24},
	MaxSkew:   0.022,
	Amplitude: 0.7,
}

// Profiles returns warble's native profiles, the default first.
func Profiles() []Profile { return []Profile{Audible, Fast, Ultrasonic} }

// AutoProfiles returns the profiles a receiver made without any listens
// for: the native ones and ggwave's. Bell modems, which cannot tell a frame
// from noise, are not among them.
func AutoProfiles() []Profile { return append(Profiles(), GGWaveProfiles()...) }

// allProfiles returns every named profile.
func allProfiles() []Profile { return append(AutoProfiles(), BellProfiles()...) }

// Lookup returns the profile with the given name: native, ggwave or Bell.
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
	return Profile{}, fmt.Errorf("modem: unknown profile %q (have %s)", name, strings.Join(names, ", "))
}

// Validate checks the profile on its own and at sampleRate.
func (p Profile) Validate(sampleRate int) error {
	if p.Name == "" {
		return fmt.Errorf("modem: profile has no name")
	}
	if p.Family != Native {
		if !(p.Amplitude > 0 && p.Amplitude <= 1) {
			return fmt.Errorf("modem: profile %s: amplitude %g is outside (0, 1]", p.Name, p.Amplitude)
		}
		if sampleRate < 8000 || sampleRate > 192000 {
			return fmt.Errorf("modem: sample rate %d Hz is outside 8000..192000", sampleRate)
		}
	}
	switch p.Family {
	case Native:
	case GGWave:
		return p.GGWave.validate(p.Name, sampleRate)
	case Bell:
		return p.Bell.validate(p.Name, sampleRate)
	default:
		return fmt.Errorf("modem: profile %s: unknown family %d", p.Name, p.Family)
	}
	if err := p.Tones.Validate(sampleRate); err != nil {
		return fmt.Errorf("modem: profile %s: %w", p.Name, err)
	}
	if 1<<p.Code.BitsPerSymbol != p.Tones.Count {
		return fmt.Errorf("modem: profile %s: %d tones do not carry %d bits per symbol", p.Name, p.Tones.Count, p.Code.BitsPerSymbol)
	}
	if _, err := codec.New(p.Code); err != nil {
		return fmt.Errorf("modem: profile %s: %w", p.Name, err)
	}
	if len(p.Preamble) < 4 {
		return fmt.Errorf("modem: profile %s: preamble of %d symbols is shorter than 4", p.Name, len(p.Preamble))
	}
	for i, t := range p.Preamble {
		if t < 0 || t >= p.Tones.Count {
			return fmt.Errorf("modem: profile %s: preamble symbol %d has tone %d, outside 0..%d", p.Name, i, t, p.Tones.Count-1)
		}
	}
	if p.MaxSkew < 0 || p.MaxSkew > 0.05 {
		return fmt.Errorf("modem: profile %s: max skew %g is outside 0..0.05", p.Name, p.MaxSkew)
	}
	if !(p.Amplitude > 0 && p.Amplitude <= 1) {
		return fmt.Errorf("modem: profile %s: amplitude %g is outside (0, 1]", p.Name, p.Amplitude)
	}
	if top := p.Tones.TopHz()*(1+p.MaxSkew) + p.Tones.SpacingHz; top >= float64(sampleRate)/2 {
		return fmt.Errorf("modem: profile %s: top tone with skew, %.0f Hz, is above Nyquist (%d Hz)", p.Name, top, sampleRate/2)
	}
	return nil
}

// Airtime returns the duration of a transmission of an n-byte payload.
func (p Profile) Airtime(n int) (time.Duration, error) {
	if p.Family != Native {
		t, err := p.transmitter(ggRate)
		if err != nil {
			return 0, err
		}
		if n < 1 || n > t.maxPayload() {
			return 0, fmt.Errorf("modem: payload of %d bytes is outside 1..%d", n, t.maxPayload())
		}
		return t.airtime(n), nil
	}
	c, err := codec.New(p.Code)
	if err != nil {
		return 0, err
	}
	if n < 1 || n > codec.MaxPayload {
		return 0, fmt.Errorf("modem: payload of %d bytes is outside 1..%d", n, codec.MaxPayload)
	}
	return time.Duration(len(p.Preamble)+c.Symbols(n)) * p.Tones.Symbol, nil
}

// NetBitRate returns the payload bits per second of a 16-byte token.
func (p Profile) NetBitRate() float64 {
	a, err := p.Airtime(16)
	if err != nil {
		return 0
	}
	return 128 / a.Seconds()
}

// BandHz returns the lowest and highest tone.
func (p Profile) BandHz() (lo, hi float64) {
	switch p.Family {
	case GGWave:
		return float64(p.GGWave.FreqStartBin) * ggBinHz, float64(p.GGWave.topBin()) * ggBinHz
	case Bell:
		return min(p.Bell.MarkHz, p.Bell.SpaceHz), max(p.Bell.MarkHz, p.Bell.SpaceHz)
	}
	return p.Tones.BaseHz, p.Tones.TopHz()
}

// gray maps a symbol value to its tone.
func gray(v int) int { return v ^ v>>1 }

// thresholdFor returns the preamble detection threshold, in units of the
// noise floor summed over the preamble, for a search over steps skew values.
func thresholdFor(preamble, steps int) float32 {
	return float32(3.3*float64(preamble) + math.Log(float64(steps)))
}
