package channel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// t20 measures a reverberation time from an impulse response the way ISO
// 3382 does: the Schroeder curve (backward-integrated squared response, from
// the direct sound on) fitted by least squares between −5 and −25 dB, its
// slope extrapolated to 60 dB.
func t20(h []float32, fs float64) float64 {
	start := 0
	var peak float32
	for i, v := range h {
		if a := float32(math.Abs(float64(v))); a > peak {
			peak, start = a, i
		}
	}
	_ = peak
	h = h[start:]
	edc := make([]float64, len(h))
	var sum float64
	for i := len(h) - 1; i >= 0; i-- {
		sum += float64(h[i]) * float64(h[i])
		edc[i] = sum
	}
	var n, sx, sy, sxx, sxy float64
	for i, e := range edc {
		db := 10 * math.Log10(e/edc[0])
		if db > -5 {
			continue
		}
		if db < -25 {
			break
		}
		x := float64(i) / fs
		n++
		sx += x
		sy += db
		sxx += x * x
		sxy += x * db
	}
	slope := (n*sxy - sx*sy) / (n*sxx - sx*sx) // dB per second
	return -60 / slope
}

func TestRoomRT60(t *testing.T) {
	for _, room := range Rooms() {
		for _, fs := range []int{48000, 16000} {
			t.Run(fmt.Sprintf("room=%s/rate=%d", room.Name, fs), func(t *testing.T) {
				s := Scene{Room: room, DistanceM: 2, SpeakerSPL: 70}
				h, err := s.ImpulseResponse(fs)
				if err != nil {
					t.Fatal(err)
				}
				got := t20(h, float64(fs))
				t.Logf("RT60 by Schroeder integration %.3f s", got)
				if want := room.RT60.Seconds(); math.Abs(got/want-1) > 0.15 {
					t.Errorf("RT60 by Schroeder integration %.3f s, want %.3f s ± 15%%", got, want)
				}
				if want := int(math.Ceil((2/SpeedOfSound+room.RT60.Seconds())*float64(fs))) + fracHalf; len(h) != want {
					t.Errorf("response has %d taps, want %d", len(h), want)
				}
			})
		}
	}
}

// TestRoomEyringOvershoots checks the premise of fitting: with Eyring's
// absorption alone, the mirror-image room rings longer than Eyring's RT60,
// and the fitted walls absorb more than Eyring's.
func TestRoomEyringOvershoots(t *testing.T) {
	const fs = 16000
	room := LivingRoom
	src, mic, err := room.Positions(3)
	if err != nil {
		t.Fatal(err)
	}
	n := int((room.RT60.Seconds() + 0.1) * fs)
	ims, order := room.images(src, mic, fs, n)
	eyring := math.Sqrt(1 - eyringAlpha(room.volume(), room.surface(), room.RT60.Seconds()))
	if got := energyDecay(ims, order, eyring, fs, n); got <= room.RT60.Seconds() {
		t.Errorf("Eyring's walls give RT60 %.3f s, expected more than %v", got, room.RT60)
	}
	p, err := Scene{Room: room, DistanceM: 3, SpeakerSPL: 60}.Prepare(fs)
	if err != nil {
		t.Fatal(err)
	}
	if p.Reflection() >= eyring {
		t.Errorf("fitted reflection %.4f, want below Eyring's %.4f", p.Reflection(), eyring)
	}
}

func TestDirectPathDelay(t *testing.T) {
	for _, fs := range []int{48000, 16000} {
		for _, d := range []float64{0.5, 1, 2, 3.5} {
			t.Run(fmt.Sprintf("rate=%d/distance=%v", fs, d), func(t *testing.T) {
				h, err := Scene{Room: LivingRoom, DistanceM: d, SpeakerSPL: 60}.ImpulseResponse(fs)
				if err != nil {
					t.Fatal(err)
				}
				peak, at := 0.0, 0
				for i, v := range h {
					if a := math.Abs(float64(v)); a > peak {
						peak, at = a, i
					}
				}
				want := d / SpeedOfSound * float64(fs)
				if math.Abs(float64(at)-want) > 0.5 {
					t.Errorf("strongest tap at %d, want the direct path at %.2f", at, want)
				}
				// Sub-sample, and the amplitude: the 4 kHz component of the
				// taps around the peak, H = Σ h[n]·exp(−jωn), has phase −ωτ
				// and magnitude 1/d (the 20 Hz highpass turns it by only
				// 0.01 rad there).
				w := 2 * math.Pi * 4000 / float64(fs)
				var re, im float64
				for n := at - fracHalf; n < at+fracHalf; n++ {
					re += float64(h[n]) * math.Cos(w*float64(n))
					im -= float64(h[n]) * math.Sin(w*float64(n))
				}
				// Rotate by the expected delay: what remains is the error.
				c, s := math.Cos(w*want), math.Sin(w*want)
				re, im = re*c-im*s, re*s+im*c
				if e := -math.Atan2(im, re) / w; math.Abs(e) > 0.1 {
					t.Errorf("direct path delayed by %.3f samples more than %.3f", e, want)
				}
				// No reflection arrives within ±fracHalf taps at 1 m and more.
				if amp := math.Hypot(re, im); d >= 1 && math.Abs(amp*d-1) > 0.02 {
					t.Errorf("direct path amplitude %.4f at %v m, want 1/d = %.4f", amp, d, 1/d)
				}
			})
		}
	}
}

