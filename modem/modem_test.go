package modem

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"warble/codec"
	"warble/internal/channel"
)

// rates is the sample-rate axis of the round-trip matrix.
var rates = []int{16000, 44100, 48000}

// transmit encodes payload with p at rate, with silence around it.
func transmit(t testing.TB, p Profile, rate int, payload []byte, before, after int) []float32 {
	t.Helper()
	e, err := NewEncoder(p, rate)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, before)
	x, err = e.Encode(x, payload)
	if err != nil {
		t.Fatal(err)
	}
	return append(x, make([]float32, after)...)
}

// span returns the samples of a transmission of n bytes with p at rate that
// starts at sample before.
func span(t testing.TB, p Profile, rate, n, before int) channel.Span {
	t.Helper()
	e, err := NewEncoder(p, rate)
	if err != nil {
		t.Fatal(err)
	}
	return channel.Span{Start: before, End: before + int(e.Airtime(n).Seconds()*float64(rate)+0.5)}
}

// decodeAll feeds x to a new receiver in chunks and flushes it.
func decodeAll(t testing.TB, rate int, x []float32, chunk int, ps ...Profile) []Frame {
	t.Helper()
	r, err := NewReceiver(rate, ps...)
	if err != nil {
		t.Fatal(err)
	}
	return feed(r, x, chunk)
}

// feed pushes x through r in chunks of the given size and flushes it.
func feed(r *Receiver, x []float32, chunk int) []Frame {
	var fr []Frame
	for len(x) > 0 {
		n := min(chunk, len(x))
		fr = r.Receive(fr, x[:n])
		x = x[n:]
	}
	return r.Flush(fr)
}

// randPayload returns n seeded random bytes.
func randPayload(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	return b
}

// describe formats frames for failure messages.
func describe(fr []Frame) string {
	var s []string
	for _, f := range fr {
		s = append(s, fmt.Sprintf("{%s %x at %d snr %.1f skew %.0f}", f.Profile, f.Payload, f.StartSample, f.SNR, f.SkewPPM))
	}
	return fmt.Sprintf("%d frames %v", len(fr), s)
}

// skewTol is the skew error, in ppm, that moves p's top tone by a sixth of
// the tone spacing: about what the receiver's preamble search can resolve.
func skewTol(p Profile) float64 {
	return p.Tones.SpacingHz / 6 / p.Tones.TopHz() * 1e6
}

func TestRoundTrip(t *testing.T) {
	for _, p := range Profiles() {
		for _, rate := range rates {
			if p.Validate(rate) != nil {
				continue
			}
			for _, n := range []int{1, 16, 64, codec.MaxPayload} {
				t.Run(fmt.Sprintf("profile=%s/rate=%d/bytes=%d", p.Name, rate, n), func(t *testing.T) {
					payload := make([]byte, n)
					for i := range payload {
						payload[i] = byte(i*37 + n)
					}
					before := rate / 3
					x := transmit(t, p, rate, payload, before, rate/20)
					// nil profiles: the receiver listens for every native profile.
					for _, ps := range [][]Profile{{p}, nil} {
						fr := decodeAll(t, rate, x, 4096, ps...)
						if len(fr) != 1 || !bytes.Equal(fr[0].Payload, payload) || fr[0].Profile != p.Name {
							t.Fatalf("profiles %d: got %s", len(ps), describe(fr))
						}
						f := fr[0]
						// Within 1 ms, or half the frequency glide between
						// symbols where that is longer: the glide flattens the
						// top of the timing metric.
						tol := max(time.Millisecond, time.Duration(p.Tones.Transition*float64(p.Tones.Symbol)/2))
						if d := f.StartSample - int64(before); float64(abs64(d)) > tol.Seconds()*float64(rate) {
							t.Errorf("StartSample %d, want %d within %v", f.StartSample, before, tol)
						}
						if want := time.Duration(float64(f.StartSample) / float64(rate) * float64(time.Second)); f.Start != want {
							t.Errorf("Start %v, want StartSample/rate = %v", f.Start, want)
						}
						if tol := skewTol(p); f.SkewPPM < -tol || f.SkewPPM > tol {
							t.Errorf("clean signal: skew %.0f ppm, tolerance %.0f", f.SkewPPM, tol)
						}
					}
				})
			}
		}
	}
}

