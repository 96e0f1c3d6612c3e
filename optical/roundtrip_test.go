package optical

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"warble/internal/light"
)

// harsh is a path with every impairment the decoder must survive.
func harsh(seed uint64, rng *rand.Rand) light.Config {
	return light.Config{
		RefreshHz:    60,
		RepeatProb:   0.02,
		DropProb:     0.02,
		Lag:          time.Duration(rng.IntN(40)) * time.Millisecond,
		Response:     4 * time.Millisecond,
		Ambient:      0.3,
		FlickerHz:    []float64{100, 120}[seed%2],
		FlickerDepth: 0.5,
		SampleRateHz: []float64{300, 500, 1000, 2000}[seed%4],
		ClockError:   0.02*rng.Float64() - 0.01,
		Gain:         0.3 + rng.Float64(),
		Offset:       rng.Float64() - 0.5,
		Noise:        0.01,
		IdleBefore:   2 * time.Second,
		IdleAfter:    2 * time.Second,
		IdleLevel:    1,
	}
}

func toTrace(s []light.Sample) Trace {
	var tr Trace
	for _, x := range s {
		tr.T = append(tr.T, x.T)
		tr.V = append(tr.V, x.V)
	}
	return tr
}

func TestRoundTripHarsh(t *testing.T) {
	payload := []byte("0123456789abcdef")
	for _, p := range Profiles() {
		seeds := uint64(8)
		if raceEnabled {
			seeds = 2
		}
		for seed := range seeds {
			t.Run(fmt.Sprintf("profile=%s/seed=%d", p.Name, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 7))
				lv, err := p.Levels(nil, payload)
				if err != nil {
					t.Fatal(err)
				}
				cfg := harsh(seed, rng)
				if p.Name == "safe" {
					cfg.Noise /= 2
				}
				s, err := light.Simulate(lv, cfg, rng)
				if err != nil {
					t.Fatal(err)
				}
				frames, err := Decode(toTrace(s), 60)
				if err != nil {
					t.Fatal(err)
				}
				if len(frames) != 1 || !bytes.Equal(frames[0].Payload, payload) || frames[0].Profile != p.Name {
					t.Fatalf("got %+v (cfg %+v)", frames, cfg)
				}
				t.Logf("snr %.1f skew %.0f start %v", frames[0].SNR, frames[0].SkewPPM, frames[0].Start)
			})
		}
	}
}

func TestSafeBand(t *testing.T) {
	for _, n := range []int{1, 16, 140} {
		payload := make([]byte, n)
		for i := range payload {
			payload[i] = byte(i * 37)
		}
		lv, err := Safe.Levels(nil, payload)
		if err != nil {
			t.Fatal(err)
		}
		if len(lv) != Safe.Refreshes(n) {
			t.Errorf("%d levels, Refreshes says %d", len(lv), Safe.Refreshes(n))
		}
		for _, l := range lv {
			if l < 0.8 || l > 1 {
				t.Fatalf("safe level %g outside [0.8, 1]", l)
			}
		}
	}
}

// TestAirtime checks the targets for a 16-byte token at 60 Hz.
func TestAirtime(t *testing.T) {
	for _, c := range []struct {
		p   Profile
		max float64
	}{{Full, 4}, {Safe, 6}} {
		if s := float64(c.p.Refreshes(16)) / 60; s > c.max {
			t.Errorf("%s: 16 bytes take %.2f s, target %.0f s", c.p.Name, s, c.max)
		}
	}
}

