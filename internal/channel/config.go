package channel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Config describes a channel as a plain value. The zero Config is a perfect
// channel: Apply returns a copy of its input.
//
// Apply works in this order, each stage skipped when its fields are zero:
//
//  1. pad with PadBefore and PadAfter of silence (at the transmitter's rate);
//  2. skew the transmitter's clock by SkewPPM;
//  3. resample to ReceiveRateHz (the receiver's rate);
//  4. reverberate (RT60, DirectToReverbDB);
//  5. band-limit to LowHz … HighHz;
//  6. apply GainDB and clip to [−1, 1];
//  7. if Noise, add white Gaussian noise at SNRdB.
//
// The SNR is measured at the receiver, after gain and clipping, over the
// transmission span: where the samples of x land after padding, skew and
// resampling (excluding the reverberant tail). Apply treats all of x as the
// transmission; trim leading and trailing silence first (see ActiveSpan) if x
// has any.
type Config struct {
	SNRdB float64 // full-band SNR of the added noise, in dB
	Noise bool    // add noise at SNRdB; false leaves the channel noiseless

	SkewPPM       float64 // transmitter clock error, parts per million (+ runs fast: tones rise)
	ReceiveRateHz int     // receiver sample rate in Hz; 0 keeps the transmitter's

	RT60             time.Duration // room reverberation time (60 dB decay); 0 for no room
	DirectToReverbDB float64       // direct-to-reverberant energy ratio, in dB

	LowHz, HighHz float64 // band limits in Hz (see BandPass); 0 leaves that side open

	GainDB float64 // gain before clipping to [−1, 1], in dB

	PadBefore, PadAfter time.Duration // silence around the transmission
}

// Validate reports whether c can be applied to a signal sampled at fs Hz,
// naming the first bad value.
func (c Config) Validate(fs int) error {
	rate := c.rate(fs)
	switch {
	case fs <= 0:
		return fmt.Errorf("channel: sample rate %d Hz is not positive", fs)
	case c.ReceiveRateHz < 0:
		return fmt.Errorf("channel: receive rate %d Hz is negative", c.ReceiveRateHz)
	case c.PadBefore < 0 || c.PadAfter < 0:
		return fmt.Errorf("channel: padding %v before, %v after is negative", c.PadBefore, c.PadAfter)
	case !(c.SkewPPM > -1e6) || math.IsInf(c.SkewPPM, 0):
		return fmt.Errorf("channel: clock skew %v ppm out of range", c.SkewPPM)
	case c.RT60 < 0:
		return fmt.Errorf("channel: RT60 %v is negative", c.RT60)
	case math.IsNaN(c.DirectToReverbDB) || math.IsInf(c.DirectToReverbDB, 0):
		return fmt.Errorf("channel: direct-to-reverberant ratio %v dB is not finite", c.DirectToReverbDB)
	case !(c.LowHz >= 0) || !(c.HighHz >= 0):
		return fmt.Errorf("channel: band %v–%v Hz has a negative corner", c.LowHz, c.HighHz)
	case 2*c.LowHz >= float64(rate) || 2*c.HighHz >= float64(rate):
		return fmt.Errorf("channel: band %v–%v Hz reaches Nyquist (%v Hz)", c.LowHz, c.HighHz, float64(rate)/2)
	case c.HighHz > 0 && c.LowHz >= c.HighHz:
		return fmt.Errorf("channel: band %v–%v Hz is empty", c.LowHz, c.HighHz)
	case math.IsNaN(c.GainDB) || math.IsInf(c.GainDB, 0):
		return fmt.Errorf("channel: gain %v dB is not finite", c.GainDB)
	case c.Noise && (math.IsNaN(c.SNRdB) || math.IsInf(c.SNRdB, 0)):
		return fmt.Errorf("channel: SNR %v dB is not finite", c.SNRdB)
	}
	return nil
}

func (c Config) rate(fs int) int {
	if c.ReceiveRateHz != 0 {
		return c.ReceiveRateHz
	}
	return fs
}

// Apply returns x, a transmission sampled at fs Hz, as received through the
// channel c, sampled at ReceiveRateHz (or fs if that is 0). rng supplies the
// room and the noise; it is not used if neither is set. Apply panics if
// c.Validate(fs) reports an error.
func (c Config) Apply(x []float32, fs int, rng *rand.Rand) []float32 {
	y, _ := c.apply(x, fs, rng)
	return y
}

// apply is Apply, also returning the transmission span in the output.
func (c Config) apply(x []float32, fs int, rng *rand.Rand) ([]float32, Span) {
	if err := c.Validate(fs); err != nil {
		panic(err)
	}
	before := samples(c.PadBefore, fs)
	y := Pad(x, before, samples(c.PadAfter, fs))
	// The transmission [before, before+len(x)) is stretched by the skew and
	// resampling; round its ends once, at the end.
	stretch := 1.0
	if c.SkewPPM != 0 {
		y = Skew(y, c.SkewPPM)
		stretch /= 1 + c.SkewPPM*1e-6
	}
	rate := c.rate(fs)
	if rate != fs {
		y = Resample(y, fs, rate)
		stretch *= float64(rate) / float64(fs)
	}
	span := Span{
		min(len(y), int(math.Round(float64(before)*stretch))),
		min(len(y), int(math.Round(float64(before+len(x))*stretch))),
	}
	if c.RT60 > 0 {
		y = Reverb(y, float64(rate), c.RT60, c.DirectToReverbDB, rng)
	}
	if c.LowHz > 0 || c.HighHz > 0 {
		y = BandPass(y, float64(rate), c.LowHz, c.HighHz)
	}
	y = Gain(y, c.GainDB)
	if c.Noise {
		y = AddNoise(y[:0], y, c.SNRdB, span, rng)
	}
	return y, span
}

// samples converts d to a whole number of samples at fs Hz.
func samples(d time.Duration, fs int) int {
	return int(math.Round(d.Seconds() * float64(fs)))
}