// twoProfileStream is two transmissions of different profiles with noise at
// 0 dB full-band SNR, at 16 kHz.
func twoProfileStream(t testing.TB) ([]float32, [][]byte) {
	const rate = 16000
	rng := rand.New(rand.NewPCG(1, 2))
	a, b := randPayload(rng, 16), randPayload(rng, 24)
	x := transmit(t, Audible, rate, a, 3000, 2000)
	start := len(x)
	x = append(x, transmit(t, Fast, rate, b, 0, 3000)...)
	sp := channel.Span{Start: 3000, End: span(t, Fast, rate, len(b), start).End}
	return channel.AddNoise(nil, x, 0, sp, rng), [][]byte{a, b}
}

func TestChunkingInvariance(t *testing.T) {
	const rate = 16000
	x, want := twoProfileStream(t)
	whole := decodeAll(t, rate, x, len(x))
	if len(whole) != 2 || !bytes.Equal(whole[0].Payload, want[0]) || !bytes.Equal(whole[1].Payload, want[1]) {
		t.Fatalf("whole stream: got %s, want %x then %x", describe(whole), want[0], want[1])
	}
	chunks := []int{1, 7, 4096, len(x)}
	if raceEnabled {
		chunks = []int{7, 4096}
	}
	for _, chunk := range chunks {
		if got := decodeAll(t, rate, x, chunk); !reflect.DeepEqual(got, whole) {
			t.Errorf("chunk %d: got %s, want %s", chunk, describe(got), describe(whole))
		}
	}
	// Chunks of varying size, and a receiver reused after Reset.
	r, err := NewReceiver(rate)
	if err != nil {
		t.Fatal(err)
	}
	_ = feed(r, x[:len(x)/3], 999)
	r.Reset()
	rng := rand.New(rand.NewPCG(3, 4))
	var got []Frame
	for rest := x; len(rest) > 0; {
		n := min(1+rng.IntN(5000), len(rest))
		got = r.Receive(got, rest[:n])
		rest = rest[n:]
	}
	if got = r.Flush(got); !reflect.DeepEqual(got, whole) {
		t.Errorf("random chunks after Reset: got %s, want %s", describe(got), describe(whole))
	}
}

