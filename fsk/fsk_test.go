package fsk

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/dsp/fourier"
)

// audible is an alphabet like modem.Audible's, kept here so that fsk's
// tests do not import modem.
var audible = Tones{
	BaseHz:     1250,
	SpacingHz:  62.5,
	Count:      32,
	Symbol:     16 * time.Millisecond,
	Transition: 0.1,
	Ramp:       2 * time.Millisecond,
}

// fast is an alphabet like modem.Fast's: short symbols, wide spacing.
var fast = Tones{
	BaseHz:     1000,
	SpacingHz:  250,
	Count:      16,
	Symbol:     4 * time.Millisecond,
	Transition: 0.1,
	Ramp:       500 * time.Microsecond,
}

func TestFFTMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 2; n <= 1024; n <<= 1 {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			f, err := NewFFT(n)
			if err != nil {
				t.Fatal(err)
			}
			if f.Len() != n {
				t.Fatalf("Len() = %d, want %d", f.Len(), n)
			}
			ref := fourier.NewCmplxFFT(n)
			for trial := range 5 {
				x := make([]complex64, n)
				seq := make([]complex128, n)
				for i := range x {
					x[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
					seq[i] = complex128(x[i])
				}
				want := ref.Coefficients(nil, seq)
				f.Transform(x)
				var diff, norm float64
				for k := range want {
					d := cmplx.Abs(complex128(x[k]) - want[k])
					diff += d * d
					norm += cmplx.Abs(want[k]) * cmplx.Abs(want[k])
				}
				if rel := math.Sqrt(diff / norm); rel > 1e-4 {
					t.Errorf("trial %d: relative error %.2g, want ≤ 1e-4", trial, rel)
				}
			}
		})
	}
}

func TestFFTImpulseAndTone(t *testing.T) {
	const n = 64
	f, err := NewFFT(n)
	if err != nil {
		t.Fatal(err)
	}
	// A unit impulse at 0 has a flat spectrum.
	x := make([]complex64, n)
	x[0] = 1
	f.Transform(x)
	for k, v := range x {
		if cmplx.Abs(complex128(v)-1) > 1e-6 {
			t.Fatalf("impulse: X[%d] = %v, want 1", k, v)
		}
	}
	// exp(+j2π·5n/N) lands in bin 5 with magnitude N.
	for i := range x {
		s, c := math.Sincos(2 * math.Pi * 5 * float64(i) / n)
		x[i] = complex(float32(c), float32(s))
	}
	f.Transform(x)
	for k, v := range x {
		want := 0.0
		if k == 5 {
			want = n
		}
		if math.Abs(cmplx.Abs(complex128(v))-want) > 1e-3 {
			t.Errorf("tone: |X[%d]| = %g, want %g", k, cmplx.Abs(complex128(v)), want)
		}
	}
}

func TestNewFFTRejectsBadSizes(t *testing.T) {
	for _, n := range []int{-4, 0, 1, 3, 100, 1 << 17} {
		if _, err := NewFFT(n); err == nil {
			t.Errorf("NewFFT(%d): no error", n)
		} else if !strings.HasPrefix(err.Error(), "fsk: ") || !strings.Contains(err.Error(), fmt.Sprint(n)) {
			t.Errorf("NewFFT(%d): error %q does not name the size", n, err)
		}
	}
}

func TestGoertzelPureTone(t *testing.T) {
	for _, c := range []struct {
		n    int
		rate float64
		bin  int
		amp  float64
	}{
		{768, 48000, 40, 0.7},
		{256, 16000, 37, 1},
		{705, 44100, 50, 0.25},
		{100, 8000, 3, 0.5},
	} {
		f := float64(c.bin) * c.rate / float64(c.n)
		t.Run(fmt.Sprintf("f=%.1f/n=%d", f, c.n), func(t *testing.T) {
			x := make([]float32, c.n)
			for i := range x {
				x[i] = float32(c.amp * math.Sin(2*math.Pi*f*float64(i)/c.rate+0.3))
			}
			want := math.Pow(float64(c.n)*c.amp/2, 2)
			if got := Goertzel(x, f, c.rate); math.Abs(got/want-1) > 0.01 {
				t.Errorf("on-bin energy %g, want %g within 1%%", got, want)
			}
			// One bin away the tone is orthogonal.
			if got := Goertzel(x, f+c.rate/float64(c.n), c.rate); got > 1e-3*want {
				t.Errorf("neighbouring bin energy %g, want ≈ 0 (on-bin %g)", got, want)
			}
		})
	}
}

