// Package light simulates the path from a display flashing one luminance
// level per refresh to a light sensor sampling it, for tests and benchmarks of
// the optical channel. In order, the simulated path does this:
//
//   - idle: the display shows [Config.IdleLevel] for [Config.IdleBefore]
//     before the first level and [Config.IdleAfter] after the last;
//
//   - frame timing: each level is shown for one refresh of 1/[Config.RefreshHz]
//     seconds, except that with probability [Config.RepeatProb] it is shown
//     for two and with probability [Config.DropProb] it is skipped;
//
//   - response: the display and sensor respond to each step as a first-order
//     low-pass filter of time constant [Config.Response], after a pure delay
//     [Config.Lag]:
//
//     y′(t) = (x(t − Lag) − y(t)) / Response
//
//   - ambient light: the sensor also sees a lamp of mean level
//     [Config.Ambient] flickering at [Config.FlickerHz] (100 or 120 Hz, twice
//     the mains frequency) with modulation depth [Config.FlickerDepth]:
//
//     a(t) = Ambient · (1 + FlickerDepth · cos(2π·FlickerHz·t + φ))
//
//   - sensor: it samples at [Config.SampleRateHz] by its own clock, which
//     runs fast by the fraction [Config.ClockError] (0.01 is 1% fast: its
//     timestamps grow 1% faster than true time); each sample averages the
//     light over its sampling period, times [Config.Gain], plus
//     [Config.Offset] and Gaussian noise of standard deviation [Config.Noise]:
//
//     v = Gain · (y + a) + Offset + Noise · N(0, 1)
//
// A Config is a plain value; [Simulate] checks it and is safe for concurrent
// use, provided each goroutine uses its own *rand.Rand.
package light

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Config describes one display-to-sensor path. The zero value of every
// impairment means none.
type Config struct {
	RefreshHz    float64 // display refresh rate; 0 means 60
	RepeatProb   float64 // probability that a level is shown for two refreshes
	DropProb     float64 // probability that a level is not shown at all
	Lag          time.Duration
	Response     time.Duration // first-order time constant
	Ambient      float64       // mean ambient light, in units of full white
	FlickerHz    float64       // ambient flicker frequency, typically 100 or 120
	FlickerDepth float64       // 0..1
	SampleRateHz float64       // sensor sample rate; 0 means 1000
	ClockError   float64       // sensor clock error as a fraction, e.g. 0.01
	Gain         float64       // 0 means 1
	Offset       float64
	Noise        float64 // standard deviation of the sensor noise
	IdleBefore   time.Duration
	IdleAfter    time.Duration
	IdleLevel    float64
}

// Sample is one sensor reading: T in seconds by the sensor's clock.
type Sample struct {
	T, V float64
}

func (c Config) check() error {
	switch {
	case c.RefreshHz < 0 || c.RefreshHz > 1000:
		return fmt.Errorf("light: refresh rate %g Hz is outside 0..1000", c.RefreshHz)
	case c.SampleRateHz < 0 || c.SampleRateHz > 200000:
		return fmt.Errorf("light: sample rate %g Hz is outside 0..200000", c.SampleRateHz)
	case c.RepeatProb < 0 || c.DropProb < 0 || c.RepeatProb+c.DropProb > 0.5:
		return fmt.Errorf("light: repeat and drop probabilities %g and %g must be non-negative with a sum of at most 0.5", c.RepeatProb, c.DropProb)
	case c.Lag < 0 || c.Response < 0 || c.IdleBefore < 0 || c.IdleAfter < 0:
		return fmt.Errorf("light: durations must not be negative")
	case math.Abs(c.ClockError) > 0.1:
		return fmt.Errorf("light: clock error %g is outside ±0.1", c.ClockError)
	case c.FlickerDepth < 0 || c.FlickerDepth > 1:
		return fmt.Errorf("light: flicker depth %g is outside 0..1", c.FlickerDepth)
	}
	return nil
}

// Shown returns the sequence of levels the display shows, one per refresh,
// after repeats and drops.
func Shown(levels []float64, repeatProb, dropProb float64, rng *rand.Rand) []float64 {
	out := make([]float64, 0, len(levels)+len(levels)/8)
	for _, l := range levels {
		u := rng.Float64()
		switch {
		case u < dropProb:
		case u < dropProb+repeatProb:
			out = append(out, l, l)
		default:
			out = append(out, l)
		}
	}
	return out
}

// Simulate returns the sensor's readings of levels (one per refresh) shown
// through the path c.
func Simulate(levels []float64, c Config, rng *rand.Rand) ([]Sample, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	refresh := c.RefreshHz
	if refresh == 0 {
		refresh = 60
	}
	fs := c.SampleRateHz
	if fs == 0 {
		fs = 1000
	}
	gain := c.Gain
	if gain == 0 {
		gain = 1
	}
	frame := 1 / refresh
	nBefore := int(math.Round(c.IdleBefore.Seconds() * refresh))
	nAfter := int(math.Round(c.IdleAfter.Seconds() * refresh))
	shown := make([]float64, 0, nBefore+len(levels)*9/8+nAfter)
	for range nBefore {
		shown = append(shown, c.IdleLevel)
	}
	shown = append(shown, Shown(levels, c.RepeatProb, c.DropProb, rng)...)
	for range nAfter {
		shown = append(shown, c.IdleLevel)
	}
	// start[k] is the filtered output at the start of refresh k.
	tau := c.Response.Seconds()
	start := make([]float64, len(shown)+1)
	if len(shown) > 0 {
		start[0] = shown[0]
	}
	decay := 0.0
	if tau > 0 {
		decay = math.Exp(-frame / tau)
	}
	for k, x := range shown {
		start[k+1] = x + (start[k]-x)*decay
	}
	lag := c.Lag.Seconds()
	// display returns the filtered display light at true time t.
	display := func(t float64) float64 {
		t -= lag
		if len(shown) == 0 {
			return c.IdleLevel
		}
		if t <= 0 {
			return start[0]
		}
		k := int(t / frame)
		if k >= len(shown) {
			return start[len(shown)]
		}
		x := shown[k]
		if tau == 0 {
			return x
		}
		return x + (start[k]-x)*math.Exp(-(t-float64(k)*frame)/tau)
	}
	phase := rng.Float64() * 2 * math.Pi
	total := float64(len(shown))*frame + lag
	// Sensor time runs (1+ClockError) times as fast as true time.
	n := int(total * (1 + c.ClockError) * fs)
	out := make([]Sample, n)
	const sub = 4 // points per sampling period averaged by the sensor
	for i := range out {
		ts := float64(i) / fs
		var y float64
		for j := range sub {
			t := (ts + (float64(j)+0.5)/(sub*fs)) / (1 + c.ClockError)
			y += display(t)
			if c.Ambient != 0 {
				y += c.Ambient * (1 + c.FlickerDepth*math.Cos(2*math.Pi*c.FlickerHz*t+phase))
			}
		}
		y /= sub
		out[i] = Sample{T: ts, V: gain*y + c.Offset + c.Noise*rng.NormFloat64()}
	}
	return out, nil
}