func TestNoiseSeeded(t *testing.T) {
	rate := 48000
	if raceEnabled {
		rate = 16000
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const trials = 10
	var snrs []float64
	for trial := range trials {
		payload := randPayload(rng, 16)
		before := rate/10 + rng.IntN(rate/10)
		x := transmit(t, Audible, rate, payload, before, rate/10)
		y := channel.AddNoise(nil, x, -10, span(t, Audible, rate, len(payload), before), rng)
		fr := decodeAll(t, rate, y, 4096, Audible)
		if len(fr) != 1 || !bytes.Equal(fr[0].Payload, payload) {
			t.Errorf("trial %d: got %s, want %x", trial, describe(fr), payload)
			continue
		}
		t.Logf("trial %d: snr %.1f dB, skew %.0f ppm", trial, fr[0].SNR, fr[0].SkewPPM)
		snrs = append(snrs, fr[0].SNR)
	}
	// The SNR estimate is right on the whole; a single trial may be off when
	// the skew search settles beside the true value.
	if len(snrs) > 0 {
		slices.Sort(snrs)
		if med := snrs[len(snrs)/2]; med < -11 || med > -9 {
			t.Errorf("median estimated SNR %.1f dB, sent at −10 dB", med)
		}
	}
}

func TestSkew(t *testing.T) {
	const rate = 48000
	rng := rand.New(rand.NewPCG(5, 6))
	for _, p := range []Profile{Audible, Fast} {
		for _, ppm := range []float64{-20000, 20000} {
			t.Run(fmt.Sprintf("profile=%s/ppm=%+.0f", p.Name, ppm), func(t *testing.T) {
				payload := randPayload(rng, 16)
				before := rate / 5
				x := channel.Skew(transmit(t, p, rate, payload, before, rate/5), ppm)
				sp := span(t, p, rate, len(payload), before)
				r := 1 + ppm*1e-6
				sp = channel.Span{Start: int(float64(sp.Start) / r), End: int(float64(sp.End) / r)}
				y := channel.AddNoise(nil, x, -8, sp, rng)
				fr := decodeAll(t, rate, y, 4096, p)
				if len(fr) != 1 || !bytes.Equal(fr[0].Payload, payload) {
					t.Fatalf("got %s, want %x", describe(fr), payload)
				}
				tol := skewTol(p)
				if d := fr[0].SkewPPM - ppm; d < -tol || d > tol {
					t.Errorf("skew estimated %.0f ppm, sent %+.0f (tolerance %.0f)", fr[0].SkewPPM, ppm, tol)
				}
			})
		}
	}
}

func TestTwoInARow(t *testing.T) {
	for _, p := range Profiles() {
		t.Run("profile="+p.Name, func(t *testing.T) {
			const rate = 48000
			a, b := []byte("first token"), []byte("second, longer token")
			x := transmit(t, p, rate, a, rate/10, 0)
			second := len(x)
			// The second follows with no gap and ends at the last sample, so
			// only Flush finishes it.
			x = append(x, transmit(t, p, rate, b, 0, 0)...)
			fr := decodeAll(t, rate, x, 4096)
			if len(fr) != 2 || !bytes.Equal(fr[0].Payload, a) || !bytes.Equal(fr[1].Payload, b) {
				t.Fatalf("got %s, want %q then %q", describe(fr), a, b)
			}
			tol := max(time.Millisecond, time.Duration(p.Tones.Transition*float64(p.Tones.Symbol)/2))
			if d := fr[1].StartSample - int64(second); float64(abs64(d)) > tol.Seconds()*rate {
				t.Errorf("second starts at %d, want %d", fr[1].StartSample, second)
			}
		})
	}
}

func TestAutoFindsEachProfile(t *testing.T) {
	for _, rate := range rates {
		r, err := NewReceiver(rate)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range r.Profiles() {
			names = append(names, p.Name)
		}
		var fits []string
		for _, p := range AutoProfiles() {
			if p.Validate(rate) == nil {
				fits = append(fits, p.Name)
			}
		}
		want := strings.Join(fits, " ")
		if !strings.HasPrefix(want, "room audible fast") || strings.Contains(want, "bell") {
			t.Errorf("auto at %d Hz: profiles %q", rate, want)
		}
		if got := strings.Join(names, " "); got != want {
			t.Errorf("auto at %d Hz listens for %q, want %q", rate, got, want)
		}
		if r.SampleRate() != rate {
			t.Errorf("SampleRate() = %d, want %d", r.SampleRate(), rate)
		}
		for _, p := range r.Profiles() {
			if raceEnabled && p.Family == GGWave && p.Name != GGWaveFastest.Name {
				continue // one ggwave protocol is enough to race
			}
			payload := []byte("auto " + p.Name)
			x := transmit(t, p, rate, payload, rate/4, rate/4)
			fr := feed(r, x, 4096)
			if len(fr) != 1 || fr[0].Profile != p.Name || !bytes.Equal(fr[0].Payload, payload) {
				t.Errorf("rate %d, sent %s: got %s", rate, p.Name, describe(fr))
			}
		}
	}
}

func TestPureNoise(t *testing.T) {
	seconds := 10
	if raceEnabled {
		seconds = 2
	}
	for _, rate := range []int{16000, 48000} {
		rng := rand.New(rand.NewPCG(7, uint64(rate)))
		x := channel.Noise(nil, seconds*rate, 0.2, rng)
		r, err := NewReceiver(rate)
		if err != nil {
			t.Fatal(err)
		}
		if fr := feed(r, x, 4096); len(fr) != 0 {
			t.Errorf("rate %d: %d s of noise gave %s", rate, seconds, describe(fr))
		}
		st := r.Stats()
		if st.Frames != 0 || st.Duplicates != 0 {
			t.Errorf("rate %d: stats %+v after noise", rate, st)
		}
		t.Logf("rate %d: %+v", rate, st)
	}
}

func TestStats(t *testing.T) {
	const rate = 16000
	payload := []byte("count me")
	clean := transmit(t, Audible, rate, payload, rate/4, rate/4)
	r, err := NewReceiver(rate, Audible)
	if err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st != (Stats{}) {
		t.Fatalf("new receiver: %+v", st)
	}
	if fr := feed(r, clean, 4096); len(fr) != 1 {
		t.Fatalf("clean: got %s", describe(fr))
	}
	st := r.Stats()
	if st.Frames != 1 || st.Candidates < 1 || st.Candidates < st.Frames+st.HeaderErrors+st.PayloadErrors {
		t.Errorf("after one clean frame: %+v", st)
	}
	r.Reset()
	if st := r.Stats(); st != (Stats{}) {
		t.Errorf("after Reset: %+v", st)
	}

	// Drown the second half of the data in loud noise: the preamble and the
	// header survive, the frame fails its check and no payload comes out.
	rng := rand.New(rand.NewPCG(8, 9))
	sp := span(t, Audible, rate, len(payload), rate/4)
	bad := append([]float32(nil), clean...)
	for i := (sp.Start + sp.End) / 2; i < sp.End; i++ {
		bad[i] = float32(2 * rng.NormFloat64())
	}
	if fr := feed(r, bad, 4096); len(fr) != 0 {
		t.Errorf("corrupt frame handed out: %s", describe(fr))
	}
	st = r.Stats()
	if st.Frames != 0 || st.PayloadErrors < 1 || st.Candidates < 1 {
		t.Errorf("after a corrupt frame: %+v, want PayloadErrors ≥ 1 and no frames", st)
	}
}

func TestReceiveZeroAllocs(t *testing.T) {
	const rate = 48000
	r, err := NewReceiver(rate)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(10, 11))
	noise := channel.Noise(nil, 30*4096, 0.3, rng)
	// Warm up: let every buffer reach its working size.
	dst := make([]Frame, 0, 4)
	for i := 0; i+4096 <= len(noise)/2; i += 4096 {
		dst = r.Receive(dst[:0], noise[i:i+4096])
	}
	i := len(noise) / 2
	allocs := testing.AllocsPerRun(10, func() {
		dst = r.Receive(dst[:0], noise[i:i+4096])
		i += 4096
	})
	if allocs != 0 {
		t.Errorf("Receive of 4096 samples of noise allocates %v times per call in steady state", allocs)
	}
}

