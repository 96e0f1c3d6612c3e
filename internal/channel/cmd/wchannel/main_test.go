package main

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"warble/internal/channel"
	"warble/internal/wav"
)

func writeTone(t *testing.T, path string, fs int) []float32 {
	t.Helper()
	x := make([]float32, fs/2)
	for i := range x {
		x[i] = float32(0.5 * math.Sin(2*math.Pi*1000*float64(i)/float64(fs)))
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := wav.Encode(f, x, fs); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return x
}

func TestRunScene(t *testing.T) {
	const fs = 16000
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.wav")
	x := writeTone(t, in, fs)
	sc, err := scene("5x4x2.5", 300*time.Millisecond, true, 1, 70, 120, "none", 0, "flat", "flat")
	if err != nil {
		t.Fatal(err)
	}
	if err := runScene(in, out, sc, 1); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	y, rate, err := wav.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	h, _ := sc.ImpulseResponse(fs)
	if rate != fs || len(y) != len(x)+len(h)-1 {
		t.Errorf("output: %d samples at %d Hz, want %d at %d", len(y), rate, len(x)+len(h)-1, fs)
	}
	// The file holds what the scene makes of the (16-bit) input with the
	// same seed, to 16-bit precision.
	f, err = os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	xin, _, err := wav.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	want, err := sc.Apply(xin, fs, rand.New(rand.NewPCG(1, 0x5eed)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if math.Abs(float64(y[i]-want[i])) > 1.0/32768 {
			t.Fatalf("sample %d: file %v, scene %v", i, y[i], want[i])
		}
	}
	if p := channel.Power(y, channel.Span{}); p == 0 {
		t.Error("silent output")
	}
}

func TestSceneFlags(t *testing.T) {
	for _, c := range []struct {
		room    string
		rt60Set bool
		ambient string
		speaker string
		want    string
	}{
		{"attic", false, "none", "flat", "neither a named room"},
		{"5x4x2.5", false, "none", "flat", "needs -rt60"},
		{"hall", false, "traffic", "flat", `"traffic"`},
		{"hall", false, "none", "horn", `"horn"`},
	} {
		_, err := scene(c.room, time.Second, c.rt60Set, 1, 70, 120, c.ambient, 40, c.speaker, "flat")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("scene(%s, %s, %s) = %v, want an error naming %s", c.room, c.ambient, c.speaker, err, c.want)
		}
	}
	sc, err := scene("living-room", 0, false, 3, 65, 110, "babble", 45, "phone-speaker", "laptop-mic")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Room != channel.LivingRoom || sc.DistanceM != 3 || sc.SpeakerSPL != 65 || sc.MicFullScaleSPL != 110 ||
		sc.Ambient != channel.AmbientBabble || sc.AmbientDBA != 45 || sc.Speaker != channel.PhoneSpeaker || sc.Mic != channel.LaptopMic {
		t.Errorf("scene = %+v", sc)
	}
}