func TestToneBankOnAndOffBin(t *testing.T) {
	const (
		n    = 96
		rate = 6000.0
		bin  = rate / n // 62.5 Hz
		amp  = 0.5
	)
	freqs := []float64{-3 * bin, -bin, 0, bin, 2 * bin, 2.5 * bin, 7 * bin}
	tb, err := NewToneBank(freqs, n, rate)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Window() != n {
		t.Fatalf("Window() = %d, want %d", tb.Window(), n)
	}
	full := math.Pow(n*amp, 2)
	for _, sent := range []float64{-3 * bin, 2 * bin} {
		z := make([]complex64, n+10) // longer than the window: only n count
		for i := range z {
			s, c := math.Sincos(2*math.Pi*sent*float64(i)/rate + 1)
			z[i] = complex(float32(amp*c), float32(amp*s))
		}
		en := tb.Energies(nil, z)
		if len(en) != len(freqs) {
			t.Fatalf("got %d energies, want %d", len(en), len(freqs))
		}
		for k, f := range freqs {
			e := float64(en[k])
			switch {
			case f == sent:
				if math.Abs(e/full-1) > 0.01 {
					t.Errorf("sent %g Hz: energy at %g Hz is %g, want %g", sent, f, e, full)
				}
			case f == 2.5*bin && sent == 2*bin:
				// Half a bin off: the Dirichlet kernel gives (2/π)² of the peak.
				if want := 4 / (math.Pi * math.Pi); math.Abs(e/full-want) > 0.02 {
					t.Errorf("sent %g Hz: half-bin energy is %.3f of the peak, want %.3f", sent, e/full, want)
				}
			default:
				if math.Mod(f-sent, bin) == 0 && e > 1e-6*full {
					t.Errorf("sent %g Hz: orthogonal tone %g Hz has energy %g", sent, f, e)
				}
			}
		}
	}
	// Energies appends.
	dst := []float32{42}
	dst = tb.Energies(dst, make([]complex64, n))
	if len(dst) != 1+len(freqs) || dst[0] != 42 {
		t.Errorf("Energies did not append: %v", dst)
	}
	if _, err := NewToneBank(nil, n, rate); err == nil {
		t.Error("NewToneBank with no tones: no error")
	}
	if _, err := NewToneBank(freqs, 0, rate); err == nil {
		t.Error("NewToneBank with an empty window: no error")
	}
}

func TestToneBankSetReuses(t *testing.T) {
	var tb ToneBank
	if err := tb.Set([]float64{100, 200, 300}, 64, 8000); err != nil {
		t.Fatal(err)
	}
	if err := tb.Set([]float64{250}, 32, 8000); err != nil {
		t.Fatal(err)
	}
	z := make([]complex64, 32)
	for i := range z {
		s, c := math.Sincos(2 * math.Pi * 250 * float64(i) / 8000)
		z[i] = complex(float32(c), float32(s))
	}
	en := tb.Energies(nil, z)
	if len(en) != 1 || math.Abs(float64(en[0])/(32*32)-1) > 1e-3 {
		t.Errorf("after retuning, energies %v, want [%d]", en, 32*32)
	}
	if n := testing.AllocsPerRun(10, func() { _ = tb.Set([]float64{300}, 16, 8000) }); n != 0 {
		t.Errorf("Set into a large enough bank allocates %v times", n)
	}
}

// symbolsFor returns n pseudo-random tone indices in [0, m), starting with
// the extremes so that the largest frequency jumps are always covered.
func symbolsFor(rng *rand.Rand, n, m int) []int {
	s := []int{0, m - 1, 0, m - 1}
	for len(s) < n {
		s = append(s, rng.IntN(m))
	}
	return s[:n]
}

