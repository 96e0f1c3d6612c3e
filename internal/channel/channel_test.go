package channel

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// sine returns n samples of amp·sin(2π·f·t) at fs Hz.
func sine(n int, fs, f, amp float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(amp * math.Sin(2*math.Pi*f*float64(i)/fs))
	}
	return x
}

// toneAmp returns the amplitude of the f Hz component of x, correlating over
// all of x (long enough that leakage from other tones is negligible).
func toneAmp(x []float32, fs, f float64) float64 {
	var s complex128
	for i, v := range x {
		s += complex(float64(v), 0) * cmplx.Rect(1, -2*math.Pi*f*float64(i)/fs)
	}
	return 2 * cmplx.Abs(s) / float64(len(x))
}

// zeroCrossFreq estimates the frequency of a clean tone from its rising zero
// crossings, located by linear interpolation.
func zeroCrossFreq(x []float32, fs float64) float64 {
	first, last, count := 0.0, 0.0, 0
	for i := 1; i < len(x); i++ {
		if x[i-1] < 0 && x[i] >= 0 {
			t := float64(i-1) + float64(x[i-1]/(x[i-1]-x[i]))
			if count == 0 {
				first = t
			}
			last = t
			count++
		}
	}
	return float64(count-1) / (last - first) * fs
}

func dB(ratio float64) float64 { return 20 * math.Log10(ratio) }

// middle returns x without its first and last tenth (filter edges).
func middle(x []float32) []float32 { return x[len(x)/10 : len(x)-len(x)/10] }

func TestAddNoiseSNR(t *testing.T) {
	const fs = 48000
	tone := sine(10*fs, fs, 1000, 0.3)
	for _, pad := range []int{0, 3 * fs} {
		x := Pad(tone, pad, pad)
		span := ActiveSpan(x, -40)
		for _, snr := range []float64{-20, -8, 0, 12} {
			t.Run(fmt.Sprintf("pad=%d/snr=%v", pad, snr), func(t *testing.T) {
				y := AddNoise(nil, x, snr, span, newRand())
				if len(y) != len(x) {
					t.Fatalf("len = %d, want %d", len(y), len(x))
				}
				var noise float64
				for i := range y {
					d := float64(y[i]) - float64(x[i])
					noise += d * d
				}
				noise /= float64(len(y))
				got := 10 * math.Log10(0.3*0.3/2/noise)
				if math.Abs(got-snr) > 0.2 {
					t.Errorf("measured SNR %.3f dB, want %v ± 0.2", got, snr)
				}
			})
		}
	}
}

func TestAddNoiseAppendsAndInPlace(t *testing.T) {
	x := sine(1000, 8000, 440, 0.5)
	want := AddNoise(nil, x, 3, Span{}, newRand())

	prefix := []float32{7, 8}
	got := AddNoise(prefix, x, 3, Span{}, newRand())
	if !slices.Equal(got[:2], prefix) || !slices.Equal(got[2:], want) {
		t.Error("AddNoise did not append to dst")
	}

	y := slices.Clone(x)
	if got := AddNoise(y[:0], y, 3, Span{}, newRand()); !slices.Equal(got, want) || &got[0] != &y[0] {
		t.Error("AddNoise into x[:0] differs from AddNoise into a new slice")
	}

	silent := make([]float32, 100)
	if got := AddNoise(nil, silent, 3, Span{}, newRand()); !slices.Equal(got, silent) {
		t.Error("AddNoise added noise to a silent signal")
	}
}

func TestAddNoiseBadSpanPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a span past the end")
		}
	}()
	AddNoise(nil, make([]float32, 10), 0, Span{5, 11}, newRand())
}

func TestNoise(t *testing.T) {
	const sigma = 0.05
	y := Noise([]float32{1}, 200000, sigma, newRand())
	if len(y) != 200001 || y[0] != 1 {
		t.Fatalf("Noise did not append: len %d, y[0] %v", len(y), y[0])
	}
	p := Power(y[1:], Span{})
	if got := math.Sqrt(p); math.Abs(got/sigma-1) > 0.01 {
		t.Errorf("σ = %.5f, want %v", got, sigma)
	}
}