func TestInvalidConfig(t *testing.T) {
	for _, rate := range []int{4000, 7999, 192001, 0, -48000} {
		if _, err := NewReceiver(rate); err == nil {
			t.Errorf("NewReceiver(%d): no error", rate)
		} else if !strings.HasPrefix(err.Error(), "modem: ") || !strings.Contains(err.Error(), fmt.Sprint(rate)) {
			t.Errorf("NewReceiver(%d): error %q does not name the rate", rate, err)
		}
	}
	_, err := NewEncoder(Ultrasonic, 16000)
	if err == nil || !strings.Contains(err.Error(), "Nyquist") || !strings.HasPrefix(err.Error(), "modem: ") {
		t.Errorf("NewEncoder(Ultrasonic, 16000): error %v, want one mentioning Nyquist", err)
	}
	if _, err := NewReceiver(16000, Audible, Ultrasonic); err == nil || !strings.Contains(err.Error(), "Nyquist") {
		t.Errorf("NewReceiver(16000, Audible, Ultrasonic): error %v, want one mentioning Nyquist", err)
	}
	if _, err := NewReceiver(8000, Fast); err == nil {
		t.Error("NewReceiver(8000, Fast): no error")
	}
	e, err := NewEncoder(Audible, 48000)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, codec.MaxPayload + 1} {
		out, err := e.Encode(nil, make([]byte, n))
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%d bytes", n)) {
			t.Errorf("Encode of %d bytes: error %v, want one naming the length", n, err)
		}
		if len(out) != 0 {
			t.Errorf("Encode of %d bytes wrote %d samples", n, len(out))
		}
		if _, err := Audible.Airtime(n); err == nil {
			t.Errorf("Airtime(%d): no error", n)
		}
	}

	bad := func(f func(*Profile)) Profile {
		p := Audible
		p.Preamble = append([]int(nil), p.Preamble...)
		f(&p)
		return p
	}
	for name, p := range map[string]Profile{
		"no name":        bad(func(p *Profile) { p.Name = "" }),
		"bits vs tones":  bad(func(p *Profile) { p.Code.BitsPerSymbol = 4 }),
		"short preamble": bad(func(p *Profile) { p.Preamble = p.Preamble[:3] }),
		"preamble tone":  bad(func(p *Profile) { p.Preamble[1] = 32 }),
		"skew":           bad(func(p *Profile) { p.MaxSkew = 0.2 }),
		"amplitude":      bad(func(p *Profile) { p.Amplitude = 1.5 }),
		"spacing":        bad(func(p *Profile) { p.Tones.SpacingHz = 70 }),
	} {
		if _, err := NewEncoder(p, 48000); err == nil {
			t.Errorf("%s: NewEncoder: no error", name)
		}
		if _, err := NewReceiver(48000, p); err == nil {
			t.Errorf("%s: NewReceiver: no error", name)
		} else if !strings.HasPrefix(err.Error(), "modem: ") {
			t.Errorf("%s: error %q lacks the modem: prefix", name, err)
		}
	}
	if r, err := NewReceiver(8000); err != nil || r.Profiles()[0].Name != "audible" || r.Profiles()[1].Family != GGWave {
		t.Errorf("NewReceiver(8000) in auto mode: %v; want audible alone of the native profiles", err)
	}
}