func TestModulator(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name string
		t    Tones
	}{{"audible", audible}, {"fast", fast}} {
		for _, rate := range []int{8000, 16000, 44100, 48000} {
			if tc.t.Validate(rate) != nil {
				continue
			}
			t.Run(fmt.Sprintf("tones=%s/rate=%d", tc.name, rate), func(t *testing.T) {
				const amp = 0.7
				m, err := NewModulator(tc.t, rate, amp)
				if err != nil {
					t.Fatal(err)
				}
				syms := symbolsFor(rng, 40, tc.t.Count)
				x, err := m.Append(nil, syms)
				if err != nil {
					t.Fatal(err)
				}
				if len(x) != m.Samples(len(syms)) {
					t.Fatalf("len = %d, want Samples(%d) = %d", len(x), len(syms), m.Samples(len(syms)))
				}
				if want := int(math.Round(float64(len(syms)) * tc.t.SymbolSeconds() * float64(rate))); len(x) != want {
					t.Fatalf("len = %d, want round(n·T·fs) = %d", len(x), want)
				}
				// Continuous phase: a sine of amplitude A at f moves by at
				// most A·2πf/fs per sample; the fade-in adds at most
				// A·π/(2·ramp·fs). A phase jump would move by up to 2A.
				rampS := tc.t.Ramp.Seconds() * float64(rate)
				maxStep := amp * (2*math.Pi*tc.t.TopHz()/float64(rate) + math.Pi/(2*rampS))
				for i, v := range x {
					if math.Abs(float64(v)) > amp+1e-6 {
						t.Fatalf("sample %d = %g, outside ±%g", i, v, amp)
					}
					if i > 0 {
						if d := math.Abs(float64(v - x[i-1])); d > maxStep*1.001 {
							t.Fatalf("samples %d→%d jump by %g, more than %g for the top tone", i-1, i, d, maxStep)
						}
					}
				}
				// Each symbol's strongest tone over its window is the one sent.
				for i, s := range syms {
					a := int(math.Round(float64(i) * tc.t.SymbolSeconds() * float64(rate)))
					b := int(math.Round(float64(i+1) * tc.t.SymbolSeconds() * float64(rate)))
					best, bestE := -1, -1.0
					for k := range tc.t.Count {
						if e := Goertzel(x[a:b], tc.t.Hz(k), float64(rate)); e > bestE {
							best, bestE = k, e
						}
					}
					if best != s {
						t.Errorf("symbol %d: strongest tone %d, sent %d", i, best, s)
					}
				}
				// Append appends and starts from the same phase each burst.
				y, err := m.Append(x[:len(x):len(x)], syms)
				if err != nil {
					t.Fatal(err)
				}
				if len(y) != 2*len(x) {
					t.Fatalf("second Append: len %d, want %d", len(y), 2*len(x))
				}
				for i := range x {
					if y[len(x)+i] != x[i] {
						t.Fatalf("second burst differs at sample %d", i)
					}
				}
			})
		}
	}
}

