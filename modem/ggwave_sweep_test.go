package modem

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"warble/internal/channel"
	"warble/internal/peers"
)

var ggSweep = flag.String("ggwave.sweep", "", "comma-separated ggwave protocols (e.g. normal,fastest) to sweep: warble's and ggwave's decoders on ggwave's own signal against SNR")

// TestGGWaveSweep measures, for ggwave's own transmissions of a 16-byte
// payload in white noise at 48 kHz, how often warble's decoder and ggwave's
// find the payload, SNR by SNR. It runs only with -ggwave.sweep:
//
//	go test ./modem -run TestGGWaveSweep -ggwave.sweep normal,fast,fastest -v -timeout 30m
func TestGGWaveSweep(t *testing.T) {
	if *ggSweep == "" {
		t.Skip("run with -ggwave.sweep PROTOCOLS")
	}
	needGGWave(t)
	ctx := peerContext(t)
	const (
		rate     = 48000
		trials   = 30
		payloads = 6
	)
	snrs := []float64{-6, -8, -10, -12, -14, -16, -18, -20}
	if s := os.Getenv("GGSNR"); s != "" {
		v, _ := strconv.ParseFloat(s, 64)
		snrs = []float64{v}
	}
	for _, name := range strings.Split(*ggSweep, ",") {
		p, err := Lookup("ggwave-" + name)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(5, 6))
		var clean [][]float32
		var sent [][]byte
		for i := 0; i < payloads; i++ {
			pl := randPayload(rng, 16)
			x, err := peers.GGWaveEncode(ctx, name, pl, rate)
			if err != nil {
				t.Fatal(err)
			}
			clean = append(clean, x)
			sent = append(sent, pl)
		}
		var line []string
		for _, snr := range snrs {
			var recs [][]float32
			var want [][]byte
			for i := 0; i < trials; i++ {
				x := clean[i%payloads]
				act := channel.Span{Start: rate / 2, End: rate/2 + len(x)}
				padded := channel.Pad(x, rate/2, rate/2)
				recs = append(recs, channel.AddNoise(nil, padded, snr, act, rng))
				want = append(want, sent[i%payloads])
			}
			theirs, err := peers.GGWaveDecodeMany(ctx, recs, rate)
			if err != nil {
				t.Fatal(err)
			}
			ours, gg := 0, 0
			for i, x := range recs {
				r, err := NewReceiver(rate, p)
				if err != nil {
					t.Fatal(err)
				}
				fr := feed(r, x, 4096)
				hit := false
				for _, f := range fr {
					if bytes.Equal(f.Payload, want[i]) {
						hit = true
					}
				}
				if hit {
					ours++
				} else if testing.Verbose() {
					t.Logf("%s %+.0f dB trial %d missed: %s %+v", name, snr, i, describe(fr), r.Stats())
				}
				for _, pl := range theirs[i] {
					if bytes.Equal(pl, want[i]) {
						gg++
						break
					}
				}
			}
			line = append(line, fmt.Sprintf("%+.0f dB: warble %3.0f%% ggwave %3.0f%%", snr, 100*float64(ours)/trials, 100*float64(gg)/trials))
			t.Logf("%s %s", name, line[len(line)-1])
		}
	}
}

var bellSweep = flag.Bool("bell.sweep", false, "sweep warble's and minimodem's decoders on minimodem's own Bell 103 and 202 signals against SNR")

// TestBellSweep measures, for minimodem's transmissions of a 16-byte
// payload in white noise at 48 kHz, how often warble's decoder and
// minimodem's return it intact. It runs only with -bell.sweep:
//
//	go test ./modem -run TestBellSweep -bell.sweep -v
func TestBellSweep(t *testing.T) {
	if !*bellSweep {
		t.Skip("run with -bell.sweep")
	}
	needMinimodem(t)
	ctx := peerContext(t)
	const (
		rate   = 48000
		trials = 20
	)
	rng := rand.New(rand.NewPCG(7, 8))
	payload := []byte("0123456789abcdef")
	for _, p := range BellProfiles() {
		clean, err := peers.MinimodemEncode(ctx, bellBaud(p), payload, rate)
		if err != nil {
			t.Fatal(err)
		}
		for _, snr := range []float64{3, 0, -3, -6, -9} {
			ours, theirs := 0, 0
			for i := 0; i < trials; i++ {
				act := channel.Span{Start: rate / 4, End: rate/4 + len(clean)}
				x := channel.AddNoise(nil, channel.Pad(clean, rate/4, rate/4), snr, act, rng)
				for _, f := range decodeAll(t, rate, x, 4096, p) {
					if bytes.Equal(f.Payload, payload) {
						ours++
					}
				}
				got, err := peers.MinimodemDecode(ctx, bellBaud(p), x, rate)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(got, payload) {
					theirs++
				}
			}
			t.Logf("%s %+.0f dB: warble %3.0f%% minimodem %3.0f%%", p.Name, snr, 100*float64(ours)/trials, 100*float64(theirs)/trials)
		}
	}
}