func TestActiveSpan(t *testing.T) {
	x := make([]float32, 100)
	x[10], x[20], x[50] = 0.001, 0.5, -0.2
	for _, c := range []struct {
		threshDB float64
		want     Span
	}{
		{-20, Span{20, 51}},
		{-6, Span{20, 21}},
		{-60, Span{10, 51}},
		{60, Span{10, 51}}, // the sign is not significant
	} {
		if got := ActiveSpan(x, c.threshDB); got != c.want {
			t.Errorf("ActiveSpan(%v dB) = %v, want %v", c.threshDB, got, c.want)
		}
	}
	if got := ActiveSpan(make([]float32, 5), -40); got != (Span{}) {
		t.Errorf("ActiveSpan(silence) = %v, want {0 0}", got)
	}
}

func TestSkew(t *testing.T) {
	const fs, f, n = 48000, 1000.0, 2 * 48000
	x := sine(n, fs, f, 0.5)
	for _, ppm := range []float64{20000, -20000, 30000, -30000, 100} {
		t.Run(fmt.Sprintf("ppm=%v", ppm), func(t *testing.T) {
			r := 1 + ppm*1e-6
			y := Skew(x, ppm)
			if want := int(math.Round(n / r)); len(y) != want {
				t.Errorf("len = %d, want %d", len(y), want)
			}
			m := middle(y)
			if got := zeroCrossFreq(m, fs); math.Abs(got-f*r) > 0.5 {
				t.Errorf("frequency %.3f Hz, want %.3f ± 0.5", got, f*r)
			}
			if got := dB(toneAmp(m, fs, f*r) / 0.5); math.Abs(got) > 0.05 {
				t.Errorf("amplitude changed by %.3f dB", got)
			}
		})
	}
	if got := Skew(x, 0); !slices.Equal(got, x) {
		t.Error("Skew by 0 ppm changed the signal")
	}
}

// TestSkewMatchesAnalytic compares Skew with the skewed tone computed
// directly, sample by sample.
func TestSkewMatchesAnalytic(t *testing.T) {
	const fs = 48000
	x := sine(fs, fs, 3000, 0.5)
	y := Skew(x, 25000)
	want := sine(len(y), fs, 3000*1.025, 0.5)
	var errPow float64
	for i := range middle(y) {
		d := float64(middle(y)[i] - middle(want)[i])
		errPow += d * d
	}
	errPow /= float64(len(middle(y)))
	if got := 10 * math.Log10(errPow/(0.5*0.5/2)); got > -100 {
		t.Errorf("error %.1f dB relative to the signal, want < −100", got)
	}
}

func TestResample(t *testing.T) {
	for _, c := range []struct{ from, to int }{
		{48000, 16000}, {48000, 44100}, {44100, 48000}, {16000, 48000}, {8000, 44100},
	} {
		t.Run(fmt.Sprintf("%d-%d", c.from, c.to), func(t *testing.T) {
			n := 2 * c.from
			x := sine(n, float64(c.from), 1000, 0.5)
			y := Resample(x, c.from, c.to)
			if want := (n*c.to + c.from - 1) / c.from; len(y) != want {
				t.Errorf("len = %d, want %d", len(y), want)
			}
			m := middle(y)
			if got := zeroCrossFreq(m, float64(c.to)); math.Abs(got-1000) > 0.01 {
				t.Errorf("frequency %.4f Hz, want 1000", got)
			}
			if got := dB(toneAmp(m, float64(c.to), 1000) / 0.5); math.Abs(got) > 0.01 {
				t.Errorf("amplitude changed by %.4f dB", got)
			}
		})
	}
}

func TestResampleRoundTrip(t *testing.T) {
	const fs = 48000
	for _, f := range []float64{1000, 5000, 15000} {
		x := sine(2*fs, fs, f, 0.5)
		y := Resample(Resample(x, fs, 44100), 44100, fs)
		if len(y) != len(x) {
			t.Fatalf("len = %d, want %d", len(y), len(x))
		}
		if got := dB(toneAmp(middle(y), fs, f) / 0.5); math.Abs(got) > 0.1 {
			t.Errorf("%v Hz: amplitude changed by %.4f dB", f, got)
		}
		// (At 15 kHz, linear interpolation of zero crossings is too coarse;
		// the waveform comparison below covers it.)
		if got := zeroCrossFreq(middle(y), fs); f <= 5000 && math.Abs(got-f) > 0.01 {
			t.Errorf("%v Hz: frequency %.4f Hz", f, got)
		}
		var errPow float64
		for i, v := range middle(y) {
			d := float64(v - middle(x)[i])
			errPow += d * d
		}
		errPow /= float64(len(middle(y)))
		if got := 10 * math.Log10(errPow/(0.5*0.5/2)); got > -70 {
			t.Errorf("%v Hz: round-trip error %.1f dB relative to the signal", f, got)
		}
	}
}