// TestSPLCalibration plays a tone at 1 m in the living room and measures
// its level at the microphone over two cycles between the arrival of the
// direct sound and that of the first reflection (from the wall behind the
// loudspeaker, 1.99 m away).
func TestSPLCalibration(t *testing.T) {
	const fs = 48000
	for _, c := range []struct{ spl, fullScale float64 }{{70, 0}, {60, 0}, {80, 110}} {
		s := Scene{Room: LivingRoom, DistanceM: 1, SpeakerSPL: c.spl, MicFullScaleSPL: c.fullScale}
		// A quiet lead: the level is that of the active span.
		lead := fs / 10
		x := append(make([]float32, lead), sine(fs/2, fs, 1000, 0.3)...)
		y, err := s.Apply(x, fs, newRand())
		if err != nil {
			t.Fatal(err)
		}
		rate := float64(fs)
		start := lead + int(rate/SpeedOfSound) + 20 // past the kernel's onset
		got := LevelDB(y[start:start+2*fs/1000], s.fullScale())
		if math.Abs(got-c.spl) > 0.1 {
			t.Errorf("%v dB SPL into a %v dB full scale: direct sound at 1 m measures %.2f dB SPL", c.spl, s.fullScale(), got)
		}
	}
}

func TestAWeighting(t *testing.T) {
	// IEC 61672-1 table values, dB.
	for _, c := range []struct{ f, db float64 }{
		{31.5, -39.4}, {100, -19.1}, {250, -8.6}, {500, -3.2}, {1000, 0}, {2000, 1.2}, {4000, 1.0}, {8000, -1.1}, {10000, -2.5}, {16000, -6.6},
	} {
		// The table's nominal frequencies stand for the exact base-10
		// series 1000·10^(k/10) Hz, and its values are rounded to 0.1 dB.
		f := 1000 * math.Pow(10, math.Round(10*math.Log10(c.f/1000))/10)
		if got := AWeightDB(f); math.Abs(got-c.db) > 0.051 {
			t.Errorf("A(%v Hz) = %.2f dB, want %v", c.f, got, c.db)
		}
	}
	const fs = 48000
	// A 1 kHz tone at 94 dB SPL (RMS 1 Pa) on a 120 dB full-scale mic: RMS
	// 10^(−26/20)/√2, 94 dB(A).
	amp := math.Pow(10, -26.0/20)
	if got := LevelDBA(sine(fs, fs, 1000, amp), fs, 120); math.Abs(got-94) > 0.05 {
		t.Errorf("1 kHz tone: %.2f dB(A), want 94", got)
	}
	if got := LevelDBA(sine(fs, fs, 100, amp), fs, 120); math.Abs(got-(94-19.1)) > 0.15 {
		t.Errorf("100 Hz tone: %.2f dB(A), want %.1f", got, 94-19.1)
	}
}

func TestAmbientLevels(t *testing.T) {
	for _, fs := range []int{48000, 16000} {
		for _, a := range []Ambient{AmbientPink, AmbientBabble, AmbientMusic} {
			for _, dba := range []float64{35, 55} {
				t.Run(fmt.Sprintf("rate=%d/ambient=%s/dba=%v", fs, a, dba), func(t *testing.T) {
					x, err := a.Generate(3*fs, fs, dba, 120, newRand())
					if err != nil {
						t.Fatal(err)
					}
					if len(x) != 3*fs {
						t.Fatalf("%d samples, want %d", len(x), 3*fs)
					}
					// Pink noise and babble are scaled by their long-term level
					// (of the noise's whole period, of the babble's whole loop),
					// so a 3 s stretch measures within a fraction of a dB.
					if got := LevelDBA(x, fs, 120); math.Abs(got-dba) > 0.25 {
						t.Errorf("level %.3f dB(A), want %v", got, dba)
					}
					// Measured back independently: two halves each within 2 dB
					// (the level is a property of the sound, not of one moment).
					for _, half := range [][]float32{x[:len(x)/2], x[len(x)/2:]} {
						if got := LevelDBA(half, fs, 120); math.Abs(got-dba) > 2 {
							t.Errorf("half: %.2f dB(A), want %v ± 2", got, dba)
						}
					}
				})
			}
		}
	}
}

