package modem

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"warble/fsk"
	"warble/internal/channel"
)

// TestGGWaveRoundTrip sends every ggwave protocol to warble's own receiver
// at several rates and payload lengths, listening for all of them at once.
func TestGGWaveRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	lengths := []int{1, 5, 24}
	rates := []int{16000, 44100, 48000}
	if testing.Short() || raceEnabled {
		lengths = []int{3}
		rates = []int{44100, 48000}
	}
	for _, rate := range rates {
		var fit []Profile
		for _, p := range GGWaveProfiles() {
			if p.Validate(rate) == nil {
				fit = append(fit, p)
			}
		}
		r, err := NewReceiver(rate, fit...)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range GGWaveProfiles() {
			if p.Validate(rate) != nil {
				if rate >= 44100 {
					t.Errorf("%s does not fit %d Hz", p.Name, rate)
				}
				continue
			}
			for _, n := range lengths {
				payload := randPayload(rng, n)
				x := transmit(t, p, rate, payload, rate/5, rate/5)
				fr := feed(r, x, 4096)
				if len(fr) != 1 || fr[0].Profile != p.Name || !bytes.Equal(fr[0].Payload, payload) {
					t.Errorf("%s, %d bytes at %d Hz: got %s", p.Name, n, rate, describe(fr))
				}
			}
		}
	}
}

// TestGGWaveChunking feeds the same noisy recording of two transmissions in
// chunks of several sizes and expects identical frames.
func TestGGWaveChunking(t *testing.T) {
	const rate = 44100
	rng := rand.New(rand.NewPCG(23, 24))
	a := transmit(t, GGWaveFastest, rate, []byte("first"), rate/3, rate/4)
	b := transmit(t, GGWaveDTFast, rate, []byte("second one"), 0, rate/3)
	x := channel.AddNoise(nil, append(a, b...), -4, channel.Span{}, rng)
	want := decodeAll(t, rate, x, len(x), GGWaveProfiles()...)
	if len(want) != 2 || string(want[0].Payload) != "first" || string(want[1].Payload) != "second one" {
		t.Fatalf("whole: got %s", describe(want))
	}
	chunks := []int{1, 7, 1000, 4096}
	if raceEnabled {
		chunks = []int{7, 4096}
	}
	for _, c := range chunks {
		got := decodeAll(t, rate, x, c, GGWaveProfiles()...)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("chunk %d: got %s, want %s", c, describe(got), describe(want))
		}
	}
}

// TestGGWaveInAutoWithNoise finds a ggwave transmission among warble's own
// in auto mode, through noise, and reports its protocol.
func TestGGWaveInAutoWithNoise(t *testing.T) {
	const rate = 48000
	rng := rand.New(rand.NewPCG(25, 26))
	x := transmit(t, Audible, rate, []byte("native"), rate/4, rate/4)
	x = append(x, transmit(t, GGWaveUNormal, rate, []byte("ultra"), 0, rate/4)...)
	x = channel.AddNoise(nil, x, -3, channel.Span{}, rng)
	fr := decodeAll(t, rate, x, 4096)
	if len(fr) != 2 || fr[0].Profile != "audible" || fr[1].Profile != "ggwave-u-normal" || string(fr[1].Payload) != "ultra" {
		t.Fatalf("got %s", describe(fr))
	}
}

func TestGGWaveBadInput(t *testing.T) {
	e, err := NewEncoder(GGWaveFast, 48000)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 141} {
		if _, err := e.Encode(nil, make([]byte, n)); err == nil {
			t.Errorf("payload of %d bytes: no error", n)
		}
	}
	if _, err := NewEncoder(GGWaveUNormal, 22050); err == nil || !strings.HasPrefix(err.Error(), "modem: ") {
		t.Errorf("ultrasound at 22050 Hz: %v", err)
	}
	bad := GGWaveNormal
	bad.GGWave.BytesPerTx = 0
	if _, err := NewReceiver(48000, bad); err == nil {
		t.Error("zero bytes per group: no error")
	}
	bad = GGWaveNormal
	bad.Amplitude = 2
	if _, err := NewEncoder(bad, 48000); err == nil {
		t.Error("amplitude 2: no error")
	}
	if _, err := bad.Airtime(0); err == nil {
		t.Error("airtime of 0 bytes: no error")
	}
	bad = GGWaveUNormal
	bad.GGWave.FreqStartBin = 600 // 28 kHz: fits 96 kHz, but not ggwave's 48 kHz
	if _, err := NewReceiver(96000, bad); err == nil {
		t.Error("tones above 24 kHz: no error")
	}
	if _, err := Lookup("ggwave-slowest"); err == nil {
		t.Error("Lookup of an unknown ggwave protocol: no error")
	}
}

func TestGGWaveAirtime(t *testing.T) {
	// 16 bytes: 3 + 16 + 6 = 25 bytes, 9 groups of 3 frames, 32 marker
	// frames: 59 frames of 1024 samples at 48 kHz.
	got, err := GGWaveFastest.Airtime(16)
	if err != nil {
		t.Fatal(err)
	}
	x := transmit(t, GGWaveFastest, 48000, make([]byte, 16), 0, 0)
	if want := 59 * 1024; len(x) != want || math.Round(got.Seconds()*48000) != float64(want) {
		t.Errorf("airtime %v, %d samples; want %d samples", got, len(x), want)
	}
}

