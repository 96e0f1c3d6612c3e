package modem

import (
	"fmt"
	"time"

	"warble/codec"
	"warble/fsk"
)

// warble's own format: a preamble of known tones, then the codec's symbols
// as continuous-phase M-FSK, Parallel tones at once in each slot (see the
// package doc). A [lane] receives one native profile, a [nativeEncoder]
// sends it.

var (
	_ format      = nativeFormat{}
	_ detector    = (*lane)(nil)
	_ transmitter = (*nativeEncoder)(nil)
)

// nativeFormat is the [format] of the [Native] family.
type nativeFormat struct{}

func (nativeFormat) validate(p Profile, sampleRate int) error {
	if err := p.Tones.Validate(sampleRate); err != nil {
		return fmt.Errorf("modem: profile %s: %w", p.Name, err)
	}
	if p.Parallel < 0 || p.Parallel > 16 || p.HopSets < 0 || p.HopSets > 16 {
		return fmt.Errorf("modem: profile %s: %d parallel tones in %d hop sets is outside 1..16 each", p.Name, p.Parallel, p.HopSets)
	}
	if want := p.alphabet() * p.parallel() * p.hopSets(); len(p.dataTones()) != want || (p.parallel() == 1 && p.hopSets() == 1 && want != p.Tones.Count) {
		return fmt.Errorf("modem: profile %s: %d tones are not %d bits per symbol × %d parallel × %d hop sets (%d tones)",
			p.Name, p.Tones.Count, p.Code.BitsPerSymbol, p.parallel(), p.hopSets(), want)
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

func (nativeFormat) airtime(p Profile, n int) (time.Duration, error) {
	c, err := codec.New(p.Code)
	if err != nil {
		return 0, err
	}
	if err := checkPayload(n, codec.MaxPayload); err != nil {
		return 0, err
	}
	return p.nativeAirtime(c, n), nil
}

// nativeAirtime returns the duration of an n-byte transmission of p under
// code c.
func (p Profile) nativeAirtime(c *codec.Code, n int) time.Duration {
	return time.Duration(len(p.Preamble)+p.slots(c.Symbols(n))) * p.Tones.Symbol
}

func (nativeFormat) bandHz(p Profile) (lo, hi float64) { return p.Tones.BaseHz, p.Tones.TopHz() }

func (nativeFormat) newTransmitter(p Profile, sampleRate int) (transmitter, error) {
	mod, err := fsk.NewModulator(p.Tones, sampleRate, p.Amplitude/float64(p.parallel()))
	if err != nil {
		return nil, err
	}
	code, err := codec.New(p.Code)
	if err != nil {
		return nil, err
	}
	return &nativeEncoder{p: p, mod: mod, code: code, data: p.dataTones()}, nil
}

// newDetectors returns one lane per profile.
func (nativeFormat) newDetectors(ps []Profile, sampleRate int, stats *Stats) ([]detector, error) {
	ds := make([]detector, 0, len(ps))
	for _, p := range ps {
		l, err := newLane(p, sampleRate, stats)
		if err != nil {
			return nil, err
		}
		ds = append(ds, l)
	}
	return ds, nil
}

// nativeEncoder synthesises the transmissions of one native profile. It
// is safe for concurrent use.
type nativeEncoder struct {
	p    Profile
	mod  *fsk.Modulator
	code *codec.Code
	data []int // the tones that carry data
}

func (e *nativeEncoder) airtime(n int) time.Duration { return e.p.nativeAirtime(e.code, n) }

func (e *nativeEncoder) maxPayload() int { return codec.MaxPayload }

func (e *nativeEncoder) appendTo(dst []float32, payload []byte) ([]float32, error) {
	syms, err := e.code.Encode(nil, payload)
	if err != nil {
		return dst, err
	}
	m := e.p.parallel()
	if m == 1 {
		tones := make([]int, 0, len(e.p.Preamble)+len(syms))
		tones = append(tones, e.p.Preamble...)
		for i, s := range syms {
			tones = append(tones, e.data[e.p.dataTone(i, int(s))])
		}
		return e.mod.Append(dst, tones)
	}
	// Parallel tones: one continuous-phase stream per group at 1/m of the
	// amplitude, summed. The streams play the preamble identically, so
	// there they add up to one tone at full amplitude.
	slots := e.p.slots(len(syms))
	tones := make([]int, len(e.p.Preamble)+slots)
	var sum, buf []float32
	for g := range m {
		copy(tones, e.p.Preamble)
		for j := range slots {
			i := j*m + g
			v := 0 // a slot's unused groups (only in the last) sound value 0
			if i < len(syms) {
				v = int(syms[i])
			}
			tones[len(e.p.Preamble)+j] = e.data[e.p.dataTone(j*m+g, v)]
		}
		var err error
		if buf, err = e.mod.Append(buf[:0], tones); err != nil {
			return dst, err
		}
		if sum == nil {
			sum = make([]float32, len(buf))
		}
		for k, x := range buf {
			sum[k] += x
		}
	}
	return append(dst, sum...), nil
}