func TestModulatorErrors(t *testing.T) {
	m, err := NewModulator(audible, 48000, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	for _, syms := range [][]int{{0, 1, -1}, {audible.Count}, {3, 99, 4}} {
		dst := []float32{1, 2}
		out, err := m.Append(dst, syms)
		if err == nil {
			t.Errorf("Append(%v): no error", syms)
			continue
		}
		if !strings.HasPrefix(err.Error(), "fsk: ") {
			t.Errorf("Append(%v): error %q lacks the fsk: prefix", syms, err)
		}
		if len(out) != len(dst) {
			t.Errorf("Append(%v) with an error appended %d samples", syms, len(out)-len(dst))
		}
	}
	if out, err := m.Append(nil, nil); err != nil || len(out) != 0 {
		t.Errorf("Append of no symbols = %d samples, %v; want none, nil", len(out), err)
	}
	for _, a := range []float64{0, -0.1, 1.01, math.NaN()} {
		if _, err := NewModulator(audible, 48000, a); err == nil {
			t.Errorf("NewModulator amplitude %g: no error", a)
		}
	}
	if _, err := NewModulator(audible, 4000, 0.5); err == nil {
		t.Error("NewModulator at 4000 Hz: no error")
	}
}

func TestTonesValidate(t *testing.T) {
	mod := func(f func(*Tones)) Tones {
		tt := audible
		f(&tt)
		return tt
	}
	for _, c := range []struct {
		name string
		t    Tones
		rate int
		want string // exact message, or a substring after "~"
	}{
		{"above nyquist", Tones{BaseHz: 21125, SpacingHz: 125, Count: 32, Symbol: 8 * time.Millisecond}, 48000,
			"fsk: top tone 25000 Hz is above Nyquist (24000 Hz)"},
		{"at nyquist", Tones{BaseHz: 7000, SpacingHz: 1000, Count: 2, Symbol: time.Millisecond}, 16000,
			"fsk: top tone 8000 Hz is above Nyquist (8000 Hz)"},
		{"spacing not a multiple", mod(func(t *Tones) { t.SpacingHz = 100 }), 48000,
			"fsk: tone spacing 100 Hz is not a whole multiple of 1/T (62.5 Hz)"},
		{"spacing below 1/T", mod(func(t *Tones) { t.SpacingHz = 31.25 }), 48000,
			"fsk: tone spacing 31.25 Hz is not a whole multiple of 1/T (62.5 Hz)"},
		{"spacing zero", mod(func(t *Tones) { t.SpacingHz = 0 }), 48000, "~tone spacing 0 Hz"},
		{"rate low", audible, 4000, "fsk: sample rate 4000 Hz is outside 8000..192000"},
		{"rate high", audible, 384000, "~sample rate 384000 Hz"},
		{"count 1", mod(func(t *Tones) { t.Count = 1 }), 48000, "fsk: tone count 1 is outside 2..1024"},
		{"count 1025", mod(func(t *Tones) { t.Count = 1025; t.BaseHz = 10; t.SpacingHz = 20 }), 48000, "~tone count 1025"},
		{"symbol zero", mod(func(t *Tones) { t.Symbol = 0 }), 48000, "~symbol duration"},
		{"base zero", mod(func(t *Tones) { t.BaseHz = 0 }), 48000, "~base tone 0 Hz"},
		{"transition", mod(func(t *Tones) { t.Transition = 0.6 }), 48000, "~transition 0.6"},
		{"ramp", mod(func(t *Tones) { t.Ramp = 9 * time.Millisecond }), 48000, "~ramp 9ms"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.t.Validate(c.rate)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if sub, ok := strings.CutPrefix(c.want, "~"); ok {
				if !strings.HasPrefix(err.Error(), "fsk: ") || !strings.Contains(err.Error(), sub) {
					t.Errorf("error %q, want fsk: … %s …", err, sub)
				}
			} else if err.Error() != c.want {
				t.Errorf("error %q, want %q", err, c.want)
			}
		})
	}
	for _, rate := range []int{8000, 16000, 44100, 48000, 96000} {
		if err := audible.Validate(rate); err != nil {
			t.Errorf("audible at %d Hz: %v", rate, err)
		}
	}
}

// realTone returns n samples of amp·cos(2πf·i/fs).
func realTone(n int, f, fs, amp float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(amp * math.Cos(2*math.Pi*f*float64(i)/fs))
	}
	return x
}

func TestDownconverterChunkingInvariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		rate       int
		center, hw float64
	}{
		{48000, 2219, 1100},
		{16000, 2875, 2000},
		{44100, 18719, 1500},
	} {
		t.Run(fmt.Sprintf("rate=%d/center=%g", c.rate, c.center), func(t *testing.T) {
			x := realTone(c.rate/2, c.center+300, float64(c.rate), 0.5)
			for i := range x {
				x[i] += float32(0.3 * rng.NormFloat64())
			}
			dc, err := NewDownconverter(c.rate, c.center, c.hw)
			if err != nil {
				t.Fatal(err)
			}
			want := dc.Process(nil, x)
			if n := len(x) / dc.Decimation(); len(want) < n-64 || len(want) > n {
				t.Fatalf("%d outputs from %d inputs at decimation %d", len(want), len(x), dc.Decimation())
			}
			for _, chunk := range []int{1, 7, 4096, len(x)} {
				dc.Reset()
				var got []complex64
				for rest := x; len(rest) > 0; {
					n := min(chunk, len(rest))
					got = dc.Process(got, rest[:n])
					rest = rest[n:]
				}
				if len(got) != len(want) {
					t.Fatalf("chunk %d: %d outputs, want %d", chunk, len(got), len(want))
				}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("chunk %d: output %d = %v, want %v", chunk, i, got[i], want[i])
					}
				}
			}
		})
	}
}