// TestGGWaveNoiseQuiet keeps a ggwave-only receiver silent on long noise.
func TestGGWaveNoiseQuiet(t *testing.T) {
	seconds := 30
	if raceEnabled {
		seconds = 5
	}
	for _, rate := range []int{44100, 48000} {
		rng := rand.New(rand.NewPCG(27, uint64(rate)))
		x := channel.Noise(nil, seconds*rate, 0.3, rng)
		r, err := NewReceiver(rate, GGWaveProfiles()...)
		if err != nil {
			t.Fatal(err)
		}
		if fr := feed(r, x, 4096); len(fr) != 0 {
			t.Errorf("rate %d: noise gave %s", rate, describe(fr))
		}
		t.Logf("rate %d, %d s of noise: %+v", rate, seconds, r.Stats())
	}
}

// TestGGWaveAtEdges finds transmissions that start at the first sample and
// end at the last.
func TestGGWaveAtEdges(t *testing.T) {
	for _, rate := range []int{44100, 48000} {
		x := transmit(t, GGWaveDTFastest, rate, []byte("edge"), 0, 0)
		fr := decodeAll(t, rate, x, 4096)
		if len(fr) != 1 || string(fr[0].Payload) != "edge" || fr[0].StartSample > int64(rate/100) {
			t.Errorf("rate %d: got %s", rate, describe(fr))
		}
	}
}

// BenchmarkGGWaveReceive measures a receiver listening for every ggwave
// protocol over a ggwave transmission in noise, against the same receiver
// in automatic mode (warble's profiles too).
func BenchmarkGGWaveReceive(b *testing.B) {
	for _, rate := range []int{44100, 48000} {
		rng := rand.New(rand.NewPCG(41, 42))
		x := transmit(b, GGWaveFast, rate, []byte("benchmark payload"), rate, rate)
		x = channel.AddNoise(nil, x, -6, channel.Span{}, rng)
		seconds := float64(len(x)) / float64(rate)
		for _, mode := range []struct {
			name string
			ps   []Profile
		}{{"ggwave", GGWaveProfiles()}, {"auto", nil}} {
			b.Run(fmt.Sprintf("profiles=%s/rate=%d", mode.name, rate), func(b *testing.B) {
				b.ReportAllocs()
				r, err := NewReceiver(rate, mode.ps...)
				if err != nil {
					b.Fatal(err)
				}
				var fr []Frame
				for i := 0; i < b.N; i++ {
					r.Reset()
					fr = feed(r, x, 4096)[:0]
				}
				_ = fr
				b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
			})
		}
	}
}

// TestGGWaveSNREstimate checks the full-band SNR a frame reports.
func TestGGWaveSNREstimate(t *testing.T) {
	const rate = 48000
	rng := rand.New(rand.NewPCG(43, 44))
	for _, p := range []Profile{GGWaveFastest, GGWaveDTNormal} {
		x := transmit(t, p, rate, []byte("sixteen byte msg"), 0, 0)
		for _, snr := range []float64{0, -8} {
			act := channel.Span{Start: rate / 2, End: rate/2 + len(x)}
			y := channel.AddNoise(nil, channel.Pad(x, rate/2, rate/2), snr, act, rng)
			fr := decodeAll(t, rate, y, 4096, p)
			if len(fr) != 1 || math.Abs(fr[0].SNR-snr) > 2.5 {
				t.Errorf("%s at %v dB: got %s", p.Name, snr, describe(fr))
			}
		}
	}
}

// TestGGWaveShortcutsMatch checks the receiver's shortcuts against the
// plain computation: marker scores from 16 frames summed sample by sample
// against the sum of 16 row spectra, and rows computed two to a transform
// against rows computed alone.
func TestGGWaveShortcutsMatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	x := transmit(t, GGWaveFast, ggRate, []byte("shortcuts"), ggRate/10, ggRate/10)
	x = channel.AddNoise(nil, x, 0, channel.Span{}, rng)
	var st Stats
	r := newGGReceiver(GGWaveProfiles(), ggRate, &st)
	r.receive(nil, x)
	if r.xBase != 0 {
		t.Fatalf("history starts at sample %d, want 0", r.xBase)
	}
	fft, err := fsk.NewFFT(ggFrame)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]complex64, ggFrame)
	plainRow := func(h int64, bin0, width int) []complex64 {
		for i := range buf {
			buf[i] = complex(x[h*ggHop+int64(i)], 0)
		}
		fft.Transform(buf)
		return append([]complex64(nil), buf[bin0:bin0+width]...)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-3*math.Max(math.Abs(a), math.Abs(b))+1e-6 }
	checked := 0
	for _, b := range r.bands {
		// Rows 13 apart are summed afresh; the row after each, slid to.
		for s := int64(0); s < int64(len(b.start)); s++ {
			if s%13 > 1 {
				continue
			}
			r.ensureScore(b, s)
			sum := make([]complex64, 32)
			for k := int64(0); k < ggMarkFrames; k++ {
				for i, v := range plainRow(s+k*ggRowsPerFrame, b.bin0, 32) {
					sum[i] += v
				}
			}
			st, en := markerRatios(sum)
			if !near(float64(st), float64(b.start[s])) || !near(float64(en), float64(b.end[s])) {
				t.Fatalf("band %d row %d: scores %v %v, want %v %v", b.bin0, s, b.start[s], b.end[s], st, en)
			}
			checked++
		}
		r.setWindow(b, 0)
		for h := int64(0); h+ggPairRows < r.nRows; h += 29 {
			for _, hh := range []int64{h, h + ggPairRows} {
				got, want := r.row(hh), plainRow(hh, b.bin0, b.width)
				var scale float64
				for _, v := range want {
					scale = math.Max(scale, math.Hypot(float64(real(v)), float64(imag(v))))
				}
				for i := range want {
					d := got[i] - want[i]
					if math.Hypot(float64(real(d)), float64(imag(d))) > 1e-4*scale {
						t.Fatalf("band %d row %d bin %d: %v, want %v", b.bin0, hh, b.bin0+i, got[i], want[i])
					}
				}
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d scores checked", checked)
	}
}
