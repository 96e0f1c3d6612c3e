package channel

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"strings"
	"sync"

	"warble/internal/wav"
)

// Ambient names a kind of background sound in a [Scene].
type Ambient string

// The kinds of ambient sound. Each is generated from the scene's *rand.Rand
// and then scaled to the scene's A-weighted level (see [LevelDBA]).
const (
	// AmbientNone is silence.
	AmbientNone Ambient = "none"
	// AmbientPink is pink noise, power falling 3 dB per octave from 20 Hz
	// to Nyquist (Gaussian noise shaped by 1/sqrt(f) in the frequency
	// domain): the steady hum and hiss of a quiet room.
	AmbientPink Ambient = "pink"
	// AmbientBabble is speech babble: four espeak-ng voices talking at
	// once (testdata/babble.wav, see testdata/README.md), looped from a
	// random offset.
	AmbientBabble Ambient = "babble"
	// AmbientMusic is synthesised pop music: four-note chords of harmonic
	// tones (harmonics 1–10 at 1/k amplitude, plucked: 30 ms attack, then
	// a 1.2 s decay) moving through I–V–vi–IV every two beats, a bass line
	// on the roots, and a drum beat at 120 BPM (a 55→45 Hz kick on beats 1
	// and 3, noise snares on 2 and 4, closed hi-hats of noise above 7 kHz on
	// every eighth), in a random key and phase.
	AmbientMusic Ambient = "music"
)

// Ambients returns the kinds of ambient sound.
func Ambients() []Ambient { return []Ambient{AmbientNone, AmbientPink, AmbientBabble, AmbientMusic} }

// ParseAmbient returns the ambient sound called s; "" means none.
func ParseAmbient(s string) (Ambient, error) {
	if s == "" {
		return AmbientNone, nil
	}
	var names []string
	for _, a := range Ambients() {
		if string(a) == s {
			return a, nil
		}
		names = append(names, string(a))
	}
	return "", fmt.Errorf("channel: no ambient sound %q (have %s)", s, strings.Join(names, ", "))
}

// Generate returns n samples at fs Hz of a at dBA dB(A) SPL, for a
// microphone whose full-scale sine is fullScaleSPL dB SPL. AmbientNone gives
// silence.
func (a Ambient) Generate(n, fs int, dBA, fullScaleSPL float64, rng *rand.Rand) ([]float32, error) {
	var x []float32
	var p float64 // A-weighted power of x before scaling
	switch a {
	case AmbientNone, "":
		return make([]float32, n), nil
	case AmbientPink:
		x, p = pinkNoise(n, fs, rng)
	case AmbientBabble:
		b, err := babbleAt(fs)
		if err != nil {
			return nil, err
		}
		x, p = loop(b.x, n, rng.IntN(len(b.x))), b.aPower
	case AmbientMusic:
		x = music(n, fs, rng)
		p = aPower(x, fs)
	default:
		return nil, fmt.Errorf("channel: no ambient sound %q", string(a))
	}
	if n == 0 || p == 0 {
		return x, nil
	}
	g := float32(math.Sqrt(fullScaleSinePower * math.Pow(10, (dBA-fullScaleSPL)/10) / p))
	for i := range x {
		x[i] *= g
	}
	return x, nil
}

// pinkNoise returns n samples of Gaussian noise whose power spectral density
// falls as 1/f from 20 Hz to fs/2 (nothing below 20 Hz), and the
// A-weighted power of the noise, taken from its spectrum (Parseval's
// theorem over the whole period the first n samples are cut from, which
// is within a fraction of a dB of theirs).
func pinkNoise(n, fs int, rng *rand.Rand) ([]float32, float64) {
	if n == 0 {
		return []float32{}, 0
	}
	size := max(2, 1<<bits.Len(uint(n-1)))
	coef := make([]complex128, size/2+1)
	norm := math.Pow(10, 2.00/10) // A(1 kHz) = 0 dB
	var pa float64
	for k := range coef {
		f := float64(k) * float64(fs) / float64(size)
		if f < 20 {
			continue
		}
		g := 1 / math.Sqrt(f)
		c := complex(g*rng.NormFloat64(), g*rng.NormFloat64())
		if k == size/2 {
			c = complex(real(c), 0) // the Nyquist bin of a real sequence is real
		}
		coef[k] = c
		w := aWeight(f)
		e := (real(c)*real(c) + imag(c)*imag(c)) * w * w * norm
		if k != size/2 {
			e *= 2
		}
		pa += e
	}
	fft := getFFT(size)
	seq := fft.Sequence(nil, coef)
	putFFT(fft)
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(seq[i])
	}
	return x, pa
}

// loop returns n samples of b repeated, starting at offset.
func loop(b []float32, n, offset int) []float32 {
	x := make([]float32, n)
	for i := 0; i < n; {
		c := copy(x[i:], b[offset:])
		i += c
		offset = 0
	}
	return x
}