func TestDownconverterShiftsTone(t *testing.T) {
	for _, c := range []struct {
		rate       int
		center, hw float64
	}{
		{48000, 2219, 1100},
		{16000, 2219, 1100},
		{44100, 18719, 1100},
	} {
		t.Run(fmt.Sprintf("rate=%d", c.rate), func(t *testing.T) {
			dc, err := NewDownconverter(c.rate, c.center, c.hw)
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Abs(dc.CenterHz() - c.center); d > float64(c.rate)/2048 {
				t.Errorf("CenterHz() = %g, more than fs/2048 from %g", dc.CenterHz(), c.center)
			}
			if got, want := dc.OutputRate()*float64(dc.Decimation()), float64(c.rate); math.Abs(got-want) > 1e-9 {
				t.Errorf("OutputRate·Decimation = %g, want %g", got, want)
			}
			if dc.OutputRate() < 2*c.hw {
				t.Errorf("output rate %g Hz cannot hold ±%g Hz", dc.OutputRate(), c.hw)
			}
			const amp = 0.4
			z := dc.Process(nil, realTone(c.rate, dc.CenterHz()+200, float64(c.rate), amp))
			fsd := dc.OutputRate()
			n := int(0.2 * fsd)
			skip := len(z) / 4 // past the filter's start-up
			offsets := []float64{-600, -400, -200, 0, 200, 400, 600}
			tb, err := NewToneBank(offsets, n, fsd)
			if err != nil {
				t.Fatal(err)
			}
			en := tb.Energies(nil, z[skip:])
			peak := 0
			for k := range en {
				if en[k] > en[peak] {
					peak = k
				}
			}
			if offsets[peak] != 200 {
				t.Fatalf("strongest baseband tone at %+g Hz, want +200 Hz (energies %v)", offsets[peak], en)
			}
			// The image at −200 Hz must be gone.
			if r := en[2] / en[4]; r > 1e-3 {
				t.Errorf("image at −200 Hz is %.2g of the tone", r)
			}
			// Amplitude A/2·R = A·Gain, less at most 7% at the band edge.
			got := math.Sqrt(float64(en[4])) / float64(n)
			want := amp * dc.Gain()
			if got < 0.9*want || got > 1.02*want {
				t.Errorf("baseband amplitude %g, want %g (A·Gain)", got, want)
			}
		})
	}
}

func TestDownconverterInputPosition(t *testing.T) {
	// An impulse at input sample p peaks at the output sample q for which
	// InputPosition(q) ≈ p.
	const rate = 48000
	dc, err := NewDownconverter(rate, 2219, 1100)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []int{5000, 5017, 6111} {
		dc.Reset()
		x := make([]float32, 10000)
		x[p] = 1
		z := dc.Process(nil, x)
		peak := 0
		for q := range z {
			if cmplx.Abs(complex128(z[q])) > cmplx.Abs(complex128(z[peak])) {
				peak = q
			}
		}
		if d := math.Abs(dc.InputPosition(float64(peak)) - float64(p)); d > float64(dc.Decimation()) {
			t.Errorf("impulse at %d peaks at output %d, InputPosition %g: off by %g > %d", p, peak, dc.InputPosition(float64(peak)), d, dc.Decimation())
		}
	}
}

func TestNewDownconverterRejectsBadBands(t *testing.T) {
	for _, c := range []struct {
		rate       int
		center, hw float64
	}{
		{16000, 7500, 1000}, // past Nyquist
		{48000, 500, 1000},  // below 0 Hz
		{48000, 2000, 0},    // no width
		{48000, 2000, -5},
	} {
		if _, err := NewDownconverter(c.rate, c.center, c.hw); err == nil {
			t.Errorf("NewDownconverter(%d, %g, %g): no error", c.rate, c.center, c.hw)
		} else if !strings.HasPrefix(err.Error(), "fsk: band ") {
			t.Errorf("NewDownconverter(%d, %g, %g): error %q", c.rate, c.center, c.hw, err)
		}
	}
}

// refLogI0 is log I0(x) from the power series for small x and the
// asymptotic expansion for large x.
func refLogI0(x float64) float64 {
	if x < 20 {
		sum, term := 1.0, 1.0
		for k := 1; k < 200; k++ {
			term *= (x / 2) / float64(k)
			sum += term * term
		}
		return math.Log(sum)
	}
	s := 1 + 1/(8*x) + 9/(128*x*x) + 225/(3072*x*x*x)
	return x - 0.5*math.Log(2*math.Pi*x) + math.Log(s)
}

