package channel

import (
	"bytes"
	"flag"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"warble/internal/wav"
)

var updateBabble = flag.Bool("update-babble", false, "regenerate testdata/babble.wav with espeak-ng")

// Babble fixture: four voices, each reading its own text, at 22050 Hz (the
// rate espeak-ng speaks at), babbleSeconds long.
const babbleSeconds = 5

var babbleVoices = []struct {
	voice, speed, pitch, text string
	shift                     float64 // seconds the voice is rotated by
}{
	{"en-us", "165", "45", "The quarterly numbers came in this morning and honestly they look better than we feared. We should still talk about the shipping costs before Friday.", 0},
	{"en-gb+f3", "175", "60", "Could you pass the salt? I think the soup needs a little more, and the bread is still warm if anyone wants some.", 1.3},
	{"en-gb-scotland", "150", "35", "We walked along the river until it got dark, then took the last bus home, which was nearly empty apart from a man with a dog.", 2.6},
	{"en-us+f2", "185", "70", "No, the meeting moved to Thursday afternoon. Did nobody send you the new invitation? I am sure I saw it yesterday.", 3.9},
}

// TestBabbleFixture checks the committed babble fixture; with
// -update-babble it first regenerates it with espeak-ng.
func TestBabbleFixture(t *testing.T) {
	const rate = 22050
	if *updateBabble {
		n := babbleSeconds * rate
		mix := make([]float64, n)
		for _, v := range babbleVoices {
			path := filepath.Join(t.TempDir(), "voice.wav")
			if out, err := exec.Command("espeak-ng", "-v", v.voice, "-s", v.speed, "-p", v.pitch, "-w", path, v.text).CombinedOutput(); err != nil {
				t.Fatalf("espeak-ng %s: %v: %s", v.voice, err, out)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			x, fs, err := wav.ReadAll(f)
			f.Close()
			if err != nil || fs != rate {
				t.Fatalf("espeak-ng %s: %d Hz, %v", v.voice, fs, err)
			}
			x = x[:min(len(x), n)]
			// Fade 20 ms at both ends so the loop point does not click.
			fade := rate / 50
			for i := 0; i < fade && i < len(x); i++ {
				g := float32(i) / float32(fade)
				x[i] *= g
				x[len(x)-1-i] *= g
			}
			rms := math.Sqrt(Power(x, Span{}))
			shift := int(v.shift * rate)
			for i, s := range x {
				mix[(i+shift)%n] += float64(s) / rms
			}
		}
		var peak float64
		for _, v := range mix {
			peak = max(peak, math.Abs(v))
		}
		y := make([]float32, n)
		for i, v := range mix {
			y[i] = float32(0.9 * v / peak)
		}
		var buf bytes.Buffer
		if err := wav.Encode(&buf, y, rate); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/babble.wav", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("wrote testdata/babble.wav; rebuild to embed it")
		return
	}
	x, fs, err := wav.ReadAll(bytes.NewReader(babbleWAV))
	if err != nil {
		t.Fatal(err)
	}
	if fs != rate || len(x) != babbleSeconds*rate {
		t.Fatalf("babble fixture: %d samples at %d Hz, want %d at %d", len(x), fs, babbleSeconds*rate, rate)
	}
	// Babble is busy: at most a few 100 ms windows are near silent.
	win := rate / 10
	quiet := 0
	full := Power(x, Span{})
	for i := 0; i+win <= len(x); i += win {
		if Power(x[i:i+win], Span{}) < full/100 {
			quiet++
		}
	}
	if quiet > 3 {
		t.Errorf("babble fixture has %d near-silent 100 ms windows, want ≤ 3", quiet)
	}
}
