package light

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestIdeal(t *testing.T) {
	levels := []float64{0, 1, 0.5, 0.25}
	s, err := Simulate(levels, Config{SampleRateHz: 600}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 40 {
		t.Fatalf("%d samples, want 40 (4 refreshes at 600 Hz)", len(s))
	}
	for i, x := range s {
		if want := levels[i/10]; math.Abs(x.V-want) > 1e-12 {
			t.Errorf("sample %d = %g, want %g", i, x.V, want)
		}
		if math.Abs(x.T-float64(i)/600) > 1e-12 {
			t.Errorf("sample %d at %g s", i, x.T)
		}
	}
}

func TestImpairments(t *testing.T) {
	levels := make([]float64, 600)
	for i := range levels {
		levels[i] = float64(i % 2)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	shown := Shown(levels, 0.1, 0.1, rng)
	if len(shown) == len(levels) || math.Abs(float64(len(shown)-len(levels))) > 60 {
		t.Errorf("10%% repeats and drops turned %d levels into %d", len(levels), len(shown))
	}
	c := Config{SampleRateHz: 1000, ClockError: 0.01, Gain: 2, Offset: 0.5, IdleBefore: time.Second,
		IdleLevel: 0.25, Response: 5 * time.Millisecond, Ambient: 0.1, FlickerHz: 100, FlickerDepth: 1}
	s, err := Simulate(levels, c, rng)
	if err != nil {
		t.Fatal(err)
	}
	// 11 s of display time read by a clock 1% fast.
	if want := int(11 * 1.01 * 1000); len(s) != want {
		t.Errorf("%d samples, want %d", len(s), want)
	}
	// Idle light through gain, offset and ambient light (flicker averages
	// out over 0.5 s).
	var sum float64
	for _, x := range s[200:700] {
		sum += x.V
	}
	if got, want := sum/500, 2*(0.25+0.1)+0.5; math.Abs(got-want) > 0.02 {
		t.Errorf("idle reads %g, want %g", got, want)
	}
}

func TestNoise(t *testing.T) {
	s, err := Simulate(make([]float64, 600), Config{Noise: 0.1}, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	var ss float64
	for _, x := range s {
		ss += x.V * x.V
	}
	if sd := math.Sqrt(ss / float64(len(s))); math.Abs(sd-0.1) > 0.01 {
		t.Errorf("noise σ %g, want 0.1", sd)
	}
}

func TestBadConfig(t *testing.T) {
	for _, c := range []Config{
		{RefreshHz: -1},
		{SampleRateHz: 1e6},
		{RepeatProb: 0.4, DropProb: 0.4},
		{DropProb: -0.1},
		{Lag: -time.Millisecond},
		{ClockError: 0.5},
		{FlickerDepth: 2},
	} {
		if _, err := Simulate([]float64{1}, c, rand.New(rand.NewPCG(1, 1))); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