// TestPinkSpectrum checks pink noise falls 3 dB per octave: the power in
// the octave 500–1000 Hz equals that in 4–8 kHz.
func TestPinkSpectrum(t *testing.T) {
	const fs = 48000
	x, _ := pinkNoise(4*fs, fs, newRand())
	band := func(lo, hi float64) float64 {
		y := BandPass(x, fs, lo, hi)
		return Power(y, Span{})
	}
	low, high := band(500, 1000), band(4000, 8000)
	if d := 10 * math.Log10(high/low); math.Abs(d) > 1 {
		t.Errorf("octave 4–8 kHz is %.2f dB against 0.5–1 kHz, want 0 ± 1 (pink)", d)
	}
	white := Noise(nil, 4*fs, 1, newRand())
	wl, wh := Power(BandPass(white, fs, 500, 1000), Span{}), Power(BandPass(white, fs, 4000, 8000), Span{})
	if d := 10 * math.Log10(wh/wl); math.Abs(d-9) > 1 {
		t.Errorf("sanity: white noise's octave ratio %.2f dB, want 9", d)
	}
}

func TestResponseCorners(t *testing.T) {
	const fs = 48000
	for _, c := range []struct {
		r        Response
		f        float64
		db       float64
		passband float64
	}{
		{PhoneSpeaker, 350, -3, 3000},
		{PhoneSpeaker, 175, -12.3, 3000}, // 2nd order: an octave below, 10·log10(1+2⁴)
		{LaptopMic, 150, -3, 2000},
		{LaptopMic, 16000, -3, 2000},
		{PhoneMic, 100, -3, 2000},
		{PhoneMic, 19000, -3, 2000},
		{Headset, 8000, -3, 2000},
		{Headset, 50, -24.1, 2000}, // 4th order: an octave below, 10·log10(1+2⁸)
		{Headset, 100, -3, 2000},
	} {
		t.Run(fmt.Sprintf("%s/%vHz", c.r.Name, c.f), func(t *testing.T) {
			measure := func(f float64) float64 {
				x := sine(fs, fs, f, 0.5)
				y, err := c.r.Filter(x, fs)
				if err != nil {
					t.Fatal(err)
				}
				return toneAmp(y[fs/2:], fs, f) / toneAmp(x[fs/2:], fs, f)
			}
			got := dB(measure(c.f)) - dB(measure(c.passband))
			if math.Abs(got-c.db) > 0.3 {
				t.Errorf("gain %.2f dB, want %v", got, c.db)
			}
			if g := c.r.GainDB(c.f, fs) - c.r.GainDB(c.passband, fs); math.Abs(g-got) > 0.1 {
				t.Errorf("GainDB says %.2f dB, measured %.2f", g, got)
			}
		})
	}
	// At 16 kHz sampling the 19 kHz lowpass is left out, not an error.
	if _, err := PhoneMic.Filter(make([]float32, 10), 16000); err != nil {
		t.Error(err)
	}
}

func TestSceneValidate(t *testing.T) {
	good := Scene{Room: LivingRoom, DistanceM: 2, SpeakerSPL: 70, Ambient: AmbientBabble, AmbientDBA: 50, Speaker: PhoneSpeaker}
	if err := good.Validate(48000); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mod  func(*Scene)
		fs   int
		want string
	}{
		{func(s *Scene) { s.DistanceM = 9 }, 48000, "distance 9 m"},
		{func(s *Scene) { s.DistanceM = math.NaN() }, 48000, "distance NaN m"},
		{func(s *Scene) { s.Room.SizeM[2] = 0.5 }, 48000, "height 0.5 m"},
		{func(s *Scene) { s.Room.RT60 = 0 }, 48000, "RT60 0s"},
		{func(s *Scene) { s.Room.RT60 = 10 * time.Millisecond }, 48000, "RT60 10ms is outside"},
		{func(s *Scene) { s.Room = Room{SizeM: [3]float64{2, 2, 2}, RT60: 3 * time.Second} }, 48000, "image sources"},
		{func(s *Scene) { s.SpeakerSPL = 200 }, 48000, "loudspeaker level 200"},
		{func(s *Scene) { s.AmbientDBA = math.Inf(1) }, 48000, "ambient level +Inf"},
		{func(s *Scene) { s.Ambient = "traffic" }, 48000, `"traffic"`},
		{func(s *Scene) { s.Speaker.HighPassOrder = 3 }, 48000, "highpass order 3"},
		{func(s *Scene) { s.Mic = Response{Name: "m", HighPassHz: 9000, HighPassOrder: 2} }, 16000, "highpass corner 9000 Hz"},
		{func(s *Scene) {}, 4000, "sample rate 4000"},
	} {
		s := good
		c.mod(&s)
		err := s.Validate(c.fs)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "channel: ") {
			t.Errorf("Validate = %v, want an error naming %q", err, c.want)
		}
		if _, err := s.Apply([]float32{1}, c.fs, newRand()); err == nil {
			t.Errorf("Apply accepted a scene Validate rejects (%q)", c.want)
		}
	}
	if _, err := good.Apply(make([]float32, 100), 48000, newRand()); err == nil {
		t.Error("Apply accepted a silent transmission")
	}
}

