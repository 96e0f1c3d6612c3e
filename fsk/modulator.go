package fsk

import (
	"fmt"
	"math"
	"time"
)

// Tones describes an M-ary tone alphabet and its timing.
type Tones struct {
	BaseHz     float64       // frequency of tone 0
	SpacingHz  float64       // distance between neighbouring tones; a whole multiple of 1/Symbol
	Count      int           // number of tones, M
	Symbol     time.Duration // symbol duration T
	Transition float64       // fraction of T over which the frequency glides between tones (0..0.5)
	Ramp       time.Duration // raised-cosine fade at the start and the end of a burst
}

// Hz returns the frequency of tone k.
func (t Tones) Hz(k int) float64 { return t.BaseHz + float64(k)*t.SpacingHz }

// TopHz returns the frequency of the highest tone.
func (t Tones) TopHz() float64 { return t.Hz(t.Count - 1) }

// SymbolSeconds returns T in seconds.
func (t Tones) SymbolSeconds() float64 { return t.Symbol.Seconds() }

// Validate checks the alphabet against a sample rate.
func (t Tones) Validate(sampleRate int) error {
	switch {
	case sampleRate < 8000 || sampleRate > 192000:
		return fmt.Errorf("fsk: sample rate %d Hz is outside 8000..192000", sampleRate)
	case t.Count < 2 || t.Count > 1024:
		return fmt.Errorf("fsk: tone count %d is outside 2..1024", t.Count)
	case t.Symbol <= 0:
		return fmt.Errorf("fsk: symbol duration %v is not positive", t.Symbol)
	case t.BaseHz <= 0:
		return fmt.Errorf("fsk: base tone %g Hz is not positive", t.BaseHz)
	case t.Transition < 0 || t.Transition > 0.5:
		return fmt.Errorf("fsk: transition %g is outside 0..0.5 of a symbol", t.Transition)
	case t.Ramp < 0 || 2*t.Ramp > t.Symbol:
		return fmt.Errorf("fsk: ramp %v is outside 0..half a symbol", t.Ramp)
	}
	cycles := t.SpacingHz * t.SymbolSeconds()
	if cycles < 0.999 || math.Abs(cycles-math.Round(cycles)) > 1e-6 {
		return fmt.Errorf("fsk: tone spacing %g Hz is not a whole multiple of 1/T (%g Hz)", t.SpacingHz, 1/t.SymbolSeconds())
	}
	if nyq := float64(sampleRate) / 2; t.TopHz() >= nyq {
		return fmt.Errorf("fsk: top tone %g Hz is above Nyquist (%g Hz)", t.TopHz(), nyq)
	}
	return nil
}

// Modulator renders tone sequences as continuous-phase FSK bursts.
type Modulator struct {
	t         Tones
	rate      float64
	amplitude float64
}

// NewModulator returns a modulator for the alphabet at sampleRate, with peak
// amplitude in (0, 1].
func NewModulator(t Tones, sampleRate int, amplitude float64) (*Modulator, error) {
	if err := t.Validate(sampleRate); err != nil {
		return nil, err
	}
	if !(amplitude > 0 && amplitude <= 1) {
		return nil, fmt.Errorf("fsk: amplitude %g is outside (0, 1]", amplitude)
	}
	return &Modulator{t: t, rate: float64(sampleRate), amplitude: amplitude}, nil
}

// Samples returns the number of samples of a burst of n symbols.
func (m *Modulator) Samples(n int) int {
	return int(math.Round(float64(n) * m.t.SymbolSeconds() * m.rate))
}

// Append appends the burst that carries the tone indices in symbols (each in
// [0, Count)) to dst. Indices out of range are an error.
func (m *Modulator) Append(dst []float32, symbols []int) ([]float32, error) {
	for i, s := range symbols {
		if s < 0 || s >= m.t.Count {
			return dst, fmt.Errorf("fsk: symbol %d has tone %d, outside 0..%d", i, s, m.t.Count-1)
		}
	}
	if len(symbols) == 0 {
		return dst, nil
	}
	T := m.t.SymbolSeconds()
	total := m.Samples(len(symbols))
	glide := m.t.Transition * T
	ramp := m.t.Ramp.Seconds()
	dur := float64(len(symbols)) * T
	phase := 0.0
	for n := 0; n < total; n++ {
		t := (float64(n) + 0.5) / m.rate
		i := int(t / T)
		if i >= len(symbols) {
			i = len(symbols) - 1
		}
		f := m.t.Hz(symbols[i])
		// Glide from the previous tone over [iT - glide/2, iT + glide/2], and
		// towards the next over the end of this symbol.
		if glide > 0 {
			u := t - float64(i)*T
			if u < glide/2 && i > 0 {
				prev := m.t.Hz(symbols[i-1])
				w := 0.5 + 0.5*math.Sin(math.Pi*u/glide) // 0.5 at the boundary, 1 at glide/2
				f = prev + (f-prev)*w
			} else if v := float64(i+1)*T - t; v < glide/2 && i+1 < len(symbols) {
				next := m.t.Hz(symbols[i+1])
				w := 0.5 + 0.5*math.Sin(math.Pi*v/glide)
				f = next + (f-next)*w
			}
		}
		a := m.amplitude
		if ramp > 0 {
			if t < ramp {
				a *= 0.5 - 0.5*math.Cos(math.Pi*t/ramp)
			} else if r := dur - t; r < ramp {
				a *= 0.5 - 0.5*math.Cos(math.Pi*math.Max(r, 0)/ramp)
			}
		}
		dst = append(dst, float32(a*math.Sin(phase)))
		phase += 2 * math.Pi * f / m.rate
		if phase > 2*math.Pi {
			phase -= 2 * math.Pi
		}
	}
	return dst, nil
}