// TestResampleAntiAlias checks that tones above the new Nyquist frequency
// vanish instead of folding back into the band.
func TestResampleAntiAlias(t *testing.T) {
	for _, c := range []struct {
		from, to int
		f        float64
	}{
		{48000, 16000, 9000}, {48000, 16000, 15000}, {48000, 8000, 5000}, {48000, 44100, 23000},
	} {
		x := sine(c.from, float64(c.from), c.f, 0.5)
		y := Resample(x, c.from, c.to)
		// Any surviving energy lands at the alias frequency; measure all of it.
		if got := dB(math.Sqrt(2*Power(middle(y), Span{})) / 0.5); got > -85 {
			t.Errorf("%d→%d Hz: %v Hz tone leaks at %.1f dB", c.from, c.to, c.f, got)
		}
	}
}

func TestBandPass(t *testing.T) {
	const fs = 48000
	for _, c := range []struct {
		low, high float64
		f         float64
		minDB     float64 // response limits
		maxDB     float64
	}{
		{300, 3400, 100, -999, -20},
		{300, 3400, 6000, -999, -20},
		{300, 3400, 1000, -1, 1},
		{300, 3400, 300, -3.1, -2.9},
		{300, 3400, 3400, -3.1, -2.9},
		{0, 3400, 50, -0.01, 0.01},
		{0, 3400, 6000, -999, -20},
		{300, 0, 100, -999, -20},
		{300, 0, 15000, -0.01, 0.01},
	} {
		x := sine(fs, fs, c.f, 0.5)
		y := BandPass(x, fs, c.low, c.high)
		if len(y) != len(x) {
			t.Fatalf("len = %d, want %d", len(y), len(x))
		}
		steady := y[fs/5:] // past the filter's transient
		if got := dB(toneAmp(steady, fs, c.f) / 0.5); got < c.minDB || got > c.maxDB {
			t.Errorf("band %v–%v Hz: %v Hz response %.2f dB, want in [%v, %v]", c.low, c.high, c.f, got, c.minDB, c.maxDB)
		}
	}
}

func TestBandPassRejectsBadBand(t *testing.T) {
	for _, b := range [][2]float64{{3400, 300}, {-1, 300}, {300, 24000}, {24000, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("BandPass(%v–%v Hz) did not panic", b[0], b[1])
				}
			}()
			BandPass(make([]float32, 10), 48000, b[0], b[1])
		}()
	}
}

// schroederRT60 estimates the reverberation time of an impulse response,
// less its direct path h[0], from the slope of its backward-integrated energy
// between −5 and −25 dB (T20).
func schroederRT60(h []float32, fs float64) float64 {
	h = h[1:]
	edc := make([]float64, len(h))
	var sum float64
	for i := len(h) - 1; i >= 0; i-- {
		sum += float64(h[i]) * float64(h[i])
		edc[i] = sum
	}
	crossing := func(db float64) float64 {
		level := edc[0] * math.Pow(10, db/10)
		for i, e := range edc {
			if e < level {
				return float64(i) / fs
			}
		}
		return math.NaN()
	}
	return 3 * (crossing(-25) - crossing(-5))
}

func TestReverb(t *testing.T) {
	const fs = 48000
	for _, c := range []struct {
		rt60 time.Duration
		drr  float64
	}{
		{300 * time.Millisecond, 0}, {600 * time.Millisecond, -6}, {time.Second, 10},
	} {
		t.Run(fmt.Sprintf("rt60=%v/drr=%v", c.rt60, c.drr), func(t *testing.T) {
			h := Reverb([]float32{1}, fs, c.rt60, c.drr, newRand())
			if want := int(math.Ceil((5*time.Millisecond+c.rt60).Seconds()*fs)) + 1; len(h) != want {
				t.Errorf("impulse response has %d samples, want %d", len(h), want)
			}
			if h[0] != 1 {
				t.Errorf("direct path %v, want 1", h[0])
			}
			if got := 10 * math.Log10(1/Power(h[1:], Span{})/float64(len(h)-1)); math.Abs(got-c.drr) > 0.01 {
				t.Errorf("direct-to-reverberant ratio %.3f dB, want %v", got, c.drr)
			}
			if got := schroederRT60(h, fs); math.Abs(got/c.rt60.Seconds()-1) > 0.1 {
				t.Errorf("measured RT60 %.3f s, want %v ± 10%%", got, c.rt60)
			}
		})
	}

	x := sine(fs, fs, 1000, 0.1)
	y := Reverb(x, fs, 500*time.Millisecond, 3, newRand())
	if want := len(x) + len(ImpulseResponse(fs, 500*time.Millisecond, 3, newRand())) - 1; len(y) != want {
		t.Errorf("len = %d, want %d", len(y), want)
	}
	if got := Reverb(x, fs, 0, 3, newRand()); !slices.Equal(got, x) {
		t.Error("Reverb with RT60 0 changed the signal")
	}
}