func TestLookup(t *testing.T) {
	for _, p := range Profiles() {
		got, err := Lookup(p.Name)
		if err != nil || got.Name != p.Name {
			t.Errorf("Lookup(%q) = %q, %v", p.Name, got.Name, err)
		}
	}
	if _, err := Lookup("loud"); err == nil || !strings.Contains(err.Error(), "room, audible, fast, ultrasonic") {
		t.Errorf("Lookup(loud): error %v, want the list of names", err)
	}
	if Profiles()[0].Name != "room" {
		t.Errorf("default profile is %q, want room", Profiles()[0].Name)
	}
}

func TestAirtime(t *testing.T) {
	// The documented figures: 16 bytes of audible in 1.26 s, fast at about
	// 94 bytes per second.
	a, err := Audible.Airtime(16)
	if err != nil {
		t.Fatal(err)
	}
	if a < 1200*time.Millisecond || a > 1300*time.Millisecond {
		t.Errorf("audible airtime for 16 bytes: %v, want about 1.26 s", a)
	}
	e, err := NewEncoder(Fast, 48000)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 16, 140} {
		x, err := e.Encode(nil, make([]byte, n))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(x), int(e.Airtime(n).Seconds()*48000+0.5); got != want {
			t.Errorf("fast, %d bytes: %d samples, airtime says %d", n, got, want)
		}
	}
	if bps := 140 / e.Airtime(140).Seconds(); bps < 85 || bps > 100 {
		t.Errorf("fast carries %.0f bytes/s at 140 bytes, want about 94", bps)
	}
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