func TestLogI0(t *testing.T) {
	if got := logI0(0); got != 0 {
		t.Errorf("logI0(0) = %g, want 0", got)
	}
	prev := -1.0
	for x := 0.0; x <= 200; x += 0.05 {
		got := logI0(x)
		if want := refLogI0(x); math.Abs(got-want) > 1e-3 {
			t.Fatalf("logI0(%g) = %g, want %g within 1e-3", x, got, want)
		}
		if got < prev {
			t.Fatalf("logI0 decreases at %g: %g after %g", x, got, prev)
		}
		prev = got
	}
	if got := bessel0(1); math.Abs(got-1.2660658777520082) > 1e-9 {
		t.Errorf("bessel0(1) = %.15g, want 1.26606587775201", got)
	}
}

func TestEstimate(t *testing.T) {
	const m = 8
	rng := rand.New(rand.NewPCG(7, 8))
	// Exponential (chi-squared, 2 degrees of freedom) noise energies of mean
	// n0, and the sent tone at es above it.
	const n0, es = 2.0, 60.0
	en := make([]float32, 0, 500*m)
	for range 500 {
		sent := rng.IntN(m)
		for k := range m {
			e := n0 * rng.ExpFloat64()
			if k == sent {
				e += es
			}
			en = append(en, float32(e))
		}
	}
	met := Estimate(en, m)
	if math.Abs(met.N0/n0-1) > 0.1 {
		t.Errorf("N0 = %g, want %g", met.N0, n0)
	}
	if math.Abs(met.Es/es-1) > 0.1 {
		t.Errorf("Es = %g, want %g", met.Es, es)
	}
	if math.Abs(met.SNR()-met.Es/met.N0) > 1e-12 {
		t.Errorf("SNR() = %g, want Es/N0 = %g", met.SNR(), met.Es/met.N0)
	}

	// Degenerate input gives a usable floor, never NaN or zero.
	for _, c := range []struct {
		en []float32
		m  int
	}{{nil, 8}, {[]float32{1, 2}, 1}, {[]float32{1, 2, 3}, 4}, {make([]float32, 16), 4}} {
		met := Estimate(c.en, c.m)
		if !(met.N0 > 0) || !(met.Es > 0) && c.m >= 2 && len(c.en) >= c.m {
			t.Errorf("Estimate(%v, %d) = %+v: want positive N0 and Es", c.en, c.m, met)
		}
	}
	// Pure noise keeps Es at its floor.
	if met := Estimate([]float32{1, 1, 1, 1, 1, 1, 1, 1}, 4); met.Es != 0.5*met.N0 {
		t.Errorf("flat energies: %+v, want Es = N0/2", met)
	}
}

func TestLogLikelihoods(t *testing.T) {
	met := Metrics{N0: 2, Es: 30}
	en := []float32{0, 1, 5, 40, -1}
	dst := []float32{7}
	ll := met.LogLikelihoods(dst, en)
	if len(ll) != 1+len(en) || ll[0] != 7 {
		t.Fatalf("LogLikelihoods did not append: %v", ll)
	}
	k := 2 * math.Sqrt(met.Es) / met.N0
	for i, e := range en {
		want := logI0(k * math.Sqrt(math.Max(float64(e), 0)))
		if math.Abs(float64(ll[1+i])-want) > 1e-5 {
			t.Errorf("energy %g: log-likelihood %g, want %g", e, ll[1+i], want)
		}
	}
	if ll[4] <= ll[3] || ll[3] <= ll[2] {
		t.Errorf("log-likelihoods do not grow with energy: %v", ll)
	}
	if ll[5] != 0 {
		t.Errorf("negative energy: log-likelihood %g, want 0", ll[5])
	}
}

func BenchmarkFFT(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{64, 128} {
		x := make([]complex64, n)
		seq := make([]complex128, n)
		for i := range x {
			x[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
			seq[i] = complex128(x[i])
		}
		b.Run(fmt.Sprintf("n=%d/impl=fsk", n), func(b *testing.B) {
			b.ReportAllocs()
			f, err := NewFFT(n)
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]complex64, n)
			for b.Loop() {
				copy(buf, x)
				f.Transform(buf)
			}
		})
		b.Run(fmt.Sprintf("n=%d/impl=gonum", n), func(b *testing.B) {
			b.ReportAllocs()
			f := fourier.NewCmplxFFT(n)
			dst := make([]complex128, n)
			for b.Loop() {
				f.Coefficients(dst, seq)
			}
		})
	}
}