func TestConvolve(t *testing.T) {
	rng := newRand()
	random := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	for _, c := range [][2]int{{1, 1}, {40, 9000}, {9000, 40}, {10000, 5000}, {20000, 4097}, {4096, 4096}, {0, 10}} {
		x, h := random(c[0]), random(c[1])
		got := Convolve(x, h)
		want := make([]float64, max(0, len(x)+len(h)-1))
		if len(x) == 0 {
			want = want[:0]
		}
		for i, v := range x {
			for k, w := range h {
				want[i+k] += float64(v) * float64(w)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%d*%d: len = %d, want %d", c[0], c[1], len(got), len(want))
			continue
		}
		for i := range got {
			if math.Abs(float64(got[i])-want[i]) > 1e-3 {
				t.Errorf("%d*%d: [%d] = %v, want %v", c[0], c[1], i, got[i], want[i])
				break
			}
		}
	}
}

func TestGainClipPad(t *testing.T) {
	x := sine(480, 48000, 1000, 0.5)
	y := Gain(x, 12)
	lo, hi := slices.Min(y), slices.Max(y)
	if lo != -1 || hi != 1 {
		t.Errorf("+12 dB on a 0.5 sine spans [%v, %v], want clipped to [-1, 1]", lo, hi)
	}
	if got := dB(float64(slices.Max(Gain(x, -6))) / 0.5); math.Abs(got+6) > 0.01 {
		t.Errorf("−6 dB gain gave %.3f dB", got)
	}
	if got := Clip([]float32{-3, -0.5, 0, 0.5, 2}); !slices.Equal(got, []float32{-1, -0.5, 0, 0.5, 1}) {
		t.Errorf("Clip = %v", got)
	}
	if got := Pad([]float32{1, 2}, 2, 1); !slices.Equal(got, []float32{0, 0, 1, 2, 0}) {
		t.Errorf("Pad = %v", got)
	}
	if slices.Max(x) != float32(slices.Max(sine(480, 48000, 1000, 0.5))) {
		t.Error("Gain modified its input")
	}
}

// everything is a Config using every stage.
var everything = Config{
	SNRdB: -6, Noise: true,
	SkewPPM: 12000, ReceiveRateHz: 44100,
	RT60: 400 * time.Millisecond, DirectToReverbDB: 4,
	LowHz: 300, HighHz: 3400,
	GainDB:    -3,
	PadBefore: 250 * time.Millisecond, PadAfter: 100 * time.Millisecond,
}

func TestConfigApplySNRAndSpan(t *testing.T) {
	const fs = 48000
	x := sine(fs, fs, 1500, 0.5)
	noisy, span := everything.apply(x, fs, newRand())
	clean := everything
	clean.Noise = false
	quiet := clean.Apply(x, fs, newRand()) // the same room: it is drawn before the noise

	q := 44100.0 / fs / 1.012
	if want := (Span{int(math.Round(12000 * q)), int(math.Round(60000 * q))}); span != want {
		t.Errorf("transmission span %v, want %v", span, want)
	}
	wantLen := int(math.Ceil(float64(int(math.Round(64800/1.012))) * 44100 / fs))
	wantLen += len(ImpulseResponse(44100, everything.RT60, 0, newRand())) - 1
	if len(noisy) != wantLen || len(quiet) != wantLen {
		t.Errorf("len = %d (noisy), %d (clean), want %d", len(noisy), len(quiet), wantLen)
	}

	var noise float64
	for i := range noisy {
		d := float64(noisy[i] - quiet[i])
		noise += d * d
	}
	noise /= float64(len(noisy))
	if got := 10 * math.Log10(Power(quiet, span)/noise); math.Abs(got-everything.SNRdB) > 0.2 {
		t.Errorf("SNR over the transmission %.3f dB, want %v", got, everything.SNRdB)
	}
	// The transmission is where the energy is.
	if p := Power(quiet, Span{0, span.Start - 100}); p > 1e-20 {
		t.Errorf("power %v before the transmission", p)
	}
}

func TestConfigDeterministic(t *testing.T) {
	x := sine(24000, 48000, 1500, 0.5)
	a := everything.Apply(x, 48000, rand.New(rand.NewPCG(7, 8)))
	b := everything.Apply(x, 48000, rand.New(rand.NewPCG(7, 8)))
	c := everything.Apply(x, 48000, rand.New(rand.NewPCG(7, 9)))
	if !slices.Equal(a, b) {
		t.Error("same seed, different output")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds, same output")
	}
}

func TestConfigZeroIsPerfect(t *testing.T) {
	x := sine(1000, 48000, 1500, 0.5)
	if got := (Config{}).Apply(x, 48000, nil); !slices.Equal(got, x) {
		t.Error("the zero Config changed the signal")
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		c    Config
		fs   int
	}{
		{"rate", Config{}, 0},
		{"receive rate", Config{ReceiveRateHz: -1}, 48000},
		{"padding", Config{PadBefore: -time.Second}, 48000},
		{"skew", Config{SkewPPM: -1e6}, 48000},
		{"rt60", Config{RT60: -time.Second}, 48000},
		{"band order", Config{LowHz: 3400, HighHz: 300}, 48000},
		{"band nyquist", Config{HighHz: 9000, ReceiveRateHz: 16000}, 48000},
		{"snr", Config{Noise: true, SNRdB: math.Inf(1)}, 48000},
	} {
		if err := c.c.Validate(c.fs); err == nil {
			t.Errorf("%s: Validate accepted %+v at %d Hz", c.name, c.c, c.fs)
		}
	}
	if err := everything.Validate(48000); err != nil {
		t.Errorf("Validate(everything) = %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Apply did not panic on an invalid Config")
		}
	}()
	Config{LowHz: 3400, HighHz: 300}.Apply(nil, 48000, newRand())
}

