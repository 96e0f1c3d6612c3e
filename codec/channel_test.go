package codec

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func abs(x float64) float64      { return math.Abs(x) }
func log1pExp(x float64) float64 { return math.Log1p(math.Exp(x)) }
func inf32() float32             { return float32(math.Inf(1)) }

// logI0 returns log I₀(x) for x ≥ 0 from the polynomial approximations of
// Abramowitz and Stegun 9.8.1 and 9.8.2 (relative error below 2e-7), taking
// the logarithm of the scaled form for large x so it never overflows:
//
//	log I₀(x) = x − ½·log x + log(√x·e⁻ˣ·I₀(x))
func logI0(x float64) float64 {
	if x < 3.75 {
		t := x / 3.75
		t *= t
		return math.Log(1 + t*(3.5156229+t*(3.0899424+t*(1.2067492+t*(0.2659732+t*(0.0360768+t*0.0045813))))))
	}
	t := 3.75 / x
	p := 0.39894228 + t*(0.01328592+t*(0.00225319+t*(-0.00157565+t*(0.00916281+
		t*(-0.02057706+t*(0.02635537+t*(-0.01647633+t*0.00392377)))))))
	return x - 0.5*math.Log(x) + math.Log(p)
}

func TestLogI0(t *testing.T) {
	// Reference: the power series Σ (x²/4)^k / (k!)², summed in float64.
	series := func(x float64) float64 {
		s, term := 1.0, 1.0
		for k := 1; k < 200; k++ {
			term *= x * x / 4 / float64(k*k)
			s += term
		}
		return math.Log(s)
	}
	for _, x := range []float64{0, 0.1, 1, 3.7, 3.8, 10, 50, 200} {
		if got, want := logI0(x), series(x); math.Abs(got-want) > 1e-6*max(1, want) {
			t.Errorf("logI0(%v) = %v, want %v", x, got, want)
		}
	}
	if got := logI0(1e6); math.IsInf(got, 0) || math.IsNaN(got) {
		t.Errorf("logI0(1e6) = %v", got)
	}
}

// bpskFrames sends frames of an n-byte payload over BPSK with additive white
// Gaussian noise at ebN0 dB, Eb being the energy per encoded information bit
// (header, payload and CRC: the rate applies to these), and returns how many
// decoded. Bit 0 is sent as +1. Decoding goes through DecodeHeader as a
// receiver's would.
func bpskFrames(t testing.TB, rng *rand.Rand, r Rate, n, frames int, ebN0 float64) (ok, hdrFail int) {
	c := mustNew(t, Config{BitsPerSymbol: 1, Rate: r})
	d := c.NewDecoder()
	rate := map[Rate]float64{Rate12: 1. / 2, Rate23: 2. / 3, Rate34: 3. / 4, Rate56: 5. / 6, Rate78: 7. / 8}[r]
	n0 := 1 / (rate * math.Pow(10, ebN0/10)) // Es = 1 per coded bit
	sigma := math.Sqrt(n0 / 2)
	var syms []byte
	var llr []float32
	for range frames {
		payload := testPayload(rng, n)
		syms, _ = c.Encode(syms[:0], payload)
		llr = llr[:0]
		for _, s := range syms {
			y := 1 - 2*float64(s) + sigma*rng.NormFloat64()
			llr = append(llr, float32(4*y/n0))
		}
		got, err := decodeFrame(d, c, llr)
		if err == errHeaderStage {
			hdrFail++
		}
		if err == nil && bytes.Equal(got, payload) {
			ok++
		}
	}
	return ok, hdrFail
}

var errHeaderStage = fmt.Errorf("header stage failed")

func decodeFrame(d *Decoder, c *Code, llr []float32) ([]byte, error) {
	b := c.Config().BitsPerSymbol
	n, err := d.DecodeHeader(llr[:c.HeaderSymbols()*b])
	if err != nil {
		return nil, errHeaderStage
	}
	if len(llr) != c.Symbols(n)*b {
		return nil, errHeaderStage
	}
	return d.Decode(nil, llr, n)
}

func TestAWGN(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	frames := 400
	if testing.Short() {
		frames = 150
	}
	ok, hdr := bpskFrames(t, rng, Rate12, 16, frames, 4)
	t.Logf("BPSK rate 1/2, 16 bytes, Eb/N0 4 dB: %d/%d decoded, %d header failures", ok, frames, hdr)
	if ok < frames*99/100 {
		t.Errorf("BPSK rate 1/2 at Eb/N0 4 dB decoded %d/%d frames, want ≥ 99%%", ok, frames)
	}
}