//go:embed testdata/babble.wav
var babbleWAV []byte

var babbleCache sync.Map // fs → babble

// babble is the babble fixture at one rate, with its A-weighted power over
// the whole loop: the long-term level a looped stretch is scaled by.
type babble struct {
	x      []float32
	aPower float64
}

// babbleAt returns the babble fixture resampled to fs Hz.
func babbleAt(fs int) (babble, error) {
	if b, ok := babbleCache.Load(fs); ok {
		return b.(babble), nil
	}
	x, rate, err := wav.ReadAll(bytes.NewReader(babbleWAV))
	if err != nil {
		return babble{}, fmt.Errorf("channel: babble fixture: %w", err)
	}
	if rate != fs {
		x = Resample(x, rate, fs)
	}
	b, _ := babbleCache.LoadOrStore(fs, babble{x, aPower(x, fs)})
	return b.(babble), nil
}

// music synthesises n samples at fs Hz of the music AmbientMusic describes.
func music(n, fs int, rng *rand.Rand) []float32 {
	const (
		bpm      = 120.0
		beat     = 60 / bpm
		chordLen = 2 * beat
	)
	x := make([]float32, n)
	rate := float64(fs)
	key := 196 * math.Pow(2, float64(rng.IntN(12))/12) // G3 and up to a 7th above
	phase := rng.Float64() * 8 * beat                  // where in the four-chord cycle it starts
	// Semitones of each chord's notes above the key: I, V, vi, IV.
	chords := [4][4]int{{0, 4, 7, 12}, {7, 11, 14, 19}, {9, 12, 16, 21}, {5, 9, 12, 17}}
	total := float64(n) / rate

	// note adds a plucked harmonic tone of frequency f from t0 for dur s.
	note := func(f, t0, dur, amp float64, harmonics int) {
		i0 := max(0, int(t0*rate))
		i1 := min(n, int((t0+dur)*rate))
		for h := 1; h <= harmonics; h++ {
			fh := f * float64(h)
			if fh >= 0.45*rate {
				break
			}
			ah := amp / float64(h)
			// A phasor rotated each sample: cheaper than sin per sample.
			w := 2 * math.Pi * fh / rate
			c, s := math.Cos(w), math.Sin(w)
			tStart := float64(i0)/rate - t0
			re, im := math.Cos(w*tStart*rate), math.Sin(w*tStart*rate)
			// Decay exp(−t·(h+1)/2.4) and a 30 ms attack ramp, both
			// stepped per sample.
			tau := 2.4 / float64(h+1)
			decay := math.Exp(-tStart / tau)
			step := math.Exp(-1 / (rate * tau))
			ramp, rampStep := tStart/0.03, 1/(0.03*rate)
			for i := i0; i < i1; i++ {
				x[i] += float32(ah * min(ramp, 1) * decay * im)
				re, im = re*c-im*s, re*s+im*c
				decay *= step
				ramp += rampStep
			}
		}
	}
	// burst adds decaying noise from t0, highpassed above hpHz if hpHz > 0.
	burst := func(t0, decay, amp, hpHz float64) {
		i0 := max(0, int(t0*rate))
		i1 := min(n, int((t0+6*decay)*rate))
		if i0 >= i1 {
			return
		}
		b := make([]float32, i1-i0)
		for i := range b {
			t := float64(i) / rate
			b[i] = float32(amp * math.Exp(-t/decay) * rng.NormFloat64())
		}
		if hpHz > 0 && hpHz < 0.45*rate {
			newBiquad(true, rate, hpHz, 1/math.Sqrt2).run(b)
		}
		for i, v := range b {
			x[i0+i] += v
		}
	}
	for t := -phase; t < total; t += chordLen {
		c := chords[int(math.Round((t+phase)/chordLen))%4]
		for _, st := range c {
			note(key*math.Pow(2, float64(st)/12), t, chordLen, 0.12, 10)
		}
		note(key/2*math.Pow(2, float64(c[0])/12), t, chordLen, 0.3, 6) // bass
	}
	for b := 0; ; b++ {
		t := float64(b)*beat/2 - phase
		if t >= total {
			break
		}
		if t+0.5 < 0 {
			continue
		}
		switch {
		case b%4 == 0: // beats 1 and 3: kick, a falling low sine
			i0 := max(0, int(t*rate))
			for i := i0; i < min(n, i0+int(0.3*rate)); i++ {
				tt := float64(i)/rate - t
				f := 45 + 10*math.Exp(-tt/0.05)
				x[i] += float32(0.6 * math.Exp(-tt/0.08) * math.Sin(2*math.Pi*f*tt))
			}
		case b%4 == 2: // beats 2 and 4: snare
			burst(t, 0.05, 0.25, 1000)
		}
		burst(t, 0.015, 0.08, 7000) // hi-hat every eighth
	}
	return x
}