func ExampleConfig_Apply() {
	const fs = 48000
	tx := make([]float32, fs) // one second of transmission
	for i := range tx {
		tx[i] = float32(0.5 * math.Sin(2*math.Pi*1500*float64(i)/fs))
	}
	c := Config{
		SNRdB: -10, Noise: true,
		SkewPPM:   -20000, // the transmitter's clock runs 2% slow
		LowHz:     300,
		HighHz:    3400,
		PadBefore: 500 * time.Millisecond,
		PadAfter:  500 * time.Millisecond,
	}
	rx := c.Apply(tx, fs, rand.New(rand.NewPCG(1, 2)))
	fmt.Printf("%d samples sent, %d received\n", len(tx), len(rx))
	// Output: 48000 samples sent, 97959 received
}

func BenchmarkSkew(b *testing.B) {
	const fs = 48000
	x := sine(fs, fs, 1000, 0.5)
	for _, ppm := range []float64{-20000, 100, 20000} {
		b.Run(fmt.Sprintf("ppm=%v", ppm), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Skew(x, ppm)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}

func BenchmarkResample(b *testing.B) {
	for _, c := range []struct{ from, to int }{{48000, 44100}, {44100, 48000}, {48000, 16000}} {
		x := sine(c.from, float64(c.from), 1000, 0.5)
		b.Run(fmt.Sprintf("from=%d/to=%d", c.from, c.to), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Resample(x, c.from, c.to)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}

func BenchmarkAddNoise(b *testing.B) {
	const fs = 48000
	x := sine(fs, fs, 1000, 0.5)
	dst := make([]float32, 0, len(x))
	rng := newRand()
	b.ReportAllocs()
	for b.Loop() {
		dst = AddNoise(dst[:0], x, -10, Span{}, rng)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}

func BenchmarkReverb(b *testing.B) {
	const fs = 48000
	x := sine(fs, fs, 1000, 0.5)
	for _, rt60 := range []time.Duration{300 * time.Millisecond, time.Second} {
		b.Run(fmt.Sprintf("rt60=%v", rt60), func(b *testing.B) {
			rng := newRand()
			b.ReportAllocs()
			for b.Loop() {
				Reverb(x, fs, rt60, 3, rng)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}