func BenchmarkDownconverter(b *testing.B) {
	for _, c := range []struct {
		name       string
		rate       int
		center, hw float64
	}{
		{"band=audible/rate=48000", 48000, 2219, 1100},
		{"band=audible/rate=16000", 16000, 2219, 1100},
		{"band=ultrasonic/rate=48000", 48000, 18719, 1400},
	} {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(11, 12))
			x := realTone(c.rate, c.center+100, float64(c.rate), 0.5)
			for i := range x {
				x[i] += float32(0.1 * rng.NormFloat64())
			}
			dc, err := NewDownconverter(c.rate, c.center, c.hw)
			if err != nil {
				b.Fatal(err)
			}
			audioSeconds := float64(len(x)) / float64(c.rate)
			out := make([]complex64, 0, 4096)
			b.ReportAllocs()
			for b.Loop() {
				for rest := x; len(rest) > 0; {
					n := min(4096, len(rest))
					out = dc.Process(out[:0], rest[:n])
					rest = rest[n:]
				}
			}
			b.ReportMetric(audioSeconds*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}

func TestMixKernelMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for r := 1; r <= 13; r++ {
		st := (r + 3) &^ 3
		const nb = 37
		x := make([]float32, nb*r+st)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		mr := make([]float32, nb*st)
		mi := make([]float32, nb*st)
		for b := 0; b < nb; b++ {
			for i := 0; i < r; i++ {
				mr[b*st+i] = float32(rng.NormFloat64())
				mi[b*st+i] = float32(rng.NormFloat64())
			}
		}
		got := make([]complex64, nb)
		mixDump(got, x, mr, mi, r, st)
		for b := range got {
			want := mixOne(x[b*r:b*r+r], mr[b*st:b*st+st], mi[b*st:b*st+st])
			if got[b] != want {
				t.Fatalf("r=%d block %d: kernel %v, scalar %v", r, b, got[b], want)
			}
		}
	}
}

func TestCdotMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for n := 1; n <= 21; n++ {
		z := make([]complex64, n)
		dup := make([]float32, 2*n)
		sgn := make([]float32, 2*n)
		for i := range z {
			z[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
			c, s := float32(rng.NormFloat64()), float32(rng.NormFloat64())
			dup[2*i], dup[2*i+1] = c, c
			sgn[2*i], sgn[2*i+1] = -s, s
		}
		re, im := cdot(z, dup, sgn)
		wr, wi := cdotScalar(z, dup, sgn)
		if d := math.Hypot(float64(re-wr), float64(im-wi)); d > 1e-5*math.Sqrt(float64(n)) {
			t.Errorf("n=%d: cdot %g%+gi, scalar %g%+gi", n, re, im, wr, wi)
		}
	}
}

func TestCoarseSumsPairs(t *testing.T) {
	dc, err := NewDownconverter(48000, 2219, 1100)
	if err != nil {
		t.Fatal(err)
	}
	if dc.FilterDecimation() != 2 {
		t.Fatalf("decimation %d, want 2", dc.FilterDecimation())
	}
	rng := rand.New(rand.NewPCG(17, 18))
	u := make([]complex64, 200)
	for i := range u {
		u[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
	}
	c := (dc.FilterLen() - 1) / 2
	for _, n := range []int{1, 2, 7, 50} {
		v := make([]complex64, n)
		dc.Coarse(v, u)
		for q := range v {
			if want := u[2*q+c] + u[2*q+c+1]; v[q] != want {
				t.Fatalf("n=%d: v[%d] = %v, want %v", n, q, v[q], want)
			}
		}
	}
}

// TestMixPartialBlocks feeds a band whose blocks are shorter than the mixer's
// vector stride one sample at a time, so every block goes through the
// partial-block path, and checks it against whole-stream processing.
func TestMixPartialBlocks(t *testing.T) {
	for _, c := range []struct {
		rate       int
		center, hw float64
	}{{48000, 18719, 1487}, {44100, 18719, 1487}, {16000, 2219, 1100}} {
		dc, err := NewDownconverter(c.rate, c.center, c.hw)
		if err != nil {
			t.Fatal(err)
		}
		x := realTone(4000, c.center+150, float64(c.rate), 0.5)
		want := dc.Mix(nil, x)
		dc.Reset()
		var got []complex64
		for i := range x {
			got = dc.Mix(got, x[i:i+1])
		}
		if len(got) != len(want) {
			t.Fatalf("rate %d: %d stage-1 samples one at a time, %d at once", c.rate, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("rate %d: stage-1 sample %d = %v one at a time, %v at once", c.rate, i, got[i], want[i])
			}
		}
	}
}