// fskFrames sends frames over noncoherent 32-FSK (b=5) at esN0 dB per
// channel symbol: each tone's matched filter gives r_m = √Es·e^{jφ}·[m=v] +
// complex Gaussian noise of variance N0, the receiver sees only the energies
// e_m = |r_m|², and the tone log-likelihoods are log I₀(2·√(Es·e_m)/N0).
func fskFrames(t testing.TB, rng *rand.Rand, r Rate, n, frames int, esN0 float64) (ok int) {
	const b, m = 5, 32
	c := mustNew(t, Config{BitsPerSymbol: b, Rate: r})
	d := c.NewDecoder()
	n0 := math.Pow(10, -esN0/10) // Es = 1
	sigma := math.Sqrt(n0 / 2)
	var syms []byte
	var llr []float32
	loglik := make([]float32, m)
	for range frames {
		payload := testPayload(rng, n)
		syms, _ = c.Encode(syms[:0], payload)
		llr = llr[:0]
		for _, s := range syms {
			phi := 2 * math.Pi * rng.Float64()
			for k := range m {
				re, im := sigma*rng.NormFloat64(), sigma*rng.NormFloat64()
				if k == int(s) {
					re += math.Cos(phi)
					im += math.Sin(phi)
				}
				e := re*re + im*im
				loglik[k] = float32(logI0(2 * math.Sqrt(e) / n0))
			}
			llr = SymbolLLRs(llr, loglik, b)
		}
		got, err := decodeFrame(d, c, llr)
		if err == nil && bytes.Equal(got, payload) {
			ok++
		}
	}
	return ok
}

func TestFSK32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	frames := 300
	if testing.Short() {
		frames = 100
	}
	// At 8 dB the bit-interleaved channel carries about 0.65 bit of mutual
	// information per coded bit, not far above the rate of 1/2: most frames
	// decode. By 10 dB (0.9 bit) all should.
	for _, tc := range []struct {
		esN0    float64
		percent int
	}{{8, 80}, {10, 99}} {
		ok := fskFrames(t, rng, Rate12, 16, frames, tc.esN0)
		t.Logf("32-FSK rate 1/2, 16 bytes, Es/N0 %v dB: %d/%d decoded", tc.esN0, ok, frames)
		if ok < frames*tc.percent/100 {
			t.Errorf("32-FSK rate 1/2 at Es/N0 %v dB decoded %d/%d frames, want ≥ %d%%", tc.esN0, ok, frames, tc.percent)
		}
	}
}

// TestFrameErrorRates logs frame error rates over a grid of SNRs; it
// asserts nothing and runs only with -fer.
func TestFrameErrorRates(t *testing.T) {
	if !*ferFlag {
		t.Skip("run with -fer to print frame error rates")
	}
	const frames = 1000
	rng := rand.New(rand.NewPCG(1, 2))
	for _, r := range rates {
		for _, db := range []float64{1, 2, 3, 4, 5, 6} {
			ok, hdr := bpskFrames(t, rng, r, 16, frames, db)
			t.Logf("BPSK   rate %v  16 B  Eb/N0 %4.1f dB  FER %.4f  (header stage %d)", r, db, 1-float64(ok)/frames, hdr)
		}
	}
	for _, r := range rates {
		for _, db := range []float64{4, 5, 6, 7, 8, 9, 10, 11, 12} {
			ok := fskFrames(t, rng, r, 16, frames, db)
			t.Logf("32-FSK rate %v  16 B  Es/N0 %4.1f dB  FER %.4f", r, db, 1-float64(ok)/frames)
		}
	}
}

// TestFalseAccept feeds pure-noise LLRs through the receiver path
// (DecodeHeader, then Decode of the announced length) and requires that no
// payload ever comes out.
func TestFalseAccept(t *testing.T) {
	trials := 200000
	if testing.Short() || raceEnabled {
		trials = 20000
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, cfg := range []Config{{BitsPerSymbol: 5}, {BitsPerSymbol: 4, Rate: Rate78}} {
		c := mustNew(t, cfg)
		d := c.NewDecoder()
		b := cfg.BitsPerSymbol
		llr := make([]float32, c.Symbols(MaxPayload)*b)
		hdrOK, accepted := 0, 0
		for i := range trials / 2 {
			scale := float32(1 + i%8) // weak to confident noise
			for j := range c.HeaderSymbols() * b {
				llr[j] = scale * float32(rng.NormFloat64())
			}
			n, err := d.DecodeHeader(llr)
			if err != nil {
				continue
			}
			hdrOK++
			full := llr[:c.Symbols(n)*b]
			for j := c.HeaderSymbols() * b; j < len(full); j++ {
				full[j] = scale * float32(rng.NormFloat64())
			}
			if got, err := d.Decode(nil, full, n); err == nil {
				accepted++
				t.Errorf("noise decoded as %d-byte payload %x", n, got)
			}
		}
		t.Logf("%+v: %d noise trials, %d headers passed, %d frames accepted", c.Config(), trials/2, hdrOK, accepted)
	}
}