func TestSceneApply(t *testing.T) {
	const fs = 16000
	s := Scene{Room: SmallOffice, DistanceM: 1.5, SpeakerSPL: 70, Ambient: AmbientPink, AmbientDBA: 40, Speaker: PhoneSpeaker, Mic: PhoneMic}
	x := sine(fs/2, fs, 1000, 0.5)
	p, err := s.Prepare(fs)
	if err != nil {
		t.Fatal(err)
	}
	y1, err := p.Apply(x, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	y2, err := s.Apply(x, fs, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if len(y1) != len(x)+len(p.room.h)-1 {
		t.Errorf("output %d samples, want %d", len(y1), len(x)+len(p.room.h)-1)
	}
	for i := range y1 {
		if y1[i] != y2[i] {
			t.Fatalf("Prepared.Apply and Scene.Apply differ at %d", i)
		}
	}
	// With shares the room response and applies the new levels.
	q, err := p.With(Scene{Room: SmallOffice, DistanceM: 1.5, SpeakerSPL: 70, Ambient: AmbientPink, AmbientDBA: 40, Speaker: PhoneSpeaker, Mic: PhoneMic})
	if err != nil {
		t.Fatal(err)
	}
	if &q.room.h[0] != &p.room.h[0] {
		t.Error("With recomputed an unchanged room")
	}
	if q2, err := p.With(Scene{Room: SmallOffice, DistanceM: 2, SpeakerSPL: 70}); err != nil || len(q2.room.h) == len(p.room.h) {
		t.Errorf("With for another distance: %v, response of %d taps (was %d)", err, len(q2.room.h), len(p.room.h))
	}
	if _, err := p.With(Scene{Room: SmallOffice, DistanceM: 1.5, SpeakerSPL: -3}); err == nil {
		t.Error("With accepted a bad scene")
	}
	// Once the echoes have died away, only the ambient noise is heard: 40
	// dB(A), through the phone mic (which hardly changes pink noise's
	// A-weighted level).
	tail := y1[len(x)+len(p.room.h)/2:]
	if got := LevelDBA(tail, fs, 120); math.Abs(got-40) > 2 {
		t.Errorf("ambient after the echoes die away: %.2f dB(A), want 40 ± 2", got)
	}
	// The input is untouched.
	if x[fs/4] != sine(fs/2, fs, 1000, 0.5)[fs/4] {
		t.Error("Apply changed its input")
	}
	// Loud transmissions clip at full scale.
	s.SpeakerSPL, s.MicFullScaleSPL, s.Ambient = 130, 100, AmbientNone
	y, err := s.Apply(x, fs, newRand())
	if err != nil {
		t.Fatal(err)
	}
	var peak float32
	for _, v := range y {
		peak = max(peak, v, -v)
	}
	if peak != 1 {
		t.Errorf("peak %v at 130 dB SPL into a 100 dB mic, want clipped to 1", peak)
	}
}

func TestParsers(t *testing.T) {
	if s, err := ParseRoomSize("5x4x2.5"); err != nil || s != [3]float64{5, 4, 2.5} {
		t.Errorf("ParseRoomSize = %v, %v", s, err)
	}
	for _, bad := range []string{"5x4", "5x4xq", ""} {
		if _, err := ParseRoomSize(bad); err == nil {
			t.Errorf("ParseRoomSize(%q) accepted", bad)
		}
	}
	if r, err := LookupRoom("hall"); err != nil || r != Hall {
		t.Errorf("LookupRoom(hall) = %v, %v", r, err)
	}
	if _, err := LookupRoom("attic"); err == nil || !strings.Contains(err.Error(), "small-office") {
		t.Errorf("LookupRoom(attic) = %v, want an error listing the rooms", err)
	}
	if r, err := LookupResponse("phone-speaker"); err != nil || r != PhoneSpeaker {
		t.Errorf("LookupResponse = %v, %v", r, err)
	}
	if a, err := ParseAmbient(""); err != nil || a != AmbientNone {
		t.Errorf("ParseAmbient(\"\") = %v, %v", a, err)
	}
}

func BenchmarkPrepare(b *testing.B) {
	for _, room := range Rooms() {
		b.Run("room="+room.Name+"/rate=48000", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := (Scene{Room: room, DistanceM: 2, SpeakerSPL: 70}).Prepare(48000); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