func TestNoFalseFrames(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	var tr Trace
	for i := range 10000 {
		tr.T = append(tr.T, float64(i)/1000)
		tr.V = append(tr.V, 0.5+0.3*rng.NormFloat64())
	}
	frames, err := Decode(tr, 60)
	if err != nil || len(frames) != 0 {
		t.Fatalf("noise gave %v, %v", frames, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := Trace{T: []float64{0, 1}, V: []float64{0, 1}}
	if _, err := Decode(good, 5); err == nil {
		t.Error("refresh 5 Hz accepted")
	}
	if _, err := Decode(good, 60); !errors.Is(err, ErrSampleRate) {
		t.Errorf("2 samples a second: %v, want ErrSampleRate", err)
	}
	if _, err := Decode(Trace{T: []float64{0, 1}, V: []float64{0}}, 60); !errors.Is(err, ErrTrace) {
		t.Errorf("mismatched trace: %v", err)
	}
	bad := Full
	bad.BitsPerSymbol = 9
	if _, err := Decode(good, 60, bad); err == nil {
		t.Error("bad profile accepted")
	}
	if _, err := bad.Levels(nil, []byte("x")); err == nil {
		t.Error("bad profile encoded")
	}
	if _, err := Full.Levels(nil, nil); err == nil {
		t.Error("empty payload encoded")
	}
}

// Two transmissions in one trace, one per profile, are both found in order.
func TestTwoFrames(t *testing.T) {
	a, _ := Safe.Levels(nil, []byte("first"))
	b, _ := Full.Levels(nil, []byte("second"))
	lv := append(append(a, make([]float64, 60)...), b...)
	rng := rand.New(rand.NewPCG(4, 4))
	s, err := light.Simulate(lv, light.Config{Noise: 0.003, IdleBefore: time.Second, IdleAfter: time.Second, IdleLevel: 1}, rng)
	if err != nil {
		t.Fatal(err)
	}
	frames, err := Decode(toTrace(s), 60)
	if err != nil || len(frames) != 2 || string(frames[0].Payload) != "first" || string(frames[1].Payload) != "second" {
		t.Fatalf("got %+v, %v", frames, err)
	}
}

// TestRoundTripSlow covers a sluggish display and sensor (τ = 8 ms, half a
// refresh) sampled slowly enough that the 120 Hz flicker is aliased.
func TestRoundTripSlow(t *testing.T) {
	payload := []byte("slow light")
	for _, p := range Profiles() {
		seeds := uint64(2)
		if raceEnabled {
			seeds = 1
		}
		for seed := range seeds {
			t.Run(fmt.Sprintf("profile=%s/seed=%d", p.Name, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 11))
				lv, err := p.Levels(nil, payload)
				if err != nil {
					t.Fatal(err)
				}
				cfg := harsh(seed, rng)
				cfg.Response = 8 * time.Millisecond
				cfg.SampleRateHz = 180
				cfg.FlickerHz = 120
				cfg.Noise = 0.002
				s, err := light.Simulate(lv, cfg, rng)
				if err != nil {
					t.Fatal(err)
				}
				frames, err := Decode(toTrace(s), 60)
				if err != nil {
					t.Fatal(err)
				}
				if len(frames) != 1 || !bytes.Equal(frames[0].Payload, payload) {
					t.Fatalf("got %+v (cfg %+v)", frames, cfg)
				}
			})
		}
	}
}

// Transmissions cut into their data at either end of the trace give no
// frame and no panic. (A preamble or postamble partly cut still decodes.)
func TestCutTransmission(t *testing.T) {
	for _, p := range Profiles() {
		lv, err := p.Levels(nil, []byte("0123456789abcdef"))
		if err != nil {
			t.Fatal(err)
		}
		cuts := []int{5, 20, 30, 60, len(lv) / 2, len(lv) - 30, len(lv) - 4}
		if raceEnabled {
			cuts = []int{60, len(lv) - 30}
		}
		for _, cut := range cuts {
			for _, tail := range []bool{false, true} {
				part := lv[:cut]
				if tail {
					part = lv[cut:]
				}
				if tail && cut < 30 || !tail && cut > len(lv)-10 {
					continue
				}
				s, err := light.Simulate(part, light.Config{Noise: 0.002}, rand.New(rand.NewPCG(uint64(cut), 1)))
				if err != nil {
					t.Fatal(err)
				}
				if len(s) < 2 {
					continue
				}
				frames, err := Decode(toTrace(s), 60)
				if err != nil || len(frames) != 0 {
					t.Errorf("%s cut %d tail %v: %v, %v", p.Name, cut, tail, frames, err)
				}
			}
		}
	}
}
