package main

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"warble/modem"
)

// TestSendListenUsage checks the flags that are refused before any device
// is opened.
func TestSendListenUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"send"}, "send takes exactly one PAYLOAD (got 0)"},
		{[]string{"send", "-backend", "alsa", "x"}, `-backend "alsa": want portaudio or oto`},
		{[]string{"send", "-profile", "loud", "x"}, "loud"},
		{[]string{"send", "-repeat", "0", "x"}, "-repeat 0 is outside 1..100"},
		{[]string{"send", "-gap", "-1s", "x"}, "-gap -1s is outside 0..1m"},
		{[]string{"send", "-hex", "zz"}, "payload is not valid hex"},
		{[]string{"send", strings.Repeat("x", 141)}, "payload is 141 bytes"},
		{[]string{"listen", "extra"}, "listen takes no arguments"},
		{[]string{"listen", "-count", "-1"}, "-count -1 is negative"},
		{[]string{"listen", "-timeout", "-1s"}, "-timeout -1s is negative"},
		{[]string{"listen", "-profile", "loud"}, "loud"},
		{[]string{"devices", "extra"}, "devices takes no arguments"},
	} {
		r := warble(t, nil, tc.args...)
		r.want(t, 2, tc.args...)
		if !strings.Contains(r.stderr, "warble: error: ") || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("warble %s: stderr %q, want %q", strings.Join(tc.args, " "), r.stderr, tc.msg)
		}
	}
}

// TestBandSNR checks the meter's in-band SNR: a tone in the audible band
// over weak noise stands far above the floor there and not in the
// ultrasonic band.
func TestBandSNR(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := newBandSNR([]modem.Profile{modem.Audible, modem.Ultrasonic}, deviceRate)
	if snr, name := b.best(); name != "" && !math.IsInf(snr, -1) && snr > 1 {
		t.Errorf("silence: best band %s at %.1f dB, want nothing", name, snr)
	}
	chunk := make([]float32, 4800)
	for i := range chunk {
		chunk[i] = float32(0.3*math.Sin(2*math.Pi*2000*float64(i)/deviceRate) + 0.01*rng.NormFloat64())
	}
	b.add(chunk)
	snr, name := b.best()
	if name != "audible" || snr < 30 {
		t.Errorf("2 kHz tone: best band %s at %.1f dB, want audible above 30 dB", name, snr)
	}
	for i := range chunk {
		chunk[i] = float32(0.01 * rng.NormFloat64())
	}
	b.add(chunk)
	if snr, _ := b.best(); snr > 15 {
		t.Errorf("noise alone: best band at %.1f dB, want under 15 dB", snr)
	}
}
