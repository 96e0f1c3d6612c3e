package channel

import (
	"fmt"
	"math"
	"strings"
)

// Response is the frequency response of a loudspeaker or a microphone: a
// Butterworth highpass and lowpass, each of order 2 or 4 (12 or 24 dB per
// octave beyond the corner, −3 dB at it), unity gain in between. A zero
// corner leaves that side open, so the zero Response is flat. A lowpass
// corner at or above 0.45·fs, where the sample rate's own band limit already
// lies, is left out at that rate.
//
// A Response is a plain value and safe for concurrent use.
type Response struct {
	Name          string  // e.g. "phone-speaker"
	HighPassHz    float64 // highpass corner in Hz; 0 for none
	HighPassOrder int     // 2 or 4
	LowPassHz     float64 // lowpass corner in Hz; 0 for none
	LowPassOrder  int     // 2 or 4
}

// The named responses. The corners are typical of the devices, not
// measurements of a particular one.
var (
	// Flat is an ideal transducer.
	Flat = Response{Name: "flat"}
	// PhoneSpeaker is a phone's small sealed loudspeaker: below its
	// resonance it falls at 12 dB per octave, from 350 Hz.
	PhoneSpeaker = Response{Name: "phone-speaker", HighPassHz: 350, HighPassOrder: 2}
	// LaptopMic is a laptop's MEMS microphone behind its port and the
	// capture chain's filters: 150 Hz highpass, 2nd order, and a gentle
	// rolloff from 16 kHz, 2nd order.
	LaptopMic = Response{Name: "laptop-mic", HighPassHz: 150, HighPassOrder: 2, LowPassHz: 16000, LowPassOrder: 2}
	// PhoneMic is a phone's MEMS microphone with its wind-noise highpass at
	// 100 Hz, 2nd order, and its port resonance damped into a rolloff from
	// 19 kHz, 2nd order.
	PhoneMic = Response{Name: "phone-mic", HighPassHz: 100, HighPassOrder: 2, LowPassHz: 19000, LowPassOrder: 2}
	// Headset is a wideband (16 kHz sampled) headset: 100 Hz to 8 kHz,
	// 4th order at both ends.
	Headset = Response{Name: "headset", HighPassHz: 100, HighPassOrder: 4, LowPassHz: 8000, LowPassOrder: 4}
)

// Responses returns the named responses.
func Responses() []Response { return []Response{Flat, PhoneSpeaker, LaptopMic, PhoneMic, Headset} }

// LookupResponse returns the named response called name; "" means flat.
func LookupResponse(name string) (Response, error) {
	if name == "" {
		return Flat, nil
	}
	var names []string
	for _, r := range Responses() {
		if r.Name == name {
			return r, nil
		}
		names = append(names, r.Name)
	}
	return Response{}, fmt.Errorf("channel: no response named %q (have %s)", name, strings.Join(names, ", "))
}

// Validate reports whether r can filter a signal sampled at fs Hz, naming
// the first bad value.
func (r Response) Validate(fs int) error {
	nyq := float64(fs) / 2
	switch {
	case !(r.HighPassHz >= 0) || math.IsInf(r.HighPassHz, 0):
		return fmt.Errorf("channel: response %s: highpass corner %v Hz is not a frequency", r.Name, r.HighPassHz)
	case !(r.LowPassHz >= 0) || math.IsInf(r.LowPassHz, 0):
		return fmt.Errorf("channel: response %s: lowpass corner %v Hz is not a frequency", r.Name, r.LowPassHz)
	case r.HighPassHz > 0 && r.HighPassOrder != 2 && r.HighPassOrder != 4:
		return fmt.Errorf("channel: response %s: highpass order %d is not 2 or 4", r.Name, r.HighPassOrder)
	case r.LowPassHz > 0 && r.LowPassOrder != 2 && r.LowPassOrder != 4:
		return fmt.Errorf("channel: response %s: lowpass order %d is not 2 or 4", r.Name, r.LowPassOrder)
	case r.HighPassHz >= 0.45*float64(fs):
		return fmt.Errorf("channel: response %s: highpass corner %v Hz is too near Nyquist (%v Hz)", r.Name, r.HighPassHz, nyq)
	case r.LowPassHz > 0 && r.LowPassHz <= r.HighPassHz:
		return fmt.Errorf("channel: response %s: lowpass corner %v Hz is not above the highpass corner %v Hz", r.Name, r.LowPassHz, r.HighPassHz)
	}
	return nil
}

// sections returns the biquads of r at fs Hz.
func (r Response) sections(fs int) []biquad {
	var out []biquad
	add := func(highpass bool, f0 float64, order int) {
		if order == 2 {
			out = append(out, newBiquad(highpass, float64(fs), f0, 1/math.Sqrt2))
			return
		}
		for _, q := range butterworthQ {
			out = append(out, newBiquad(highpass, float64(fs), f0, q))
		}
	}
	if r.HighPassHz > 0 {
		add(true, r.HighPassHz, r.HighPassOrder)
	}
	if r.LowPassHz > 0 && r.LowPassHz < 0.45*float64(fs) {
		add(false, r.LowPassHz, r.LowPassOrder)
	}
	return out
}

// Filter returns x, sampled at fs Hz, through r. The filter is causal and
// starts at rest. It returns an error if r.Validate(fs) does.
func (r Response) Filter(x []float32, fs int) ([]float32, error) {
	if err := r.Validate(fs); err != nil {
		return nil, err
	}
	y := append([]float32(nil), x...)
	for _, b := range r.sections(fs) {
		b.run(y)
	}
	return y, nil
}

// GainDB returns r's gain at f Hz for a signal sampled at fs Hz, in dB.
func (r Response) GainDB(f float64, fs int) float64 {
	z := complexExpJ(2 * math.Pi * f / float64(fs))
	g := complex(1, 0)
	for _, b := range r.sections(fs) {
		num := complex(b.b0, 0) + complex(b.b1, 0)/z + complex(b.b2, 0)/(z*z)
		den := 1 + complex(b.a1, 0)/z + complex(b.a2, 0)/(z*z)
		g *= num / den
	}
	return 20 * math.Log10(math.Hypot(real(g), imag(g)))
}

func complexExpJ(w float64) complex128 { return complex(math.Cos(w), math.Sin(w)) }
